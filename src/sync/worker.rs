//! The station's sync worker: pushes the outbox and pulls the central's changes on a ticker, at once when asked (a new
//! transaction), and backs off with jitter while the central is away. It reports each round
//! as an event for the kiosk's status light and the staff screen.
//!
//! It runs on its own thread with its own single-threaded tokio runtime and its own SQLite
//! connection (WAL lets it write beside the kiosk's desk); the database calls block only
//! that thread, never a shared tokio worker or the UI.

#[cfg(doc)]
use super::central::HubLink;
use super::central::{CentralLink, sync_round};
use super::push::{CentralProblem, SyncError, SyncReport};
use crate::contract::protocol::DeviceState;
use crate::store::Store;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::MissedTickBehavior;

/// What the worker is told.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerCommand {
    /// A transaction was just made: push now.
    SyncNow,
    /// The station's devices changed: the next health report says so.
    Devices(Vec<DeviceState>),
    /// The role's open alarms changed (a bin full, a beam blocked): reported at once.
    Alarms(Vec<String>),
    Stop,
}

/// What the worker reports.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    Completed(SyncReport),
    /// The round failed; `problem` says whether waiting helps (transient) or staff must act.
    Failed {
        error: String,
        problem: CentralProblem,
    },
}

/// How often and how patiently to sync.
#[derive(Debug, Clone, Copy)]
pub struct WorkerTiming {
    pub interval: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for WorkerTiming {
    fn default() -> WorkerTiming {
        WorkerTiming {
            interval: Duration::from_secs(30),
            backoff_min: Duration::from_secs(2),
            backoff_max: Duration::from_secs(300),
        }
    }
}

/// A running worker; dropping the handle stops it.
pub struct SyncWorker {
    commands: UnboundedSender<WorkerCommand>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SyncWorker {
    /// Starts the worker on `db` (its own connection) against any central: the hub
    /// ([`HubLink`]) today, a library system over SIP2 later.
    pub fn spawn(
        db: PathBuf,
        link: Box<dyn CentralLink>,
        timing: WorkerTiming,
        events: std::sync::mpsc::Sender<SyncEvent>,
    ) -> std::io::Result<SyncWorker> {
        let (tx, rx) = unbounded_channel();
        let thread = std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = events.send(SyncEvent::Failed {
                            error: e.to_string(),
                            problem: CentralProblem::StationSetup,
                        });
                        return;
                    }
                };
                runtime.block_on(run(db, link.as_ref(), timing, rx, events));
            })?;
        Ok(SyncWorker {
            commands: tx,
            thread: Some(thread),
        })
    }

    /// Asks for a round now (never blocks).
    pub fn sync_now(&self) {
        let _ = self.commands.send(WorkerCommand::SyncNow);
    }

    /// A sender to hand to other threads.
    pub fn commands(&self) -> UnboundedSender<WorkerCommand> {
        self.commands.clone()
    }
}

