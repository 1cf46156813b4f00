//! `[printer]`: the ESC/POS receipt printer and its paper.

use super::{ConfigError, Invalid};
use serde::Deserialize;
use std::path::PathBuf;
use swalayan_hardware::printer::PaperWidth;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrinter {
    path: PathBuf,
    width_mm: Option<u32>,
    /// Only for serial printers.
    baud: Option<u32>,
}

/// An ESC/POS receipt printer (`[printer]`).
#[derive(Debug, Clone)]
pub struct PrinterSettings {
    /// A serial port or a `/dev/usb/lp*` file.
    pub path: PathBuf,
    pub width: PaperWidth,
    /// Set for serial printers.
    pub baud: Option<u32>,
}

pub(super) fn parse(raw: RawPrinter, invalid: Invalid<'_>) -> Result<PrinterSettings, ConfigError> {
    let mm = raw.width_mm.unwrap_or(80);
    let width = PaperWidth::from_mm(mm)
        .ok_or_else(|| invalid("printer", "width_mm", format!("{mm}: use 58 or 80")))?;
    Ok(PrinterSettings {
        path: raw.path,
        width,
        baud: raw.baud,
    })
}
