//! Sync with the central catalog, over the wire types of [`crate::contract`] (shared with
//! the hub through `swalayan-core`).
//!
//! - [`contact`]: the kiosk's question to the hub at sign-in — the patron's channel for a
//!   receipt, masked (issue #30).
//! - [`central`]: the central behind one trait (our hub, or a library system over SIP2) and a
//!   sync round.
//! - [`push`]: sends pending outbox rows in batches and records what the central said.
//! - [`pull`]: applies the central's catalog changes since the station's cursor.
//! - [`sip2`]: the library's own system over SIP2: the outbox replayed in order, refusals
//!   into the conflict list with the system's words.
//! - [`status`]: when the station last reached the central, for `swalayan status`.
//! - [`worker`]: the background worker: ticker, wake-up, backoff with jitter, events.
//!
//! Exactly once: every transaction carries its UUIDv7; the hub applies an id at most once and
//! answers `duplicate` for a repeat, so the station can resend after any failure.

pub mod central;
pub mod contact;
pub mod pull;
pub mod push;
pub mod sip2;
pub mod status;
pub mod worker;
