//! Writing the stations' transactions into SLiMS (issue #29's write-back), per transaction,
//! against a real MariaDB server: 1,000 loans, then 500 renewals and 500 returns of them
//! (half of the returns late, so with a fine row), each as the link writes it (the guarded
//! statements with their look for an earlier attempt, and the hub's record of it).
//!
//!     SWALAYAN_TEST_MARIADB=mysql://root@127.0.0.1:PORT/ cargo bench -p swalayan-hub --bench ils_write
//!
//! The anchor, measured in the same run on the same server: the bare statements SLiMS's own
//! desk runs for the same kind of work (one `INSERT INTO loan` and the `DELETE FROM reserve`
//! per loan), so the cost of the link's checks and its ledger shows beside what the desk
//! itself costs the database. Timings are printed, never judged here (docs/PERFORMANCE.md).
//! Under `cargo test`/nextest it runs at a tenth of the size, as a smoke test.

#[path = "../tests/ils/support.rs"]
#[allow(dead_code)]
mod support;

use jiff::{Timestamp, ToSpan};
use mysql::prelude::Queryable;
use std::time::{Duration, Instant};
use support::Database;
use swalayan_core::contract::protocol::PushTransaction;
use swalayan_core::contract::transactions::{CheckinPayload, LoanPayload, RenewPayload, TxBody};
use swalayan_core::contract::wire::Wire;
use swalayan_core::domain::Route;
use swalayan_hub::ils::IlsSettings;
use swalayan_hub::ils::settings::IlsFile;
use swalayan_hub::ils::slims::{read::read_rules, rules, write::SlimsDesk};
use swalayan_hub::storage::{IlsOutcome, IlsWrite, StationRole, instant_text};

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

    // The hub's transactions, as a kiosk pushed them: loans 20 days ago, renewals and
    // returns today (half of the returns after the due date: a fine row).
    let dir = tempfile::tempdir().unwrap();
    let storage = swalayan_hub::storage::open(dir.path().join("hub.db").to_str().unwrap()).unwrap();
    swalayan_hub::catalog::ensure_policy(storage.as_ref()).unwrap();
    let now = Timestamp::now();
    storage
        .add_station("kiosk-1", StationRole::Kiosk, "x", now)
        .unwrap();
    let lent_at = now - jiff::SignedDuration::from_hours(20 * 24);
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
                item: format!("W{n:07}"),
                title: None,
                issued: None,
                due: today,
                hold_id: None,
                hold_key: None,
            }),
            lent_at + (n as i64).seconds(),
        );
    }
    for (n, member) in members.iter().enumerate() {
        let item = format!("W{n:07}");
        let body = if n % 2 == 0 {
            TxBody::Renew(RenewPayload {
                patron: Some(member.clone()),
                item,
                title: None,
                due: today,
                renewals: 1,
            })
        } else {
            TxBody::Checkin(CheckinPayload {
                patron: Some(member.clone()),
                item,
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

    let settings = IlsSettings::from_file(
        IlsFile {
            kind: "slims".into(),
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
        dir.path(),
    )
    .unwrap();
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
    let kinds = swalayan_hub::ils::sync::WRITTEN_KINDS;
    let pending = storage.ils_pending(&kinds, "", u32::MAX).unwrap();
    assert_eq!(pending.len(), 2 * loans, "every transaction waits");
    let (mut lend, mut renew, mut back) = (Vec::new(), Vec::new(), Vec::new());
    for tx in &pending {
        let started = Instant::now();
        let wrote = desk.write(tx).unwrap();
        storage
            .ils_record(
                &IlsWrite {
                    source: IlsWrite::tx_source(tx.id),
                    outcome: wrote.outcome,
                    rows: wrote.rows.clone(),
                    detail: wrote.detail.clone(),
                    at: instant_text(Timestamp::now()),
                },
                None,
            )
            .unwrap();
        let took = started.elapsed();
        assert_eq!(wrote.outcome, IlsOutcome::Written, "{}", wrote.detail);
        match tx.kind.known().map(|k| k.code()) {
            Some("checkout") => lend.push(took),
            Some("renew") => renew.push(took),
            _ => back.push(took),
        }
    }
    report(
        "SLiMS's desk statements for a loan (anchor)",
        &mut desk_times,
    );
    report("loan written by the link", &mut lend);
    report("renewal written by the link", &mut renew);
    report("return written by the link (with its fine row)", &mut back);
    let mut all: Vec<Duration> = lend.iter().chain(&renew).chain(&back).copied().collect();
    report("every transaction", &mut all);
}
