//! Circulation at the station: the core's rules, and the desk that applies them to the store.
//!
//! - [`rules`], [`calendar`], [`pin`]: from `swalayan-core`, shared with the hub.
//! - [`desk`]: gathers facts from the store, decides, and commits the effect together with its
//!   outbox row in one SQLite transaction.

pub use swalayan_core::circulation::{calendar, pin, rules};

pub mod desk;

pub use desk::{
    CheckinResult, CheckoutResult, Desk, HoldResult, LoanResult, PickupResult, RenewResult,
};
