//! WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside the commit
//! that crosses 1,000 pages of WAL: that one patron's checkout waits for the copy into the
//! database and its fsync — the tail of the circulation latency (docs/PERFORMANCE.md). A
//! long-running desk turns the automatic checkpoint off and lets this thread, on its own
//! connection, run a PASSIVE checkpoint four times a second: it never blocks the desk's
//! writes, and once it has copied everything the next commit starts the WAL over, so the
//! file stays small.

use super::{Result, configure};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the WAL is copied into the database: measured against 100 ms and 1 s
/// (docs/PERFORMANCE.md); nothing to do when the station is idle.
pub const EVERY: Duration = Duration::from_millis(250);

/// The checkpoint thread; stops (and closes its connection) when dropped.
pub struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` (through `vfs`, if named).
    pub fn start(path: &Path, vfs: Option<&str>) -> Result<Checkpointer> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match vfs {
            None => Connection::open_with_flags(path, flags)?,
            Some(vfs) => Connection::open_with_flags_and_vfs(path, flags, vfs)?,
        };
        configure(&conn)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                // Until the store drops the sender (or sends): a tick every EVERY.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                    });
                    if let Err(e) = done {
                        // The desk's commits do not depend on it: the WAL only grows until
                        // the next one succeeds (or the store closes, which checkpoints).
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
            })
            .map_err(|source| super::StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;
    use std::time::{Duration, Instant};

    fn file_len(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    /// Commits no longer checkpoint; the thread copies the WAL into the database on its own,
    /// and the WAL is then reused, not grown.
    #[test]
    fn the_thread_checkpoints_and_the_wal_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        store.checkpoint_in_background().unwrap();
        let auto: i64 = store
            .conn()
            .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
            .unwrap();
        assert_eq!(auto, 0, "commits do not checkpoint");
        store
            .conn()
            .execute_batch("CREATE TABLE t(x BLOB)")
            .unwrap();
        let wal = dir.path().join("s.db-wal");
        let mut wal_after = Vec::new();
        for round in 0..2 {
            // 4 MB in 256 commits: past SQLite's 1,000-page automatic threshold.
            for _ in 0..256 {
                store
                    .conn()
                    .execute("INSERT INTO t VALUES (zeroblob(16384))", [])
                    .unwrap();
            }
            let wanted = (round + 1) * 4 * 1024 * 1024;
            let deadline = Instant::now() + Duration::from_secs(20);
            while file_len(&path) < wanted {
                assert!(
                    Instant::now() < deadline,
                    "round {round}: the thread did not checkpoint (database {} bytes)",
                    file_len(&path)
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            wal_after.push(file_len(&wal));
        }
        // The second round's frames went over the first round's: the WAL did not double.
        assert!(
            wal_after[1] < wal_after[0] * 3 / 2,
            "the WAL grew: {wal_after:?}"
        );
    }
}
