//! Staff and operations: conflicts listed and resolved, exports for the library system,
//! metrics, visitor counts, the holds API, HTTPS.

use crate::support::{
    Backend, CliStation, client, demo_station, on_both_backends, runtime, start_hub, start_hub_on,
    write,
};
use serde_json::{Value, json};
use swalayan::circulation::desk::Proof;
use swalayan::import::demo::copy_of;
use swalayan::sync::push::push_pending;

on_both_backends!(
    staff_resolve_conflicts_and_export_what_applied,
    metrics_visits_and_the_holds_api,
    an_untrusted_station_clock_is_corrected_by_the_offset_measured_at_push,
);

fn staff_resolve_conflicts_and_export_what_applied(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let rt = runtime();
    let copy = copy_of("Edensor", 1);
    for (name, patron) in [("kiosk-1", "21000000007"), ("kiosk-2", "21000000010")] {
        let token = hub.add_station(name);
        let mut desk = demo_station(dir.path(), name);
        assert!(
            desk.checkout(patron, &copy, Proof::NotNeeded, None)
                .unwrap()
                .ok
        );
        rt.block_on(push_pending(
            desk.store_mut(),
            &hub.central(&token, name),
            &client(),
        ))
        .unwrap();
    }
    let conflicts = hub.json(&["conflicts", "list"]);
    let list = conflicts.as_array().unwrap();
    assert_eq!(list.len(), 1, "{conflicts}");
    assert_eq!(list[0]["station"], "kiosk-2");
    assert!(
        list[0]["reason"]
            .as_str()
            .unwrap()
            .contains("already on loan")
    );
    let id = list[0]["id"].as_str().unwrap().to_string();

    // Export before resolving: the CSV has both, the KOC file only what applied.
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::db().get("Asia/Jakarta").unwrap())
        .date()
        .to_string();
    let csv_out = hub.cmd(&["export", "csv", "--since", &today]);
    assert_eq!(csv_out.status.code(), Some(0));
    let csv = String::from_utf8(csv_out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("id,time,station,seq,kind,patron,item"));
    assert!(lines.iter().any(|l| l.contains(",conflict,")));
    let koc_file = dir.path().join("out.koc");
    let koc_out = hub.cmd(&[
        "export",
        "koc",
        "--since",
        &today,
        "--out",
        koc_file.to_str().unwrap(),
    ]);
    assert_eq!(koc_out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&koc_out.stderr).contains("1 transactions in conflict left out")
    );
    let koc = std::fs::read_to_string(&koc_file).unwrap();
    let koc_lines: Vec<&str> = koc.lines().collect();
    assert_eq!(koc_lines.len(), 2, "{koc}");
    assert!(koc_lines[0].starts_with("Version=1.0\tGenerator=swalayan\tGeneratorVersion="));
    let fields: Vec<&str> = koc_lines[1].split('\t').collect();
    assert_eq!(fields[1..], ["issue", "21000000007", copy.as_str()]);
    assert_eq!(fields[0].len(), "YYYY-MM-DD HH:MM:SS SSS".len());
    // Nothing from tomorrow on.
    let tomorrow = jiff::civil::Date::strptime("%Y-%m-%d", &today)
        .unwrap()
        .tomorrow()
        .unwrap()
        .to_string();
    let empty = hub.cmd(&["export", "csv", "--since", &tomorrow]);
    assert_eq!(String::from_utf8(empty.stdout).unwrap().lines().count(), 1);

    // Staff resolve it, saying what they did; it leaves the queue but stays on record.
    let out = hub.cmd(&["conflicts", "resolve", &id, "--note", ""]);
    assert_eq!(out.status.code(), Some(2), "a resolution needs a note");
    hub.json(&[
        "conflicts",
        "resolve",
        &id,
        "--note",
        "copy 2 given to the second patron",
    ]);
    let status = hub.status();
    assert_eq!(
        (
            status["conflicts"].as_i64(),
            status["transactions"].as_i64()
        ),
        (Some(0), Some(2))
    );
    let all = hub.json(&["conflicts", "list", "--all"]);
    assert_eq!(all[0]["state"], "resolved");
    assert_eq!(all[0]["resolution"], "copy 2 given to the second patron");
    let again = hub.cmd(&["conflicts", "resolve", &id, "--note", "again"]);
    assert_eq!(again.status.code(), Some(2));
}

