//! What the central does with the transactions stations push: each id at most once, loans
//! and holds brought up to date, and every refusal kept as a conflict for staff.
//!
//! Stations decide locally and the loan has happened by the time it reaches the hub, so a
//! conflict never undoes anything at the station: it is a note for staff that the central's
//! picture and the station's disagree (two stations lent one copy; a return of a copy the
//! central has on the shelf; a loan to a patron blocked meanwhile).

use crate::storage::{DocBody, DocKind, HubError, Put, Received, Result, Storage, Tx, TxState};
use jiff::{SignedDuration, Timestamp};
use std::collections::{HashMap, HashSet};
use swalayan_core::circulation::pin::after_wrong_pin;
use swalayan_core::circulation::rules::hold_status_on_return;
use swalayan_core::contract::conflicts::Conflict;
use swalayan_core::contract::documents::{
    CardRangeDoc, Consent, ContactDoc, EventDoc, HoldDoc, ItemDoc, LoanDoc, POLICY_KEY, PatronDoc,
    PolicyDoc, RosterDoc,
};
use swalayan_core::contract::protocol::{Outcome, PushResult, PushTransaction};
use swalayan_core::contract::transactions::{
    FinePayload, HoldPayload, LoanPayload, PayloadError, PinAttemptPayload, RegisterPayload, TxBody,
};
use swalayan_core::domain::HoldStatus;
use swalayan_core::domain::Policy;
use swalayan_core::import::policy::parse_policy;
use uuid::Uuid;

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

/// The documents a batch touches, read once and updated in memory as the batch goes.
struct Working {
    loans: HashMap<String, Option<LoanDoc>>,
    patrons: HashMap<String, Option<PatronDoc>>,
    holds: HashMap<String, Option<HoldDoc>>,
    /// Events members checked in at (read only) and their rosters.
    events: HashMap<String, Option<EventDoc>>,
    rosters: HashMap<String, Option<RosterDoc>>,
    /// The copies fines are charged for (read only: their item type picks the fine rule).
    items: HashMap<String, Option<ItemDoc>>,
    /// The library's policy (PIN rule, fine rules), read when the batch carries PIN attempts
    /// or fines.
    policy: Option<Policy>,
    /// The returns this batch applied, by transaction id: a fine must name one of them.
    returns: HashMap<Uuid, AppliedReturn>,
    /// Contacts of members registered in this batch (a mobile station's `register`).
    contacts: HashMap<String, Option<ContactDoc>>,
    /// The pushing station's card range, read when the batch registers members.
    card_range: Option<CardRangeDoc>,
    /// Keys changed, in the order first changed.
    dirty: Vec<(DocKind, String)>,
    dirty_set: HashSet<(DocKind, String)>,
}

/// The write of one working document (`None`: deleted).
fn put_of<D: DocBody>(docs: &HashMap<String, Option<D>>, key: &str) -> Result<Put> {
    Put::of(key, docs.get(key).and_then(Option::as_ref))
}

/// A return the hub applied: whose loan it closed, and when it was due.
struct AppliedReturn {
    patron: String,
    item: String,
    due: jiff::civil::Date,
    returned: Timestamp,
}

impl Working {
    fn touch(&mut self, kind: DocKind, key: &str) {
        if self.dirty_set.insert((kind, key.to_string())) {
            self.dirty.push((kind, key.to_string()));
        }
    }

    fn puts(&self) -> Result<Vec<Put>> {
        self.dirty
            .iter()
            .map(|(kind, key)| match kind {
                DocKind::Loan => put_of(&self.loans, key),
                DocKind::Patron => put_of(&self.patrons, key),
                DocKind::Hold => put_of(&self.holds, key),
                DocKind::Roster => put_of(&self.rosters, key),
                DocKind::Contact => put_of(&self.contacts, key),
                _ => unreachable!(
                    "the ledger writes loans, patrons, holds, rosters and contacts only"
                ),
            })
            .collect()
    }
}

