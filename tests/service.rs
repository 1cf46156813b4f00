//! The stations as systemd runs them: `READY=1` on the notify socket once they run, and a
//! clean exit 0 with `STOPPING=1` on SIGTERM. The kiosk with a real window (Xvfb, software
//! renderer; scripts/test installs Xvfb), the drop box headless.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An X server of its own; killed when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        Xvfb::start_at("1280x800x24")
    }

    /// A screen of `size` (`WxHxDEPTH`).
    fn start_at(size: &str) -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", size, "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (apt-get install xvfb; scripts/test does)");
        // Xvfb writes the display number it chose once it accepts clients.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Xvfb {
            child,
            display: format!(":{}", line.trim()),
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for the process to end, at most `limit`.
fn exit_within(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// `swalayan demo` in a window on `x` as systemd starts it (`NOTIFY_SOCKET` in `dir`), with
/// `extra` environment; the socket reads with a 60 s limit.
fn demo_kiosk_under_systemd(
    x: &Xvfb,
    dir: &std::path::Path,
    extra: &[(&str, &std::ffi::OsStr)],
) -> (Child, UnixDatagram) {
    let socket_path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let kiosk = Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .arg("--db")
        .arg(dir.join("demo.db"))
        .arg("demo")
        .env("DISPLAY", &x.display)
        .env("SLINT_BACKEND", "winit-software")
        .env("NOTIFY_SOCKET", &socket_path)
        .env("HOME", dir)
        .env("RUST_LOG", "warn")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (kiosk, socket)
}

/// `swalayan ARGS` with its window on `x` (software rendering), `home` its home.
fn on_screen(x: &Xvfb, home: &std::path::Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args(args)
        .env("DISPLAY", &x.display)
        .env("SLINT_BACKEND", "winit-software")
        .env("HOME", home)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn the_kiosk_tells_systemd_it_is_ready_and_stops_cleanly_on_sigterm() {
    let x = Xvfb::start();
    let dir = tempfile::tempdir().unwrap();
    let (mut kiosk, socket) = demo_kiosk_under_systemd(&x, dir.path(), &[]);
    let mut buffer = [0u8; 256];
    let mut next = || -> String {
        match socket.recv(&mut buffer) {
            Ok(n) => String::from_utf8_lossy(&buffer[..n]).trim().to_string(),
            Err(e) => format!("nothing on the notify socket: {e}"),
        }
    };
    assert_eq!(next(), "READY=1", "the kiosk never said it was ready");
    // SAFETY: a plain kill(2) on our own child.
    unsafe {
        libc::kill(kiosk.id() as i32, libc::SIGTERM);
    }
    let status = exit_within(&mut kiosk, Duration::from_secs(30));
    let status = match status {
        Some(status) => status,
        None => {
            let _ = kiosk.kill();
            panic!("the kiosk did not stop within 30 s of SIGTERM");
        }
    };
    let mut err = String::new();
    let _ = std::io::Read::read_to_string(&mut kiosk.stderr.take().unwrap(), &mut err);
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(next(), "STOPPING=1");
}

/// The watchdog is fed from the kiosk's UI loop, so a frozen screen gets the service
/// restarted: with `WATCHDOG_USEC` set the kiosk pings, and when its UI loop blocks (the
/// test-only freeze hook) the pings stop until it runs again.
#[test]
fn a_frozen_kiosk_screen_stops_the_watchdog_pings() {
    let x = Xvfb::start();
    let dir = tempfile::tempdir().unwrap();
    let freeze = dir.path().join("freeze");
    let (mut kiosk, socket) = demo_kiosk_under_systemd(
        &x,
        dir.path(),
        // WatchdogSec=0.4: a ping every 200 ms while the UI loop runs.
        &[
            ("WATCHDOG_USEC", "400000".as_ref()),
            ("SWALAYAN_TEST_FREEZE_UI", freeze.as_os_str()),
        ],
    );
    let mut buffer = [0u8; 256];
    let mut next = |socket: &UnixDatagram| -> Option<String> {
        socket
            .recv(&mut buffer)
            .ok()
            .map(|n| String::from_utf8_lossy(&buffer[..n]).trim().to_string())
    };
    assert_eq!(next(&socket).as_deref(), Some("READY=1"));
    for _ in 0..3 {
        assert_eq!(
            next(&socket).as_deref(),
            Some("WATCHDOG=1"),
            "a running kiosk pings"
        );
    }
    // Freeze the UI loop: within one 50 ms check it blocks; a ping already sent may still be
    // read, then nothing for ten ping periods.
    std::fs::write(&freeze, b"").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut after_freeze = 0;
    while next(&socket).is_some() {
        after_freeze += 1;
        assert!(
            after_freeze <= 2,
            "the kiosk kept pinging with its UI loop frozen"
        );
    }
    // Thawed, it pings again: the silence was the freeze, not a dead process.
    std::fs::remove_file(&freeze).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    assert_eq!(next(&socket).as_deref(), Some("WATCHDOG=1"));
    // SAFETY: a plain kill(2) on our own child.
    unsafe {
        libc::kill(kiosk.id() as i32, libc::SIGTERM);
    }
    let status = exit_within(&mut kiosk, Duration::from_secs(30));
    if status.is_none() {
        let _ = kiosk.kill();
    }
    assert_eq!(status.and_then(|s| s.code()), Some(0));
}

/// A headless station under systemd: `READY=1` once its engine runs, `STOPPING=1` and exit 0
/// on SIGTERM. GPIO is the simulator (no chip on this machine).
fn headless_station_is_ready_and_stops_cleanly(config_text: &str, command: &str) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("station.toml");
    std::fs::write(&config, config_text).unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut station = Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .arg("--db")
        .arg(dir.path().join("station.db"))
        .arg("--config")
        .arg(&config)
        .arg(command)
        .env("RUST_LOG", "warn")
        .env("NOTIFY_SOCKET", &socket_path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut buffer = [0u8; 256];
    let mut next = || -> String {
        match socket.recv(&mut buffer) {
            Ok(n) => String::from_utf8_lossy(&buffer[..n]).trim().to_string(),
            Err(e) => format!("nothing on the notify socket: {e}"),
        }
    };
    assert_eq!(next(), "READY=1", "{command}");
    // SAFETY: a plain kill(2) on our own child.
    unsafe {
        libc::kill(station.id() as i32, libc::SIGTERM);
    }
    let status = exit_within(&mut station, Duration::from_secs(30)).unwrap_or_else(|| {
        let _ = station.kill();
        panic!("{command} did not stop within 30 s of SIGTERM");
    });
    let mut err = String::new();
    let _ = std::io::Read::read_to_string(&mut station.stderr.take().unwrap(), &mut err);
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(next(), "STOPPING=1");
}

#[test]
fn the_drop_box_service_is_ready_and_stops_cleanly() {
    headless_station_is_ready_and_stops_cleanly(
        "[station]\nid = \"dropbox-1\"\n[gpio]\nbackend = \"sim\"\n[dropbox]\nbeam = 17\nlock = 22\n",
        "dropbox",
    );
}

#[test]
fn the_gate_service_is_ready_and_stops_cleanly() {
    headless_station_is_ready_and_stops_cleanly(
        "[station]\nid = \"gate-1\"\n[gpio]\nbackend = \"sim\"\n[gate]\n[[gate.passage]]\nname = \"utama\"\na = 5\nb = 6\n",
        "gate",
    );
}

/// Without a GPIO chip the real backend refuses to start with a sentence naming it.
#[test]
fn a_station_without_its_gpio_chip_says_which_setting_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gate.toml");
    std::fs::write(
        &config,
        format!(
            "[gpio]\nchip = \"{}\"\n[gate]\n[[gate.passage]]\nname = \"utama\"\na = 5\nb = 6\n",
            dir.path().join("no-gpiochip").display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .arg("--db")
        .arg(dir.path().join("gate.db"))
        .arg("--config")
        .arg(&config)
        .arg("gate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("[gpio] chip"), "{said}");
}

/// What X says of the kiosk's window on `display`: (its `_NET_WM_STATE` line, its size), once
/// the window manager has taken it (the state is set) and `until` holds of them, or what it
/// last said after 60 s. (The manager sets the state, then adds full screen when the client
/// asks: a first look may find it empty.)
fn kiosk_window_on(
    display: &str,
    kiosk: &mut Child,
    until: impl Fn(&str, &str) -> bool,
) -> (String, String) {
    let x_tool = |args: &[&str]| -> String {
        let out = Command::new(args[0])
            .args(&args[1..])
            .arg("-display")
            .arg(display)
            .output()
            .unwrap_or_else(|e| panic!("{} (x11-utils; scripts/test installs it): {e}", args[0]));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = None;
    while Instant::now() < deadline {
        if let Some(status) = kiosk.try_wait().unwrap() {
            panic!("the kiosk ended before its window showed: {status}");
        }
        let tree = x_tool(&["xwininfo", "-root", "-tree"]);
        if let Some(id) = tree
            .lines()
            .find(|l| l.contains("\"Swalayan\""))
            .and_then(|l| l.split_whitespace().next())
        {
            let state = x_tool(&["xprop", "-id", id, "_NET_WM_STATE"]);
            if !state.contains("not found") && !state.trim().is_empty() {
                let info = x_tool(&["xwininfo", "-id", id]);
                let field = |name: &str| {
                    info.lines()
                        .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_string()))
                        .unwrap_or_default()
                };
                let seen = (
                    state.trim().to_string(),
                    format!("{}x{}", field("Width:"), field("Height:")),
                );
                if until(&seen.0, &seen.1) {
                    return seen;
                }
                last = Some(seen);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    last.unwrap_or_else(|| {
        let _ = kiosk.kill();
        panic!("no kiosk window managed within 60 s")
    })
}

/// Waits (at most 30 s) until a window manager announces itself on `display` (EWMH's
/// `_NET_SUPPORTING_WM_CHECK` on the root window).
fn wm_ready(display: &str, wm: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = wm.try_wait().unwrap() {
            panic!("the window manager ended: {status}");
        }
        let out = Command::new("xprop")
            .args(["-root", "-display", display, "_NET_SUPPORTING_WM_CHECK"])
            .output()
            .expect("xprop (x11-utils; scripts/test installs it)");
        if String::from_utf8_lossy(&out.stdout).contains("window id") {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("no window manager on {display} within 30 s");
}

/// A station's kiosk fills its screen, whatever the screen (issue #18): on the Pi's 7" 800x480
/// under a kiosk's window manager the window asks to be full screen and is 800x480 (the
/// layouts adapt, tests/ui_layout.rs); with `[display] windowed = true` it does not ask.
#[test]
fn a_station_kiosk_fills_its_screen_unless_windowed() {
    let x = Xvfb::start_at("800x480x24");
    let mut wm = Command::new("matchbox-window-manager")
        .args(["-use_titlebar", "no"])
        .env("DISPLAY", &x.display)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("matchbox-window-manager (scripts/test installs it)");
    // The manager must hold the screen before the kiosk maps its window: one mapped before it
    // starts is never given a state, and the test would wait for nothing (it did, now and then).
    wm_ready(&x.display, &mut wm);
    for windowed in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("kiosk.toml");
        std::fs::write(
            &config,
            format!(
                "[station]\nid = \"kiosk-screen\"\ndb = \"kiosk.db\"\n\n[display]\nwindowed = {windowed}\n"
            ),
        )
        .unwrap();
        let mut kiosk = on_screen(
            &x,
            dir.path(),
            &["--config", config.to_str().unwrap(), "kiosk"],
        );
        // Full screen: until the manager has made it so (this half fails when the kiosk does
        // not ask). Windowed: as soon as the manager has the window; a request for full screen
        // could come a moment later, so this half can pass too easily but never fail wrongly.
        let (state, size) = kiosk_window_on(&x.display, &mut kiosk, |state, size| {
            windowed || (state.contains("_NET_WM_STATE_FULLSCREEN") && size == "800x480")
        });
        let _ = kiosk.kill();
        let _ = kiosk.wait();
        if windowed {
            assert!(!state.contains("FULLSCREEN"), "windowed: {state}");
        } else {
            assert!(state.contains("_NET_WM_STATE_FULLSCREEN"), "{state}");
            assert_eq!(size, "800x480");
        }
    }
    let _ = wm.kill();
    let _ = wm.wait();
}

/// Spoken guidance on a real screen (issue #33): with speech on (a USB keypad's `*`), a finger
/// held on "Borrow" hears "Borrow" before the button acts, and lifting it there acts (the
/// identify screen's words follow). X's own input (xdotool, XTEST) into the demo kiosk; speech
/// into WAV files, whose words are read back. The hold's timer is the window's event loop's,
/// which the testing backend of tests/ui.rs does not run.
#[test]
fn a_button_held_on_the_screen_is_heard_before_it_acts() {
    let x = Xvfb::start();
    let dir = tempfile::tempdir().unwrap();
    let speech = dir.path().join("speech");
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[station]\ndb = \"demo.db\"\n[speech]\nenabled = true\noutput = \"wav:{}\"\n",
            speech.display()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let mut kiosk = on_screen(
        &x,
        dir.path(),
        &["--config", config, "--lang", "en", "demo"],
    );
    let xdotool = |args: &[&str]| {
        let out = Command::new("timeout")
            .arg("60")
            .arg("xdotool")
            .args(args)
            .env("DISPLAY", &x.display)
            .output()
            .expect("xdotool (apt-get install xdotool; scripts/test does)");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    // The words said so far, in order.
    let said = || -> Vec<String> {
        crate::wav::recorded(&speech)
            .into_iter()
            .map(|(written, _, _)| written)
            .collect()
    };
    // Waits (at most 30 s) until `count` utterances have been said.
    let wait_for = |count: usize| -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = said();
            if now.len() >= count || Instant::now() > deadline {
                return now;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let window = xdotool(&["search", "--sync", "--onlyvisible", "--name", "Swalayan"]);
    let window = window.lines().next().unwrap_or_default().to_string();
    assert!(!window.is_empty(), "the kiosk's window never showed");
    xdotool(&["windowfocus", "--sync", &window]);
    xdotool(&["type", "*"]);
    let welcome = wait_for(1);
    assert_eq!(
        welcome,
        ["Welcome! Tap or scan your library card to begin, or choose below."]
    );
    // A finger on "Borrow" (the left of the three, on any layout at 1280x800), held.
    xdotool(&["mousemove", "150", "330", "mousedown", "1"]);
    let held = wait_for(2);
    assert_eq!(held.get(1).map(String::as_str), Some("Borrow"), "{held:?}");
    assert_eq!(
        held.len(),
        2,
        "nothing acted while the finger stayed: {held:?}"
    );
    xdotool(&["mouseup", "1"]);
    let lifted = wait_for(3);
    assert_eq!(
        lifted.get(2).map(String::as_str),
        Some("Scan your library card, lay it on the pad, or type its number."),
        "lifting the finger acted: {lifted:?}"
    );
    let _ = kiosk.kill();
    let _ = kiosk.wait();
}
