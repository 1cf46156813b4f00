//! The drop box (issue #11) through `swalayan dropbox replay`: the real engine with simulated
//! GPIO and a simulated FEIG reader behind the real driver, on a library of its own (items
//! lent to patrons, holds, another branch's copies, sets, locked tags). Every drop must end
//! in exactly one final record, and the store must agree with the records.

use crate::support::{Station, stderr};
use rusqlite::Connection;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use swalayan::circulation::desk::{Desk, DeskSettings, HoldRequest, Proof};
use swalayan::clock::SystemClock;
use swalayan::store::Store;

const BINS: &str = r#"
[station]
id = "dropbox-1"
[library]
isil = "ID-TST"
branch = "pusat"
[dropbox]
beam = 17
lock = 22
green = 23
red = 24
[[dropbox.bin]]
name = "shelve"
routes = ["shelve"]
diverter = [5]
[[dropbox.bin]]
name = "children"
diverter = [6]
capacity = 20
[[dropbox.bin]]
name = "hold"
routes = ["hold_shelf"]
diverter = [7]
[[dropbox.bin]]
name = "transfer"
routes = ["transfer"]
diverter = [8]
[[dropbox.bin]]
name = "exception"
routes = ["exception"]
diverter = [9]
[[dropbox.rule]]
bin = "children"
route = "shelve"
call_prefix = "J"
"#;

const OVERFLOW: &str = r#"
[[dropbox.bin]]
name = "overflow"
diverter = [10]
"#;

