//! The running kiosk: Slint's event loop on the main thread, the kiosk engine (desk and RFID
//! pad) on its own thread, the serial scanner on its own, joined by channels.
//!
//! UI callbacks only send commands; the engine decides and publishes a new view, which the
//! UI thread applies (`upgrade_in_event_loop`). The UI thread never waits on the store or a
//! device.

use super::bridge::{apply, connect, select_language};
use super::{KioskWindow, SimAdapter, SimTag as UiSimTag, StatusAdapter};
use crate::reason::Lang;
use crate::station::cues::CuePlayer;
use crate::station::kiosk::{Command, Kiosk};
use slint::{ComponentHandle, Model, ModelRc, VecModel};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};
use swalayan_hardware::barcode::reader::{self, ScannerConfig, ScannerEvent};
use swalayan_hardware::gpio::OutputLine;
use swalayan_hardware::sim::feig::{FeigSimulator, SimTag};

/// Why the kiosk could not run.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(
        "no display to show the kiosk on ({0}).\n  On a desktop: run it in a graphical session (X11 or Wayland).\n  Without a screen: `xvfb-run -a swalayan demo` (apt-get install xvfb).\n  On a Raspberry Pi without X: SLINT_BACKEND=linuxkms (a build with the linuxkms backend)."
    )]
    NoDisplay(String),
    #[error("the kiosk window failed: {0}")]
    Ui(String),
}

/// Simulated devices for the demo: a FEIG reader whose pad the side panel fills.
pub struct DemoDevices {
    pub reader: FeigSimulator,
    /// (label, tag) pairs the panel can lay on the pad and lift.
    pub tags: Vec<(String, SimTag)>,
}

/// Everything the kiosk runs with besides its engine.
pub struct KioskRun {
    pub library_name: String,
    /// The library's time zone: the header clock shows its time, as the desk's dates do.
    pub time_zone: jiff::tz::TimeZone,
    pub lang: Lang,
    pub scanner: Option<ScannerConfig>,
    /// A buzzer for success and refusal cues.
    pub buzzer: Option<Box<dyn OutputLine>>,
    pub demo: Option<DemoDevices>,
    /// How often the RFID pad is polled.
    pub pad_interval: Duration,
    /// The central to sync with: the station's database and the hub.
    pub sync: Option<(std::path::PathBuf, crate::sync::push::Central)>,
}

