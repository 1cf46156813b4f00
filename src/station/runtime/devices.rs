//! The device threads: each turns one device into events on the engine's channel, reports
//! whether the device works, and reopens it when it comes back. None of them decides
//! anything; a device that cannot be opened is reported and the station runs without it.
//!
//! - serial scanner: `swalayan_hardware::barcode::reader` (lines, checks, reconnects);
//! - keyboard-style (HID) scanner: evdev with an exclusive grab, reopened when unplugged;
//! - RFID pad: polled every `interval`, its report sent when what lies on it changed;
//! - GPIO inputs: edges debounced (`[gpio] debounce_ms`) before they reach the role.

use super::Event;
use super::engine::Message;
use crate::contract::protocol::DeviceState;
use crate::station::pad::SharedPad;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use swalayan_hardware::barcode::keys::KeyEvent;
use swalayan_hardware::barcode::reader::{self, ScannerConfig, ScannerEvent};
use swalayan_hardware::barcode::symbology::{self, Check};
use swalayan_hardware::gpio::EdgeSource;
use swalayan_hardware::gpio::debounce::Debouncer;
use swalayan_hardware::rfid::TagReport;

/// How often a thread blocked on a device looks at the stop flag.
const STOP_CHECK: Duration = Duration::from_millis(100);
/// Waits between attempts to reopen a device that is gone.
const REOPEN_MIN: Duration = Duration::from_millis(200);
const REOPEN_MAX: Duration = Duration::from_secs(5);

/// The devices a station runs; each is optional.
#[derive(Default)]
pub struct Devices {
    pub scanner: Option<ScannerConfig>,
    pub hid_scanner: Option<HidScannerConfig>,
    pub pad: Option<PadDevice>,
    pub inputs: Option<InputLines>,
}

/// A keyboard-style scanner (`[hid_scanner]`).
#[derive(Debug, Clone)]
pub struct HidScannerConfig {
    /// `/dev/input/by-id/…-event-kbd`: stable across replugging.
    pub device: PathBuf,
    pub max_len: usize,
    pub checks: Vec<Check>,
}

/// The RFID pad and how often to poll it.
pub struct PadDevice {
    pub pad: SharedPad,
    pub interval: Duration,
}

/// GPIO input lines (chute sensor, gate beams) and their debounce.
pub struct InputLines {
    pub source: Box<dyn EdgeSource>,
    /// A level must hold this long to count (`[gpio] debounce_ms`).
    pub debounce: Duration,
}

/// The device threads of a running station.
pub struct RunningDevices {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    /// Asks the pad thread to poll now; it answers once the report is on the channel.
    pad_now: Option<Sender<Sender<()>>>,
}

impl RunningDevices {
    pub(super) fn poll_pad_now(&self, within: Duration) -> bool {
        let Some(pad_now) = &self.pad_now else {
            return false;
        };
        let (tx, rx) = channel();
        pad_now.send(tx).is_ok() && rx.recv_timeout(within).is_ok()
    }
}

impl Drop for RunningDevices {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.pad_now.take();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Starts a thread per configured device.
pub(super) fn spawn<I: Send + 'static>(
    devices: Devices,
    messages: &Sender<Message<I>>,
) -> std::io::Result<RunningDevices> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut running = RunningDevices {
        stop: Arc::clone(&stop),
        threads: Vec::new(),
        pad_now: None,
    };
    if let Some(config) = devices.scanner {
        running
            .threads
            .push(serial_scanner(config, messages.clone(), Arc::clone(&stop))?);
    }
    if let Some(config) = devices.hid_scanner {
        running
            .threads
            .push(hid_scanner(config, messages.clone(), Arc::clone(&stop))?);
    }
    if let Some(pad) = devices.pad {
        let (tx, rx) = channel();
        running.pad_now = Some(tx);
        running
            .threads
            .push(pad_poller(pad, rx, messages.clone(), Arc::clone(&stop))?);
    }
    if let Some(inputs) = devices.inputs {
        running
            .threads
            .push(input_lines(inputs, messages.clone(), Arc::clone(&stop))?);
    }
    Ok(running)
}

