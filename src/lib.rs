//! Swalayan: the software of a library's self-service stations.
//!
//! # Layout
//!
//! Shared with the hub, from `swalayan-core` (`core/`) and re-exported here under the same
//! names: [`domain`] (plain library data, the policy), [`reason`] (reason codes and their
//! sentences), [`contract`] (the station–hub wire types), [`export`] (Koha offline files).
//! The core's pure rules and file importers are not re-exported as modules: the station's
//! own [`circulation`] and [`import`] wrap them (and re-export the pieces they use).
//!
//! The station's own:
//!
//! - [`circulation`]: the core's rules (`rules`, `calendar`, `pin`) and the
//!   [`circulation::Desk`] that applies them to the store, one file per job under
//!   `circulation/desk/` (outcomes, identify, lend, checkin, holds, account, records, and
//!   `online`: with a library system over SIP2 it is asked before the desk acts, the
//!   station's rules deciding only as its offline policy allows); `library_system` and
//!   `sip2_system` speak to that system; `overview` is what stations read through the desk
//!   besides a patron's business.
//! - [`store`]: the station's SQLite database: migrations, queries, the outbox, the drop
//!   box's journal.
//! - [`import`]: the core's importers into the store (the store as an import sink), policy
//!   into the store, the demo library.
//! - [`config`]: the station's TOML configuration, one module per section, each with its
//!   `parse`; `ConfigError` names the file, line and key.
//! - [`clock`]: the station's notion of "now" and whether the system clock can be trusted.
//! - [`station`]: the runtime every station role runs on (engine, device threads, sync
//!   worker, cues), the kiosk role (a state machine over the desk), the drop box role (a
//!   journalled cycle per item through the chute), the RFID pad, receipts, speech (espeak-ng
//!   on its own thread).
//! - `ui` (feature `ui`): the Slint window: applies kiosk views, turns callbacks into commands,
//!   narrates them for spoken guidance.
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
