//! What the touchscreen shows: plain values derived from the session and the station's
//! status after every event. The UI maps them to its widgets; nothing here knows Slint.

use crate::domain::{HoldStatus, Money, Route};
use crate::reason::{Lang, Reason};
use crate::sync::push::CentralProblem;

pub use crate::station::cues::Cue;

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
    /// The mobile library's home: stops, "+1", find by name, register (issue #32).
    Mobile,
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
    /// The library system's own words about this item (SIP2 screen message), verbatim.
    pub message: Option<String>,
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

/// Everything the touchscreen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct KioskView {
    pub screen: Screen,
    pub lang: Lang,
    /// Larger text and high contrast, as the patron asked for this visit.
    pub display: Display,
    pub patron_name: String,
    pub notice: Option<Reason>,
    /// The library system's own words beside the notice (SIP2 screen message), verbatim.
    pub notice_message: Option<String>,
    /// A request to the library system is out: the screen says it is working.
    pub working: bool,
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
    /// The last time the station trusted: the header clock never shows a time before it
    /// (the untrusted-clock rule of `clock::station_time`, as receipts and due dates follow).
    pub last_trusted: Option<jiff::Timestamp>,
    pub today_loans: i64,
    pub today_returns: i64,
    pub promotions: Vec<WelcomeCard>,
    /// The event a patron is checking in to (identify and goodbye screens), or empty.
    pub event_title: String,
    pub devices: Vec<String>,
    /// Pulled documents held back, a line each for staff (kind, key, revision, why).
    pub held_back: Vec<String>,
    pub staff_message: String,
    /// Where the hub can send this visit's receipt (the receipt screen's third button).
    pub receipt_channel: Option<crate::sync::contact::ReceiptChannel>,
    /// The masked contact the receipt is on its way to (the goodbye screen).
    pub receipt_sent_to: Option<String>,
    /// Set when staff chose "leave kiosk mode": the app quits.
    pub quit: bool,
    /// The central catalogue: not configured, reached on the last sync, or not.
    pub central: CentralLight,
    /// The mobile library's screen; `None` on a patrons' kiosk.
    pub mobile: Option<super::mobile::MobileView>,
}

/// How a patron asked the screen to look, for their visit (the next patron starts afresh).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Display {
    pub large_text: bool,
    pub high_contrast: bool,
    /// Spoken guidance (issue #33): the header's "Dengarkan", a keypad's `*`.
    pub speech: bool,
}

/// A card on the welcome screen: a promotion, or an event with its id and whether its
/// check-in is open now (from an hour before it starts until it ends).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WelcomeCard {
    pub title: String,
    pub body: String,
    /// The event's id; `None` for a promotion.
    pub event: Option<String>,
    pub check_in: bool,
    /// The promotion's picture, a `data:image/...;base64,` URI.
    pub image: Option<String>,
}

/// The status light of the central catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentralLight {
    NoCentral,
    Online,
    Offline,
}

impl RowView {
    /// An item lent, renewed or returned (callers add the due date, route or fine).
    pub(super) fn done(barcode: &str, title: String, state: RowState) -> RowView {
        RowView {
            barcode: barcode.to_string(),
            title,
            state,
            reason: None,
            due: None,
            route: None,
            fine: Money::ZERO,
            missing_part: None,
            message: None,
        }
    }

    pub(super) fn refused(barcode: String, title: String, reason: Reason) -> RowView {
        RowView {
            barcode,
            title,
            state: RowState::Refused,
            reason: Some(reason),
            due: None,
            route: None,
            fine: Money::ZERO,
            missing_part: None,
            message: None,
        }
    }
}

impl Default for KioskView {
    /// The welcome screen before anything was read.
    fn default() -> KioskView {
        KioskView {
            screen: Screen::Welcome,
            lang: Lang::Id,
            display: Display::default(),
            patron_name: String::new(),
            notice: None,
            notice_message: None,
            working: false,
            rows: Vec::new(),
            done_count: 0,
            loans: Vec::new(),
            holds: Vec::new(),
            ready_count: 0,
            fines: Money::ZERO,
            idle_countdown: None,
            feedback_enabled: true,
            printer_ok: false,
            pending: 0,
            conflicts: 0,
            last_sync: None,
            central_problem: None,
            last_trusted: None,
            today_loans: 0,
            today_returns: 0,
            promotions: Vec::new(),
            event_title: String::new(),
            devices: Vec::new(),
            held_back: Vec::new(),
            staff_message: String::new(),
            receipt_channel: None,
            receipt_sent_to: None,
            quit: false,
            central: CentralLight::NoCentral,
            mobile: None,
        }
    }
}
