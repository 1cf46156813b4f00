//! What the central does with the transactions stations push: each id at most once, loans
//! and holds brought up to date, and every refusal kept as a conflict for staff.
//!
//! Stations decide locally and the loan has happened by the time it reaches the hub, so a
//! conflict never undoes anything at the station: it is a note for staff that the central's
//! picture and the station's disagree (two stations lent one copy; a return of a copy the
//! central has on the shelf; a loan to a patron blocked meanwhile).

use crate::storage::{HubError, Kind, Put, Received, Result, Storage, Tx, TxState};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use swalayan::sync::documents::{HoldDoc, LoanDoc, PatronDoc};
use swalayan::sync::protocol::{Outcome, PushResult, PushTransaction};

/// Applies a push in one serialised write transaction.
///
/// `clock_offset` is the hub's clock minus the station's, measured at this push: the times
/// of transactions made under an untrusted clock are corrected by it.
pub fn apply_batch(
    storage: &dyn Storage,
    station: &str,
    batch: &[PushTransaction],
    now: Timestamp,
    clock_offset: Option<SignedDuration>,
) -> Result<Vec<PushResult>> {
    let mut results = Vec::new();
    storage.write(&mut |tx| {
        results = apply_in(tx, station, batch, now, clock_offset)?;
        Ok(())
    })?;
    Ok(results)
}

fn text<'a>(payload: &'a Value, field: &str) -> Option<&'a str> {
    payload
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The documents a batch touches, read once and updated in memory as the batch goes.
struct Working {
    loans: HashMap<String, Option<LoanDoc>>,
    patrons: HashMap<String, Option<PatronDoc>>,
    holds: HashMap<String, Option<HoldDoc>>,
    /// Keys changed, in the order first changed.
    dirty: Vec<(Kind, String)>,
    dirty_set: HashSet<(Kind, String)>,
}

/// The body to store for one working document (`None`: deleted).
fn body_of<T: serde::Serialize>(
    docs: &HashMap<String, Option<T>>,
    key: &str,
) -> Result<Option<Value>> {
    docs.get(key)
        .and_then(Option::as_ref)
        .map(|d| serde_json::to_value(d).map_err(|e| HubError::Corrupt(format!("document: {e}"))))
        .transpose()
}

impl Working {
    fn touch(&mut self, kind: Kind, key: &str) {
        if self.dirty_set.insert((kind, key.to_string())) {
            self.dirty.push((kind, key.to_string()));
        }
    }

    fn puts(&self) -> Result<Vec<Put>> {
        self.dirty
            .iter()
            .map(|(kind, key)| {
                let body = match kind {
                    Kind::Loan => body_of(&self.loans, key)?,
                    Kind::Patron => body_of(&self.patrons, key)?,
                    Kind::Hold => body_of(&self.holds, key)?,
                    _ => unreachable!("the ledger writes loans, patrons and holds only"),
                };
                Ok(Put {
                    kind: *kind,
                    key: key.clone(),
                    body,
                })
            })
            .collect()
    }
}

fn load<T: serde::de::DeserializeOwned>(
    tx: &mut dyn Tx,
    kind: Kind,
    keys: Vec<String>,
) -> Result<HashMap<String, Option<T>>> {
    let found = tx.get(kind, &keys)?;
    let mut out = HashMap::with_capacity(keys.len());
    for key in keys {
        let doc = match found.get(&key) {
            Some(body) => Some(
                serde_json::from_value(body.clone())
                    .map_err(|e| HubError::Corrupt(format!("{} {key}: {e}", kind.code())))?,
            ),
            None => None,
        };
        out.insert(key, doc);
    }
    Ok(out)
}

