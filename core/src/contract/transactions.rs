//! Transactions as stations record them and the hub applies them: a kind and one typed
//! payload per kind.
//!
//! On the wire (and in a station's outbox) a transaction is `{"kind": "...", "payload": {...}}`.
//! [`TxBody`] is the typed pair: the desk builds one, the outbox stores its
//! [`TxBody::kind`] and [`TxBody::payload`], and the hub reads it back with
//! [`TxBody::decode`]. Nobody names a payload field as a string.
//!
//! Rules for a peer newer or older than us:
//! - a payload field this build does not know is ignored when decoding and kept in the stored
//!   payload (the hub stores what it received);
//! - a payload field that is optional here may be missing (rows written by older stations);
//! - a missing required field or a wrong type is a [`PayloadError`], never a guess;
//! - a kind this build does not know arrives as [`Wire::Unknown`](super::wire::Wire) and is
//!   never decoded as another kind.

use super::wire::Wire;
use crate::domain::Route;
use crate::reason::Reason;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The kinds of transaction that go to the outbox and, from there, to the central.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxKind {
    Checkout,
    Checkin,
    Renew,
    Hold,
    /// A copy set aside on the hold shelf, lent to the patron who reserved it.
    Pickup,
    Fine,
    /// A patron's answer to "how was your visit?" (1–5).
    Feedback,
    /// A PIN entered for a card, right or wrong: the lockout is the library's, not a station's.
    PinAttempt,
    /// An item the drop box could not handle as a plain return: staff must look at it.
    ReturnException,
    /// An item left through the security gate without being borrowed.
    SecurityAlarm,
    /// A member came to an event: their card scanned at a kiosk on the event's banner.
    Attend,
    /// A patron asked at the kiosk's receipt screen for the visit's receipt by WhatsApp, SMS
    /// or e-mail: the hub sends it on the patron's channel (issue #30).
    ReceiptRequest,
    /// A member registered on the spot at a mobile-library station (issue #32).
    Register,
    /// Visitors counted at a mobile-library stop ("+1", or a connected counter).
    Tally,
    /// A mobile-library stop made ("Tiba di …") or cancelled with a reason.
    StopVisit,
}

impl TxKind {
    pub const ALL: [TxKind; 15] = [
        TxKind::Checkout,
        TxKind::Checkin,
        TxKind::Renew,
        TxKind::Hold,
        TxKind::Pickup,
        TxKind::Fine,
        TxKind::Feedback,
        TxKind::PinAttempt,
        TxKind::ReturnException,
        TxKind::SecurityAlarm,
        TxKind::Attend,
        TxKind::ReceiptRequest,
        TxKind::Register,
        TxKind::Tally,
        TxKind::StopVisit,
    ];

    /// The snake_case code in the outbox and on the wire.
    pub fn code(self) -> &'static str {
        match self {
            TxKind::Checkout => "checkout",
            TxKind::Checkin => "checkin",
            TxKind::Renew => "renew",
            TxKind::Hold => "hold",
            TxKind::Pickup => "pickup",
            TxKind::Fine => "fine",
            TxKind::Feedback => "feedback",
            TxKind::PinAttempt => "pin_attempt",
            TxKind::ReturnException => "return_exception",
            TxKind::SecurityAlarm => "security_alarm",
            TxKind::Attend => "attend",
            TxKind::ReceiptRequest => "receipt_request",
            TxKind::Register => "register",
            TxKind::Tally => "tally",
            TxKind::StopVisit => "stop_visit",
        }
    }

    pub fn parse(code: &str) -> Option<TxKind> {
        TxKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// `checkout` and `pickup`: a loan opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoanPayload {
    pub patron: String,
    pub item: String,
    /// The title as the patron saw it (for staff reading the ledger).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When it was lent by the station's clock (the hub records its own corrected time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<Timestamp>,
    pub due: Date,
    /// The station's own id of the hold this loan fulfils.
    #[serde(default)]
    pub hold_id: Option<i64>,
    /// The central's key of that hold.
    #[serde(default)]
    pub hold_key: Option<String>,
}

