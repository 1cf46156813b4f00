//! Circulation at the station: the core's rules, and the desk that applies them to the store.
//!
//! - [`rules`], [`calendar`], [`pin`]: from `swalayan-core`, shared with the hub.
//! - [`desk`]: gathers facts from the store, decides, and commits the effect together with its
//!   outbox row in one SQLite transaction.
//! - [`library_system`], [`sip2_system`] (and the desk's `online`): online first — the
//!   library's own system (SIP2) asked before the desk acts, and what the station may do
//!   alone offline.
//! - [`overview`]: what stations show besides a patron's business (outbox, sync, today's
//!   counts, promotions), read through the desk.

pub use swalayan_core::circulation::{calendar, pin, rules};

pub mod desk;
pub mod library_system;
pub mod overview;
pub mod sip2_system;

pub use desk::{
    CheckinResult, CheckoutResult, Desk, HoldResult, LoanResult, PickupResult, RenewResult,
};
