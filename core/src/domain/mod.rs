//! Library records as plain data: patrons, items, loans, holds, transactions, money.
//!
//! Nothing here does I/O. Everything library-specific (categories, item types, loan periods)
//! lives in [`policy::Policy`], which the library edits; these types only carry values.

pub mod money;
pub mod policy;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub use money::Money;
pub use policy::Policy;

/// The library's time zone when none is configured (our first library's).
pub const DEFAULT_TIME_ZONE: &str = "Asia/Jakarta";

/// The circulation state of one physical copy.
///
/// `on_loan`, `on_hold_shelf` and `in_transit` are set by circulation; the others come from
/// the catalog (import) and block lending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Available,
    OnLoan,
    OnHoldShelf,
    InTransit,
    Lost,
    Missing,
    Withdrawn,
    NotForLoan,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 8] = [
        ItemStatus::Available,
        ItemStatus::OnLoan,
        ItemStatus::OnHoldShelf,
        ItemStatus::InTransit,
        ItemStatus::Lost,
        ItemStatus::Missing,
        ItemStatus::Withdrawn,
        ItemStatus::NotForLoan,
    ];

    /// The snake_case code used in the store, the CSV files and JSON output.
    pub fn code(self) -> &'static str {
        match self {
            ItemStatus::Available => "available",
            ItemStatus::OnLoan => "on_loan",
            ItemStatus::OnHoldShelf => "on_hold_shelf",
            ItemStatus::InTransit => "in_transit",
            ItemStatus::Lost => "lost",
            ItemStatus::Missing => "missing",
            ItemStatus::Withdrawn => "withdrawn",
            ItemStatus::NotForLoan => "not_for_loan",
        }
    }

    pub fn from_code(code: &str) -> Option<ItemStatus> {
        ItemStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Statuses a catalog import may set. The circulation states belong to the station.
    pub fn is_catalog_status(self) -> bool {
        matches!(
            self,
            ItemStatus::Available
                | ItemStatus::Lost
                | ItemStatus::Missing
                | ItemStatus::Withdrawn
                | ItemStatus::NotForLoan
        )
    }
}

/// A library member as the station knows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Patron {
    /// The number on the library card (barcode or RFID patron card).
    pub card: String,
    pub name: String,
    /// One of the policy's patron categories.
    pub category: String,
    /// The last day the membership is valid (inclusive, library time zone).
    pub expires: Date,
    /// argon2id PHC string; `None` means the patron has no PIN.
    #[serde(skip)]
    pub pin_hash: Option<String>,
    pub blocked: bool,
    /// Why the patron is blocked: for staff eyes only.
    pub block_note: Option<String>,
    /// Outstanding fines.
    pub fines: Money,
    /// Wrong PIN entries since the last correct one.
    #[serde(skip)]
    pub pin_failures: u32,
    /// While set and in the future, PIN checks are refused outright.
    pub pin_locked_until: Option<Timestamp>,
}

impl Patron {
    pub fn has_pin(&self) -> bool {
        self.pin_hash.is_some()
    }
}

/// A bibliographic record (a title), which holds may be placed on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Title {
    pub id: i64,
    pub title: String,
    pub author: Option<String>,
    pub isbn: Option<String>,
    pub call_number: Option<String>,
}

/// One physical copy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub barcode: String,
    /// The bibliographic record this copy belongs to.
    pub title_id: i64,
    pub title: String,
    pub author: Option<String>,
    pub isbn: Option<String>,
    pub call_number: Option<String>,
    /// One of the policy's item types.
    pub item_type: String,
    pub status: ItemStatus,
    /// Set by staff when a copy is damaged: it is not lent until repaired.
    pub damaged: bool,
    /// Number of physical parts (book + CD = 2).
    pub parts: u32,
    /// The branch that owns the copy; checkins elsewhere send it home.
    pub home_branch: String,
    /// Where an item in transit is going.
    pub transit_to: Option<String>,
}

/// An item lent to a patron.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Loan {
    pub id: i64,
    pub item: String,
    pub patron: String,
    pub issued: Timestamp,
    /// Last day of the loan; the item is due by the end of that day.
    pub due: Date,
    pub renewals: u32,
}