/// Sends an event; false once the engine is gone (the thread then ends).
fn send<I>(messages: &Sender<Message<I>>, event: Event<I>) -> bool {
    messages.send(Message::Event(event)).is_ok()
}

fn device_state<I>(name: &str, problem: Option<String>) -> Event<I> {
    Event::Device(DeviceState {
        device: name.to_string(),
        ok: problem.is_none(),
        detail: problem,
    })
}

fn serial_scanner<I: Send + 'static>(
    config: ScannerConfig,
    messages: Sender<Message<I>>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    let (tx, rx) = channel();
    let reader = reader::spawn(config, tx, stop)?;
    std::thread::Builder::new()
        .name("scanner-events".into())
        .spawn(move || {
            for event in rx {
                let event = match event {
                    ScannerEvent::Code(code) => Event::Code(code),
                    ScannerEvent::Connected => device_state("scanner", None),
                    ScannerEvent::Lost(reason) => device_state("scanner", Some(reason)),
                    ScannerEvent::Rejected { reason, .. } => {
                        tracing::debug!(?reason, "scanner line rejected");
                        continue;
                    }
                };
                if !send(&messages, event) {
                    break;
                }
            }
            let _ = reader.join();
        })
}

fn hid_scanner<I: Send + 'static>(
    config: HidScannerConfig,
    messages: Sender<Message<I>>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("hid-scanner".into())
        .spawn(move || run_hid_scanner(config, messages, stop))
}

fn run_hid_scanner<I>(
    config: HidScannerConfig,
    messages: Sender<Message<I>>,
    stop: Arc<AtomicBool>,
) {
    use swalayan_hardware::barcode::hid::HidScanner;
    let mut reopen = REOPEN_MIN;
    let mut said: Option<String> = None;
    while !stop.load(Ordering::Relaxed) {
        let problem = match HidScanner::open(&config.device, config.max_len) {
            Err(e) => e.to_string(),
            Ok(mut scanner) => {
                reopen = REOPEN_MIN;
                said = None;
                if !send(&messages, device_state("scanner", None)) {
                    return;
                }
                loop {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    match scanner.read_within(STOP_CHECK) {
                        Err(e) => break format!("{}: {e}", config.device.display()),
                        Ok(events) => {
                            for event in events {
                                let Some(code) = hid_code(event, &config.checks) else {
                                    continue;
                                };
                                if !send(&messages, Event::Code(code)) {
                                    return;
                                }
                            }
                        }
                    }
                }
            }
        };
        // Say it once per change, not at every retry.
        if said.as_deref() != Some(problem.as_str()) {
            if !send(&messages, device_state("scanner", Some(problem.clone()))) {
                return;
            }
            said = Some(problem);
        }
        sleep_unless_stopped(reopen, &stop);
        reopen = (reopen * 2).min(REOPEN_MAX);
    }
}

/// A decoded keyboard event as a code, if it is one that passes the checks.
pub fn hid_code(event: KeyEvent, checks: &[Check]) -> Option<String> {
    match event {
        KeyEvent::Code(code) if checks.iter().all(|&c| symbology::passes(c, &code)) => Some(code),
        other => {
            tracing::debug!(?other, "keyboard scanner input rejected");
            None
        }
    }
}

fn pad_poller<I: Send + 'static>(
    device: PadDevice,
    now: Receiver<Sender<()>>,
    messages: Sender<Message<I>>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("rfid-pad".into())
        .spawn(move || {
            let mut last: Option<Vec<TagKey>> = None;
            let mut said: Option<Option<String>> = None;
            while !stop.load(Ordering::Relaxed) {
                let asked = match now.recv_timeout(device.interval) {
                    Ok(answer) => Some(answer),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                };
                let (problem, changed) = match device.pad.poll() {
                    Ok(tags) => {
                        let keys: Vec<TagKey> = tags.iter().map(TagKey::of).collect();
                        let changed = (last.as_ref() != Some(&keys)).then_some(tags);
                        last = Some(keys);
                        (None, changed)
                    }
                    Err(e) => (Some(e.to_string()), None),
                };
                if said.as_ref() != Some(&problem) {
                    if !send(&messages, device_state("rfid", problem.clone())) {
                        return;
                    }
                    said = Some(problem);
                }
                if let Some(tags) = changed
                    && !send(&messages, Event::Tags(tags))
                {
                    return;
                }
                if let Some(answer) = asked {
                    let _ = answer.send(());
                }
            }
        })
}

