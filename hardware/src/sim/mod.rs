//! Simulators that speak the devices' real protocols, for tests, the demo and developers.

pub mod feig;
pub mod pty;
pub mod scanner;
