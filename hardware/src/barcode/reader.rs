//! A serial barcode scanner on its own thread: opens the port, assembles lines, checks
//! symbologies, and reopens with backoff when the scanner is unplugged. Everything it learns
//! is an event on a channel, including whether the scanner is connected.

use super::line::{LineAssembler, LineConfig, LineEvent};
use super::symbology::{self, Check};
use crate::serial::{self, SerialSettings};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the scanner thread reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerEvent {
    /// The port is open.
    Connected,
    /// The port could not be opened or failed; the thread keeps trying. Staff detail.
    Lost(String),
    Code(String),
    /// A line that was not a code: overlong, garbage, a duplicate, or a failed check.
    Rejected {
        reason: Rejection,
        text: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Overlong,
    Garbage,
    Duplicate,
    Symbology,
}

#[derive(Debug, Clone)]
pub struct ScannerConfig {
    pub port: PathBuf,
    pub settings: SerialSettings,
    pub line: LineConfig,
    /// Checks every code must pass; empty by default.
    pub checks: Vec<Check>,
}

/// How often the thread looks at the stop flag and the idle gap.
const TICK: Duration = Duration::from_millis(50);
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Starts the scanner thread; it ends when `stop` is set or the receiver is gone.
pub fn spawn(
    config: ScannerConfig,
    events: Sender<ScannerEvent>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("scanner".into())
        .spawn(move || run(config, events, stop))
}

fn run(config: ScannerConfig, events: Sender<ScannerEvent>, stop: Arc<AtomicBool>) {
    let mut assembler = LineAssembler::new(config.line.clone());
    let mut backoff = BACKOFF_MIN;
    let mut last_lost: Option<String> = None;
    while !stop.load(Ordering::Relaxed) {
        let mut port = match serial::open(&config.port, config.settings, TICK) {
            Ok(port) => port,
            Err(e) => {
                let message = e.to_string();
                // Say it once per change, not every retry.
                if last_lost.as_deref() != Some(message.as_str()) {
                    if events.send(ScannerEvent::Lost(message.clone())).is_err() {
                        return;
                    }
                    last_lost = Some(message);
                }
                sleep_unless_stopped(backoff, &stop);
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        };
        backoff = BACKOFF_MIN;
        if events.send(ScannerEvent::Connected).is_err() {
            return;
        }
        let mut buf = [0u8; 256];
        let failure = loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let (bytes, now) = match port.read(&mut buf) {
                Ok(0) => break "the scanner closed the line".to_string(),
                Ok(n) => (&buf[..n], Instant::now()),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::Interrupted
                    ) =>
                {
                    (&buf[..0], Instant::now())
                }
                Err(e) => break format!("{}: {e}", config.port.display()),
            };
            let mut lines = assembler.feed(bytes, now);
            lines.extend(assembler.poll(now));
            for line in lines {
                if events.send(classify(line, &config.checks)).is_err() {
                    return;
                }
            }
        };
        last_lost = Some(failure.clone());
        if events.send(ScannerEvent::Lost(failure)).is_err() {
            return;
        }
    }
}

fn classify(line: LineEvent, checks: &[Check]) -> ScannerEvent {
    match line {
        LineEvent::Code(code) => {
            if checks.iter().all(|&c| symbology::passes(c, &code)) {
                ScannerEvent::Code(code)
            } else {
                ScannerEvent::Rejected {
                    reason: Rejection::Symbology,
                    text: Some(code),
                }
            }
        }
        LineEvent::Overlong => ScannerEvent::Rejected {
            reason: Rejection::Overlong,
            text: None,
        },
        LineEvent::Garbage => ScannerEvent::Rejected {
            reason: Rejection::Garbage,
            text: None,
        },
        LineEvent::Duplicate(code) => ScannerEvent::Rejected {
            reason: Rejection::Duplicate,
            text: Some(code),
        },
    }
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let end = Instant::now() + total;
    while Instant::now() < end && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(TICK.min(end.saturating_duration_since(Instant::now())));
    }
}