/// `checkin`: a copy taken back, and where it goes next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckinPayload {
    /// The borrower, when the copy was on loan here (dropped once the central has it, unless
    /// the library keeps history).
    #[serde(default)]
    pub patron: Option<String>,
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub returned: Timestamp,
    pub route: Route,
    #[serde(default)]
    pub transfer_to: Option<String>,
    /// The overdue fine charged, in hundredths (its own `fine` transaction follows).
    #[serde(default)]
    pub fine: i64,
    /// The hold this copy now serves (ready on the hold shelf, or in transit to it).
    #[serde(default)]
    pub hold_id: Option<i64>,
    #[serde(default)]
    pub hold_key: Option<String>,
    #[serde(default)]
    pub hold_patron: Option<String>,
    /// The last day the copy waits on the hold shelf (the station's policy decided it):
    /// the account on the web says "ready to pick up until" it. Absent while in transit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_expires: Option<jiff::civil::Date>,
}

/// `renew`: a loan's new due date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenewPayload {
    #[serde(default)]
    pub patron: Option<String>,
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub due: Date,
    /// Renewals of this loan so far, this one included.
    #[serde(default)]
    pub renewals: u32,
}

/// `hold`: a reservation placed at a station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldPayload {
    pub patron: String,
    /// The title's key in the central catalog (stations written before keys travelled may
    /// lack it: the hub then cannot place the hold).
    #[serde(default)]
    pub title_key: Option<String>,
    /// The station's own title id.
    #[serde(default)]
    pub title_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Set for an item-level hold.
    #[serde(default)]
    pub item: Option<String>,
    pub pickup_branch: String,
    #[serde(default)]
    pub hold_id: Option<i64>,
    /// The central key of the hold; absent for a hold placed at this station, which the
    /// central then knows by the id of this transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_key: Option<String>,
}

/// What a fine is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FineKind {
    Overdue,
}

/// `fine`: a charge on a patron's account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinePayload {
    /// Missing only in rows whose borrower was forgotten (privacy).
    #[serde(default)]
    pub patron: Option<String>,
    #[serde(default)]
    pub item: Option<String>,
    /// In hundredths.
    pub amount: i64,
    pub kind: FineKind,
    /// The checkin that charged it.
    #[serde(default)]
    pub checkin: Option<Uuid>,
}

/// `feedback`: one patron's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackPayload {
    pub score: u8,
    #[serde(default)]
    pub branch: String,
    /// What the patron wrote (the web's feedback form; kiosks ask for a score only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Not the first from its address that day (the web's form): kept, with its comment,
    /// but left out of the counts and averages, so one device cannot move them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub repeat: bool,
}

/// `pin_attempt`: a PIN entered for a card at a station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PinAttemptPayload {
    pub patron: String,
    /// Whether it was right (a right PIN clears the count).
    pub ok: bool,
    pub at: Timestamp,
}

/// `return_exception`: what the drop box could not do with an item, and where it put it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnExceptionPayload {
    /// The barcode read, if any (an unreadable tag has none).
    #[serde(default)]
    pub item: Option<String>,
    /// A reason of the reason table, as its code (`tag_unreadable`, `bin_full`, ...); a code
    /// this build does not know (from a newer station) is kept verbatim.
    pub reason: Wire<Reason>,
    /// Whether the item's return was recorded (its own `checkin` transaction) all the same.
    #[serde(default)]
    pub checked_in: bool,
    /// The bin it went to, if it reached one.
    #[serde(default)]
    pub bin: Option<String>,
    pub at: Timestamp,
}

/// `security_alarm`: an item whose tag still said "in the library" passed the exit gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityAlarmPayload {
    /// The item read from the tag, if its data could be read.
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    pub at: Timestamp,
}

/// `attend`: a member checked in to an event at a kiosk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendPayload {
    /// The event's id (its `event` document's key).
    pub event: String,
    pub patron: String,
    pub at: Timestamp,
}

/// `receipt_request`: a kiosk visit's receipt, to be sent to the patron on their channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptRequestPayload {
    pub patron: String,
    /// The receipt's lines as the kiosk would print them (titles, barcodes, due dates, fines),
    /// in the patron's language at the kiosk.
    pub lines: Vec<String>,
    /// When the visit ended, by the station's clock.
    pub at: Timestamp,
    /// The kiosk's language for the visit (`id`, `en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// `register`: a member registered on the spot at a mobile-library station, with a card
