//! WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside the commit
//! that crosses 1,000 pages of WAL: that one patron's checkout waits for the copy into the
//! database and its fsync — the tail of the circulation latency (docs/PERFORMANCE.md). A
//! long-running desk turns the automatic checkpoint off and lets this thread, on its own
//! connection, run a PASSIVE checkpoint (it never blocks the desk's writes; once it has copied
//! everything the next commit starts the WAL over, so the file stays small).
//!
//! When: in a pause. A checkpoint's fsync of the database competes for the disk with the
//! desk's own commit fsyncs, so copying while patrons are being served put it in their tail
//! (measured: a checkpoint every 250 ms whatever the traffic left checkin p99 above 2x the
//! disk's fsync p99 in 2 of 5 runs; none at all, 5 of 5 within). The desk's connection counts
//! its commits and the WAL's frames in a [`WalActivity`] (SQLite's WAL hook, called after each
//! commit); the thread looks every [`EVERY`] and copies only when nothing was committed since
//! its last look — a kiosk pauses between patrons many times a minute — or when the WAL holds
//! more than [`WAL_CAP_FRAMES`] after a burst that never paused, which bounds the file and the
//! recovery scan after a power cut.

use super::{Result, configure};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the thread looks: a pause this long between commits lets it copy.
pub const EVERY: Duration = Duration::from_millis(250);

/// The WAL frames past which the thread copies even while commits keep coming: 65,536 pages
/// of 4 KiB (256 MiB), about 6,500 checkouts and checkins without one pause of [`EVERY`] —
/// more than a station's busiest hour; what a store opened after a power cut reads back once.
pub const WAL_CAP_FRAMES: u64 = 65_536;

/// What the desk's connection reports after each commit (SQLite's WAL hook).
#[derive(Debug, Default)]
pub struct WalActivity {
    commits: AtomicU64,
    frames: AtomicU64,
    /// Checkpoints that copied the whole WAL, and the WAL's frames at the last of them: what
    /// a test waits on (the database file reaches its size before the copy is synced and
    /// marked done, so the file's length is not a sign the next commit may restart the WAL).
    complete: AtomicU64,
    complete_frames: AtomicU64,
}

impl WalActivity {
    /// Called by the WAL hook: one more commit, and the frames now in the WAL.
    pub fn committed(&self, frames: u64) {
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.frames.store(frames, Ordering::Relaxed);
    }

    fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    /// Called by the thread after a checkpoint that copied all `frames` of the WAL.
    fn copied_all(&self, frames: u64) {
        self.complete_frames.store(frames, Ordering::Release);
        self.complete.fetch_add(1, Ordering::AcqRel);
    }

    /// How many checkpoints copied the whole WAL, and the WAL's frames at the last one.
    #[cfg(test)]
    fn last_complete(&self) -> (u64, u64) {
        let count = self.complete.load(Ordering::Acquire);
        (count, self.complete_frames.load(Ordering::Acquire))
    }
}

/// The checkpoint thread; stops (and closes its connection) when dropped.
pub struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    #[cfg(test)]
    activity: Arc<WalActivity>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` (through `vfs`, if named), in the pauses
    /// and past the cap that `activity` (fed by the desk's WAL hook) shows.
    pub fn start(
        path: &Path,
        vfs: Option<&str>,
        activity: Arc<WalActivity>,
    ) -> Result<Checkpointer> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match vfs {
            None => Connection::open_with_flags(path, flags)?,
            Some(vfs) => Connection::open_with_flags_and_vfs(path, flags, vfs)?,
        };
        configure(&conn)?;
        #[cfg(test)]
        let watched = activity.clone();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                let mut seen = activity.commits();
                // Until the store drops the sender (or sends): a look every EVERY.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    let now = activity.commits();
                    let copy = due(seen, now, activity.frames(), WAL_CAP_FRAMES);
                    seen = now;
                    if !copy {
                        continue;
                    }
                    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                    });
                    if let Ok((frames, copied)) = done
                        && frames > 0
                    {
                        tracing::debug!(frames, copied, "WAL checkpoint");
                        if frames == copied {
                            activity.copied_all(u64::try_from(frames).unwrap_or(0));
                        }
                    }
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
            #[cfg(test)]
            activity: watched,
        })
    }
}

/// Whether to copy now: nothing committed since the last look (`seen` commits then, `now`
/// now), or `frames` in the WAL past `cap`.
fn due(seen: u64, now: u64, frames: u64, cap: u64) -> bool {
    now == seen || frames >= cap
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
    use super::due;
    use crate::store::Store;

    /// Copies in a pause or past the cap, never under a stream of commits.
    #[test]
    fn copies_in_a_pause_or_past_the_cap() {
        let cap = 1000;
        assert!(due(7, 7, 10, cap), "a pause copies");
        assert!(!due(7, 8, 10, cap), "a commit since the last look waits");
        assert!(due(7, 8, 1000, cap), "past the cap copies anyway");
    }
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
        for round in 0..2u64 {
            let activity = &store.checkpointer.as_ref().unwrap().activity;
            let (before, _) = activity.last_complete();
            // 4 MB in 256 commits: past SQLite's 1,000-page automatic threshold.
            for _ in 0..256 {
                store
                    .conn()
                    .execute("INSERT INTO t VALUES (zeroblob(16384))", [])
                    .unwrap();
            }
            // Waits for the thread to report a checkpoint that copied every frame the round
            // committed (synced and marked done: only then may the next commit restart it).
            let committed = activity.frames();
            let deadline = Instant::now() + Duration::from_secs(20);
            while !matches!(activity.last_complete(), (count, frames) if count > before && frames == committed)
            {
                assert!(
                    Instant::now() < deadline,
                    "round {round}: the thread did not checkpoint all {committed} frames \
                     (last complete: {:?})",
                    activity.last_complete()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(file_len(&path) >= (round + 1) * 4 * 1024 * 1024);
            wal_after.push(file_len(&wal));
        }
        // The second round's frames went over the first round's: the WAL did not double.
        assert!(
            wal_after[1] < wal_after[0] * 3 / 2,
            "the WAL grew: {wal_after:?}"
        );
    }
}
