//! Barcode scanners: the line assembler for serial scanners, symbology checks, and the
//! scanner thread that turns a serial port into events.

pub mod line;
pub mod reader;
pub mod symbology;
