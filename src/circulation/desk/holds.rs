//! Holds: placing one on a title or a copy, and the central's key that a change of a hold
//! names.

use super::outcomes::HoldResult;
use super::{Ctx, Desk};
use crate::circulation::rules::{self, HoldFacts};
use crate::contract::transactions::{HoldPayload, TxBody};
use crate::domain::{Hold, HoldStatus, HoldTarget, redact};
use crate::reason::Reason;
use crate::store::{Result, catalog, circ, outbox};
use rusqlite::Connection;

/// What a hold names.
#[derive(Debug, Clone, Copy)]
pub enum HoldRequest<'a> {
    /// A title by number or ISBN: any copy will do.
    Title(&'a str),
    /// One copy by barcode.
    Item(&'a str),
}

impl Desk {
    /// Places a hold on a title (`title_key`: its number or ISBN) or on one copy.
    pub fn place_hold(&mut self, card: &str, target: HoldRequest<'_>) -> Result<HoldResult> {
        if self.system.is_some() {
            return self.hold_online(card, target);
        }
        let (tx, ctx) = self.begin()?;
        let result = hold_in(&tx, &ctx, card, target)?;
        tx.commit()?;
        tracing::info!(patron = %redact(card), reason = ?result.reason.map(Reason::code), "hold");
        Ok(result)
    }
}

/// The central's key of a station hold, for the payload that changes it.
pub(super) fn hold_key(conn: &Connection, hold_id: Option<i64>) -> Result<Option<String>> {
    Ok(hold_id
        .map(|id| circ::hold_central_key(conn, id))
        .transpose()?
        .flatten())
}

pub(super) fn hold_in(
    conn: &Connection,
    ctx: &Ctx<'_>,
    card: &str,
    target: HoldRequest<'_>,
) -> Result<HoldResult> {
    let Ctx {
        settings,
        time,
        today,
        policy,
    } = *ctx;
    let refused = |reason| HoldResult {
        ok: false,
        reason: Some(reason),
        transaction_id: None,
        hold_id: None,
        title_id: None,
        position: None,
        central_message: None,
    };
    let Some(patron) = catalog::patron(conn, card)? else {
        return Ok(refused(Reason::PatronNotFound));
    };
    let (title_id, copies, target_item) = match target {
        HoldRequest::Item(barcode) => match catalog::item(conn, barcode)? {
            None => return Ok(refused(Reason::ItemNotFound)),
            Some(item) => (item.title_id, vec![item], Some(barcode)),
        },
        HoldRequest::Title(key) => match catalog::find_title(conn, key)? {
            None => return Ok(refused(Reason::TitleNotFound)),
            Some(title) => (title.id, catalog::items_of_title(conn, title.id)?, None),
        },
    };
    let live = circ::live_holds_of_patron(conn, card)?;
    let already_held = live.iter().any(|h| h.title_id == title_id);
    let mut has_copy_on_loan = false;
    for loan in circ::open_loans_of_patron(conn, card)? {
        if let Some(item) = catalog::item(conn, &loan.item)?
            && item.title_id == title_id
        {
            has_copy_on_loan = true;
        }
    }
    let facts = HoldFacts {
        patron: &patron,
        copies: &copies,
        already_held,
        has_copy_on_loan,
        today,
        policy,
    };
    if let Err(reason) = rules::decide_hold(&facts) {
        return Ok(refused(reason));
    }
    let hold_id = circ::insert_hold(conn, card, title_id, target_item, time.at, &settings.branch)?;
    let hold = Hold {
        id: hold_id,
        patron: card.to_string(),
        target: match target_item {
            Some(b) => HoldTarget::Item(b.to_string()),
            None => HoldTarget::Title(title_id),
        },
        title_id,
        placed: time.at,
        status: HoldStatus::Waiting,
        item: None,
        pickup_branch: settings.branch.clone(),
        expires: None,
    };
    let position = circ::queue_position(conn, &hold)?;
    let title = catalog::title(conn, title_id)?.map(|t| t.title);
    let body = TxBody::Hold(HoldPayload {
        patron: card.to_string(),
        title_key: catalog::title_key(conn, title_id)?,
        title_id: Some(title_id),
        title,
        item: target_item.map(str::to_string),
        pickup_branch: settings.branch.clone(),
        hold_id: Some(hold_id),
        hold_key: None,
    });
    let appended = outbox::append(
        conn,
        &settings.station_id,
        &body,
        None,
        time.at,
        time.trusted,
    )?;
    // The central knows this hold by the transaction that placed it.
    circ::set_hold_central_key(conn, hold_id, &appended.id.to_string())?;
    Ok(HoldResult {
        ok: true,
        reason: None,
        transaction_id: Some(appended.id),
        hold_id: Some(hold_id),
        title_id: Some(title_id),
        position: Some(position),
        central_message: None,
    })
}
