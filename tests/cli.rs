use crate::support::{Station, stderr};
use serde_json::Value;
use swalayan::import::demo::copy_of;

const SITI: &str = "21000000001"; // PIN 1234, two loans, one overdue
const BUDI: &str = "21000000002"; // blocked
const AYU: &str = "21000000003"; // fines over the limit
const RUDI: &str = "21000000004"; // expired
const DEWI: &str = "21000000005"; // PIN 4321, a hold ready
const ANDI: &str = "21000000006"; // child at the loan limit
const PUTRI: &str = "21000000007"; // child, no PIN
const HENDRA: &str = "21000000009"; // waiting for Laut Bercerita
const MAYA: &str = "21000000010"; // has Laut Bercerita

fn checkout(s: &Station, patron: &str, item: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["circ", "checkout", "--patron", patron, "--item", item];
    args.extend_from_slice(extra);
    s.json(&args)
}

#[test]
fn checkout_then_checkin_writes_loan_and_outbox() {
    let s = Station::demo();
    let item = copy_of("Negeri 5 Menara", 1);
    let (code, v) = checkout(&s, PUTRI, &item, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["reason"], Value::Null);
    assert!(v["transaction_id"].as_str().is_some_and(|t| t.len() == 36));
    assert!(v["due"].as_str().is_some_and(|d| d.len() == 10));
    let (_, shown) = s.json(&["item", "show", &item]);
    assert_eq!(shown["status"], "on_loan");
    assert_eq!(shown["due"], v["due"]);

    let (code, back) = s.json(&["circ", "checkin", "--item", &item]);
    assert_eq!(code, 0);
    assert_eq!(back["ok"], true);
    assert_eq!(back["route"], "shelve");
    assert_eq!(back["fine"], 0);
    let (_, shown) = s.json(&["item", "show", &item]);
    assert_eq!(shown["status"], "available");

    let (_, rows) = s.json(&["outbox", "list", "--pending"]);
    let kinds: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["checkout", "checkin"],
        "init --demo writes no outbox rows"
    );
    assert_eq!(rows[0]["id"], v["transaction_id"]);
    assert_eq!(rows[0]["seq"], 1);
    assert_eq!(rows[1]["seq"], 2);
}

#[test]
fn patron_refusals_have_reason_codes_and_exit_1() {
    let s = Station::demo();
    let item = copy_of("Negeri 5 Menara", 1);
    for (patron, reason) in [
        ("99999999999", "patron_not_found"),
        (BUDI, "patron_blocked"),
        (AYU, "fines_over_limit"),
        (RUDI, "patron_expired"),
        (SITI, "pin_required"),
    ] {
        let (code, v) = checkout(&s, patron, &item, &[]);
        assert_eq!(
            (code, v["reason"].as_str()),
            (1, Some(reason)),
            "{patron}: {v}"
        );
        assert_eq!(v["ok"], false);
    }
    let (code, v) = checkout(&s, ANDI, &copy_of("Bumi", 1), &[]);
    assert_eq!(
        (code, v["reason"].as_str()),
        (1, Some("loan_limit_reached")),
        "{v}"
    );
}

#[test]
fn item_refusals_have_reason_codes() {
    let s = Station::demo();
    let pin = ["--pin", "1234"];
    for (item, reason) in [
        ("NOSUCHITEM".to_string(), "item_not_found"),
        (copy_of("Laskar Pelangi", 2), "already_on_loan_to_patron"),
        (copy_of("Laut Bercerita", 1), "on_loan_to_other"),
        (copy_of("Cantik Itu Luka", 1), "on_hold_for_another"),
        (copy_of("Max Havelaar", 2), "item_lost"),
        (copy_of("Atheis", 1), "item_missing"),
        (copy_of("Senja di Jakarta", 2), "item_withdrawn"),
        (copy_of("Harimau! Harimau!", 1), "item_damaged"),
        (copy_of("Kamus Besar Bahasa Indonesia", 1), "not_for_loan"),
    ] {
        let (code, v) = checkout(&s, SITI, &item, &pin);
        assert_eq!(
            (code, v["reason"].as_str()),
            (1, Some(reason)),
            "{item}: {v}"
        );
    }
    let set = copy_of("Belajar Bahasa Inggris: buku dan CD audio", 1);
    let (code, v) = checkout(&s, SITI, &set, &["--pin", "1234", "--parts-seen", "1"]);
    assert_eq!(
        (code, v["reason"].as_str()),
        (1, Some("parts_missing")),
        "{v}"
    );
    let (code, v) = checkout(&s, SITI, &set, &["--pin", "1234", "--parts-seen", "2"]);
    assert_eq!((code, v["ok"].as_bool()), (0, Some(true)), "{v}");
}

