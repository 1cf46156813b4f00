//! A circulation receipt: library, what happened, one entry per item, footer, optional QR.

use super::translit::to_ascii;
use super::{PaperWidth, PrinterError, WriteDriver};
use escpos::printer::Printer;
use escpos::printer_options::PrinterOptions;
use escpos::utils::{JustifyMode, Protocol};
use std::io::Write;

/// ESC t 2 selects PC850 (multilingual Latin 1) on Epson-compatible printers.
const CODE_PAGE_PC850: u8 = 2;

/// One item on a receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptItem {
    pub title: String,
    pub barcode: String,
    /// What to remember: "Kembali 2026-12-12", "Dikembalikan", a refusal.
    pub note: String,
}

/// Everything a receipt says, already in the patron's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub library: String,
    /// "Bukti peminjaman" / "Loan receipt".
    pub heading: String,
    /// Date and time, formatted by the caller.
    pub when: String,
    /// Patron line (name or a masked card number); privacy is the caller's choice.
    pub patron: Option<String>,
    pub items: Vec<ReceiptItem>,
    /// Closing lines: totals, opening hours, "Terima kasih".
    pub footer: Vec<String>,
    /// Encoded as a QR code (e.g. the library's catalogue address).
    pub qr: Option<String>,
}

/// Wraps text at word boundaries to `width` columns (long words are cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let rest = word.split_off(width);
            lines.push(word);
            word = rest;
        }
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `left` and `right` on one line of `width`, right aligned; on two lines if they do not fit.
fn columns(left: &str, right: &str, width: usize) -> Vec<String> {
    if left.len() + 1 + right.len() <= width {
        vec![format!(
            "{left}{}{right}",
            " ".repeat(width - left.len() - right.len())
        )]
    } else {
        let mut lines = wrap(left, width);
        lines.extend(
            wrap(right, width)
                .into_iter()
                .map(|l| format!("{l:>width$}")),
        );
        lines
    }
}

/// Writes `receipt` as ESC/POS to `out`.
pub fn print<W: Write + Send>(
    receipt: &Receipt,
    paper: PaperWidth,
    out: W,
) -> Result<(), PrinterError> {
    let width = paper.columns();
    let driver = WriteDriver::new(out);
    // Text is transliterated to ASCII first, and the code page is selected with a raw ESC t:
    // escpos 0.20.1's PC850 table maps '-' to 0xF0 (the soft hyphen), so its page-code text
    // path is not used.
    let options = PrinterOptions::new(None, None, width as u8);
    let mut p = Printer::new(driver, Protocol::default(), Some(options));
    let text = |s: &str| to_ascii(s);
    p.init()?.custom(&[0x1B, b't', CODE_PAGE_PC850])?;
    p.justify(JustifyMode::CENTER)?.bold(true)?.size(1, 2)?;
    for line in wrap(&text(&receipt.library), width) {
        p.writeln(&line)?;
    }
    p.reset_size()?.bold(false)?;
    p.writeln(&text(&receipt.heading))?;
    p.writeln(&text(&receipt.when))?;
    if let Some(patron) = &receipt.patron {
        p.writeln(&text(patron))?;
    }
    p.justify(JustifyMode::LEFT)?;
    p.writeln(&"-".repeat(width))?;
    for item in &receipt.items {
        p.bold(true)?;
        for line in wrap(&text(&item.title), width) {
            p.writeln(&line)?;
        }
        p.bold(false)?;
        for line in columns(&text(&item.barcode), &text(&item.note), width) {
            p.writeln(&line)?;
        }
    }
    p.writeln(&"-".repeat(width))?;
    p.justify(JustifyMode::CENTER)?;
    for line in &receipt.footer {
        for wrapped in wrap(&text(line), width) {
            p.writeln(&wrapped)?;
        }
    }
    if let Some(qr) = &receipt.qr {
        p.qrcode(&text(qr))?;
    }
    p.feeds(3)?.print_cut()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_words_and_cuts_only_giants() {
        assert_eq!(
            wrap("Tenggelamnya Kapal Van der Wijck", 16),
            ["Tenggelamnya", "Kapal Van der", "Wijck"]
        );
        assert_eq!(wrap("ABCDEFGHIJ", 4), ["ABCD", "EFGH", "IJ"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn columns_right_align_or_fall_back_to_two_lines() {
        assert_eq!(
            columns("31000000001", "Kembali 2026-12-12", 32),
            ["31000000001   Kembali 2026-12-12"]
        );
        let lines = columns("31000000001", "Buku ini dipesan untuk pembaca lain", 32);
        assert_eq!(lines[0], "31000000001");
        assert!(lines.iter().all(|l| l.len() <= 32));
    }
}
