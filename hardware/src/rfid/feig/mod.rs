//! FEIG readers' ISO-host protocol (advanced frame).

pub mod frame;
