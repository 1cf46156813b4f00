//! The web's feeds (issue #31, first part), read by independent readers from PyPI:
//! new acquisitions by acquisition date (the CSV's `acquired`, else the day the hub first
//! had the copy) on the home page and as Atom (feedparser), any search as Atom, the events
//! as iCalendar with the library's VTIMEZONE (Python's icalendar).

use crate::support::{Backend, Hub, on_both_backends, start_hub_on, write};
use crate::web::{between, get};
use std::process::Command;

on_both_backends!(new_acquisitions_and_events_reach_feed_readers_and_calendars);

const LIBRARY: &str = r#"
[library]
name = "Perpustakaan Kota Tebing Tinggi"
timezone = "Asia/Jakarta"
public_url = "https://perpustakaan.example.go.id"
"#;

/// Two copies dated by the file, one not (the hub dates it today: the newest).
/// Bumi Manusia also has an e-book (the `url` column); a `javascript:` one is refused.
const ITEMS: &str = "barcode,title,author,isbn,item_type,status,call_number,acquired,url\n\
    B1,Laskar Pelangi,Andrea Hirata,,book,available,899.221 HIR l,2026-11-01,\n\
    B2,Bumi Manusia,Pramoedya Ananta Toer,,book,available,899.221 TOE b,2026-12-01,https://ipusnas.id/book/123\n\
    B3,Cantik Itu Luka,Eka Kurniawan,,book,available,899.221 KUR c,,\n\
    B4,Pulang,Leila S. Chudori,,book,available,,,javascript:alert(1)\n";

