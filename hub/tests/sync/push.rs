//! Push: exactly once, conflicts kept and seen on both sides, bad requests refused, the
//! station's CLI and worker through an outage.

use crate::support::{
    Backend, CliStation, demo_station as station, on_both_backends, runtime, start_hub,
    start_hub_on,
};
use serde_json::Value;
use std::time::Duration;
use swalayan::circulation::desk::Proof;
use swalayan::import::demo::copy_of;
use swalayan::store::outbox;
use swalayan::sync::push::{SyncError, push_pending};

on_both_backends!(
    transactions_arrive_exactly_once_even_when_resent,
    two_offline_stations_lending_one_copy_make_one_conflict_seen_on_both_sides,
    bad_requests_get_clear_errors_and_change_nothing,
    the_station_cli_syncs_and_exits_3_when_the_hub_is_away,
    the_worker_syncs_on_demand_and_comes_back_after_an_outage,
);

fn transactions_arrive_exactly_once_even_when_resent(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station("kiosk-1");
    let mut desk = station(dir.path(), "kiosk-1");
    for item in ["Negeri 5 Menara", "Bumi", "Sang Pemimpi"] {
        assert!(
            desk.checkout("21000000007", &copy_of(item, 1), Proof::NotNeeded, None)
                .unwrap()
                .ok
        );
    }
    assert!(desk.checkin(&copy_of("Bumi", 1), None).unwrap().ok);
    let central = hub.central(&token, "kiosk-1");
    let client = crate::support::client();
    let rt = runtime();
    let report = rt
        .block_on(push_pending(desk.store_mut(), &central, &client))
        .unwrap();
    assert_eq!((report.pushed, report.conflicts, report.pending), (4, 0, 0));
    assert_eq!(hub.status()["transactions"], 4);
    assert_eq!(hub.status()["loans"], 2);
    // The acknowledgement was lost (a crash after the hub applied): the station resends.
    desk.store()
        .conn()
        .execute("UPDATE outbox SET state = 'pending'", [])
        .unwrap();
    let again = rt
        .block_on(push_pending(desk.store_mut(), &central, &client))
        .unwrap();
    assert_eq!(
        (again.pushed, again.pending),
        (4, 0),
        "duplicates are acknowledged"
    );
    assert_eq!(hub.status()["transactions"], 4, "and applied once");
}

fn two_offline_stations_lending_one_copy_make_one_conflict_seen_on_both_sides(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let rt = runtime();
    let client = crate::support::client();
    let copy = copy_of("Edensor", 1);
    let mut reports = Vec::new();
    for (name, patron) in [("kiosk-1", "21000000007"), ("kiosk-2", "21000000010")] {
        let token = hub.add_station(name);
        let mut desk = station(dir.path(), name);
        assert!(
            desk.checkout(patron, &copy, Proof::NotNeeded, None)
                .unwrap()
                .ok
        );
        let central = hub.central(&token, name);
        reports.push(
            rt.block_on(push_pending(desk.store_mut(), &central, &client))
                .unwrap(),
        );
        let rows = outbox::list(desk.store().conn(), false, None).unwrap();
        if name == "kiosk-2" {
            assert!(
                rows[0]
                    .conflict_reason
                    .as_deref()
                    .unwrap()
                    .contains("already on loan"),
                "{rows:?}"
            );
        }
    }
    assert_eq!((reports[0].conflicts, reports[1].conflicts), (0, 1));
    let s = hub.status();
    assert_eq!(
        (s["transactions"].as_i64(), s["conflicts"].as_i64()),
        (Some(2), Some(1))
    );
}

