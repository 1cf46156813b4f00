//! swalayan-hub: the central service stations sync with.
//!
//! # Layout
//!
//! - [`store`]: the hub's database (SQLite): stations and their token hashes, every
//!   transaction received (applied or in conflict), the loans the hub knows of.
//! - [`api`]: the HTTP/JSON API (axum): push transactions, health, server time.
//!
//! This is the first slice of the central-sync issue: push with exactly-once application and
//! conflicts kept for staff. Pull of catalog changes, PostgreSQL, TLS, exports and the
//! station's background worker follow.

pub mod api;
pub mod store;
