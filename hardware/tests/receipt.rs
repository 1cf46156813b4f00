//! Receipts printed to a buffer and read back from the ESC/POS bytes.

use swalayan_hardware::printer::PaperWidth;
use swalayan_hardware::printer::decode::decode;
use swalayan_hardware::printer::receipt::{Receipt, ReceiptItem, print};

fn receipt() -> Receipt {
    Receipt {
        library: "Perpustakaan Kota Tebing Tinggi".into(),
        heading: "Bukti peminjaman".into(),
        when: "28-11-2026 15:30 WIB".into(),
        patron: Some("Siti Rahmawati".into()),
        items: vec![
            ReceiptItem {
                title: "Tenggelamnya Kapal Van der Wijck".into(),
                barcode: "31000001601".into(),
                note: "Kembali 2026-12-12".into(),
            },
            ReceiptItem {
                title: "Café “Nusantara” — edisi ke-2".into(),
                barcode: "31000009901".into(),
                note: "Kembali 2026-12-05".into(),
            },
        ],
        footer: vec!["2 buku dipinjam".into(), "Terima kasih!".into()],
        qr: Some("https://perpustakaan.example/akun".into()),
    }
}

#[test]
fn an_80mm_receipt_reads_back_as_text() {
    let mut bytes = Vec::new();
    print(&receipt(), PaperWidth::Mm80, &mut bytes).unwrap();
    let paper = decode(&bytes).unwrap();
    assert!(paper.initialised && paper.cut);
    assert_eq!(paper.code_page, Some(2), "PC850");
    let library = &paper.lines[0];
    assert_eq!(library.text, "Perpustakaan Kota Tebing Tinggi");
    assert!(library.bold && library.double_height && library.centered);
    let texts: Vec<&str> = paper.lines.iter().map(|l| l.text.as_str()).collect();
    assert!(texts.contains(&"Tenggelamnya Kapal Van der Wijck"));
    assert!(texts.iter().any(|t| t.starts_with("31000001601")
        && t.ends_with("Kembali 2026-12-12")
        && t.len() == 48));
    assert!(
        texts.contains(&"Cafe \"Nusantara\" - edisi ke-2"),
        "transliterated, never garbage: {texts:?}"
    );
    assert!(texts.contains(&"Terima kasih!"));
    assert_eq!(paper.qr, ["https://perpustakaan.example/akun"]);
    assert!(paper.lines.iter().all(|l| l.text.len() <= 48));
}

#[test]
fn a_58mm_receipt_wraps_to_32_columns() {
    let mut long = receipt();
    long.items.push(ReceiptItem {
        title: "Supernova: Ksatria, Puteri, dan Bintang Jatuh".into(),
        barcode: "31000003101".into(),
        note: "Buku ini dipesan untuk pembaca lain".into(),
    });
    let mut bytes = Vec::new();
    print(&long, PaperWidth::Mm58, &mut bytes).unwrap();
    let paper = decode(&bytes).unwrap();
    assert!(
        paper.lines.iter().all(|l| l.text.len() <= 32),
        "{:?}",
        paper.lines
    );
    let texts: Vec<&str> = paper.lines.iter().map(|l| l.text.as_str()).collect();
    assert!(
        texts.contains(&"Tenggelamnya Kapal Van der Wijck"),
        "exactly 32 columns fits"
    );
    assert!(texts.contains(&"Supernova: Ksatria, Puteri, dan"));
    assert!(texts.contains(&"Bintang Jatuh"));
    assert!(
        texts.contains(&"31000003101"),
        "a note too long for one line goes below"
    );
    assert!(texts.contains(&"-".repeat(32).as_str()));
}

#[test]
fn the_decoder_refuses_raw_utf8() {
    assert!(decode("é".as_bytes()).is_err());
}
