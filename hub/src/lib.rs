//! swalayan-hub: the central service stations sync with — for libraries whose own system
//! (INLISLite, SLiMS) offers no circulation API, the hub is the central catalog.
//!
//! It depends on `swalayan-core` (domain, rules, importers, the wire contract) and never on
//! the station crate: no store, devices or touchscreen are linked.
//!
//! # Layout
//!
//! - [`storage`]: the database behind one trait, SQLite or PostgreSQL: stations with their
//!   roles, token hashes and last health report, every transaction received, the catalog as
//!   documents with revisions; typed documents through `tx.docs::<D>()`/`storage.all::<D>()`
//!   and `Put::of` (the contract's `DocBody` types; a body is a `Stored`, made only from a
//!   typed document and read only as one), received transactions through `Received::body()`.
//! - [`ledger`]: what a pushed transaction does centrally (typed payloads from the core's
//!   contract; the core's PIN rule for attempts); exactly once; conflicts kept with a code.
//! - [`catalog`]: imports (the core's importers into a hub sink), the policy, holds and their
//!   pickup branches.
//! - [`promotions`]: the kiosks' welcome-screen promotions (text in two languages, a
//!   picture, the kiosks that show them).
//! - [`routes`]: the mobile library's stops on their weekly schedule.
//! - [`events`]: events and literacy programmes, registration with a capacity and a waiting
//!   list (who registered stays at the hub).
//! - [`export`]: transactions as CSV or Koha's offline circulation format.
//! - [`ils`]: the library's own system (INLISLite 3.2/3.3, SLiMS 9) in its MySQL/MariaDB
//!   database: `[ils]`, the schema recognised by its columns, `ils check`, and the link
//!   (`ils sync`, run by `serve`): the system read into the hub, the stations' loans,
//!   returns and renewals written into it as its desk writes them, exactly once (the
//!   storage's `ils_writes` ledger), conflicts when it disagrees.
//! - [`notify`]: patrons told (WhatsApp, SMS, e-mail) that a hold is ready, a loan due, an
//!   event tomorrow: `[notify]`, producers into a durable outbox (the storage's `notices`,
//!   exactly once by key, at most once per send), the providers, the sender `serve` runs.
//! - [`digital`]: the digital library — files attached to titles (PDF, EPUB, scans, audio)
//!   kept on disk by content hash, local-content records, covers, the access levels
//!   (`public`, `members`, `onsite`), `[digital]`.
//! - [`csv_safe`]: every CSV the hub writes, with no cell a spreadsheet would run.
//! - [`api`]: the HTTP/JSON API (axum): push, pull, visits, status reports, holds, time,
//!   health — each filtered or refused by the token's role — and the metrics router.
//! - [`reports`]: circulation, visitors, feedback, events and the monthly summary (a file
//!   each), for the staff's pages and `report`.
//! - [`patron_pin`]: a patron's PIN checked at the hub, one verifier per attempt, the
//!   web's wrong PINs kept apart from the library-wide lockout; `patron pin` sets one.
//! - [`metrics`]: Prometheus counters kept as things happen (a scrape reads no table).
//! - [`staff`]: staff accounts (roles, generated passwords as argon2id hashes) and the audit
//!   log of their changes.
//! - [`simulate`]: a made-up library's days of traffic for an empty hub (training,
//!   screenshots, the staff pages' browser tests and benchmark).
//! - [`cli`]: the `swalayan-hub` command line (arguments, one module per command group, the
//!   exit codes); `src/main.rs` only calls it.
//! - [`server`]: serving with header, body and request timeouts and a bound on concurrency
//!   per part (stations' API, web); `serve` itself with its signals and systemd watchdog.
//! - [`tls`]: the rustls configuration when a certificate is configured.
//! - [`config`]: the hub's file (`--config hub.toml`): the library's name, time zone, public
//!   address, opening hours and branches; `[web]` sessions; `[events]` waiting lists.
//! - [`web`]: the library's web: a page kit both sides share, the public site (catalogue,
//!   account, events, feedback, sitemap) and the staff's pages, which do not import each
//!   other.
//!
//! Nothing below [`server`] and [`cli`] reaches up into the web (a test in [`web`] reads the
//! files' paths).

pub mod api;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod csv_safe;
pub mod digital;
pub mod events;
pub mod export;
pub mod ils;
pub mod ledger;
pub mod metrics;
pub mod notify;
pub mod patron_pin;
pub mod promotions;
pub mod reports;
pub mod routes;
pub mod server;
pub mod simulate;
pub mod staff;
pub mod storage;
pub mod tls;
pub mod web;
