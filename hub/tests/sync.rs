//! A real hub process on 127.0.0.1:0 and real stations (the swalayan library's desk and
//! push), and the swalayan binary's `sync --once`.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use swalayan::circulation::desk::{Desk, DeskSettings, Proof};
use swalayan::clock::SystemClock;
use swalayan::import::demo::{copy_of, load_demo};
use swalayan::store::{Store, outbox};
use swalayan::sync::push::{Central, SyncError, push_pending};

struct Hub {
    child: Child,
    url: String,
    db: PathBuf,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hub_bin() -> &'static str {
    env!("CARGO_BIN_EXE_swalayan-hub")
}

fn hub_cmd(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(hub_bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn start_hub(dir: &Path) -> Hub {
    start_hub_at(dir, "127.0.0.1:0")
}

/// Starts a hub process on `listen` (port 0: any; a fixed port to restart it in place) and
/// reads the address from its first line.
fn start_hub_at(dir: &Path, listen: &str) -> Hub {
    let db = dir.join("hub.db");
    let mut child = Command::new(hub_bin())
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    Hub { child, url, db }
}

fn add_station(hub: &Hub, name: &str) -> String {
    let out = hub_cmd(&hub.db, &["--json", "station", "add", name]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["token"].as_str().unwrap().to_string()
}

fn status(hub: &Hub) -> Value {
    serde_json::from_slice(&hub_cmd(&hub.db, &["--json", "status"]).stdout).unwrap()
}

fn station(dir: &Path, name: &str) -> Desk {
    let mut store = Store::open(&dir.join(format!("{name}.db"))).unwrap();
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    load_demo(&mut store, jiff::Timestamp::now(), &tz, "pusat").unwrap();
    Desk::new(
        store,
        DeskSettings {
            station_id: name.into(),
            branch: "pusat".into(),
            time_zone: tz,
        },
        Box::new(SystemClock),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn transactions_arrive_exactly_once_even_when_resent() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(dir.path());
    let token = add_station(&hub, "kiosk-1");
    let mut desk = station(dir.path(), "kiosk-1");
    for item in ["Negeri 5 Menara", "Bumi", "Sang Pemimpi"] {
        assert!(
            desk.checkout("21000000007", &copy_of(item, 1), Proof::NotNeeded, None)
                .unwrap()
                .ok
        );
    }
    assert!(desk.checkin(&copy_of("Bumi", 1), None).unwrap().ok);
    let central = Central {
        url: hub.url.clone(),
        token,
        station: "kiosk-1".into(),
    };
    let client = reqwest::Client::new();
    let rt = runtime();
    let report = rt
        .block_on(push_pending(desk.store_mut(), &central, &client))
        .unwrap();
    assert_eq!((report.pushed, report.conflicts, report.pending), (4, 0, 0));
    assert_eq!(status(&hub)["transactions"], 4);
    assert_eq!(status(&hub)["loans"], 2);
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
    assert_eq!(status(&hub)["transactions"], 4, "and applied once");
}

#[test]
fn two_offline_stations_lending_one_copy_make_one_conflict_seen_on_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(dir.path());
    let rt = runtime();
    let client = reqwest::Client::new();
    let copy = copy_of("Edensor", 1);
    let mut reports = Vec::new();
    for (name, patron) in [("kiosk-1", "21000000007"), ("kiosk-2", "21000000010")] {
        let token = add_station(&hub, name);
        let mut desk = station(dir.path(), name);
        assert!(
            desk.checkout(patron, &copy, Proof::NotNeeded, None)
                .unwrap()
                .ok
        );
        let central = Central {
            url: hub.url.clone(),
            token,
            station: name.into(),
        };
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
    let s = status(&hub);
    assert_eq!(
        (s["transactions"].as_i64(), s["conflicts"].as_i64()),
        (Some(2), Some(1))
    );
}

#[test]
fn bad_requests_get_clear_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(dir.path());
    let token = add_station(&hub, "kiosk-1");
    add_station(&hub, "kiosk-2");
    let rt = runtime();
    let client = reqwest::Client::new();
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
    assert_eq!(status(&hub)["transactions"], 0, "nothing applied");
    // A station with a wrong token learns it is not transient.
    let mut desk = station(dir.path(), "kiosk-1");
    assert!(
        desk.checkout("21000000007", &copy_of("Bumi", 1), Proof::NotNeeded, None)
            .unwrap()
            .ok
    );
    let central = Central {
        url: hub.url.clone(),
        token: "wrong".into(),
        station: "kiosk-1".into(),
    };
    // A fresh client: the hub closes a connection after refusing an oversized body.
    let err = rt
        .block_on(push_pending(
            desk.store_mut(),
            &central,
            &reqwest::Client::new(),
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

#[test]
fn the_station_cli_syncs_and_exits_3_when_the_hub_is_away() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(dir.path());
    let token = add_station(&hub, "kiosk-9");
    let station_bin = Path::new(hub_bin()).with_file_name("swalayan");
    assert!(
        station_bin.exists(),
        "build the workspace first (cargo build --workspace): {}",
        station_bin.display()
    );
    let db = dir.path().join("kiosk-9.db");
    let config = dir.path().join("kiosk.toml");
    std::fs::write(&config, format!("[station]\nid = \"kiosk-9\"\n\n[central]\nkind = \"hub\"\nurl = \"{}\"\ntoken = \"{token}\"\n", hub.url)).unwrap();
    let swalayan = |args: &[&str]| {
        Command::new(&station_bin)
            .arg("--config")
            .arg(&config)
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
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
}

#[test]
fn the_worker_syncs_on_demand_and_comes_back_after_an_outage() {
    use std::sync::mpsc::channel;
    use std::time::Duration;
    use swalayan::sync::worker::{SyncEvent, SyncWorker, WorkerTiming};

    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let hub = start_hub_at(dir.path(), &listen);
    let token = add_station(&hub, "kiosk-1");
    let mut desk = station(dir.path(), "kiosk-1");
    assert!(
        desk.checkout("21000000007", &copy_of("Bumi", 1), Proof::NotNeeded, None)
            .unwrap()
            .ok
    );
    let central = Central {
        url: hub.url.clone(),
        token,
        station: "kiosk-1".into(),
    };
    let timing = WorkerTiming {
        interval: Duration::from_secs(3600),
        backoff_min: Duration::from_millis(100),
        backoff_max: Duration::from_millis(400),
    };
    let (tx, events) = channel();
    let worker = SyncWorker::spawn(dir.path().join("kiosk-1.db"), central, timing, tx).unwrap();
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
        SyncEvent::Failed { transient, .. } => assert!(transient),
        other => panic!("{other:?}"),
    }
    // The hub comes back on the same address: the retry after the backoff gets through.
    let hub = start_hub_at(dir.path(), &listen);
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
    assert_eq!(status(&hub)["transactions"], 2);
    drop(worker);
}
