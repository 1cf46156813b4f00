//! The circulation desk: gathers facts from the store, asks the rules, and commits the
//! effect together with its outbox row in one SQLite transaction before answering.

use super::library_system::LibrarySystem;
use super::pin::{PinCheck, check_pin};
use super::rules::{self, CheckinFacts, CheckoutFacts, HoldFacts, RenewFacts};
use crate::clock::{Clock, StationTime, station_time};
use crate::contract::transactions::{
    AttendPayload, CheckinPayload, FeedbackPayload, FineKind, FinePayload, HoldPayload,
    LoanPayload, PinAttemptPayload, RenewPayload, TxBody,
};
use crate::domain::{
    Hold, HoldStatus, HoldTarget, ItemStatus, Money, Patron, Policy, Route, redact,
};
use crate::reason::Reason;
use crate::store::{Result, Store, StoreError, catalog, circ, meta, outbox};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

/// Who the desk works for: station identity and where it stands.
#[derive(Debug, Clone)]
pub struct DeskSettings {
    /// The station id stamped on every transaction (config `[station] id`).
    pub station_id: String,
    /// The branch this station belongs to (config `[library] branch`).
    pub branch: String,
    /// The library's time zone: "today" and due dates are local dates.
    pub time_zone: TimeZone,
}

/// How the patron proved who they are.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    /// A PIN typed now (or none).
    Pin(Option<&'a str>),
    /// Renewals and checkins take no PIN.
    NotNeeded,
}

/// A copy, as results name it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemRef {
    pub barcode: String,
    pub title: String,
}

/// The answer to a checkout or a renewal: a loan and its due date, or the reason why not.
#[derive(Debug, Clone, Serialize)]
pub struct LoanResult {
    pub ok: bool,
    pub reason: Option<Reason>,
    pub transaction_id: Option<Uuid>,
    pub item: Option<ItemRef>,
    pub due: Option<Date>,
    /// The library system's own words (SIP2 screen messages), shown verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub central_message: Option<String>,
    /// Lines the library system asks to print on the receipt, verbatim.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub print_lines: Vec<String>,
}

pub type CheckoutResult = LoanResult;
pub type RenewResult = LoanResult;

#[derive(Debug, Clone, Serialize)]
pub struct CheckinResult {
    pub ok: bool,
    pub reason: Option<Reason>,
    pub transaction_id: Option<Uuid>,
    pub item: Option<ItemRef>,
    pub route: Route,
    /// Overdue fine charged by this return.
    pub fine: Money,
    /// Where a transfer goes.
    pub transfer_to: Option<String>,
    /// The hold this copy now serves.
    pub hold_id: Option<i64>,
    /// The library system's own words (SIP2 screen messages), shown verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub central_message: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub print_lines: Vec<String>,
    /// Where the library system says the copy goes (SIP2 CL sort bin, CT destination, CV
    /// alert type), when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_bin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HoldResult {
    pub ok: bool,
    pub reason: Option<Reason>,
    pub transaction_id: Option<Uuid>,
    pub hold_id: Option<i64>,
    pub title_id: Option<i64>,
    /// Place in the title's queue (1 = next).
    pub position: Option<u32>,
    /// The library system's own words (SIP2), verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub central_message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PickupResult {
    pub ok: bool,
    pub reason: Option<Reason>,
    /// The first loan's transaction (each item has its own below).
    pub transaction_id: Option<Uuid>,
    pub items: Vec<CheckoutResult>,
}

/// The circulation desk of one station.
pub struct Desk {
    store: Store,
    settings: DeskSettings,
    clock: Box<dyn Clock>,
    /// The parsed policy and the `updated_at` it was read at: re-read only when another
    /// process (an import) changed it, not on every transaction.
    policy_cache: Option<(String, Policy)>,
    /// The library's own system, asked first when the station has one (SIP2).
    pub(super) system: Option<Box<dyn LibrarySystem>>,
    /// What the library system said at the last identification, for the screen.
    pub(super) central_message: Option<String>,
}

