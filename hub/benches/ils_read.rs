//! Reading a SLiMS and an INLISLite library into the hub (`ils sync --once`) against a real
//! MariaDB server:
//! the first read of a library the size the issue names (50,000 members, 100,000 copies of
//! 60,000 titles, 5,000 open loans), a second round with nothing changed (it reads only
//! what changed), and the nightly full re-read.
//!
//!     SWALAYAN_TEST_MARIADB=mysql://root@127.0.0.1:PORT/ cargo bench -p swalayan-hub --bench ils_read
//!
//! (scripts/mariadb-server start DIR prints such a URL.) Under `cargo test`/nextest it runs
//! once at a hundredth of the size, as a smoke test. Timings are printed, never judged here:
//! the goals are in docs/PERFORMANCE.md.

#[path = "../tests/ils/support.rs"]
#[allow(dead_code)]
mod support;

use mysql::prelude::Queryable;
use std::time::Instant;
use support::Database;
use swalayan_hub::config::Library;
use swalayan_hub::ils::IlsSettings;
use swalayan_hub::ils::settings::IlsFile;

/// Rows of `values` tuples in INSERTs of a thousand.
fn insert(conn: &mut mysql::Conn, head: &str, rows: impl Iterator<Item = String>) {
    let rows: Vec<String> = rows.collect();
    for chunk in rows.chunks(1000) {
        conn.query_drop(format!("{head} VALUES {}", chunk.join(",")))
            .unwrap();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        println!("ils_read: benchmark");
        return;
    }
    let scale = if args.iter().any(|a| a == "--bench") {
        1
    } else {
        100
    };
    let (members, titles, copies, loans) = (
        50_000 / scale,
        60_000 / scale,
        100_000 / scale,
        5_000 / scale,
    );
    let slims = fill_slims(members, titles, copies, loans);
    time_rounds("slims", "SLiMS", &slims);
    let inlislite = fill_inlislite(members, titles, copies, loans);
    time_rounds("inlislite", "INLISLite 3.2", &inlislite);
}

/// A SLiMS 9 library of that size.
fn fill_slims(members: usize, titles: usize, copies: usize, loans: usize) -> Database {
    let db = Database::load("slims9.sql");
    let mut conn = mysql::Conn::new(mysql::Opts::from_url(&db.url()).unwrap()).unwrap();
    let filled = Instant::now();
    insert(
        &mut conn,
        "INSERT INTO member (member_id, member_name, gender, member_type_id, expire_date, last_update)",
        // As SLiMS's forms leave them: each member last edited on some day of the past year.
        (0..members).map(|n| {
            format!(
                "('B{n:07}', 'Anggota {n}', {}, {}, '2030-12-31', DATE_SUB(CURDATE(), INTERVAL {} DAY))",
                n % 2,
                1 + n % 3,
                1 + n % 365
            )
        }),
    );
    insert(
        &mut conn,
        "INSERT INTO biblio (biblio_id, gmd_id, title, sor, isbn_issn, call_number, input_date, last_update)",
        (0..titles).map(|n| {
            format!(
                "({}, {}, 'Judul buku nomor {n}', 'Pengarang {}', NULL, '899.221 {n}', NOW(), DATE_SUB(NOW(), INTERVAL {n} MINUTE))",
                100 + n,
                1 + n % 2,
                n % 997
            )
        }),
    );
    insert(
        &mut conn,
        "INSERT INTO item (biblio_id, coll_type_id, item_code, location_id, item_status_id, input_date, last_update)",
        (0..copies).map(|n| {
            format!(
                "({}, {}, 'X{n:07}', 'SL', '0', NOW(), DATE_SUB(NOW(), INTERVAL {n} MINUTE))",
                100 + n % titles,
                1 + n % 3
            )
        }),
    );
    insert(
        &mut conn,
        "INSERT INTO loan (item_code, member_id, loan_date, due_date, is_lent, is_return, input_date, last_update, uid)",
        (0..loans).map(|n| {
            format!("('X{n:07}', 'B{:07}', CURDATE(), DATE_ADD(CURDATE(), INTERVAL 14 DAY), 1, 0, NOW(), NOW(), 1)", n % members)
        }),
    );
    println!(
        "filled SLiMS: {members} members, {titles} titles, {copies} copies, {loans} loans in {:.1} s",
        filled.elapsed().as_secs_f64()
    );
    db
}

