//! The library's own system as the record: INLISLite (v3.2, v3.3) or SLiMS 9, reached in its
//! MySQL/MariaDB database (docs/ils.md). The desk keeps working in that system; the hub reads
//! from it and writes what the stations and the web do into it as the system's own desk would.
//! Stations never hold the database's credentials: they keep talking to the hub.
//!
//! - [`settings`]: `[ils]` in hub.toml — which system, where, as whom.
//! - [`schema`]: which system and version a database is, recognised by its columns (anything
//!   else is a problem, and nothing is written to it).
//! - [`check`]: `swalayan-hub ils check` — the connection, the schema, the grants, the counts.
//! - [`slims`]: SLiMS 9's rules as the policy, and reading its database into the hub.
//! - [`sync`]: `swalayan-hub ils sync --once` — one round: write what the stations and the
//!   web did, then read the system; `serve` runs rounds every `poll_seconds`.
//! - [`rows`]: typed rows of the system's database, an error (not a panic) when a column
//!   is not what the hub expects.
//! - [`mirror`]: what any system's read does to the hub's loans (the system is the record).
//! - [`running`]: the link as `serve` runs it, a round every `poll_seconds`.
//! - [`link`]: the link's state between rounds (since when it writes, last read and write,
//!   what waits, the last error), for `/staff`. What it wrote per transaction is kept in
//!   the hub's storage ([`crate::storage::ils_ledger`]).

pub mod check;
pub mod inlislite;
pub mod link;
pub mod mirror;
pub mod rows;
pub mod running;
pub mod schema;
pub mod settings;
pub mod slims;
pub mod sync;

pub use settings::{IlsSettings, PinSource, SystemKind};

/// What went wrong reaching or reading the library system's database.
#[derive(Debug, thiserror::Error)]
pub enum IlsError {
    /// `[ils]` in hub.toml cannot be used as written.
    #[error("[ils] {0}")]
    Settings(String),
    /// The database did not answer, refused the sign-in, or refused a statement.
    #[error("the library system's database: {0}")]
    Database(String),
}

impl From<mysql::Error> for IlsError {
    fn from(e: mysql::Error) -> IlsError {
        IlsError::Database(swalayan_core::error_text::one_line(&e))
    }
}
