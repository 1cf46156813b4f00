//! Online first: when the station has a library system (SIP2), the desk asks it before
//! acting and records what it allowed — with its outbox row already delivered, so nothing is
//! sent twice — or returns its refusal (`central_refused`, with its own words). When it does
//! not answer, or while the station's own earlier business still waits to reach it (order
//! matters: a return must not overtake its loan), the station's rules decide as the
//! library's offline policy allows, and the outbox replays it later.
//!
//! SIP2 stations keep no catalog or patron file: patrons and copies the system described
//! here are remembered, which is what the offline rules decide with (docs/config.md).

use super::{
    Account, AccountLoan, CheckinResult, CheckoutResult, Desk, HoldRequest, HoldResult, ItemRef,
    LoanResult, Proof, RenewResult,
};
use crate::circulation::library_system::{
    Asked, CirculationAnswer, LibrarySystem, OfflinePatrons, OfflinePolicy, PatronAnswer,
};
use crate::circulation::pin::{hash_pin, verify_pin};
use crate::circulation::sip2_system::MAX_LISTED;
use crate::contract::transactions::{CheckinPayload, LoanPayload, RenewPayload, TxBody};
use crate::domain::{ItemStatus, Loan, Money, Patron, Policy, Route, redact};
use crate::reason::Reason;
use crate::store::{Result, StoreError, catalog, circ, meta, outbox};
use jiff::civil::Date;
use rusqlite::Connection;
use uuid::Uuid;

impl Desk {
    /// The library system is asked now: there is one, and nothing of the station's own
    /// circulation still waits to reach it.
    fn asks_now(&self) -> Result<bool> {
        Ok(self.system.is_some() && !outbox::circulation_pending(self.store().conn())?)
    }

    /// Asks the library system now, at the station's time; `None` while it is not asked
    /// (none, or the station's backlog waits).
    fn ask_now<T>(
        &mut self,
        question: impl FnOnce(&mut dyn LibrarySystem, jiff::Timestamp) -> Asked<T>,
    ) -> Result<Option<Asked<T>>> {
        if !self.asks_now()? {
            return Ok(None);
        }
        let at = self.now()?.at;
        Ok(self.system.as_deref_mut().map(|s| question(s, at)))
    }

    fn offline(&self) -> OfflinePolicy {
        // Without a library system nothing is asked, so nothing is decided "offline" either.
        self.system
            .as_ref()
            .map_or(OfflinePolicy::NOTHING, |s| s.offline_policy())
    }

    pub(super) fn identify_online(
        &mut self,
        card: &str,
        proof: Proof<'_>,
    ) -> Result<Result<Patron, Reason>> {
        self.central_message = None;
        let pin = match proof {
            Proof::Pin(pin) => pin,
            Proof::NotNeeded => None,
        };
        let offline = self.offline();
        if !self.asks_now()? {
            return self.identify_offline(card, proof);
        }
        let answer = match self.system.as_mut().map(|s| s.patron(card, pin)) {
            Some(Asked::Answered(answer)) => answer,
            _ => return self.identify_offline(card, proof),
        };
        self.central_message = answer.message.clone();
        if !answer.valid {
            return Ok(Err(Reason::PatronNotFound));
        }
        if answer.pin_ok == Some(false) {
            tracing::warn!(patron = %redact(card), "the library system refused the PIN");
            return Ok(Err(Reason::PinIncorrect));
        }
        let patron = self.remember_patron(card, &answer, pin)?;
        if matches!(proof, Proof::Pin(None)) && offline.pin_required {
            return Ok(Err(Reason::PinRequired));
        }
        if answer.blocked {
            return Ok(Err(Reason::PatronBlocked));
        }
        Ok(Ok(patron))
    }