/// A station with its own library: `L001`..`L150` lent (every fifth a children's book, call
/// number `J ...`), `C001`..`C010` of another branch lent, `H001`..`H010` lent and reserved
/// by another patron, `S001`..`S008` two-part sets lent, `R001`..`R005` lent (their tags will
/// refuse re-arming), `A001`..`A005` on the shelf.
fn library(overflow: bool) -> (Station, PathBuf) {
    let station = Station::new();
    let mut config = BINS.to_string();
    if overflow {
        config = config.replace("[dropbox]\n", "[dropbox]\noverflow = \"overflow\"\n");
        config.push_str(OVERFLOW);
    }
    let config = station.file("dropbox.toml", &config);
    let mut items = String::from("barcode,title,item_type,branch,call_number,parts\n");
    let mut add = |prefix: &str, n: u32, branch: &str, parts: u32| {
        for i in 1..=n {
            let call = if prefix == "L" && i % 5 == 0 {
                "J 899 ANA"
            } else {
                "899.221 TOE"
            };
            items.push_str(&format!(
                "{prefix}{i:03},Buku {prefix}{i:03},book,{branch},{call},{parts}\n"
            ));
        }
    };
    add("L", 150, "pusat", 1);
    add("C", 10, "cabang", 1);
    add("H", 10, "pusat", 1);
    add("S", 8, "pusat", 2);
    add("R", 5, "pusat", 1);
    add("A", 5, "pusat", 1);
    let mut patrons = String::from("card,name,category,expires\n");
    for p in 1..=45 {
        patrons.push_str(&format!("P{p:02},Pembaca {p},adult,2030-12-31\n"));
    }
    let items = station.file("items.csv", &items);
    let patrons = station.file("patrons.csv", &patrons);
    let config_arg = config.to_str().unwrap();
    for (what, file) in [("items", &items), ("patrons", &patrons)] {
        let out = station.run(&[
            "--config",
            config_arg,
            "import",
            what,
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let mut desk = Desk::new(
        Store::open(&station.db).unwrap(),
        DeskSettings {
            station_id: "desk".into(),
            branch: "pusat".into(),
            time_zone: jiff::tz::db().get("Asia/Jakarta").unwrap(),
        },
        Box::new(SystemClock),
    );
    let lent: Vec<(String, Option<u32>)> = (1..=150)
        .map(|i| (format!("L{i:03}"), None))
        .chain((1..=10).map(|i| (format!("C{i:03}"), None)))
        .chain((1..=10).map(|i| (format!("H{i:03}"), None)))
        .chain((1..=8).map(|i| (format!("S{i:03}"), Some(2))))
        .chain((1..=5).map(|i| (format!("R{i:03}"), None)))
        .collect();
    for (n, (item, parts)) in lent.iter().enumerate() {
        let patron = format!("P{:02}", n / 5 + 1);
        let loan = desk
            .checkout(&patron, item, Proof::NotNeeded, *parts)
            .unwrap();
        assert!(loan.ok, "{item}: {:?}", loan.reason);
    }
    for i in 1..=10 {
        let held = desk
            .place_hold("P45", HoldRequest::Item(&format!("H{i:03}")))
            .unwrap();
        assert!(held.ok, "{:?}", held.reason);
    }
    (station, config)
}

/// The 200 drops: every kind of item the chute meets, interleaved.
fn drops() -> String {
    let mut rows: Vec<String> = Vec::new();
    for i in 1..=150 {
        rows.push(format!("L{i:03},1,,"));
    }
    for i in 1..=10 {
        rows.push(format!("C{i:03},1,,"));
        rows.push(format!("H{i:03},1,,"));
    }
    for i in 1..=5 {
        rows.push(format!("A{i:03},1,,"));
        rows.push(",1,,".to_string()); // nothing readable
        rows.push(format!("X{i:03},1,XX-OTHER,")); // another library's tag
        rows.push(format!("R{i:03},1,,0")); // refuses re-arming
    }
    for i in 1..=8 {
        let parts = if i <= 4 { 1 } else { 2 };
        rows.push(format!("S{i:03},{parts},,"));
    }
    rows.push("U001,1,,".into());
    rows.push("U002,1,,".into());
    assert_eq!(rows.len(), 200);
    // Interleave deterministically so kinds mix in time.
    rows.sort_by_key(|r| {
        let key: u32 = r
            .bytes()
            .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
        key
    });
    let mut csv = String::from("t_ms,item,parts,isil,rearm\n");
    for (i, row) in rows.iter().enumerate() {
        csv.push_str(&format!("{},{row}\n", i as u64 * 3_000));
    }
    csv
}

fn replay(station: &Station, config: &std::path::Path, drops: &str) -> Value {
    let file = station.file("drops.csv", drops);
    let (code, out) = station.json(&[
        "--config",
        config.to_str().unwrap(),
        "dropbox",
        "replay",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    out
}

fn one(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// How the drops ended, by item prefix: (result, bin, reason) -> count.
fn outcomes(out: &Value) -> BTreeMap<(String, String, String, String), u32> {
    let mut seen = BTreeMap::new();
    for drop in out["drops"].as_array().unwrap() {
        let item = drop["item"].as_str().unwrap();
        let kind = item.get(..1).unwrap_or("").to_string();
        let key = (
            kind,
            drop["result"].as_str().unwrap().to_string(),
            drop["bin"].as_str().unwrap_or("-").to_string(),
            drop["reason"].as_str().unwrap_or("").to_string(),
        );
        *seen.entry(key).or_default() += 1;
    }
    seen
}

fn key(kind: &str, result: &str, bin: &str, reason: &str) -> (String, String, String, String) {
    (kind.into(), result.into(), bin.into(), reason.into())
}

#[test]
fn two_hundred_drops_each_end_in_exactly_one_record_and_the_store_agrees() {
    let (station, config) = library(false);
    let out = replay(&station, &config, &drops());
    let drops = out["drops"].as_array().unwrap();
    assert_eq!(drops.len(), 200, "one record per drop");
    let times: std::collections::BTreeSet<u64> =
        drops.iter().map(|d| d["t_ms"].as_u64().unwrap()).collect();
    assert_eq!(times.len(), 200, "no drop recorded twice");

    let seen = outcomes(&out);
    let expect = [
        (key("L", "returned", "shelve", ""), 120),
        (key("L", "returned", "children", ""), 20),
        // The children's bin holds 20; with no overflow the rest go to the exception bin.
        (key("L", "exception", "exception", "bin_full"), 10),
        (key("C", "returned", "transfer", ""), 10),
        (key("H", "returned", "hold", ""), 10),
        (key("A", "returned", "shelve", ""), 5),
        (key("", "exception", "exception", "tag_unreadable"), 5),
        (key("X", "exception", "exception", "wrong_library"), 5),
        (key("R", "exception", "exception", "security_not_armed"), 5),
        (key("S", "exception", "exception", "parts_missing"), 4),
        (key("S", "returned", "shelve", ""), 4),
        (key("U", "exception", "exception", "item_not_found"), 2),
    ];
    assert_eq!(seen, expect.into_iter().collect(), "{seen:#?}");
    assert_eq!(
        (out["returned"].as_u64(), out["exceptions"].as_u64()),
        (Some(169), Some(31))
    );
    assert_eq!(out["bins"]["exception"], 31);
    assert!(drops.iter().all(|d| d["cycle_ms"].as_u64().is_some()));

    let conn = Connection::open(&station.db).unwrap();
    // Returned items, and the bin-full and not-re-armed ones, were checked in; nothing twice.
    assert_eq!(
        one(&conn, "SELECT count(*) FROM outbox WHERE kind = 'checkin'"),
        184
    );
    assert_eq!(
        one(
            &conn,
            "SELECT count(*) FROM (SELECT json_extract(payload, '$.item') i FROM outbox
             WHERE kind = 'checkin' GROUP BY i HAVING count(*) > 1)"
        ),
        0
    );
    assert_eq!(
        one(
            &conn,
            "SELECT count(*) FROM outbox WHERE kind = 'return_exception'"
        ),
        31
    );
    assert_eq!(
        one(
            &conn,
            "SELECT count(*) FROM loans WHERE returned_at IS NULL"
        ),
        4,
        "only the sets with a missing part are still on loan"
    );
    assert_eq!(
        one(&conn, "SELECT count(*) FROM holds WHERE status = 'ready'"),
        10,
        "the reserved copies wait on the hold shelf"
    );
    assert_eq!(
        one(
            &conn,
            "SELECT count(*) FROM dropbox_cycles WHERE state = 'done'"
        ),
        200
    );

    // The children's bin is full and there is no overflow: intake stops until staff empty it.
    let config_arg = config.to_str().unwrap();
    let (_, status) = station.json(&["--config", config_arg, "status"]);
    assert_eq!(
        status["dropbox"]["intake"], "stopped: bin full: children",
        "{status}"
    );
    assert_eq!(status["attention"], serde_json::json!([]));
    let (code, _) = station.json(&["--config", config_arg, "dropbox", "empty", "children"]);
    assert_eq!(code, 0);
    let (_, status) = station.json(&["--config", config_arg, "status"]);
    assert_eq!(status["dropbox"]["intake"], "open");
    let out = station.run(&["--config", config_arg, "dropbox", "empty", "attic"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown bin is a usage error"
    );
    assert!(
        stderr(&out).contains("shelve, children"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_full_bin_with_an_overflow_sends_its_items_there() {
    let (station, config) = library(true);
    let out = replay(&station, &config, &drops());
    let seen = outcomes(&out);
    assert_eq!(seen.get(&key("L", "returned", "children", "")), Some(&20));
    assert_eq!(seen.get(&key("L", "returned", "overflow", "")), Some(&10));
    assert_eq!(
        seen.get(&key("L", "exception", "exception", "bin_full")),
        None
    );
    let (_, status) = station.json(&["--config", config.to_str().unwrap(), "status"]);
    assert_eq!(
        status["dropbox"]["intake"], "open",
        "the overflow takes the rest"
    );
}

#[test]
fn a_bad_row_is_refused_with_its_line_and_nothing_is_processed() {
    let (station, config) = library(false);
    let file = station.file("drops.csv", "t_ms,item,parts\n0,L001,1\n10,L002,many\n");
    let out = station.run(&[
        "--config",
        config.to_str().unwrap(),
        "dropbox",
        "replay",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("drops.csv:3"), "{}", stderr(&out));
    let conn = Connection::open(&station.db).unwrap();
    assert_eq!(one(&conn, "SELECT count(*) FROM dropbox_cycles"), 0);
    assert_eq!(
        one(
            &conn,
            "SELECT count(*) FROM loans WHERE returned_at IS NULL"
        ),
        183
    );
}

/// SIGKILL during the replay (a power cut at the chute): no item is ever checked in twice,
/// and the item in the chute at that moment is listed for staff, returned or not.
#[test]
fn a_kill_during_a_cycle_loses_nothing_and_lists_the_item_for_staff() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let (station, config) = library(false);
    let config_arg = config.to_str().unwrap().to_string();
    let mut csv = String::from("t_ms,item\n");
    for i in 1..=60 {
        csv.push_str(&format!("{},L{i:03}\n", i * 1000));
    }
    let file = station.file("drops.csv", &csv);
    let mut child = Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args([
            "--db",
            station.db.to_str().unwrap(),
            "--config",
            &config_arg,
            "--json",
        ])
        .args(["dropbox", "replay", file.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let begun = Connection::open(&station.db)
            .ok()
            .and_then(|c| {
                c.query_row("SELECT count(*) FROM dropbox_cycles", [], |r| {
                    r.get::<_, i64>(0)
                })
                .ok()
            })
            .unwrap_or(0);
        if begun >= 20 {
            break;
        }
        assert!(Instant::now() < deadline, "the replay did not get going");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the replay ended early"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let conn = Connection::open(&station.db).unwrap();
    let begun = one(&conn, "SELECT count(*) FROM dropbox_cycles");
    let unfinished = one(
        &conn,
        "SELECT count(*) FROM dropbox_cycles WHERE state IN ('open', 'checked_in')",
    );
    assert!(unfinished <= 1, "at most the one item in the chute");

    // The drop box comes back and takes the rest of the drops.
    let mut rest = String::from("t_ms,item\n");
    for i in begun + 1..=60 {
        rest.push_str(&format!("{},L{i:03}\n", i * 1000));
    }
    let out = replay(&station, &config, &rest);
    assert_eq!(out["drops"].as_array().unwrap().len() as i64, 60 - begun);
    let (_, status) = station.json(&["--config", &config_arg, "status"]);
    let attention = status["attention"].as_array().unwrap();
    assert_eq!(attention.len() as i64, unfinished, "{status}");
    for listed in attention {
        assert_eq!(listed["reason"], "not_diverted");
        // The item, when the power went after it was read (before, nobody knows which).
        assert!(
            listed["item"].as_str().is_none_or(|i| i.starts_with('L')),
            "{listed}"
        );
    }

    assert_eq!(
        one(&conn, "SELECT count(*) FROM dropbox_cycles"),
        60,
        "one journal row per drop"
    );
    assert_eq!(
        one(
            &conn,
            "SELECT count(*) FROM dropbox_cycles WHERE state NOT IN ('done', 'attention')"
        ),
        0,
        "every drop ended in exactly one final record"
    );
    assert_eq!(
        one(
            &conn,
            "SELECT count(*) FROM (SELECT json_extract(payload, '$.item') i FROM outbox
             WHERE kind = 'checkin' GROUP BY i HAVING count(*) > 1)"
        ),
        0,
        "no item checked in twice"
    );
    // Every one of the 60 was returned, except one interrupted before its return committed.
    let still_lent = one(
        &conn,
        "SELECT count(*) FROM loans WHERE returned_at IS NULL AND item BETWEEN 'L001' AND 'L060'",
    );
    let interrupted_unreturned = attention
        .iter()
        .filter(|a| a["checked_in"] == false)
        .count();
    assert_eq!(still_lent as usize, interrupted_unreturned);
    if let Some(listed) = attention.first() {
        let cycle = listed["cycle"].as_i64().unwrap().to_string();
        let (code, _) = station.json(&["--config", &config_arg, "dropbox", "resolve", &cycle]);
        assert_eq!(code, 0);
        let (_, status) = station.json(&["--config", &config_arg, "status"]);
        assert_eq!(status["attention"], serde_json::json!([]));
    }
}

/// A drop box with a speaker says each result (issue #33): thanks for a book taken in, and
/// where to take one of another library; here into WAV files (`[speech] output = "wav:…"`),
/// one per drop, in order, each speech by length and level.
#[test]
fn a_drop_box_with_a_speaker_says_each_result() {
    let (station, config) = library(false);
    let speech = station.dir.path().join("speech");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[speech]\nenabled = true\noutput = \"wav:{}\"\n",
        speech.display()
    ));
    std::fs::write(&config, text).unwrap();
    let drops = "t_ms,item,parts,isil,rearm\n0,L001,1,,\n3000,X001,1,XX-OTHER,\n6000,L002,1,,\n";
    let out = replay(&station, &config, drops);
    let results: Vec<&str> = out["drops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["returned", "exception", "returned"]);
    let said = crate::wav::recorded(&speech);
    let in_order: Vec<&str> = said.iter().map(|(words, _, _)| words.as_str()).collect();
    assert_eq!(
        in_order,
        [
            "Terima kasih, buku diterima.",
            "Buku ini bukan milik perpustakaan ini, silakan bawa ke meja layanan.",
            "Terima kasih, buku diterima.",
        ]
    );
    for (words, _, wav) in &said {
        crate::wav::is_speech(wav, 1.0).unwrap_or_else(|e| panic!("{words}: {e}"));
    }
}
