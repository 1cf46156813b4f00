//! The kiosk's session: what a patron can do, screen by screen, decided by the desk.
//!
//! Commands come from the touchscreen (buttons, typed codes) and, through the station
//! runtime, from the scanner, the RFID pad, the sync worker and the clock; after each one the
//! kiosk derives a new [`KioskView`], a plain value the UI shows. Nothing is decided in the
//! UI, and nothing here knows about Slint.
//!
//! - [`command`]: what the kiosk is told, and its settings.
//! - [`view`]: what the screen shows.
//! - `session`: one patron's visit (the view's rows and account come from it).
//! - `journey`: identify, borrow, return, renew, pick up, receipt, goodbye.
//! - `receipt`: the receipt's wording.
//! - `staff`: staff mode.
//! - [`mobile`]: the mobile library's home screen (a kiosk run by staff on a bus).
//! - `status`: the station status the screens show, read through the desk.
//! - `role`: the kiosk as a role of the station runtime.

pub mod command;
mod journey;
pub mod mobile;
mod receipt;
mod role;
mod session;
mod staff;
pub(crate) mod status;
pub mod view;

pub use command::{Command, KioskSettings, StaffAction};
pub use view::{CentralLight, Cue, HoldView, KioskView, LoanView, RowState, RowView, Screen};

use super::pad::SharedPad;
use super::receipts::ReceiptSink;
use crate::circulation::desk::Desk;
use crate::contract::protocol::DeviceState;
use crate::reason::Lang;
use crate::station::runtime::{CentralState, device_line};
use crate::store::Result;
use session::{Goal, Session};

use status::{STATUS_EVERY, StatusShown, welcome_cards};
use std::collections::BTreeMap;
use std::time::Duration;
use swalayan_hardware::rfid::TagReport;

pub struct Kiosk {
    desk: Desk,
    settings: KioskSettings,
    pad: Option<SharedPad>,
    printer: Option<Box<dyn ReceiptSink>>,
    screen: Screen,
    lang: Lang,
    display: view::Display,
    session: Session,
    status: StatusShown,
    devices: BTreeMap<String, DeviceState>,
    /// The sync worker's last round; `None` for a kiosk without a central.
    central: Option<CentralState>,
    /// The pad's last report: sets waiting for their other parts are decided on the timer.
    field: Vec<TagReport>,
    idle_countdown: Option<u32>,
    /// Time of the last patron action, and of "now" (the runtime's monotonic clock).
    last_activity: Duration,
    now: Duration,
    cues: Vec<Cue>,
    quit: bool,
    /// When the status was last read, and how often it has been (diagnostics and tests).
    status_read_at: Duration,
    status_reads: u64,
    /// The last view derived.
    view: KioskView,
    /// Asks the hub at sign-in where a patron's receipt can be sent (`None`: no hub).
    contact: Option<Box<dyn crate::sync::contact::ContactLookup>>,
    /// The mobile screen's state (a mobile library only).
    mobile: mobile::MobileShown,
}

impl Kiosk {
    pub fn new(
        desk: Desk,
        settings: KioskSettings,
        pad: Option<SharedPad>,
        printer: Option<Box<dyn ReceiptSink>>,
    ) -> Kiosk {
        let lang = settings.default_lang;
        let home = if settings.mobile {
            Screen::Mobile
        } else {
            Screen::Welcome
        };
        let mut kiosk = Kiosk {
            desk,
            settings,
            pad,
            printer,
            screen: home,
            lang,
            display: view::Display::default(),
            session: Session::default(),
            status: StatusShown::default(),
            devices: BTreeMap::new(),
            central: None,
            field: Vec::new(),
            idle_countdown: None,
            last_activity: Duration::ZERO,
            now: Duration::ZERO,
            cues: Vec::new(),
            quit: false,
            status_read_at: Duration::ZERO,
            status_reads: 0,
            view: KioskView::default(),
            contact: None,
            mobile: mobile::MobileShown::default(),
        };
        if let Err(e) = kiosk
            .refresh_status()
            .and_then(|()| kiosk.read_mobile_day())
        {
            tracing::error!("kiosk status: {e}");
        }
        kiosk.derive_view();
        kiosk
    }

