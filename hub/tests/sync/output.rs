//! Safe output and counting right at the edges: what the hub hands staff and
//! browsers cannot run or leak, files of card numbers are private, both binaries end quietly
//! on a closed pipe, the sitemap is served only with absolute addresses, and visitor buckets
//! are the same bucket whatever offset the gate wrote them in.

use crate::staff::signed_in;
use crate::support::{
    Backend, client, hub_bin, on_both_backends, runtime, start_hub, start_hub_on, station_bin,
};
use crate::web::{Browser, get, start};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

on_both_backends!(
    a_guests_formula_reaches_staff_as_text,
    a_bucket_is_one_instant_whatever_its_offset,
);

/// An event published, and a guest named `name` registered for it on its page (200);
/// returns the event's id and the page the guest saw.
fn a_guest_registers(hub: &crate::support::Hub, name: &str) -> (String, String) {
    let added = hub.json(&[
        "events",
        "add",
        "--title",
        "Dongeng",
        "--starts",
        "2099-12-19T09:00",
        "--ends",
        "2099-12-19T10:00",
    ]);
    let id = added["id"].as_str().unwrap().to_string();
    let mut guest = Browser::new(&hub.url);
    let page = guest.get(&format!("/events/{id}"));
    let csrf = guest.csrf();
    let registered = guest.post(
        &format!("/events/{id}/register"),
        &[("csrf", &csrf), ("name", name), ("phone", "081234567890")],
    );
    assert_eq!(registered.status, 200, "{}", registered.body);
    (id, page.body)
}

/// A guest named `=HYPERLINK(...)` reached staff as a live formula in the roster CSV. Every
/// CSV cell beginning with = + - @, tab or CR now starts with `'` (remove `csv_safe::cell`'s
/// rule and the cell below is the bare formula).
fn a_guests_formula_reaches_staff_as_text(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start(backend, dir.path());
    let formula = r#"=HYPERLINK("http://evil.example/","Klik")"#;
    let (id, _) = a_guest_registers(&hub, formula);
    let mut staff = signed_in(&hub, "ana", "librarian");
    let csv = staff.get(&format!("/staff/events/{id}?format=csv"));
    assert_eq!(csv.status, 200);
    let row = csv.body.lines().nth(1).unwrap_or_default().to_string();
    assert!(
        row.contains(r#"'=HYPERLINK("#) || row.contains(r#""'=HYPERLINK(""#),
        "{}",
        csv.body
    );
    assert!(
        !row.contains(r#",=HYPERLINK"#) && !row.contains(r#","=HYPERLINK"#),
        "{row}"
    );
}

/// Visitor buckets were stored with the offset the gate wrote and compared as text: a bucket
/// at 23:30 +07:00 fell out of its own day's report, and one instant sent as 05:00Z and as
/// 12:00+07:00 counted twice. Buckets are now keyed by their instant, a resend under another
/// offset replaces the first, and rows written before are migrated when the hub opens its
/// database. Without the fix the day counts 4 + 10 + 12 + 3 + 5 instead of 4 + 12 + 5.
fn a_bucket_is_one_instant_whatever_its_offset(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let gate = hub.add_station_as("gate-1", "gate");
    let send = |buckets: Value| {
        let rt = runtime();
        let response = rt
            .block_on(
                client()
                    .post(format!("{}/v1/visits", hub.url))
                    .bearer_auth(&gate)
                    .json(&json!({"station": "gate-1", "buckets": buckets}))
                    .send(),
            )
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
    };
    send(json!([
        {"start": "2026-11-18T23:30:00+07:00", "entered": 4, "left": 4},
        {"start": "2026-11-18T05:00:00Z", "entered": 10, "left": 9},
    ]));
    // The same instant again, written in local time, with the counts grown.
    send(json!([{"start": "2026-11-18T12:00:00+07:00", "entered": 12, "left": 11}]));
    let day = || {
        hub.json(&[
            "report",
            "visitors",
            "--from",
            "2026-11-18",
            "--to",
            "2026-11-18",
        ])
    };
    assert_eq!(day()["entries"], 16, "{}", day());

    // Rows a hub wrote before buckets were instants: the same instant under two offsets,
    // and one that belongs to the 18th only by its instant. Opening the database (any
    // command) rewrites them in UTC, the larger counts kept for the pair.
    let old = [
        ("2026-11-18T08:00:00+07:00", 3),
        ("2026-11-18T01:00:00Z", 5),
        ("2026-11-19T01:30:00+08:00", 2),
    ];
    match backend {
        Backend::Sqlite => {
            let conn = rusqlite::Connection::open(&hub.db).unwrap();
            for (start, entered) in old {
                conn.execute(
                    "INSERT INTO visits(station, passage, start, entered, left) VALUES ('gate-1', '', ?1, ?2, ?2)",
                    rusqlite::params![start, entered],
                )
                .unwrap();
            }
        }
        Backend::Postgres => {
            let mut conn = postgres::Client::connect(&hub.db, postgres::NoTls).unwrap();
            for (start, entered) in old {
                let entered = i64::from(entered);
                conn.execute(
                    "INSERT INTO visits(station, passage, start, entered, \"left\") VALUES ('gate-1', '', $1, $2, $2)",
                    &[&start, &entered],
                )
                .unwrap();
            }
        }
    }
    // 2026-11-19T01:30+08:00 is 2026-11-18T17:30Z: 00:30 on the 19th in Jakarta, not the 18th.
    assert_eq!(day()["entries"], 16 + 5, "{}", day());
    let next = hub.json(&[
        "report",
        "visitors",
        "--from",
        "2026-11-19",
        "--to",
        "2026-11-19",
    ]);
    assert_eq!(next["entries"], 2, "{next}");
}

/// Error pages lacked the headers pages have. Every answer of the web now carries them: an
/// unknown address, a sitemap refused, the robots file (remove the `security_headers` layer
/// and the 404 has none).
#[test]
fn every_web_answer_has_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start(Backend::Sqlite, dir.path());
    for path in ["/no/such/page", "/title/nothing-here", "/robots.txt", "/"] {
        let got = get(&format!("{}{path}", hub.url), None);
        for header in [
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
        ] {
            assert!(got.headers.contains_key(header), "{path}: no {header}");
        }
    }
    let missing = get(&format!("{}/no/such/page", hub.url), None);
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("Halaman ini tidak ada"),
        "{}",
        missing.body
    );
}

