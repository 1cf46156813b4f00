//! The library's circulation rules, free of any storage.
//!
//! - [`rules`]: pure decisions (checkout, renewal, checkin routing, holds) over gathered facts.
//! - [`calendar`]: due dates on open days, days late.
//! - [`pin`]: PIN hashing and lockout.
//!
//! The station's desk (`swalayan::circulation::desk`) gathers facts from its store and applies
//! these; the hub applies the same rules where it asks the same question.

pub mod calendar;
pub mod pin;
pub mod rules;