/// Runs `script` with PyPI's readers, `path` as its argument; its stdout as JSON.
pub(crate) fn python(script: &str, path: &std::path::Path) -> serde_json::Value {
    let python = std::env::var("SWALAYAN_TEST_PYTHON").expect(
        "SWALAYAN_TEST_PYTHON is not set: run the tests through scripts/test, which installs \
         feedparser and icalendar into target/test-peers/venv",
    );
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const FEEDPARSER: &str = r#"
import sys, json, feedparser
d = feedparser.parse(open(sys.argv[1], 'rb').read())
print(json.dumps({
    "bozo": d.bozo, "version": d.version, "title": d.feed.get("title"),
    "self": [l.href for l in d.feed.get("links", []) if l.rel == "self"],
    "entries": [{"title": e.title, "link": e.link, "id": e.id, "updated": e.get("updated"),
                 "author": e.get("author")} for e in d.entries],
}))
"#;

const ICALENDAR: &str = r#"
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
zones = [str(z.get('TZID')) for z in cal.walk('VTIMEZONE')]
events = []
for e in cal.walk('VEVENT'):
    start = e.decoded('DTSTART')
    events.append({"summary": str(e.get('SUMMARY')), "uid": str(e.get('UID')),
                   "location": str(e.get('LOCATION')), "status": str(e.get('STATUS')),
                   "start": start.isoformat(), "utcoffset": start.utcoffset().total_seconds()})
print(json.dumps({"zones": zones, "events": events}))
"#;

fn fetch_to(hub: &Hub, path: &str, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let got = get(&format!("{}{path}", hub.url), None);
    assert_eq!(got.status, 200, "{path}: {}", got.body);
    write(dir, name, &got.body)
}

fn new_acquisitions_and_events_reach_feed_readers_and_calendars(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "hub.toml", LIBRARY);
    let hub = start_hub_on(
        &backend.database(dir.path()),
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
    );
    let items = write(dir.path(), "items.csv", ITEMS);
    let imported = hub.json(&["import", "items", items.to_str().unwrap()]);
    assert!(
        imported.to_string().contains("not an http(s) address"),
        "{imported}"
    );
    let event = hub.json(&[
        "events",
        "add",
        "--title",
        "Dongeng, musik; dan cerita",
        "--starts",
        "2026-12-15T09:00",
        "--ends",
        "2026-12-15T11:30",
        "--place",
        "Aula lantai 2",
    ]);
    let id = event["id"].as_str().unwrap().to_string();

    // The home page: the new acquisitions' feed is its first alternate, the newest first.
    let home = get(&format!("{}/", hub.url), None);
    let first = between(&home.body, "<link rel=\"alternate\"", ">").unwrap();
    assert!(
        first.contains("application/atom+xml") && first.contains("href=\"/new.atom\""),
        "{first}"
    );
    assert!(home.body.contains("href=\"/events.ics\""));
    let shelf = between(&home.body, "id=\"new\"", "</section>").unwrap();
    let at = |t: &str| shelf.find(t).unwrap_or_else(|| panic!("{t}: {shelf}"));
    assert!(
        at("Cantik Itu Luka") < at("Bumi Manusia") && at("Bumi Manusia") < at("Laskar Pelangi")
    );

    let atom = python(
        FEEDPARSER,
        &fetch_to(&hub, "/new.atom", dir.path(), "new.atom"),
    );
    assert_eq!(atom["bozo"], false, "{atom}");
    assert_eq!(atom["version"], "atom10");
    assert_eq!(
        atom["self"][0],
        "https://perpustakaan.example.go.id/new.atom"
    );
    let titles: Vec<&str> = atom["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Cantik Itu Luka", "Bumi Manusia", "Laskar Pelangi"]
    );
    let bumi = &atom["entries"][1];
    assert_eq!(bumi["author"], "Pramoedya Ananta Toer");
    assert!(
        bumi["link"]
            .as_str()
            .unwrap()
            .starts_with("https://perpustakaan.example.go.id/title/"),
        "{bumi}"
    );
    assert_eq!(
        bumi["updated"], "2026-11-30T17:00:00+00:00",
        "1 December, Jakarta"
    );

    // The title page offers the e-book beside the shelf copies.
    let page = get(
        bumi["link"]
            .as_str()
            .unwrap()
            .replace("https://perpustakaan.example.go.id", &hub.url)
            .as_str(),
        None,
    );
    assert!(
        page.body.contains(
            r#"<a href="https://ipusnas.id/book/123" rel="noopener noreferrer">E-book</a>"#
        ),
        "{}",
        page.body
    );

    let search = python(
        FEEDPARSER,
        &fetch_to(
            &hub,
            "/search?q=bumi&format=atom",
            dir.path(),
            "search.atom",
        ),
    );
    assert_eq!(search["bozo"], false, "{search}");
    assert_eq!(search["entries"].as_array().unwrap().len(), 1);
    assert_eq!(search["entries"][0]["title"], "Bumi Manusia");
    let results = get(&format!("{}/search?q=bumi", hub.url), None);
    assert!(
        results.body.contains("format=atom"),
        "a search links its feed"
    );

    let all = python(
        ICALENDAR,
        &fetch_to(&hub, "/events.ics", dir.path(), "events.ics"),
    );
    assert_eq!(all["zones"], serde_json::json!(["Asia/Jakarta"]), "{all}");
    let shown = &all["events"][0];
    assert_eq!(shown["summary"], "Dongeng, musik; dan cerita");
    assert_eq!(shown["location"], "Aula lantai 2");
    assert_eq!(shown["status"], "CONFIRMED");
    assert_eq!(shown["start"], "2026-12-15T09:00:00+07:00");
    assert_eq!(shown["utcoffset"], 25200.0);
    let one = python(
        ICALENDAR,
        &fetch_to(&hub, &format!("/events/{id}.ics"), dir.path(), "one.ics"),
    );
    assert_eq!(one["events"].as_array().unwrap().len(), 1);
    assert_eq!(
        one["events"][0]["uid"], shown["uid"],
        "one UID for the event"
    );
    assert_eq!(
        get(&format!("{}/events/no-such.ics", hub.url), None).status,
        404
    );

    // Withdrawn: off the pages, and in the calendars as cancelled, with the same UID.
    hub.json(&["events", "remove", &id]);
    assert_eq!(get(&format!("{}/events/{id}", hub.url), None).status, 404);
    let after = python(
        ICALENDAR,
        &fetch_to(&hub, "/events.ics", dir.path(), "after.ics"),
    );
    assert_eq!(after["events"].as_array().unwrap().len(), 1, "{after}");
    assert_eq!(after["events"][0]["status"], "CANCELLED");
    assert_eq!(after["events"][0]["uid"], shown["uid"]);
    let one = python(
        ICALENDAR,
        &fetch_to(&hub, &format!("/events/{id}.ics"), dir.path(), "gone.ics"),
    );
    assert_eq!(one["events"][0]["status"], "CANCELLED");
}