fn apply_in(
    tx: &mut dyn Tx,
    station: &str,
    batch: &[PushTransaction],
    now: Timestamp,
    clock_offset: Option<SignedDuration>,
) -> Result<Vec<PushResult>> {
    let ids: Vec<_> = batch.iter().map(|t| t.id).collect();
    let seen = tx.seen(&ids)?;
    let fresh: Vec<&PushTransaction> = batch.iter().filter(|t| !seen.contains(&t.id)).collect();
    let keys = |field: &str| -> Vec<String> {
        let mut v: Vec<String> = fresh
            .iter()
            .filter_map(|t| text(&t.payload, field).map(str::to_string))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let items = keys("item");
    let patrons = keys("patron");
    let holds = keys("hold_key");
    let mut work = Working {
        loans: load(tx, Kind::Loan, items)?,
        patrons: load(tx, Kind::Patron, patrons)?,
        holds: load(tx, Kind::Hold, holds)?,
        dirty: Vec::new(),
        dirty_set: HashSet::new(),
    };
    let mut results = Vec::with_capacity(batch.len());
    let mut rows = Vec::with_capacity(fresh.len());
    for t in batch {
        if seen.contains(&t.id) {
            results.push(PushResult {
                id: t.id,
                outcome: Outcome::Duplicate,
                reason: None,
            });
            continue;
        }
        let effective_at = effective_time(t, clock_offset);
        let conflict = apply_one(&mut work, station, t, &effective_at);
        let (state, outcome) = match conflict {
            None => (TxState::Applied, Outcome::Applied),
            Some(_) => (TxState::Conflict, Outcome::Conflict),
        };
        rows.push(Received {
            id: t.id,
            station: station.to_string(),
            seq: t.seq,
            kind: t.kind.clone(),
            created_at: t.created_at.clone(),
            clock_trusted: t.clock_trusted,
            effective_at,
            received_at: now.to_string(),
            payload: t.payload.clone(),
            state,
            reason: conflict.clone(),
            resolution: None,
        });
        results.push(PushResult {
            id: t.id,
            outcome,
            reason: conflict,
        });
    }
    tx.put(&work.puts()?)?;
    tx.record(&rows)?;
    Ok(results)
}

/// The time a transaction happened as the central records it: the station's own time when
/// its clock was trusted, else corrected by the offset measured at push.
fn effective_time(t: &PushTransaction, clock_offset: Option<SignedDuration>) -> String {
    match (
        t.clock_trusted,
        clock_offset,
        t.created_at.parse::<Timestamp>(),
    ) {
        (false, Some(offset), Ok(at)) => at
            .checked_add(offset)
            .map(|c| c.to_string())
            .unwrap_or_else(|_| t.created_at.clone()),
        _ => t.created_at.clone(),
    }
}

fn checkin(work: &mut Working, item: &str) -> Option<String> {
    match work.loans.get(item) {
        Some(Some(_)) => {
            work.loans.insert(item.to_string(), None);
            work.touch(Kind::Loan, item);
            None
        }
        _ => Some(format!(
            "return of item {item}, which the central has on the shelf"
        )),
    }
}

/// One transaction against the working documents: `None` when it applies, else why not.
fn apply_one(
    work: &mut Working,
    station: &str,
    t: &PushTransaction,
    effective_at: &str,
) -> Option<String> {
    let p = &t.payload;
    let item = text(p, "item").unwrap_or("").to_string();
    let patron = text(p, "patron").map(str::to_string);
    match t.kind.as_str() {
        "checkout" | "pickup" => {
            if let Some(Some(existing)) = work.loans.get(&item) {
                return Some(if Some(&existing.patron) == patron.as_ref() {
                    format!("item {item} is already on loan to this patron centrally")
                } else {
                    format!(
                        "item {item} is already on loan centrally (lent at {})",
                        existing.station
                    )
                });
            }
            let due = text(p, "due").and_then(|d| d.parse().ok());
            let (Some(card), Some(due)) = (patron.clone(), due) else {
                return Some(format!("a loan of item {item} without patron or due date"));
            };
            work.loans.insert(
                item.clone(),
                Some(LoanDoc {
                    patron: card.clone(),
                    issued: effective_at.to_string(),
                    due,
                    renewals: 0,
                    station: station.to_string(),
                }),
            );
            work.touch(Kind::Loan, &item);
            if let Some(key) = text(p, "hold_key").map(str::to_string)
                && let Some(Some(hold)) = work.holds.get_mut(&key)
            {
                hold.status = "fulfilled".into();
                work.touch(Kind::Hold, &key);
            }
            // The copy is out either way; a patron blocked centrally meanwhile is for staff.
            match work.patrons.get(&card) {
                Some(Some(doc)) if doc.blocked => Some(format!(
                    "loan of item {item} to a patron blocked centrally ({}); the loan is recorded",
                    doc.block_note.as_deref().unwrap_or("no note")
                )),
                _ => None,
            }
        }
        "checkin" => {
            // A return that fills a hold sets the copy aside: the hold is ready (or travelling).
            if let Some(key) = text(p, "hold_key").map(str::to_string)
                && let Some(Some(hold)) = work.holds.get_mut(&key)
            {
                hold.status = match text(p, "route") {
                    Some("transfer") => "in_transit".into(),
                    _ => "ready".into(),
                };
                work.touch(Kind::Hold, &key);
            }
            checkin(work, &item)
        }
        "renew" => match work.loans.get_mut(&item) {
            Some(Some(loan)) => {
                if let Some(due) = text(p, "due").and_then(|d| d.parse().ok()) {
                    loan.due = due;
                }
                loan.renewals += 1;
                work.touch(Kind::Loan, &item);
                None
            }
            _ => Some(format!(
                "renewal of item {item}, which the central has not on loan"
            )),
        },
        "hold" => {
            let key = text(p, "hold_key")
                .map(str::to_string)
                .unwrap_or_else(|| t.id.to_string());
            let (Some(card), Some(title)) = (patron, text(p, "title_key")) else {
                return Some("a hold without patron or title".into());
            };
            work.holds.insert(
                key.clone(),
                Some(HoldDoc {
                    patron: card,
                    title: title.to_string(),
                    item: text(p, "item").map(str::to_string),
                    pickup_branch: text(p, "pickup_branch").unwrap_or("").to_string(),
                    placed: effective_at.to_string(),
                    status: "waiting".into(),
                    origin: station.to_string(),
                }),
            );
            work.touch(Kind::Hold, &key);
            None
        }
        "fine" => {
            let amount = p.get("amount").and_then(Value::as_i64).unwrap_or(0);
            if let Some(card) = patron
                && let Some(Some(doc)) = work.patrons.get_mut(&card)
            {
                doc.fines = doc.fines.saturating_add(amount);
                work.touch(Kind::Patron, &card);
            }
            None
        }
        // Feedback and anything newer than this hub are recorded as received.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::SqliteStorage;
    use serde_json::json;
    use uuid::Uuid;

    fn txn(kind: &str, payload: Value, trusted: bool) -> PushTransaction {
        PushTransaction {
            id: Uuid::now_v7(),
            seq: 1,
            kind: kind.into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            clock_trusted: trusted,
            payload,
        }
    }

    #[test]
    fn untrusted_times_are_corrected_by_the_measured_offset() {
        let t = txn("feedback", json!({}), false);
        let offset = SignedDuration::from_hours(24 * 300);
        assert_eq!(effective_time(&t, Some(offset)), "2026-10-28T00:00:00Z");
        let trusted = txn("feedback", json!({}), true);
        assert_eq!(effective_time(&trusted, Some(offset)), trusted.created_at);
        assert_eq!(effective_time(&t, None), t.created_at);
    }

    #[test]
    fn a_batch_lending_one_copy_twice_keeps_the_second_as_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(&dir.path().join("hub.db")).unwrap();
        storage.add_station("k", "h", Timestamp::now()).unwrap();
        let loan = |card: &str| {
            txn(
                "checkout",
                json!({"item": "B1", "patron": card, "due": "2026-02-01"}),
                true,
            )
        };
        let batch = [
            loan("P1"),
            loan("P2"),
            txn("renew", json!({"item": "B1", "due": "2026-03-01"}), true),
        ];
        let results = apply_batch(&storage, "k", &batch, Timestamp::now(), None).unwrap();
        let outcomes: Vec<_> = results.iter().map(|r| r.outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::Applied, Outcome::Conflict, Outcome::Applied]
        );
        let loans = storage.documents(Kind::Loan).unwrap();
        assert_eq!(loans.len(), 1);
        assert_eq!(loans[0].1["patron"], "P1");
        assert_eq!(loans[0].1["due"], "2026-03-01");
        assert_eq!(loans[0].1["renewals"], 1);
    }
}
