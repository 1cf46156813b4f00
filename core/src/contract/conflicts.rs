//! Why the hub keeps a pushed transaction as a conflict for staff.
//!
//! A conflict never undoes anything at the station (the loan happened); it tells staff that
//! the central's picture and the station's disagree. Each reason has a stable code (on the
//! wire as `code`, for programs) and a sentence for staff (as `reason`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The stable code of a conflict reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictCode {
    /// The copy is already on loan centrally (to this or another patron).
    AlreadyOnLoan,
    /// A loan to a patron the central has blocked; the loan is recorded.
    PatronBlocked,
    /// A return or renewal of a copy the central has on the shelf.
    NotOnLoan,
    /// A hold the central cannot place (no title it knows).
    HoldWithoutTitle,
    /// A kind of transaction this hub does not know (the station is newer).
    UnknownKind,
    /// A payload that does not fit its kind.
    Malformed,
    /// The transaction id was already used by another station.
    IdReused,
    /// An attendance at an event the hub does not have (withdrawn, or never published).
    EventUnknown,
    /// A fine the hub cannot tie to a return it applied, or larger than the policy allows.
    FineRefused,
    /// A hold that would change a hold another station or patron owns.
    HoldKeyTaken,
    /// A right PIN reported for a card the hub had locked at that moment: the lockout stays.
    PinWhileLocked,
    /// A member registered with a card the hub did not give the station, or one taken.
    CardRefused,
}

impl ConflictCode {
    /// The snake_case code on the wire.
    pub fn code(self) -> &'static str {
        match self {
            ConflictCode::AlreadyOnLoan => "already_on_loan",
            ConflictCode::PatronBlocked => "patron_blocked",
            ConflictCode::NotOnLoan => "not_on_loan",
            ConflictCode::HoldWithoutTitle => "hold_without_title",
            ConflictCode::UnknownKind => "unknown_kind",
            ConflictCode::Malformed => "malformed",
            ConflictCode::IdReused => "id_reused",
            ConflictCode::EventUnknown => "event_unknown",
            ConflictCode::FineRefused => "fine_refused",
            ConflictCode::HoldKeyTaken => "hold_key_taken",
            ConflictCode::PinWhileLocked => "pin_while_locked",
            ConflictCode::CardRefused => "card_refused",
        }
    }
}

/// A conflict with what staff need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    AlreadyOnLoanToPatron {
        item: String,
    },
    AlreadyOnLoanElsewhere {
        item: String,
        station: String,
    },
    PatronBlocked {
        item: String,
        note: Option<String>,
    },
    ReturnNotOnLoan {
        item: String,
    },
    RenewalNotOnLoan {
        item: String,
    },
    HoldWithoutTitle,
    UnknownKind {
        kind: String,
    },
    Malformed {
        message: String,
    },
    IdReused {
        station: String,
    },
    EventUnknown {
        event: String,
    },
    /// Why the fine was not charged (a sentence for staff).
    FineRefused {
        why: String,
    },
    HoldKeyTaken {
        key: String,
    },
    PinWhileLocked {
        until: String,
    },
    /// A `register` with a card outside the station's range.
    CardOutsideRange {
        card: String,
    },
    /// A `register` with a card that is already a member's.
    CardTaken {
        card: String,
    },
}

impl Conflict {
    pub fn code(&self) -> ConflictCode {
        match self {
            Conflict::AlreadyOnLoanToPatron { .. } | Conflict::AlreadyOnLoanElsewhere { .. } => {
                ConflictCode::AlreadyOnLoan
            }
            Conflict::PatronBlocked { .. } => ConflictCode::PatronBlocked,
            Conflict::ReturnNotOnLoan { .. } | Conflict::RenewalNotOnLoan { .. } => {
                ConflictCode::NotOnLoan
            }
            Conflict::HoldWithoutTitle => ConflictCode::HoldWithoutTitle,
            Conflict::UnknownKind { .. } => ConflictCode::UnknownKind,
            Conflict::Malformed { .. } => ConflictCode::Malformed,
            Conflict::IdReused { .. } => ConflictCode::IdReused,
            Conflict::EventUnknown { .. } => ConflictCode::EventUnknown,
            Conflict::FineRefused { .. } => ConflictCode::FineRefused,
            Conflict::HoldKeyTaken { .. } => ConflictCode::HoldKeyTaken,
            Conflict::PinWhileLocked { .. } => ConflictCode::PinWhileLocked,
            Conflict::CardOutsideRange { .. } | Conflict::CardTaken { .. } => {
                ConflictCode::CardRefused
            }
        }
    }
}

/// The sentence staff read.
impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Conflict::AlreadyOnLoanToPatron { item } => {
                write!(f, "item {item} is already on loan to this patron centrally")
            }
            Conflict::AlreadyOnLoanElsewhere { item, station } => write!(
                f,
                "item {item} is already on loan centrally (lent at {station})"
            ),
            Conflict::PatronBlocked { item, note } => write!(
                f,
                "loan of item {item} to a patron blocked centrally ({}); the loan is recorded",
                note.as_deref().unwrap_or("no note")
            ),
            Conflict::ReturnNotOnLoan { item } => write!(
                f,
                "return of item {item}, which the central has on the shelf"
            ),
            Conflict::RenewalNotOnLoan { item } => write!(
                f,
                "renewal of item {item}, which the central has not on loan"
            ),
            Conflict::HoldWithoutTitle => f.write_str("a hold without a title the central knows"),
            Conflict::UnknownKind { kind } => write!(
                f,
                "a transaction of kind '{kind}', which this hub does not know: kept as received; upgrade the hub, then resolve"
            ),
            Conflict::Malformed { message } => {
                write!(f, "kept as received, not applied: {message}")
            }
            Conflict::IdReused { station } => write!(
                f,
                "this transaction id was already received from station {station}: kept apart, not applied"
            ),
            Conflict::EventUnknown { event } => write!(
                f,
                "a check-in at event {event}, which the hub does not have (withdrawn?): not counted"
            ),
            Conflict::FineRefused { why } => write!(f, "fine not charged: {why}"),
            Conflict::HoldKeyTaken { key } => write!(
                f,
                "hold {key} belongs to another station or patron: not changed"
            ),
            Conflict::PinWhileLocked { until } => write!(
                f,
                "a right PIN reported while the card was locked at the hub (until {until}): the lockout stays"
            ),
            Conflict::CardOutsideRange { card } => write!(
                f,
                "a member registered with card {card}, which is not in this station's range: not added (give them a card from the range, or widen it)"
            ),
            Conflict::CardTaken { card } => write!(
                f,
                "a member registered with card {card}, which is already another member's: not added"
            ),
        }
    }
}
