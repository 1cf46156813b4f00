//! Station roles: the kiosk's session logic, and the devices it drives.
//!
//! - [`kiosk`]: the patron's journey as a state machine over the circulation desk; it
//!   produces a plain [`kiosk::KioskView`] that the touchscreen shows. No UI code here.
//! - [`cues`]: the buzzer's beeps on their own thread, so the engine never waits for one.
//! - [`pad`]: the RFID pad: which tags lie on it, read once each.
//! - [`receipts`]: where receipts go (a printer device, or memory in tests and the demo).
//! - [`shutdown`]: a clean stop on SIGTERM or Ctrl-C.
//! - [`watchdog`]: systemd's notify protocol (ready, watchdog pings, stopping).

pub mod cues;
pub mod kiosk;
pub mod pad;
pub mod receipts;
pub mod shutdown;
pub mod watchdog;