    /// With the hub's answer at sign-in: the receipt screen offers sending the receipt on the
    /// patron's channel.
    pub fn with_contact_lookup(
        mut self,
        lookup: Box<dyn crate::sync::contact::ContactLookup>,
    ) -> Kiosk {
        self.contact = Some(lookup);
        self
    }

    pub fn view(&self) -> &KioskView {
        &self.view
    }

    pub fn desk(&self) -> &Desk {
        &self.desk
    }

    /// The desk, for a caller that syncs its store between commands (a test's depot).
    pub fn desk_mut(&mut self) -> &mut Desk {
        &mut self.desk
    }

    /// How many times the status has been read from the store (diagnostics and tests).
    pub fn status_reads(&self) -> u64 {
        self.status_reads
    }

    /// Cues fired since the last call (buzzer, sound).
    pub fn take_cues(&mut self) -> Vec<Cue> {
        std::mem::take(&mut self.cues)
    }

    /// The devices the kiosk was told about and their state.
    pub fn devices(&self) -> &BTreeMap<String, DeviceState> {
        &self.devices
    }

    fn set_device(&mut self, state: DeviceState) {
        self.devices.insert(state.device.clone(), state);
    }

    /// Handles one command at `now` (the runtime's monotonic clock) and returns the new view.
    pub fn handle(&mut self, command: Command, now: Duration) -> Result<&KioskView> {
        let outcome = self.decide(command, now);
        // Even after a store error the view shows what did happen.
        self.derive_view();
        outcome.map(|()| &self.view)
    }

    fn decide(&mut self, command: Command, now: Duration) -> Result<()> {
        self.now = now;
        let patron_action = !matches!(
            command,
            Command::Tick | Command::Device(..) | Command::Tags(_) | Command::Central(_)
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
            self.idle_countdown = None;
        }
        match command {
            Command::StartBorrow => self.start(Goal::Borrow)?,
            Command::StartAccount => self.start(Goal::Account)?,
            Command::Attend(event) => self.start_attend(&event),
            Command::StartReturn => {
                self.reset_session();
                self.screen = Screen::Return;
            }
            Command::Card(card) => self.identify(&card)?,
            Command::Pin(pin) => self.enter_pin(&pin)?,
            Command::Code(code) => self.code(&code)?,
            Command::Tags(tags) => {
                self.field = tags;
                let field = std::mem::take(&mut self.field);
                let outcome = self.tags(&field);
                self.field = field;
                outcome?
            }
            Command::Renew(barcode) => self.renew(&barcode)?,
            Command::RenewAll => self.renew_all()?,
            Command::PickUp => self.pick_up()?,
            Command::Finish => self.finish(),
            Command::Receipt(print) => self.receipt(print),
            Command::SendReceipt => self.send_receipt()?,
            Command::Feedback(score) => {
                if (1..=5).contains(&score) {
                    self.desk.record_feedback(score)?;
                }
                self.goodbye();
            }
            Command::Cancel => {
                if self.screen == Screen::Staff || self.session.rows.is_empty() {
                    self.end_session();
                } else {
                    self.finish();
                }
            }
            Command::StillHere => {}
            Command::Lang(lang) => self.lang = lang,
            Command::Display(display) => self.display = display,
            Command::Tick => self.tick()?,
            Command::Staff(action) => self.staff(action),
            Command::Mobile(action) => self.mobile(action)?,
            Command::Device(state) => self.set_device(state),
            Command::Central(state) => self.central = Some(state),
        }
        if read_status {
            self.refresh_status()?;
            self.status_read_at = now;
        }
        // The bus's day follows the clock (the stop proposed now) and every press: a few
        // small queries, read each time.
        self.read_mobile_day()
    }

    fn reset_session(&mut self) {
        if let Some(card) = self.session.card.take() {
            // The library system may close its session too (SIP2 end session).
            self.desk.end_session(&card);
        }
        self.session = Session::default();
    }

    /// Whether any of these tags is new to this session (it would be lent or returned).
    pub(super) fn has_new_tags(&self, tags: &[swalayan_hardware::rfid::TagReport]) -> bool {
        tags.iter()
            .any(|t| !self.session.handled_tags.contains(&t.uid))
    }