/// Runs the kiosk until the window closes or staff leave kiosk mode.
pub fn run(kiosk: Kiosk, run: KioskRun) -> Result<(), AppError> {
    let ui = KioskWindow::new().map_err(|e| AppError::NoDisplay(e.to_string()))?;
    ui.global::<StatusAdapter>()
        .set_library_name(run.library_name.clone().into());
    select_language(run.lang);
    apply(&ui, kiosk.view());
    let time_zone = run.time_zone.clone();
    update_clock(&ui, &time_zone);

    let (tx, rx) = channel::<Command>();
    let dispatch_tx = tx.clone();
    connect(
        &ui,
        Rc::new(move |command| {
            // An unbounded channel: sending never blocks the UI thread.
            let _ = dispatch_tx.send(command);
        }),
    );

    // Clock and rotating promotions on the UI thread.
    let clock_timer = slint::Timer::default();
    let weak = ui.as_weak();
    clock_timer.start(
        slint::TimerMode::Repeated,
        Duration::from_secs(1),
        move || {
            if let Some(ui) = weak.upgrade() {
                update_clock(&ui, &time_zone);
            }
        },
    );
    let promo_timer = slint::Timer::default();
    let weak = ui.as_weak();
    promo_timer.start(
        slint::TimerMode::Repeated,
        Duration::from_secs(8),
        move || {
            if let Some(ui) = weak.upgrade() {
                let status = ui.global::<StatusAdapter>();
                status.set_promotion_index(status.get_promotion_index().wrapping_add(1));
            }
        },
    );

    let stop = Arc::new(AtomicBool::new(false));
    let scanner = run
        .scanner
        .map(|config| spawn_scanner(config, tx.clone(), Arc::clone(&stop)));
    let demo = run.demo.map(|demo| wire_demo(&ui, demo));
    let worker = match run.sync {
        None => None,
        Some((db, central)) => {
            Some(spawn_sync(db, central, tx.clone()).map_err(|e| AppError::Ui(e.to_string()))?)
        }
    };
    let wake = worker.as_ref().map(|w| w.commands());

    let cues = CuePlayer::spawn(run.buzzer).map_err(|e| AppError::Ui(e.to_string()))?;
    let engine = {
        let weak = ui.as_weak();
        let interval = run.pad_interval;
        std::thread::Builder::new()
            .name("kiosk-engine".into())
            .spawn(move || engine(kiosk, rx, weak, interval, cues, wake))
            .map_err(|e| AppError::Ui(e.to_string()))?
    };
    drop(tx);

    // systemd: SIGTERM quits the event loop (the engine then finishes its command and
    // stops); the watchdog is pinged from this UI loop, whose freeze should restart us.
    let _stop = crate::station::shutdown::on_stop(|| {
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
    })
    .map_err(|e| AppError::Ui(e.to_string()))?;
    let watchdog = Rc::new(std::cell::RefCell::new(
        crate::station::watchdog::Watchdog::from_env(),
    ));
    let watchdog_timer = slint::Timer::default();
    if let Some(every) = watchdog.borrow().interval() {
        let pinger = Rc::clone(&watchdog);
        watchdog_timer.start(slint::TimerMode::Repeated, every / 2, move || {
            pinger.borrow_mut().ping_if_due()
        });
    }
    watchdog.borrow().ready();

    let result = ui.run().map_err(|e| AppError::Ui(e.to_string()));
    watchdog.borrow().stopping();
    stop.store(true, Ordering::Relaxed);
    drop(ui);
    drop(demo);
    // The worker first: its event thread holds a command sender, and the engine stops only
    // once every sender is gone.
    drop(worker);
    let _ = engine.join();
    if let Some(scanner) = scanner {
        let _ = scanner.join();
    }
    result
}

fn update_clock(ui: &KioskWindow, time_zone: &jiff::tz::TimeZone) {
    let (clock, date) = header_clock(jiff::Timestamp::now(), time_zone);
    let status = ui.global::<StatusAdapter>();
    status.set_clock(clock.into());
    status.set_date(date.into());
}

/// The header's time and date in the library's time zone (not the machine's: a Pi set to
/// UTC would show patrons a clock seven hours off).
pub fn header_clock(now: jiff::Timestamp, time_zone: &jiff::tz::TimeZone) -> (String, String) {
    let local = now.to_zoned_datetime(time_zone.clone());
    (
        local.strftime("%H:%M").to_string(),
        local.strftime("%d-%m-%Y").to_string(),
    )
}

