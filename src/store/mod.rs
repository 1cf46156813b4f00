//! The station's durable local store: one SQLite file in WAL mode with synchronous=FULL.
//!
//! The store is owned by one thread (a `rusqlite::Connection` is not `Sync`); other threads
//! talk to that thread. Every circulation decision and its outbox row are committed in one
//! transaction, so a power cut leaves either both or neither.
//!
//! - [`schema`]: versioned migrations (`PRAGMA user_version`).
//! - [`catalog`]: titles, items, patrons (read and upsert), search.
//! - [`checkpoint`]: WAL checkpoints on a thread of their own, off the commit path.
//! - [`circ`]: loans, holds, fines.
//! - [`dropbox`]: the drop box's journal of items through the chute, and its bins' loads.
//! - [`outbox`]: the transactions waiting for the central.
//! - [`held_back`]: pulled documents this station could not apply yet.
//! - [`meta`]: station identity, policy, last trusted time.
//! - [`promotions`], [`events`]: what the kiosk's welcome screen shows.
//! - [`visits`]: the entrance counter's counts per passage and quarter hour.
//! - [`mobile`]: the mobile library's stops, card ranges, the stop the bus is at.

pub mod catalog;
pub mod checkpoint;
pub mod circ;
pub mod dropbox;
pub mod events;
pub mod held_back;
pub mod meta;
pub mod mobile;
pub mod outbox;
pub mod promotions;
pub mod schema;
pub mod visits;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors from the local database. Each says what failed and, where possible, what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be created or opened (permissions, missing folder, full disk).
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused or failed an operation.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer Swalayan: refuse rather than corrupt it.
    #[error(
        "the database has schema version {found}, newer than this program supports ({supported}); upgrade swalayan"
    )]
    NewerSchema { found: i64, supported: i64 },
    /// A row holds a value this program cannot read (edited by hand, or corrupted).
    #[error("unreadable value in the database ({what}: '{value}')")]
    Corrupt { what: &'static str, value: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open station database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    vfs: Option<String>,
    /// Set by [`Store::checkpoint_in_background`]; stops when the store is dropped.
    checkpointer: Option<checkpoint::Checkpointer>,
}

impl Store {
    /// Opens (creating if needed, with mode 0600) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with_vfs(path, None)
    }

    /// [`Store::open`] through a named SQLite VFS (`None`: the platform's). The power-cut
    /// test opens its store through a VFS that forgets unsynced writes.
    pub fn open_with_vfs(path: &Path, vfs: Option<&str>) -> Result<Store> {
        create_private_file(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match vfs {
            None => Connection::open_with_flags(path, flags)?,
            Some(vfs) => Connection::open_with_flags_and_vfs(path, flags, vfs)?,
        };
        configure(&conn)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            vfs: vfs.map(str::to_string),
            checkpointer: None,
        };
        schema::migrate(&mut store.conn)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// For a long-running desk: commits no longer run WAL checkpoints; a thread of the store's
    /// own does, on its own connection ([`checkpoint`]). Idempotent.
    pub fn checkpoint_in_background(&mut self) -> Result<()> {
        if self.checkpointer.is_none() {
            // First: this pragma replaces any WAL hook, the one below included.
            self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            let activity = std::sync::Arc::new(checkpoint::WalActivity::default());
            let reported = activity.clone();
            self.conn.wal_hook(Some(
                move |_: &mut rusqlite::hooks::Wal, frames: std::ffi::c_int| {
                    reported.committed(u64::try_from(frames).unwrap_or(0));
                    Ok(())
                },
            ))?;
            self.checkpointer = Some(checkpoint::Checkpointer::start(
                &self.path,
                self.vfs.as_deref(),
                activity,
            )?);
        }
        Ok(())
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Starts a write transaction that takes the write lock at once (no upgrade deadlocks).
    pub fn write(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

/// WAL for concurrent readers (the sync worker, `status`); FULL sync so a commit survives a
/// power cut; foreign keys on; a busy timeout so a second process waits instead of failing.
fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "SQLite refused WAL mode; continuing with {mode}");
    }
    conn.execute_batch(
        "PRAGMA synchronous=FULL;
         PRAGMA foreign_keys=ON;
         PRAGMA temp_store=MEMORY;",
    )?;
    Ok(())
}

/// Creates the database file readable by its owner only (patron data and PIN hashes live
/// here), with its folder.
fn create_private_file(path: &Path) -> Result<()> {
    swalayan_core::private_file::create_private(path).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn new_database_is_private_wal_and_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/station.db");
        let store = Store::open(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let journal: String = store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
        let sync: i64 = store
            .conn()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "FULL");
        let fk: i64 = store
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn reopening_keeps_data_and_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("station.db");
        {
            let store = Store::open(&path).unwrap();
            meta::set(store.conn(), "probe", "kept").unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            meta::get(store.conn(), "probe").unwrap().as_deref(),
            Some("kept")
        );
        let version: i64 = store
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, schema::VERSION);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("station.db");
        {
            let store = Store::open(&path).unwrap();
            store
                .conn()
                .execute_batch("PRAGMA user_version=999")
                .unwrap();
        }
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::NewerSchema { found: 999, .. })
        ));
    }
}
