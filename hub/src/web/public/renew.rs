//! Renewing on the web: decided by the rule the kiosks use (`rules::decide_renewal`: limits,
//! blocks, fines, holds by others, overdue too long) over the hub's documents, and recorded
//! as a `renew` transaction through the ledger — so the loan's new due date reaches every
//! station on its next pull and the renewal appears in exports like any station's.
//!
//! The ledger keeps every transaction with the station that made it; the web's are made by
//! [`crate::storage::WEB_STATION`], a station row added on first use with a token that can never sync.

use crate::catalog;
use crate::ledger;
use crate::storage::{Result, StationRole, WEB_STATION, revoked_token_hash};
use crate::web::kit::WebState;
use jiff::Timestamp;
use jiff::civil::Date;
use swalayan_core::circulation::rules::{RenewFacts, decide_renewal};
use swalayan_core::contract::documents::{ItemDoc, LoanDoc, PatronDoc};
use swalayan_core::contract::protocol::{Outcome, PushTransaction};
use swalayan_core::contract::transactions::{RenewPayload, TxBody};
use swalayan_core::contract::wire::Wire;
use swalayan_core::domain::Loan;
use swalayan_core::reason::Reason;
use uuid::Uuid;

/// What the rule says of renewing `barcode` for `card` today: the new due date, or why not.
pub fn check(
    state: &WebState,
    card: &str,
    barcode: &str,
    now: Timestamp,
) -> Result<std::result::Result<Date, Reason>> {
    let today = now.to_zoned_datetime(state.library.timezone.clone()).date();
    let policy = catalog::policy(state.storage.as_ref())?;
    let mut docs = (None, None, None);
    state.storage.write(&mut |tx| {
        docs = (
            tx.doc::<LoanDoc>(barcode)?,
            tx.doc::<ItemDoc>(barcode)?,
            tx.doc::<PatronDoc>(card)?,
        );
        Ok(())
    })?;
    let (Some(loan), Some(item), Some(patron)) = docs else {
        return Ok(Err(Reason::NotOnLoan));
    };
    let holds_by_others = state
        .view
        .queue(&item.title)
        .iter()
        .filter(|h| h.doc.patron != card)
        .filter(|h| h.doc.item.as_deref().is_none_or(|i| i == barcode))
        .count();
    let facts = RenewFacts {
        patron: &patron.to_patron(card),
        item: &item.to_item(barcode, true),
        loan: Some(&Loan {
            id: 0,
            item: barcode.to_string(),
            patron: loan.patron.clone(),
            issued: loan.issued.parse().unwrap_or(now),
            due: loan.due,
            renewals: loan.renewals,
        }),
        holds_by_others: u32::try_from(holds_by_others).unwrap_or(u32::MAX),
        today,
        policy: &policy,
    };
    Ok(decide_renewal(&facts))
}

/// Renews if the rule allows: the new due date, or why not.
pub fn renew(
    state: &WebState,
    card: &str,
    barcode: &str,
    now: Timestamp,
) -> Result<std::result::Result<Date, Reason>> {
    let due = match check(state, card, barcode, now)? {
        Ok(due) => due,
        Err(reason) => return Ok(Err(reason)),
    };
    ensure_origin(state, now)?;
    let title = state
        .view
        .loans_of(card)
        .into_iter()
        .find(|(b, _, _)| b == barcode);
    let renewals = title.as_ref().map_or(1, |(_, loan, _)| loan.renewals + 1);
    let body = TxBody::Renew(RenewPayload {
        patron: Some(card.to_string()),
        item: barcode.to_string(),
        title: title.and_then(|(_, _, t)| t.map(|t| t.doc.title)),
        due,
        renewals,
    });
    match record(state, &body, now)? {
        Outcome::Applied => Ok(Ok(due)),
        // Returned at a station between the check and now: not on loan any more.
        _ => Ok(Err(Reason::NotOnLoan)),
    }
}

/// Records a transaction of the web through the ledger, as a station's would be.
pub fn record(state: &WebState, body: &TxBody, now: Timestamp) -> Result<Outcome> {
    ensure_origin(state, now)?;
    let transaction = PushTransaction {
        id: Uuid::now_v7(),
        // The web has no sequence of its own: milliseconds keep its rows in order.
        seq: now.as_millisecond(),
        kind: Wire::Known(body.kind()),
        created_at: now.to_string(),
        clock_trusted: true,
        payload: body.payload(),
    };
    let results = ledger::apply_batch(
        state.storage.as_ref(),
        WEB_STATION,
        &[transaction],
        now,
        None,
    )?;
    Ok(results.first().map_or(Outcome::Conflict, |r| r.outcome))
}

/// The web's station row, added once (its token hash matches no token).
fn ensure_origin(state: &WebState, now: Timestamp) -> Result<()> {
    let known = state
        .storage
        .stations()?
        .iter()
        .any(|s| s.station == WEB_STATION);
    if !known {
        state
            .storage
            .add_station(WEB_STATION, StationRole::Staff, &revoked_token_hash(), now)?;
    }
    Ok(())
}
