//! The running kiosk: Slint's event loop on the main thread, the kiosk role on the station
//! runtime (engine, device threads, sync worker, cues).
//!
//! UI callbacks only send commands into the runtime; the engine decides and publishes a new
//! view when it changed, which the UI thread applies (`upgrade_in_event_loop`). The UI thread
//! never waits on the store or a device.

use super::bridge::{apply, apply_changes, connect, select_language};
use super::narrator::{self, Narrator};
use super::{KioskWindow, SimAdapter, SimTag as UiSimTag, SpeechAdapter, StatusAdapter};
use crate::reason::Lang;
use crate::station::kiosk::{Kiosk, KioskView};
use crate::station::runtime::devices::Devices;
use crate::station::runtime::{Event, Runtime, RuntimeSetup, SyncSetup, SystemMonotonic};
use crate::station::speech::Speaker;
use slint::{ComponentHandle, Model, ModelRc, VecModel};
use std::rc::Rc;
use std::time::Duration;
use swalayan_hardware::gpio::OutputLine;
use swalayan_hardware::sim::feig::{FeigSimulator, SimTag};

/// Why the kiosk could not run.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(
        "no display to show the kiosk on ({0}).\n  On a desktop: run it in a graphical session (X11 or Wayland).\n  Without a screen: `xvfb-run -a swalayan demo` (apt-get install xvfb).\n  On a Raspberry Pi without X (the arm64 package): is the panel connected, is [display] output right (`swalayan config display`), is the service user in the video and render groups?"
    )]
    NoDisplay(String),
    #[error("the kiosk window failed: {0}")]
    Ui(String),
}

/// Chooses where the kiosk draws. A build with the `linuxkms` backend started outside a
/// graphical session (no `DISPLAY`, no `WAYLAND_DISPLAY`, no `SLINT_BACKEND`) draws straight
/// on the screen with `[display]`'s output, mode, rotation and renderer; settings already in
/// the environment win (so `SLINT_DRM_OUTPUT=list` still lists the outputs). Elsewhere Slint
/// picks the desktop window as before. Must run before any other thread exists: it sets
/// this process's environment for Slint's backend to read.
pub fn prepare_display(display: &crate::config::DisplayConfig) -> Result<(), AppError> {
    let graphical = ["SLINT_BACKEND", "DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    if graphical || !cfg!(feature = "linuxkms") {
        return Ok(());
    }
    for (name, value) in display.slint_environment() {
        if std::env::var_os(name).is_none() {
            // SAFETY: called at the start of the kiosk command, before any thread is started
            // (the runtime, the devices and Slint come after), so nothing reads it meanwhile.
            unsafe { std::env::set_var(name, value) };
        }
    }
    slint::BackendSelector::new()
        .backend_name("linuxkms".into())
        .renderer_name(display.renderer.slint_name().into())
        .select()
        .map_err(|e| AppError::NoDisplay(e.to_string()))
}

/// Simulated devices for the demo: a FEIG reader whose pad the side panel fills.
pub struct DemoDevices {
    pub reader: FeigSimulator,
    /// (label, tag) pairs the panel can lay on the pad and lift.
    pub tags: Vec<(String, SimTag)>,
}

thread_local! {
    /// The view on screen (UI thread): the next one is applied adapter by adapter where it
    /// differs.
    static SHOWN: std::cell::RefCell<Option<KioskView>> = const { std::cell::RefCell::new(None) };
    /// Spoken guidance's voice and what decides its words (UI thread; `[speech]` on).
    static VOICE: std::cell::RefCell<Option<(Narrator, Rc<Speaker>)>> = const { std::cell::RefCell::new(None) };
}

/// Everything the kiosk runs with besides its role.
pub struct KioskRun {
    pub library_name: String,
    /// For a header too narrow for the whole name (`[library] short_name`).
    pub library_short_name: Option<String>,
    /// The whole screen (a station), or a window (the demo, `[display] windowed`).
    pub fullscreen: bool,
    /// The library's time zone: the header clock shows its time, as the desk's dates do.
    pub time_zone: jiff::tz::TimeZone,
    pub lang: Lang,
    /// Scanners and the RFID pad, run by the station runtime.
    pub devices: Devices,
    /// A buzzer for success and refusal cues.
    pub buzzer: Option<Box<dyn OutputLine>>,
    pub demo: Option<DemoDevices>,
    /// The central to sync with.
    pub sync: Option<SyncSetup>,
    /// `[speech]`: spoken guidance, offered when enabled.
    pub speech: crate::config::SpeechConfig,
}