/// number from the range the hub gave that station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterPayload {
    pub card: String,
    pub name: String,
    /// The policy's category for new members (the station's policy decided it).
    pub category: String,
    /// The membership's last day.
    pub expires: Date,
    /// The day they joined (the library's local date).
    pub joined: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kelurahan: Option<String>,
    /// In the one form `+62…` ([`crate::contact::normalise_phone`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The channel they agreed to be told on; `none` when they did not agree.
    #[serde(default = "no_notify")]
    pub notify: crate::contact::Notify,
    pub at: Timestamp,
}

fn no_notify() -> crate::contact::Notify {
    crate::contact::Notify::None
}

/// `tally`: visitors counted at a mobile-library stop (one press of "+1" is one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TallyPayload {
    /// The stop's id (its `stop` document's key).
    pub stop: String,
    /// The library's local date of the visit.
    pub date: Date,
    pub visitors: u32,
    pub at: Timestamp,
}

/// Whether a mobile-library stop was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopStatus {
    Arrived,
    Cancelled,
}

/// `stop_visit`: a stop made ("Tiba di …") or cancelled (rain, a breakdown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopVisitPayload {
    pub stop: String,
    /// The stop's name and kelurahan as the station had them: the record stays readable
    /// after the stop leaves its route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kelurahan: Option<String>,
    pub date: Date,
    pub status: StopStatus,
    /// Why it was cancelled, in staff's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: Timestamp,
}

/// The stop a transaction was made at, read from any kind's payload: a mobile station
/// stamps `"stop"` on everything it records while at a stop (see
/// [`StopStamp::stamp`]), so loans and returns count per stop and kelurahan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopStamp {
    #[serde(default)]
    pub stop: Option<String>,
}

impl StopStamp {
    /// The stop a stored or received payload names, if any.
    pub fn of(payload: &Value) -> Option<String> {
        StopStamp::deserialize(payload).ok().and_then(|s| s.stop)
    }

    /// Adds the stop to a payload that names none (an older hub ignores the field: the
    /// payload rule above).
    pub fn stamp(payload: &mut Value, stop: &str) {
        if let Value::Object(fields) = payload {
            fields
                .entry("stop")
                .or_insert_with(|| Value::String(stop.to_string()));
        }
    }
}

/// A transaction's kind with its typed payload.
#[derive(Debug, Clone, PartialEq)]
pub enum TxBody {
    Checkout(LoanPayload),
    Pickup(LoanPayload),
    Checkin(CheckinPayload),
    Renew(RenewPayload),
    Hold(HoldPayload),
    Fine(FinePayload),
    Feedback(FeedbackPayload),
    PinAttempt(PinAttemptPayload),
    ReturnException(ReturnExceptionPayload),
    SecurityAlarm(SecurityAlarmPayload),
    Attend(AttendPayload),
    ReceiptRequest(ReceiptRequestPayload),
    Register(RegisterPayload),
    Tally(TallyPayload),
    StopVisit(StopVisitPayload),
}

/// A payload that does not fit its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("a transaction of kind '{0}', which this build does not know")]
    UnknownKind(String),
    #[error("a '{kind}' transaction with an unreadable payload: {message}")]
    Malformed { kind: &'static str, message: String },
}

impl TxBody {
    pub fn kind(&self) -> TxKind {
        match self {
            TxBody::Checkout(_) => TxKind::Checkout,
            TxBody::Pickup(_) => TxKind::Pickup,
            TxBody::Checkin(_) => TxKind::Checkin,
            TxBody::Renew(_) => TxKind::Renew,
            TxBody::Hold(_) => TxKind::Hold,
            TxBody::Fine(_) => TxKind::Fine,
            TxBody::Feedback(_) => TxKind::Feedback,
            TxBody::PinAttempt(_) => TxKind::PinAttempt,
            TxBody::ReturnException(_) => TxKind::ReturnException,
            TxBody::SecurityAlarm(_) => TxKind::SecurityAlarm,
            TxBody::Attend(_) => TxKind::Attend,
            TxBody::ReceiptRequest(_) => TxKind::ReceiptRequest,
            TxBody::Register(_) => TxKind::Register,
            TxBody::Tally(_) => TxKind::Tally,
            TxBody::StopVisit(_) => TxKind::StopVisit,
        }
    }

