//! The circulation desk: gathers facts from the store, asks the rules, and commits the
//! effect together with its outbox row in one SQLite transaction before answering.
//!
//! One file per job, each adding its part of [`Desk`]:
//! - [`outcomes`]: what the desk answers (loans, returns, holds, pickups).
//! - `identify`: the card and its PIN, wrong tries counted.
//! - `lend`: checkout (and its preview for RFID), renewal, pickup from the hold shelf.
//! - `checkin`: returns, with the caller's own record in the same transaction.
//! - [`holds`]: placing a hold; the central key a change of hold names.
//! - [`account`]: a patron's loans and holds as screens show them.
//! - `records`: transactions that decide nothing (feedback, attendance, exceptions).
//! - [`mobile`]: the mobile library's stops, visitor tallies, members registered on the spot.
//! - `online`: online first, when the library's own system (SIP2) answers.
//!
//! Each public operation forks once: to `online` when the station has a library system,
//! else to the station's own rules (`…_local`).

pub mod account;
mod checkin;
pub mod holds;
mod identify;
mod lend;
pub mod mobile;
mod online;
pub mod outcomes;
mod records;

pub use account::{Account, AccountHold, AccountLoan};
pub use holds::HoldRequest;
pub use outcomes::{
    CheckinResult, CheckoutResult, HoldResult, ItemRef, LoanResult, PickupResult, RenewResult,
};

use crate::circulation::library_system::LibrarySystem;
use crate::clock::{Clock, StationTime, station_time};
use crate::domain::Policy;
use crate::store::{Result, Store, meta};
use jiff::civil::Date;
use jiff::tz::TimeZone;

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
}
