//! swalayan-hub: the central service stations sync with — for libraries whose own system
//! (INLISLite, SLiMS) offers no circulation API, the hub is the central catalog.
//!
//! # Layout
//!
//! - [`storage`]: the database behind one trait, SQLite or PostgreSQL: stations and their
//!   token hashes, every transaction received, the catalog as documents with revisions.
//! - [`ledger`]: what a pushed transaction does centrally; exactly once; conflicts kept.
//! - [`catalog`]: imports (the station's importers into a hub sink), policy, holds,
//!   promotions.
//! - [`export`]: transactions as CSV or Koha's offline circulation format.
//! - [`api`]: the HTTP/JSON API (axum): push, pull, visits, holds, time, health, metrics.
//! - [`metrics`]: Prometheus counters and gauges.
//! - [`server`]: serving with header, body and request timeouts and a bound on concurrency.
//! - [`tls`]: serving over TLS (rustls) when a certificate is configured.

pub mod api;
pub mod catalog;
pub mod export;
pub mod ledger;
pub mod metrics;
pub mod server;
pub mod storage;
pub mod tls;
