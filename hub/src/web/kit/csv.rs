//! Tables as CSV downloads (every cell through [`crate::csv_safe`]).

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A table as a CSV download (RFC 4180 quoting; no cell a spreadsheet runs).
pub fn csv_response(file: &str, header_row: &[&str], rows: Vec<Vec<String>>) -> Response {
    csv_download(file, crate::csv_safe::table(header_row, rows))
}

/// CSV text as a download, never cached.
pub fn csv_download(file: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}
