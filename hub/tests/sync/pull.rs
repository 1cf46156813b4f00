//! Pull: a new station's first sync brings the whole central catalog; loans, returns,
//! holds, promotions and the policy travel between stations through the hub.

use crate::support::{Backend, CliStation, on_both_backends, start_hub, write};
use serde_json::Value;

on_both_backends!(
    a_new_station_pulls_the_catalog_and_stations_see_each_others_loans,
    a_policy_imported_at_the_hub_reaches_stations_and_cannot_drop_codes_in_use,
    a_policy_a_station_refuses_is_held_back_until_a_newer_one_applies,
    a_large_catalog_arrives_in_compressed_pages,
    marc_records_imported_at_the_hub_reach_stations,
);

const PATRONS: &str = "card,name,category,expires,pin,blocked,fines\n\
    P1,Siti Aminah,adult,2030-01-31,,false,0\n\
    P2,Budi Santoso,adult,2030-01-31,,false,0\n";

const ITEMS: &str = "barcode,title,author,isbn,item_type,status,call_number,parts\n\
    B1,Laskar Pelangi,Andrea Hirata,978-979-3062-79-2,book,available,899.221 HIR l,1\n\
    B2,Laskar Pelangi,Andrea Hirata,978-979-3062-79-2,book,available,899.221 HIR l,1\n\
    B3,Bumi Manusia,Pramoedya Ananta Toer,,book,available,899.221 TOE b,1\n";

