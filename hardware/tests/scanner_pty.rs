//! The serial scanner thread against the scanner simulator over a real pseudo-terminal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;
use swalayan_hardware::barcode::line::LineConfig;
use swalayan_hardware::barcode::reader::{Rejection, ScannerConfig, ScannerEvent, spawn};
use swalayan_hardware::barcode::symbology::Check;
use swalayan_hardware::serial::SerialSettings;
use swalayan_hardware::sim::scanner::ScannerSimulator;

/// Waits for the next event, at most 5 s.
fn next(events: &Receiver<ScannerEvent>) -> ScannerEvent {
    events
        .recv_timeout(Duration::from_secs(5))
        .expect("an event within 5 s")
}

struct Rig {
    _dir: tempfile::TempDir,
    sim: ScannerSimulator,
    events: Receiver<ScannerEvent>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn rig(checks: Vec<Check>) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("scanner");
    let sim = ScannerSimulator::plug_in(&link, SerialSettings::SCANNER_DEFAULT, false).unwrap();
    let (tx, rx) = channel();
    let stop = Arc::new(AtomicBool::new(false));
    let config = ScannerConfig {
        port: link,
        settings: SerialSettings::SCANNER_DEFAULT,
        line: LineConfig::default(),
        checks,
    };
    let thread = spawn(config, tx, Arc::clone(&stop)).unwrap();
    assert_eq!(next(&rx), ScannerEvent::Connected);
    Rig {
        _dir: dir,
        sim,
        events: rx,
        stop,
        thread: Some(thread),
    }
}

#[test]
fn codes_noise_and_overlong_lines() {
    let mut r = rig(vec![]);
    r.sim.scan("31000000001").unwrap();
    assert_eq!(next(&r.events), ScannerEvent::Code("31000000001".into()));
    r.sim.send_raw(b"31\x07000\r\n").unwrap();
    assert!(matches!(
        next(&r.events),
        ScannerEvent::Rejected {
            reason: Rejection::Garbage,
            ..
        }
    ));
    r.sim.send_raw(&[b'9'; 300]).unwrap();
    r.sim.send_raw(b"\r\n").unwrap();
    assert!(matches!(
        next(&r.events),
        ScannerEvent::Rejected {
            reason: Rejection::Overlong,
            ..
        }
    ));
    r.sim.scan("31000000001").unwrap();
    assert!(matches!(
        next(&r.events),
        ScannerEvent::Rejected {
            reason: Rejection::Duplicate,
            ..
        }
    ));
    r.sim.scan("31000000002").unwrap();
    assert_eq!(next(&r.events), ScannerEvent::Code("31000000002".into()));
}

#[test]
fn symbology_checks_reject_bad_check_digits() {
    let mut r = rig(vec![Check::Isbn13]);
    r.sim.scan("9789793062793").unwrap();
    assert!(matches!(
        next(&r.events),
        ScannerEvent::Rejected {
            reason: Rejection::Symbology,
            ..
        }
    ));
    r.sim.scan("9789793062792").unwrap();
    assert_eq!(next(&r.events), ScannerEvent::Code("9789793062792".into()));
}

#[test]
fn unplug_is_reported_and_replug_reconnects() {
    let mut r = rig(vec![]);
    r.sim.unplug();
    assert!(matches!(next(&r.events), ScannerEvent::Lost(_)));
    // While unplugged the thread keeps trying but reports the loss only once per reason.
    r.sim.replug().unwrap();
    let mut event = next(&r.events);
    while matches!(event, ScannerEvent::Lost(_)) {
        event = next(&r.events);
    }
    assert_eq!(event, ScannerEvent::Connected);
    r.sim.scan("31000000003").unwrap();
    assert_eq!(next(&r.events), ScannerEvent::Code("31000000003".into()));
}
