//! The engine thread: one channel in, the role's decisions, views out.
//!
//! Everything a station learns arrives as a [`Message`] on one channel, in order: device
//! events, the sync worker's rounds, the surface's input, and the engine's own ticks. After
//! each, the engine plays the role's cues, wakes the sync worker when a transaction waits,
//! forwards device health to it, and publishes the view if it changed.

use super::devices::{self, Devices, RunningDevices};
use super::{CentralState, Event, Monotonic, Role, device_line};
use crate::contract::protocol::DeviceState;
use crate::station::cues::{Cue, CuePlayer};
use crate::station::watchdog::Watchdog;
use crate::sync::central::CentralLink;
use crate::sync::worker::{SyncEvent, SyncWorker, WorkerCommand, WorkerTiming};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use swalayan_hardware::gpio::OutputLine;

/// How often the engine ticks when nothing happens.
const TICK: Duration = Duration::from_secs(1);

/// What travels on the engine's channel.
pub(super) enum Message<I> {
    Event(Event<I>),
    /// Answered once every message before it was handled (tests, and a UI that must show
    /// the outcome of what it just sent).
    Flush(Sender<()>),
    Stop,
}

/// Where the sync worker syncs: the station's database and any central.
pub struct SyncSetup {
    pub db: PathBuf,
    pub link: Box<dyn CentralLink>,
    pub timing: WorkerTiming,
}

/// What a runtime is started with.
pub struct RuntimeSetup<R: Role> {
    pub role: R,
    pub devices: Devices,
    pub sync: Option<SyncSetup>,
    /// The buzzer the role's cues sound on.
    pub buzzer: Option<Box<dyn OutputLine>>,
    pub clock: Box<dyn Monotonic>,
    /// systemd's watchdog, pinged by the engine each turn: for headless roles. The kiosk
    /// pings from its UI loop instead (a frozen screen should restart it too).
    pub watchdog: Option<Watchdog>,
}

/// A running station; dropping it stops the engine, the devices and the worker, in order.
pub struct Runtime<I: Send + 'static> {
    messages: Sender<Message<I>>,
    engine: Option<JoinHandle<()>>,
    devices: Option<RunningDevices>,
    worker: Option<SyncWorker>,
    forwarder: Option<JoinHandle<()>>,
}

/// A handle to send events to a running station from any thread.
pub struct Inbox<I>(Sender<Message<I>>);

impl<I> Clone for Inbox<I> {
    fn clone(&self) -> Inbox<I> {
        Inbox(self.0.clone())
    }
}

impl<I: Send + 'static> Inbox<I> {
    /// Sends an event; never blocks. False once the station has stopped.
    pub fn send(&self, event: Event<I>) -> bool {
        self.0.send(Message::Event(event)).is_ok()
    }

    /// Waits (at most `within`) until every event sent before was handled and its view
    /// published. False if the station stopped or did not answer in time.
    pub fn flush(&self, within: Duration) -> bool {
        let (tx, rx) = channel();
        self.0.send(Message::Flush(tx)).is_ok() && rx.recv_timeout(within).is_ok()
    }
}

impl<I: Send + 'static> Runtime<I> {
    /// Starts the engine, the devices and the sync worker. `publish` receives the role's
    /// view on the engine thread whenever it changed (and once at the start), with the cues
    /// fired since the last call (they are also played on the buzzer).
    pub fn start<R, P>(setup: RuntimeSetup<R>, publish: P) -> std::io::Result<Runtime<I>>
    where
        R: Role<Input = I>,
        P: FnMut(&R::View, &[Cue]) + Send + 'static,
    {
        let (messages, inbox) = channel::<Message<I>>();
        let (worker, forwarder) = match setup.sync {
            None => (None, None),
            Some(sync) => {
                let (worker, forwarder) = spawn_worker(sync, messages.clone())?;
                (Some(worker), Some(forwarder))
            }
        };
        let wake = worker.as_ref().map(SyncWorker::commands);
        let cues = CuePlayer::spawn(setup.buzzer)?;
        let mut engine = Engine {
            role: setup.role,
            clock: setup.clock,
            cues,
            wake,
            watchdog: setup.watchdog,
            devices: BTreeMap::new(),
            published: None,
            fresh_cues: Vec::new(),
            alarms: Vec::new(),
        };
        let handle = std::thread::Builder::new()
            .name("station-engine".into())
            .spawn(move || engine.run(inbox, publish))?;
        let devices = devices::spawn(setup.devices, &messages)?;
        Ok(Runtime {
            messages,
            engine: Some(handle),
            devices: Some(devices),
            worker,
            forwarder,
        })
    }

    pub fn inbox(&self) -> Inbox<I> {
        Inbox(self.messages.clone())
    }

    /// Polls the RFID pad now and waits until its report (if it changed) is on the channel:
    /// a test that lays a tag, then flushes, sees it handled. False without a pad.
    pub fn poll_pad_now(&self, within: Duration) -> bool {
        self.devices
            .as_ref()
            .is_some_and(|devices| devices.poll_pad_now(within))
    }

    /// Whether the engine has stopped (the role finished, or it panicked).
    pub fn is_finished(&self) -> bool {
        self.engine.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl<I: Send + 'static> Drop for Runtime<I> {
    fn drop(&mut self) {
        let _ = self.messages.send(Message::Stop);
        if let Some(engine) = self.engine.take() {
            let _ = engine.join();
        }
        // Devices next (they stop within their poll interval), then the worker, whose
        // event forwarder ends when the worker's channel closes.
        drop(self.devices.take());
        drop(self.worker.take());
        if let Some(forwarder) = self.forwarder.take() {
            let _ = forwarder.join();
        }
    }
}

