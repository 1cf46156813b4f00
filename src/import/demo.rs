//! The demo library: about fifty titles (Indonesian classics first), and patrons in every
//! state a kiosk must handle — a fine, a block, an expired card, holds waiting, the loan limit.
//!
//! The content is fixed; loan and hold dates are set relative to the day it is loaded, so
//! the overdue loan is always overdue and the waiting hold has not expired. Loading writes
//! no outbox rows (nothing happened at a station) and is safe to repeat.

use super::{
    ImportError, ImportSink, ImportSummary, ItemRecord, PatronRecord, StoreSink, TitleRecord,
};
use crate::circulation::pin::hash_pin;
use crate::domain::{HoldStatus, ItemStatus, Money};
use crate::store::{Store, StoreError, catalog, circ};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// (title, author, call number, item type, copies, parts)
const TITLES: &[(&str, &str, &str, &str, u32, u32)] = &[
    (
        "Laskar Pelangi",
        "Andrea Hirata",
        "899.221 HIR l",
        "book",
        3,
        1,
    ),
    (
        "Sang Pemimpi",
        "Andrea Hirata",
        "899.221 HIR s",
        "book",
        2,
        1,
    ),
    ("Edensor", "Andrea Hirata", "899.221 HIR e", "book", 1, 1),
    (
        "Orang-Orang Biasa",
        "Andrea Hirata",
        "899.221 HIR o",
        "book",
        1,
        1,
    ),
    (
        "Bumi Manusia",
        "Pramoedya Ananta Toer",
        "899.221 TOE b",
        "book",
        2,
        1,
    ),
    (
        "Anak Semua Bangsa",
        "Pramoedya Ananta Toer",
        "899.221 TOE a",
        "book",
        1,
        1,
    ),
    (
        "Jejak Langkah",
        "Pramoedya Ananta Toer",
        "899.221 TOE j",
        "book",
        1,
        1,
    ),
    (
        "Rumah Kaca",
        "Pramoedya Ananta Toer",
        "899.221 TOE r",
        "book",
        1,
        1,
    ),
    (
        "Gadis Pantai",
        "Pramoedya Ananta Toer",
        "899.221 TOE g",
        "book",
        1,
        1,
    ),
    (
        "Keluarga Gerilya",
        "Pramoedya Ananta Toer",
        "899.221 TOE k",
        "book",
        1,
        1,
    ),
    (
        "Ronggeng Dukuh Paruk",
        "Ahmad Tohari",
        "899.221 TOH r",
        "book",
        1,
        1,
    ),
    ("Siti Nurbaya", "Marah Rusli", "899.221 RUS s", "book", 2, 1),
    (
        "Salah Asuhan",
        "Abdoel Moeis",
        "899.221 MOE s",
        "book",
        1,
        1,
    ),
    (
        "Layar Terkembang",
        "Sutan Takdir Alisjahbana",
        "899.221 ALI l",
        "book",
        1,
        1,
    ),
    (
        "Atheis",
        "Achdiat K. Mihardja",
        "899.221 MIH a",
        "book",
        1,
        1,
    ),
    (
        "Tenggelamnya Kapal Van der Wijck",
        "Hamka",
        "899.221 HAM t",
        "book",
        2,
        1,
    ),
    (
        "Di Bawah Lindungan Ka'bah",
        "Hamka",
        "899.221 HAM d",
        "book",
        1,
        1,
    ),
    (
        "Robohnya Surau Kami",
        "A.A. Navis",
        "899.221 NAV r",
        "book",
        1,
        1,
    ),
    (
        "Harimau! Harimau!",
        "Mochtar Lubis",
        "899.221 LUB h",
        "book",
        1,
        1,
    ),
    (
        "Senja di Jakarta",
        "Mochtar Lubis",
        "899.221 LUB s",
        "book",
        2,
        1,
    ),
    (
        "Burung-Burung Manyar",
        "Y.B. Mangunwijaya",
        "899.221 MAN b",
        "book",
        1,
        1,
    ),
    ("Para Priyayi", "Umar Kayam", "899.221 KAY p", "book", 1, 1),
    ("Saman", "Ayu Utami", "899.221 UTA s", "book", 1, 1),
    (
        "Cantik Itu Luka",
        "Eka Kurniawan",
        "899.221 KUR c",
        "book",
        1,
        1,
    ),
    (
        "Lelaki Harimau",
        "Eka Kurniawan",
        "899.221 KUR l",
        "book",
        1,
        1,
    ),
    ("Pulang", "Leila S. Chudori", "899.221 CHU p", "book", 1, 1),
    (
        "Laut Bercerita",
        "Leila S. Chudori",
        "899.221 CHU l",
        "book",
        1,
        1,
    ),
    (
        "Negeri 5 Menara",
        "Ahmad Fuadi",
        "899.221 FUA n",
        "book",
        2,
        1,
    ),
    (
        "Ayat-Ayat Cinta",
        "Habiburrahman El Shirazy",
        "899.221 SHI a",
        "book",
        1,
        1,
    ),
    (
        "Perahu Kertas",
        "Dee Lestari",
        "899.221 LES p",
        "book",
        1,
        1,
    ),
    (
        "Supernova: Ksatria, Puteri, dan Bintang Jatuh",
        "Dee Lestari",
        "899.221 LES s",
        "book",
        1,
        1,
    ),
    ("Ca-Bau-Kan", "Remy Sylado", "899.221 SYL c", "book", 1, 1),
    ("Bumi", "Tere Liye", "899.221 LIY b", "book", 2, 1),
    ("Hujan", "Tere Liye", "899.221 LIY h", "book", 1, 1),
    (
        "Habis Gelap Terbitlah Terang",
        "R.A. Kartini",
        "920.72 KAR h",
        "book",
        1,
        1,
    ),
    ("Max Havelaar", "Multatuli", "839.313 MUL m", "book", 2, 1),
    (
        "Deru Campur Debu",
        "Chairil Anwar",
        "899.221 1 ANW d",
        "book",
        1,
        1,
    ),
    (
        "Hujan Bulan Juni",
        "Sapardi Djoko Damono",
        "899.221 1 DAM h",
        "book",
        1,
        1,
    ),
    (
        "Si Kabayan",
        "Utuy Tatang Sontani",
        "398.2 SON s",
        "book",
        2,
        1,
    ),
    (
        "Kumpulan Dongeng Nusantara",
        "Tim Penulis Anak",
        "398.2 TIM k",
        "book",
        3,
        1,
    ),
    (
        "Cerita Rakyat Sumatera Utara",
        "Tim Penulis Anak",
        "398.209 598 12 TIM c",
        "book",
        2,
        1,
    ),
    (
        "Sejarah Kota Tebing Tinggi",
        "Dinas Perpustakaan Kota Tebing Tinggi",
        "959.812 DIN s",
        "book",
        1,
        1,
    ),
    (
        "The Rainbow Troops",
        "Andrea Hirata",
        "899.221 HIR r",
        "book",
        1,
        1,
    ),
    (
        "This Earth of Mankind",
        "Pramoedya Ananta Toer",
        "899.221 TOE t",
        "book",
        1,
        1,
    ),
    (
        "Belajar Bahasa Inggris: buku dan CD audio",
        "Tim Bahasa",
        "428 TIM b",
        "book",
        1,
        2,
    ),
    (
        "Laskar Pelangi (film, DVD dan buku panduan)",
        "Riri Riza",
        "791.43 RIZ l",
        "av",
        1,
        2,
    ),
    (
        "Kamus Besar Bahasa Indonesia",
        "Badan Pengembangan dan Pembinaan Bahasa",
        "R 499.221 3 BAD k",
        "reference",
        1,
        1,
    ),
    (
        "Atlas Indonesia dan Dunia",
        "Tim Kartografi",
        "R 912 TIM a",
        "reference",
        1,
        1,
    ),
    (
        "Ensiklopedia Sumatera Utara",
        "Tim Penyusun",
        "R 959.812 TIM e",
        "reference",
        1,
        1,
    ),
    (
        "Majalah Bobo, edisi 45/2026",
        "Redaksi Bobo",
        "050 BOB",
        "magazine",
        2,
        1,
    ),
    (
        "Tempo, edisi November 2026",
        "Redaksi Tempo",
        "059.922 TEM",
        "magazine",
        1,
        1,
    ),
    (
        "National Geographic Indonesia, November 2026",
        "Redaksi NGI",
        "910.5 NAT",
        "magazine",
        1,
        1,
    ),
];

