//! swalayan-core: what a Swalayan station and the Swalayan hub share.
//!
//! Both sides compile against this crate, and nothing in it touches a device, the
//! touchscreen or the station's own database: the hub links it without the station.
//!
//! # Layout
//!
//! - [`domain`]: patrons, items, loans, holds, money, the library's policy — plain data.
//! - [`circulation`]: the rules (checkout, checkin, renew, holds, pickup) as pure functions
//!   over gathered facts; due dates on open days; PIN hashing and lockout.
//! - [`reason`]: the stable reason codes and the patron-facing sentence of each.
//! - [`import`]: catalog and patron import (CSV, MARC 21, policy TOML) into any
//!   [`import::ImportSink`] — the station's store or the hub's database.
//! - [`contract`]: the station–hub wire contract: push and pull bodies, transaction kinds
//!   with one typed payload each, the catalog documents, conflict reasons.
//! - [`format`]: dates and money as patrons read them (id/en), for pages, screens, receipts.
//! - [`spoken`]: the same as they are spoken (numbers, money, dates in words), and a written
//!   sentence turned into spoken words, for the kiosk's spoken guidance.
//! - [`export`]: transactions written for other library systems (Koha's offline circulation).
//! - [`private_file`]: databases and card-number exports readable by their owner only.
//! - [`error_text`]: an error and its causes on one line, each said once.
//! - [`closed_pipe`]: both binaries end quietly when their reader closes the pipe.
//! - [`report`]: reports from counts (visitors, ISO 2789), the same at station and hub.
//! - [`contact`]: patrons' phone numbers and e-mail addresses in one form, the channel they
//!   consented to, and how they are shown masked.

pub mod circulation;
pub mod closed_pipe;
pub mod contact;
pub mod contract;
pub mod domain;
pub mod error_text;
pub mod export;
pub mod format;
pub mod import;
pub mod private_file;
pub mod reason;
pub mod report;
pub mod spoken;