fn metrics_visits_and_the_holds_api(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub_on(
        &backend.database(dir.path()),
        "127.0.0.1:0",
        &["--metrics-listen", "127.0.0.1:0"],
    );
    let kiosk = hub.add_station("kiosk-1");
    let token = hub.add_station_as("gate-1", "gate");
    let staff = hub.add_station_as("desk-pc", "staff");
    let rt = runtime();
    let http = client();
    let mut desk = demo_station(dir.path(), "kiosk-1");
    assert!(
        desk.checkout("21000000007", &copy_of("Bumi", 1), Proof::NotNeeded, None)
            .unwrap()
            .ok
    );
    rt.block_on(push_pending(
        desk.store_mut(),
        &hub.central(&kiosk, "kiosk-1"),
        &http,
    ))
    .unwrap();

    // Visitor buckets: a resend replaces, never adds.
    let visits = json!({"station": "gate-1", "buckets": [
        {"start": "2026-11-28T01:00:00Z", "entered": 12, "left": 3},
        {"start": "2026-11-28T02:00:00Z", "entered": 5, "left": 9},
    ]});
    for _ in 0..2 {
        let response = rt
            .block_on(
                http.post(format!("{}/v1/visits", hub.url))
                    .bearer_auth(&token)
                    .json(&visits)
                    .send(),
            )
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    let bad = rt
        .block_on(
            http.post(format!("{}/v1/visits", hub.url))
                .bearer_auth(&token)
                .json(&json!({"station": "gate-1", "buckets": [{"start": "yesterday", "entered": 1, "left": 0}]}))
                .send(),
        )
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let status = hub.status();
    assert_eq!(
        (
            status["visitors_in"].as_i64(),
            status["visitors_out"].as_i64()
        ),
        (Some(17), Some(12))
    );

    // Metrics only on their own listener: the stations' one does not serve them.
    let on_main = rt
        .block_on(http.get(format!("{}/metrics", hub.url)).send())
        .unwrap();
    assert_eq!(on_main.status().as_u16(), 404);
    let metrics = rt
        .block_on(async {
            http.get(hub.metrics_url.as_deref().unwrap())
                .send()
                .await?
                .text()
                .await
        })
        .unwrap();
    assert!(
        metrics.contains("swalayan_hub_pushed_transactions_total{outcome=\"applied\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("swalayan_hub_refused_requests_total{status=\"400\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("swalayan_hub_catalog_revision "),
        "{metrics}"
    );

    // The holds API as staff use it: place, list, cancel for anyone.
    let token = staff;
    let items = write(
        dir.path(),
        "items.csv",
        "barcode,title,item_type\nB1,Ronggeng Dukuh Paruk,book\n",
    );
    let patrons = write(
        dir.path(),
        "patrons.csv",
        "card,name,category,expires\nP1,Siti,adult,2030-01-31\n",
    );
    hub.json(&["import", "items", items.to_str().unwrap()]);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    let place = |body: Value| {
        rt.block_on(
            http.post(format!("{}/v1/holds", hub.url))
                .bearer_auth(&token)
                .json(&body)
                .send(),
        )
        .unwrap()
    };
    let placed = place(json!({"patron": "P1", "item": "B1", "pickup_branch": "pusat"}));
    assert_eq!(placed.status().as_u16(), 201);
    let placed: Value = rt.block_on(placed.json()).unwrap();
    assert_eq!(placed["status"], "waiting");
    let unknown = place(json!({"patron": "P9", "item": "B1", "pickup_branch": "pusat"}));
    assert_eq!(unknown.status().as_u16(), 404);
    let listed: Value = rt
        .block_on(async {
            http.get(format!("{}/v1/holds?patron=P1", hub.url))
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await
        })
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let cancelled = rt
        .block_on(
            http.delete(format!(
                "{}/v1/holds/{}",
                hub.url,
                placed["id"].as_str().unwrap()
            ))
            .bearer_auth(&token)
            .send(),
        )
        .unwrap();
    assert_eq!(cancelled.status().as_u16(), 200);
    assert_eq!(hub.status()["holds"], 0);
}

#[test]
fn a_hub_with_a_certificate_serves_https_and_stations_trust_it_by_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert = params.self_signed(&key).unwrap();
    let cert_file = write(dir.path(), "hub.pem", &cert.pem());
    let key_file = write(dir.path(), "hub.key", &key.serialize_pem());
    let db = Backend::Sqlite.database(dir.path());
    let hub = start_hub_on(
        &db,
        "127.0.0.1:0",
        &[
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
        ],
    );
    assert!(hub.url.starts_with("https://127.0.0.1:"), "{}", hub.url);
    let token = hub.add_station("kiosk-1");
    let station = CliStation::new(
        dir.path(),
        "kiosk-1",
        &hub.url,
        &token,
        "ca_file = \"hub.pem\"\n",
    );
    assert_eq!(station.run(&["init", "--demo"]).status.code(), Some(0));
    let out = station.run(&[
        "circ",
        "checkout",
        "--patron",
        "21000000007",
        "--item",
        &copy_of("Bumi", 1),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report = station.sync();
    assert_eq!(report["pushed"], 1, "{report}");
    // Without the hub's certificate a station refuses to talk to it.
    let stranger = CliStation::new(dir.path(), "kiosk-2", &hub.url, &token, "");
    let out = stranger.run(&["--json", "sync", "--once"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("certificate"), "{stderr}");
}

#[test]
fn the_openapi_file_matches_the_routes_the_hub_serves() {
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/hub-openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(Backend::Sqlite, dir.path());
    let token = hub.add_station("opac");
    let rt = runtime();
    let http = client();
    let paths = spec["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 9, "documented paths");
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            let url = format!("{}{}", hub.url, path.replace("{id}", "no-such-hold"));
            let request = match method.as_str() {
                "get" => http.get(&url),
                "post" => http.post(&url).json(&json!({})),
                "delete" => http.delete(&url),
                other => panic!("undocumented method {other}"),
            };
            let response = rt.block_on(request.bearer_auth(&token).send()).unwrap();
            let status = response.status().as_u16();
            let body = rt.block_on(response.text()).unwrap();
            // The router knows it: no 405, and a 404 is ours (a JSON error), not "no route".
            assert_ne!(status, 405, "{method} {path}");
            assert!(
                status != 404 || body.contains("\"error\""),
                "{method} {path}: {body}"
            );
        }
    }
}

fn an_untrusted_station_clock_is_corrected_by_the_offset_measured_at_push(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station("kiosk-1");
    // A Pi that booted without network believes it is New Year 2020.
    let txn = |id: u32, created: &str, trusted: bool| {
        json!({"id": uuid::Uuid::now_v7(), "seq": id, "kind": "feedback", "created_at": created,
               "clock_trusted": trusted, "payload": {"score": 5}})
    };
    let body = json!({"station": "kiosk-1", "sent_at": "2020-01-01T00:00:00Z", "transactions": [
        txn(1, "2019-12-31T23:59:00Z", false),
        txn(2, "2019-12-31T23:58:00Z", true),
    ]});
    let rt = runtime();
    let response = rt
        .block_on(
            client()
                .post(format!("{}/v1/transactions", hub.url))
                .bearer_auth(&token)
                .json(&body)
                .send(),
        )
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let since = |day: &str| {
        let out = hub.cmd(&["export", "csv", "--since", day, "--timezone", "UTC"]);
        String::from_utf8(out.stdout).unwrap()
    };
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let recent = since(&today.yesterday().unwrap().to_string());
    // The untrusted one lands a minute before the hub received it; the trusted one keeps 2019.
    assert_eq!(recent.lines().count(), 2, "{recent}");
    assert!(
        recent
            .lines()
            .nth(1)
            .unwrap()
            .contains(",kiosk-1,1,feedback,"),
        "{recent}"
    );
    let all = since("2019-12-31");
    assert!(all.contains("2019-12-31 23:58:00"), "{all}");
}

#[test]
fn an_unreachable_database_is_a_clear_error() {
    let out = crate::support::hub_cmd("postgres://hub@127.0.0.1:1/swalayan", &["status"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PostgreSQL") && stderr.contains("refused"),
        "{stderr}"
    );
    let out = crate::support::hub_cmd("/proc/no-such-dir/hub.db", &["status"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot create the hub database"));
}

#[test]
fn sigterm_stops_the_hub_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut hub = start_hub(Backend::Sqlite, dir.path());
    let status = std::process::Command::new("kill")
        .args(["-TERM", &hub.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = hub.child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "systemd's stop is a clean exit");
}

/// A client that sends its request header one byte at a time, or connects and sends
/// nothing, is cut off after `--header-timeout-secs`; the hub keeps serving others.
#[test]
fn a_slow_header_or_an_idle_connection_is_cut_off() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let db = Backend::Sqlite.database(dir.path());
    let hub = start_hub_on(&db, "127.0.0.1:0", &["--header-timeout-secs", "1"]);
    let address = hub.url.trim_start_matches("http://").to_string();
    let header = b"GET /v1/health HTTP/1.1\r\nHost: hub\r\nUser-Agent: slowloris\r\n\r\n";

    // One byte every 250 ms: the whole header would take 16 s.
    let mut slow = std::net::TcpStream::connect(&address).unwrap();
    let started = Instant::now();
    let mut sent = 0;
    let cut_off = loop {
        if sent == header.len() {
            break false;
        }
        if slow.write_all(&header[sent..=sent]).is_err() {
            break true;
        }
        sent += 1;
        // Pacing the attacker, not waiting for the hub: the check is what the hub does.
        std::thread::sleep(Duration::from_millis(250));
        slow.set_nonblocking(true).unwrap();
        let mut probe = [0u8; 64];
        let closed = matches!(slow.read(&mut probe), Ok(0))
            || matches!(slow.read(&mut probe), Err(e) if e.kind() != std::io::ErrorKind::WouldBlock);
        slow.set_nonblocking(false).unwrap();
        if closed {
            break true;
        }
    };
    assert!(
        cut_off,
        "a header dribbled over {:?} was still accepted",
        started.elapsed()
    );
    assert!(sent < header.len(), "cut off after {sent} bytes");

    // A connection that sends nothing is closed too.
    let mut idle = std::net::TcpStream::connect(&address).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buffer = [0u8; 64];
    let read = idle.read(&mut buffer);
    assert!(
        matches!(read, Ok(0))
            || read.is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "an idle connection stayed open"
    );

    // Everyone else is still served.
    let mut good = std::net::TcpStream::connect(&address).unwrap();
    good.write_all(b"GET /v1/health HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    good.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// The hub's SQLite database and its WAL and shared-memory files are its owner's alone
/// (they hold every patron's PIN verifier), whatever the umask.
#[test]
fn the_hub_database_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(Backend::Sqlite, dir.path());
    // A write while serving: the WAL and shared-memory files exist now.
    let token = hub.add_station("kiosk-1");
    let response = runtime()
        .block_on(
            client()
                .get(format!("{}/v1/changes?since=0&limit=1", hub.url))
                .bearer_auth(&token)
                .send(),
        )
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", hub.db);
        let mode = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{path}");
    }
}
