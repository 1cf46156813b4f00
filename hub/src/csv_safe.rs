//! CSV that staff can open in a spreadsheet without running what a patron typed.
//!
//! A cell beginning with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
//! programs skip before reading a formula) is a formula to Excel, LibreOffice and Google
//! Sheets: a guest who registers as `=HYPERLINK("http://…","click")` would reach staff as a
//! live link. Every such cell is written with a leading `'`, which spreadsheets show as text
//! and do not display; every CSV the hub writes goes through here.

use std::borrow::Cow;

/// A cell as written: text that a spreadsheet could read as a formula gets a leading `'`.
pub fn cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// A header and rows as CSV text (RFC 4180 quoting), every cell through [`cell`].
pub fn table<R, C>(header: &[&str], rows: impl IntoIterator<Item = R>) -> String
where
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(header.iter().map(|h| cell(h).into_owned()));
    for row in rows {
        let cells: Vec<String> = row
            .into_iter()
            .map(|c| cell(c.as_ref()).into_owned())
            .collect();
        let _ = writer.write_record(&cells);
    }
    String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_plain_cells_stay() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(cell(formula), format!("'{formula}"));
        }
        for plain in ["Siti", "21000000001", "", "a=b", "2026-12-01"] {
            assert_eq!(cell(plain), plain);
        }
        let text = table(&["name"], [["=1+1"], ["Budi"]]);
        assert_eq!(text, "name\n'=1+1\nBudi\n");
    }
}
