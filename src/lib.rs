//! Swalayan: the software of a library's self-service stations.
//!
//! # Layout
//!
//! - [`domain`]: patrons, items, loans, holds, money, the library's policy — plain data.
//! - [`circulation`]: the rules (checkout, checkin, renew, holds, pickup) as pure functions,
//!   and the [`circulation::Desk`] that applies them to the store.
//! - [`store`]: the station's SQLite database: migrations, queries, the outbox.
//! - [`import`]: catalog and patron import (CSV, MARC 21, policy TOML, the demo library).
//! - [`config`]: the station's TOML configuration.
//! - [`clock`]: the station's notion of "now" and whether the system clock can be trusted.
//! - [`reason`]: the stable reason codes and the patron-facing sentence of each.
//! - [`station`]: the kiosk session (a state machine over the desk), the RFID pad, receipts.
//! - [`sync`]: the hub protocol and the push of the outbox to the central.
//! - [`cli`]: the `swalayan` command line.
//! - [`bench`]: a synthetic library and the circulation timing behind `swalayan bench`.

pub mod bench;
pub mod circulation;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod export;
pub mod import;
pub mod reason;
pub mod station;
pub mod store;
pub mod sync;
#[cfg(feature = "ui")]
pub mod ui;
