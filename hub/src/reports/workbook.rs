//! Reports as Excel workbooks (issue #32: the office works in Excel): one sheet per table,
//! Indonesian headers, dates as dates and numbers as numbers (never text that looks like
//! one), written by `rust_xlsxwriter`. A report's first sheet holds the same rows and columns,
//! in the same order, as its CSV.

use crate::storage::{HubError, Result};
use jiff::civil::{Date, DateTime};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// One cell's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Day(Date),
    /// A local date and time (an event's start).
    Moment(DateTime),
    /// Nothing known (an average without responses).
    Blank,
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Number(n as f64)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Number(n as f64)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Cell {
        Cell::Number(n)
    }
}

impl From<Date> for Cell {
    fn from(day: Date) -> Cell {
        Cell::Day(day)
    }
}

impl From<DateTime> for Cell {
    fn from(moment: DateTime) -> Cell {
        Cell::Moment(moment)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Cell {
        value.map_or(Cell::Blank, Into::into)
    }
}

/// One sheet: its name (at most 31 characters, as Excel allows), its headers, its rows.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(sheet: &str, header: &[&'static str]) -> Table {
        Table {
            sheet: sheet.chars().take(31).collect(),
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }
}

/// The workbook's bytes (an `.xlsx` file).
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>> {
    let failed = |e: rust_xlsxwriter::XlsxError| HubError::Invalid(format!("the workbook: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let moment = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(&table.sheet).map_err(failed)?;
        for (col, name) in table.header.iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            sheet
                .write_string_with_format(0, col, *name, &bold)
                .map_err(failed)?;
            sheet
                .set_column_width(col, (name.chars().count() + 2).max(12) as f64)
                .map_err(failed)?;
        }
        for (r, cells) in table.rows.iter().enumerate() {
            let row = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in cells.iter().enumerate() {
                let col = u16::try_from(c).unwrap_or(u16::MAX);
                match cell {
                    Cell::Text(text) => sheet.write_string(row, col, text).map(|_| ()),
                    Cell::Number(n) => sheet.write_number(row, col, *n).map(|_| ()),
                    Cell::Day(date) => sheet
                        .write_datetime_with_format(
                            row,
                            col,
                            &excel_day(*date).map_err(failed)?,
                            &day,
                        )
                        .map(|_| ()),
                    Cell::Moment(at) => {
                        let excel = excel_day(at.date())
                            .and_then(|d| {
                                d.and_hms(
                                    u16::try_from(at.hour()).unwrap_or(0),
                                    u8::try_from(at.minute()).unwrap_or(0),
                                    u8::try_from(at.second()).unwrap_or(0),
                                )
                            })
                            .map_err(failed)?;
                        sheet
                            .write_datetime_with_format(row, col, &excel, &moment)
                            .map(|_| ())
                    }
                    Cell::Blank => Ok(()),
                }
                .map_err(failed)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
    }
    book.save_to_buffer().map_err(failed)
}

/// A calendar day as Excel keeps dates.
fn excel_day(date: Date) -> std::result::Result<ExcelDateTime, rust_xlsxwriter::XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(date.year()).unwrap_or(1900),
        u8::try_from(date.month()).unwrap_or(1),
        u8::try_from(date.day()).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_is_a_zip_with_its_sheets() {
        let mut table = Table::new(
            "Sirkulasi per hari dan stasiun (terlalu panjang)",
            &["Tanggal", "Pinjam"],
        );
        table.row(vec![jiff::civil::date(2026, 12, 7).into(), 3u64.into()]);
        table.row(vec![Cell::Blank, 2.5f64.into()]);
        let bytes = xlsx(&[table.clone()]).unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"), "an xlsx is a zip");
        assert_eq!(table.sheet.chars().count(), 31);
        let bad = Table::new("a/b", &["x"]);
        assert!(
            xlsx(&[bad]).is_err(),
            "a sheet name Excel refuses is an error"
        );
    }
}