    /// Before a request that may go to the library system: the screen says the kiosk is
    /// working. True when the view changed (only a station with a library system waits).
    pub(super) fn show_working(&mut self) -> bool {
        if !self.desk.asks_library_system() || self.view.working {
            return false;
        }
        self.view.working = true;
        true
    }

    fn tick(&mut self) -> Result<()> {
        if let Some(since) = self.session.goodbye_since {
            if self.now.saturating_sub(since) >= self.settings.goodbye_for {
                self.end_session();
            }
            return Ok(());
        }
        // Sets waiting for their other parts are decided once the wait is over.
        if !self.session.waiting_sets.is_empty() {
            let field = std::mem::take(&mut self.field);
            let outcome = self.tags(&field);
            self.field = field;
            outcome?;
        }
        if self.screen == self.home() {
            return Ok(());
        }
        let idle = self.now.saturating_sub(self.last_activity);
        if idle < self.settings.idle_warning_after {
            self.idle_countdown = None;
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
            self.idle_countdown = Some(left.as_secs_f64().ceil() as u32);
        }
        Ok(())
    }

    /// Status the screens show whatever the session: central, pending, counts, promotions.
    fn refresh_status(&mut self) -> Result<()> {
        self.status_reads += 1;
        self.status.printer_ok = self.printer.as_ref().is_some_and(|p| p.ready());
        self.status.read(&self.desk, self.screen)
    }

