//! FEIG readers' ISO-host protocol (advanced frame).

pub mod driver;
pub mod frame;

pub use driver::FeigReader;
