//! The library's own system, asked before the station acts ("online first"): what it can be
//! asked, what it answers, and what the station may do alone when it does not answer (the
//! library's offline policy). The desk (its `online` module) uses it; the SIP2 client
//! ([`super::sip2_system`]) implements it.

use jiff::Timestamp;
use jiff::civil::Date;

/// The system answered, or could not be reached (within its timeout) — then the station
/// falls back to its own rules as the offline policy allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked<T> {
    Answered(T),
    /// Why not, for staff and the log.
    Unreachable(String),
}

/// What the system says of a patron.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PatronAnswer {
    /// The card is one of the system's patrons (BL).
    pub valid: bool,
    /// The PIN given was right (CQ = Y); `None` when no PIN was given. A blank CQ is no.
    pub pin_ok: Option<bool>,
    /// The system denies this patron loans (charge privileges denied).
    pub blocked: bool,
    pub name: String,
    /// Screen messages (AF), verbatim.
    pub message: Option<String>,
}

/// What the system says of a checkout, checkin or renewal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CirculationAnswer {
    pub ok: bool,
    pub title: Option<String>,
    /// The due date it gave (AH), when one could be read.
    pub due: Option<Date>,
    /// Screen messages (AF), verbatim, joined.
    pub message: Option<String>,
    /// Lines for the receipt (AG), verbatim.
    pub print_lines: Vec<String>,
    /// Checkin: the sort bin (CL), destination (CT) and alert type (CV) it sent.
    pub sort_bin: Option<String>,
    pub destination: Option<String>,
    pub alert: Option<String>,
    /// Checkin: the patron a hold waits for (CY), when it says.
    pub hold_patron: Option<String>,
    /// Checkout: whether it asks the station to switch the security off (desensitize).
    pub desensitize: Option<bool>,
}

/// A patron's account as the system keeps it (63 patron information).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountAnswer {
    /// Barcodes of the copies on loan (AU), as the system lists them.
    pub loans: Vec<String>,
    /// What the patron owes, as the system writes it (BV), when it says.
    pub fee: Option<String>,
    pub message: Option<String>,
}

/// What the system says of a hold placed (15).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HoldAnswer {
    pub ok: bool,
    /// Place in the queue (BR), when it says.
    pub position: Option<u32>,
    pub message: Option<String>,
}

/// A copy as the system describes it (17 item information).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemAnswer {
    pub title: Option<String>,
    pub due: Option<Date>,
}

/// Offline, which patrons the station may serve by itself (docs/config.md, `offline_patrons`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OfflinePatrons {
    /// Only patrons the system accepted at this station recently, with their PIN checked
    /// against the verifier kept from that visit (the cautious default).
    #[default]
    Verified,
    /// Patrons the system accepted here recently, without a PIN check while offline.
    Seen,
}

impl OfflinePatrons {
    pub fn parse(text: &str) -> Option<OfflinePatrons> {
        match text {
            "verified" => Some(OfflinePatrons::Verified),
            "seen" => Some(OfflinePatrons::Seen),
            _ => None,
        }
    }
}

/// What the station may do while the system does not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflinePolicy {
    pub checkout: bool,
    pub checkin: bool,
    pub patrons: OfflinePatrons,
    /// How long a patron seen online stays servable offline, in days.
    pub patron_days: u32,
    /// Every patron gives a PIN, which the system checks (SIP2 cannot say who has one).
    pub pin_required: bool,
}

impl OfflinePolicy {
    /// Nothing alone: no loans, no returns.
    pub const NOTHING: OfflinePolicy = OfflinePolicy {
        checkout: false,
        checkin: false,
        patrons: OfflinePatrons::Verified,
        patron_days: 0,
        pin_required: true,
    };
}

/// The library's own system, asked now. Each call waits at most the system's timeout.
pub trait LibrarySystem: Send {
    fn patron(&mut self, card: &str, pin: Option<&str>) -> Asked<PatronAnswer>;
    fn checkout(&mut self, card: &str, item: &str, at: Timestamp) -> Asked<CirculationAnswer>;
    fn checkin(&mut self, item: &str, at: Timestamp) -> Asked<CirculationAnswer>;
    fn renew(&mut self, card: &str, item: &str, at: Timestamp) -> Asked<CirculationAnswer>;
    fn account(&mut self, card: &str) -> Asked<AccountAnswer>;
    /// Places a hold on a copy (`item`) or a title (`title`), to be picked up at `pickup`.
    fn hold(
        &mut self,
        card: &str,
        item: Option<&str>,
        title: Option<&str>,
        pickup: &str,
    ) -> Asked<HoldAnswer>;
    fn item(&mut self, barcode: &str) -> Asked<ItemAnswer>;
    /// The patron is done: the system may forget the session (answer not needed).
    fn end_session(&mut self, card: &str);
    fn offline_policy(&self) -> OfflinePolicy;
}