/// The documents with these keys, each `None` where there is none (so the batch can tell a
/// missing document from one it has not read).
fn load<D: DocBody>(tx: &mut dyn Tx, keys: Vec<String>) -> Result<HashMap<String, Option<D>>> {
    let mut found = tx.docs::<D>(&keys)?;
    Ok(keys
        .into_iter()
        .map(|key| {
            let doc = found.remove(&key);
            (key, doc)
        })
        .collect())
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
    // Each fresh transaction read once into its typed body (or why it cannot be).
    let fresh: Vec<(&PushTransaction, std::result::Result<TxBody, PayloadError>)> = batch
        .iter()
        .filter(|t| !seen.contains_key(&t.id))
        .map(|t| (t, TxBody::decode(&t.kind, &t.payload)))
        .collect();
    let keys = |pick: fn(&TxBody) -> Option<&str>| -> Vec<String> {
        let mut v: Vec<String> = fresh
            .iter()
            .filter_map(|(_, body)| body.as_ref().ok().and_then(pick).map(str::to_string))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let items = keys(TxBody::item);
    let patrons = keys(TxBody::patron);
    let holds = keys(TxBody::hold_key);
    let events = keys(|body| match body {
        TxBody::Attend(attend) => Some(attend.event.as_str()),
        _ => None,
    });
    let fined_items = keys(|body| match body {
        TxBody::Fine(fine) => fine.item.as_deref(),
        _ => None,
    });
    let needs_policy = fresh
        .iter()
        .any(|(_, body)| matches!(body, Ok(TxBody::PinAttempt(_)) | Ok(TxBody::Fine(_))));
    let policy = if needs_policy {
        Some(policy(tx)?)
    } else {
        None
    };
    let registered = keys(|body| match body {
        TxBody::Register(register) => Some(register.card.as_str()),
        _ => None,
    });
    let card_range = if registered.is_empty() {
        None
    } else {
        tx.doc::<CardRangeDoc>(station)?
    };
    let mut work = Working {
        loans: load(tx, items)?,
        patrons: load(tx, patrons)?,
        holds: load(tx, holds)?,
        events: load(tx, events.clone())?,
        rosters: load(tx, events)?,
        items: load(tx, fined_items)?,
        policy,
        returns: HashMap::new(),
        contacts: load(tx, registered)?,
        card_range,
        dirty: Vec::new(),
        dirty_set: HashSet::new(),
    };
    let mut fresh = fresh.into_iter();
    let mut results = Vec::with_capacity(batch.len());
    let mut rows = Vec::new();
    for t in batch {
        match seen.get(&t.id) {
            // The same id from another station is not a repeat of this one: kept apart.
            Some(first) if first != station => {
                let conflict = Conflict::IdReused {
                    station: first.clone(),
                };
                results.push(PushResult {
                    id: t.id,
                    outcome: Outcome::Conflict,
                    reason: Some(conflict.to_string()),
                    code: Some(conflict.code()),
                });
                continue;
            }
            Some(_) => {
                results.push(PushResult {
                    id: t.id,
                    outcome: Outcome::Duplicate,
                    reason: None,
                    code: None,
                });
                continue;
            }
            None => {}
        }
        let Some((_, body)) = fresh.next() else {
            return Err(HubError::Corrupt("batch bookkeeping".into()));
        };
        let effective_at = effective_time(t, clock_offset);
        let conflict = match body {
            Ok(body) => apply_one(&mut work, station, t.id, &body, &effective_at),
            Err(PayloadError::UnknownKind(kind)) => Some(Conflict::UnknownKind { kind }),
            Err(e) => Some(Conflict::Malformed {
                message: e.to_string(),
            }),
        };
        let (state, outcome) = match conflict {
            None => (TxState::Applied, Outcome::Applied),
            Some(_) => (TxState::Conflict, Outcome::Conflict),
        };
        let reason = conflict.as_ref().map(Conflict::to_string);
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
            reason: reason.clone(),
            resolution: None,
        });
        results.push(PushResult {
            id: t.id,
            outcome,
            reason,
            code: conflict.map(|c| c.code()),
        });
    }
    tx.put(&work.puts()?)?;
    tx.record(&rows)?;
    Ok(results)
}