/// Runs the kiosk until the window closes, staff leave kiosk mode, or SIGTERM.
pub fn run(kiosk: Kiosk, run: KioskRun) -> Result<(), AppError> {
    let ui = KioskWindow::new().map_err(|e| AppError::NoDisplay(e.to_string()))?;
    let status = ui.global::<StatusAdapter>();
    status.set_library_name(run.library_name.clone().into());
    status.set_library_short_name(run.library_short_name.clone().unwrap_or_default().into());
    // A station fills its screen whatever its size; the layouts follow (ui/README.md).
    ui.window().set_fullscreen(run.fullscreen);
    select_language(run.lang);
    ui.global::<SpeechAdapter>()
        .set_available(run.speech.enabled);
    if run.speech.enabled {
        let speaker =
            Rc::new(Speaker::spawn(&run.speech).map_err(|e| AppError::Ui(e.to_string()))?);
        narrator::connect(&ui, Rc::clone(&speaker));
        let narrator = Narrator {
            speak_names: run.speech.speak_names,
        };
        VOICE.with_borrow_mut(|voice| *voice = Some((narrator, speaker)));
    }
    apply(&ui, kiosk.view());
    SHOWN.with_borrow_mut(|shown| *shown = Some(kiosk.view().clone()));
    let time_zone = run.time_zone.clone();
    update_clock(&ui, &time_zone);

    // The station runtime: devices, sync worker and cues around the engine thread, which
    // publishes each changed view into the UI's event loop.
    let weak = ui.as_weak();
    let runtime = Runtime::start(
        RuntimeSetup {
            role: kiosk,
            devices: run.devices,
            sync: run.sync,
            buzzer: run.buzzer,
            clock: Box::new(SystemMonotonic::start()),
            watchdog: None,
        },
        move |view: &KioskView, _cues: &[crate::station::cues::Cue]| {
            let view = view.clone();
            let quit = view.quit;
            let _ = weak.upgrade_in_event_loop(move |ui| {
                SHOWN.with_borrow_mut(|shown| {
                    apply_changes(&ui, shown.as_ref(), &view);
                    VOICE.with_borrow(|voice| {
                        if let Some((narrator, speaker)) = voice
                            && let Some(words) = narrator.words(&ui, shown.as_ref(), &view)
                        {
                            speaker.say(view.lang, &words);
                        }
                    });
                    *shown = Some(view);
                })
            });
            if quit {
                let _ = slint::invoke_from_event_loop(|| {
                    let _ = slint::quit_event_loop();
                });
            }
        },
    )
    .map_err(|e| AppError::Ui(e.to_string()))?;
    let inbox = runtime.inbox();
    connect(
        &ui,
        Rc::new(move |command| {
            // An unbounded channel: sending never blocks the UI thread.
            inbox.send(Event::Input(command));
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
    let demo = run.demo.map(|demo| wire_demo(&ui, demo));

    // systemd: SIGTERM quits the event loop (the engine then finishes its event and
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
    let _freeze = freeze_hook();

    let result = ui.run().map_err(|e| AppError::Ui(e.to_string()));
    watchdog.borrow().stopping();
    // The runtime stops its engine, devices and worker, in that order.
    drop(runtime);
    drop(ui);
    drop(demo);
    result
}

/// A test-only hook, so that a test can prove a frozen screen stops the watchdog pings:
/// with `SWALAYAN_TEST_FREEZE_UI=FILE` set, the UI loop blocks (as a deadlock would) while
/// FILE exists. Unset in every unit and config: without it no timer is started.
fn freeze_hook() -> Option<slint::Timer> {
    let file = std::env::var_os("SWALAYAN_TEST_FREEZE_UI")?;
    let timer = slint::Timer::default();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(50),
        move || {
            while std::path::Path::new(&file).exists() {
                std::thread::sleep(Duration::from_millis(20));
            }
        },
    );
    Some(timer)
}

fn update_clock(ui: &KioskWindow, time_zone: &jiff::tz::TimeZone) {
    let floor = SHOWN.with_borrow(|shown| shown.as_ref().and_then(|v| v.last_trusted));
    let (clock, date) = header_clock(
        crate::clock::shown_now(jiff::Timestamp::now(), floor),
        time_zone,
    );
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