    /// Offline: only a patron the system accepted here within the offline window, and with
    /// `verified` only with the PIN checked against the verifier kept then.
    fn identify_offline(&mut self, card: &str, proof: Proof<'_>) -> Result<Result<Patron, Reason>> {
        let offline = self.offline();
        let known = catalog::patron(self.store().conn(), card)?;
        let Some(patron) = known.filter(|p| p.expires >= self.today()) else {
            tracing::info!(patron = %redact(card), "offline: not served (not seen here lately)");
            return Ok(Err(Reason::CentralUnreachable));
        };
        let proof = match (offline.patrons, proof) {
            (OfflinePatrons::Seen, _) => Proof::NotNeeded,
            (OfflinePatrons::Verified, Proof::Pin(_))
                if offline.pin_required && patron.pin_hash.is_none() =>
            {
                return Ok(Err(Reason::CentralUnreachable));
            }
            (OfflinePatrons::Verified, proof) => proof,
        };
        self.identify_local(card, proof)
    }

    /// Keeps what the system said of a patron; returns them as the station now knows them.
    fn remember_patron(
        &mut self,
        card: &str,
        answer: &PatronAnswer,
        pin: Option<&str>,
    ) -> Result<Patron> {
        let offline = self.offline();
        let policy = self.policy()?;
        let serve_until = self
            .today()
            .saturating_add(jiff::Span::new().days(i64::from(offline.patron_days)));
        let conn = self.store().conn();
        let known = catalog::patron(conn, card)?;
        // A PIN the system just accepted becomes the offline verifier (hashed only when new).
        let verifier = match (pin, answer.pin_ok, &known) {
            (Some(pin), Some(true), Some(p))
                if p.pin_hash.as_deref().is_some_and(|h| verify_pin(pin, h)) =>
            {
                None
            }
            (Some(pin), Some(true), _) => Some(hash_pin(pin)),
            _ => None,
        };
        let category = known
            .as_ref()
            .map(|p| p.category.clone())
            .or_else(|| default_category(&policy));
        let Some(category) = category else {
            // No policy to serve them offline with: they are served online only.
            return Ok(Patron {
                card: card.to_string(),
                name: answer.name.clone(),
                category: String::new(),
                expires: serve_until,
                pin_hash: None,
                blocked: answer.blocked,
                block_note: None,
                fines: Money::ZERO,
                pin_failures: 0,
                pin_locked_until: None,
            });
        };
        let tx = self.store_mut().write()?;
        catalog::remember_patron(
            &tx,
            card,
            &answer.name,
            &category,
            serve_until,
            verifier.as_deref(),
            answer.blocked,
        )?;
        catalog::set_pin_state(&tx, card, 0, None)?;
        let patron = catalog::patron(&tx, card)?;
        tx.commit()?;
        patron.ok_or_else(|| StoreError::Corrupt {
            what: "patron not kept",
            value: redact(card).to_string(),
        })
    }

    pub(super) fn checkout_online(
        &mut self,
        card: &str,
        barcode: &str,
        proof: Proof<'_>,
        parts_seen: Option<u32>,
    ) -> Result<CheckoutResult> {
        if let Proof::Pin(_) = proof
            && let Err(reason) = self.identify(card, proof)?
        {
            let mut refused = LoanResult::refused(reason, None);
            refused.central_message = self.central_message.clone();
            return Ok(refused);
        }
        if let Some(reason) = self.parts_missing(barcode, parts_seen)? {
            return Ok(LoanResult::refused(reason, self.item_ref(barcode)?));
        }
        let asked = self.ask_now(|s, at| s.checkout(card, barcode, at))?;
        match asked {
            Some(Asked::Answered(answer)) if answer.ok => self.record_loan(card, barcode, &answer),
            Some(Asked::Answered(answer)) => {
                tracing::info!(patron = %redact(card), item = barcode, "checkout refused by the library system");
                Ok(refusal(answer, barcode))
            }
            _ if !self.offline().checkout => Ok(LoanResult::refused(
                Reason::CentralUnreachable,
                self.item_ref(barcode)?,
            )),
            _ => {
                tracing::info!(patron = %redact(card), item = barcode, "checkout decided offline");
                self.remember_item(barcode, None)?;
                self.checkout_local(card, barcode, Proof::NotNeeded, parts_seen)
            }
        }
    }

    pub(super) fn preview_online(
        &mut self,
        barcode: &str,
        parts_seen: Option<u32>,
    ) -> Result<CheckoutResult> {
        let item = self.item_ref(barcode)?;
        if let Some(reason) = self.parts_missing(barcode, parts_seen)? {
            return Ok(LoanResult::refused(reason, item));
        }
        Ok(LoanResult {
            ok: true,
            reason: None,
            transaction_id: None,
            item,
            due: None,
            central_message: None,
            print_lines: Vec::new(),
        })
    }

