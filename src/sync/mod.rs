//! Sync with the central catalog: the wire protocol shared with the hub, and the station's
//! push of its outbox.
//!
//! - [`protocol`]: request and response bodies of the hub's HTTP/JSON API.
//! - [`central`]: the central behind one trait (hub today, SIP2 later) and a sync round.
//! - [`documents`]: the catalog documents the hub serves.
//! - [`push`]: sends pending outbox rows in batches and records what the central said.
//! - [`pull`]: applies the central's catalog changes since the station's cursor.
//! - [`status`]: when the station last reached the central, for `swalayan status`.
//! - [`worker`]: the background worker: ticker, wake-up, backoff with jitter, events.
//!
//! Exactly once: every transaction carries its UUIDv7; the hub applies an id at most once and
//! answers `duplicate` for a repeat, so the station can resend after any failure.

pub mod central;
pub mod documents;
pub mod protocol;
pub mod pull;
pub mod push;
pub mod status;
pub mod worker;