#[test]
fn three_wrong_pins_lock_the_card_even_against_the_right_one() {
    // Regression guard for issue #2: lockout after 3 wrong PINs, 15 minutes by default.
    let s = Station::demo();
    let item = copy_of("Negeri 5 Menara", 1);
    let (_, v) = checkout(&s, SITI, &item, &["--pin", "0000"]);
    assert_eq!(v["reason"], "pin_incorrect");
    let (_, v) = checkout(&s, SITI, &item, &["--pin", "0001"]);
    assert_eq!(v["reason"], "pin_incorrect");
    let (_, v) = checkout(&s, SITI, &item, &["--pin", "0002"]);
    assert_eq!(v["reason"], "pin_locked");
    let (code, v) = checkout(&s, SITI, &item, &["--pin", "1234"]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("pin_locked")));
    // Renewals take no PIN and still work for a locked card.
    let (code, v) = s.json(&[
        "circ",
        "renew",
        "--patron",
        SITI,
        "--item",
        &copy_of("Laskar Pelangi", 2),
    ]);
    assert_eq!((code, v["ok"].as_bool()), (0, Some(true)), "{v}");
    let (_, account) = s.json(&["patron", "show", SITI]);
    assert!(account["pin_locked_until"].is_string());
}

#[test]
fn overdue_return_charges_a_fine_and_records_it() {
    let s = Station::demo();
    let overdue = copy_of("Bumi Manusia", 1); // due 10 days ago
    let (code, v) = s.json(&["circ", "checkin", "--item", &overdue]);
    assert_eq!(code, 0);
    assert!(v["fine"].as_i64().unwrap() > 0, "{v}");
    let (_, account) = s.json(&["patron", "show", SITI]);
    assert_eq!(account["fines"], v["fine"]);
    let (_, rows) = s.json(&["outbox", "list"]);
    let kinds: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["checkin", "fine"]);
    assert_eq!(
        rows[1]["payload"]["amount"].as_i64().unwrap(),
        v["fine"].as_i64().unwrap() * 100
    );
}

#[test]
fn renewal_refused_while_others_wait() {
    let s = Station::demo();
    let (code, v) = s.json(&[
        "circ",
        "renew",
        "--patron",
        MAYA,
        "--item",
        &copy_of("Laut Bercerita", 1),
    ]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("has_holds")), "{v}");
    let (code, v) = s.json(&[
        "circ",
        "renew",
        "--patron",
        PUTRI,
        "--item",
        &copy_of("Laut Bercerita", 1),
    ]);
    assert_eq!(
        (code, v["reason"].as_str()),
        (1, Some("not_on_loan")),
        "{v}"
    );
}

#[test]
fn a_hold_travels_from_return_to_hold_shelf_to_pickup() {
    let s = Station::demo();
    let item = copy_of("Laut Bercerita", 1);
    // Maya returns the copy Hendra waits for: it goes to the hold shelf.
    let (_, back) = s.json(&["circ", "checkin", "--item", &item]);
    assert_eq!(back["route"], "hold_shelf", "{back}");
    let (_, shown) = s.json(&["item", "show", &item]);
    assert_eq!(shown["status"], "on_hold_shelf");
    // Nobody else may take it.
    let (code, v) = checkout(&s, PUTRI, &item, &[]);
    assert_eq!(
        (code, v["reason"].as_str()),
        (1, Some("on_hold_for_another"))
    );
    // Hendra picks it up.
    let (code, v) = s.json(&["circ", "pickup", "--patron", HENDRA]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["items"][0]["item"]["barcode"], item.as_str());
    assert_eq!(v["items"][0]["ok"], true);
    let (_, shown) = s.json(&["item", "show", &item]);
    assert_eq!(shown["status"], "on_loan");
    // Nothing more waits for him.
    let (code, v) = s.json(&["circ", "pickup", "--patron", HENDRA]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("no_holds_waiting")));
}

