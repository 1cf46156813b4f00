//! The kiosk's session: what a patron can do, screen by screen, decided by the desk.
//!
//! Commands come from the touchscreen (buttons, typed codes), the scanner and the RFID pad;
//! each returns the new [`KioskView`], a plain value the UI shows. Nothing is decided in the
//! UI, and nothing here knows about Slint.

use super::pad::Pad;
use super::receipts::ReceiptSink;
use crate::circulation::desk::{CheckinResult, Desk, LoanResult, Proof};
use crate::circulation::rules;
use crate::contract::transactions::TxKind;
use crate::domain::{HoldStatus, Money, Route, redact};
use crate::reason::{Lang, Reason};
use crate::store::{Result, catalog, meta, outbox, promotions};
use crate::sync::push::CentralProblem;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use swalayan_hardware::printer::receipt::{Receipt, ReceiptItem};
use swalayan_hardware::rfid::iso28560::USAGE_PATRON_CARD;
use swalayan_hardware::rfid::security::AfiPolicy;
use swalayan_hardware::rfid::{TagReport, Uid};

/// The screens of the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Welcome,
    Identify,
    Pin,
    Borrow,
    Return,
    Account,
    Receipt,
    Feedback,
    Goodbye,
    Staff,
}

/// What the patron asked for before identifying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Goal {
    Borrow,
    Account,
    Staff,
}

/// A row of the borrow or return list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowView {
    pub barcode: String,
    pub title: String,
    pub state: RowState,
    pub reason: Option<Reason>,
    pub due: Option<String>,
    pub route: Option<Route>,
    pub fine: Money,
    /// The part of a set that is not on the pad.
    pub missing_part: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    Pending,
    Borrowed,
    Returned,
    Renewed,
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanView {
    pub barcode: String,
    pub title: String,
    pub due: String,
    pub overdue: bool,
    pub renewals: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldView {
    pub title: String,
    pub status: HoldStatus,
    pub position: u32,
    pub expires: String,
}

/// A sound or buzzer cue for success or refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    Success,
    Refusal,
}

/// Everything the touchscreen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct KioskView {
    pub screen: Screen,
    pub lang: Lang,
    pub patron_name: String,
    pub notice: Option<Reason>,
    pub rows: Vec<RowView>,
    pub done_count: u32,
    pub loans: Vec<LoanView>,
    pub holds: Vec<HoldView>,
    pub ready_count: u32,
    pub fines: Money,
    /// Seconds left before an idle session ends, while the warning shows.
    pub idle_countdown: Option<u32>,
    pub feedback_enabled: bool,
    pub printer_ok: bool,
    pub pending: i64,
    pub conflicts: i64,
    /// When the station last reached the central (local time), if ever.
    pub last_sync: Option<String>,
    /// Why the last sync failed, when it did: staff see whether to wait or to fix something.
    pub central_problem: Option<CentralProblem>,
    pub today_loans: i64,
    pub today_returns: i64,
    pub promotions: Vec<(String, String)>,
    pub devices: Vec<String>,
    pub staff_message: String,
    /// Set when staff chose "leave kiosk mode": the app quits.
    pub quit: bool,
    /// The central catalogue: not configured, reached on the last sync, or not.
    pub central: CentralLight,
}

/// The status light of the central catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentralLight {
    NoCentral,
    Online,
    Offline,
}