    pub(super) fn checkin_online(
        &mut self,
        barcode: &str,
        parts_seen: Option<u32>,
        also: impl FnOnce(&Connection, &CheckinResult) -> Result<()>,
    ) -> Result<CheckinResult> {
        if self.parts_missing(barcode, parts_seen)?.is_some() {
            // The station's own rules say what to do with an incomplete set.
            return self.checkin_local(barcode, parts_seen, also);
        }
        let asked = self.ask_now(|s, at| s.checkin(barcode, at))?;
        let refused = match asked {
            Some(Asked::Answered(answer)) if answer.ok => {
                return self.record_checkin(barcode, &answer, also);
            }
            Some(Asked::Answered(answer)) => {
                tracing::info!(item = barcode, "checkin refused by the library system");
                let item = ItemRef {
                    barcode: barcode.to_string(),
                    title: answer.title.clone().unwrap_or_default(),
                };
                CheckinResult {
                    central_message: answer.message,
                    print_lines: answer.print_lines,
                    sort_bin: answer.sort_bin,
                    destination: answer.destination,
                    alert: answer.alert,
                    ..CheckinResult::refused(Reason::CentralRefused, Some(item))
                }
            }
            _ if !self.offline().checkin => {
                CheckinResult::refused(Reason::CentralUnreachable, self.item_ref(barcode)?)
            }
            _ => {
                tracing::info!(item = barcode, "checkin decided offline");
                self.remember_item(barcode, None)?;
                return self.checkin_local(barcode, parts_seen, also);
            }
        };
        // Not returned: the caller's record of it (the drop box's journal) still commits.
        let (tx, _) = self.begin()?;
        also(&tx, &refused)?;
        tx.commit()?;
        Ok(refused)
    }

    pub(super) fn renew_online(&mut self, card: &str, barcode: &str) -> Result<RenewResult> {
        let asked = self.ask_now(|s, at| s.renew(card, barcode, at))?;
        match asked {
            Some(Asked::Answered(answer)) if answer.ok => {
                self.record_renewal(card, barcode, &answer)
            }
            Some(Asked::Answered(answer)) => Ok(refusal(answer, barcode)),
            _ if !self.offline().checkout => Ok(LoanResult::refused(
                Reason::CentralUnreachable,
                self.item_ref(barcode)?,
            )),
            _ => self.renew_local(card, barcode),
        }
    }

    /// The patron's account with the system's list of their loans (63) and what they owe:
    /// a loan this station made shows its own record, one made elsewhere what the system
    /// says of the copy (17); a loan the station still shows but the system no longer lists
    /// (returned at the desk) is left out. Offline, or while the station's backlog waits:
    /// the station's own record.
    pub(super) fn account_online(&mut self, card: &str) -> Result<Option<Account>> {
        let Some(mut account) = self.account_local(card)? else {
            return Ok(None);
        };
        if !self.asks_now()? {
            return Ok(Some(account));
        }
        let answer = match self.system.as_mut().map(|s| s.account(card)) {
            Some(Asked::Answered(answer)) => answer,
            _ => return Ok(Some(account)),
        };
        let now = self.now()?.at;
        let today = self.today();
        let mut mine = std::mem::take(&mut account.loans);
        for barcode in answer.loans.iter().take(MAX_LISTED as usize) {
            if let Some(at) = mine.iter().position(|l| &l.loan.item == barcode) {
                account.loans.push(mine.swap_remove(at));
                continue;
            }
            let described = match self.system.as_mut().map(|s| s.item(barcode)) {
                Some(Asked::Answered(item)) => item,
                _ => Default::default(),
            };
            account.loans.push(AccountLoan {
                loan: Loan {
                    id: 0,
                    item: barcode.clone(),
                    patron: card.to_string(),
                    issued: now,
                    due: described.due.unwrap_or(today),
                    renewals: 0,
                },
                title: described.title.unwrap_or_default(),
            });
        }
        if let Some(fee) = answer.fee.as_deref().and_then(parse_money) {
            account.patron.fines = fee;
        }
        Ok(Some(account))
    }

