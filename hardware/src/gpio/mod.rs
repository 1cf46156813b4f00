//! GPIO: timestamped input edges with debounce, and output lines, behind small traits.
//!
//! Backends: [`cdev`] (the kernel's GPIO character device through `gpiocdev`: every Pi and
//! any Linux board, kernel-side debounce and edge timestamps — the default), `rppal` (cargo
//! feature `rppal`; retired upstream in 2025-07, so never the only way) and [`sim`] (scripted
//! edges, recorded outputs) for tests and the demo.

pub mod cdev;
pub mod debounce;
#[cfg(feature = "rppal")]
pub mod rppal;
pub mod sim;

use std::time::Duration;

/// A line's electrical level as the application sees it (active = High).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Low,
    High,
}

/// A change of level on an input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The line's offset on its chip (the BCM number on a Pi).
    pub line: u32,
    /// The level after the change.
    pub level: Level,
    /// When it happened, on the kernel's monotonic clock (or the simulator's).
    pub at: Duration,
}

/// Errors of GPIO backends; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum GpioError {
    /// No such chip: wrong path, or a machine without GPIO (a laptop, a VM).
    #[error(
        "no GPIO chip at {path}: {detail} — check [gpio] chip, or use the simulator on a machine without GPIO"
    )]
    NoChip { path: String, detail: String },
    /// The service user may not open the chip.
    #[error("permission denied on {path} — add the service user to the gpio group")]
    PermissionDenied { path: String },
    /// Another program holds the line.
    #[error("line {line} on {path} is busy — another program has requested it")]
    Busy { path: String, line: u32 },
    #[error("GPIO: {0}")]
    Other(String),
}

/// Where input edges come from.
pub trait EdgeSource: Send {
    /// The next edge, or `None` when `timeout` passes without one.
    fn next_edge(&mut self, timeout: Duration) -> Result<Option<Edge>, GpioError>;
}

/// A line the station drives: door lock relay, bin diverter, LED, buzzer.
pub trait OutputLine: Send {
    fn set(&mut self, level: Level) -> Result<(), GpioError>;
}