fn bad_requests_get_clear_errors_and_change_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station("kiosk-1");
    hub.add_station("kiosk-2");
    let rt = runtime();
    let client = crate::support::client();
    let url = format!("{}/v1/transactions", hub.url);
    let txn = serde_json::json!({"id": uuid::Uuid::now_v7(), "seq": 1, "kind": "checkout", "created_at": "2026-11-28T10:00:00Z", "clock_trusted": true, "payload": {"item": "B1"}});
    let cases: Vec<(Option<&str>, Vec<u8>, u16)> = vec![
        (
            Some("wrong-token"),
            serde_json::to_vec(&serde_json::json!({"station": "kiosk-1", "transactions": [txn]}))
                .unwrap(),
            401,
        ),
        (
            None,
            serde_json::to_vec(&serde_json::json!({"station": "kiosk-1", "transactions": [txn]}))
                .unwrap(),
            401,
        ),
        (
            Some(&token),
            serde_json::to_vec(&serde_json::json!({"station": "kiosk-2", "transactions": [txn]}))
                .unwrap(),
            403,
        ),
        (
            Some(&token),
            serde_json::to_vec(
                &serde_json::json!({"station": "kiosk-1", "transactions": [txn, txn]}),
            )
            .unwrap(),
            400,
        ),
        (
            Some(&token),
            (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect(),
            400,
        ),
        (Some(&token), vec![b'['; 9 * 1024 * 1024], 413),
    ];
    for (i, (auth, body, expected)) in cases.into_iter().enumerate() {
        let mut request = client
            .post(&url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(auth) = auth {
            request = request.bearer_auth(auth);
        }
        let response = rt.block_on(request.send()).unwrap();
        assert_eq!(response.status().as_u16(), expected, "case {i}");
        let text = rt.block_on(response.text()).unwrap();
        if expected != 413 {
            let v: Value =
                serde_json::from_str(&text).unwrap_or_else(|_| panic!("case {i}: {text}"));
            assert!(
                v["error"].as_str().is_some_and(|e| !e.is_empty()),
                "case {i}: {text}"
            );
        }
    }
    assert_eq!(hub.status()["transactions"], 0, "nothing applied");
    // A station with a wrong token learns it is not transient.
    let mut desk = station(dir.path(), "kiosk-1");
    assert!(
        desk.checkout("21000000007", &copy_of("Bumi", 1), Proof::NotNeeded, None)
            .unwrap()
            .ok
    );
    let central = hub.central("wrong", "kiosk-1");
    // A fresh client: the hub closes a connection after refusing an oversized body.
    let err = rt
        .block_on(push_pending(
            desk.store_mut(),
            &central,
            &crate::support::client(),
        ))
        .unwrap_err();
    assert!(
        matches!(err, SyncError::Refused { status: 401, .. }) && !err.is_transient(),
        "{err}"
    );
    assert_eq!(
        outbox::counts(desk.store().conn()).unwrap().0,
        1,
        "the row stays pending"
    );
}

fn the_station_cli_syncs_and_exits_3_when_the_hub_is_away(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station("kiosk-9");
    let cli = CliStation::new(dir.path(), "kiosk-9", &hub.url, &token, "");
    let swalayan = |args: &[&str]| cli.run(args);
    assert_eq!(swalayan(&["init", "--demo"]).status.code(), Some(0));
    assert_eq!(
        swalayan(&[
            "circ",
            "checkout",
            "--patron",
            "21000000007",
            "--item",
            &copy_of("Bumi", 1)
        ])
        .status
        .code(),
        Some(0)
    );
    let out = swalayan(&["--json", "sync", "--once"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (_, status) = cli.json(&["status"]);
    assert_eq!(
        (status["online"].as_bool(), status["pending"].as_i64()),
        (Some(true), Some(0)),
        "{status}"
    );
    assert_eq!(
        (
            v["pushed"].as_u64(),
            v["conflicts"].as_u64(),
            v["pending"].as_i64()
        ),
        (Some(1), Some(0), Some(0))
    );
    drop(hub);
    assert_eq!(
        swalayan(&["circ", "checkin", "--item", &copy_of("Bumi", 1)])
            .status
            .code(),
        Some(0),
        "circulation never waits on the network"
    );
    let out = swalayan(&["--json", "sync", "--once"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be reached"));
    // `swalayan status` tells staff the central is away, what waits, and the last good sync.
    let (code, status) = cli.json(&["status"]);
    assert_eq!(code, 0);
    assert_eq!(status["online"], false, "{status}");
    assert_eq!(status["pending"], 1);
    assert!(status["last_sync"].is_string(), "{status}");
    assert!(
        status["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot be reached"),
        "{status}"
    );
}

fn the_worker_syncs_on_demand_and_comes_back_after_an_outage(backend: Backend) {
    use std::sync::mpsc::channel;
    use std::time::Duration;
    use swalayan::sync::worker::{SyncEvent, SyncWorker, WorkerTiming};

    let dir = tempfile::tempdir().unwrap();
    let listen = crate::support::free_address();
    let db = backend.database(dir.path());
    let hub = start_hub_on(&db, &listen, &[]);
    let token = hub.add_station("kiosk-1");
    let mut desk = station(dir.path(), "kiosk-1");
    assert!(
        desk.checkout("21000000007", &copy_of("Bumi", 1), Proof::NotNeeded, None)
            .unwrap()
            .ok
    );
    let central = hub.central(&token, "kiosk-1");
    let timing = WorkerTiming {
        interval: Duration::from_secs(3600),
        backoff_min: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
    };
    let (tx, events) = channel();
    let link = swalayan::sync::central::HubLink::new(central).unwrap();
    let worker =
        SyncWorker::spawn(dir.path().join("kiosk-1.db"), Box::new(link), timing, tx).unwrap();
    // The first tick fires at once.
    match events.recv_timeout(Duration::from_secs(10)).unwrap() {
        SyncEvent::Completed(report) => assert_eq!((report.pushed, report.pending), (1, 0)),
        other => panic!("{other:?}"),
    }
    // The hub goes away; a new loan wakes the worker, which fails and backs off.
    drop(hub);
    assert!(
        desk.checkout(
            "21000000007",
            &copy_of("Sang Pemimpi", 1),
            Proof::NotNeeded,
            None
        )
        .unwrap()
        .ok
    );
    worker.sync_now();
    match events.recv_timeout(Duration::from_secs(10)).unwrap() {
        SyncEvent::Failed { problem, .. } => {
            assert_eq!(problem, swalayan::sync::push::CentralProblem::Unreachable)
        }
        other => panic!("{other:?}"),
    }
    // The hub comes back on the same address: the retry after the backoff gets through.
    let hub = start_hub_on(&db, &listen, &[]);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never came back"
        );
        worker.sync_now();
        match events.recv_timeout(Duration::from_secs(5)) {
            Ok(SyncEvent::Completed(report)) if report.pending == 0 => break,
            Ok(_) | Err(_) => continue,
        }
    }
    assert_eq!(hub.status()["transactions"], 2);
    drop(worker);
}

/// `swalayan status --json` tells a wrong token (staff must fix it) from a hub that is away
/// (transactions wait): `problem` differs, and the live probe says the hub is up in the first
/// case only.
#[test]
fn status_tells_a_refused_token_from_an_unreachable_hub() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(Backend::Sqlite, dir.path());
    hub.add_station("kiosk-1");
    let wrong = CliStation::new(dir.path(), "kiosk-1", &hub.url, "not-the-token", "");
    assert_eq!(wrong.json(&["init", "--demo"]).0, 0);
    let (code, _) = wrong.json(&["sync", "--once"]);
    assert_eq!(code, 3);
    let (_, status) = wrong.json(&["status"]);
    assert_eq!(status["problem"], "token_refused", "{status}");
    assert_eq!(status["online"], true, "the hub itself answers");

    let away_url = format!("http://{}", crate::support::free_address());
    let away = CliStation::new(dir.path(), "kiosk-2", &away_url, "any", "");
    assert_eq!(away.json(&["init", "--demo"]).0, 0);
    let (code, _) = away.json(&["sync", "--once"]);
    assert_eq!(code, 3);
    let (_, status) = away.json(&["status"]);
    assert_eq!(status["problem"], "unreachable", "{status}");
    assert_eq!(status["online"], false);
    let human = away.run(&["--lang", "en", "status"]);
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("wait here"),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );
}

/// Plain `swalayan sync` keeps syncing until stopped: a JSON line per round, and SIGTERM
/// ends it cleanly (exit 0), as systemd stops it.
#[test]
fn plain_sync_runs_until_sigterm_with_a_line_per_round() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(Backend::Sqlite, dir.path());
    let token = hub.add_station("kiosk-1");
    let station = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(station.json(&["init", "--demo"]).0, 0);
    let (code, _) = station.json(&[
        "circ",
        "checkout",
        "--patron",
        "21000000007",
        "--item",
        "31000002801",
    ]);
    assert_eq!(code, 0);
    let mut child = std::process::Command::new(crate::support::station_bin())
        .arg("--config")
        .arg(&station.config)
        .arg("--db")
        .arg(&station.db)
        .args(["--json", "sync"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["event"], "completed", "{first}");
    assert_eq!(
        (first["pushed"].as_u64(), first["pending"].as_i64()),
        (Some(1), Some(0))
    );
    // SAFETY: a plain kill(2) on our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sync did not stop within 30 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    assert_eq!(hub.status()["transactions"], 1);
}
