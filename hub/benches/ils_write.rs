//! Writing the stations' transactions into SLiMS and INLISLite (issue #29's write-back), per
//! transaction, against a real MariaDB server: 1,000 loans, then 500 renewals and 500 late
//! returns of them (each with its fine or violation row), each as the link writes it (the
//! guarded statements with their look for an earlier attempt, and the hub's record of it).
//!
//!     SWALAYAN_TEST_MARIADB=mysql://root@127.0.0.1:PORT/ cargo bench -p swalayan-hub --bench ils_write
//!
//! The anchor, measured in the same run on the same server: the bare statements each
//! system's own desk runs for a loan (SLiMS: `INSERT INTO loan`, `DELETE FROM reserve`;
//! INLISLite: the ID drawn, the header, the item, the copy's status, in a transaction), so the
//! cost of the link's checks and its ledger shows beside what the desk itself costs. Timings are printed, never judged here (docs/PERFORMANCE.md).
//! Under `cargo test`/nextest it runs at a tenth of the size, as a smoke test.

#[path = "../tests/ils/support.rs"]
#[allow(dead_code)]
mod support;

use jiff::{Timestamp, ToSpan};
use mysql::prelude::Queryable;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::Database;
use swalayan_core::contract::protocol::PushTransaction;
use swalayan_core::contract::transactions::{CheckinPayload, LoanPayload, RenewPayload, TxBody};
use swalayan_core::contract::wire::Wire;
use swalayan_core::domain::Route;
use swalayan_hub::ils::IlsSettings;
use swalayan_hub::ils::inlislite::{read as inlis_read, write::InlisDesk};
use swalayan_hub::ils::schema::Version;
use swalayan_hub::ils::settings::IlsFile;
use swalayan_hub::ils::slims::write::Wrote;
use swalayan_hub::ils::slims::{read::read_rules, rules, write::SlimsDesk};
use swalayan_hub::storage::{IlsOutcome, IlsWrite, StationRole};
use swalayan_hub::storage::{Received, Storage};

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    let at = ((times.len() as f64 - 1.0) * p).round() as usize;
    times[at].as_secs_f64() * 1000.0
}

fn report(what: &str, times: &mut [Duration]) {
    println!(
        "ils_write {what}: {} × p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        percentile(times, 0.5),
        percentile(times, 0.99),
        percentile(times, 1.0)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        println!("ils_write: benchmark");
        return;
    }
    let loans = if args.iter().any(|a| a == "--bench") {
        1000
    } else {
        100
    };
    slims(loans);
    inlislite(loans);
}

/// A hub whose kiosk lent `barcode(n)` to `members[n]` at `lent_at(n)`, then renewed the
/// even ones and took the odd ones back now: every transaction waiting to be written.
fn hub_with_transactions(
    members: &[String],
    barcode: impl Fn(usize) -> String,
    lent_at: impl Fn(usize) -> Timestamp,
    now: Timestamp,
) -> (tempfile::TempDir, Arc<dyn Storage>) {
    let dir = tempfile::tempdir().unwrap();
    let storage = swalayan_hub::storage::open(dir.path().join("hub.db").to_str().unwrap()).unwrap();
    swalayan_hub::catalog::ensure_policy(storage.as_ref()).unwrap();
    storage
        .add_station("kiosk-1", StationRole::Kiosk, "x", now)
        .unwrap();
    let mut batch = Vec::new();
    let mut seq = 0;
    let mut push = |body: TxBody, at: Timestamp| {
        seq += 1;
        batch.push(PushTransaction {
            id: uuid::Uuid::now_v7(),
            seq,
            kind: Wire::Known(body.kind()),
            created_at: at.to_string(),
            clock_trusted: true,
            payload: body.payload(),
        });
    };
    let today = now
        .to_zoned_datetime(jiff::tz::db().get("Asia/Jakarta").unwrap())
        .date();
    for (n, member) in members.iter().enumerate() {
        push(
            TxBody::Checkout(LoanPayload {
                patron: member.clone(),
                item: barcode(n),
                title: None,
                issued: None,
                due: today,
                hold_id: None,
                hold_key: None,
            }),
            lent_at(n),
        );
    }
    for (n, member) in members.iter().enumerate() {
        let body = if n % 2 == 0 {
            TxBody::Renew(RenewPayload {
                patron: Some(member.clone()),
                item: barcode(n),
                title: None,
                due: today,
                renewals: 1,
            })
        } else {
            TxBody::Checkin(CheckinPayload {
                patron: Some(member.clone()),
                item: barcode(n),
                title: None,
                returned: now,
                route: Route::Shelve,
                transfer_to: None,
                fine: 0,
                hold_id: None,
                hold_key: None,
                hold_patron: None,
                hold_expires: None,
            })
        };
        push(body, now + (n as i64).seconds());
    }
    for chunk in batch.chunks(500) {
        swalayan_hub::ledger::apply_batch(storage.as_ref(), "kiosk-1", chunk, now, None).unwrap();
    }
    (dir, storage)
}

