//! `[scanner]` (a serial barcode scanner) and `[hid_scanner]` (a keyboard-style one read
//! through evdev), with the symbology checks their codes must pass.

use super::{ConfigError, Invalid};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;
use swalayan_hardware::barcode::line::{LineConfig, Terminator};
use swalayan_hardware::barcode::symbology::Check;
use swalayan_hardware::serial::{ParitySetting, SerialSettings};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScanner {
    port: PathBuf,
    baud: Option<u32>,
    parity: Option<String>,
    stop_bits: Option<u8>,
    terminator: Option<String>,
    idle_gap_ms: Option<u64>,
    max_len: Option<usize>,
    prefix: Option<String>,
    suffix: Option<String>,
    duplicate_window_ms: Option<u64>,
    #[serde(default)]
    checks: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHidScanner {
    device: PathBuf,
    max_len: Option<usize>,
    #[serde(default)]
    checks: Vec<String>,
}

/// A serial barcode scanner (`[scanner]`).
#[derive(Debug, Clone)]
pub struct ScannerSettings {
    pub port: PathBuf,
    pub serial: SerialSettings,
    pub line: LineConfig,
    pub checks: Vec<Check>,
}

/// A keyboard-style (USB HID) scanner read through evdev (`[hid_scanner]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HidScannerSettings {
    /// `/dev/input/by-id/…-event-kbd`: the name stays when the scanner is replugged.
    pub device: PathBuf,
    /// Longer input before Enter is discarded.
    pub max_len: usize,
    pub checks: Vec<Check>,
}

pub(super) fn parse(raw: RawScanner, invalid: Invalid<'_>) -> Result<ScannerSettings, ConfigError> {
    let mut serial = SerialSettings::SCANNER_DEFAULT;
    serial.baud = raw.baud.unwrap_or(serial.baud);
    if let Some(parity) = raw.parity {
        serial.parity = match parity.as_str() {
            "none" => ParitySetting::None,
            "even" => ParitySetting::Even,
            "odd" => ParitySetting::Odd,
            other => {
                return Err(invalid(
                    "scanner",
                    "parity",
                    format!("'{other}': use \"none\", \"even\" or \"odd\""),
                ));
            }
        };
    }
    if let Some(stop_bits) = raw.stop_bits {
        if !matches!(stop_bits, 1 | 2) {
            return Err(invalid("scanner", "stop_bits", "use 1 or 2".into()));
        }
        serial.stop_bits = stop_bits;
    }
    let mut line = LineConfig::default();
    if let Some(terminator) = raw.terminator {
        line.terminator = match terminator.as_str() {
            "any" => Terminator::AnyNewline,
            "cr" => Terminator::Cr,
            "lf" => Terminator::Lf,
            "crlf" => Terminator::CrLf,
            "idle" => Terminator::IdleGap(Duration::from_millis(raw.idle_gap_ms.unwrap_or(50))),
            other => {
                return Err(invalid(
                    "scanner",
                    "terminator",
                    format!(
                        "'{other}': use \"any\", \"cr\", \"lf\", \"crlf\" or \"idle\" (with idle_gap_ms)"
                    ),
                ));
            }
        };
    }
    if let Some(max_len) = raw.max_len {
        if !(1..=4096).contains(&max_len) {
            return Err(invalid(
                "scanner",
                "max_len",
                "must be between 1 and 4096".into(),
            ));
        }
        line.max_len = max_len;
    }
    line.prefix = raw.prefix.unwrap_or_default();
    line.suffix = raw.suffix.unwrap_or_default();
    if let Some(ms) = raw.duplicate_window_ms {
        line.duplicate_window = Duration::from_millis(ms);
    }
    let checks = parse_checks("scanner", &raw.checks, invalid)?;
    Ok(ScannerSettings {
        port: raw.port,
        serial,
        line,
        checks,
    })
}

pub(super) fn parse_hid(
    raw: RawHidScanner,
    invalid: Invalid<'_>,
) -> Result<HidScannerSettings, ConfigError> {
    let max_len = raw.max_len.unwrap_or(64);
    if !(4..=512).contains(&max_len) {
        return Err(invalid(
            "hid_scanner",
            "max_len",
            format!("{max_len}: use 4 to 512 characters"),
        ));
    }
    Ok(HidScannerSettings {
        device: raw.device,
        max_len,
        checks: parse_checks("hid_scanner", &raw.checks, invalid)?,
    })
}

/// The symbology checks a scanner's codes must pass.
fn parse_checks(
    section: &str,
    names: &[String],
    invalid: Invalid<'_>,
) -> Result<Vec<Check>, ConfigError> {
    names
        .iter()
        .map(|name| {
            Ok(match name.as_str() {
                "codabar" => Check::Codabar,
                "luhn" | "mod10" => Check::Luhn,
                "ean13" => Check::Ean13,
                "isbn13" => Check::Isbn13,
                "isbn10" => Check::Isbn10,
                other => {
                    return Err(invalid(
                        section,
                        "checks",
                        format!("'{other}': use codabar, luhn, ean13, isbn13 or isbn10"),
                    ));
                }
            })
        })
        .collect()
}