/// ISBNs for the two best-known titles, so ISBN search can be tried in the demo.
const ISBNS: &[(&str, &str)] = &[
    ("Laskar Pelangi", "9789793062792"),
    ("Bumi Manusia", "9789799731234"),
];

/// The barcode of copy `copy` (1-based) of title number `title` (1-based).
pub fn barcode(title: usize, copy: u32) -> String {
    format!("3100{:05}{:02}", title, copy)
}

fn title_number(name: &str) -> usize {
    TITLES
        .iter()
        .position(|t| t.0 == name)
        .map(|i| i + 1)
        .expect("demo title exists")
}

/// A copy of a demo title by name.
pub fn copy_of(name: &str, copy: u32) -> String {
    barcode(title_number(name), copy)
}

/// The barcode of every demo copy (benchmarks scan them in turn).
pub fn all_copies() -> Vec<String> {
    TITLES
        .iter()
        .enumerate()
        .flat_map(|(i, t)| (1..=t.4).map(move |copy| barcode(i + 1, copy)))
        .collect()
}

/// Demo patrons: card, name, category, PIN, state.
pub const PATRONS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "21000000001",
        "Siti Rahmawati",
        "adult",
        "1234",
        "two loans, one overdue",
    ),
    ("21000000002", "Budi Santoso", "adult", "", "blocked"),
    (
        "21000000003",
        "Ayu Lestari",
        "adult",
        "",
        "fines over the limit",
    ),
    (
        "21000000004",
        "Rudi Hartono",
        "adult",
        "",
        "membership expired",
    ),
    (
        "21000000005",
        "Dewi Sartika",
        "adult",
        "4321",
        "a hold ready to pick up",
    ),
    (
        "21000000006",
        "Andi Saputra",
        "child",
        "",
        "at the loan limit",
    ),
    ("21000000007", "Putri Ananda", "child", "", "no loans"),
    ("21000000008", "Rina Marpaung", "staff", "9999", "staff"),
    (
        "21000000009",
        "Hendra Siregar",
        "adult",
        "",
        "waiting in a hold queue",
    ),
    (
        "21000000010",
        "Maya Nasution",
        "adult",
        "",
        "a loan others wait for",
    ),
];

