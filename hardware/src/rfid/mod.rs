//! HF RFID: library tag data (ISO 28560) and the FEIG ISO-host protocol.

pub mod feig;
pub mod iso28560;