/// Writes every waiting transaction with `write` and the hub's record, timing each; prints
/// the percentiles beside the desk's `anchor`.
fn time_writes(
    system: &str,
    storage: &dyn Storage,
    mut anchor: Vec<Duration>,
    mut write: impl FnMut(&Received) -> Wrote,
) {
    let kinds = swalayan_hub::ils::sync::WRITTEN_KINDS;
    let pending = storage.ils_pending(&kinds, "", u32::MAX).unwrap();
    let (mut lend, mut renew, mut back) = (Vec::new(), Vec::new(), Vec::new());
    for tx in &pending {
        let started = Instant::now();
        let wrote = write(tx);
        let entry = IlsWrite::now(
            IlsWrite::tx_source(tx.id),
            wrote.outcome,
            wrote.rows.clone(),
            wrote.detail.clone(),
        );
        storage.ils_record(&entry, None).unwrap();
        let took = started.elapsed();
        assert_eq!(wrote.outcome, IlsOutcome::Written, "{}", wrote.detail);
        match tx.kind.known().map(|k| k.code()) {
            Some("checkout") => lend.push(took),
            Some("renew") => renew.push(took),
            _ => back.push(took),
        }
    }
    report(
        &format!("{system}: the desk's statements for a loan (anchor)"),
        &mut anchor,
    );
    report(&format!("{system}: loan written by the link"), &mut lend);
    report(
        &format!("{system}: renewal written by the link"),
        &mut renew,
    );
    report(
        &format!("{system}: late return written by the link (with its fine row)"),
        &mut back,
    );
    let mut all: Vec<Duration> = lend.iter().chain(&renew).chain(&back).copied().collect();
    report(&format!("{system}: every transaction"), &mut all);
}

fn settings(kind: &str, db: &Database, dir: &std::path::Path) -> IlsSettings {
    IlsSettings::from_file(
        IlsFile {
            kind: kind.into(),
            url: db.url(),
            password_file: None,
            tls: false,
            ca_file: None,
            branches: Default::default(),
            operator_id: Some(1),
            terminal: None,
            poll_seconds: None,
            pins: None,
        },
        dir,
    )
    .unwrap()
}

/// SLiMS 9: loans 20 days ago (Umum: due after 14), so every renewal and return is late.
fn slims(loans: usize) {
    let db = Database::load("slims9.sql");
    let mut conn = mysql::Conn::new(mysql::Opts::from_url(&db.url()).unwrap()).unwrap();
    let members: Vec<String> = (0..loans).map(|n| format!("W{n:07}")).collect();
    let rows: Vec<String> = members
        .iter()
        .map(|m| format!("('{m}', 'Anggota {m}', 0, 2, DATE_ADD(CURDATE(), INTERVAL 1 YEAR))"))
        .collect();
    conn.query_drop(format!(
        "INSERT INTO member (member_id, member_name, gender, member_type_id, expire_date) VALUES {}",
        rows.join(",")
    ))
    .unwrap();
    // Copies for the link, and as many for the desk's anchor.
    let rows: Vec<String> = (0..2 * loans)
        .map(|n| format!("(1, 3, 'W{n:07}', 'SL', '0', NOW())"))
        .collect();
    conn.query_drop(format!(
        "INSERT INTO item (biblio_id, coll_type_id, item_code, location_id, item_status_id, input_date) VALUES {}",
        rows.join(",")
    ))
    .unwrap();

    // The anchor: the desk's own statements for a loan (finishLoanSession).
    let mut desk_times = Vec::new();
    for (n, member) in members.iter().enumerate() {
        let started = Instant::now();
        conn.exec_drop(
            "INSERT INTO loan (item_code, member_id, loan_date, due_date, renewed, loan_rules_id,
                               is_lent, is_return, input_date, last_update, uid)
             VALUES (?, ?, CURDATE(), DATE_ADD(CURDATE(), INTERVAL 14 DAY), 0, 0, 1, 0, NOW(), NOW(), 1)",
            (format!("W{:07}", loans + n), member),
        )
        .unwrap();
        conn.exec_drop(
            "DELETE FROM reserve WHERE member_id = ? AND item_code = ?",
            (member, format!("W{:07}", loans + n)),
        )
        .unwrap();
        desk_times.push(started.elapsed());
    }

    let now = Timestamp::now();
    let lent_at = now - jiff::SignedDuration::from_hours(20 * 24);
    let (dir, storage) = hub_with_transactions(
        &members,
        |n| format!("W{n:07}"),
        |n| lent_at + (n as i64).seconds(),
        now,
    );
    let settings = settings("slims", &db, dir.path());
    let mut link = settings.connect().unwrap();
    let slims_rules = read_rules(&mut link).unwrap();
    let base = swalayan_hub::catalog::policy(storage.as_ref()).unwrap();
    let policy = rules::policy(&slims_rules, &base);
    let time_zone = jiff::tz::db().get("Asia/Jakarta").unwrap();
    let mut desk = SlimsDesk {
        conn: &mut link,
        rules: &slims_rules,
        policy: &policy,
        operator: Some(1),
        time_zone: &time_zone,
        now: now.to_zoned_datetime(time_zone.clone()).datetime(),
    };
    time_writes("SLiMS 9", storage.as_ref(), desk_times, |tx| {
        desk.write(tx).unwrap()
    });
}