/// Loads the demo library into `store` as of `now`.
pub fn load_demo(
    store: &mut Store,
    now: Timestamp,
    time_zone: &TimeZone,
    branch: &str,
) -> Result<ImportSummary, ImportError> {
    let today = now.to_zoned_datetime(time_zone.clone()).date();
    let mut summary = ImportSummary::default();
    {
        let mut sink = StoreSink::new(store);
        load_catalog(&mut sink, branch, &mut summary)?;
        load_patrons(&mut sink, today, &mut summary)?;
        sink.flush()?;
    }
    load_circulation(store, now, today)?;
    load_promotions(store)?;
    // The demo library's tags carry its ISIL (the simulators' tags too).
    crate::store::meta::set(store.conn(), crate::store::meta::LIBRARY_ISIL, DEMO_ISIL)
        .map_err(|e| ImportError::Sink(Box::new(e)))?;
    Ok(summary)
}

/// The ISIL of the demo library (Perpustakaan Kota Tebing Tinggi).
pub const DEMO_ISIL: &str = "ID-TTK";

fn load_catalog(
    sink: &mut dyn ImportSink,
    branch: &str,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    for (index, &(title, author, call_number, item_type, copies, parts)) in
        TITLES.iter().enumerate()
    {
        let number = index + 1;
        let isbn = ISBNS
            .iter()
            .find(|(t, _)| *t == title)
            .map(|(_, i)| i.to_string());
        let record = TitleRecord {
            key: format!("demo:{number}"),
            title: title.to_string(),
            author: Some(author.to_string()),
            isbn,
            call_number: Some(call_number.to_string()),
            subjects: Vec::new(),
            links: Vec::new(),
        };
        summary.records += 1;
        let (title_id, applied) = sink.title(&record)?;
        summary.applied(|| format!("demo#{number}"), applied, false);
        summary.imported += 1;
        for copy in 1..=copies {
            let barcode = barcode(number, copy);
            let mut item = ItemRecord {
                barcode: barcode.clone(),
                item_type: item_type.to_string(),
                status: ItemStatus::Available,
                damaged: false,
                parts,
                call_number: Some(call_number.to_string()),
                branch: branch.to_string(),
                acquired: None,
            };
            match (title, copy) {
                ("Max Havelaar", 2) => item.status = ItemStatus::Lost,
                ("Atheis", 1) => item.status = ItemStatus::Missing,
                ("Senja di Jakarta", 2) => item.status = ItemStatus::Withdrawn,
                ("Harimau! Harimau!", 1) => item.damaged = true,
                ("Pulang", 1) => item.branch = "perpustakaan-keliling".to_string(),
                _ => {}
            }
            let applied = sink.item(title_id, &item)?;
            summary.applied(|| barcode.clone(), applied, true);
        }
    }
    Ok(())
}

fn load_patrons(
    sink: &mut dyn ImportSink,
    today: Date,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    let in_two_years = today.checked_add(2.years()).unwrap_or(today);
    for &(card, name, category, pin, state) in PATRONS {
        let record = PatronRecord {
            card: card.to_string(),
            name: name.to_string(),
            category: category.to_string(),
            expires: if state == "membership expired" {
                today.checked_sub(30.days()).unwrap_or(today)
            } else {
                in_two_years
            },
            pin_hash: (!pin.is_empty()).then(|| hash_pin(pin)),
            blocked: state == "blocked",
            block_note: (state == "blocked")
                .then(|| "Kartu dilaporkan hilang / card reported lost".to_string()),
            fines: if state == "fines over the limit" {
                Money::from_units(15000)
            } else {
                Money::ZERO
            },
            contact: None,
            joined: None,
            kelurahan: None,
        };
        summary.records += 1;
        let applied = sink.patron(&record)?;
        summary.applied(|| card.to_string(), applied, false);
        summary.imported += 1;
    }
    Ok(())
}

