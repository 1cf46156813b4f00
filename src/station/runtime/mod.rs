//! The station runtime: what every station role (kiosk, drop box, gate) runs on.
//!
//! Device threads (serial and keyboard-style scanners, the RFID pad, GPIO inputs) and the
//! sync worker put their events on **one channel**; the engine thread hands each to the
//! role, plays the role's cues on the buzzer thread (never waiting for a beep), tells the
//! sync worker when a transaction waits or a device changed, and publishes the role's view
//! whenever it changed. A role is a small layer on top: it decides, it never opens a device
//! or a thread itself.
//!
//! - [`Event`]: what reaches a role; [`Role`]: what a role is.
//! - [`engine`]: the engine thread and the [`Runtime`] handle (start, send, flush, stop).
//! - [`devices`]: the device threads and what opens them.
//! - [`clock`]: the engine's monotonic clock (the system's, or one a test moves).
//! - [`gpio`]: input and output lines opened from `[gpio]`, with its debounce.
//!
//! The kiosk runs its Slint UI on the main thread and publishes views into it; a headless
//! role (drop box, gate) passes the systemd watchdog to the engine, which pings it each turn.
//! Wall-clock time ("today", due dates, receipts, the header clock) is the desk's station
//! time (`Desk::now`), which applies the untrusted-clock rules in one place.

pub mod clock;
pub mod devices;
pub mod engine;
pub mod gpio;

pub use clock::{ManualClock, Monotonic, SystemMonotonic};
pub use engine::{Inbox, Runtime, RuntimeSetup, SyncSetup};

use crate::contract::protocol::DeviceState;
use crate::station::cues::Cue;
use crate::store::StoreError;
use crate::sync::push::CentralProblem;
use std::time::Duration;
use swalayan_hardware::gpio::Edge;
use swalayan_hardware::rfid::TagReport;

/// What reaches a role, in the order it happened.
#[derive(Debug, Clone)]
pub enum Event<I> {
    /// From the role's own surface: the kiosk's touchscreen.
    Input(I),
    /// A code from a barcode scanner (serial or keyboard-style), checks passed.
    Code(String),
    /// What lies on the RFID pad now; sent when it changes.
    Tags(Vec<TagReport>),
    /// A debounced change on a GPIO input line (chute sensor, gate beam).
    Edge(Edge),
    /// A device's state changed.
    Device(DeviceState),
    /// How the sync worker's last round went.
    Central(CentralState),
    /// Time passes: the engine ticks about once a second.
    Tick,
}

/// The sync worker's last round, for the status light and the staff screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentralState {
    /// Not reached since the station started: the sync worker's first round is to come.
    NotYet,
    Reached,
    /// `problem` keeps apart "wait" (unreachable) and "fix something" (a refused token).
    Failed(CentralProblem),
}

/// A station role: decides on events; the runtime does the rest.
pub trait Role: Send + 'static {
    /// What the role's own surface sends (the kiosk's touchscreen commands).
    type Input: Send + 'static;
    /// What the role shows; published whenever it changes.
    type View: Clone + PartialEq + Send + 'static;

    /// Handles one event at `now` (the runtime's monotonic clock). A store error is logged
    /// for staff; the role keeps running.
    fn handle(&mut self, event: Event<Self::Input>, now: Duration) -> Result<(), StoreError>;
    /// Called before `handle` with the same event: a role whose answer may take seconds (a
    /// library system asked over SIP2) shows that it is working, and says so (true) so the
    /// runtime publishes that view before it waits.
    fn before(&mut self, _event: &Event<Self::Input>) -> bool {
        false
    }
    fn view(&self) -> &Self::View;
    /// Cues fired since the last call.
    fn take_cues(&mut self) -> Vec<Cue>;
    /// Transactions waiting for the central: when it rises, the sync worker pushes at once.
    fn pending(&self) -> i64;
    /// The role asked to stop (staff left kiosk mode).
    fn finished(&self) -> bool;
    /// Alarms open now, for staff at the hub (the health report's `alarms`).
    fn alarms(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A device's state as one line for staff: "ok" or what is wrong.
pub fn device_line(state: &DeviceState) -> String {
    match (&state.detail, state.ok) {
        (_, true) => "ok".to_string(),
        (Some(detail), false) => detail.clone(),
        (None, false) => "not working".to_string(),
    }
}