    /// A hold is the system's: placed there (15) with this branch as the pickup place, or
    /// refused in its words; never kept here alone (SIP2 has no message that would carry a
    /// station's hold later), so without the system there is no hold (`central_unreachable`).
    pub(super) fn hold_online(
        &mut self,
        card: &str,
        target: HoldRequest<'_>,
    ) -> Result<HoldResult> {
        let (item, title) = match target {
            HoldRequest::Item(barcode) => (Some(barcode), None),
            HoldRequest::Title(key) => (None, Some(key)),
        };
        let pickup = self.settings().branch.clone();
        let asked = match self.system.as_mut() {
            Some(system) => system.hold(card, item, title, &pickup),
            None => Asked::Unreachable("no library system".into()),
        };
        let (ok, reason, position, message) = match asked {
            Asked::Answered(answer) if answer.ok => (true, None, answer.position, answer.message),
            Asked::Answered(answer) => (false, Some(Reason::CentralRefused), None, answer.message),
            Asked::Unreachable(_) => (false, Some(Reason::CentralUnreachable), None, None),
        };
        tracing::info!(patron = %redact(card), reason = ?reason.map(Reason::code), "hold at the library system");
        Ok(HoldResult {
            ok,
            reason,
            transaction_id: None,
            hold_id: None,
            title_id: None,
            position,
            central_message: message,
        })
    }

    /// A loan the system made: recorded here with its row already delivered.
    fn record_loan(
        &mut self,
        card: &str,
        barcode: &str,
        answer: &CirculationAnswer,
    ) -> Result<CheckoutResult> {
        self.remember_item(barcode, answer.title.as_deref())?;
        let (tx, ctx) = self.begin()?;
        if catalog::patron(&tx, card)?.is_none()
            && let Some(category) = default_category(ctx.policy)
        {
            let until = ctx.today;
            catalog::remember_patron(&tx, card, "", &category, until, None, false)?;
        }
        if let Some(stale) = circ::open_loan_for_item(&tx, barcode)? {
            // The system lent it, so any loan this station still shows for it is over.
            circ::close_loan(&tx, stale.id, ctx.time.at, Money::ZERO)?;
        }
        let item = catalog::item(&tx, barcode)?;
        let due = answer
            .due
            .unwrap_or_else(|| own_due(ctx.policy, ctx.today, card, item.as_ref(), &tx));
        let loan_id = circ::insert_loan(&tx, barcode, card, ctx.time.at, due)?;
        catalog::set_item_status(&tx, barcode, ItemStatus::OnLoan, None)?;
        let title = item.map(|i| i.title);
        let body = TxBody::Checkout(LoanPayload {
            patron: card.to_string(),
            item: barcode.to_string(),
            title: title.clone(),
            issued: Some(ctx.time.at),
            due,
            hold_id: None,
            hold_key: None,
        });
        let id = append_delivered(&tx, &ctx, &body, Some(loan_id))?;
        tx.commit()?;
        tracing::info!(patron = %redact(card), item = barcode, "checkout by the library system");
        Ok(allowed(id, barcode, title, due, answer))
    }