/// INLISLite 3.2: Pelajar members (7 days, two renewals); the renewed loans made 3 days ago
/// (v3.2 renews no overdue loan), the returned ones 20 days ago (late: a violation row).
fn inlislite(loans: usize) {
    let db = Database::load("inlislite32.sql");
    let mut conn = mysql::Conn::new(mysql::Opts::from_url(&db.url()).unwrap()).unwrap();
    let members: Vec<String> = (0..loans).map(|n| format!("W{n:07}")).collect();
    let rows: Vec<String> = (0..loans)
        .map(|n| {
            format!(
                "({}, 'W{n:07}', 'Anggota {n}', DATE_ADD(CURDATE(), INTERVAL 1 YEAR), 2, 3)",
                100 + n
            )
        })
        .collect();
    conn.query_drop(format!(
        "INSERT INTO members (ID, MemberNo, Fullname, EndDate, JenisAnggota_id, StatusAnggota_id) VALUES {}",
        rows.join(",")
    ))
    .unwrap();
    let rows: Vec<String> = (0..2 * loans)
        .map(|n| format!("({}, 'W{n:07}', 1, 1, 1, 1, 1)", 100 + n))
        .collect();
    conn.query_drop(format!(
        "INSERT INTO collections (ID, NomorBarcode, Catalog_id, Rule_id, Category_id, Status_id, Location_Library_id) VALUES {}",
        rows.join(",")
    ))
    .unwrap();
    // The anchor: the desk's loan (PeminjamanController), on the second half of the copies.
    let mut desk_times = Vec::new();
    for n in 0..loans {
        let started = Instant::now();
        let mut tx = conn.start_transaction(mysql::TxOpts::default()).unwrap();
        let prefix = format!(
            "1{}",
            Timestamp::now()
                .to_zoned_datetime(jiff::tz::db().get("Asia/Jakarta").unwrap())
                .strftime("%y%m%d")
        );
        let highest: Option<Option<String>> = tx
            .exec_first(
                "SELECT MAX(ID) FROM collectionloans WHERE ID LIKE CONCAT(?, '%')",
                (&prefix,),
            )
            .unwrap();
        let next = highest
            .flatten()
            .and_then(|id| id[id.len() - 5..].parse::<u32>().ok())
            .map_or(1, |c| c + 1);
        let id = format!("{prefix}{next:05}");
        tx.exec_drop(
            "INSERT INTO collectionloans (ID, CollectionCount, Member_id, LocationLibrary_id, CreateBy, CreateDate)
             VALUES (?, 1, ?, 1, 1, NOW())",
            (&id, 100 + n),
        )
        .unwrap();
        tx.exec_drop(
            "INSERT INTO collectionloanitems (CollectionLoan_id, LoanDate, DueDate, LoanStatus, Collection_id, member_id, CreateBy, CreateDate)
             VALUES (?, CURDATE(), CURDATE() + INTERVAL 7 DAY, 'Loan', ?, ?, 1, NOW())",
            (&id, 100 + loans + n, 100 + n),
        )
        .unwrap();
        tx.exec_drop(
            "UPDATE collections SET Status_id = 5, IsVerified = 0 WHERE ID = ?",
            (100 + loans + n,),
        )
        .unwrap();
        tx.commit().unwrap();
        desk_times.push(started.elapsed());
    }
    let now = Timestamp::now();
    let (dir, storage) = hub_with_transactions(
        &members,
        |n| format!("W{n:07}"),
        |n| {
            let days = if n % 2 == 0 { 3 } else { 20 };
            now - jiff::SignedDuration::from_hours(days * 24) + (n as i64).seconds()
        },
        now,
    );
    let settings = settings("inlislite", &db, dir.path());
    let mut link = settings.connect().unwrap();
    let inlis_rules = inlis_read::read_rules(&mut link).unwrap();
    let time_zone = jiff::tz::db().get("Asia/Jakarta").unwrap();
    let mut desk = InlisDesk {
        conn: &mut link,
        version: Version::Inlislite32,
        rules: &inlis_rules,
        operator: Some(1),
        terminal: "swalayan",
        time_zone: &time_zone,
    };
    time_writes("INLISLite 3.2", storage.as_ref(), desk_times, |tx| {
        desk.write(tx).unwrap()
    });
}