/// CSRF tokens were plain double-submit cookies: the token of a page fetched before signing
/// in still worked after it. Tokens are now an HMAC of the visitor's cookies, sessions
/// included (with the old scheme the sign-out below is a 303). Over HTTPS (an https
/// `public_url` here) every answer carries HSTS.
#[test]
fn a_form_token_is_bound_to_the_session_it_was_made_for() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start(Backend::Sqlite, dir.path());
    let patrons = crate::support::write(dir.path(), "patrons.csv", crate::web::PATRONS);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    let mut siti = Browser::new(&hub.url);
    let before = siti.csrf();
    assert_eq!(siti.sign_in("P1", "1234").status, 303);
    let stale = siti.post("/account/sign-out", &[("csrf", &before)]);
    assert_eq!(stale.status, 403, "a token from before the sign-in");
    let mut budi = Browser::new(&hub.url);
    let others = budi.csrf();
    assert_eq!(
        siti.post("/account/sign-out", &[("csrf", &others)]).status,
        403,
        "another visitor's token"
    );
    let fresh = siti.csrf();
    assert_ne!(fresh, before);
    assert_eq!(
        siti.post("/account/sign-out", &[("csrf", &fresh)]).status,
        303
    );
    let page = get(&format!("{}/", hub.url), None);
    assert_eq!(
        page.headers
            .get("strict-transport-security")
            .map(|v| v.to_str().unwrap()),
        Some("max-age=31536000")
    );
}

/// A hub without `[library]` (no public_url) served a sitemap of relative addresses, which
/// the protocol forbids, and turned guest registration off against docs/config.md. Now no
/// sitemap (404, and robots.txt says why) and guests may register.
#[test]
fn a_hub_without_a_library_section_has_no_sitemap_and_takes_guests() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(Backend::Sqlite, dir.path());
    let sitemap = get(&format!("{}/sitemap.xml", hub.url), None);
    assert_eq!(sitemap.status, 404);
    let robots = get(&format!("{}/robots.txt", hub.url), None);
    assert!(!robots.body.contains("Sitemap:"), "{}", robots.body);
    assert!(robots.body.contains("public_url"), "{}", robots.body);

    let (_, page) = a_guest_registers(&hub, "Rina");
    assert!(
        page.contains(r#"name="phone""#),
        "guests are offered the form"
    );
}

/// `export koc --out FILE` wrote card numbers with mode 0644. Now 0600, also over an older
/// file that had 0644.
#[test]
fn an_export_of_card_numbers_is_readable_by_its_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db").display().to_string();
    for (format, file) in [("koc", "loans.koc"), ("csv", "loans.csv")] {
        let out = dir.path().join(file);
        std::fs::write(&out, "old").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
        let done = crate::support::hub_cmd(
            &db,
            &[
                "export",
                format,
                "--since",
                "2026-01-01",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(
            done.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}: {mode:o}");
    }
}

/// `swalayan-hub --json simulate --days 30 | head -c 100` panicked with a backtrace
/// ("failed printing to stdout: Broken pipe"). Both binaries now end quietly (status 141, as
/// a program ended by SIGPIPE) when their reader has gone. The pipe's reading end is closed
/// before the program starts, so its first write fails, every run.
#[test]
fn both_binaries_end_quietly_on_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db").display().to_string();
    let runs: [(std::path::PathBuf, Vec<&str>); 2] = [
        (
            hub_bin().into(),
            vec!["--db", &db, "--json", "simulate", "--days", "2"],
        ),
        (
            station_bin(),
            vec![
                "--json",
                "tag",
                "decode",
                "11010133313030303030303030310000000000C76349442D54544B0000000000",
            ],
        ),
    ];
    for (program, args) in runs {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(&program)
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.is_empty(), "{}: {said}", program.display());
        assert_eq!(out.status.code(), Some(141), "{}", program.display());
    }
}

/// An API 500 echoed the internal error's text. Now it says only that the hub failed (the
/// cause goes to the log): the database is removed under a running hub to provoke it.
#[test]
fn an_api_error_of_the_hub_says_nothing_of_its_insides() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let hub = start_hub_on(db.to_str().unwrap(), "127.0.0.1:0", &[]);
    let token = hub.add_station("kiosk-1");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP TABLE transactions").unwrap();
    drop(conn);
    let rt = runtime();
    let response = rt
        .block_on(
            client()
                .post(format!("{}/v1/transactions", hub.url))
                .bearer_auth(&token)
                .json(
                    &json!({"station": "kiosk-1", "transactions": [crate::roles::txn(
                    "feedback", json!({"score": 5, "branch": "pusat"}))]}),
                )
                .send(),
        )
        .unwrap();
    assert_eq!(response.status().as_u16(), 500);
    let body = rt.block_on(response.text()).unwrap();
    assert!(
        !body.contains("transactions") && !body.contains("SQLite"),
        "{body}"
    );
    assert!(body.contains("log"), "{body}");
}