#[test]
fn pickup_checks_the_pin_and_lends_what_waits() {
    let s = Station::demo();
    let (code, v) = s.json(&["circ", "pickup", "--patron", DEWI]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("pin_required")));
    let (code, v) = s.json(&["circ", "pickup", "--patron", DEWI, "--pin", "4321"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"][0]["item"]["title"], "Cantik Itu Luka");
}

#[test]
fn holds_on_titles_and_items_queue_up() {
    let s = Station::demo();
    let (_, hits) = s.json(&["catalog", "search", "laut", "bercerita"]);
    let title_id = hits[0]["title_id"].to_string();
    let (code, v) = s.json(&["circ", "hold", "--patron", PUTRI, "--title", &title_id]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["position"], 2, "Hendra is first");
    let (code, v) = s.json(&["circ", "hold", "--patron", PUTRI, "--title", &title_id]);
    assert_eq!(
        (code, v["reason"].as_str()),
        (1, Some("hold_already_placed"))
    );
    let (code, v) = s.json(&[
        "circ",
        "hold",
        "--patron",
        PUTRI,
        "--item",
        &copy_of("Kamus Besar Bahasa Indonesia", 1),
    ]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("not_for_loan")));
    let (code, v) = s.json(&[
        "circ",
        "hold",
        "--patron",
        PUTRI,
        "--title",
        "9789799731234",
    ]);
    assert_eq!(code, 0, "ISBN finds Bumi Manusia: {v}");
    let (code, v) = s.json(&[
        "circ",
        "hold",
        "--patron",
        PUTRI,
        "--title",
        "no-such-title",
    ]);
    assert_eq!((code, v["reason"].as_str()), (1, Some("title_not_found")));
}

#[test]
fn a_copy_of_another_branch_is_sent_home() {
    let s = Station::demo();
    let (_, v) = s.json(&["circ", "checkin", "--item", &copy_of("Pulang", 1)]);
    assert_eq!(v["route"], "transfer");
    assert_eq!(v["transfer_to"], "perpustakaan-keliling");
    let (_, v) = s.json(&["circ", "checkin", "--item", "NOSUCH"]);
    assert_eq!(
        (v["ok"].as_bool(), v["route"].as_str()),
        (Some(false), Some("exception"))
    );
}

#[test]
fn catalog_search_matches_words_in_any_case() {
    let s = Station::demo();
    let (code, hits) = s.json(&["catalog", "search", "PRAMOEDYA", "bumi"]);
    assert_eq!(code, 0);
    let titles: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Bumi Manusia"]);
    let (_, hits) = s.json(&["catalog", "search", "899.221", "HIR"]);
    assert!(
        hits.as_array().unwrap().len() >= 4,
        "call number words: {hits}"
    );
    let (_, hits) = s.json(&["catalog", "search", "9789793062792"]);
    assert_eq!(hits[0]["title"], "Laskar Pelangi");
    let (_, hits) = s.json(&["catalog", "search", "zzzznothing"]);
    assert_eq!(hits, Value::Array(vec![]));
}

