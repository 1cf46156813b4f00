//! Barcode scanners: the line assembler for serial scanners, and symbology checks.

pub mod line;
pub mod symbology;