/// What makes a pad report different: which tags, their alarm bit, whether they read.
#[derive(Debug, PartialEq, Eq)]
struct TagKey {
    uid: swalayan_hardware::rfid::Uid,
    afi: Option<u8>,
    readable: bool,
}

impl TagKey {
    fn of(tag: &TagReport) -> TagKey {
        TagKey {
            uid: tag.uid,
            afi: tag.afi,
            readable: tag.data.is_ok(),
        }
    }
}

fn input_lines<I: Send + 'static>(
    mut inputs: InputLines,
    messages: Sender<Message<I>>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("gpio-inputs".into())
        .spawn(move || {
            let mut debouncer = Debouncer::new(inputs.debounce);
            // The last raw edge, and when it arrived: "now" on the edges' own clock, to
            // confirm an edge whose level has held for the debounce time.
            let mut last: Option<(Duration, Instant)> = None;
            let wait = inputs.debounce.clamp(Duration::from_millis(1), STOP_CHECK);
            let mut said_ok = false;
            while !stop.load(Ordering::Relaxed) {
                let confirmed = match inputs.source.next_edge(wait) {
                    Ok(Some(edge)) => {
                        last = Some((edge.at, Instant::now()));
                        // Other lines' changes that held before this edge go first, so the
                        // role sees edges of all lines in time order.
                        let mut confirmed = debouncer.poll(edge.at);
                        confirmed.extend(debouncer.feed(edge));
                        confirmed.sort_by_key(|e| e.at);
                        confirmed
                    }
                    Ok(None) => match last {
                        Some((at, arrived)) => debouncer.poll(at + arrived.elapsed()),
                        None => Vec::new(),
                    },
                    Err(e) => {
                        let _ = send(&messages, device_state("gpio", Some(e.to_string())));
                        return;
                    }
                };
                if !said_ok {
                    said_ok = send(&messages, device_state("gpio", None));
                }
                for edge in confirmed {
                    if !send(&messages, Event::Edge(edge)) {
                        return;
                    }
                }
            }
        })
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let end = Instant::now() + total;
    while Instant::now() < end && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(STOP_CHECK.min(end.saturating_duration_since(Instant::now())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swalayan_hardware::barcode::keys::{KeyDecoder, PRESS, RELEASE, code};

    /// Key presses as a keyboard-style scanner sends them: digits, then Enter.
    fn typed(decoder: &mut KeyDecoder, digits: &str) -> Vec<KeyEvent> {
        let mut out = Vec::new();
        for digit in digits.chars() {
            // Linux key codes: KEY_1..KEY_9 are 2..10, KEY_0 is 11.
            let key = match digit.to_digit(10).unwrap() {
                0 => 11,
                d => 1 + d as u16,
            };
            out.extend(decoder.feed(key, PRESS));
            out.extend(decoder.feed(key, RELEASE));
        }
        out.extend(decoder.feed(code::ENTER, PRESS));
        out.extend(decoder.feed(code::ENTER, RELEASE));
        out
    }

    #[test]
    fn a_keyboard_scanner_code_passes_its_checks_or_is_dropped() {
        let mut decoder = KeyDecoder::new(64);
        let checks = [Check::Luhn];
        let good: Vec<_> = typed(&mut decoder, "79927398713")
            .into_iter()
            .filter_map(|e| hid_code(e, &checks))
            .collect();
        assert_eq!(good, ["79927398713"]);
        let bad: Vec<_> = typed(&mut decoder, "79927398710")
            .into_iter()
            .filter_map(|e| hid_code(e, &checks))
            .collect();
        assert!(bad.is_empty(), "a failed check never reaches the role");
    }
}
