//! Swalayan's device layer: barcode scanners, HF RFID readers, GPIO and receipt printers,
//! each behind a small trait with a simulator that speaks the real wire protocol.
//!
//! The crate is part of the workspace from the start so the station can depend on it; the
//! drivers and simulators arrive with the hardware issue.
