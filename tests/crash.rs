//! Kill -9 in the middle of a storm of checkouts: afterwards every loan has its outbox row and
//! every outbox row its loan, and the outbox sequence has no gaps.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn outbox_rows(db: &Path) -> i64 {
    let Ok(conn) = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    let _ = conn.busy_timeout(Duration::from_secs(1));
    conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap_or(0)
}

fn check_consistency(db: &Path) -> i64 {
    let conn = Connection::open(db).expect("the store opens after the crash");
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let rows = one("SELECT count(*) FROM outbox");
    assert_eq!(
        one("SELECT COALESCE(max(seq), 0) FROM outbox"),
        rows,
        "no gaps in the sequence"
    );
    assert_eq!(one("SELECT count(DISTINCT id) FROM outbox"), rows);
    assert_eq!(
        one("SELECT count(*) FROM outbox WHERE kind = 'checkout'"),
        one("SELECT count(*) FROM loans"),
        "every loan has its checkout row and every checkout row its loan"
    );
    assert_eq!(
        one("SELECT count(*) FROM loans l WHERE NOT EXISTS
             (SELECT 1 FROM outbox o WHERE o.loan_id = l.id AND o.kind = 'checkout')"),
        0
    );
    assert_eq!(
        one("SELECT count(*) FROM outbox WHERE kind = 'checkin'"),
        one("SELECT count(*) FROM loans WHERE returned_at IS NOT NULL")
    );
    assert_eq!(
        one("SELECT count(*) FROM items WHERE status = 'on_loan'"),
        one("SELECT count(*) FROM loans WHERE returned_at IS NULL"),
        "item status agrees with open loans"
    );
    rows
}

#[test]
fn sigkill_during_a_checkout_storm_loses_nothing_half_done() {
    // Kill at several depths into the storm; each run builds its own store.
    for (run, kill_after) in [23_i64, 301, 1_777].into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let bench_dir = dir.path().join("storm");
        let db = bench_dir.join("bench.db");
        let mut child = Command::new(env!("CARGO_BIN_EXE_swalayan"))
            .args([
                "bench",
                "circulation",
                "--items",
                "6000",
                "--patrons",
                "2000",
                "--ops",
                "6000",
                "--past-loans",
                "0",
                "--dir",
            ])
            .arg(&bench_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        while outbox_rows(&db) < kill_after {
            assert!(
                Instant::now() < deadline,
                "run {run}: the storm did not reach {kill_after} rows"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "run {run}: the storm ended before the kill"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "run {run}: still storming when killed"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let rows = check_consistency(&db);
        assert!(
            rows >= kill_after,
            "run {run}: {rows} rows survived, saw {kill_after} before the kill"
        );
    }
}