/// The engine thread: commands in, views out; polls the RFID pad between commands.
fn engine(
    mut kiosk: Kiosk,
    commands: Receiver<Command>,
    ui: slint::Weak<KioskWindow>,
    pad_interval: Duration,
    cues: CuePlayer,
    wake: Option<tokio::sync::mpsc::UnboundedSender<crate::sync::worker::WorkerCommand>>,
) {
    let start = Instant::now();
    let mut next_poll = Instant::now();
    loop {
        let wait = next_poll.saturating_duration_since(Instant::now());
        let outcome = match commands.recv_timeout(wait) {
            Ok(command) => {
                let before = kiosk.view().pending;
                let outcome = kiosk.handle(command, start.elapsed()).map(|_| ());
                // A new transaction: push it now rather than at the next tick.
                if kiosk.view().pending > before
                    && let Some(wake) = &wake
                {
                    let _ = wake.send(crate::sync::worker::WorkerCommand::SyncNow);
                }
                outcome
            }
            Err(RecvTimeoutError::Timeout) => {
                next_poll = Instant::now() + pad_interval;
                if kiosk.has_pad() {
                    kiosk.poll_pad(start.elapsed()).map(|_| ())
                } else {
                    Ok(())
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if let Err(e) = outcome {
            // A store error is staff detail; the patron's screen stays as it was.
            tracing::error!("kiosk: {e}");
        }
        for cue in kiosk.take_cues() {
            cues.play(cue);
        }
        let view = kiosk.view().clone();
        let quit = view.quit;
        let _ = ui.upgrade_in_event_loop(move |ui| apply(&ui, &view));
        if quit {
            let _ = slint::invoke_from_event_loop(|| {
                let _ = slint::quit_event_loop();
            });
            return;
        }
    }
}

/// The sync worker, its events turned into kiosk commands (the status light).
fn spawn_sync(
    db: std::path::PathBuf,
    central: crate::sync::push::Central,
    commands: Sender<Command>,
) -> std::io::Result<crate::sync::worker::SyncWorker> {
    use crate::sync::worker::{SyncEvent, SyncWorker, WorkerTiming};
    let (tx, rx) = channel();
    let link = crate::sync::central::HubLink::new(central)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let worker = SyncWorker::spawn(db, Box::new(link), WorkerTiming::default(), tx)?;
    std::thread::spawn(move || {
        for event in rx {
            let online = match event {
                SyncEvent::Completed(_) => true,
                SyncEvent::Failed { error, .. } => {
                    tracing::warn!("sync: {error}");
                    false
                }
            };
            if commands.send(Command::Central(online)).is_err() {
                break;
            }
        }
    });
    Ok(worker)
}

fn spawn_scanner(
    config: ScannerConfig,
    commands: Sender<Command>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let (tx, rx) = channel();
    let port = config.port.display().to_string();
    let reader = reader::spawn(config, tx, stop);
    std::thread::spawn(move || {
        let Ok(reader) = reader else {
            let _ = commands.send(Command::Device(
                "scanner".into(),
                format!("{port}: cannot start"),
            ));
            return;
        };
        for event in rx {
            let command = match event {
                ScannerEvent::Code(code) => Command::Code(code),
                ScannerEvent::Connected => Command::Device("scanner".into(), "ok".into()),
                ScannerEvent::Lost(reason) => Command::Device("scanner".into(), reason),
                ScannerEvent::Rejected { reason, .. } => {
                    tracing::debug!(?reason, "scanner line rejected");
                    continue;
                }
            };
            if commands.send(command).is_err() {
                break;
            }
        }
        let _ = reader.join();
    })
}

/// The demo's side panel: each button lays a simulated tag on the pad or lifts it.
fn wire_demo(ui: &KioskWindow, demo: DemoDevices) -> Rc<DemoDevices> {
    let sim = ui.global::<SimAdapter>();
    sim.set_visible(true);
    let model = Rc::new(VecModel::from(
        demo.tags
            .iter()
            .map(|(label, tag)| UiSimTag {
                label: label.into(),
                item: String::from_utf8_lossy(&tag.memory[3..19])
                    .trim_end_matches('\0')
                    .into(),
                on_pad: false,
            })
            .collect::<Vec<_>>(),
    ));
    sim.set_tags(ModelRc::from(model.clone()));
    let demo = Rc::new(demo);
    let devices = Rc::clone(&demo);
    sim.on_toggle_tag(move |index| {
        let index = index as usize;
        let (Some(mut row), Some((_, tag))) = (model.row_data(index), devices.tags.get(index))
        else {
            return;
        };
        row.on_pad = !row.on_pad;
        let mut field = devices.reader.field();
        if row.on_pad {
            field.tags.push(tag.clone());
        } else {
            field.remove(tag.uid);
        }
        model.set_row_data(index, row);
    });
    demo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_clock_shows_the_library_time_not_the_machine_time() {
        let jakarta = jiff::tz::db().get("Asia/Jakarta").unwrap();
        let now: jiff::Timestamp = "2026-12-01T17:30:00Z".parse().unwrap();
        assert_eq!(
            header_clock(now, &jakarta),
            ("00:30".to_string(), "02-12-2026".to_string())
        );
        assert_eq!(
            header_clock(now, &jiff::tz::TimeZone::UTC),
            ("17:30".to_string(), "01-12-2026".to_string())
        );
    }
}