    /// The payload as it is stored and sent.
    pub fn payload(&self) -> Value {
        let value = match self {
            TxBody::Checkout(p) | TxBody::Pickup(p) => serde_json::to_value(p),
            TxBody::Checkin(p) => serde_json::to_value(p),
            TxBody::Renew(p) => serde_json::to_value(p),
            TxBody::Hold(p) => serde_json::to_value(p),
            TxBody::Fine(p) => serde_json::to_value(p),
            TxBody::Feedback(p) => serde_json::to_value(p),
            TxBody::PinAttempt(p) => serde_json::to_value(p),
            TxBody::ReturnException(p) => serde_json::to_value(p),
            TxBody::SecurityAlarm(p) => serde_json::to_value(p),
            TxBody::Attend(p) => serde_json::to_value(p),
            TxBody::ReceiptRequest(p) => serde_json::to_value(p),
            TxBody::Register(p) => serde_json::to_value(p),
            TxBody::Tally(p) => serde_json::to_value(p),
            TxBody::StopVisit(p) => serde_json::to_value(p),
        };
        // Plain structs of strings, numbers and dates always serialise.
        value.unwrap_or(Value::Null)
    }

    /// Reads a stored or received payload by its kind.
    pub fn decode(kind: &Wire<TxKind>, payload: &Value) -> Result<TxBody, PayloadError> {
        let kind = match kind {
            Wire::Known(kind) => *kind,
            Wire::Unknown(code) => return Err(PayloadError::UnknownKind(code.clone())),
        };
        fn read<T: serde::de::DeserializeOwned>(
            kind: TxKind,
            payload: &Value,
        ) -> Result<T, PayloadError> {
            T::deserialize(payload).map_err(|e| PayloadError::Malformed {
                kind: kind.code(),
                message: e.to_string(),
            })
        }
        Ok(match kind {
            TxKind::Checkout => TxBody::Checkout(read(kind, payload)?),
            TxKind::Pickup => TxBody::Pickup(read(kind, payload)?),
            TxKind::Checkin => TxBody::Checkin(read(kind, payload)?),
            TxKind::Renew => TxBody::Renew(read(kind, payload)?),
            TxKind::Hold => TxBody::Hold(read(kind, payload)?),
            TxKind::Fine => TxBody::Fine(read(kind, payload)?),
            TxKind::Feedback => TxBody::Feedback(read(kind, payload)?),
            TxKind::PinAttempt => TxBody::PinAttempt(read(kind, payload)?),
            TxKind::ReturnException => TxBody::ReturnException(read(kind, payload)?),
            TxKind::SecurityAlarm => TxBody::SecurityAlarm(read(kind, payload)?),
            TxKind::Attend => TxBody::Attend(read(kind, payload)?),
            TxKind::ReceiptRequest => TxBody::ReceiptRequest(read(kind, payload)?),
            TxKind::Register => TxBody::Register(read(kind, payload)?),
            TxKind::Tally => TxBody::Tally(read(kind, payload)?),
            TxKind::StopVisit => TxBody::StopVisit(read(kind, payload)?),
        })
    }

    /// The patron a transaction names, if any.
    pub fn patron(&self) -> Option<&str> {
        match self {
            TxBody::Checkout(p) | TxBody::Pickup(p) => Some(&p.patron),
            TxBody::Checkin(p) => p.patron.as_deref(),
            TxBody::Renew(p) => p.patron.as_deref(),
            TxBody::Hold(p) => Some(&p.patron),
            TxBody::Fine(p) => p.patron.as_deref(),
            TxBody::Feedback(_) | TxBody::ReturnException(_) | TxBody::SecurityAlarm(_) => None,
            TxBody::PinAttempt(p) => Some(&p.patron),
            TxBody::Attend(p) => Some(&p.patron),
            TxBody::ReceiptRequest(p) => Some(&p.patron),
            TxBody::Register(p) => Some(&p.card),
            TxBody::Tally(_) | TxBody::StopVisit(_) => None,
        }
    }

    /// The copy a transaction is about, if any.
    pub fn item(&self) -> Option<&str> {
        match self {
            TxBody::Checkout(p) | TxBody::Pickup(p) => Some(&p.item),
            TxBody::Checkin(p) => Some(&p.item),
            TxBody::Renew(p) => Some(&p.item),
            TxBody::Hold(p) => p.item.as_deref(),
            TxBody::Fine(p) => p.item.as_deref(),
            TxBody::ReturnException(p) => p.item.as_deref(),
            TxBody::SecurityAlarm(p) => p.item.as_deref(),
            TxBody::Feedback(_)
            | TxBody::PinAttempt(_)
            | TxBody::Attend(_)
            | TxBody::ReceiptRequest(_)
            | TxBody::Register(_)
            | TxBody::Tally(_)
            | TxBody::StopVisit(_) => None,
        }
    }

