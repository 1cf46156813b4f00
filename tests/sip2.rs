//! Staff diagnostics against a library system nobody on this project wrote (pysip2; see
//! sip2/tests/peers/acs.py): `swalayan sip2 ping`, `patron`, `item`, with their exit codes.

use crate::support::Station;
use swalayan_sip2::peer::Acs;

/// A config file `name` for the library system on `port`, signing in with `password`.
fn sip2_config(station: &Station, name: &str, port: u16, password: &str) -> String {
    station
        .file(
            name,
            &format!(
                "[central]\nkind = \"sip2\"\nhost = \"127.0.0.1\"\nport = {port}\nuser = \"kiosk\"\npassword = \"{password}\"\ninstitution = \"TTK\"\nlocation = \"KIOSK-1\"\ntimeout_seconds = 5\n"
            ),
        )
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn staff_ask_the_library_system_about_itself_a_patron_and_an_item() {
    let mut acs = Acs::start(&["--login-required", "--checksum-required"]);
    let station = Station::new();
    let config = sip2_config(&station, "sip2.toml", acs.port, "rahasia");

    let (code, ping) = station.json(&["--config", &config, "sip2", "ping"]);
    assert_eq!(code, 0, "{ping}");
    assert_eq!(ping["online"], true);
    assert_eq!(ping["institution"], "TTK");
    let supported = ping["supported"].as_array().unwrap();
    assert!(supported.iter().any(|s| s == "checkout"), "{ping}");

    let (code, siti) = station.json(&[
        "--config",
        &config,
        "sip2",
        "patron",
        "21000000001",
        "--pin",
        "1234",
    ]);
    assert_eq!(code, 0, "{siti}");
    assert_eq!(
        (
            &siti["name"],
            &siti["valid"],
            &siti["pin_ok"],
            &siti["blocked"]
        ),
        (
            &"Siti Rahma".into(),
            &true.into(),
            &true.into(),
            &false.into()
        )
    );
    let (_, wrong) = station.json(&[
        "--config",
        &config,
        "sip2",
        "patron",
        "21000000001",
        "--pin",
        "0000",
    ]);
    assert_eq!(wrong["pin_ok"], false);
    let (_, no_pin) = station.json(&["--config", &config, "sip2", "patron", "21000000001"]);
    assert_eq!(no_pin["pin_ok"], serde_json::Value::Null, "no PIN given");
    let (_, budi) = station.json(&["--config", &config, "sip2", "patron", "21000000002"]);
    assert_eq!(budi["blocked"], true);
    assert_eq!(budi["screen_message"][0], "Kartu diblokir");

    let (code, item) = station.json(&["--config", &config, "sip2", "item", "39000000002"]);
    assert_eq!(code, 0, "{item}");
    assert_eq!(item["title"], "Café Ñusantara", "cp850 by default");
    assert_eq!(item["status"], "available");

    // The client's own round trips: lend and take back the same item N times.
    let (code, bench) = station.json(&[
        "--config",
        &config,
        "bench",
        "sip2",
        "--pairs",
        "20",
        "--patron",
        "21000000001",
        "--item",
        "39000000001",
    ]);
    assert_eq!(code, 0, "{bench}");
    assert_eq!(bench["pairs"], 20);
    assert!(
        bench["pairs_per_s"].as_f64().is_some_and(|p| p > 0.0),
        "{bench}"
    );
    assert!(
        bench["p99_ms"].as_f64() >= bench["p50_ms"].as_f64(),
        "{bench}"
    );
    // A refusal stops the bench with the system's words.
    let out = station.run(&[
        "--config",
        &config,
        "bench",
        "sip2",
        "--pairs",
        "2",
        "--patron",
        "21000000002",
        "--item",
        "39000000001",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Kartu diblokir"));

    // A wrong password is a setting to fix (exit 2), not an outage.
    let wrong_password = sip2_config(&station, "wrong.toml", acs.port, "salah");
    let out = station.run(&["--config", &wrong_password, "sip2", "ping"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("user and password"));

    // The library system gone: the answer says so, exit 3.
    acs.kill();
    let (code, gone) = station.json(&["--config", &config, "sip2", "ping"]);
    assert_eq!(code, 3, "{gone}");
    assert_eq!(gone["online"], false);
    assert!(
        gone["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot reach")),
        "{gone}"
    );
}

#[test]
fn sip2_settings_are_checked_with_the_rest_of_the_config() {
    let station = Station::new();
    let bad = station.file(
        "bad.toml",
        "[central]\nkind = \"sip2\"\nencoding = \"ebcdic\"\ntimeout_seconds = 0\n",
    );
    let (code, out) = station.json(&["--config", bad.to_str().unwrap(), "config", "check"]);
    assert_eq!(code, 2, "{out}");
    assert!(out["problems"][0]["key"] == "central.host", "{out}");
    let mixed = station.file(
        "mixed.toml",
        "[central]\nkind = \"sip2\"\nhost = \"ils\"\nurl = \"https://hub\"\n",
    );
    let (code, out) = station.json(&["--config", mixed.to_str().unwrap(), "config", "check"]);
    assert_eq!(
        (code, &out["problems"][0]["key"]),
        (2, &"central.kind".into()),
        "{out}"
    );
}

/// The station decides alone (no answer asked), then replays to the library system in
/// order with the true times; the refusal lands in the conflict list in the system's words.
#[test]
fn the_outbox_is_replayed_in_order_and_a_refusal_becomes_a_conflict() {
    let acs = Acs::start(&["--checksum-required"]);
    let station = Station::new();
    let config = sip2_config(&station, "sip2.toml", acs.port, "rahasia");
    let patrons = station.file(
        "patrons.csv",
        "card,name,category,expires\n21000000001,Siti Rahma,adult,2030-01-31\n",
    );
    let items = station.file(
        "items.csv",
        "barcode,title,author,isbn,item_type,status,call_number,parts\n\
         39000000001,Laskar Pelangi,Andrea Hirata,,book,available,,1\n\
         39000000003,Bumi Manusia,Pramoedya,,book,available,,1\n",
    );
    for args in [
        vec!["import", "patrons", patrons.to_str().unwrap()],
        vec!["import", "items", items.to_str().unwrap()],
    ] {
        assert_eq!(station.run(&args).status.code(), Some(0));
    }
    let circ = |args: &[&str]| {
        let mut all = vec!["--config", config.as_str()];
        all.extend_from_slice(args);
        let (code, out) = station.json(&all);
        assert_eq!(code, 0, "{out}");
        out
    };
    circ(&[
        "circ",
        "checkout",
        "--patron",
        "21000000001",
        "--item",
        "39000000001",
    ]);
    // Held for someone else at the library system; this station does not know it.
    circ(&[
        "circ",
        "checkout",
        "--patron",
        "21000000001",
        "--item",
        "39000000003",
    ]);
    circ(&["circ", "checkin", "--item", "39000000001"]);

    let report = circ(&["sync", "--once"]);
    assert_eq!(
        (&report["pushed"], &report["conflicts"], &report["pending"]),
        (&2.into(), &1.into(), &0.into()),
        "{report}"
    );
    let first = acs.record();
    assert!(first.contains("\"login\""), "{first}");
    let lent = acs.record();
    assert!(
        lent.contains("\"checkout\"") && lent.contains("39000000001"),
        "{lent}"
    );
    assert!(
        lent.contains("\"no_block\": \"N\""),
        "an ordinary checkout: {lent}"
    );
    let back = acs.record();
    assert!(
        back.contains("\"checkin\"") && back.contains("39000000001"),
        "{back}"
    );

    let (_, rows) = station.json(&["--config", &config, "outbox", "list"]);
    let conflict = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["state"] == "conflict")
        .unwrap_or_else(|| panic!("no conflict: {rows}"));
    assert_eq!(conflict["payload"]["item"], "39000000003");
    assert_eq!(
        conflict["conflict_reason"],
        "central_refused: Dipesan anggota lain"
    );
    // Nothing is retried forever: a second round sends nothing.
    let again = circ(&["sync", "--once"]);
    assert_eq!(
        (&again["pushed"], &again["conflicts"]),
        (&0.into(), &0.into())
    );
}
