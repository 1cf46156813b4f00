//! Tables as CSV downloads (every cell through [`crate::csv_safe`]) and reports as Excel
//! workbooks ([`crate::reports::workbook`]).

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

/// A report's tables as an Excel workbook download, never cached.
pub fn xlsx_download(
    file: &str,
    tables: &[crate::reports::workbook::Table],
) -> Result<Response, crate::storage::HubError> {
    let bytes = crate::reports::workbook::xlsx(tables)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
