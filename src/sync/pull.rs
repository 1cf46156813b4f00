//! The station side of a pull: the central catalog's changes since this station's cursor,
//! page by page, each page applied with its cursor in one SQLite transaction (a page is
//! applied whole or not at all, so a cut connection or a power cut costs only a re-pull).
//!
//! A new station starts from cursor 0: its first pull is the whole catalog.
//!
//! A document the station cannot apply (a body it cannot read, a policy it refuses, a hold for
//! a title or patron it does not know yet) does not stop the cursor: it is held back
//! ([`crate::store::held_back`]) and tried again after every pull until it applies or a newer
//! document of the same kind and key replaces it.
//!
//! The station's own undelivered work wins over the central's picture: a loan or return
//! still pending in the outbox is newer than what the hub can know, so pulled loans leave
//! those items alone until the hub has heard.

use super::push::{Central, SyncError, read_answer};
use crate::contract::documents::{DocKind, Document, HoldDoc, LoanDoc, POLICY_KEY, PromotionDoc};
use crate::contract::protocol::{ChangesResponse, PulledChange};
use crate::contract::wire::Wire;
use crate::domain::{HoldStatus, ItemStatus, Money};
use crate::import::TitleRecord;
use crate::import::policy::{codes_dropped, parse_policy};
use crate::store::promotions;
use crate::store::{Store, StoreError, catalog, circ, held_back, meta, outbox};
use jiff::Timestamp;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// Changes per page: a few MB of JSON before gzip.
pub const PAGE: u32 = 5000;

const CURSOR_KEY: &str = "central_cursor";