/// What the kiosk is told.
#[derive(Debug, Clone)]
pub enum Command {
    StartBorrow,
    StartReturn,
    StartAccount,
    /// A card number typed on the keypad.
    Card(String),
    Pin(String),
    /// A barcode from the scanner or typed on a keyboard: a card or an item, by screen.
    Code(String),
    /// What lies on the RFID pad now.
    Tags(Vec<TagReport>),
    Renew(String),
    RenewAll,
    PickUp,
    Finish,
    Receipt(bool),
    Feedback(u8),
    Cancel,
    StillHere,
    Lang(Lang),
    /// Time passes (inactivity, rotating promotions).
    Tick,
    Staff(StaffAction),
    /// A device changed state (staff screen), e.g. "scanner: lost".
    Device(String, String),
    /// The sync worker reached the central (true) or not (false).
    Central(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    Enter,
    TestPrinter,
    ReadTag,
    Leave,
}

/// How the kiosk behaves; from the station config.
#[derive(Debug, Clone)]
pub struct KioskSettings {
    pub library_name: String,
    pub default_lang: Lang,
    pub feedback_enabled: bool,
    /// Quiet time before the "are you still there?" warning.
    pub idle_warning_after: Duration,
    /// How long the warning counts down before the session ends.
    pub idle_countdown: Duration,
    /// How long the goodbye screen stays.
    pub goodbye_for: Duration,
    /// How long a multi-part set may wait for its other parts on the pad.
    pub parts_wait: Duration,
    pub afi: AfiPolicy,
}

impl Default for KioskSettings {
    fn default() -> KioskSettings {
        KioskSettings {
            library_name: "Perpustakaan".into(),
            default_lang: Lang::Id,
            feedback_enabled: true,
            idle_warning_after: Duration::from_secs(60),
            idle_countdown: Duration::from_secs(20),
            goodbye_for: Duration::from_secs(5),
            parts_wait: Duration::from_secs(2),
            afi: AfiPolicy::default(),
        }
    }
}

/// One patron's visit.
#[derive(Debug, Default)]
struct Session {
    goal: Option<Goal>,
    card: Option<String>,
    /// Tags already handled this session (a book left on the pad is not lent twice).
    handled_tags: BTreeSet<Uid>,
    /// Sets seen incomplete, and since when: item id -> first seen.
    waiting_sets: BTreeMap<String, Duration>,
    rows: Vec<RowView>,
    receipt_lines: Vec<ReceiptItem>,
}

pub struct Kiosk {
    desk: Desk,
    settings: KioskSettings,
    pad: Option<Pad>,
    printer: Option<Box<dyn ReceiptSink>>,
    session: Session,
    view: KioskView,
    /// Time of the last patron action, and of "now" (both on the UI's clock).
    last_activity: Duration,
    now: Duration,
    goodbye_since: Option<Duration>,
    cues: Vec<Cue>,
    devices: BTreeMap<String, String>,
    /// When the staff-facing status (counts, last sync, promotions) was last read, and how
    /// often it has been: it is read after changes and every few seconds, never per pad poll.
    status_read_at: Duration,
    status_reads: u64,
}

/// How often the status is re-read when nothing happens (the UI ticks every second).
const STATUS_EVERY: Duration = Duration::from_secs(5);

impl Kiosk {
    pub fn new(
        desk: Desk,
        settings: KioskSettings,
        pad: Option<Pad>,
        printer: Option<Box<dyn ReceiptSink>>,
    ) -> Kiosk {
        let view = KioskView {
            screen: Screen::Welcome,
            lang: settings.default_lang,
            patron_name: String::new(),
            notice: None,
            rows: Vec::new(),
            done_count: 0,
            loans: Vec::new(),
            holds: Vec::new(),
            ready_count: 0,
            fines: Money::ZERO,
            idle_countdown: None,
            feedback_enabled: settings.feedback_enabled,
            printer_ok: printer.as_ref().is_some_and(|p| p.ready()),
            pending: 0,
            last_sync: None,
            central_problem: None,
            conflicts: 0,
            today_loans: 0,
            today_returns: 0,
            promotions: Vec::new(),
            devices: Vec::new(),
            staff_message: String::new(),
            quit: false,
            central: CentralLight::NoCentral,
        };
        let mut kiosk = Kiosk {
            desk,
            settings,
            pad,
            printer,
            session: Session::default(),
            view,
            last_activity: Duration::ZERO,
            now: Duration::ZERO,
            goodbye_since: None,
            cues: Vec::new(),
            devices: BTreeMap::new(),
            status_read_at: Duration::ZERO,
            status_reads: 0,
        };
        if let Err(e) = kiosk.refresh_status() {
            tracing::error!("kiosk status: {e}");
        }
        kiosk
    }

    pub fn view(&self) -> &KioskView {
        &self.view
    }

    pub fn desk(&self) -> &Desk {
        &self.desk
    }

    /// How many times the status has been read from the store (diagnostics and tests).
    pub fn status_reads(&self) -> u64 {
        self.status_reads
    }

    /// Cues fired since the last call (buzzer, sound).
    pub fn take_cues(&mut self) -> Vec<Cue> {
        std::mem::take(&mut self.cues)
    }

    pub fn has_pad(&self) -> bool {
        self.pad.is_some()
    }

    /// Polls the RFID pad (the app calls this a few times a second).
    pub fn poll_pad(&mut self, now: Duration) -> Result<&KioskView> {
        let polled = match self.pad.as_mut() {
            None => return Ok(&self.view),
            Some(pad) => pad.poll(),
        };
        match polled {
            Ok(tags) => {
                self.set_device("rfid", "ok");
                self.handle(Command::Tags(tags), now)
            }
            Err(e) => {
                self.set_device("rfid", &e.to_string());
                Ok(&self.view)
            }
        }
    }

    fn set_device(&mut self, name: &str, state: &str) {
        if self.devices.get(name).map(String::as_str) != Some(state) {
            self.devices.insert(name.to_string(), state.to_string());
            self.view.devices = self
                .devices
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
        }
    }

