//! Returns: the copy back, its fine, where it goes next (shelf, hold shelf, another
//! branch), with the caller's own record committed in the same transaction.

use super::holds::hold_key;
use super::outcomes::{CheckinResult, ItemRef};
use super::{Ctx, Desk};
use crate::circulation::rules::{self, CheckinFacts};
use crate::contract::transactions::{CheckinPayload, FineKind, FinePayload, TxBody};
use crate::domain::HoldStatus;
use crate::reason::Reason;
use crate::store::{Result, catalog, circ, outbox};
use rusqlite::Connection;

impl Desk {
    /// Takes a copy back.
    pub fn checkin(&mut self, barcode: &str, parts_seen: Option<u32>) -> Result<CheckinResult> {
        self.checkin_recorded(barcode, parts_seen, |_, _| Ok(()))
    }

    /// Takes a copy back and runs `also` with the result in the same SQLite transaction: the
    /// caller's own record of the return (the drop box's journal) commits with it or not at
    /// all, so a power cut never leaves a return without its record or the other way round.
    pub fn checkin_recorded(
        &mut self,
        barcode: &str,
        parts_seen: Option<u32>,
        also: impl FnOnce(&Connection, &CheckinResult) -> Result<()>,
    ) -> Result<CheckinResult> {
        if self.system.is_some() {
            return self.checkin_online(barcode, parts_seen, also);
        }
        self.checkin_local(barcode, parts_seen, also)
    }

    /// [`Desk::checkin_recorded`] by the station's own rules.
    pub(super) fn checkin_local(
        &mut self,
        barcode: &str,
        parts_seen: Option<u32>,
        also: impl FnOnce(&Connection, &CheckinResult) -> Result<()>,
    ) -> Result<CheckinResult> {
        let (tx, ctx) = self.begin()?;
        let result = checkin_in(&tx, &ctx, barcode, parts_seen)?;
        also(&tx, &result)?;
        tx.commit()?;
        tracing::info!(item = barcode, route = result.route.code(), reason = ?result.reason.map(Reason::code), "checkin");
        Ok(result)
    }
}

pub(super) fn checkin_in(
    conn: &Connection,
    ctx: &Ctx<'_>,
    barcode: &str,
    parts_seen: Option<u32>,
) -> Result<CheckinResult> {
    let Ctx {
        settings,
        time,
        today,
        policy,
    } = *ctx;
    let refused = CheckinResult::refused;
    let Some(item) = catalog::item(conn, barcode)? else {
        return Ok(refused(Reason::ItemNotFound, None));
    };
    let item_ref = ItemRef {
        barcode: item.barcode.clone(),
        title: item.title.clone(),
    };
    let loan = circ::open_loan_for_item(conn, barcode)?;
    let borrower = match &loan {
        Some(l) if !l.patron.is_empty() => catalog::patron(conn, &l.patron)?,
        _ => None,
    };
    let hold_on_item = circ::hold_on_item(conn, barcode)?;
    let next_hold = circ::next_hold_for(conn, barcode, item.title_id)?;
    let facts = CheckinFacts {
        item: &item,
        loan: loan.as_ref(),
        borrower_category: borrower.as_ref().map(|p| p.category.as_str()),
        next_hold: next_hold.as_ref(),
        hold_on_item: hold_on_item.as_ref(),
        parts_seen,
        branch: &settings.branch,
        today,
        policy,
    };
    let plan = match rules::decide_checkin(&facts) {
        Ok(plan) => plan,
        Err(reason) => return Ok(refused(reason, Some(item_ref))),
    };
    if let Some(loan) = &loan {
        circ::close_loan(conn, loan.id, time.at, plan.fine)?;
    }
    catalog::set_item_status(conn, barcode, plan.new_status, plan.transfer_to.as_deref())?;
    // A hold-shelf copy whose wait expired releases its hold before serving the next one.
    if let Some(old) = &hold_on_item
        && plan.fills_hold != Some(old.id)
    {
        circ::set_hold_state(conn, old.id, HoldStatus::Expired, None, None)?;
    }
    let hold_patron = match plan.fills_hold {
        Some(hold_id) => {
            let status = rules::hold_status_on_return(plan.route);
            circ::set_hold_state(conn, hold_id, status, Some(barcode), plan.hold_expires)?;
            [hold_on_item.as_ref(), next_hold.as_ref()]
                .into_iter()
                .flatten()
                .find(|h| h.id == hold_id)
                .map(|h| h.patron.clone())
        }
        None => None,
    };
    let borrower_card = loan
        .as_ref()
        .map(|l| l.patron.clone())
        .filter(|p| !p.is_empty());
    let body = TxBody::Checkin(CheckinPayload {
        patron: borrower_card.clone(),
        item: barcode.to_string(),
        title: Some(item.title.clone()),
        returned: time.at,
        route: plan.route,
        transfer_to: plan.transfer_to.clone(),
        fine: plan.fine.hundredths(),
        hold_id: plan.fills_hold,
        hold_key: hold_key(conn, plan.fills_hold)?,
        hold_patron,
        hold_expires: plan.fills_hold.and(plan.hold_expires),
    });
    let loan_id = loan.as_ref().map(|l| l.id);
    let appended = outbox::append(
        conn,
        &settings.station_id,
        &body,
        loan_id,
        time.at,
        time.trusted,
    )?;
    if let (false, Some(card)) = (plan.fine.is_zero(), &borrower_card) {
        let fine = TxBody::Fine(FinePayload {
            patron: Some(card.clone()),
            item: Some(barcode.to_string()),
            amount: plan.fine.hundredths(),
            kind: FineKind::Overdue,
            checkin: Some(appended.id),
        });
        let fine_row = outbox::append(
            conn,
            &settings.station_id,
            &fine,
            loan_id,
            time.at,
            time.trusted,
        )?;
        circ::record_fine(
            conn,
            card,
            barcode,
            plan.fine,
            time.at,
            &fine_row.id.to_string(),
        )?;
        catalog::add_fine(conn, card, plan.fine)?;
    }
    Ok(CheckinResult {
        ok: true,
        reason: None,
        transaction_id: Some(appended.id),
        item: Some(item_ref),
        route: plan.route,
        fine: plan.fine,
        transfer_to: plan.transfer_to,
        hold_id: plan.fills_hold,
        central_message: None,
        print_lines: Vec::new(),
        sort_bin: None,
        destination: None,
        alert: None,
        copy: catalog::item(conn, barcode)?,
    })
}
