//! The station side of a pull: the central catalog's changes since this station's cursor,
//! page by page, each page applied with its cursor in one SQLite transaction (a page is
//! applied whole or not at all, so a cut connection or a power cut costs only a re-pull).
//!
//! A new station starts from cursor 0: its first pull is the whole catalog.
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
use crate::import::policy::parse_policy;
use crate::store::promotions::{self, NewPromotion};
use crate::store::{Store, StoreError, catalog, circ, meta, outbox};
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
        let tx = store.write()?;
        let context = PageContext::read(&tx)?;
        for change in &page.changes {
            apply_change(&tx, &context, change)?;
        }
        meta::set(&tx, CURSOR_KEY, &page.next.to_string())?;
        tx.commit().map_err(StoreError::from)?;
        pulled += page.changes.len() as u64;
        if !page.more || page.changes.is_empty() {
            break;
        }
    }
    Ok(pulled)
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
/// A document kind this station does not know (a newer hub) is skipped; so is a body it
/// cannot read, with a warning — never taken for a deletion.
pub fn apply_change(
    conn: &Connection,
    context: &PageContext,
    change: &PulledChange,
) -> Result<(), StoreError> {
    let Wire::Known(kind) = change.kind else {
        tracing::debug!(kind = %change.kind, "change of a kind this station does not know");
        return Ok(());
    };
    let doc = match change
        .body
        .as_ref()
        .map(|body| Document::decode(kind, body))
    {
        None => None,
        Some(Ok(doc)) => Some(doc),
        Some(Err(e)) => {
            tracing::warn!(kind = kind.code(), key = %change.key, error = %e, "unreadable document skipped");
            return Ok(());
        }
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
        (DocKind::Hold, Some(Document::Hold(doc))) => apply_hold(conn, key, &doc)?,
        (DocKind::Policy, Some(Document::Policy(doc))) if key == POLICY_KEY => {
            match parse_policy(Path::new("central policy"), &doc.source) {
                Ok(_) => meta::set_policy(conn, &doc.source, Timestamp::now())?,
                Err(e) => {
                    tracing::warn!(error = %e, "the central's policy is invalid here; kept the current one")
                }
            }
        }
        (DocKind::Promotion, Some(Document::Promotion(doc))) => {
            apply_promotion(conn, key, Some(doc))?
        }
        (DocKind::Promotion, None) => apply_promotion(conn, key, None)?,
        // Deletions of titles, items, patrons, holds and the policy are not served.
        _ => {}
    }
    Ok(())
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
            if local.due != central.due {
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

fn apply_hold(conn: &Connection, key: &str, doc: &HoldDoc) -> Result<(), StoreError> {
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
                tracing::warn!(
                    hold = key,
                    "hold for a title this station does not know; skipped"
                );
                return Ok(());
            };
            if catalog::patron(conn, &doc.patron)?.is_none() {
                tracing::warn!(
                    hold = key,
                    "hold for a patron this station does not know; skipped"
                );
                return Ok(());
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
    Ok(())
}

fn apply_promotion(
    conn: &Connection,
    key: &str,
    doc: Option<PromotionDoc>,
) -> Result<(), StoreError> {
    promotions::replace_central(
        conn,
        key,
        doc.as_ref().map(|d| NewPromotion {
            title: &d.title,
            body: &d.body,
            starts_on: d.starts_on,
            ends_on: d.ends_on,
        }),
    )
}
