//! `[gpio]`: which GPIO implementation drives the station's lines, and the buzzer's line;
//! which lines mean what belongs to each station role's own section.

use super::{ConfigError, Invalid};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGpio {
    backend: Option<String>,
    chip: Option<PathBuf>,
    debounce_ms: Option<u64>,
    buzzer: Option<u32>,
}

/// Which GPIO implementation drives the station's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpioBackend {
    /// The kernel character device (gpiocdev): the default.
    Cdev,
    /// rppal (needs the `rppal` cargo feature).
    Rppal,
    /// Simulated lines (demo, development machines).
    Sim,
}

/// GPIO settings (`[gpio]`); which lines mean what belongs to each station role.
#[derive(Debug, Clone)]
pub struct GpioSettings {
    pub backend: GpioBackend,
    pub chip: PathBuf,
    pub debounce: Duration,
    /// The line of the kiosk's buzzer (success and refusal cues), if it has one.
    pub buzzer: Option<u32>,
}

pub(super) fn parse(raw: RawGpio, invalid: Invalid<'_>) -> Result<GpioSettings, ConfigError> {
    let backend = match raw.backend.as_deref().unwrap_or("cdev") {
        "cdev" | "gpiocdev" => GpioBackend::Cdev,
        "rppal" => GpioBackend::Rppal,
        "sim" => GpioBackend::Sim,
        other => {
            return Err(invalid(
                "gpio",
                "backend",
                format!("'{other}': use \"cdev\", \"rppal\" or \"sim\""),
            ));
        }
    };
    Ok(GpioSettings {
        backend,
        chip: raw.chip.unwrap_or_else(|| PathBuf::from("/dev/gpiochip0")),
        debounce: Duration::from_millis(raw.debounce_ms.unwrap_or(25)),
        buzzer: raw.buzzer,
    })
}
