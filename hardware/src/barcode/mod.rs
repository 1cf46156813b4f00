//! Barcode scanners: serial ones (line assembler + scanner thread) and keyboard-style ones
//! (evdev key decoding), with symbology checks.

#[cfg(target_os = "linux")]
pub mod hid;
pub mod keys;
pub mod line;
pub mod reader;
pub mod symbology;
