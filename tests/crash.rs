//! Kill -9 in the middle of a station's work: afterwards every loan has its outbox row and
//! every outbox row its loan, the outbox sequence has no gaps, and everything acknowledged
//! before the kill is there.
//!
//! Two storms: the real binary's checkout storm (`swalayan bench circulation`), and the mixed
//! storm of [`super::storm`] (checkouts, returns with fines and holds, renewals, pickups,
//! pulled pages) run in a child process and killed 200 times at random points.

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

/// Kills in the mixed storm: 200 times a child process resumes the storm on the same store
/// and is killed after a random number of acknowledgements (so anywhere in the next piece of
/// work); after each kill the store keeps its promises and everything acknowledged so far.
#[test]
fn sigkill_at_random_points_of_a_mixed_storm_loses_nothing_acknowledged() {
    use super::storm::{self, Ack};
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("storm.db");
    drop(storm::build(&db, None));
    let mut acknowledged: Vec<Ack> = Vec::new();
    let mut state: u64 = 0x00C0_FFEE;
    for kill in 0..200u64 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let wait_for = 1 + state % 30;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash::storm_child_process", "--nocapture"])
            .env(STORM_DB, &db)
            .env(STORM_SEED, kill.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        while seen < wait_for {
            let Some(Ok(line)) = lines.next() else {
                panic!("kill {kill}: the storm ended before {wait_for} acknowledgements");
            };
            if let Some(ack) = Ack::parse(&line) {
                acknowledged.push(ack);
                seen += 1;
            }
        }
        child.kill().unwrap(); // SIGKILL, somewhere in the next piece of work
        child.wait().unwrap();
        // What it acknowledged between our last read and the kill is in the pipe still.
        acknowledged.extend(lines.map_while(Result::ok).filter_map(|l| Ack::parse(&l)));
        let conn = Connection::open(&db).expect("the store opens after the kill");
        if let Err(e) =
            storm::check_store(&conn).and_then(|()| storm::check_acknowledged(&conn, &acknowledged))
        {
            panic!(
                "after kill {kill} (seed {kill}, {} acknowledged so far): {e}",
                acknowledged.len()
            );
        }
    }
}

const STORM_DB: &str = "SWALAYAN_TEST_STORM_DB";
const STORM_SEED: &str = "SWALAYAN_TEST_STORM_SEED";

/// The child of the test above (it runs only with its environment): resumes the mixed
/// storm on the store and prints a line per acknowledgement, flushed, until killed.
#[test]
fn storm_child_process() {
    use super::storm::Storm;
    use std::io::Write;
    let (Some(db), Some(seed)) = (std::env::var_os(STORM_DB), std::env::var_os(STORM_SEED)) else {
        return;
    };
    let seed: u64 = seed.to_str().and_then(|s| s.parse().ok()).expect("a seed");
    let store = swalayan::store::Store::open(Path::new(&db)).expect("open the storm's store");
    let mut storm = Storm::new(store, seed);
    let mut out = std::io::stdout().lock();
    // Bounded: the parent kills it long before.
    for _ in 0..100_000 {
        for ack in storm.step().expect("a step of the storm") {
            writeln!(out, "{}", ack.line()).unwrap();
            out.flush().unwrap();
        }
    }
}
