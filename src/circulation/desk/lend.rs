//! Lending: a checkout (and the preview an RFID kiosk makes before disarming the tag), a
//! renewal (one or all), and the pickup of everything waiting on the hold shelf.

use super::holds::hold_key;
use super::identify::identify_in;
use super::outcomes::{
    CheckoutResult, ItemRef, LoanResult, PickupResult, RenewResult, log_outcome,
};
use super::{Ctx, Desk, Proof};
use crate::circulation::rules::{self, CheckoutFacts, RenewFacts};
use crate::contract::transactions::{LoanPayload, RenewPayload, TxBody};
use crate::domain::{Hold, HoldStatus, ItemStatus, Patron};
use crate::reason::Reason;
use crate::store::{Result, StoreError, catalog, circ, outbox};
use rusqlite::Connection;

impl Desk {
    /// Lends a copy to a patron.
    pub fn checkout(
        &mut self,
        card: &str,
        barcode: &str,
        proof: Proof<'_>,
        parts_seen: Option<u32>,
    ) -> Result<CheckoutResult> {
        if self.system.is_some() {
            return self.checkout_online(card, barcode, proof, parts_seen);
        }
        self.checkout_local(card, barcode, proof, parts_seen)
    }

    /// [`Desk::checkout`] by the station's own rules.
    pub(super) fn checkout_local(
        &mut self,
        card: &str,
        barcode: &str,
        proof: Proof<'_>,
        parts_seen: Option<u32>,
    ) -> Result<CheckoutResult> {
        let (tx, ctx) = self.begin()?;
        let patron = match identify_in(&tx, &ctx, card, proof)? {
            Ok(patron) => patron,
            Err(reason) => {
                // Wrong PIN counts must survive, so the transaction commits even on refusal.
                tx.commit()?;
                return Ok(CheckoutResult::refused(reason, None));
            }
        };
        let result = checkout_in(&tx, &ctx, &patron, barcode, parts_seen, TxBody::Checkout)?;
        tx.commit()?;
        log_outcome("checkout", card, barcode, result.reason);
        Ok(result)
    }

    /// Decides a checkout and rolls it back: the kiosk disarms an RFID tag between deciding
    /// and committing, so a tag that cannot be secured never becomes a loan.
    pub fn preview_checkout(
        &mut self,
        card: &str,
        barcode: &str,
        parts_seen: Option<u32>,
    ) -> Result<CheckoutResult> {
        if self.system.is_some() {
            // The library system decides at the checkout itself (a SIP2 checkout cannot be
            // asked without being made); a refusal then re-arms the tags.
            return self.preview_online(barcode, parts_seen);
        }
        let (tx, ctx) = self.begin()?;
        let Some(patron) = catalog::patron(&tx, card)? else {
            return Ok(CheckoutResult::refused(Reason::PatronNotFound, None));
        };
        let result = checkout_in(&tx, &ctx, &patron, barcode, parts_seen, TxBody::Checkout)?;
        tx.rollback()?;
        Ok(result)
    }

    /// Extends a loan.
    pub fn renew(&mut self, card: &str, barcode: &str) -> Result<RenewResult> {
        if self.system.is_some() {
            return self.renew_online(card, barcode);
        }
        self.renew_local(card, barcode)
    }

    /// [`Desk::renew`] by the station's own rules.
    pub(super) fn renew_local(&mut self, card: &str, barcode: &str) -> Result<RenewResult> {
        let (tx, ctx) = self.begin()?;
        let result = renew_in(&tx, &ctx, card, barcode)?;
        tx.commit()?;
        log_outcome("renew", card, barcode, result.reason);
        Ok(result)
    }

    /// Renews every loan of a patron; one result per loan.
    pub fn renew_all(&mut self, card: &str) -> Result<Vec<RenewResult>> {
        if self.system.is_some() {
            // One question to the library system per loan, each recorded as it answers.
            let loans = circ::open_loans_of_patron(self.store.conn(), card)?;
            return loans.iter().map(|l| self.renew(card, &l.item)).collect();
        }
        let (tx, ctx) = self.begin()?;
        let mut results = Vec::new();
        for loan in circ::open_loans_of_patron(&tx, card)? {
            results.push(renew_in(&tx, &ctx, card, &loan.item)?);
        }
        tx.commit()?;
        Ok(results)
    }

    /// Lends a patron everything waiting for them on this branch's hold shelf.
    pub fn pickup(&mut self, card: &str, proof: Proof<'_>) -> Result<PickupResult> {
        let (tx, ctx) = self.begin()?;
        let patron = match identify_in(&tx, &ctx, card, proof)? {
            Ok(patron) => patron,
            Err(reason) => {
                tx.commit()?;
                return Ok(PickupResult::refused(reason));
            }
        };
        if let Err(reason) = rules::patron_may_borrow(&patron, ctx.policy, ctx.today) {
            return Ok(PickupResult::refused(reason));
        }
        let waiting: Vec<Hold> = circ::live_holds_of_patron(&tx, card)?
            .into_iter()
            .filter(|h| {
                h.status == HoldStatus::Ready
                    && h.pickup_branch == ctx.settings.branch
                    && h.expires.is_none_or(|last| last >= ctx.today)
            })
            .collect();
        if waiting.is_empty() {
            return Ok(PickupResult::refused(Reason::NoHoldsWaiting));
        }
        let mut items = Vec::new();
        for hold in waiting {
            let Some(barcode) = hold.item.as_deref() else {
                continue;
            };
            items.push(checkout_in(
                &tx,
                &ctx,
                &patron,
                barcode,
                None,
                TxBody::Pickup,
            )?);
        }
        tx.commit()?;
        let first_ok = items.iter().find(|r| r.ok);
        Ok(PickupResult {
            ok: first_ok.is_some(),
            reason: match first_ok {
                Some(_) => None,
                None => items.iter().find_map(|r| r.reason),
            },
            transaction_id: first_ok.and_then(|r| r.transaction_id),
            items,
        })
    }
}