/// What a hold asks for: any copy of a title, or one particular copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "level", content = "target")]
pub enum HoldTarget {
    Title(i64),
    Item(String),
}

/// Where a hold stands. Stored and sent as its snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    /// In the queue.
    Waiting,
    /// A copy is on the hold shelf for the patron.
    Ready,
    /// A copy is travelling to the pickup branch.
    InTransit,
    Fulfilled,
    Cancelled,
    Expired,
}

impl HoldStatus {
    pub const ALL: [HoldStatus; 6] = [
        HoldStatus::Waiting,
        HoldStatus::Ready,
        HoldStatus::InTransit,
        HoldStatus::Fulfilled,
        HoldStatus::Cancelled,
        HoldStatus::Expired,
    ];

    /// The statuses of a hold still in play, as an SQL list for `status IN (...)`: the one
    /// spelling of [`HoldStatus::is_live`] for queries (a test keeps the two equal).
    pub const LIVE_SQL: &'static str = "('waiting', 'ready', 'in_transit')";

    /// Still in play: waiting in the queue, on the hold shelf, or travelling to it.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            HoldStatus::Waiting | HoldStatus::Ready | HoldStatus::InTransit
        )
    }

    pub fn code(self) -> &'static str {
        match self {
            HoldStatus::Waiting => "waiting",
            HoldStatus::Ready => "ready",
            HoldStatus::InTransit => "in_transit",
            HoldStatus::Fulfilled => "fulfilled",
            HoldStatus::Cancelled => "cancelled",
            HoldStatus::Expired => "expired",
        }
    }

    pub fn from_code(code: &str) -> Option<HoldStatus> {
        HoldStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A reservation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hold {
    pub id: i64,
    pub patron: String,
    pub target: HoldTarget,
    pub title_id: i64,
    pub placed: Timestamp,
    pub status: HoldStatus,
    /// The copy set aside for the patron once the hold is ready or in transit.
    pub item: Option<String>,
    pub pickup_branch: String,
    /// Last day the copy waits on the hold shelf.
    pub expires: Option<Date>,
}

/// Where a returned item must go next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Back on the shelf (the return trolley) here.
    Shelve,
    /// To the hold shelf for the patron who reserved it.
    HoldShelf,
    /// To another branch (its home, or a hold's pickup branch).
    Transfer,
    /// To staff: unknown item, another library's item, missing parts.
    Exception,
}

impl Route {
    pub const ALL: [Route; 4] = [
        Route::Shelve,
        Route::HoldShelf,
        Route::Transfer,
        Route::Exception,
    ];

    pub fn parse(code: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Route::Shelve => "shelve",
            Route::HoldShelf => "hold_shelf",
            Route::Transfer => "transfer",
            Route::Exception => "exception",
        }
    }
}

/// Replaces all but the last three characters of a card number, for logs.
///
/// Logs leave the station (journald, support bundles); card numbers identify people, so
/// they never appear in full (UU PDP 27/2022).
pub fn redact(card: &str) -> String {
    let chars: Vec<char> = card.chars().collect();
    let keep = chars.len().min(3);
    let hidden = chars.len() - keep;
    let mut out = "*".repeat(hidden.max(1));
    out.extend(&chars[chars.len() - keep..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_status_codes_round_trip() {
        for status in ItemStatus::ALL {
            assert_eq!(ItemStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(ItemStatus::from_code("borrowed"), None);
    }

    #[test]
    fn the_live_sql_list_names_exactly_the_live_statuses() {
        let live: Vec<String> = HoldStatus::ALL
            .into_iter()
            .filter(|s| s.is_live())
            .map(|s| format!("'{}'", s.code()))
            .collect();
        assert_eq!(HoldStatus::LIVE_SQL, format!("({})", live.join(", ")));
        for status in HoldStatus::ALL {
            assert_eq!(HoldStatus::from_code(status.code()), Some(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.code()));
        }
    }

    #[test]
    fn redact_keeps_only_the_tail() {
        assert_eq!(redact("21000000001"), "********001");
        assert_eq!(redact("12"), "*12");
        assert!(!redact("21000000001").contains("2100"));
    }
}