#[test]
fn human_output_speaks_indonesian_by_default_and_english_on_request() {
    let s = Station::demo();
    let out = s.run(&[
        "circ",
        "checkout",
        "--patron",
        BUDI,
        "--item",
        &copy_of("Bumi", 1),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Kartu Anda sedang diblokir"));
    let out = s.run(&[
        "--lang",
        "en",
        "circ",
        "checkout",
        "--patron",
        BUDI,
        "--item",
        &copy_of("Bumi", 1),
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Your card is blocked"));
}

#[test]
fn config_errors_exit_2_and_name_file_line_and_key() {
    let s = Station::new();
    let config = s.file(
        "kiosk.toml",
        "[station]\nid = \"kiosk-1\"\ncolour = \"blue\"\n",
    );
    let out = s.run(&["--config", config.to_str().unwrap(), "init"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("kiosk.toml:3") && err.contains("colour"),
        "{err}"
    );
    let out = s.run(&["circ", "checkout", "--patron", "1"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing --item is a usage error"
    );
}

#[test]
fn config_sets_station_id_language_and_database() {
    let s = Station::new();
    let config = s.file(
        "kiosk.toml",
        "[station]\nid = \"kiosk-7\"\ndb = \"from-config.db\"\nlang = \"en\"\n[library]\nname = \"Perpustakaan Kota Tebing Tinggi\"\n",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args(["--config", config.to_str().unwrap(), "init", "--demo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Database ready"));
    assert!(s.dir.path().join("from-config.db").exists());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "--json",
            "circ",
            "checkin",
            "--item",
            &copy_of("Bumi Manusia", 1),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "--json",
            "outbox",
            "list",
        ])
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["station_id"], "kiosk-7");
}

#[test]
fn an_unusable_database_path_exits_3() {
    let s = Station::new();
    let blocker = s.file("not-a-dir", "x");
    let db = blocker.join("station.db");
    let out = crate::support::swalayan(&db, &["init"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot open the database"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bench_reports_percentiles_beside_fsync() {
    let s = Station::new();
    let dir = s.dir.path().join("bench");
    let (code, v) = s.json(&[
        "bench",
        "circulation",
        "--items",
        "300",
        "--patrons",
        "50",
        "--ops",
        "40",
        "--past-loans",
        "500",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["ops"], 80, "each checkout and each checkin");
    for key in ["p50_ms", "p99_ms", "fsync_p99_ms"] {
        assert!(v[key].as_f64().is_some_and(|x| x > 0.0), "{key}: {v}");
    }
    assert!(v["p99_ms"].as_f64() >= v["p50_ms"].as_f64());
    for key in ["checkout_p50_ms", "checkin_p50_ms"] {
        assert!(v[key].as_f64().is_some_and(|x| x > 0.0), "{key}: {v}");
    }
    assert_eq!(v["refused"], 0, "{v}");

    // One patron for 40 loans: the loan limit refuses most, and the run says it is spoiled.
    let (code, v) = s.json(&[
        "bench",
        "circulation",
        "--items",
        "300",
        "--patrons",
        "1",
        "--ops",
        "40",
        "--past-loans",
        "0",
    ]);
    assert_eq!(code, 3, "refused operations spoil the run: {v}");
    assert!(v["refused"].as_u64().is_some_and(|n| n >= 35), "{v}");
}

#[test]
fn demo_needs_no_setup_and_can_be_repeated() {
    let home = tempfile::tempdir().unwrap();
    for run in 0..2 {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_swalayan"))
            .args(["--json", "--lang", "en", "demo", "--script"])
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "run {run}: {}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let texts: Vec<&str> = v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["text"].as_str().unwrap())
            .collect();
        assert!(
            texts[1].starts_with("Borrowed: Negeri 5 Menara"),
            "run {run}: {texts:?}"
        );
        assert!(
            texts[2].contains("reserved for another reader"),
            "run {run}: {texts:?}"
        );
        assert!(texts[4].contains("Overdue fine"), "run {run}: {texts:?}");
        assert!(
            texts[5].starts_with("Borrowed: Cantik Itu Luka"),
            "run {run}: {texts:?}"
        );
    }
    assert!(home.path().join("data/swalayan/demo.db").exists());
}

#[test]
fn logs_never_carry_a_whole_card_number() {
    let s = Station::demo();
    let out = s.run(&[
        "-vv",
        "circ",
        "checkout",
        "--patron",
        SITI,
        "--item",
        &copy_of("Bumi", 1),
        "--pin",
        "0000",
    ]);
    let log = stderr(&out);
    assert!(log.contains("wrong PIN"), "the refusal is logged: {log}");
    assert!(
        log.contains("********001"),
        "redacted card in the log: {log}"
    );
    assert!(!log.contains(SITI), "{log}");
}

#[cfg(feature = "ui")]
#[test]
fn screenshots_render_offscreen_the_same_every_time() {
    let s = Station::new();
    let out = s.dir.path().join("borrow.png");
    let args = [
        "--lang",
        "en",
        "screenshot",
        "--screen",
        "borrow",
        "--size",
        "800x480",
        "--out",
        out.to_str().unwrap(),
    ];
    assert_eq!(s.run(&args).status.code(), Some(0));
    let first = std::fs::read(&out).unwrap();
    assert_eq!(&first[1..4], b"PNG");
    // IHDR: width and height, big endian, at bytes 16..24.
    assert_eq!(u32::from_be_bytes(first[16..20].try_into().unwrap()), 800);
    assert_eq!(u32::from_be_bytes(first[20..24].try_into().unwrap()), 480);
    assert_eq!(s.run(&args).status.code(), Some(0));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        first,
        "fixed data and clock: the same picture"
    );
    let out2 = s.dir.path().join("id.png");
    assert_eq!(
        s.run(&[
            "screenshot",
            "--screen",
            "borrow",
            "--size",
            "800x480",
            "--out",
            out2.to_str().unwrap()
        ])
        .status
        .code(),
        Some(0)
    );
    assert_ne!(
        std::fs::read(&out2).unwrap(),
        first,
        "Indonesian differs from English"
    );
    let bad = s.run(&[
        "screenshot",
        "--screen",
        "lobby",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("welcome"), "{}", stderr(&bad));
}

#[cfg(feature = "ui")]
#[test]
fn the_kiosk_without_a_display_says_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args(["--lang", "en", "demo"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("no display") && err.contains("xvfb-run"),
        "{err}"
    );
}

/// `config check` lists every problem of a config in one pass (issue #13): errors exit 2,
/// absent devices are warnings, and the shipped examples pass on a build machine.
#[test]
fn config_check_lists_every_problem_in_one_pass() {
    let station = Station::new();
    let bad = station.file(
        "bad.toml",
        "[station]\nid = \"has space\"\nlang = \"fr\"\n[library]\ntimezone = \"Mars/Olympus\"\n[scanner]\nport = \"/dev/no-such-scanner\"\n",
    );
    let (code, out) = station.json(&["--config", bad.to_str().unwrap(), "config", "check"]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(out["ok"], false);
    let problems = out["problems"].as_array().unwrap();
    let keys: Vec<&str> = problems
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "station.id",
            "station.lang",
            "library.timezone",
            "scanner.port"
        ],
        "{out}"
    );
    assert_eq!(problems[3]["severity"], "warning");
    assert_eq!(
        (problems[0]["line"].as_u64(), problems[2]["line"].as_u64()),
        (Some(2), Some(5))
    );
    for example in ["kiosk.toml", "dropbox.toml", "gate.toml", "mobile.toml"] {
        let path = crate::support::fixture("../../config").join(example);
        let (code, out) = station.json(&["--config", path.to_str().unwrap(), "config", "check"]);
        assert_eq!(
            (code, &out["ok"]),
            (0, &serde_json::json!(true)),
            "{example}: {out}"
        );
    }
}

/// `[speech]` on a machine without espeak-ng: a warning that names the key and the package
/// (the station still starts, silent); with the engine installed, no problem.
#[test]
fn config_check_warns_when_speech_has_no_engine() {
    let station = Station::new();
    let config = station.file("speech.toml", "[speech]\nenabled = true\n");
    let check = |path: &std::ffi::OsStr| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_swalayan"))
            .args([
                "--json",
                "--config",
                config.to_str().unwrap(),
                "config",
                "check",
            ])
            .env("PATH", path)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), json)
    };
    let empty = tempfile::tempdir().unwrap();
    let (code, out) = check(empty.path().as_os_str());
    assert_eq!(code, Some(0), "a warning, not an error: {out}");
    assert_eq!(out["problems"][0]["key"], "speech.enabled", "{out}");
    assert_eq!(out["problems"][0]["line"], 2, "{out}");
    assert!(
        out["problems"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("apt-get install espeak-ng")),
        "{out}"
    );
    let (code, out) = check(&std::env::var_os("PATH").unwrap());
    assert_eq!(
        (code, out["problems"].as_array().map(Vec::len)),
        (Some(0), Some(0)),
        "{out}"
    );
}

#[test]
fn config_display_gives_slint_settings_and_the_touch_rule() {
    let station = Station::new();
    let portrait = station.file(
        "portrait.toml",
        "[display]\noutput = \"DSI-1\"\nrotation = 90\n",
    );
    let (code, out) = station.json(&["--config", portrait.to_str().unwrap(), "config", "display"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["rotation"], 90);
    assert_eq!(out["renderer"], "software");
    assert_eq!(out["environment"]["SLINT_DRM_OUTPUT"], "DSI-1");
    assert_eq!(out["environment"]["SLINT_KMS_ROTATION"], "90");
    assert!(
        out["touch_rule"]
            .as_str()
            .is_some_and(|r| r.contains("ENV{LIBINPUT_CALIBRATION_MATRIX}=\"0 -1 1 1 0 0\"")),
        "{out}"
    );
    let wrong = station.file("wrong.toml", "[display]\nrotation = 45\n");
    let out = station.run(&["--config", wrong.to_str().unwrap(), "config", "display"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("display.rotation"), "{said}");
}

#[test]
fn export_koc_writes_the_stations_transactions_for_koha() {
    let s = Station::demo();
    let item = copy_of("Negeri 5 Menara", 1);
    assert_eq!(checkout(&s, PUTRI, &item, &[]).0, 0);
    assert_eq!(s.json(&["circ", "checkin", "--item", &item]).0, 0);
    let out = s.run(&["export", "koc", "--since", "2000-01-01"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Version=1.0\tGenerator=swalayan\tGeneratorVersion="));
    assert_eq!(lines.len(), 3, "{text}");
    let issue: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(&issue[1..], ["issue", PUTRI, item.as_str()]);
    // YYYY-MM-DD HH:MM:SS mmm
    assert_eq!(issue[0].len(), 23, "{}", issue[0]);
    assert!(lines[2].ends_with(&format!("\treturn\t{item}")), "{text}");

    let file = s.dir.path().join("offline.koc");
    let (code, v) = s.json(&[
        "export",
        "koc",
        "--since",
        "2000-01-01",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!((code, &v["written"]), (0, &serde_json::json!(2)), "{v}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    let (_, none) = s.json(&[
        "export",
        "koc",
        "--since",
        "2999-01-01",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(none["written"], 0);
    assert_eq!(
        s.run(&["export", "koc", "--since", "yesterday"])
            .status
            .code(),
        Some(2)
    );
}
