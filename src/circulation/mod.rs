//! Circulation: the library's rules, and the desk that applies them to the store.
//!
//! - [`rules`]: pure decisions (checkout, renewal, checkin routing, holds) over gathered facts.
//! - [`calendar`]: due dates on open days, days late.
//! - [`pin`]: PIN hashing and lockout.
//! - [`desk`]: gathers facts from the store, decides, and commits the effect together with its
//!   outbox row in one SQLite transaction.

pub mod calendar;
pub mod desk;
pub mod pin;
pub mod rules;

pub use desk::{
    CheckinResult, CheckoutResult, Desk, HoldResult, LoanResult, PickupResult, RenewResult,
};
