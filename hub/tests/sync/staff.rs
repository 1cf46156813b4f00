//! The staff's pages from a real hub process: accounts made with `swalayan-hub staff`, the
//! sign-in at `/staff/login` with its own cookie, the stations page and its CSV, the audit
//! log for admins only, and an account's password change or removal taking effect at once.

use crate::support::{Backend, CliStation, on_both_backends};
use crate::web::{Browser, start};

/// A browser signed in to the staff pages as a new account `name` with `role`.
pub(crate) fn signed_in(hub: &crate::support::Hub, name: &str, role: &str) -> Browser {
    let password = hub.json(&["staff", "add", name, "--role", role])["password"]
        .as_str()
        .unwrap()
        .to_string();
    let mut browser = Browser::new(&hub.url);
    browser.get("/staff/login");
    let csrf = browser.csrf();
    let signed = browser.post(
        "/staff/login",
        &[("user", name), ("password", &password), ("csrf", &csrf)],
    );
    assert_eq!(signed.status, 303, "{name} signed in");
    browser
}

on_both_backends!(staff_sign_in_see_the_stations_and_admins_read_the_audit_log);

fn staff_sign_in_see_the_stations_and_admins_read_the_audit_log(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start(backend, dir.path());
    let ana = hub.json(&["staff", "add", "ana", "--role", "admin"]);
    assert_eq!(
        (ana["staff"].as_str(), ana["role"].as_str()),
        (Some("ana"), Some("admin"))
    );
    let ana_password = ana["password"].as_str().unwrap().to_string();
    assert_eq!(ana_password.len(), 23, "{ana}");
    let budi = hub.json(&["staff", "add", "budi", "--role", "librarian"]);
    let budi_password = budi["password"].as_str().unwrap().to_string();
    assert_eq!(
        hub.cmd(&["staff", "add", "ana", "--role", "librarian"])
            .status
            .code(),
        Some(2)
    );
    let listed = hub.json(&["staff", "list"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    assert!(
        !listed.to_string().contains("argon2"),
        "no hash leaves the hub: {listed}"
    );

    // A kiosk that synced: its health report is on the stations page.
    let token = hub.add_station("kiosk-1");
    let kiosk = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();

    // Signed out, /staff is the sign-in; a forged form and a wrong password sign no one in.
    let mut browser = Browser::new(&hub.url);
    let away = browser.get("/staff");
    assert_eq!(
        (away.status, away.location.as_deref()),
        (303, Some("/staff/login"))
    );
    let form = browser.get("/staff/login");
    assert!(form.body.contains(r#"name="user""#) && form.body.contains(r#"name="password""#));
    let forged = browser.post(
        "/staff/login",
        &[
            ("user", "ana"),
            ("password", &ana_password),
            ("csrf", &"0".repeat(64)),
        ],
    );
    assert_eq!(forged.status, 403);
    let csrf = browser.csrf();
    let wrong = browser.post(
        "/staff/login",
        &[("user", "ana"), ("password", "tebakan"), ("csrf", &csrf)],
    );
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Nama atau kata sandi salah."));
    let nobody = browser.post(
        "/staff/login",
        &[("user", "siapa"), ("password", "x"), ("csrf", &csrf)],
    );
    assert_eq!(
        nobody.status, 401,
        "an unknown name is told apart from nothing"
    );
    assert!(!browser.cookies.contains_key("__Host-staff_sid"));

    // Ana signs in: a cookie only /staff receives, never sent by another site's request.
    let signed = browser.post(
        "/staff/login",
        &[
            ("user", "ana"),
            ("password", &ana_password),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(
        (signed.status, signed.location.as_deref()),
        (303, Some("/staff"))
    );
    let cookie = browser
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-staff_sid="))
        .unwrap();
    // Served over HTTPS: __Host- prefixed, so the whole site (Path=/) and Secure.
    assert!(
        cookie.contains("Path=/;")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Secure"),
        "{cookie}"
    );
    let stations = browser.get("/staff");
    assert_eq!(stations.status, 200);
    assert!(stations.body.contains("kiosk-1"), "{}", stations.body);
    assert!(stations.body.contains("noindex"));
    let csv = browser.get("/staff?format=csv");
    assert!(
        csv.body
            .starts_with("station,role,last_seen,pending,conflicts,devices,alarms,revoked\n"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("kiosk-1,kiosk,"), "{}", csv.body);
    let english = browser.get("/staff?lang=en");
    assert!(english.body.contains("Last seen"));

    // The audit log: every account change, by whom; admins only.
    let audit = browser.get("/staff/audit");
    assert_eq!(audit.status, 200);
    assert!(
        audit.body.contains("staff add") && audit.body.contains("budi (librarian)"),
        "{}",
        audit.body
    );
    let mut librarian = Browser::new(&hub.url);
    librarian.get("/staff/login");
    let csrf_b = librarian.csrf();
    let in_b = librarian.post(
        "/staff/login",
        &[
            ("user", "budi"),
            ("password", &budi_password),
            ("csrf", &csrf_b),
        ],
    );
    assert_eq!(in_b.status, 303);
    assert_eq!(librarian.get("/staff/audit").status, 403);
    assert_eq!(librarian.get("/staff").status, 200);

    // A new password: the old one no longer signs in. Removing Budi ends his session.
    let renewed = hub.json(&["staff", "passwd", "ana"]);
    assert_ne!(renewed["password"].as_str().unwrap(), ana_password);
    // The change, made on the command line, ends Ana's session in the running hub at her
    // next request (fails without the credential check: the session lived on in memory).
    let ended = browser.get("/staff");
    assert_eq!(ended.status, 303);
    assert!(
        ended
            .location
            .as_deref()
            .unwrap()
            .starts_with("/staff/login"),
        "{:?}",
        ended.location
    );
    let csrf = browser.csrf();
    let back = browser.post(
        "/staff/login",
        &[
            ("user", "ana"),
            ("password", renewed["password"].as_str().unwrap()),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(back.status, 303, "{}", back.body);
    let mut again = Browser::new(&hub.url);
    again.get("/staff/login");
    let csrf_c = again.csrf();
    let old = again.post(
        "/staff/login",
        &[
            ("user", "ana"),
            ("password", &ana_password),
            ("csrf", &csrf_c),
        ],
    );
    assert_eq!(old.status, 401);
    hub.json(&["staff", "remove", "budi"]);
    let gone = librarian.get("/staff");
    assert_eq!(
        (gone.status, gone.location.as_deref()),
        (303, Some("/staff/login"))
    );
    let log = hub.json(&["staff", "audit"]);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["staff remove", "staff passwd", "staff add", "staff add"]
    );
    assert_eq!(log[0]["staff"], "command line");

    // Signing out ends the session at the hub: the old cookie, sent again, is nobody's.
    let sid = browser.cookies["__Host-staff_sid"].clone();
    let csrf = browser.csrf();
    assert_eq!(
        browser.post("/staff/logout", &[("csrf", &csrf)]).status,
        303
    );
    browser.cookies.insert("__Host-staff_sid".into(), sid);
    assert_eq!(browser.get("/staff").status, 303);
}

on_both_backends!(the_circulation_page_and_the_report_command_agree);

/// Loans, a renewal and a return at a real kiosk: the staff page's numbers (its CSV) are the
/// report command's, and the page draws them.
fn the_circulation_page_and_the_report_command_agree(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start(backend, dir.path());
    let patrons = crate::support::write(dir.path(), "patrons.csv", crate::web::PATRONS);
    let items = crate::support::write(dir.path(), "items.csv", crate::web::ITEMS);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    hub.json(&["import", "items", items.to_str().unwrap()]);
    let token = hub.add_station("kiosk-1");
    let kiosk = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();
    for item in ["B1", "B3"] {
        let (code, out) = kiosk.json(&[
            "circ", "checkout", "--patron", "P1", "--item", item, "--pin", "1234",
        ]);
        assert_eq!(code, 0, "{out}");
    }
    let (code, out) = kiosk.json(&["circ", "renew", "--patron", "P1", "--item", "B1"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = kiosk.json(&["circ", "checkin", "--item", "B3"]);
    assert_eq!(code, 0, "{out}");
    kiosk.sync();

    // Today as the library counts days (the default time zone, Asia/Jakarta).
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(tz).date();
    let (from, to) = (today.yesterday().unwrap().to_string(), today.to_string());
    let report = hub.json(&["report", "circulation", "--from", &from, "--to", &to]);
    assert_eq!(report["from"], from.as_str());
    assert_eq!(
        report["rows"],
        serde_json::json!([{"date": to, "station": "kiosk-1", "loans": 2, "returns": 1, "renewals": 1}])
    );
    let cli_csv = hub.cmd(&[
        "report",
        "circulation",
        "--from",
        &from,
        "--to",
        &to,
        "--csv",
    ]);
    let cli_csv = String::from_utf8(cli_csv.stdout).unwrap();
    assert_eq!(
        cli_csv,
        format!("date,station,loans,returns,renewals\n{to},kiosk-1,2,1,1\n")
    );

    let mut browser = signed_in(&hub, "ana", "librarian");
    let page_csv = browser.get(&format!(
        "/staff/circulation?from={from}&to={to}&format=csv"
    ));
    assert_eq!(
        page_csv.body, cli_csv,
        "the page's numbers are the command's"
    );
    let page = browser.get(&format!("/staff/circulation?from={from}&to={to}"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<svg") && page.body.contains("Pinjam: 2"),
        "{}",
        page.body
    );
    let english = browser.get(&format!("/staff/circulation?from={from}&to={to}&lang=en"));
    assert!(english.body.contains("Loans: 2") && english.body.contains("Per station"));
    let bad = browser.get("/staff/circulation?from=kemarin&lang=id");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("tidak dikenali"), "{}", bad.body);
    let backwards = browser.get(&format!("/staff/circulation?from={to}&to={from}"));
    assert_eq!(backwards.status, 400);

    // A gate's counts and two web feedback forms: the visitors and feedback pages give the
    // numbers of their commands too.
    let gate = hub.add_station_as("gate-1", "gate");
    let at = |hour: i8| {
        today
            .at(hour, 0, 0, 0)
            .to_zoned_datetime(jiff::tz::db().get("Asia/Jakarta").unwrap())
            .unwrap()
            .timestamp()
            .to_string()
    };
    let visits = serde_json::json!({"station": "gate-1", "buckets": [
        {"start": at(9), "entered": 12, "left": 3},
        {"start": at(10), "entered": 5, "left": 13},
    ]});
    let sent = crate::support::runtime().block_on(
        crate::support::client()
            .post(format!("{}/v1/visits", hub.url))
            .bearer_auth(&gate)
            .json(&visits)
            .send(),
    );
    assert_eq!(sent.unwrap().status().as_u16(), 200);
    // Two patrons on two devices (one address's second post a day would not count).
    for (device, score, comment) in [(20, "4", "Kiosnya mudah dipakai"), (21, "2", "")] {
        let mut patron = Browser::from_address(&hub.url, [127, 0, 0, device]);
        patron.get("/feedback");
        let csrf = patron.csrf();
        let sent = patron.post(
            "/feedback",
            &[("score", score), ("comment", comment), ("csrf", &csrf)],
        );
        assert!(sent.status < 400, "{}", sent.body);
    }
    for (kind, page) in [
        ("visitors", "/staff/visitors"),
        ("feedback", "/staff/feedback"),
    ] {
        let cli = hub.cmd(&["report", kind, "--from", &from, "--to", &to, "--csv"]);
        assert_eq!(
            cli.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&cli.stderr)
        );
        let cli = String::from_utf8(cli.stdout).unwrap();
        let page_csv = browser.get(&format!("{page}?from={from}&to={to}&format=csv"));
        assert_eq!(
            page_csv.body, cli,
            "{kind}: the page's numbers are the command's"
        );
        let html = browser.get(&format!("{page}?from={from}&to={to}&lang=id"));
        assert_eq!(html.status, 200);
        assert!(html.body.contains("<svg"), "{kind}");
    }
    let feedback = hub.json(&["report", "feedback", "--from", &from, "--to", &to]);
    assert_eq!(feedback["rows"][0]["responses"], 2, "{feedback}");
    assert_eq!(feedback["rows"][0]["average"], 3.0, "{feedback}");
    assert_eq!(feedback["comments"][0]["comment"], "Kiosnya mudah dipakai");
    let visitors_page = browser.get(&format!("/staff/visitors?from={from}&to={to}&lang=id"));
    assert!(
        visitors_page.body.contains("17</strong> kunjungan"),
        "{}",
        visitors_page.body
    );
    // 17 in, 16 out: within the 10 % two counters may differ, so not flagged.
    assert!(!visitors_page.body.contains("periksa sensor"));
    // Per gate (the command's --gate) and hour by hour with who is inside.
    let one_gate = hub.json(&[
        "report", "visitors", "--from", &from, "--to", &to, "--gate", "gate-1",
    ]);
    assert_eq!(
        (&one_gate["entries"], &one_gate["exits"]),
        (&serde_json::json!(17), &serde_json::json!(16))
    );
    let nobody = hub.json(&[
        "report", "visitors", "--from", &from, "--to", &to, "--gate", "gate-9",
    ]);
    assert_eq!(nobody["entries"], 0);
    let gates = browser.get(&format!(
        "/staff/visitors?from={from}&to={to}&format=csv&table=gates"
    ));
    assert!(
        gates
            .body
            .contains(&format!("gate-1,17,16,{},0\n", one_gate["visits"])),
        "{}",
        gates.body
    );
    let hours = browser.get(&format!(
        "/staff/visitors?from={from}&to={to}&day={to}&format=csv&table=hours"
    ));
    assert!(
        hours.body.contains("09,12,3,9\n10,5,13,1\n"),
        "12 in and 3 out leave 9 inside: {}",
        hours.body
    );
    assert!(visitors_page.body.contains("Per gerbang") && visitors_page.body.contains("gate-1"));
    let bad_day = browser.get(&format!("/staff/visitors?from={from}&to={to}&day=besok"));
    assert_eq!(bad_day.status, 400);
    let feedback_page = browser.get(&format!("/staff/feedback?from={from}&to={to}"));
    assert!(feedback_page.body.contains("Kiosnya mudah dipakai"));

    // A loan whose due date has passed (a station's checkout with its own due date), and a
    // renewal on the web: overdue copies, the most borrowed titles, the channels and fines.
    let overdue = serde_json::json!({"station": "kiosk-1", "transactions": [{
        "id": uuid::Uuid::now_v7(), "seq": 1_000_000, "kind": "checkout",
        "created_at": jiff::Timestamp::now().to_string(), "clock_trusted": true,
        "payload": {"patron": "P2", "item": "B2", "due": "2026-11-01"}
    }]});
    let pushed = crate::support::runtime().block_on(
        crate::support::client()
            .post(format!("{}/v1/transactions", hub.url))
            .bearer_auth(&token)
            .json(&overdue)
            .send(),
    );
    assert_eq!(pushed.unwrap().status().as_u16(), 200);
    let mut siti = Browser::new(&hub.url);
    assert_eq!(siti.sign_in("P1", "1234").status, 303);
    let csrf = siti.csrf();
    let renewed = siti.post("/account/loans/renew", &[("csrf", &csrf), ("item", "B1")]);
    assert!(renewed.status < 400, "{}", renewed.body);
    let report = hub.json(&["report", "circulation", "--from", &from, "--to", &to]);
    assert_eq!(
        report["top_titles"],
        serde_json::json!([{"title": "Laskar Pelangi", "loans": 2}, {"title": "Bumi Manusia", "loans": 1}]),
        "B1 and B2 are one title: {report}"
    );
    assert_eq!(report["overdue"][0]["item"], "B2", "{report}");
    assert_eq!(report["overdue"][0]["patron_name"], "Budi Santoso");
    assert_eq!(report["overdue"].as_array().unwrap().len(), 1);
    assert_eq!(
        report["channels"],
        serde_json::json!([{"channel": "kiosk", "transactions": 5}, {"channel": "web", "transactions": 1}])
    );
    assert_eq!(report["self_service_share"], 0.833);
    assert_eq!(
        report["fines_outstanding"], 250_000,
        "Budi's imported Rp2.500, in hundredths"
    );
    for (table, expected) in [
        ("overdue", "B2,Laskar Pelangi,P2,Budi Santoso,2026-11-01,"),
        ("titles", "title,loans\nLaskar Pelangi,2\nBumi Manusia,1\n"),
        ("channels", "channel,transactions\nkiosk,5\nweb,1\n"),
    ] {
        let csv = browser.get(&format!(
            "/staff/circulation?from={from}&to={to}&format=csv&table={table}"
        ));
        assert!(csv.body.contains(expected), "{table}: {}", csv.body);
    }
    let page = browser.get(&format!("/staff/circulation?from={from}&to={to}&lang=en"));
    assert!(
        page.body.contains("83.3 %") && page.body.contains("Budi Santoso"),
        "{}",
        page.body
    );
    let page = browser.get(&format!("/staff/circulation?from={from}&to={to}&lang=id"));
    assert!(page.body.contains("83,3 %"), "{}", page.body);
}

on_both_backends!(attendance_at_the_door_and_the_monthly_summary_agree_with_their_commands);

/// Who came to an event: a member checked in at a kiosk (a real station's outbox pushed to
/// the hub), a walk-in's card at the kiosk, staff ticking the waiting list and adding a
/// walk-in by name (then taking one back); the events page's numbers are `report events`',
/// the monthly page's `report monthly`'s.
fn attendance_at_the_door_and_the_monthly_summary_agree_with_their_commands(backend: Backend) {
    use swalayan::circulation::desk::Proof;
    use swalayan::sync::push::push_pending;
    let dir = tempfile::tempdir().unwrap();
    let hub = start(backend, dir.path());
    let patrons = crate::support::write(dir.path(), "patrons.csv", crate::web::PATRONS);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(tz).date();
    let tomorrow = today.tomorrow().unwrap();
    let id = hub.json(&[
        "events",
        "add",
        "--title",
        "Dongeng Pagi",
        "--starts",
        &format!("{tomorrow}T09:00"),
        "--ends",
        &format!("{tomorrow}T11:00"),
        "--capacity",
        "1",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    // P1 takes the one place, P2 waits.
    for (card, pin) in [("P1", "1234"), ("P2", "5678")] {
        let mut member = Browser::new(&hub.url);
        assert_eq!(member.sign_in(card, pin).status, 303);
        let csrf = member.csrf();
        member.post(&format!("/events/{id}/register"), &[("csrf", &csrf)]);
    }

    // At the door, a kiosk: P1 (registered) and P3 (not) scan their cards on the banner;
    // P1 scans twice. A check-in at an event the hub does not have is a conflict for staff.
    let token = hub.add_station("kiosk-1");
    let mut desk = crate::support::demo_station(dir.path(), "kiosk-1");
    for card in ["P1", "P3", "P1"] {
        desk.record_attendance(&id, card).unwrap();
    }
    desk.record_attendance("no-such-event", "P1").unwrap();
    // And a loan at the same kiosk, for the monthly summary.
    let copy = swalayan::import::demo::copy_of("Bumi", 1);
    assert!(
        desk.checkout("21000000007", &copy, Proof::NotNeeded, None)
            .unwrap()
            .ok
    );
    let central = hub.central(&token, "kiosk-1");
    let report = crate::support::runtime()
        .block_on(push_pending(
            desk.store_mut(),
            &central,
            &crate::support::client(),
        ))
        .unwrap();
    assert_eq!((report.pushed, report.conflicts), (4, 1), "{report:?}");
    let conflicts = hub.json(&["conflicts", "list"]).to_string();
    assert!(
        conflicts.contains("event no-such-event, which the hub does not have"),
        "{conflicts}"
    );

    // Staff at the door: the list, P2 (waiting) ticked present, a walk-in by name, one by
    // mistake taken back.
    let mut browser = signed_in(&hub, "ana", "librarian");
    let path = format!("/staff/events/{id}");
    let list = browser.get(&path);
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("Siti"), "members by name: {}", list.body);
    let roster = hub.json(&["events", "registrations", &id]);
    let waiting_id = roster["waiting"][0]["id"].as_str().unwrap().to_string();
    assert!(roster["confirmed"][0]["attended"].is_string(), "{roster}");
    assert_eq!(roster["confirmed"][0]["checked_in_by"], "kiosk-1");
    let csrf = browser.csrf();
    for form in [
        vec![
            ("registration", waiting_id.as_str()),
            ("csrf", csrf.as_str()),
        ],
        vec![("who", "Pak Guru Ahmad"), ("csrf", csrf.as_str())],
        vec![("who", "Salah Ketik"), ("csrf", csrf.as_str())],
    ] {
        let done = browser.post(&format!("{path}/check-in"), &form);
        assert_eq!(done.status, 303, "{}", done.body);
    }
    let roster = hub.json(&["events", "registrations", &id]);
    let mistaken = roster["walk_ins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Salah Ketik")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let undone = browser.post(
        &format!("{path}/undo"),
        &[("registration", &mistaken), ("csrf", &csrf)],
    );
    assert_eq!(undone.status, 303);
    let forged = browser.post(
        &format!("{path}/check-in"),
        &[("who", "Palsu"), ("csrf", &"0".repeat(64))],
    );
    assert_eq!(forged.status, 403, "CSRF");

    let day = tomorrow.to_string();
    let events = hub.json(&["report", "events", "--from", &day, "--to", &day]);
    let row = &events["rows"][0];
    assert_eq!(
        (
            &row["registered"],
            &row["waiting"],
            &row["attended"],
            &row["walk_ins"],
            &row["participants"],
            &row["no_shows"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(2),
            &serde_json::json!(2),
            &serde_json::json!(4),
            &serde_json::Value::Null
        ),
        "P1 and P2 came, P3 and Pak Guru walked in; no-shows once it is over: {events}"
    );
    let audit = hub.json(&["staff", "audit"]).to_string();
    assert_eq!(audit.matches("\"event check-in\"").count(), 3, "{audit}");
    assert!(audit.contains("event check-in undone"), "{audit}");

    // The conflict is resolved on its page with a note.
    let page = browser.get("/staff/conflicts");
    assert!(
        page.body.contains("which the hub does not have"),
        "{}",
        page.body
    );
    let conflict_id = hub.json(&["conflicts", "list"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let csrf = browser.csrf();
    let resolved = browser.post(
        &format!("/staff/conflicts/{conflict_id}/resolve"),
        &[("note", "salah pilih acara di kios"), ("csrf", &csrf)],
    );
    assert_eq!(resolved.status, 303);
    assert_eq!(hub.json(&["conflicts", "list"]), serde_json::json!([]));
    let all = hub.json(&["conflicts", "list", "--all"]).to_string();
    assert!(all.contains("salah pilih acara di kios (ana)"), "{all}");
    assert!(
        browser
            .get("/staff/conflicts?lang=en")
            .body
            .contains("No conflicts await staff")
    );
    let audit = hub.json(&["staff", "audit"]).to_string();
    assert!(audit.contains("conflict resolved"), "{audit}");

    let first = today.first_of_month().to_string();
    for (kind, page) in [("events", "/staff/events"), ("monthly", "/staff/monthly")] {
        let (from, to) = if kind == "events" {
            (day.clone(), day.clone())
        } else {
            (first.clone(), today.to_string())
        };
        let cli = hub.cmd(&["report", kind, "--from", &from, "--to", &to, "--csv"]);
        assert_eq!(
            cli.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&cli.stderr)
        );
        let cli = String::from_utf8(cli.stdout).unwrap();
        let page_csv = browser.get(&format!("{page}?from={from}&to={to}&format=csv"));
        assert_eq!(
            page_csv.body, cli,
            "{kind}: the page's numbers are the command's"
        );
        for lang in ["id", "en"] {
            let html = browser.get(&format!("{page}?from={from}&to={to}&lang={lang}"));
            assert_eq!(html.status, 200, "{kind} {lang}");
            assert!(html.body.contains("format=xlsx"), "{kind}: the Excel link");
        }
        // The workbook, from the page and from `--xlsx`, read by PyPI's openpyxl: its first
        // sheet's cells are the CSV's.
        let page_book = browser.fetch(&format!("{page}?from={from}&to={to}&format=xlsx"), &[]);
        assert_eq!(page_book.status, 200);
        assert_eq!(
            page_book.headers["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let from_page = dir.path().join(format!("{kind}-page.xlsx"));
        std::fs::write(&from_page, &page_book.bytes).unwrap();
        let from_cli = dir.path().join(format!("{kind}-cli.xlsx"));
        let written = hub.cmd(&[
            "report",
            kind,
            "--from",
            &from,
            "--to",
            &to,
            "--json",
            "--xlsx",
            from_cli.to_str().unwrap(),
        ]);
        assert_eq!(written.status.code(), Some(0));
        serde_json::from_slice::<serde_json::Value>(&written.stdout).expect("--json still printed");
        for book in [&from_page, &from_cli] {
            let sheets = crate::feeds::python(OPENPYXL, book);
            workbook_is_csv(&sheets, &cli);
        }
    }
    let monthly = hub.json(&[
        "report",
        "monthly",
        "--from",
        &first,
        "--to",
        &today.to_string(),
    ]);
    let month = &monthly["rows"][0];
    assert_eq!(month["month"], today.strftime("%Y-%m").to_string());
    assert_eq!(
        (&month["loans"], &month["active_members"]),
        (&serde_json::json!(1), &serde_json::json!(1)),
        "{monthly}"
    );
    // Nobody's joining date is known (the file has no `joined` column): nobody is new.
    assert_eq!(month["new_members"], 0);
    let english = browser.get(&format!("/staff/events?from={day}&to={day}&lang=en"));
    assert!(english.body.contains("Dongeng Pagi") && english.body.contains("Walk-ins"));
}

/// A workbook's sheets as openpyxl reads them: `{sheet: [[cell as text]]}`, dates ISO 8601
/// (with the time when the cell's format shows one), numbers as Python writes them.
pub(crate) const OPENPYXL: &str = r#"
import sys, json, datetime, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
out = {}
for sheet in book.worksheets:
    rows = []
    for row in sheet.iter_rows():
        cells = []
        for cell in row:
            v = cell.value
            if v is None:
                cells.append("")
            elif isinstance(v, datetime.datetime):
                cells.append(v.isoformat() if "h" in cell.number_format else v.date().isoformat())
            elif isinstance(v, bool):
                cells.append(str(v))
            elif isinstance(v, (int, float)):
                cells.append(str(int(v)) if float(v).is_integer() else repr(v))
            else:
                cells.append(str(v))
        rows.append(cells)
    out[sheet.title] = {"rows": rows, "types": [[c.data_type for c in r] for r in sheet.iter_rows(min_row=2)]}
print(json.dumps(list(out.items())))
"#;

/// The first sheet's data rows against the CSV's (text equal, or numbers equal to the cent),
/// and no number or date stored as text.
pub(crate) fn workbook_is_csv(sheets: &serde_json::Value, csv: &str) {
    let first = &sheets[0][1];
    let rows: Vec<Vec<String>> = serde_json::from_value(first["rows"].clone()).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows.len(),
        records.len() + 1,
        "a header and the CSV's rows: {sheets}"
    );
    for (row, record) in rows[1..].iter().zip(&records) {
        for (cell, field) in row.iter().zip(record.iter()) {
            let same = cell == field
                || matches!((cell.parse::<f64>(), field.parse::<f64>()), (Ok(a), Ok(b)) if (a - b).abs() < 0.005);
            assert!(same, "{cell:?} is not the CSV's {field:?} ({record:?})");
        }
    }
    let types: Vec<Vec<String>> = serde_json::from_value(first["types"].clone()).unwrap();
    for (row, record) in types.iter().zip(&records) {
        for (kind, field) in row.iter().zip(record.iter()) {
            if field.parse::<f64>().is_ok() || field.parse::<jiff::civil::Date>().is_ok() {
                assert_ne!(kind, "s", "{field:?} is kept as text");
            }
        }
    }
}

on_both_backends!(staff_publish_promotions_and_events_that_reach_the_kiosks);

/// Promotions and events written on the staff's pages: a picture and English text, only the
/// kiosks ticked, mistakes answered with the form as typed, changes and withdrawal audited,
/// and a kiosk's next sync carrying them.
fn staff_publish_promotions_and_events_that_reach_the_kiosks(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start(backend, dir.path());
    let patrons = crate::support::write(dir.path(), "patrons.csv", crate::web::PATRONS);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    let token = hub.add_station("kiosk-1");
    hub.add_station("kiosk-2");
    let mut browser = signed_in(&hub, "ana", "librarian");
    let form = browser.get("/staff/promotions");
    assert!(
        form.body.contains(r#"value="kiosk-2""#),
        "kiosks to choose: {}",
        form.body
    );
    let csrf = browser.csrf();
    let png = &png_of(2, 2);

    // Mistakes come back with what was typed and what to fix.
    let backwards = browser.post_multipart(
        "/staff/promotions",
        &[
            ("csrf", &csrf),
            ("title", "Pekan buku anak"),
            ("body", "Diskon denda"),
            ("starts_on", "2026-12-10"),
            ("ends_on", "2026-12-01"),
        ],
        None,
    );
    assert_eq!(backwards.status, 400);
    assert!(
        backwards.body.contains("before it starts"),
        "{}",
        backwards.body
    );
    assert!(
        backwards.body.contains(r#"value="Pekan buku anak""#),
        "kept as typed"
    );
    let gif = browser.post_multipart(
        "/staff/promotions",
        &[("csrf", &csrf), ("title", "Gambar"), ("body", "isi")],
        Some(("picture", b"GIF89a....")),
    );
    assert_eq!(gif.status, 400);
    assert!(gif.body.contains("PNG or JPEG"), "{}", gif.body);
    // A form over the limit is too large (413, with the limits), not "form expired".
    let huge_file = vec![0u8; 3 * 1024 * 1024];
    let too_big = browser.post_multipart(
        "/staff/promotions",
        &[("csrf", &csrf), ("title", "Besar"), ("body", "isi")],
        Some(("picture", &huge_file)),
    );
    assert_eq!(too_big.status, 413, "{}", too_big.body);
    assert!(too_big.body.contains("300 KB"), "{}", too_big.body);
    // A small file declaring 5000 × 5000 pixels: decoded at the hub and refused.
    let wide = browser.post_multipart(
        "/staff/promotions",
        &[("csrf", &csrf), ("title", "Lebar"), ("body", "isi")],
        Some(("picture", &png_of(5000, 5000))),
    );
    assert_eq!(wide.status, 400);
    assert!(wide.body.contains("4096"), "{}", wide.body);
    let forged = browser.post_multipart(
        "/staff/promotions",
        &[("csrf", &"0".repeat(64)), ("title", "x"), ("body", "y")],
        None,
    );
    assert_eq!(forged.status, 403);
    assert_eq!(hub.json(&["promotions", "list"]), serde_json::json!([]));

    let added = browser.post_multipart(
        "/staff/promotions",
        &[
            ("csrf", &csrf),
            ("title", "Pekan buku anak"),
            ("body", "Buku cerita baru di ruang anak."),
            ("title_en", "Children's book week"),
            ("body_en", "New story books in the children's room."),
            ("stations", "kiosk-2"),
        ],
        Some(("picture", png)),
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let list = hub.json(&["promotions", "list"]);
    let promotion = &list[0]["promotion"];
    let id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(promotion["title_en"], "Children's book week");
    assert_eq!(promotion["stations"], serde_json::json!(["kiosk-2"]));
    assert!(
        promotion["image"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,iVBORw0KGgo")
    );
    let english = browser.get("/staff/promotions?lang=en");
    assert!(
        english.body.contains("Children&#39;s book week")
            || english.body.contains("Children's book week")
    );

    // A kiosk's next sync carries it, picture and all; the kiosk shows it only if named.
    let kiosk = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();
    let conn = rusqlite::Connection::open(&kiosk.db).unwrap();
    let (title_en, stations, picture): (String, String, bool) = conn
        .query_row(
            "SELECT title_en, stations, image LIKE 'data:image/png;base64,%' FROM promotions WHERE central_key = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (title_en.as_str(), stations.as_str(), picture),
        ("Children's book week", r#"["kiosk-2"]"#, true)
    );

    // Changed (every kiosk now, the picture removed), then withdrawn.
    let changed = browser.post_multipart(
        &format!("/staff/promotions/{id}"),
        &[
            ("csrf", &csrf),
            ("title", "Pekan buku anak 2026"),
            ("body", "Buku cerita baru di ruang anak."),
            ("drop_picture", "1"),
        ],
        None,
    );
    assert_eq!(changed.status, 303, "{}", changed.body);
    let promotion = &hub.json(&["promotions", "list"])[0]["promotion"];
    assert_eq!(promotion["title"], "Pekan buku anak 2026");
    assert!(
        promotion["image"].is_null() && promotion["stations"].is_null(),
        "{promotion}"
    );
    let removed = browser.post(
        &format!("/staff/promotions/{id}/remove"),
        &[("csrf", &csrf)],
    );
    assert_eq!(removed.status, 303);
    assert_eq!(hub.json(&["promotions", "list"]), serde_json::json!([]));

    // An event written on the page; more places give the first in line a place; fewer than
    // the places taken is refused with the reason.
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    let day = jiff::Timestamp::now()
        .to_zoned_datetime(tz)
        .date()
        .checked_add(jiff::Span::new().days(3))
        .unwrap();
    let event_fields = |capacity: &'static str| {
        vec![
            ("title".to_string(), "Dongeng Pagi".to_string()),
            ("title_en".to_string(), "Morning stories".to_string()),
            ("starts".to_string(), format!("{day}T09:00")),
            ("ends".to_string(), format!("{day}T10:30")),
            ("capacity".to_string(), capacity.to_string()),
            ("place".to_string(), "Ruang anak".to_string()),
        ]
    };
    let send = |browser: &mut Browser, path: &str, fields: Vec<(String, String)>| {
        let mut all: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        all.push(("csrf", &csrf));
        browser.post_multipart(path, &all, None)
    };
    let bad_time = send(
        &mut browser,
        "/staff/events/new",
        vec![
            ("title".into(), "Dongeng".into()),
            ("starts".into(), "besok".into()),
            ("ends".into(), "".into()),
        ],
    );
    assert_eq!(bad_time.status, 400);
    assert!(
        bad_time.body.contains("not understood") && bad_time.body.contains(r#"value="besok""#),
        "the sentence, and the time as typed: {}",
        bad_time.body
    );
    let created = send(&mut browser, "/staff/events/new", event_fields("1"));
    assert_eq!(created.status, 303, "{}", created.body);
    let event_id = created
        .location
        .unwrap()
        .trim_start_matches("/staff/events/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    for (card, pin) in [("P1", "1234"), ("P2", "5678")] {
        let mut member = Browser::new(&hub.url);
        member.sign_in(card, pin);
        let token = member.csrf();
        member.post(&format!("/events/{event_id}/register"), &[("csrf", &token)]);
    }
    let edit = format!("/staff/events/{event_id}/edit");
    let edit_page = browser.get(&edit);
    assert!(
        edit_page.body.contains(r#"value="Morning stories""#),
        "{} {}",
        edit_page.status,
        edit_page.body
    );
    assert_eq!(send(&mut browser, &edit, event_fields("2")).status, 303);
    let listed = hub.json(&["events", "list"]);
    assert_eq!(
        (&listed[0]["registered"], &listed[0]["waiting"]),
        (&serde_json::json!(2), &serde_json::json!(0)),
        "{listed}"
    );
    let fewer = send(&mut browser, &edit, event_fields("1"));
    assert_eq!(fewer.status, 400);
    assert!(
        fewer.body.contains("2 people hold places"),
        "{}",
        fewer.body
    );
    let public = crate::web::get(&format!("{}/events/{event_id}?lang=en", hub.url), None);
    assert!(
        public.body.contains("Morning stories"),
        "the web in English"
    );
    let cancelled = browser.post(
        &format!("/staff/events/{event_id}/remove"),
        &[("csrf", &csrf)],
    );
    assert_eq!(cancelled.status, 303);
    assert_eq!(hub.json(&["events", "list"]), serde_json::json!([]));

    let audit = hub.json(&["staff", "audit"]).to_string();
    for action in [
        "promotion added",
        "promotion changed",
        "promotion withdrawn",
        "event added",
        "event changed",
        "event cancelled",
    ] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
}

/// A PNG of `width` × `height` grey pixels, encoded here.
fn png_of(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    let mut writer = encoder.write_header().unwrap();
    writer
        .write_image_data(&vec![128u8; (width * height) as usize])
        .unwrap();
    drop(writer);
    out
}
