//! Stations: the runtime every role runs on, and the roles.
//!
//! - [`runtime`]: device threads, the sync worker and cues around one engine thread that
//!   hands events to a role and publishes its view. Roles are small layers on it.
//! - [`kiosk`]: the patron's journey as a state machine over the circulation desk; it
//!   produces a plain [`kiosk::KioskView`] that the touchscreen shows. No UI code here.
//! - [`dropbox`]: the drop box at a return chute: read, check in, re-arm, sort into bins.
//! - [`gate`]: the entrance counter (two beams per passage; traces and replay).
//! - [`cues`]: the buzzer's beeps on their own thread, so the engine never waits for one.
//! - [`pad`]: the RFID pad: which tags lie on it, read once each.
//! - [`sets`]: multi-part sets among the tags read (kiosk pad, drop box chute).
//! - [`receipts`]: where receipts go (a printer device, or memory in tests and the demo).
//! - [`shutdown`]: a clean stop on SIGTERM or Ctrl-C.
//! - [`speech`]: spoken guidance through espeak-ng on its own thread (newest wins, or WAV files).
//! - [`watchdog`]: systemd's notify protocol (ready, watchdog pings, stopping).

pub mod cues;
pub mod dropbox;
pub mod gate;
pub mod kiosk;
pub mod pad;
pub mod receipts;
pub mod runtime;
pub mod sets;
pub mod shutdown;
pub mod speech;
pub mod watchdog;