    /// The view, from the session, the status and the devices: nothing is kept twice.
    fn derive_view(&mut self) {
        let session = &self.session;
        let status = &self.status;
        self.view = KioskView {
            screen: self.screen,
            lang: self.lang,
            display: self.display,
            patron_name: session.patron_name.clone(),
            notice: session.notice,
            notice_message: session.notice_message.clone(),
            working: false,
            rows: session.rows.clone(),
            done_count: session.done_count(),
            loans: session.account.loans.clone(),
            holds: session.account.holds.clone(),
            ready_count: session.account.ready_count,
            fines: session.account.fines,
            idle_countdown: self.idle_countdown,
            feedback_enabled: self.settings.feedback_enabled,
            printer_ok: status.printer_ok,
            pending: status.pending,
            conflicts: status.conflicts,
            last_sync: status.last_sync.clone(),
            // What the last round said; before this run's first, what the store kept.
            central_problem: match self.central {
                Some(CentralState::Failed(problem)) => Some(problem),
                Some(CentralState::Reached) => None,
                Some(CentralState::NotYet) | None => status.central_problem,
            },
            last_trusted: status.last_trusted,
            today_loans: status.today_loans,
            today_returns: status.today_returns,
            promotions: welcome_cards(status, self.lang),
            event_title: session
                .event
                .as_ref()
                .map(|(_, title)| title.clone())
                .unwrap_or_default(),
            devices: self
                .devices
                .iter()
                .map(|(name, state)| format!("{name}: {}", device_line(state)))
                .collect(),
            held_back: status
                .held_back
                .iter()
                .map(|h| {
                    format!(
                        "{} {} {} ({} {}): {}",
                        self.lang
                            .pick("Ditahan dari pusat:", "Held back from the central:"),
                        h.kind,
                        h.key,
                        self.lang.pick("revisi", "revision"),
                        h.revision,
                        h.error
                    )
                })
                .collect(),
            staff_message: session.staff_message.clone(),
            receipt_channel: session.receipt_channel.clone(),
            receipt_sent_to: session.receipt_sent_to.clone(),
            quit: self.quit,
            central: match self.central {
                None => CentralLight::NoCentral,
                Some(CentralState::Reached) => CentralLight::Online,
                Some(CentralState::NotYet | CentralState::Failed(_)) => CentralLight::Offline,
            },
            mobile: self.mobile_view(),
        };
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

    #[test]
    fn a_member_checks_in_to_an_event_on_its_banner_with_a_card_and_no_pin() {
        let (_dir, mut kiosk) = kiosk();
        let now = kiosk.desk.local_now().datetime();
        let event =
            |title: &str, starts: jiff::civil::DateTime| crate::contract::documents::EventDoc {
                title: title.into(),
                starts,
                ends: starts.checked_add(jiff::Span::new().hours(2)).unwrap(),
                place: Some("Aula".into()),
                description: None,
                capacity: Some(20),
                registered: 1,
                waiting: 0,
                ..Default::default()
            };
        let conn = kiosk.desk.store().conn();
        let begun = now.checked_sub(jiff::Span::new().minutes(10)).unwrap();
        let next_week = now.checked_add(jiff::Span::new().days(7)).unwrap();
        crate::store::events::replace_central(conn, "ev-now", Some(&event("Dongeng Pagi", begun)))
            .unwrap();
        crate::store::events::replace_central(
            conn,
            "ev-later",
            Some(&event("Kelas Menulis", next_week)),
        )
        .unwrap();
        let at = |s: u64| Duration::from_secs(s);
        kiosk.handle(Command::Tick, at(10)).unwrap();
        // While its check-in is open, the banner shows that event alone, with the button.
        let cards = &kiosk.view().promotions;
        assert_eq!(cards.len(), 1, "{cards:?}");
        assert_eq!(cards[0].event.as_deref(), Some("ev-now"));
        assert!(cards[0].check_in);
        // An event whose check-in is not open takes nobody's card.
        kiosk
            .handle(Command::Attend("ev-later".into()), at(11))
            .unwrap();
        assert_eq!(kiosk.view().screen, Screen::Welcome);

        kiosk
            .handle(Command::Attend("ev-now".into()), at(12))
            .unwrap();
        assert_eq!(kiosk.view().screen, Screen::Identify);
        assert_eq!(kiosk.view().event_title, "Dongeng Pagi");
        // Siti has a PIN; checking in asks for none (nothing of hers is shown).
        kiosk
            .handle(Command::Card("21000000001".into()), at(13))
            .unwrap();
        assert_eq!(kiosk.view().screen, Screen::Goodbye);
        assert_eq!(kiosk.view().event_title, "Dongeng Pagi");
        let rows = crate::store::outbox::list(kiosk.desk.store().conn(), true, None).unwrap();
        let attend: Vec<_> = rows
            .iter()
            .filter_map(|r| {
                match crate::contract::transactions::TxBody::decode(&r.kind, &r.payload) {
                    Ok(crate::contract::transactions::TxBody::Attend(a)) => Some(a),
                    _ => None,
                }
            })
            .collect();
        assert_eq!(attend.len(), 1);
        assert_eq!(
            (attend[0].event.as_str(), attend[0].patron.as_str()),
            ("ev-now", "21000000001")
        );

        // An unknown card is refused on the identify screen; nothing is recorded.
        kiosk
            .handle(Command::Attend("ev-now".into()), at(30))
            .unwrap();
        kiosk.handle(Command::Card("99999".into()), at(31)).unwrap();
        assert_eq!(kiosk.view().screen, Screen::Identify);
        assert_eq!(
            kiosk.view().notice,
            Some(crate::reason::Reason::PatronNotFound)
        );
        let after = crate::store::outbox::list(kiosk.desk.store().conn(), true, None).unwrap();
        assert_eq!(after.len(), rows.len());
    }

    #[test]
    fn promotions_show_in_the_readers_language_and_only_where_meant() {
        let (_dir, mut kiosk) = kiosk();
        let conn = kiosk.desk.store().conn();
        let promotion = |title: &str, station: &str| crate::contract::documents::PromotionDoc {
            title: title.into(),
            body: "isi".into(),
            stations: vec![station.into()],
            ..Default::default()
        };
        crate::store::promotions::replace_central(
            conn,
            "a",
            Some(&promotion("Di kios lain", "kiosk-2")),
        )
        .unwrap();
        crate::store::promotions::replace_central(
            conn,
            "b",
            Some(&promotion("Di sini", "kiosk-test")),
        )
        .unwrap();
        let titles = |kiosk: &Kiosk| -> Vec<String> {
            kiosk
                .view()
                .promotions
                .iter()
                .map(|c| c.title.clone())
                .collect()
        };
        kiosk
            .handle(Command::Tick, Duration::from_secs(10))
            .unwrap();
        let shown = titles(&kiosk);
        assert!(shown.contains(&"Di sini".to_string()), "{shown:?}");
        assert!(
            !shown.contains(&"Di kios lain".to_string()),
            "meant for kiosk-2 only"
        );
        assert!(shown.contains(&"Buku baru: Laut Bercerita".to_string()));
        kiosk
            .handle(Command::Lang(Lang::En), Duration::from_secs(11))
            .unwrap();
        let shown = titles(&kiosk);
        assert!(
            shown.contains(&"New: Laut Bercerita".to_string()),
            "{shown:?}"
        );
        assert!(
            shown.contains(&"Di sini".to_string()),
            "no English: the Indonesian"
        );
    }

    /// The hub's answer at sign-in, as a test stands in for it: a channel for Siti's card
    /// with her PIN, and a count of the questions asked.
    struct HubAnswers {
        asked: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl crate::sync::contact::ContactLookup for HubAnswers {
        fn receipt_channel(
            &self,
            card: &str,
            pin: &str,
        ) -> Option<crate::sync::contact::ReceiptChannel> {
            self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            (card == "21000000001" && pin == "1234").then(|| crate::sync::contact::ReceiptChannel {
                channel: "whatsapp".into(),
                to: "+62 812-****-7890".into(),
            })
        }
    }

    #[test]
    fn a_receipt_goes_to_the_patron_s_channel_when_the_hub_offers_it() {
        use crate::contract::transactions::TxBody;
        let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (_dir, kiosk) = kiosk();
        let mut kiosk = kiosk.with_contact_lookup(Box::new(HubAnswers {
            asked: asked.clone(),
        }));
        let at = |s: u64| Duration::from_secs(s);
        kiosk.handle(Command::StartBorrow, at(1)).unwrap();
        kiosk
            .handle(Command::Card("21000000001".into()), at(2))
            .unwrap();
        kiosk.handle(Command::Pin("1234".into()), at(3)).unwrap();
        let copy = crate::import::demo::copy_of("Negeri 5 Menara", 1);
        kiosk.handle(Command::Code(copy.clone()), at(4)).unwrap();
        kiosk.handle(Command::Finish, at(5)).unwrap();
        assert_eq!(kiosk.view().screen, Screen::Receipt);
        assert_eq!(
            kiosk.view().receipt_channel.as_ref().map(|c| c.to.as_str()),
            Some("+62 812-****-7890")
        );
        kiosk.handle(Command::SendReceipt, at(6)).unwrap();
        assert_ne!(kiosk.view().screen, Screen::Receipt, "on to feedback");
        assert_eq!(
            kiosk.view().receipt_sent_to.as_deref(),
            Some("+62 812-****-7890")
        );
        let rows = crate::store::outbox::list(kiosk.desk.store().conn(), true, None).unwrap();
        let requests: Vec<_> = rows
            .iter()
            .filter_map(|r| match TxBody::decode(&r.kind, &r.payload) {
                Ok(TxBody::ReceiptRequest(p)) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].patron, "21000000001");
        assert_eq!(requests[0].lines.len(), 1);
        assert!(
            requests[0].lines[0].contains("Negeri 5 Menara")
                && requests[0].lines[0].contains(&copy),
            "{:?}",
            requests[0].lines
        );
        assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);

        // After a failed sync the hub is not asked (no one waits for a timeout), and the
        // screen offers print / no receipt only; nothing is sent.
        kiosk.handle(Command::Feedback(0), at(7)).unwrap();
        kiosk
            .handle(
                Command::Central(CentralState::Failed(
                    crate::sync::push::CentralProblem::Unreachable,
                )),
                at(8),
            )
            .unwrap();
        kiosk.handle(Command::StartBorrow, at(9)).unwrap();
        kiosk
            .handle(Command::Card("21000000001".into()), at(10))
            .unwrap();
        kiosk.handle(Command::Pin("1234".into()), at(11)).unwrap();
        assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
        kiosk
            .handle(
                Command::Code(crate::import::demo::copy_of("Bumi", 1)),
                at(12),
            )
            .unwrap();
        kiosk.handle(Command::Finish, at(13)).unwrap();
        assert_eq!(kiosk.view().receipt_channel, None);
        kiosk.handle(Command::SendReceipt, at(14)).unwrap();
        assert_eq!(kiosk.view().screen, Screen::Receipt, "nothing to send on");
    }
}