    /// A return the system took: its route from what the system said (a hold waiting, a
    /// destination elsewhere, an alert for staff), recorded with its row already delivered.
    fn record_checkin(
        &mut self,
        barcode: &str,
        answer: &CirculationAnswer,
        also: impl FnOnce(&Connection, &CheckinResult) -> Result<()>,
    ) -> Result<CheckinResult> {
        self.remember_item(barcode, answer.title.as_deref())?;
        let (tx, ctx) = self.begin()?;
        let elsewhere = answer
            .destination
            .as_deref()
            .filter(|d| *d != ctx.settings.branch)
            .map(str::to_string);
        let route = if answer.hold_patron.is_some() || answer.alert.as_deref() == Some("01") {
            Route::HoldShelf
        } else if elsewhere.is_some() || matches!(answer.alert.as_deref(), Some("02" | "04")) {
            Route::Transfer
        } else if answer.alert.is_some() {
            Route::Exception
        } else {
            Route::Shelve
        };
        let loan = circ::open_loan_for_item(&tx, barcode)?;
        if let Some(loan) = &loan {
            circ::close_loan(&tx, loan.id, ctx.time.at, Money::ZERO)?;
        }
        let status = match route {
            Route::HoldShelf => ItemStatus::OnHoldShelf,
            Route::Transfer => ItemStatus::InTransit,
            Route::Shelve | Route::Exception => ItemStatus::Available,
        };
        catalog::set_item_status(&tx, barcode, status, elsewhere.as_deref())?;
        let copy = catalog::item(&tx, barcode)?;
        let title = copy.as_ref().map(|i| i.title.clone());
        let body = TxBody::Checkin(CheckinPayload {
            patron: loan
                .as_ref()
                .map(|l| l.patron.clone())
                .filter(|p| !p.is_empty()),
            item: barcode.to_string(),
            title: title.clone(),
            returned: ctx.time.at,
            route,
            transfer_to: elsewhere.clone(),
            fine: 0,
            hold_id: None,
            hold_key: None,
            hold_patron: answer.hold_patron.clone(),
            // The library's system keeps its own hold shelf and its dates.
            hold_expires: None,
        });
        let id = append_delivered(&tx, &ctx, &body, loan.as_ref().map(|l| l.id))?;
        let result = CheckinResult {
            ok: true,
            reason: None,
            transaction_id: Some(id),
            item: Some(ItemRef {
                barcode: barcode.to_string(),
                title: title.unwrap_or_default(),
            }),
            route,
            fine: Money::ZERO,
            transfer_to: elsewhere,
            hold_id: None,
            central_message: answer.message.clone(),
            print_lines: answer.print_lines.clone(),
            sort_bin: answer.sort_bin.clone(),
            destination: answer.destination.clone(),
            alert: answer.alert.clone(),
            copy,
        };
        also(&tx, &result)?;
        tx.commit()?;
        tracing::info!(item = barcode, route = route.code(), sort_bin = ?result.sort_bin, "checkin by the library system");
        Ok(result)
    }

    fn record_renewal(
        &mut self,
        card: &str,
        barcode: &str,
        answer: &CirculationAnswer,
    ) -> Result<RenewResult> {
        self.remember_item(barcode, answer.title.as_deref())?;
        let (tx, ctx) = self.begin()?;
        let item = catalog::item(&tx, barcode)?;
        let due = answer
            .due
            .unwrap_or_else(|| own_due(ctx.policy, ctx.today, card, item.as_ref(), &tx));
        let (loan_id, renewals) = match circ::open_loan_for_item(&tx, barcode)? {
            Some(loan) => {
                circ::set_loan_terms(&tx, loan.id, due, loan.renewals + 1)?;
                (loan.id, loan.renewals + 1)
            }
            // Lent elsewhere (at the desk): the station learns of the loan now.
            None => {
                let id = circ::insert_loan(&tx, barcode, card, ctx.time.at, due)?;
                circ::set_loan_terms(&tx, id, due, 1)?;
                catalog::set_item_status(&tx, barcode, ItemStatus::OnLoan, None)?;
                (id, 1)
            }
        };
        let title = item.map(|i| i.title);
        let body = TxBody::Renew(RenewPayload {
            patron: Some(card.to_string()),
            item: barcode.to_string(),
            title: title.clone(),
            due,
            renewals,
        });
        let id = append_delivered(&tx, &ctx, &body, Some(loan_id))?;
        tx.commit()?;
        Ok(allowed(id, barcode, title, due, answer))
    }

    /// Keeps a copy the system named (or that is met offline) so the station can show and
    /// decide on it; without a policy item type it stays unknown here.
    fn remember_item(&mut self, barcode: &str, title: Option<&str>) -> Result<()> {
        let policy = self.policy()?;
        let branch = self.settings().branch.clone();
        let known = catalog::item(self.store().conn(), barcode)?;
        let item_type = match (&known, policy.item_types.keys().next()) {
            (Some(item), _) => item.item_type.clone(),
            (None, Some(first)) => first.clone(),
            (None, None) => return Ok(()),
        };
        let tx = self.store_mut().write()?;
        catalog::remember_item(&tx, barcode, title, &item_type, &branch)?;
        tx.commit()?;
        Ok(())
    }