struct Engine<R: Role> {
    role: R,
    clock: Box<dyn Monotonic>,
    cues: CuePlayer,
    wake: Option<tokio::sync::mpsc::UnboundedSender<WorkerCommand>>,
    watchdog: Option<Watchdog>,
    /// Device states as last reported, for the worker's health report.
    devices: BTreeMap<String, DeviceState>,
    published: Option<R::View>,
    /// Cues played since the last publish.
    fresh_cues: Vec<Cue>,
    /// The role's alarms as the worker last heard them.
    alarms: Vec<String>,
}

impl<R: Role> Engine<R> {
    fn run(
        &mut self,
        inbox: Receiver<Message<R::Input>>,
        mut publish: impl FnMut(&R::View, &[Cue]),
    ) {
        if let Some(watchdog) = &self.watchdog {
            watchdog.ready();
        }
        self.publish_if_changed(&mut publish);
        let mut next_tick = Instant::now() + TICK;
        loop {
            let wait = next_tick.saturating_duration_since(Instant::now());
            let event = match inbox.recv_timeout(wait) {
                Ok(Message::Event(event)) => event,
                Ok(Message::Flush(done)) => {
                    let _ = done.send(());
                    continue;
                }
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    next_tick = Instant::now() + TICK;
                    Event::Tick
                }
            };
            if self.role.before(&event) {
                self.publish_if_changed(&mut publish);
                // A slow answer ahead (up to the library system's timeout): start it with a
                // fresh watchdog period rather than what is left of the last one.
                if let Some(watchdog) = &mut self.watchdog {
                    watchdog.ping();
                }
            }
            self.handle(event);
            self.publish_if_changed(&mut publish);
            if let Some(watchdog) = &mut self.watchdog {
                watchdog.ping_if_due();
            }
            if self.role.finished() {
                break;
            }
        }
        if let Some(watchdog) = &self.watchdog {
            watchdog.stopping();
        }
    }

    fn handle(&mut self, event: Event<R::Input>) {
        if let Event::Device(state) = &event {
            tracing::info!(device = %state.device, state = %device_line(state), "device");
            self.devices.insert(state.device.clone(), state.clone());
            if let Some(wake) = &self.wake {
                let _ = wake.send(WorkerCommand::Devices(
                    self.devices.values().cloned().collect(),
                ));
            }
        }
        let before = self.role.pending();
        if let Err(e) = self.role.handle(event, self.clock.now()) {
            // A store error is staff detail; the patron's screen stays as it was.
            tracing::error!("station: {e}");
        }
        for cue in self.role.take_cues() {
            self.cues.play(cue);
            self.fresh_cues.push(cue);
        }
        let alarms = self.role.alarms();
        if alarms != self.alarms {
            if let Some(wake) = &self.wake {
                let _ = wake.send(WorkerCommand::Alarms(alarms.clone()));
            }
            self.alarms = alarms;
        }
        // A new transaction: push it now rather than at the next tick.
        if self.role.pending() > before
            && let Some(wake) = &self.wake
        {
            let _ = wake.send(WorkerCommand::SyncNow);
        }
    }

    fn publish_if_changed(&mut self, publish: &mut impl FnMut(&R::View, &[Cue])) {
        let view = self.role.view();
        if self.published.as_ref() != Some(view) || !self.fresh_cues.is_empty() {
            publish(view, &self.fresh_cues);
            self.fresh_cues.clear();
            self.published = Some(view.clone());
        }
    }
}

/// The sync worker, its rounds forwarded onto the engine's channel.
fn spawn_worker<I: Send + 'static>(
    sync: SyncSetup,
    messages: Sender<Message<I>>,
) -> std::io::Result<(SyncWorker, JoinHandle<()>)> {
    let (tx, rx) = channel();
    let worker = SyncWorker::spawn(sync.db, sync.link, sync.timing, tx)?;
    let forwarder = std::thread::Builder::new()
        .name("sync-events".into())
        .spawn(move || {
            for event in rx {
                let state = match event {
                    SyncEvent::Completed(_) => CentralState::Reached,
                    SyncEvent::Failed { error, problem } => {
                        tracing::warn!("sync: {error}");
                        CentralState::Failed(problem)
                    }
                };
                if messages
                    .send(Message::Event(Event::Central(state)))
                    .is_err()
                {
                    break;
                }
            }
        })?;
    Ok((worker, forwarder))
}
