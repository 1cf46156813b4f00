//! What a station shows besides a patron's own business, read through the desk: the
//! patron's name before their PIN, the outbox and sync state, today's counts and the
//! promotions running today. Stations read the store through the desk only, so "today" and
//! the time zone are the desk's (one station clock).

use super::desk::Desk;
use crate::contract::documents::PromotionDoc as Promotion;
use crate::contract::transactions::TxKind;
use crate::domain::Patron;
use crate::store::held_back::HeldBack;
use crate::store::{Result, catalog, held_back, outbox, promotions};
use crate::sync::status::SyncStatus;

/// The station's state for the staff screen and the status light.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeskOverview {
    /// Transactions waiting for the central.
    pub pending: i64,
    /// Transactions the central kept as conflicts.
    pub conflicts: i64,
    /// What the station remembers of its syncs.
    pub sync: SyncStatus,
    /// The last time the station trusted: no clock it shows runs behind it.
    pub last_trusted: Option<jiff::Timestamp>,
    /// Pulled documents this station could not apply yet (retried after every pull).
    pub held_back: Vec<HeldBack>,
}

/// Today's circulation at this station (local day, by the desk's clock).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TodayCounts {
    /// Checkouts and pickups.
    pub loans: i64,
    pub returns: i64,
}

impl Desk {
    /// A patron by card, without checking anything (the PIN screen greets them by name).
    pub fn patron(&self, card: &str) -> Result<Option<Patron>> {
        catalog::patron(self.store().conn(), card)
    }

    /// A copy by barcode (what a sorting rule looks at: type, home branch, call number).
    pub fn item(&self, barcode: &str) -> Result<Option<crate::domain::Item>> {
        catalog::item(self.store().conn(), barcode)
    }

    /// The outbox and the last sync.
    pub fn overview(&self) -> Result<DeskOverview> {
        let conn = self.store().conn();
        let (pending, _, conflicts) = outbox::counts(conn)?;
        Ok(DeskOverview {
            pending,
            conflicts,
            sync: crate::sync::status::read(conn)?,
            last_trusted: crate::store::meta::last_trusted_time(conn)?,
            held_back: held_back::list(conn)?,
        })
    }

    /// Loans and returns made here since local midnight.
    pub fn today_counts(&self) -> Result<TodayCounts> {
        let conn = self.store().conn();
        let midnight = self
            .today()
            .to_zoned_datetime(self.settings().time_zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        Ok(TodayCounts {
            loans: outbox::count_since(conn, TxKind::Checkout, midnight)?
                + outbox::count_since(conn, TxKind::Pickup, midnight)?,
            returns: outbox::count_since(conn, TxKind::Checkin, midnight)?,
        })
    }

    /// The promotions running today.
    pub fn promotions_today(&self) -> Result<Vec<Promotion>> {
        promotions::current(self.store().conn(), self.today())
    }
}