/// An INLISLite 3.2 library of that size (rows saved by its desk at some time in the past
/// year: `UpdateDate` set, as its Yii behaviours set it).
fn fill_inlislite(members: usize, titles: usize, copies: usize, loans: usize) -> Database {
    let db = Database::load("inlislite32.sql");
    let mut conn = mysql::Conn::new(mysql::Opts::from_url(&db.url()).unwrap()).unwrap();
    let filled = Instant::now();
    insert(
        &mut conn,
        "INSERT INTO members (ID, MemberNo, Fullname, EndDate, JenisAnggota_id, StatusAnggota_id, UpdateDate)",
        (0..members).map(|n| {
            format!(
                "({}, 'B{n:07}', 'Anggota {n}', '2030-12-31', {}, 3, NOW() - INTERVAL {} DAY)",
                100 + n,
                1 + n % 2,
                1 + n % 365
            )
        }),
    );
    insert(
        &mut conn,
        "INSERT INTO catalogs (ID, Title, Author, CallNumber, Worksheet_id, UpdateDate)",
        (0..titles).map(|n| {
            format!(
                "({}, 'Judul buku nomor {n}', 'Pengarang {}', '899.221 {n}', {}, NOW() - INTERVAL {n} MINUTE)",
                100 + n,
                n % 997,
                1 + n % 2
            )
        }),
    );
    insert(
        &mut conn,
        "INSERT INTO collections (ID, NomorBarcode, Catalog_id, Rule_id, Category_id, Status_id, Location_Library_id, UpdateDate)",
        (0..copies).map(|n| {
            format!(
                "({}, 'X{n:07}', {}, 1, 1, {}, 1, NOW() - INTERVAL {n} MINUTE)",
                100 + n,
                100 + n % titles,
                if n < loans { 5 } else { 1 }
            )
        }),
    );
    insert(
        &mut conn,
        "INSERT INTO collectionloans (ID, CollectionCount, Member_id, CreateBy, CreateDate, LocationLibrary_id)",
        (0..loans).map(|n| format!("('9{n:011}', 1, {}, 1, NOW(), 1)", 100 + n % members)),
    );
    insert(
        &mut conn,
        "INSERT INTO collectionloanitems (CollectionLoan_id, LoanDate, DueDate, LoanStatus, Collection_id, member_id, CreateBy, CreateDate)",
        (0..loans).map(|n| {
            format!(
                "('9{n:011}', CURDATE(), CURDATE() + INTERVAL 7 DAY, 'Loan', {}, {}, 1, NOW())",
                100 + n,
                100 + n % members
            )
        }),
    );
    println!(
        "filled INLISLite: {members} members, {titles} titles, {copies} copies, {loans} loans in {:.1} s",
        filled.elapsed().as_secs_f64()
    );
    db
}

/// The first read, an idle round and a full re-read of `db` into a fresh SQLite hub.
fn time_rounds(kind: &str, name: &str, db: &Database) {
    let dir = tempfile::tempdir().unwrap();
    let settings = IlsSettings::from_file(
        IlsFile {
            kind: kind.into(),
            url: db.url(),
            password_file: None,
            tls: false,
            ca_file: None,
            branches: Default::default(),
            operator_id: None,
            terminal: None,
            poll_seconds: None,
            pins: None,
        },
        dir.path(),
    )
    .unwrap();
    let storage = swalayan_hub::storage::open(dir.path().join("hub.db").to_str().unwrap()).unwrap();
    swalayan_hub::catalog::ensure_policy(storage.as_ref()).unwrap();
    let library = Library::default();
    for (round, full) in [
        ("first read", true),
        ("a round with nothing changed", false),
        (
            "a full re-read with nothing changed (the nightly one)",
            true,
        ),
    ] {
        let started = Instant::now();
        let done =
            swalayan_hub::ils::sync::once(&settings, storage.as_ref(), &library, full).unwrap();
        println!(
            "ils_read {name} {round}: {:.2} s ({} members, {} copies, {} titles, {} loans; SQLite hub)",
            started.elapsed().as_secs_f64(),
            done.read.members,
            done.read.items,
            done.read.titles,
            done.read.loans
        );
    }
}