/// The revision up to which this station has applied the central's changes.
pub fn cursor(conn: &Connection) -> Result<i64, StoreError> {
    Ok(meta::get(conn, CURSOR_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Pulls and applies every change after the stored cursor; returns how many were applied.
pub async fn pull_changes(
    store: &mut Store,
    central: &Central,
    client: &reqwest::Client,
) -> Result<u64, SyncError> {
    let mut pulled = 0u64;
    loop {
        let since = cursor(store.conn())?;
        let response = client
            .get(format!("{}/v1/changes", central.url.trim_end_matches('/')))
            .query(&[("since", since.to_string()), ("limit", PAGE.to_string())])
            .bearer_auth(&central.token)
            .timeout(central.timeout.max(Duration::from_secs(120)))
            .send()
            .await;
        let page: ChangesResponse = read_answer(response).await?;
        if page.changes.iter().any(|c| c.rev <= since) || page.next < since {
            return Err(SyncError::BadAnswer(format!(
                "changes at or before the cursor {since}"
            )));
        }
        apply_page(store, &page)?;
        pulled += page.changes.len() as u64;
        if !page.more || page.changes.is_empty() {
            break;
        }
    }
    retry_held_back(store)?;
    Ok(pulled)
}

/// Applies one page with its cursor in one SQLite transaction: all of it or none of it.
pub fn apply_page(store: &mut Store, page: &ChangesResponse) -> Result<(), StoreError> {
    let tx = store.write()?;
    let context = PageContext::read(&tx)?;
    for change in &page.changes {
        apply_change(&tx, &context, change)?;
    }
    meta::set(&tx, CURSOR_KEY, &page.next.to_string())?;
    tx.commit().map_err(StoreError::from)?;
    Ok(())
}

/// Tries every held-back document again (after a pull, when what it needed may have
/// arrived); returns how many applied now.
pub fn retry_held_back(store: &mut Store) -> Result<u64, StoreError> {
    let tx = store.write()?;
    let waiting = held_back::to_retry(&tx)?;
    if waiting.is_empty() {
        return Ok(0);
    }
    let context = PageContext::read(&tx)?;
    for change in &waiting {
        apply_change(&tx, &context, change)?;
    }
    let left = held_back::count(&tx)?;
    tx.commit().map_err(StoreError::from)?;
    Ok(waiting.len() as u64 - left.min(waiting.len() as u64))
}

/// What applying a page needs to know of the station, read once per page.
pub struct PageContext {
    /// The library keeps the borrowers of returned loans.
    keep_history: bool,
}

impl PageContext {
    pub fn read(conn: &Connection) -> Result<PageContext, StoreError> {
        Ok(PageContext {
            keep_history: meta::policy(conn)?.keep_history,
        })
    }
}

/// Applies one change to the station's store.
///
/// A document kind this station does not know (a newer hub) is skipped (the contract). A
/// document it cannot apply is held back with the reason — never taken for a deletion — and
/// one that applies releases any older one of its kind and key.
pub fn apply_change(
    conn: &Connection,
    context: &PageContext,
    change: &PulledChange,
) -> Result<(), StoreError> {
    let Wire::Known(kind) = change.kind else {
        tracing::debug!(kind = %change.kind, "change of a kind this station does not know");
        return Ok(());
    };
    match apply_known(conn, context, kind, change)? {
        Ok(()) => {
            held_back::release(conn, kind, &change.key)?;
        }
        Err(refusal) => {
            tracing::warn!(kind = kind.code(), key = %change.key, rev = change.rev, error = %refusal, "pulled document held back");
            held_back::hold(conn, change, &refusal)?;
        }
    }
    Ok(())
}

/// Applies a change of a known kind: `Ok(Err(why))` when this station cannot apply it.
fn apply_known(
    conn: &Connection,
    context: &PageContext,
    kind: DocKind,
    change: &PulledChange,
) -> Result<Result<(), String>, StoreError> {
    let doc = match change
        .body
        .as_ref()
        .map(|body| Document::decode(kind, body))
    {
        None => None,
        Some(Ok(doc)) => Some(doc),
        Some(Err(e)) => return Ok(Err(format!("unreadable {}: {e}", kind.code()))),
    };
    let key = change.key.as_str();
    match (kind, doc) {
        (DocKind::Title, Some(Document::Title(doc))) => {
            catalog::upsert_title(conn, &doc.to_record(key))?;
        }
        (DocKind::Item, Some(Document::Item(doc))) => {
            let title_id = title_id(conn, &doc.title)?;
            catalog::upsert_item(conn, title_id, &doc.to_record(key))?;
        }
        (DocKind::Patron, Some(Document::Patron(doc))) => {
            catalog::upsert_patron(conn, &doc.to_record(key))?;
            // The library's PIN count, unless this station's own attempts are still on
            // their way (then its count is the newer one).
            if !outbox::pin_attempt_pending(conn, key)? {
                catalog::set_pin_state(conn, key, doc.pin_failures, doc.pin_locked_until)?;
            }
        }
        (DocKind::Loan, Some(Document::Loan(doc))) => apply_loan(conn, context, key, Some(doc))?,
        (DocKind::Loan, None) => apply_loan(conn, context, key, None)?,
        (DocKind::Hold, Some(Document::Hold(doc))) => return apply_hold(conn, key, &doc),
        (DocKind::Policy, Some(Document::Policy(doc))) if key == POLICY_KEY => {
            let policy = match parse_policy(Path::new("central policy"), &doc.source) {
                Ok(policy) => policy,
                Err(e) => return Ok(Err(format!("the central's policy is invalid here: {e}"))),
            };
            if let Some(dropped) = codes_dropped(conn, &policy)? {
                return Ok(Err(format!(
                    "the central's policy is refused here: {dropped}"
                )));
            }
            meta::set_policy(conn, &doc.source, Timestamp::now())?;
        }
        (DocKind::Promotion, Some(Document::Promotion(doc))) => {
            apply_promotion(conn, key, Some(doc))?
        }
        (DocKind::Promotion, None) => apply_promotion(conn, key, None)?,
        (DocKind::Event, Some(Document::Event(doc))) => {
            crate::store::events::replace_central(conn, key, Some(&doc))?
        }
        (DocKind::Event, None) => crate::store::events::replace_central(conn, key, None)?,
        // The mobile library's schedule and card ranges (only a mobile station pulls them).
        (DocKind::Stop, Some(Document::Stop(doc))) => {
            crate::store::mobile::replace_stop(conn, key, Some(&doc))?
        }
        (DocKind::Stop, None) => crate::store::mobile::replace_stop(conn, key, None)?,
        (DocKind::CardRange, Some(Document::CardRange(doc))) => {
            crate::store::mobile::replace_card_range(conn, key, Some(&doc))?
        }
        (DocKind::CardRange, None) => crate::store::mobile::replace_card_range(conn, key, None)?,
        // Deletions of titles, items, patrons, holds and the policy are not served; an
        // event's roster (who registered) is served to no station role.
        _ => {}
    }
    Ok(Ok(()))
}

/// The local id of a title by key; a placeholder when an item arrives before its title
/// (the title's own change follows in a later page and fills it in).
fn title_id(conn: &Connection, key: &str) -> Result<i64, StoreError> {
    if let Some(id) = catalog::title_id_by_key(conn, key)? {
        return Ok(id);
    }
    let (id, _) = catalog::upsert_title(
        conn,
        &TitleRecord {
            key: key.to_string(),
            title: key.to_string(),
            author: None,
            isbn: None,
            call_number: None,
            subjects: Vec::new(),
            links: Vec::new(),
        },
    )?;
    Ok(id)
}

fn apply_loan(
    conn: &Connection,
    context: &PageContext,
    item: &str,
    loan: Option<LoanDoc>,
) -> Result<(), StoreError> {
    if catalog::item(conn, item)?.is_none() || outbox::pending_for_item(conn, item)? {
        return Ok(());
    }
    let open = circ::open_loan_for_item(conn, item)?;
    match (open, loan) {
        (Some(local), Some(central)) if local.patron == central.patron => {
            // A renewal elsewhere (another kiosk, the web) may keep the due date and still
            // count against the limit.
            if local.due != central.due || local.renewals != central.renewals {
                circ::set_loan_terms(conn, local.id, central.due, central.renewals)?;
            }
        }
        (open, Some(central)) => {
            if let Some(local) = open {
                // The central knows a newer loan of this copy (returned here unknown to it
                // and lent elsewhere since): close ours.
                circ::close_loan(conn, local.id, Timestamp::now(), Money::ZERO)?;
            }
            let issued = central.issued.parse().unwrap_or_else(|_| Timestamp::now());
            let id = circ::insert_loan(conn, item, &central.patron, issued, central.due)?;
            circ::set_loan_terms(conn, id, central.due, central.renewals)?;
            circ::set_loan_station(conn, id, &central.station)?;
            catalog::set_item_status(conn, item, ItemStatus::OnLoan, None)?;
        }
        (Some(local), None) => {
            // Returned at another station; like a return acknowledged here, the loan forgets
            // its borrower unless the library keeps history.
            circ::close_loan(conn, local.id, Timestamp::now(), Money::ZERO)?;
            if !context.keep_history {
                circ::forget_borrower(conn, local.id)?;
            }
            catalog::set_item_status(conn, item, ItemStatus::Available, None)?;
        }
        (None, None) => {}
    }
    Ok(())
}

fn apply_hold(
    conn: &Connection,
    key: &str,
    doc: &HoldDoc,
) -> Result<Result<(), String>, StoreError> {
    let local = circ::hold_by_central_key(conn, key)?;
    let central = doc.status;
    let live_here = |status: &str| HoldStatus::from_code(status).is_some_and(HoldStatus::is_live);
    match local {
        // The station runs the shelf (waiting -> ready -> fulfilled); the central may only
        // end a hold (cancelled at the desk or on the OPAC).
        Some((id, status)) if !central.is_live() && live_here(&status) => {
            circ::set_hold_status(conn, id, central)?;
        }
        Some(_) => {}
        None if central.is_live() => {
            let Some(title_id) = catalog::title_id_by_key(conn, &doc.title)? else {
                return Ok(Err(format!(
                    "hold for title {} which this station does not know yet",
                    doc.title
                )));
            };
            if catalog::patron(conn, &doc.patron)?.is_none() {
                return Ok(Err(
                    "hold for a patron this station does not know yet".to_string()
                ));
            }
            let placed = doc.placed.parse().unwrap_or_else(|_| Timestamp::now());
            let id = circ::insert_hold(
                conn,
                &doc.patron,
                title_id,
                doc.item.as_deref(),
                placed,
                &doc.pickup_branch,
            )?;
            circ::set_hold_central_key(conn, id, key)?;
        }
        None => {}
    }
    Ok(Ok(()))
}

fn apply_promotion(
    conn: &Connection,
    key: &str,
    doc: Option<PromotionDoc>,
) -> Result<(), StoreError> {
    promotions::replace_central(conn, key, doc.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::documents::{PatronDoc, TitleDoc};
    use crate::import::PatronRecord;
    use serde_json::json;

    fn change(rev: i64, kind: DocKind, key: &str, body: serde_json::Value) -> PulledChange {
        PulledChange {
            rev,
            kind: Wire::Known(kind),
            key: key.to_string(),
            body: Some(body),
        }
    }

    fn title(key: &str) -> PulledChange {
        let record = TitleRecord {
            key: key.to_string(),
            title: "Laskar Pelangi".to_string(),
            author: Some("Andrea Hirata".to_string()),
            isbn: None,
            call_number: None,
            subjects: Vec::new(),
            links: Vec::new(),
        };
        change(
            3,
            DocKind::Title,
            key,
            Document::Title(TitleDoc::from_record(&record)).body(),
        )
    }

    fn patron(card: &str) -> PulledChange {
        let record = PatronRecord {
            card: card.to_string(),
            name: "Siti Aminah".to_string(),
            category: "adult".to_string(),
            expires: jiff::civil::date(2030, 1, 31),
            pin_hash: None,
            blocked: false,
            block_note: None,
            fines: Money::ZERO,
            contact: None,
            joined: None,
            kelurahan: None,
        };
        change(
            2,
            DocKind::Patron,
            card,
            Document::Patron(PatronDoc::from_record(&record)).body(),
        )
    }

    fn hold_for(title: &str) -> PulledChange {
        change(
            1,
            DocKind::Hold,
            "hub-hold-1",
            json!({"patron": "P1", "title": title, "pickup_branch": "main",
                   "placed": "2026-12-01T09:00:00Z", "status": "waiting", "origin": "hub"}),
        )
    }

    fn apply_all(store: &mut Store, changes: &[PulledChange]) {
        let tx = store.write().unwrap();
        let context = PageContext::read(&tx).unwrap();
        for c in changes {
            apply_change(&tx, &context, c).unwrap();
        }
        tx.commit().unwrap();
    }

    #[test]
    fn a_hold_for_a_title_not_here_yet_is_held_back_and_applies_when_the_title_arrives() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("station.db")).unwrap();
        apply_all(&mut store, &[patron("P1"), hold_for("t-laskar")]);
        let held = held_back::list(store.conn()).unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(
            (
                held[0].kind.as_str(),
                held[0].key.as_str(),
                held[0].revision
            ),
            ("hold", "hub-hold-1", 1)
        );
        assert!(held[0].error.contains("t-laskar"), "{}", held[0].error);
        // Tried again with nothing new: still held, nothing placed.
        assert_eq!(retry_held_back(&mut store).unwrap(), 0);
        assert_eq!(held_back::count(store.conn()).unwrap(), 1);
        assert!(
            circ::hold_by_central_key(store.conn(), "hub-hold-1")
                .unwrap()
                .is_none()
        );

        apply_all(&mut store, &[title("t-laskar")]);
        assert_eq!(retry_held_back(&mut store).unwrap(), 1);
        assert!(held_back::list(store.conn()).unwrap().is_empty());
        assert!(
            circ::hold_by_central_key(store.conn(), "hub-hold-1")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn an_unreadable_document_is_held_back_never_taken_for_a_deletion_and_a_newer_one_replaces_it()
    {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("station.db")).unwrap();
        apply_all(&mut store, &[title("t-laskar")]);
        let broken = change(7, DocKind::Title, "t-laskar", json!({"title": 42}));
        apply_all(&mut store, &[broken]);
        let held = held_back::list(store.conn()).unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!((held[0].kind.as_str(), held[0].revision), ("title", 7));
        assert!(
            held[0].error.starts_with("unreadable title"),
            "{}",
            held[0].error
        );
        assert!(
            catalog::title_id_by_key(store.conn(), "t-laskar")
                .unwrap()
                .is_some()
        );

        let mut newer = title("t-laskar");
        newer.rev = 9;
        apply_all(&mut store, &[newer]);
        assert!(held_back::list(store.conn()).unwrap().is_empty());
    }
}