    /// The central hold key a transaction names, if any.
    pub fn hold_key(&self) -> Option<&str> {
        match self {
            TxBody::Checkout(p) | TxBody::Pickup(p) => p.hold_key.as_deref(),
            TxBody::Checkin(p) => p.hold_key.as_deref(),
            TxBody::Hold(p) => p.hold_key.as_deref(),
            _ => None,
        }
    }

    /// The due date a transaction sets, if any.
    pub fn due(&self) -> Option<Date> {
        match self {
            TxBody::Checkout(p) | TxBody::Pickup(p) => Some(p.due),
            TxBody::Renew(p) => Some(p.due),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::strategies::{date, text};
    use super::*;
    use proptest::prelude::*;

    fn at() -> impl Strategy<Value = Timestamp> {
        (0i64..4_000_000_000).prop_map(|s| Timestamp::from_second(s).unwrap())
    }

    fn route() -> impl Strategy<Value = Route> {
        prop_oneof![
            Just(Route::Shelve),
            Just(Route::HoldShelf),
            Just(Route::Transfer),
            Just(Route::Exception)
        ]
    }

    prop_compose! {
        fn loan()(patron in text(), item in text(), title in proptest::option::of(text()),
                  issued in proptest::option::of(at()), due in date(),
                  hold_id in proptest::option::of(any::<i64>()),
                  hold_key in proptest::option::of(text())) -> LoanPayload {
            LoanPayload { patron, item, title, issued, due, hold_id, hold_key }
        }
    }

    prop_compose! {
        fn checkin()(patron in proptest::option::of(text()), item in text(),
                     title in proptest::option::of(text()), returned in at(), route in route(),
                     transfer_to in proptest::option::of(text()), fine in 0i64..1_000_000,
                     hold_id in proptest::option::of(any::<i64>()),
                     hold_key in proptest::option::of(text()),
                     hold_patron in proptest::option::of(text()),
                     hold_expires in proptest::option::of(date())) -> CheckinPayload {
            CheckinPayload { patron, item, title, returned, route, transfer_to, fine, hold_id,
                             hold_key, hold_patron, hold_expires }
        }
    }

    fn body() -> impl Strategy<Value = TxBody> {
        prop_oneof![
            loan().prop_map(TxBody::Checkout),
            loan().prop_map(TxBody::Pickup),
            checkin().prop_map(TxBody::Checkin),
            (
                proptest::option::of(text()),
                text(),
                proptest::option::of(text()),
                date(),
                0u32..50
            )
                .prop_map(|(patron, item, title, due, renewals)| TxBody::Renew(
                    RenewPayload {
                        patron,
                        item,
                        title,
                        due,
                        renewals
                    }
                )),
            (
                text(),
                proptest::option::of(text()),
                proptest::option::of(any::<i64>()),
                proptest::option::of(text()),
                text(),
                proptest::option::of(text())
            )
                .prop_map(
                    |(patron, title_key, title_id, item, pickup_branch, hold_key)| {
                        TxBody::Hold(HoldPayload {
                            patron,
                            title_key,
                            title_id,
                            title: None,
                            item,
                            pickup_branch,
                            hold_id: title_id,
                            hold_key,
                        })
                    }
                ),
            (
                proptest::option::of(text()),
                proptest::option::of(text()),
                any::<i64>()
            )
                .prop_map(|(patron, item, amount)| TxBody::Fine(FinePayload {
                    patron,
                    item,
                    amount,
                    kind: FineKind::Overdue,
                    checkin: Some(Uuid::nil())
                })),
            (1u8..=5, text(), proptest::option::of(text())).prop_map(|(score, branch, comment)| {
                TxBody::Feedback(FeedbackPayload {
                    score,
                    branch,
                    comment,
                    repeat: false,
                })
            }),
            (text(), any::<bool>(), at()).prop_map(|(patron, ok, at)| TxBody::PinAttempt(
                PinAttemptPayload { patron, ok, at }
            )),
            (
                proptest::option::of(text()),
                any::<bool>(),
                proptest::option::of(text()),
                at()
            )
                .prop_map(|(item, checked_in, bin, at)| TxBody::ReturnException(
                    ReturnExceptionPayload {
                        item,
                        reason: crate::reason::Reason::BinFull.into(),
                        checked_in,
                        bin,
                        at
                    }
                )),
            (
                proptest::option::of(text()),
                proptest::option::of(text()),
                at()
            )
                .prop_map(|(item, title, at)| TxBody::SecurityAlarm(
                    SecurityAlarmPayload { item, title, at }
                )),
            (text(), text(), at()).prop_map(|(event, patron, at)| TxBody::Attend(AttendPayload {
                event,
                patron,
                at
            })),
            (text(), proptest::collection::vec(text(), 0..4), at()).prop_map(
                |(patron, lines, at)| TxBody::ReceiptRequest(ReceiptRequestPayload {
                    patron,
                    lines,
                    at,
                    lang: Some("id".into()),
                })
            ),
            (
                text(),
                text(),
                date(),
                proptest::option::of(text()),
                any::<bool>(),
                at()
            )
                .prop_map(|(card, name, joined, kelurahan, agreed, at)| {
                    TxBody::Register(RegisterPayload {
                        card,
                        name,
                        category: "umum".into(),
                        expires: joined,
                        joined,
                        kelurahan,
                        phone: agreed.then(|| "+6281234567890".to_string()),
                        notify: if agreed {
                            crate::contact::Notify::Whatsapp
                        } else {
                            crate::contact::Notify::None
                        },
                        at,
                    })
                }),
            (text(), date(), 1u32..500, at()).prop_map(|(stop, date, visitors, at)| {
                TxBody::Tally(TallyPayload {
                    stop,
                    date,
                    visitors,
                    at,
                })
            }),
            (text(), date(), proptest::option::of(text()), at()).prop_map(
                |(stop, date, reason, at)| TxBody::StopVisit(StopVisitPayload {
                    name: Some(stop.clone()),
                    kelurahan: reason.clone(),
                    stop,
                    date,
                    status: if reason.is_some() {
                        StopStatus::Cancelled
                    } else {
                        StopStatus::Arrived
                    },
                    reason,
                    at,
                })
            ),
        ]
    }

    proptest! {
        /// What the desk writes, the hub reads back as the same body — through the JSON
        /// text the outbox stores and the wire carries.
        #[test]
        fn every_payload_round_trips_through_its_stored_text(body in body()) {
            let kind: Wire<TxKind> = serde_json::from_str(
                &serde_json::to_string(&Wire::Known(body.kind())).unwrap()).unwrap();
            let text = body.payload().to_string();
            let value: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(TxBody::decode(&kind, &value).unwrap(), body);
        }

        /// A payload is never decoded as another kind's: read under a wrong kind it is an
        /// error or (where the shapes overlap) a body of exactly that other kind.
        #[test]
        fn a_kind_code_always_names_its_own_variant(body in body()) {
            prop_assert_eq!(TxKind::parse(body.kind().code()), Some(body.kind()));
            let decoded = TxBody::decode(&Wire::Known(body.kind()), &body.payload()).unwrap();
            prop_assert_eq!(decoded.kind(), body.kind());
        }
    }

    proptest! {
        /// Whatever a mobile station stamps on a payload reads back as its stop, leaves the
        /// kind's own body as it was, and never overwrites a stop the payload names itself.
        #[test]
        fn a_stop_stamp_reads_back_and_changes_nothing_else(body in body(), stop in text()) {
            let mut payload = body.payload();
            let own = StopStamp::of(&payload);
            StopStamp::stamp(&mut payload, &stop);
            prop_assert_eq!(StopStamp::of(&payload), Some(own.unwrap_or(stop)));
            prop_assert_eq!(TxBody::decode(&Wire::Known(body.kind()), &payload).unwrap(), body);
        }
    }

    #[test]
    fn kinds_serialise_as_their_codes() {
        for kind in TxKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                Value::String(kind.code().into())
            );
        }
    }

    #[test]
    fn an_unknown_kind_and_a_missing_field_are_errors_not_guesses() {
        let unknown = TxBody::decode(&Wire::parse("event_registration"), &serde_json::json!({}));
        assert_eq!(
            unknown,
            Err(PayloadError::UnknownKind("event_registration".into()))
        );
        let no_due = TxBody::decode(
            &Wire::Known(TxKind::Checkout),
            &serde_json::json!({"patron": "1", "item": "B"}),
        );
        assert!(
            matches!(&no_due, Err(PayloadError::Malformed { kind: "checkout", message }) if message.contains("due")),
            "{no_due:?}"
        );
    }
}