impl Drop for SyncWorker {
    fn drop(&mut self) {
        let _ = self.commands.send(WorkerCommand::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The delay after `failures` transient failures in a row: doubling, capped, with up to 25 %
/// jitter so many stations coming back after an outage do not all knock at once.
pub fn backoff(timing: WorkerTiming, failures: u32, jitter: f64) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    let base = timing
        .backoff_min
        .saturating_mul(factor)
        .min(timing.backoff_max);
    base.mul_f64(1.0 + jitter.clamp(0.0, 1.0) * 0.25)
}

async fn run(
    db: PathBuf,
    link: &dyn CentralLink,
    timing: WorkerTiming,
    mut commands: UnboundedReceiver<WorkerCommand>,
    events: std::sync::mpsc::Sender<SyncEvent>,
) {
    let mut store = match Store::open(&db) {
        Ok(store) => store,
        Err(e) => {
            let _ = events.send(SyncEvent::Failed {
                error: e.to_string(),
                problem: CentralProblem::StationSetup,
            });
            return;
        }
    };
    let mut ticker = tokio::time::interval(timing.interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut failures = 0u32;
    let mut devices: Vec<DeviceState> = Vec::new();
    let mut alarms: Vec<String> = Vec::new();
    let mut retry_at: Option<tokio::time::Instant> = None;
    loop {
        let retry = async {
            match retry_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = ticker.tick() => {}
            _ = retry => {}
            command = commands.recv() => match command {
                Some(WorkerCommand::SyncNow) => {}
                Some(WorkerCommand::Devices(now)) => {
                    // Reported with the next round; a device change alone is no reason to sync.
                    devices = now;
                    continue;
                }
                // Staff should hear of an alarm now: a round carries it.
                Some(WorkerCommand::Alarms(now)) => alarms = now,
                Some(WorkerCommand::Stop) | None => return,
            },
        }
        if retry_at.is_some_and(|at| tokio::time::Instant::now() < at) {
            continue; // backing off: ticks and wake-ups wait for the retry time
        }
        let event = match sync_round(link, &mut store, &devices, &alarms).await {
            Ok(report) => {
                failures = 0;
                retry_at = None;
                SyncEvent::Completed(report)
            }
            Err(error) => {
                let problem = error.problem();
                if problem.is_transient() {
                    failures += 1;
                    let jitter = f64::from(rand::random::<u16>()) / f64::from(u16::MAX);
                    retry_at =
                        Some(tokio::time::Instant::now() + backoff(timing, failures, jitter));
                }
                SyncEvent::Failed {
                    error: describe(&error),
                    problem,
                }
            }
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

fn describe(error: &SyncError) -> String {
    error.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::central::BoxFuture;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A central that answers every push with a fixed result: the worker's loop on its own,
    /// whatever stands behind the trait (the hub is tested for real in the hub's tests).
    struct ScriptedCentral {
        refuse: Option<u16>,
        pushes: std::sync::Arc<AtomicU32>,
    }

    impl CentralLink for ScriptedCentral {
        fn push<'a>(
            &'a self,
            _store: &'a mut Store,
        ) -> BoxFuture<'a, Result<SyncReport, SyncError>> {
            self.pushes.fetch_add(1, Ordering::SeqCst);
            let refuse = self.refuse;
            Box::pin(async move {
                match refuse {
                    Some(status) => Err(SyncError::Refused {
                        status,
                        message: "scripted".into(),
                    }),
                    None => Ok(SyncReport::default()),
                }
            })
        }

        fn pull<'a>(&'a self, _store: &'a mut Store) -> BoxFuture<'a, Result<u64, SyncError>> {
            Box::pin(async { Ok(0) })
        }
    }

    /// The folder comes first in the tuple, so it outlives the worker using it.
    fn worker_on(
        refuse: Option<u16>,
    ) -> (
        tempfile::TempDir,
        SyncWorker,
        std::sync::mpsc::Receiver<SyncEvent>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("station.db");
        Store::open(&db).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let link = ScriptedCentral {
            refuse,
            pushes: Default::default(),
        };
        let worker = SyncWorker::spawn(db, Box::new(link), WorkerTiming::default(), tx).unwrap();
        (dir, worker, rx)
    }

    #[test]
    fn the_worker_runs_rounds_against_any_central() {
        let (_dir, worker, events) = worker_on(None);
        let wait = Duration::from_secs(10);
        assert!(matches!(
            events.recv_timeout(wait),
            Ok(SyncEvent::Completed(_))
        ));
        worker.sync_now();
        assert!(matches!(
            events.recv_timeout(wait),
            Ok(SyncEvent::Completed(_))
        ));
    }

    #[test]
    fn a_refused_token_is_reported_as_such_not_as_offline() {
        let (_dir, _worker, events) = worker_on(Some(401));
        match events.recv_timeout(Duration::from_secs(10)) {
            Ok(SyncEvent::Failed { problem, .. }) => {
                assert_eq!(problem, CentralProblem::TokenRefused);
                assert!(!problem.is_transient());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let timing = WorkerTiming {
            interval: Duration::from_secs(30),
            backoff_min: Duration::from_secs(2),
            backoff_max: Duration::from_secs(60),
        };
        assert_eq!(backoff(timing, 1, 0.0), Duration::from_secs(2));
        assert_eq!(backoff(timing, 2, 0.0), Duration::from_secs(4));
        assert_eq!(backoff(timing, 4, 0.0), Duration::from_secs(16));
        assert_eq!(backoff(timing, 30, 0.0), Duration::from_secs(60));
        assert_eq!(backoff(timing, 1, 1.0), Duration::from_millis(2500));
    }
}
