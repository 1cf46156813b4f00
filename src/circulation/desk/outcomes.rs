//! What the desk answers: a loan (checkout or renewal) with its due date, a return with
//! where the copy goes, a hold with its place in the queue, a pickup's loans — or the
//! reason why not.

use crate::domain::{Item, Money, Route, redact};
use crate::reason::Reason;
use jiff::civil::Date;
use serde::Serialize;
use uuid::Uuid;

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
    /// The returned copy as the station's catalogue has it after the return (its type, home
    /// branch and call number pick a drop box's bin); not part of what tools print.
    #[serde(skip)]
    pub copy: Option<Item>,
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
            copy: None,
        }
    }
}

impl PickupResult {
    pub(super) fn refused(reason: Reason) -> PickupResult {
        PickupResult {
            ok: false,
            reason: Some(reason),
            transaction_id: None,
            items: Vec::new(),
        }
    }
}

pub(super) fn log_outcome(action: &str, card: &str, barcode: &str, reason: Option<Reason>) {
    tracing::info!(patron = %redact(card), item = barcode, reason = ?reason.map(Reason::code), "{action}");
}