/// Loans and holds, written directly (no outbox): they did not happen at this station.
fn load_circulation(store: &mut Store, now: Timestamp, today: Date) -> Result<(), ImportError> {
    let day = |offset: i64| today.checked_add(offset.days()).unwrap_or(today);
    let ago = |days: i64| now.checked_sub((days * 24).hours()).unwrap_or(now);
    let loans: Vec<(&str, String, i64, i64)> = vec![
        // (patron, item, issued days ago, due in days)
        ("21000000001", copy_of("Laskar Pelangi", 2), 9, 5),
        ("21000000001", copy_of("Bumi Manusia", 1), 24, -10),
        ("21000000010", copy_of("Laut Bercerita", 1), 11, 3),
        (
            "21000000006",
            copy_of("Kumpulan Dongeng Nusantara", 1),
            3,
            11,
        ),
        (
            "21000000006",
            copy_of("Kumpulan Dongeng Nusantara", 2),
            3,
            11,
        ),
        ("21000000006", copy_of("Si Kabayan", 1), 3, 11),
        (
            "21000000006",
            copy_of("Cerita Rakyat Sumatera Utara", 1),
            3,
            11,
        ),
        ("21000000006", copy_of("Hujan", 1), 3, 11),
    ];
    let tx = store.write()?;
    for (patron, item, issued_ago, due_in) in loans {
        if circ::open_loan_for_item(&tx, &item)?.is_some() {
            continue;
        }
        circ::insert_loan(&tx, &item, patron, ago(issued_ago), day(due_in))?;
        catalog::set_item_status(&tx, &item, ItemStatus::OnLoan, None)?;
    }
    let live = |card: &str| circ::live_holds_of_patron(&tx, card);
    // Dewi's reserved copy waits on the hold shelf.
    if live("21000000005")?.is_empty() {
        let item = copy_of("Cantik Itu Luka", 1);
        let title_id = catalog::item(&tx, &item)?
            .map(|i| i.title_id)
            .unwrap_or_default();
        let hold = circ::insert_hold(
            &tx,
            "21000000005",
            title_id,
            None,
            ago(4),
            branch_of(&tx, &item)?.as_str(),
        )?;
        circ::set_hold_state(&tx, hold, HoldStatus::Ready, Some(&item), Some(day(5)))?;
        catalog::set_item_status(&tx, &item, ItemStatus::OnHoldShelf, None)?;
    }
    // Hendra waits for the copy Maya has.
    if live("21000000009")?.is_empty() {
        let item = copy_of("Laut Bercerita", 1);
        let title_id = catalog::item(&tx, &item)?
            .map(|i| i.title_id)
            .unwrap_or_default();
        circ::insert_hold(
            &tx,
            "21000000009",
            title_id,
            None,
            ago(2),
            branch_of(&tx, &item)?.as_str(),
        )?;
    }
    tx.commit().map_err(StoreError::from)?;
    Ok(())
}

/// The welcome screen's rotating panel.
fn load_promotions(store: &mut Store) -> Result<(), ImportError> {
    let conn = store.conn();
    let existing: i64 = conn
        .query_row("SELECT count(*) FROM promotions", [], |r| r.get(0))
        .map_err(StoreError::from)?;
    if existing > 0 {
        return Ok(());
    }
    for (title, body, title_en, body_en) in [
        (
            "Buku baru: Laut Bercerita",
            "Novel Leila S. Chudori kini tersedia di rak fiksi. Pesan lewat kios ini.",
            "New: Laut Bercerita",
            "Leila S. Chudori's novel is now on the fiction shelf. Reserve it at this kiosk.",
        ),
        (
            "Lokakarya literasi anak",
            "Setiap Sabtu pukul 10.00 di ruang anak. Gratis, daftar di meja layanan.",
            "Children's literacy workshop",
            "Every Saturday at 10:00 in the children's room. Free; sign up at the desk.",
        ),
        (
            "Kembalikan kapan saja",
            "Kotak pengembalian di pintu depan buka 24 jam.",
            "Return any time",
            "The drop box at the front door is open 24 hours.",
        ),
    ] {
        let promotion = crate::contract::documents::PromotionDoc {
            title: title.into(),
            body: body.into(),
            title_en: Some(title_en.into()),
            body_en: Some(body_en.into()),
            ..Default::default()
        };
        crate::store::promotions::add(conn, &promotion)?;
    }
    Ok(())
}

fn branch_of(conn: &rusqlite::Connection, item: &str) -> Result<String, ImportError> {
    Ok(catalog::item(conn, item)?
        .map(|i| i.home_branch)
        .unwrap_or_default())
}