    fn item_ref(&self, barcode: &str) -> Result<Option<ItemRef>> {
        Ok(
            catalog::item(self.store().conn(), barcode)?.map(|i| ItemRef {
                barcode: i.barcode,
                title: i.title,
            }),
        )
    }

    /// A set the station knows has more parts than were seen: refused before the system is
    /// asked (it does not know the parts).
    fn parts_missing(&self, barcode: &str, parts_seen: Option<u32>) -> Result<Option<Reason>> {
        let item = catalog::item(self.store().conn(), barcode)?;
        Ok(match (item, parts_seen) {
            (Some(item), Some(seen)) if seen < item.parts => Some(Reason::PartsMissing {
                expected: item.parts,
                seen,
            }),
            _ => None,
        })
    }
}

/// An amount as systems write it in BV ("2500.00", "2500", "Rp 2.500"): whole Rupiah and
/// hundredths; anything else is not shown.
fn parse_money(text: &str) -> Option<Money> {
    let text = text.trim().trim_start_matches("Rp").trim();
    let (units, cents) = match text.split_once('.') {
        Some((units, cents)) if cents.len() == 2 => (units, cents),
        Some(_) => (text, "00"),
        None => (text, "00"),
    };
    let units: String = units.chars().filter(char::is_ascii_digit).collect();
    let hundredths = units.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?;
    Some(Money::from_hundredths(hundredths))
}

/// A loan or renewal the system allowed, as recorded here, with its words.
fn allowed(
    id: Uuid,
    barcode: &str,
    title: Option<String>,
    due: Date,
    answer: &CirculationAnswer,
) -> LoanResult {
    LoanResult {
        ok: true,
        reason: None,
        transaction_id: Some(id),
        item: Some(ItemRef {
            barcode: barcode.to_string(),
            title: title.unwrap_or_default(),
        }),
        due: Some(due),
        central_message: answer.message.clone(),
        print_lines: answer.print_lines.clone(),
    }
}

/// The system's refusal, with its words.
fn refusal(answer: CirculationAnswer, barcode: &str) -> LoanResult {
    let mut refused = LoanResult::refused(
        Reason::CentralRefused,
        Some(ItemRef {
            barcode: barcode.to_string(),
            title: answer.title.unwrap_or_default(),
        }),
    );
    refused.central_message = answer.message;
    refused.print_lines = answer.print_lines;
    refused
}

/// The category a patron first met through the library system is served with offline.
fn default_category(policy: &Policy) -> Option<String> {
    policy.categories.keys().next().cloned()
}

/// The due date by the station's own rule, when the system sent none it could read.
fn own_due(
    policy: &Policy,
    today: Date,
    card: &str,
    item: Option<&crate::domain::Item>,
    conn: &Connection,
) -> Date {
    let category = catalog::patron(conn, card)
        .ok()
        .flatten()
        .map(|p| p.category)
        .unwrap_or_default();
    let item_type = item.map(|i| i.item_type.as_str()).unwrap_or_default();
    policy
        .rule_for(&category, item_type)
        .map(|rule| crate::circulation::calendar::due_date(policy, today, rule.loan_days))
        .unwrap_or(today)
}

/// Appends a row the central already has (it decided it) and marks it delivered at once.
fn append_delivered(
    conn: &Connection,
    ctx: &super::Ctx<'_>,
    body: &TxBody,
    loan_id: Option<i64>,
) -> Result<Uuid> {
    let row = outbox::append(
        conn,
        &ctx.settings.station_id,
        body,
        loan_id,
        ctx.time.at,
        ctx.time.trusted,
    )?;
    let keep_history = meta::policy(conn)?.keep_history;
    outbox::acknowledge(conn, &[row.id], ctx.time.at, keep_history)?;
    Ok(row.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_systems_write_them() {
        assert_eq!(parse_money("1500.00"), Some(Money::from_units(1500)));
        assert_eq!(parse_money("2500"), Some(Money::from_units(2500)));
        assert_eq!(parse_money("Rp 2.500"), Some(Money::from_units(2500)));
        assert_eq!(parse_money("12.50"), Some(Money::from_hundredths(1250)));
        assert_eq!(parse_money("lots"), None);
    }
}