pub(super) fn checkout_in(
    conn: &Connection,
    ctx: &Ctx<'_>,
    patron: &Patron,
    barcode: &str,
    parts_seen: Option<u32>,
    // `TxBody::Checkout` or `TxBody::Pickup`: what the outbox calls this loan.
    record_as: fn(LoanPayload) -> TxBody,
) -> Result<CheckoutResult> {
    let Ctx {
        settings,
        time,
        today,
        policy,
    } = *ctx;
    let Some(item) = catalog::item(conn, barcode)? else {
        return Ok(CheckoutResult::refused(Reason::ItemNotFound, None));
    };
    let item_ref = ItemRef {
        barcode: item.barcode.clone(),
        title: item.title.clone(),
    };
    let loan = circ::open_loan_for_item(conn, barcode)?;
    let hold_on_item = circ::hold_on_item(conn, barcode)?;
    let (loans_total, loans_of_type) = circ::loan_counts(conn, &patron.card, &item.item_type)?;
    let facts = CheckoutFacts {
        patron,
        item: &item,
        loan: loan.as_ref(),
        hold_on_item: hold_on_item.as_ref(),
        item_level_hold_by_other: circ::item_level_hold_by_other(conn, barcode, &patron.card)?,
        loans_total,
        loans_of_type,
        parts_seen,
        today,
        policy,
    };
    let plan = match rules::decide_checkout(&facts) {
        Ok(plan) => plan,
        Err(reason) => return Ok(CheckoutResult::refused(reason, Some(item_ref))),
    };
    let loan_id = circ::insert_loan(conn, barcode, &patron.card, time.at, plan.due)?;
    catalog::set_item_status(conn, barcode, ItemStatus::OnLoan, None)?;
    if let Some(hold_id) = plan.fulfils_hold {
        circ::set_hold_state(conn, hold_id, HoldStatus::Fulfilled, Some(barcode), None)?;
    } else if let Some(stale) = hold_on_item.filter(|h| h.patron != patron.card) {
        // The other patron's wait on the hold shelf had expired (decide_checkout allowed it).
        circ::set_hold_state(conn, stale.id, HoldStatus::Expired, None, None)?;
    }
    let body = record_as(LoanPayload {
        patron: patron.card.clone(),
        item: barcode.to_string(),
        title: Some(item.title.clone()),
        issued: Some(time.at),
        due: plan.due,
        hold_id: plan.fulfils_hold,
        hold_key: hold_key(conn, plan.fulfils_hold)?,
    });
    let appended = outbox::append(
        conn,
        &settings.station_id,
        &body,
        Some(loan_id),
        time.at,
        time.trusted,
    )?;
    Ok(CheckoutResult {
        ok: true,
        reason: None,
        transaction_id: Some(appended.id),
        item: Some(item_ref),
        due: Some(plan.due),
        central_message: None,
        print_lines: Vec::new(),
    })
}

pub(super) fn renew_in(
    conn: &Connection,
    ctx: &Ctx<'_>,
    card: &str,
    barcode: &str,
) -> Result<RenewResult> {
    let Ctx {
        settings,
        time,
        today,
        policy,
    } = *ctx;
    let refused = LoanResult::refused;
    let Some(patron) = catalog::patron(conn, card)? else {
        return Ok(refused(Reason::PatronNotFound, None));
    };
    let Some(item) = catalog::item(conn, barcode)? else {
        return Ok(refused(Reason::ItemNotFound, None));
    };
    let item_ref = ItemRef {
        barcode: item.barcode.clone(),
        title: item.title.clone(),
    };
    let loan = circ::open_loan_for_item(conn, barcode)?;
    let facts = RenewFacts {
        patron: &patron,
        item: &item,
        loan: loan.as_ref(),
        holds_by_others: circ::holds_by_others(conn, barcode, item.title_id, card)?,
        today,
        policy,
    };
    let due = match rules::decide_renewal(&facts) {
        Ok(due) => due,
        Err(reason) => return Ok(refused(reason, Some(item_ref))),
    };
    let loan = loan.ok_or(StoreError::Corrupt {
        what: "renewal without loan",
        value: barcode.to_string(),
    })?;
    circ::renew_loan(conn, loan.id, due)?;
    let body = TxBody::Renew(RenewPayload {
        patron: Some(card.to_string()),
        item: barcode.to_string(),
        title: Some(item.title.clone()),
        due,
        renewals: loan.renewals + 1,
    });
    let appended = outbox::append(
        conn,
        &settings.station_id,
        &body,
        Some(loan.id),
        time.at,
        time.trusted,
    )?;
    Ok(LoanResult {
        ok: true,
        reason: None,
        transaction_id: Some(appended.id),
        item: Some(item_ref),
        due: Some(due),
        central_message: None,
        print_lines: Vec::new(),
    })
}
