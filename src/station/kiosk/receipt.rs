//! The receipt's wording, in the patron's language: a line per item and the slip around them.

use crate::domain::Money;
use crate::reason::Lang;
use swalayan_core::format;
use swalayan_hardware::printer::receipt::{Receipt, ReceiptItem};

/// How receipts print the time: the library's local time.
pub(super) const RECEIPT_TIME: &str = "%d-%m-%Y %H:%M";

/// A lent or renewed item: its due date.
pub(super) fn loan_line(lang: Lang, title: &str, barcode: &str, due: Option<&str>) -> ReceiptItem {
    let due = due.unwrap_or_default();
    ReceiptItem {
        title: title.to_string(),
        barcode: barcode.to_string(),
        note: match lang {
            Lang::Id => format!("Kembali {due}"),
            Lang::En => format!("Due {due}"),
        },
    }
}

/// A returned item: returned, or the fine it made.
pub(super) fn return_line(lang: Lang, title: &str, barcode: &str, fine: Money) -> ReceiptItem {
    ReceiptItem {
        title: title.to_string(),
        barcode: barcode.to_string(),
        note: match (lang, fine.is_zero()) {
            (Lang::Id, true) => "Dikembalikan".to_string(),
            (Lang::En, true) => "Returned".to_string(),
            (Lang::Id, false) => format!("Denda {}", format::money(fine, lang)),
            (Lang::En, false) => format!("Fine {}", format::money(fine, lang)),
        },
    }
}

/// The slip for a session: a loan receipt when anything was lent, else a return receipt.
pub(super) fn session_receipt(
    lang: Lang,
    library: &str,
    when: &jiff::ZonedDateTime,
    patron: Option<String>,
    lines: Vec<ReceiptItem>,
    borrowing: bool,
) -> Receipt {
    let count = lines.len();
    Receipt {
        library: library.to_string(),
        heading: match (lang, borrowing) {
            (Lang::Id, true) => "Bukti peminjaman".into(),
            (Lang::En, true) => "Loan receipt".into(),
            (Lang::Id, false) => "Bukti pengembalian".into(),
            (Lang::En, false) => "Return receipt".into(),
        },
        when: when.strftime(RECEIPT_TIME).to_string(),
        patron,
        items: lines,
        footer: vec![
            match lang {
                Lang::Id => format!("{count} buku"),
                Lang::En => format!("{count} items"),
            },
            lang.pick("Terima kasih!", "Thank you!").to_string(),
        ],
        qr: None,
    }
}

/// The staff screen's test print.
pub(super) fn test_receipt(library: &str, when: &jiff::ZonedDateTime) -> Receipt {
    Receipt {
        library: library.to_string(),
        heading: "Test".into(),
        when: when.strftime(RECEIPT_TIME).to_string(),
        patron: None,
        items: vec![],
        footer: vec!["Swalayan".into()],
        qr: None,
    }
}
