//! The link as `serve` runs it: a round every `poll_seconds` on a thread of its own (the
//! MySQL client is synchronous, and a slow library system must not hold up the stations'
//! API), until the server stops. Each round's outcome is in the link's state (`/staff`) and
//! the log.

use super::IlsSettings;
use crate::config::Library;
use crate::storage::Storage;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;

/// The running link; dropping it stops the link after the round in progress.
pub struct RunningLink {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for RunningLink {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread's wait at once.
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts rounds against the system `settings` names.
pub fn start(
    settings: IlsSettings,
    storage: Arc<dyn Storage>,
    library: Library,
) -> std::io::Result<RunningLink> {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("ils-link".into())
        .spawn(move || {
            loop {
                match super::sync::once(&settings, storage.as_ref(), &library, false) {
                    Ok(round) => tracing::info!(
                        written = round.written,
                        conflicts = round.conflicts,
                        members = round.read.members,
                        loans = round.read.loans,
                        "library system: round done"
                    ),
                    Err(e) => tracing::warn!(error = %e, "library system: round failed"),
                }
                match stopped.recv_timeout(settings.poll) {
                    Err(RecvTimeoutError::Timeout) => continue,
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        })?;
    Ok(RunningLink {
        stop: Some(stop),
        thread: Some(thread),
    })
}