fn promotions_on(station: &CliStation) -> Vec<String> {
    let conn = rusqlite::Connection::open(&station.db).unwrap();
    let mut stmt = conn
        .prepare("SELECT title FROM promotions ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn item_status(station: &CliStation, barcode: &str) -> String {
    let (code, v) = station.json(&["item", "show", barcode]);
    assert_eq!(code, 0, "{v}");
    v["status"].as_str().unwrap().to_string()
}

fn a_new_station_pulls_the_catalog_and_stations_see_each_others_loans(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let patrons = write(dir.path(), "patrons.csv", PATRONS);
    let items = write(dir.path(), "items.csv", ITEMS);
    let imported = hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    assert_eq!(imported["inserted"], 2, "{imported}");
    let imported = hub.json(&["import", "items", items.to_str().unwrap()]);
    assert_eq!(imported["items"], 3, "{imported}");
    // Re-importing the same file changes nothing, so stations pull nothing new.
    let again = hub.json(&["import", "items", items.to_str().unwrap()]);
    assert_eq!(
        (again["inserted"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(0))
    );
    let status = hub.status();
    assert_eq!(
        (
            status["titles"].as_i64(),
            status["items"].as_i64(),
            status["patrons"].as_i64()
        ),
        (Some(2), Some(3), Some(2))
    );
    let hold = hub.json(&["holds", "place", "--patron", "P2", "--item", "B3"]);
    let hold_id = hold["id"].as_str().unwrap().to_string();
    hub.json(&[
        "promotions",
        "add",
        "--title",
        "Lomba mewarnai",
        "--body",
        "Sabtu ini",
    ]);

    let token = hub.add_station("kiosk-1");
    let kiosk1 = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk1.run(&["init"]).status.code(), Some(0));
    let first = kiosk1.sync();
    // 2 titles, 3 items, 2 patrons, the policy, a hold, a promotion.
    assert_eq!(first["pulled"], 10, "{first}");
    assert_eq!(promotions_on(&kiosk1), ["Lomba mewarnai"]);
    let (_, p2) = kiosk1.json(&["patron", "show", "P2"]);
    assert_eq!(p2["holds"].as_array().unwrap().len(), 1, "{p2}");
    // Nothing changed since: the next round pulls nothing.
    assert_eq!(kiosk1.sync()["pulled"], 0);

    // A loan at kiosk 1 reaches the hub and, through it, kiosk 2.
    let (code, v) = kiosk1.json(&["circ", "checkout", "--patron", "P1", "--item", "B1"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(kiosk1.sync()["pushed"], 1);
    assert_eq!(hub.status()["loans"], 1);
    let token2 = hub.add_station("kiosk-2");
    let kiosk2 = CliStation::new(dir.path(), "kiosk-2", &hub.url, &token2, "");
    assert_eq!(kiosk2.run(&["init"]).status.code(), Some(0));
    kiosk2.sync();
    assert_eq!(item_status(&kiosk2, "B1"), "on_loan");
    let (_, p1) = kiosk2.json(&["patron", "show", "P1"]);
    assert_eq!(p1["loans"].as_array().unwrap().len(), 1, "{p1}");

    // Returned at kiosk 2: the hub closes the loan, kiosk 1 hears of it.
    let (code, v) = kiosk2.json(&["circ", "checkin", "--item", "B1"]);
    assert_eq!(code, 0, "{v}");
    let pushed = kiosk2.sync();
    assert_eq!(
        (pushed["pushed"].as_u64(), pushed["conflicts"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(hub.status()["loans"], 0);
    kiosk1.sync();
    assert_eq!(item_status(&kiosk1, "B1"), "available");
    let conn = rusqlite::Connection::open(&kiosk1.db).unwrap();
    let remembered: i64 = conn
        .query_row(
            "SELECT count(*) FROM loans WHERE patron IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(remembered, 0, "a returned loan forgets its borrower");

    // A hold cancelled centrally (the OPAC, the desk) ends at the station too.
    hub.json(&["holds", "cancel", &hold_id]);
    kiosk1.sync();
    let (_, p2) = kiosk1.json(&["patron", "show", "P2"]);
    assert_eq!(p2["holds"].as_array().unwrap().len(), 0, "{p2}");
    let listed = hub.json(&["holds", "list", "--all"]);
    assert_eq!(listed[0]["status"], "cancelled");

    // A promotion withdrawn centrally leaves the kiosks.
    let promos = hub.json(&["promotions", "list"]);
    let promo_id = promos[0]["id"].as_str().unwrap().to_string();
    hub.json(&["promotions", "remove", &promo_id]);
    kiosk1.sync();
    assert!(promotions_on(&kiosk1).is_empty());
    // Withdrawn twice: the second is "no such promotion" and takes no revision (PostgreSQL
    // once counted deleting a deleted document as a change).
    let revision = hub.status()["revision"].clone();
    assert_eq!(
        hub.cmd(&["promotions", "remove", &promo_id]).status.code(),
        Some(2)
    );
    assert_eq!(hub.status()["revision"], revision);
}

fn a_policy_imported_at_the_hub_reaches_stations_and_cannot_drop_codes_in_use(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let items = write(dir.path(), "items.csv", ITEMS);
    hub.json(&["import", "items", items.to_str().unwrap()]);
    let default = swalayan::domain::policy::DEFAULT_POLICY_TOML;
    // One more holiday: every station must close on it.
    let with_holiday = default.replacen("[calendar]", "[calendar]\n# added at the hub\n", 1);
    let policy = write(dir.path(), "policy.toml", &with_holiday);
    hub.json(&["import", "policy", policy.to_str().unwrap()]);
    let token = hub.add_station("kiosk-1");
    let kiosk = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();
    let conn = rusqlite::Connection::open(&kiosk.db).unwrap();
    let source: String = conn
        .query_row("SELECT source FROM policy WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert!(source.contains("# added at the hub"));
    // A policy without the item type "book" would strand the copies: refused, nothing changes.
    let without_book = default.replace("[item_types.book]", "[item_types.buku]");
    let bad = write(dir.path(), "bad.toml", &without_book);
    let out = hub.cmd(&["import", "policy", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("book"), "{stderr}");
    assert_eq!(
        kiosk.sync()["pulled"],
        0,
        "the refused policy never reached stations"
    );
}

/// `text` without the blank-line-separated block that holds `line`.
fn without_block(text: &str, line: &str) -> String {
    let at = text.find(line).unwrap();
    let start = text[..at].rfind("\n\n").map_or(0, |i| i + 2);
    let end = text[at..].find("\n\n").map_or(text.len(), |i| at + i + 2);
    format!("{}{}", &text[..start], &text[end..])
}

/// The hub's policy may drop an item type the hub has no copies of while a station still
/// lends such copies of its own: the station refuses it, keeps it held back (listed in
/// `status --json`) while its cursor moves on, tries it again on every sync, and takes the
/// next policy that keeps the type.
fn a_policy_a_station_refuses_is_held_back_until_a_newer_one_applies(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let items = write(dir.path(), "items.csv", ITEMS);
    hub.json(&["import", "items", items.to_str().unwrap()]);
    let token = hub.add_station("kiosk-1");
    let kiosk = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();
    // Videos of the station's own, which the hub never heard of.
    let local = write(
        dir.path(),
        "videos.csv",
        "barcode,title,item_type\nV1,Dongeng Nusantara,av\n",
    );
    let out = kiosk.run(&["import", "items", local.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    // The hub's policy without the type "av" (and its rule): valid at the hub, which has none.
    let default = swalayan::domain::policy::DEFAULT_POLICY_TOML;
    let without_av = without_block(
        &without_block(default, "[item_types.av]"),
        "item_type = \"av\"",
    );
    let policy = write(dir.path(), "policy.toml", &without_av);
    hub.json(&["import", "policy", policy.to_str().unwrap()]);
    let report = kiosk.sync();
    assert_eq!(report["pulled"], 1, "{report}");

    let (_, status) = kiosk.json(&["status"]);
    let held = status["held_back"].as_array().unwrap();
    assert_eq!(held.len(), 1, "{status}");
    assert_eq!(held[0]["kind"], "policy");
    assert_eq!(held[0]["key"], "policy");
    let revision = held[0]["revision"].as_i64().unwrap();
    assert_eq!(
        status["cursor"].as_i64(),
        Some(revision),
        "the cursor moved on"
    );
    assert!(
        held[0]["error"].as_str().unwrap().contains("av"),
        "{status}"
    );
    let conn = rusqlite::Connection::open(&kiosk.db).unwrap();
    let source: String = conn
        .query_row("SELECT source FROM policy WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert!(
        source.contains("[item_types.av]"),
        "the station kept its policy"
    );
    // Retried on the next sync: still refused, still listed.
    kiosk.sync();
    let (_, status) = kiosk.json(&["status"]);
    assert_eq!(status["held_back"].as_array().unwrap().len(), 1, "{status}");

    // The library puts videos back: the newer policy applies and replaces the held one.
    let with_note = default.replacen("[calendar]", "[calendar]\n# videos kept\n", 1);
    let policy = write(dir.path(), "policy2.toml", &with_note);
    hub.json(&["import", "policy", policy.to_str().unwrap()]);
    kiosk.sync();
    let (_, status) = kiosk.json(&["status"]);
    assert_eq!(status["held_back"], serde_json::json!([]), "{status}");
    let source: String = conn
        .query_row("SELECT source FROM policy WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert!(source.contains("# videos kept"));
}

fn a_large_catalog_arrives_in_compressed_pages(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let mut csv = String::from("barcode,title,author,isbn,item_type,status,call_number,parts\n");
    for i in 0..12_000 {
        csv.push_str(&format!(
            "T{i:06},Judul {},Pengarang {},,book,available,000 {i},1\n",
            i / 3,
            i / 3
        ));
    }
    let file = write(dir.path(), "items.csv", &csv);
    hub.json(&["import", "items", file.to_str().unwrap()]);
    let token = hub.add_station("kiosk-1");
    // The pull endpoint compresses for clients that accept gzip.
    let rt = crate::support::runtime();
    crate::support::client();
    let response = rt
        .block_on(
            reqwest::Client::builder()
                .no_gzip()
                .build()
                .unwrap()
                .get(format!("{}/v1/changes?since=0&limit=1000", hub.url))
                .bearer_auth(&token)
                .header("accept-encoding", "gzip")
                .send(),
        )
        .unwrap();
    assert_eq!(
        response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    // Without a token, nothing.
    let refused = rt
        .block_on(
            crate::support::client()
                .get(format!("{}/v1/changes", hub.url))
                .send(),
        )
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);

    let kiosk = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    let report = kiosk.sync();
    // 4,000 titles + 12,000 items + the policy: three pages of 5,000 and a last one.
    assert_eq!(report["pulled"], 16_001, "{report}");
    let conn = rusqlite::Connection::open(&kiosk.db).unwrap();
    let (items, titles): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM titles)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((items, titles), (12_000, 4_000));
    let cursor: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'central_cursor'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        Value::from(cursor.parse::<i64>().unwrap()),
        hub.status()["revision"]
    );
}

fn marc_records_imported_at_the_hub_reach_stations(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/marc/");
    let summary = hub.json(&[
        "import",
        "marc",
        &format!("{fixtures}loc-programming-20.mrc"),
        &format!("{fixtures}broken-records.mrc"),
    ]);
    assert!(
        summary["skipped"].as_u64().unwrap() > 0,
        "broken records are reported: {summary}"
    );
    let titles = hub.status()["titles"].as_i64().unwrap();
    assert!(titles >= 20, "{titles}");
    let token = hub.add_station("kiosk-1");
    let kiosk = CliStation::new(dir.path(), "kiosk-1", &hub.url, &token, "");
    assert_eq!(kiosk.run(&["init"]).status.code(), Some(0));
    kiosk.sync();
    let conn = rusqlite::Connection::open(&kiosk.db).unwrap();
    let here: i64 = conn
        .query_row("SELECT count(*) FROM titles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(here, titles);
    let (code, hits) = kiosk.json(&["catalog", "search", "programming"]);
    assert_eq!(code, 0);
    assert!(!hits.as_array().unwrap().is_empty(), "{hits}");
}
