//! The notification cycle: what happened is queued, the calendar's messages are queued, what
//! is due is sent. `serve` runs it on a thread of its own every few seconds (the providers'
//! calls block, and a slow one must not hold up the stations' API), so a hold set aside is
//! told within [`TICK`] plus the call; `notify run` runs the same.

use super::NotifySettings;
use super::deliver::{Pass, Sender};
use super::produce::{self, Scheduled};
use crate::config::Library;
use crate::storage::{Result, Storage};
use jiff::Timestamp;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Between two cycles of `serve`.
pub const TICK: Duration = Duration::from_secs(5);
/// The calendar's producers run at most this often (they read every loan).
pub const CALENDAR_EVERY: Duration = Duration::from_secs(600);

/// What one cycle did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Cycle {
    /// Messages queued from what happened (holds ready, places given).
    pub happened: usize,
    /// The calendar's messages, when its producers ran this cycle.
    pub scheduled: Option<Scheduled>,
    #[serde(flatten)]
    pub pass: Pass,
}

/// One cycle at `now`: producers, then the sender. `calendar`: run the calendar's producers.
pub fn cycle(
    sender: &mut Sender,
    storage: &dyn Storage,
    settings: &NotifySettings,
    library: &Library,
    now: Timestamp,
    calendar: bool,
    wait_for_pace: bool,
) -> Result<Cycle> {
    let happened = produce::happened(storage, settings, library, now)?;
    let scheduled = if calendar {
        // With the calendar, the outbox forgets what it no longer needs (contacts included).
        let keep = jiff::SignedDuration::from_hours(i64::from(settings.keep_days) * 24);
        if let Ok(before) = now.checked_sub(keep) {
            storage.forget_notices(before)?;
        }
        Some(produce::scheduled(storage, settings, library, now)?)
    } else {
        None
    };
    let pass = sender.pass(storage, settings, library, now, wait_for_pace)?;
    Ok(Cycle {
        happened,
        scheduled,
        pass,
    })
}

/// The running cycle; dropping it stops it after the cycle in progress.
pub struct RunningNotify {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for RunningNotify {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread's wait at once.
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the cycle for `serve`.
pub fn start(
    settings: NotifySettings,
    storage: Arc<dyn Storage>,
    library: Library,
) -> std::io::Result<RunningNotify> {
    let mut sender = Sender::new().map_err(std::io::Error::other)?;
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("notify".into())
        .spawn(move || {
            let mut calendar_at: Option<Instant> = None;
            loop {
                let calendar = calendar_at.is_none_or(|at| at.elapsed() >= CALENDAR_EVERY);
                match cycle(
                    &mut sender,
                    storage.as_ref(),
                    &settings,
                    &library,
                    Timestamp::now(),
                    calendar,
                    false,
                ) {
                    Ok(done) => {
                        if calendar {
                            calendar_at = Some(Instant::now());
                        }
                        if done.happened + done.pass.sent + done.pass.failed > 0 {
                            tracing::info!(
                                queued = done.happened,
                                sent = done.pass.sent,
                                failed = done.pass.failed,
                                retrying = done.pass.retrying,
                                "notifications: cycle done"
                            );
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "notifications: cycle failed"),
                }
                match stopped.recv_timeout(TICK) {
                    Err(RecvTimeoutError::Timeout) => continue,
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        })?;
    Ok(RunningNotify {
        stop: Some(stop),
        thread: Some(thread),
    })
}