/// The library's policy as the hub holds it (the default one until a policy is imported).
fn policy(tx: &mut dyn Tx) -> Result<Policy> {
    Ok(match tx.doc::<PolicyDoc>(POLICY_KEY)? {
        Some(doc) => parse_policy(std::path::Path::new("hub policy"), &doc.source)
            .map_err(|e| HubError::Corrupt(e.to_string()))?,
        None => Policy::default_policy(),
    })
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

/// One transaction against the working documents: `None` when it applies, else why not.
///
/// The station routed a returned copy with the core's rules; the hub applies the same rule
/// (`hold_status_on_return`) to the route the station reports, it does not route again.
fn apply_one(
    work: &mut Working,
    station: &str,
    id: Uuid,
    body: &TxBody,
    effective_at: &str,
) -> Option<Conflict> {
    match body {
        TxBody::Checkout(loan) | TxBody::Pickup(loan) => lend(work, station, loan, effective_at),
        TxBody::Checkin(checkin) => {
            // A return that fills a hold sets the copy aside: the hold is ready (or travelling).
            if let Some(key) = &checkin.hold_key
                && let Some(Some(hold)) = work.holds.get_mut(key)
            {
                hold.status = hold_status_on_return(checkin.route);
                hold.set_aside = Some(checkin.item.clone());
                hold.ready_until = checkin.hold_expires;
                work.touch(DocKind::Hold, key);
            }
            match work.loans.get(&checkin.item) {
                Some(Some(loan)) => {
                    work.returns.insert(
                        id,
                        AppliedReturn {
                            patron: loan.patron.clone(),
                            item: checkin.item.clone(),
                            due: loan.due,
                            returned: checkin.returned,
                        },
                    );
                    work.loans.insert(checkin.item.clone(), None);
                    work.touch(DocKind::Loan, &checkin.item);
                    None
                }
                _ => Some(Conflict::ReturnNotOnLoan {
                    item: checkin.item.clone(),
                }),
            }
        }
        TxBody::Renew(renew) => match work.loans.get_mut(&renew.item) {
            Some(Some(loan)) => {
                loan.due = renew.due;
                loan.renewals += 1;
                work.touch(DocKind::Loan, &renew.item);
                None
            }
            _ => Some(Conflict::RenewalNotOnLoan {
                item: renew.item.clone(),
            }),
        },
        TxBody::Hold(hold) => place_hold(work, station, id, hold, effective_at),
        TxBody::Fine(fine) => charge_fine(work, fine),
        TxBody::PinAttempt(attempt) => count_pin(work, attempt, effective_at),
        TxBody::Attend(attend) => {
            if !matches!(work.events.get(&attend.event), Some(Some(_))) {
                return Some(Conflict::EventUnknown {
                    event: attend.event.clone(),
                });
            }
            let at = effective_at.parse().unwrap_or(attend.at);
            let roster = work
                .rosters
                .entry(attend.event.clone())
                .or_insert(None)
                .get_or_insert_with(RosterDoc::default);
            let outcome = crate::events::check_in(
                roster,
                crate::events::Attendee::Card(&attend.patron),
                at,
                station,
            );
            if matches!(
                outcome,
                Some(crate::events::CheckIn::Registered | crate::events::CheckIn::WalkIn)
            ) {
                work.touch(DocKind::Roster, &attend.event);
            }
            None
        }
        TxBody::Register(register) => register_member(work, register, effective_at),
        // Recorded as received: the mobile library's stops and visitors are counted from
        // the record by the reports.
        TxBody::Tally(_) | TxBody::StopVisit(_) => None,
        // Recorded as received: feedback is for the library's evaluation.
        // Recorded for staff (`swalayan-hub exceptions`); nothing in the catalog changes.
        // A receipt request is read from the record by the notifications' producer.
        TxBody::Feedback(_)
        | TxBody::ReturnException(_)
        | TxBody::SecurityAlarm(_)
        | TxBody::ReceiptRequest(_) => None,
    }
}

/// A member registered on the spot by a mobile station: a new patron (joined that day, in
/// their kelurahan) and, when they gave a phone or agreed to be told, their contact with the
/// consent recorded as given on the bus (`mobile`). Only with a card from the station's own
/// range that nobody has yet.
fn register_member(
    work: &mut Working,
    register: &RegisterPayload,
    effective_at: &str,
) -> Option<Conflict> {
    let card = register.card.clone();
    if !work
        .card_range
        .as_ref()
        .is_some_and(|range| range.accepts(&card))
    {
        return Some(Conflict::CardOutsideRange { card });
    }
    if matches!(work.patrons.get(&card), Some(Some(_))) {
        return Some(Conflict::CardTaken { card });
    }
    work.patrons.insert(
        card.clone(),
        Some(PatronDoc {
            name: register.name.clone(),
            category: register.category.clone(),
            expires: register.expires,
            pin_hash: None,
            blocked: false,
            block_note: None,
            fines: 0,
            pin_failures: 0,
            pin_locked_until: None,
            joined: Some(register.joined),
            kelurahan: register.kelurahan.clone(),
        }),
    );
    work.touch(DocKind::Patron, &card);
    let agreed = register.notify != swalayan_core::contact::Notify::None;
    if register.phone.is_some() || agreed {
        work.contacts.insert(
            card.clone(),
            Some(ContactDoc {
                phone: register.phone.clone(),
                email: None,
                notify: register.notify,
                consent: agreed.then(|| Consent {
                    at: effective_at.to_string(),
                    via: "mobile".to_string(),
                }),
                muted: Vec::new(),
                lang: None,
            }),
        );
        work.touch(DocKind::Contact, &card);
    }
    None
}

/// A hold placed (or changed) at a station. A key names one hold for good: only the station
/// that placed it may change it, and only for the same patron; anyone else's write under
/// that key is a conflict (a kiosk token must not take over another patron's hold).
fn place_hold(
    work: &mut Working,
    station: &str,
    id: Uuid,
    hold: &HoldPayload,
    effective_at: &str,
) -> Option<Conflict> {
    let Some(title) = hold.title_key.clone() else {
        return Some(Conflict::HoldWithoutTitle);
    };
    let key = hold.hold_key.clone().unwrap_or_else(|| id.to_string());
    if let Some(Some(existing)) = work.holds.get(&key)
        && (existing.origin != station || existing.patron != hold.patron)
    {
        return Some(Conflict::HoldKeyTaken { key });
    }
    work.holds.insert(
        key.clone(),
        Some(HoldDoc {
            patron: hold.patron.clone(),
            title,
            item: hold.item.clone(),
            pickup_branch: hold.pickup_branch.clone(),
            placed: effective_at.to_string(),
            status: HoldStatus::Waiting,
            origin: station.to_string(),
            set_aside: None,
            ready_until: None,
        }),
    );
    work.touch(DocKind::Hold, &key);
    None
}

/// A fine charged with a return. Stations compute fines, but the hub charges only what it
/// can check: more than zero, for the patron and copy of a return it applied in the same
/// push (a station sends a fine right behind its return, and keeps them in one batch), and
/// no more than the policy's fine per day times the days late, within its cap.
fn charge_fine(work: &mut Working, fine: &FinePayload) -> Option<Conflict> {
    let refuse = |why: String| Some(Conflict::FineRefused { why });
    if fine.amount <= 0 {
        return refuse(format!("the amount {} is not more than zero", fine.amount));
    }
    let Some(applied) = fine.checkin.and_then(|id| work.returns.get(&id)) else {
        return refuse("it names no return the hub applied in this push".into());
    };
    if fine.patron.as_deref() != Some(applied.patron.as_str())
        || fine.item.as_deref() != Some(applied.item.as_str())
    {
        return refuse("it is not for the borrower and copy of the return it names".into());
    }
    let category = work
        .patrons
        .get(&applied.patron)
        .and_then(Option::as_ref)
        .map(|p| p.category.as_str());
    let item_type = work
        .items
        .get(&applied.item)
        .and_then(Option::as_ref)
        .map(|i| i.item_type.as_str());
    let most = work.policy.as_ref().map_or(0, |policy| {
        largest_fine(policy, category, item_type, applied.due, applied.returned)
    });
    if fine.amount > most {
        return refuse(format!(
            "{} is more than the policy allows for this return ({most}, in hundredths)",
            fine.amount
        ));
    }
    let card = applied.patron.clone();
    if let Some(Some(doc)) = work.patrons.get_mut(&card) {
        doc.fines = doc.fines.saturating_add(fine.amount);
        work.touch(DocKind::Patron, &card);
    }
    None
}

/// The largest overdue fine the policy allows for a copy due on `due` and returned at
/// `returned`, in hundredths: the rule's fine per day times the calendar days late (an upper
/// bound: grace and closed days only lower it), within its cap. The days are counted to the
/// return's date in the easternmost time zone, so no library's local date is later. Without
/// the patron's category or the copy's type, the most generous rule bounds it.
fn largest_fine(
    policy: &Policy,
    category: Option<&str>,
    item_type: Option<&str>,
    due: jiff::civil::Date,
    returned: Timestamp,
) -> i64 {
    let latest_date = returned
        .checked_add(SignedDuration::from_hours(14))
        .unwrap_or(returned)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let days_late = due
        .until(latest_date)
        .map_or(0, |span| i64::from(span.get_days()))
        .max(0);
    let bound = |rule: &swalayan_core::domain::policy::LoanRule| {
        let total = rule.fine_per_day.hundredths().saturating_mul(days_late);
        match rule.fine_cap.hundredths() {
            0 => total,
            cap => total.min(cap),
        }
    };
    match category
        .zip(item_type)
        .and_then(|(c, t)| policy.rule_for(c, t))
    {
        Some(rule) => bound(rule),
        None => policy.rules.iter().map(bound).max().unwrap_or(0),
    }
}

/// A PIN entered at a station, counted by the library's rule at the time it was entered. A
/// right PIN clears the count only where the hub had no lockout in force at that moment:
/// otherwise any kiosk token could lift any card's lockout by saying so. Those are kept for
/// staff and the lockout stays.
fn count_pin(
    work: &mut Working,
    attempt: &PinAttemptPayload,
    effective_at: &str,
) -> Option<Conflict> {
    let Some(Some(doc)) = work.patrons.get_mut(&attempt.patron) else {
        return None;
    };
    let at: Timestamp = effective_at.parse().unwrap_or(attempt.at);
    if attempt.ok {
        if let Some(until) = doc.pin_locked_until.filter(|until| *until > at) {
            return Some(Conflict::PinWhileLocked {
                until: until.to_string(),
            });
        }
        doc.pin_failures = 0;
        doc.pin_locked_until = None;
    } else {
        let (max_attempts, minutes) = work
            .policy
            .as_ref()
            .map_or((3, 15), |p| (p.pin_max_attempts, p.pin_lockout_minutes));
        (doc.pin_failures, doc.pin_locked_until) = after_wrong_pin(
            doc.pin_failures,
            doc.pin_locked_until,
            at,
            max_attempts,
            minutes,
        );
    }
    work.touch(DocKind::Patron, &attempt.patron);
    None
}

/// A loan opened at a station (checkout or pickup).
fn lend(
    work: &mut Working,
    station: &str,
    loan: &LoanPayload,
    effective_at: &str,
) -> Option<Conflict> {
    let item = &loan.item;
    if let Some(Some(existing)) = work.loans.get(item) {
        return Some(if existing.patron == loan.patron {
            Conflict::AlreadyOnLoanToPatron { item: item.clone() }
        } else {
            Conflict::AlreadyOnLoanElsewhere {
                item: item.clone(),
                station: existing.station.clone(),
            }
        });
    }
    work.loans.insert(
        item.clone(),
        Some(LoanDoc {
            patron: loan.patron.clone(),
            issued: effective_at.to_string(),
            due: loan.due,
            renewals: 0,
            station: station.to_string(),
        }),
    );
    work.touch(DocKind::Loan, item);
    if let Some(key) = &loan.hold_key
        && let Some(Some(hold)) = work.holds.get_mut(key)
    {
        hold.status = HoldStatus::Fulfilled;
        work.touch(DocKind::Hold, key);
    }
    // The copy is out either way; a patron blocked centrally meanwhile is for staff.
    match work.patrons.get(&loan.patron) {
        Some(Some(doc)) if doc.blocked => Some(Conflict::PatronBlocked {
            item: item.clone(),
            note: doc.block_note.clone(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::StationRole;
    use crate::storage::sqlite::SqliteStorage;
    use serde_json::{Value, json};
    use swalayan_core::contract::wire::Wire;

    fn txn(kind: &str, payload: Value, trusted: bool) -> PushTransaction {
        PushTransaction {
            id: Uuid::now_v7(),
            seq: 1,
            kind: Wire::parse(kind),
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
        storage
            .add_station("k", StationRole::Kiosk, "h", Timestamp::now())
            .unwrap();
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
        let loans: Vec<(String, LoanDoc)> = (&storage as &dyn Storage).all().unwrap();
        assert_eq!(loans.len(), 1);
        assert_eq!(loans[0].1.patron, "P1");
        assert_eq!(loans[0].1.due, jiff::civil::date(2026, 3, 1));
        assert_eq!(loans[0].1.renewals, 1);
    }
}
