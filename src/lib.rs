//! Swalayan: the software of a library's self-service stations.
//!
//! # Layout
//!
//! Shared with the hub, from `swalayan-core` (`core/`) and re-exported here under the same
//! names: [`domain`] (plain library data, the policy), [`reason`] (reason codes and their
//! sentences), [`contract`] (the station–hub wire types), [`export`] (Koha offline files), the
//! pure rules under [`circulation`] and the file importers under [`import`].
//!
//! The station's own:
//!
//! - [`circulation`]: the [`circulation::Desk`] that applies the core's rules to the store,
//!   and what stations read through it besides a patron's business (`overview`); online
//!   first with a library system over SIP2 (`library_system`, `online`, `sip2_system`): asked
//!   before the desk acts, the station's rules deciding only as its offline policy allows.
//! - [`store`]: the station's SQLite database: migrations, queries, the outbox, the drop
//!   box's journal.
//! - [`import`]: the store as an import sink, policy into the store, the demo library.
//! - [`config`]: the station's TOML configuration (`[dropbox]`, `[gate]` and `[display]` in
//!   their own modules).
//! - [`clock`]: the station's notion of "now" and whether the system clock can be trusted.
//! - [`station`]: the runtime every station role runs on (engine, device threads, sync
//!   worker, cues), the kiosk role (a state machine over the desk), the drop box role (a
//!   journalled cycle per item through the chute), the RFID pad, receipts.
//! - `ui` (feature `ui`): the Slint window: applies kiosk views, turns callbacks into commands.
//! - [`sync`]: the push of the outbox, the pull of the catalog, the sync worker; the central
//!   is the hub or, replaying the outbox over SIP2, the library's own system.
//! - [`cli`]: the `swalayan` command line.
//! - [`bench`]: a synthetic library and the circulation timing behind `swalayan bench`.

pub use swalayan_core::{contract, domain, export, reason};

pub mod bench;
pub mod circulation;
pub mod cli;
pub mod clock;
pub mod config;
pub mod import;
pub mod station;
pub mod store;
pub mod sync;
#[cfg(feature = "ui")]
pub mod ui;