/// What every transaction of the desk starts from.
pub(super) struct Ctx<'a> {
    pub(super) settings: &'a DeskSettings,
    pub(super) time: StationTime,
    pub(super) today: Date,
    pub(super) policy: &'a Policy,
}

impl Desk {
    pub fn new(store: Store, settings: DeskSettings, clock: Box<dyn Clock>) -> Desk {
        Desk {
            store,
            settings,
            clock,
            policy_cache: None,
            system: None,
            central_message: None,
        }
    }

    /// The desk of a station whose library system decides while it answers (SIP2): it is
    /// asked first, and the station's own rules decide only as its offline policy allows.
    pub fn with_library_system(mut self, system: Box<dyn LibrarySystem>) -> Desk {
        self.system = Some(system);
        self
    }

    /// What the library system said when the patron last identified (shown verbatim).
    pub fn central_message(&self) -> Option<&str> {
        self.central_message.as_deref()
    }

    /// Whether a library system answers for this station (requests may then take seconds).
    pub fn asks_library_system(&self) -> bool {
        self.system.is_some()
    }

    /// Tells the library system the patron is done (SIP2 end session); nothing without one.
    pub fn end_session(&mut self, card: &str) {
        if let Some(system) = self.system.as_mut() {
            system.end_session(card);
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn settings(&self) -> &DeskSettings {
        &self.settings
    }

    pub fn policy(&self) -> Result<Policy> {
        meta::policy(self.store.conn())
    }

    /// Opens a write transaction and reads the time and the policy for it.
    pub(super) fn begin(&mut self) -> Result<(rusqlite::Transaction<'_>, Ctx<'_>)> {
        let Desk {
            store,
            settings,
            clock,
            policy_cache,
            ..
        } = self;
        let tx = store.write()?;
        let time = station_time(
            clock.now(),
            clock.synchronised(),
            meta::last_trusted_time(&tx)?,
        );
        if time.trusted {
            meta::set_last_trusted_time(&tx, time.at)?;
        }
        let today = time.at.to_zoned_datetime(settings.time_zone.clone()).date();
        let version = meta::policy_version(&tx)?;
        if policy_cache.as_ref().is_none_or(|(v, _)| *v != version) {
            *policy_cache = Some((version, meta::policy(&tx)?));
        }
        let policy = &policy_cache.as_ref().expect("policy cached just above").1;
        Ok((
            tx,
            Ctx {
                settings,
                time,
                today,
                policy,
            },
        ))
    }

    /// The station's "now": the clock, or the last trusted time when the clock is behind it
    /// (a Pi booted without network) — the one time decisions, screens and receipts use.
    pub fn now(&self) -> Result<StationTime> {
        Ok(station_time(
            self.clock.now(),
            self.clock.synchronised(),
            meta::last_trusted_time(self.store.conn())?,
        ))
    }

    /// The local date now (library time zone), by [`Desk::now`]: the date the rules decide
    /// with, so the screens' "overdue" agrees with the due dates given.
    pub fn today(&self) -> Date {
        let at = self
            .now()
            .map(|t| t.at)
            .unwrap_or_else(|_| self.clock.now());
        at.to_zoned_datetime(self.settings.time_zone.clone()).date()
    }

    /// [`Desk::now`] in the library's time zone, as receipts print it.
    pub fn local_now(&self) -> jiff::ZonedDateTime {
        let at = self
            .now()
            .map(|t| t.at)
            .unwrap_or_else(|_| self.clock.now());
        at.to_zoned_datetime(self.settings.time_zone.clone())
    }

    /// Checks a patron's card and PIN the way checkout does, recording wrong tries.
    pub fn identify(&mut self, card: &str, proof: Proof<'_>) -> Result<Result<Patron, Reason>> {
        if self.system.is_some() {
            return self.identify_online(card, proof);
        }
        self.identify_local(card, proof)
    }

    /// [`Desk::identify`] by the station's own copy of the patron.
    pub(super) fn identify_local(
        &mut self,
        card: &str,
        proof: Proof<'_>,
    ) -> Result<Result<Patron, Reason>> {
        let (tx, ctx) = self.begin()?;
        let outcome = identify_in(&tx, &ctx, card, proof)?;
        tx.commit()?;
        Ok(outcome)
    }

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

    /// Records a patron's rating of their visit (1–5) for the library's evaluation.
    pub fn record_feedback(&mut self, score: u8) -> Result<Uuid> {
        let (tx, ctx) = self.begin()?;
        let body = TxBody::Feedback(FeedbackPayload {
            score,
            branch: ctx.settings.branch.clone(),
            comment: None,
            repeat: false,
        });
        let row = outbox::append(
            &tx,
            &ctx.settings.station_id,
            &body,
            None,
            ctx.time.at,
            ctx.time.trusted,
        )?;
        tx.commit()?;
        Ok(row.id)
    }

    /// Records that a member came to an event (checked in at the event's banner): the hub
    /// marks them present on its list, or adds them as a walk-in.
    pub fn record_attendance(&mut self, event: &str, card: &str) -> Result<Uuid> {
        let (tx, ctx) = self.begin()?;
        let body = TxBody::Attend(AttendPayload {
            event: event.to_string(),
            patron: card.to_string(),
            at: ctx.time.at,
        });
        let row = outbox::append(
            &tx,
            &ctx.settings.station_id,
            &body,
            None,
            ctx.time.at,
            ctx.time.trusted,
        )?;
        tx.commit()?;
        Ok(row.id)
    }

    /// A patron's account: loans with titles, live holds with their place in the queue.
    /// With a library system, its list of the patron's loans and what they owe (online).
    pub fn account(&mut self, card: &str) -> Result<Option<Account>> {
        if self.system.is_some() {
            return self.account_online(card);
        }
        self.account_local(card)
    }

    /// [`Desk::account`] as the station's own store has it.
    pub(super) fn account_local(&self, card: &str) -> Result<Option<Account>> {
        let conn = self.store.conn();
        let Some(patron) = catalog::patron(conn, card)? else {
            return Ok(None);
        };
        let mut loans = Vec::new();
        for loan in circ::open_loans_of_patron(conn, card)? {
            let title = catalog::item(conn, &loan.item)?
                .map(|i| i.title)
                .unwrap_or_default();
            loans.push(AccountLoan { loan, title });
        }
        let mut holds = Vec::new();
        for hold in circ::live_holds_of_patron(conn, card)? {
            let position = if hold.status == HoldStatus::Waiting {
                Some(circ::queue_position(conn, &hold)?)
            } else {
                None
            };
            let title = catalog::title(conn, hold.title_id)?
                .map(|t| t.title)
                .unwrap_or_default();
            holds.push(AccountHold {
                hold,
                title,
                position,
            });
        }
        Ok(Some(Account {
            patron,
            loans,
            holds,
        }))
    }

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

    /// Records a transaction that decides nothing (a drop box's exception) at the station's
    /// time, with `also` in the same SQLite transaction.
    pub fn record(
        &mut self,
        body: &TxBody,
        also: impl FnOnce(&Connection) -> Result<()>,
    ) -> Result<Uuid> {
        let (tx, ctx) = self.begin()?;
        let appended = outbox::append(
            &tx,
            &ctx.settings.station_id,
            body,
            None,
            ctx.time.at,
            ctx.time.trusted,
        )?;
        also(&tx)?;
        tx.commit()?;
        Ok(appended.id)
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

/// A patron's account as screens and commands show it.
#[derive(Debug, Clone)]
pub struct Account {
    pub patron: Patron,
    pub loans: Vec<AccountLoan>,
    pub holds: Vec<AccountHold>,
}

#[derive(Debug, Clone)]
pub struct AccountLoan {
    pub loan: crate::domain::Loan,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct AccountHold {
    pub hold: Hold,
    pub title: String,
    /// Place in the queue while waiting.
    pub position: Option<u32>,
}

/// What a hold names.
#[derive(Debug, Clone, Copy)]
pub enum HoldRequest<'a> {
    /// A title by number or ISBN: any copy will do.
    Title(&'a str),
    /// One copy by barcode.
    Item(&'a str),
}

impl LoanResult {
    pub(super) fn refused(reason: Reason, item: Option<ItemRef>) -> LoanResult {
        LoanResult {
            ok: false,
            reason: Some(reason),
            transaction_id: None,
            item,
            due: None,
            central_message: None,
            print_lines: Vec::new(),
        }
    }
}

impl CheckinResult {
    /// A return not taken (or flagged): to staff, with the reason.
    pub(super) fn refused(reason: Reason, item: Option<ItemRef>) -> CheckinResult {
        CheckinResult {
            ok: false,
            reason: Some(reason),
            transaction_id: None,
            item,
            route: Route::Exception,
            fine: Money::ZERO,
            transfer_to: None,
            hold_id: None,
            central_message: None,
            print_lines: Vec::new(),
            sort_bin: None,
            destination: None,
            alert: None,
        }
    }
}

impl PickupResult {
    fn refused(reason: Reason) -> PickupResult {
        PickupResult {
            ok: false,
            reason: Some(reason),
            transaction_id: None,
            items: Vec::new(),
        }
    }
}

fn log_outcome(action: &str, card: &str, barcode: &str, reason: Option<Reason>) {
    tracing::info!(patron = %redact(card), item = barcode, reason = ?reason.map(Reason::code), "{action}");
}

/// Finds the patron and checks the PIN, storing wrong tries and lockouts.
fn identify_in(
    conn: &Connection,
    ctx: &Ctx<'_>,
    card: &str,
    proof: Proof<'_>,
) -> Result<Result<Patron, Reason>> {
    let (time, policy) = (ctx.time, ctx.policy);
    let Some(patron) = catalog::patron(conn, card)? else {
        return Ok(Err(Reason::PatronNotFound));
    };
    let Proof::Pin(given) = proof else {
        return Ok(Ok(patron));
    };
    let check = check_pin(
        patron.pin_hash.as_deref(),
        given,
        patron.pin_failures,
        patron.pin_locked_until,
        time.at,
        policy.pin_max_attempts,
        policy.pin_lockout_minutes,
    );
    // Every PIN actually checked travels to the central, right or wrong: the count is the
    // library's, so three wrong PINs here lock the card at every station and on the web.
    let attempt = |ok: bool| -> Result<()> {
        let body = TxBody::PinAttempt(PinAttemptPayload {
            patron: card.to_string(),
            ok,
            at: time.at,
        });
        outbox::append(
            conn,
            &ctx.settings.station_id,
            &body,
            None,
            time.at,
            time.trusted,
        )?;
        Ok(())
    };
    match check {
        PinCheck::Accepted => {
            if patron.pin_hash.is_some() {
                attempt(true)?;
            }
            if patron.pin_failures > 0 || patron.pin_locked_until.is_some() {
                catalog::set_pin_state(conn, card, 0, None)?;
            }
            Ok(Ok(patron))
        }
        PinCheck::Required => Ok(Err(Reason::PinRequired)),
        PinCheck::Locked { .. } => Ok(Err(Reason::PinLocked)),
        PinCheck::Incorrect {
            failures,
            locked_until,
        } => {
            catalog::set_pin_state(conn, card, failures, locked_until)?;
            attempt(false)?;
            tracing::warn!(patron = %redact(card), failures, locked = locked_until.is_some(), "wrong PIN");
            Ok(Err(if locked_until.is_some() {
                Reason::PinLocked
            } else {
                Reason::PinIncorrect
            }))
        }
    }
}

/// The central's key of a station hold, for the payload that changes it.
fn hold_key(conn: &Connection, hold_id: Option<i64>) -> Result<Option<String>> {
    Ok(hold_id
        .map(|id| circ::hold_central_key(conn, id))
        .transpose()?
        .flatten())
}

fn checkout_in(
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

fn checkin_in(
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
    })
}

fn renew_in(conn: &Connection, ctx: &Ctx<'_>, card: &str, barcode: &str) -> Result<RenewResult> {
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

fn hold_in(
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
