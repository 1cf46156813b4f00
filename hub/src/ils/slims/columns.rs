//! SLiMS's DATE and DATETIME columns, which hold the library's wall clock, in and out of
//! the text protocol (`2026-12-06`, `2026-12-06 10:05:00`).

use crate::ils::IlsError;
use jiff::civil::{Date, DateTime};

/// A wall-clock time as SLiMS's DATETIME columns hold it.
pub fn sql_datetime(at: DateTime) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// A DATE column as the text protocol carries it.
pub fn sql_date(text: &str, what: &str) -> Result<Date, IlsError> {
    text.trim()
        .parse()
        .map_err(|e| IlsError::Database(format!("{what}: date '{text}': {e}")))
}

/// A DATETIME column as the text protocol carries it (`2026-12-06 10:05:00`).
pub fn sql_datetime_parse(text: &str, what: &str) -> Result<DateTime, IlsError> {
    text.trim()
        .replacen(' ', "T", 1)
        .parse()
        .map_err(|e| IlsError::Database(format!("{what}: time '{text}': {e}")))
}
