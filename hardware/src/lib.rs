//! Swalayan's device layer: barcode scanners, HF RFID readers, GPIO and receipt printers,
//! each behind a small trait with a simulator that speaks the real wire protocol.
//!
//! # Layout
//!
//! - [`crc`]: the CRC-16 variants of tag data and the FEIG protocol.
//! - [`rfid`]: ISO 28560-2/-3 tag data, FEIG ISO-host frames.
//! - [`barcode`]: the serial scanner line assembler and symbology checks.
//! - [`serial`]: opening serial ports with clear errors; the [`serial::Transport`] drivers use.
//! - [`gpio`]: input edges with debounce and output lines; gpiocdev, rppal and simulated backends.
//! - [`printer`]: ESC/POS receipts for 58 and 80 mm paper, and a decoder for tests.
//! - [`sim`]: simulators that speak the devices' real protocols over pseudo-terminals.

pub mod barcode;
pub mod crc;
pub mod gpio;
pub mod printer;
pub mod rfid;
pub mod serial;
pub mod sim;