    /// Handles one command at `now` (the UI's monotonic clock) and returns the new view.
    pub fn handle(&mut self, command: Command, now: Duration) -> Result<&KioskView> {
        self.now = now;
        let patron_action = !matches!(
            command,
            Command::Tick | Command::Device(..) | Command::Tags(_)
        );
        let tags_changed = matches!(&command, Command::Tags(tags) if tags.iter().any(|t| !self.session.handled_tags.contains(&t.uid)));
        // The status changes with what the patron or a device does, not with a pad that
        // reports the same tags again; otherwise a timer re-reads it now and then.
        let read_status = match &command {
            Command::Tags(_) => tags_changed,
            Command::Tick => now.saturating_sub(self.status_read_at) >= STATUS_EVERY,
            _ => true,
        };
        if patron_action || tags_changed {
            self.last_activity = now;
            self.view.idle_countdown = None;
        }
        match command {
            Command::StartBorrow => self.start(Goal::Borrow),
            Command::StartAccount => self.start(Goal::Account),
            Command::StartReturn => {
                self.reset_session();
                self.view.screen = Screen::Return;
            }
            Command::Card(card) => self.identify(&card)?,
            Command::Pin(pin) => self.enter_pin(&pin)?,
            Command::Code(code) => self.code(&code)?,
            Command::Tags(tags) => self.tags(tags)?,
            Command::Renew(barcode) => self.renew(&barcode)?,
            Command::RenewAll => {
                if let Some(card) = self.session.card.clone() {
                    for result in self.desk.renew_all(&card)? {
                        self.push_renewal(&result);
                    }
                    self.load_account()?;
                }
            }
            Command::PickUp => self.pick_up()?,
            Command::Finish => self.finish(),
            Command::Receipt(print) => self.receipt(print),
            Command::Feedback(score) => {
                if (1..=5).contains(&score) {
                    self.desk.record_feedback(score)?;
                }
                self.goodbye();
            }
            Command::Cancel => {
                if self.view.screen == Screen::Staff || self.session.rows.is_empty() {
                    self.end_session();
                } else {
                    self.finish();
                }
            }
            Command::StillHere => {}
            Command::Lang(lang) => self.view.lang = lang,
            Command::Tick => self.tick()?,
            Command::Staff(action) => self.staff(action)?,
            Command::Device(name, state) => self.set_device(&name, &state),
            Command::Central(online) => {
                self.view.central = if online {
                    CentralLight::Online
                } else {
                    CentralLight::Offline
                };
            }
        }
        if read_status {
            self.refresh_status()?;
            self.status_read_at = now;
        }
        Ok(&self.view)
    }

    fn reset_session(&mut self) {
        self.session = Session::default();
        self.view.rows.clear();
        self.view.done_count = 0;
        self.view.notice = None;
        self.view.patron_name.clear();
        self.view.loans.clear();
        self.view.holds.clear();
        self.view.ready_count = 0;
        self.view.fines = Money::ZERO;
        self.view.staff_message.clear();
        self.goodbye_since = None;
    }

    fn start(&mut self, goal: Goal) {
        // "Borrow more" from the account keeps the identified patron.
        if goal == Goal::Borrow && self.session.card.is_some() {
            self.session.goal = Some(Goal::Borrow);
            self.view.screen = Screen::Borrow;
            return;
        }
        self.reset_session();
        self.session.goal = Some(goal);
        self.view.screen = Screen::Identify;
    }

    /// A card: checked, then the PIN when the patron has one.
    fn identify(&mut self, card: &str) -> Result<()> {
        let card = card.trim();
        if card.is_empty() {
            return Ok(());
        }
        if self.session.goal.is_none() {
            self.reset_session();
            self.session.goal = Some(Goal::Borrow);
        }
        self.session.card = Some(card.to_string());
        match self.desk.identify(card, Proof::Pin(None))? {
            Ok(patron) => {
                self.view.patron_name = patron.name.clone();
                if self.session.goal == Some(Goal::Staff) {
                    // Staff mode always needs the PIN; a staff card without one cannot enter.
                    self.refuse_identify(Reason::StaffOnly);
                    return Ok(());
                }
                self.enter_goal()
            }
            Err(Reason::PinRequired) => {
                let name = catalog::patron(self.desk.store().conn(), card)?
                    .map(|p| p.name)
                    .unwrap_or_default();
                self.view.patron_name = name;
                self.view.notice = None;
                self.view.screen = Screen::Pin;
                Ok(())
            }
            Err(reason) => {
                self.refuse_identify(reason);
                Ok(())
            }
        }
    }

    fn refuse_identify(&mut self, reason: Reason) {
        self.session.card = None;
        self.view.notice = Some(reason);
        self.view.screen = Screen::Identify;
        self.cues.push(Cue::Refusal);
    }

