//! `[kiosk]`: the touchscreen's behaviour (the feedback question, the idle timers).

use super::{ConfigError, Invalid};
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKiosk {
    feedback: Option<bool>,
    idle_warning_seconds: Option<u64>,
    idle_countdown_seconds: Option<u64>,
}

/// The touchscreen's behaviour (`[kiosk]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskConfig {
    /// Ask "how was your visit?" at the end of a session.
    pub feedback: bool,
    /// Quiet time before "are you still there?".
    pub idle_warning: Duration,
    /// The countdown before an idle session ends.
    pub idle_countdown: Duration,
}

impl Default for KioskConfig {
    fn default() -> KioskConfig {
        KioskConfig {
            feedback: true,
            idle_warning: Duration::from_secs(60),
            idle_countdown: Duration::from_secs(20),
        }
    }
}

pub(super) fn parse(raw: RawKiosk, invalid: Invalid<'_>) -> Result<KioskConfig, ConfigError> {
    let defaults = KioskConfig::default();
    let seconds = |key: &str, value: Option<u64>, default: Duration| match value {
        None => Ok(default),
        Some(s) if (5..=3600).contains(&s) => Ok(Duration::from_secs(s)),
        Some(s) => Err(invalid("kiosk", key, format!("{s}: use 5 to 3600 seconds"))),
    };
    Ok(KioskConfig {
        feedback: raw.feedback.unwrap_or(defaults.feedback),
        idle_warning: seconds(
            "idle_warning_seconds",
            raw.idle_warning_seconds,
            defaults.idle_warning,
        )?,
        idle_countdown: seconds(
            "idle_countdown_seconds",
            raw.idle_countdown_seconds,
            defaults.idle_countdown,
        )?,
    })
}