    fn enter_pin(&mut self, pin: &str) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            self.view.screen = Screen::Identify;
            return Ok(());
        };
        match self.desk.identify(&card, Proof::Pin(Some(pin)))? {
            Ok(_) => self.enter_goal(),
            Err(reason @ (Reason::PinIncorrect | Reason::PinLocked)) => {
                self.view.notice = Some(reason);
                self.cues.push(Cue::Refusal);
                if reason == Reason::PinLocked {
                    // Locked: back to identify so the next patron can start afresh.
                    self.session.card = None;
                    self.view.screen = Screen::Identify;
                }
                Ok(())
            }
            Err(reason) => {
                self.refuse_identify(reason);
                Ok(())
            }
        }
    }

    /// The patron is known (and their PIN checked): go where they wanted.
    fn enter_goal(&mut self) -> Result<()> {
        let card = self.session.card.clone().unwrap_or_default();
        let patron = catalog::patron(self.desk.store().conn(), &card)?;
        self.view.notice = None;
        match self.session.goal {
            Some(Goal::Staff) => {
                if patron
                    .as_ref()
                    .is_some_and(|p| p.category == "staff" && p.has_pin())
                {
                    tracing::info!(patron = %redact(&card), "staff mode");
                    self.view.screen = Screen::Staff;
                } else {
                    self.refuse_identify(Reason::StaffOnly);
                }
            }
            Some(Goal::Account) => {
                self.load_account()?;
                self.view.screen = Screen::Account;
            }
            _ => {
                // Refuse at the door what would refuse every book: a blocked or expired card.
                if let Some(patron) = &patron {
                    let policy = self.desk.policy()?;
                    if let Err(reason) =
                        rules::patron_may_borrow(patron, &policy, self.desk.today())
                    {
                        self.refuse_identify(reason);
                        return Ok(());
                    }
                }
                self.view.screen = Screen::Borrow;
            }
        }
        Ok(())
    }

    fn load_account(&mut self) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            return Ok(());
        };
        let today = self.desk.today();
        let Some(account) = self.desk.account(&card)? else {
            return Ok(());
        };
        self.view.patron_name = account.patron.name.clone();
        self.view.fines = account.patron.fines;
        self.view.loans = account
            .loans
            .iter()
            .map(|l| LoanView {
                barcode: l.loan.item.clone(),
                title: l.title.clone(),
                due: l.loan.due.to_string(),
                overdue: l.loan.due < today,
                renewals: l.loan.renewals,
            })
            .collect();
        self.view.holds = account
            .holds
            .iter()
            .map(|h| HoldView {
                title: h.title.clone(),
                status: h.hold.status,
                position: h.position.unwrap_or(0),
                expires: h.hold.expires.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect();
        self.view.ready_count = account
            .holds
            .iter()
            .filter(|h| {
                h.hold.status == HoldStatus::Ready
                    && h.hold.pickup_branch == self.desk.settings().branch
            })
            .count() as u32;
        Ok(())
    }

    /// A barcode: a card on the first screens, an item on the borrow and return screens.
    fn code(&mut self, code: &str) -> Result<()> {
        let code = code.trim().to_string();
        if code.is_empty() {
            return Ok(());
        }
        match self.view.screen {
            Screen::Welcome | Screen::Identify | Screen::Goodbye => self.identify(&code),
            // A PIN typed on a keyboard or USB keypad, like the touch keypad.
            Screen::Pin => self.enter_pin(&code),
            Screen::Borrow => self.borrow(&code, None, &[]),
            Screen::Return => self.give_back(&code, None, &[]),
            _ => Ok(()),
        }
    }

    /// What lies on the pad: patron cards identify, items are lent or returned once each.
    fn tags(&mut self, tags: Vec<TagReport>) -> Result<()> {
        let screen = self.view.screen;
        // Group the item tags by item id (a set has one tag per part).
        let mut items: BTreeMap<String, Vec<&TagReport>> = BTreeMap::new();
        for tag in &tags {
            if self.session.handled_tags.contains(&tag.uid) {
                continue;
            }
            match &tag.data {
                Ok(data) if data.usage == USAGE_PATRON_CARD => {
                    if matches!(screen, Screen::Welcome | Screen::Identify | Screen::Goodbye) {
                        self.session.handled_tags.insert(tag.uid);
                        return self.identify(&data.item_id.clone());
                    }
                }
                Ok(data) => items.entry(data.item_id.clone()).or_default().push(tag),
                Err(_) if matches!(screen, Screen::Borrow | Screen::Return) => {
                    self.session.handled_tags.insert(tag.uid);
                    self.push_row(RowView::refused(
                        String::new(),
                        String::new(),
                        Reason::TagUnreadable,
                    ));
                }
                Err(_) => {}
            }
        }
        if !matches!(screen, Screen::Borrow | Screen::Return) {
            return Ok(());
        }
        for (item_id, parts) in items {
            let expected = parts
                .iter()
                .filter_map(|t| t.data.as_ref().ok())
                .map(|d| u32::from(d.parts))
                .max()
                .unwrap_or(1);
            let seen: BTreeSet<u32> = parts
                .iter()
                .filter_map(|t| t.data.as_ref().ok())
                .map(|d| u32::from(d.part))
                .collect();
            let complete = seen.len() as u32 >= expected;
            if !complete {
                let since = *self
                    .session
                    .waiting_sets
                    .entry(item_id.clone())
                    .or_insert(self.now);
                if self.now.saturating_sub(since) < self.settings.parts_wait {
                    continue; // the other parts may still be on their way to the pad
                }
            }
            self.session.waiting_sets.remove(&item_id);
            let uids: Vec<Uid> = parts.iter().map(|t| t.uid).collect();
            let missing = (1..=expected).find(|p| !seen.contains(p));
            let parts_seen = if expected > 1 {
                Some(seen.len() as u32)
            } else {
                None
            };
            // An incomplete set is refused but its tags are not marked handled: laying the
            // missing part on the pad tries again.
            if complete {
                self.session.handled_tags.extend(uids.iter().copied());
            }
            if screen == Screen::Borrow {
                self.borrow(&item_id, parts_seen, &uids)?;
            } else {
                self.give_back(&item_id, parts_seen, &uids)?;
            }
            if let (Some(part), Some(row)) = (missing, self.session.rows.last_mut())
                && row.barcode == item_id
                && row.state == RowState::Refused
            {
                row.missing_part = Some(part);
                self.view.rows = self.session.rows.clone();
            }
        }
        Ok(())
    }

    /// Lends an item; RFID tags are disarmed (and read back) before the loan is committed.
    fn borrow(&mut self, barcode: &str, parts_seen: Option<u32>, uids: &[Uid]) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            return Ok(());
        };
        if !uids.is_empty() {
            let preview = self.desk.preview_checkout(&card, barcode, parts_seen)?;
            if !preview.ok {
                self.push_loan(&preview, barcode, RowState::Borrowed);
                return Ok(());
            }
            if !self.secure_all(uids, self.settings.afi.afi_out) {
                let title = preview.item.map(|i| i.title).unwrap_or_default();
                // Some tags may have been disarmed: put them back before refusing.
                self.secure_all(uids, self.settings.afi.afi_in);
                self.push_row(RowView::refused(
                    barcode.to_string(),
                    title,
                    Reason::TagUnreadable,
                ));
                return Ok(());
            }
        }
        let result = self
            .desk
            .checkout(&card, barcode, Proof::NotNeeded, parts_seen)?;
        if !result.ok && !uids.is_empty() {
            self.secure_all(uids, self.settings.afi.afi_in);
        }
        self.push_loan(&result, barcode, RowState::Borrowed);
        Ok(())
    }

    fn secure_all(&mut self, uids: &[Uid], afi: u8) -> bool {
        let Some(pad) = self.pad.as_mut() else {
            return false;
        };
        uids.iter().all(|&uid| match pad.secure(uid, afi) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(%uid, "security not confirmed: {e}");
                false
            }
        })
    }

    /// Takes an item back; RFID tags are re-armed after the return is recorded.
    fn give_back(&mut self, barcode: &str, parts_seen: Option<u32>, uids: &[Uid]) -> Result<()> {
        let mut result = self.desk.checkin(barcode, parts_seen)?;
        if result.ok && !uids.is_empty() && !self.secure_all(uids, self.settings.afi.afi_in) {
            // Returned, but the alarm is not armed: staff must look at it.
            result.route = Route::Exception;
        }
        self.push_return(&result, barcode);
        Ok(())
    }

    fn renew(&mut self, barcode: &str) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            return Ok(());
        };
        let result = self.desk.renew(&card, barcode)?;
        self.push_renewal(&result);
        self.load_account()
    }

    fn push_renewal(&mut self, result: &LoanResult) {
        let barcode = result
            .item
            .as_ref()
            .map(|i| i.barcode.clone())
            .unwrap_or_default();
        self.push_loan(result, &barcode, RowState::Renewed);
    }

    fn pick_up(&mut self) -> Result<()> {
        let Some(card) = self.session.card.clone() else {
            return Ok(());
        };
        let result = self.desk.pickup(&card, Proof::NotNeeded)?;
        for item in &result.items {
            let barcode = item
                .item
                .as_ref()
                .map(|i| i.barcode.clone())
                .unwrap_or_default();
            self.push_loan(item, &barcode, RowState::Borrowed);
        }
        if result.items.is_empty()
            && let Some(reason) = result.reason
        {
            self.view.notice = Some(reason);
        }
        self.load_account()
    }

    fn push_loan(&mut self, result: &LoanResult, barcode: &str, ok_state: RowState) {
        let title = result
            .item
            .as_ref()
            .map(|i| i.title.clone())
            .unwrap_or_default();
        let row = if result.ok {
            let due = result.due.map(|d| d.to_string());
            self.session.receipt_lines.push(ReceiptItem {
                title: title.clone(),
                barcode: barcode.to_string(),
                note: match self.view.lang {
                    Lang::Id => format!("Kembali {}", due.clone().unwrap_or_default()),
                    Lang::En => format!("Due {}", due.clone().unwrap_or_default()),
                },
            });
            RowView {
                barcode: barcode.to_string(),
                title,
                state: ok_state,
                reason: None,
                due,
                route: None,
                fine: Money::ZERO,
                missing_part: None,
            }
        } else {
            RowView::refused(
                barcode.to_string(),
                title,
                result.reason.unwrap_or(Reason::ItemNotFound),
            )
        };
        self.push_row(row);
    }

    fn push_return(&mut self, result: &CheckinResult, barcode: &str) {
        let title = result
            .item
            .as_ref()
            .map(|i| i.title.clone())
            .unwrap_or_default();
        let row = if result.ok {
            self.session.receipt_lines.push(ReceiptItem {
                title: title.clone(),
                barcode: barcode.to_string(),
                note: match (self.view.lang, result.fine.is_zero()) {
                    (Lang::Id, true) => "Dikembalikan".to_string(),
                    (Lang::En, true) => "Returned".to_string(),
                    (Lang::Id, false) => format!("Denda Rp {}", result.fine),
                    (Lang::En, false) => format!("Fine Rp {}", result.fine),
                },
            });
            RowView {
                barcode: barcode.to_string(),
                title,
                state: RowState::Returned,
                reason: None,
                due: None,
                route: Some(result.route),
                fine: result.fine,
                missing_part: None,
            }
        } else {
            RowView::refused(
                barcode.to_string(),
                title,
                result.reason.unwrap_or(Reason::ItemNotFound),
            )
        };
        self.push_row(row);
    }

    fn push_row(&mut self, row: RowView) {
        self.cues.push(if row.state == RowState::Refused {
            Cue::Refusal
        } else {
            Cue::Success
        });
        // The same item again replaces its row (a retry after a refusal, a renewal).
        if let Some(existing) = self
            .session
            .rows
            .iter_mut()
            .find(|r| !row.barcode.is_empty() && r.barcode == row.barcode)
        {
            *existing = row;
        } else {
            self.session.rows.push(row);
        }
        self.view.rows = self.session.rows.clone();
        self.view.done_count = self
            .session
            .rows
            .iter()
            .filter(|r| r.state != RowState::Refused && r.state != RowState::Pending)
            .count() as u32;
    }

    /// "Done": the receipt question when anything happened, else goodbye.
    fn finish(&mut self) {
        if self.session.receipt_lines.is_empty() {
            self.goodbye();
        } else {
            self.view.screen = Screen::Receipt;
        }
    }

    fn receipt(&mut self, print: bool) {
        if print {
            self.print_receipt();
        }
        if self.settings.feedback_enabled {
            self.view.screen = Screen::Feedback;
        } else {
            self.goodbye();
        }
    }

    fn print_receipt(&mut self) {
        let Some(printer) = self.printer.as_mut() else {
            return;
        };
        let lang = self.view.lang;
        let borrowing = self
            .session
            .rows
            .iter()
            .any(|r| matches!(r.state, RowState::Borrowed | RowState::Renewed));
        let now = self.desk.local_now();
        let receipt = Receipt {
            library: self.settings.library_name.clone(),
            heading: match (lang, borrowing) {
                (Lang::Id, true) => "Bukti peminjaman".into(),
                (Lang::En, true) => "Loan receipt".into(),
                (Lang::Id, false) => "Bukti pengembalian".into(),
                (Lang::En, false) => "Return receipt".into(),
            },
            when: now.strftime("%d-%m-%Y %H:%M").to_string(),
            patron: (!self.view.patron_name.is_empty()).then(|| self.view.patron_name.clone()),
            items: self.session.receipt_lines.clone(),
            footer: vec![
                match lang {
                    Lang::Id => format!("{} buku", self.session.receipt_lines.len()),
                    Lang::En => format!("{} items", self.session.receipt_lines.len()),
                },
                lang.pick("Terima kasih!", "Thank you!").to_string(),
            ],
            qr: None,
        };
        if let Err(e) = printer.print(&receipt) {
            tracing::warn!("receipt not printed: {e}");
            self.set_device("printer", &e.to_string());
        }
    }

    fn goodbye(&mut self) {
        self.view.screen = Screen::Goodbye;
        self.view.idle_countdown = None;
        self.goodbye_since = Some(self.now);
        self.session.card = None;
    }

    /// Back to the welcome screen with nothing of the last patron left on it.
    fn end_session(&mut self) {
        self.reset_session();
        self.view.screen = Screen::Welcome;
        self.view.idle_countdown = None;
        self.view.lang = self.settings.default_lang;
    }

    fn tick(&mut self) -> Result<()> {
        if let Some(since) = self.goodbye_since {
            if self.now.saturating_sub(since) >= self.settings.goodbye_for {
                self.end_session();
            }
            return Ok(());
        }
        // Sets waiting for their other parts are decided once the wait is over.
        if !self.session.waiting_sets.is_empty() && self.pad.is_some() {
            self.poll_pad(self.now)?;
        }
        if self.view.screen == Screen::Welcome {
            return Ok(());
        }
        let idle = self.now.saturating_sub(self.last_activity);
        if idle < self.settings.idle_warning_after {
            self.view.idle_countdown = None;
            return Ok(());
        }
        let into_warning = idle - self.settings.idle_warning_after;
        if into_warning >= self.settings.idle_countdown {
            // Time is up. Loans made stay made; the receipt prints if anything happened.
            tracing::info!("session ended after inactivity");
            if !self.session.receipt_lines.is_empty() {
                self.print_receipt();
            }
            self.end_session();
        } else {
            let left = self.settings.idle_countdown - into_warning;
            self.view.idle_countdown = Some(left.as_secs_f64().ceil() as u32);
        }
        Ok(())
    }

    fn staff(&mut self, action: StaffAction) -> Result<()> {
        match action {
            StaffAction::Enter => {
                self.reset_session();
                self.session.goal = Some(Goal::Staff);
                self.view.screen = Screen::Identify;
            }
            _ if self.view.screen != Screen::Staff => {}
            StaffAction::TestPrinter => {
                let ok = match self.printer.as_mut() {
                    None => false,
                    Some(printer) => printer
                        .print(&Receipt {
                            library: self.settings.library_name.clone(),
                            heading: "Test".into(),
                            when: self.desk.local_now().strftime("%d-%m-%Y %H:%M").to_string(),
                            patron: None,
                            items: vec![],
                            footer: vec!["Swalayan".into()],
                            qr: None,
                        })
                        .is_ok(),
                };
                self.view.staff_message = if ok {
                    "printer: test receipt printed".into()
                } else {
                    "printer: not printed".into()
                };
            }
            StaffAction::ReadTag => {
                self.view.staff_message = match self.pad.as_mut().map(|p| p.poll()) {
                    None => "rfid: no reader configured".into(),
                    Some(Err(e)) => format!("rfid: {e}"),
                    Some(Ok(tags)) if tags.is_empty() => "rfid: no tag on the pad".into(),
                    Some(Ok(tags)) => tags
                        .iter()
                        .map(|t| match &t.data {
                            Ok(d) => format!(
                                "{} AFI {:02X?} {} ({}) {}/{}",
                                t.uid,
                                t.afi,
                                d.item_id,
                                d.isil.as_deref().unwrap_or("-"),
                                d.part,
                                d.parts
                            ),
                            Err(e) => format!("{} {e}", t.uid),
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                };
            }
            StaffAction::Leave => self.view.quit = true,
        }
        Ok(())
    }

    /// Status the screens show whatever the session: central, pending, counts, promotions.
    fn refresh_status(&mut self) -> Result<()> {
        self.status_reads += 1;
        let conn = self.desk.store().conn();
        let (pending, _, conflicts) = outbox::counts(conn)?;
        self.view.pending = pending;
        self.view.conflicts = conflicts;
        let today = self.desk.today();
        let tz = self.desk.settings().time_zone.clone();
        let sync = crate::sync::status::read(conn)?;
        self.view.central_problem = sync.problem();
        self.view.last_sync = sync.last_success.map(|t| {
            t.to_zoned_datetime(tz.clone())
                .strftime("%d-%m-%Y %H:%M")
                .to_string()
        });
        let midnight = today
            .to_zoned_datetime(tz)
            .map(|z| z.timestamp())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        if self.view.screen == Screen::Staff || self.view.today_loans == 0 {
            self.view.today_loans = outbox::count_since(conn, TxKind::Checkout, midnight)?
                + outbox::count_since(conn, TxKind::Pickup, midnight)?;
            self.view.today_returns = outbox::count_since(conn, TxKind::Checkin, midnight)?;
        }
        if self.view.screen == Screen::Welcome {
            self.view.promotions = promotions::current(conn, today)?
                .into_iter()
                .map(|p| (p.title, p.body))
                .collect();
        }
        self.view.printer_ok = self.printer.as_ref().is_some_and(|p| p.ready());
        let _ = meta::policy_version(conn)?;
        Ok(())
    }
}

impl RowView {
    fn refused(barcode: String, title: String, reason: Reason) -> RowView {
        RowView {
            barcode,
            title,
            state: RowState::Refused,
            reason: Some(reason),
            due: None,
            route: None,
            fine: Money::ZERO,
            missing_part: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circulation::desk::DeskSettings;
    use crate::clock::SystemClock;
    use crate::store::Store;

    /// A desk on the demo library as of `at`, in a fresh folder, reading `clock`.
    fn demo_desk(
        at: jiff::Timestamp,
        clock: Box<dyn crate::clock::Clock>,
    ) -> (tempfile::TempDir, Desk) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("kiosk.db")).unwrap();
        let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
        crate::import::demo::load_demo(&mut store, at, &tz, "pusat").unwrap();
        let desk = Desk::new(
            store,
            DeskSettings {
                station_id: "kiosk-test".into(),
                branch: "pusat".into(),
                time_zone: tz,
            },
            clock,
        );
        (dir, desk)
    }

    fn kiosk() -> (tempfile::TempDir, Kiosk) {
        let (dir, desk) = demo_desk(jiff::Timestamp::now(), Box::new(SystemClock));
        (dir, Kiosk::new(desk, KioskSettings::default(), None, None))
    }

    /// A Pi booted without network believes it is New Year 2020; the station works from the
    /// last trusted time instead, and "today", due dates, overdue flags and the receipt all
    /// say the same day (issue #10).
    #[test]
    fn an_untrusted_clock_in_the_past_agrees_everywhere_with_the_last_trusted_time() {
        use crate::clock::FixedClock;
        use crate::station::receipts::MemoryPrinter;
        let trusted: jiff::Timestamp = "2026-11-28T03:00:00Z".parse().unwrap(); // 10:00 WIB
        let (_dir, desk) = demo_desk(
            trusted,
            Box::new(FixedClock {
                at: "2020-01-01T02:00:00Z".parse().unwrap(),
                synchronised: false,
            }),
        );
        meta::set_last_trusted_time(desk.store().conn(), trusted).unwrap();
        let printer = MemoryPrinter::default();
        let printed = printer.printed.clone();
        let settings = KioskSettings {
            default_lang: Lang::En,
            ..KioskSettings::default()
        };
        let mut kiosk = Kiosk::new(desk, settings, None, Some(Box::new(printer)));
        let today = jiff::civil::date(2026, 11, 28);
        assert_eq!(kiosk.desk().today(), today);

        let t = Duration::from_secs(1);
        for command in [
            Command::StartBorrow,
            Command::Code("21000000001".into()),
            Command::Pin("1234".into()),
            Command::Code(crate::import::demo::copy_of("Negeri 5 Menara", 1)),
        ] {
            kiosk.handle(command, t).unwrap();
        }
        let row = kiosk.view().rows.last().unwrap().clone();
        assert_eq!(row.state, RowState::Borrowed, "{row:?}");
        let due: jiff::civil::Date = row.due.as_deref().unwrap().parse().unwrap();
        assert!(due > today && due.year() == 2026, "due {due}");
        kiosk.handle(Command::Finish, t).unwrap();
        kiosk.handle(Command::Receipt(true), t).unwrap();
        let receipt = String::from_utf8_lossy(&printed.lock().unwrap()[0]).to_string();
        assert!(receipt.contains("28-11-2026 10:00"), "{receipt}");

        kiosk.handle(Command::Cancel, t).unwrap();
        for command in [
            Command::StartAccount,
            Command::Code("21000000001".into()),
            Command::Pin("1234".into()),
        ] {
            kiosk.handle(command, t).unwrap();
        }
        let loans = &kiosk.view().loans;
        assert!(
            loans.iter().any(|l| l.overdue),
            "Siti's overdue demo loan is overdue by the trusted date: {loans:?}"
        );
        assert!(
            loans
                .iter()
                .filter(|l| l.barcode == crate::import::demo::copy_of("Negeri 5 Menara", 1))
                .all(|l| !l.overdue),
            "{loans:?}"
        );
    }

    #[test]
    fn the_status_is_read_after_changes_and_on_a_timer_never_per_pad_poll() {
        let (_dir, mut kiosk) = kiosk();
        let start = kiosk.status_reads();
        let at = |s: u64| Duration::from_millis(s);
        // A pad with nothing new on it, four times a second for two seconds.
        for i in 0..8 {
            kiosk
                .handle(Command::Tags(Vec::new()), at(250 * i))
                .unwrap();
        }
        kiosk.handle(Command::Tick, at(2_000)).unwrap();
        assert_eq!(kiosk.status_reads(), start, "nothing changed yet");
        kiosk.handle(Command::Tick, at(6_000)).unwrap();
        assert_eq!(kiosk.status_reads(), start + 1, "the timer");
        kiosk.handle(Command::StartBorrow, at(6_100)).unwrap();
        assert_eq!(kiosk.status_reads(), start + 2, "a patron action");
    }
}
