//! The year's numbers (issue #32) on a simulated year, on both backends: every figure of
//! `report annual` recomputed here from the raw rows (the catalogue's documents as stored,
//! the transactions as `export csv` writes them, the stations' roles), its totals equal to
//! `report circulation`, `report visitors` and `report events` for the same year, and its
//! workbook, read by PyPI's openpyxl, holding the CSV's cells.

use crate::support::{Backend, hub_cmd, on_both_backends, write};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

on_both_backends!(the_annual_report_is_the_raw_rows_counted);

const HUB_TOML: &str = r#"
[library]
name = "Perpustakaan Kota Tebing Tinggi"
timezone = "Asia/Jakarta"
staff = 24
population = 172838
[library.hours]
monday = "08:00-16:00"
tuesday = "08:00-16:00"
wednesday = "08:00-16:00"
thursday = "08:00-16:00"
friday = "08:00-11:30, 13:30-16:00"
saturday = "09:00-13:00"
"#;

/// The live documents of one kind as stored: `(key, body)`.
fn raw_documents(db: &str, kind: &str) -> Vec<(String, Value)> {
    let rows: Vec<(String, String)> = if db.starts_with("postgres") {
        let mut client = postgres::Client::connect(db, postgres::NoTls).unwrap();
        client
            .query(
                "SELECT key, body FROM catalog WHERE kind = $1 AND body IS NOT NULL",
                &[&kind],
            )
            .unwrap()
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    } else {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut statement = conn
            .prepare("SELECT key, body FROM catalog WHERE kind = ?1 AND body IS NOT NULL")
            .unwrap();
        statement
            .query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    rows.into_iter()
        .map(|(key, body)| (key, serde_json::from_str(&body).unwrap()))
        .collect()
}

fn json(db: &str, config: &str, args: &[&str]) -> Value {
    let mut all = vec!["--config", config, "--json"];
    all.extend_from_slice(args);
    let out = hub_cmd(db, &all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn text(db: &str, config: &str, args: &[&str]) -> String {
    let mut all = vec!["--config", config];
    all.extend_from_slice(args);
    let out = hub_cmd(db, &all);
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn the_annual_report_is_the_raw_rows_counted(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.database(dir.path());
    let config = write(dir.path(), "hub.toml", HUB_TOML);
    let config = config.to_str().unwrap();
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(tz.clone()).date();
    let year = today.year();
    // The year so far, at most 120 days (within the year: nothing spills into the last).
    let days = i64::from(today.day_of_year()).min(120);
    let made = json(&db, config, &["simulate", "--days", &days.to_string()]);
    assert!(made["transactions"].as_u64().unwrap() > 0, "{made}");
    let y = year.to_string();
    let annual = json(&db, config, &["report", "annual", "--year", &y]);

    // Collection, from the catalogue's documents as stored.
    let titles = raw_documents(&db, "title");
    let items = raw_documents(&db, "item");
    assert_eq!(annual["collection"]["titles"], titles.len());
    assert_eq!(annual["collection"]["copies"], items.len());
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    let mut first_copy: HashMap<String, String> = HashMap::new();
    for (_, item) in &items {
        *by_type
            .entry(item["item_type"].as_str().unwrap().to_string())
            .or_default() += 1;
        if let Some(acquired) = item["acquired"].as_str() {
            let title = item["title"].as_str().unwrap().to_string();
            let entry = first_copy.entry(title).or_insert(acquired.to_string());
            if acquired < entry.as_str() {
                *entry = acquired.to_string();
            }
        }
    }
    assert_eq!(
        annual["collection"]["by_item_type"],
        serde_json::json!(by_type)
    );
    let added = titles
        .iter()
        .filter(|(key, t)| {
            first_copy
                .get(key)
                .cloned()
                .or_else(|| t["added"].as_str().map(str::to_string))
                .is_some_and(|d| d.starts_with(&y))
        })
        .count();
    assert_eq!(annual["collection"]["added"], added);

    // Members, from their documents.
    let patrons = raw_documents(&db, "patron");
    assert_eq!(annual["members"]["registered"], patrons.len());
    let new = patrons
        .iter()
        .filter(|(_, p)| p["joined"].as_str().is_some_and(|d| d.starts_with(&y)))
        .count();
    assert!(new > 0, "the simulation has members who joined this year");
    assert_eq!(annual["members"]["new"], new);
    let unknown = patrons
        .iter()
        .filter(|(_, p)| p["joined"].is_null())
        .count();
    let notes = annual["notes"].to_string();
    assert!(
        notes.contains(&format!("{unknown} members have no known joining date")),
        "{notes}"
    );

    // Circulation, from the transactions as exported (local times) and the stations' roles.
    let export = text(
        &db,
        config,
        &["export", "csv", "--since", &format!("{y}-01-01")],
    );
    let roles: HashMap<String, String> = json(&db, config, &["station", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let role = s["role"].as_str().unwrap();
            let channel = match role {
                "staff" => "desk",
                other => other,
            };
            (
                s["station"].as_str().unwrap().to_string(),
                channel.to_string(),
            )
        })
        .collect();
    let mut reader = csv::Reader::from_reader(export.as_bytes());
    let (mut loans, mut returns, mut renewals) = (0u64, 0u64, 0u64);
    let mut by_channel: BTreeMap<String, u64> = ["kiosk", "dropbox", "web", "desk", "mobile"]
        .into_iter()
        .map(|c| (c.to_string(), 0))
        .collect();
    let mut active: HashSet<String> = HashSet::new();
    for row in reader.deserialize::<HashMap<String, String>>() {
        let row = row.unwrap();
        if !row["time"].starts_with(&y) {
            continue;
        }
        match row["kind"].as_str() {
            "checkout" | "pickup" => {
                loans += 1;
                active.insert(row["patron"].clone());
                let station = &row["station"];
                let channel = roles.get(station).cloned().unwrap_or_else(|| {
                    if station == "web" {
                        "web".into()
                    } else {
                        "other".into()
                    }
                });
                *by_channel.entry(channel).or_default() += 1;
            }
            "checkin" => returns += 1,
            "renew" => renewals += 1,
            _ => {}
        }
    }
    assert!(loans > 0);
    assert_eq!(annual["loans"]["total"], loans);
    assert_eq!(annual["loans"]["by_channel"], serde_json::json!(by_channel));
    let summed: u64 = annual["loans"]["by_channel"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(summed, loans, "the channels add up to the total");
    assert_eq!(annual["returns"], returns);
    assert_eq!(annual["renewals"], renewals);
    assert_eq!(annual["members"]["active"], active.len());

    // The other reports' totals for the same year.
    let (first, last) = (format!("{y}-01-01"), format!("{y}-12-31"));
    let circulation = json(
        &db,
        config,
        &["report", "circulation", "--from", &first, "--to", &last],
    );
    let sum = |rows: &Value, field: &str| -> u64 {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r[field].as_u64().unwrap())
            .sum()
    };
    assert_eq!(sum(&circulation["rows"], "loans"), loans);
    assert_eq!(sum(&circulation["rows"], "returns"), returns);
    let visitors = json(
        &db,
        config,
        &["report", "visitors", "--from", &first, "--to", &last],
    );
    assert_eq!(annual["visits"]["total"], visitors["visits"]);
    let events = json(
        &db,
        config,
        &["report", "events", "--from", &first, "--to", &last],
    );
    let now = jiff::Timestamp::now()
        .to_zoned_datetime(tz.clone())
        .datetime();
    let held: Vec<&Value> = events["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["starts"]
                .as_str()
                .unwrap()
                .parse::<jiff::civil::DateTime>()
                .unwrap()
                <= now
        })
        .collect();
    assert_eq!(annual["programmes"]["count"], held.len());
    assert_eq!(
        annual["programmes"]["participants"],
        held.iter()
            .map(|e| e["participants"].as_u64().unwrap())
            .sum::<u64>()
    );

    // Opening days: Monday to Saturday by the hours, less the policy's holidays and closed
    // weekdays (its document as stored), from the first of January to today.
    let policy = raw_documents(&db, "policy");
    // The stored policy is its TOML source, as the library wrote it.
    let source = policy
        .first()
        .and_then(|(_, p)| p["source"].as_str())
        .expect("the hub stores its policy");
    let policy: toml::Value = toml::from_str(source).unwrap();
    let calendar = &policy["calendar"];
    let holidays: HashSet<String> = calendar
        .get("holidays")
        .and_then(|h| h.as_array())
        .map(|h| h.iter().map(|d| d["date"].to_string()).collect())
        .unwrap_or_default();
    let closed: Vec<String> = calendar
        .get("closed_weekdays")
        .and_then(|w| w.as_array())
        .map(|w| {
            w.iter()
                .map(|d| d.as_str().unwrap().to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let opening = std::iter::successors(Some(jiff::civil::date(year, 1, 1)), |d| d.tomorrow().ok())
        .take_while(|d| *d <= today)
        .filter(|d| d.weekday() != jiff::civil::Weekday::Sunday)
        .filter(|d| !holidays.contains(&d.to_string()))
        .filter(|d| !closed.contains(&format!("{:?}", d.weekday()).to_lowercase()))
        .count() as u64;
    assert_eq!(annual["visits"]["opening_days"], opening, "{annual}");
    let visits = visitors["visits"].as_i64().unwrap();
    let expected = (visits as f64 / opening as f64 * 10.0).round() / 10.0;
    assert_eq!(
        annual["visits"]["per_opening_day"].as_f64().unwrap(),
        expected
    );
    // Days before the simulation have no gate counts: said.
    if days < i64::from(today.day_of_year()) {
        assert!(
            notes.contains("opening days have no gate counts"),
            "{notes}"
        );
    }

    // The census's ratios per 1,000 people.
    assert_eq!(annual["staff"], 24);
    let per = |n: f64| (n * 1000.0 / 172838.0 * 100.0).round() / 100.0;
    assert_eq!(
        annual["per_1000"]["members"].as_f64().unwrap(),
        per(patrons.len() as f64)
    );
    assert_eq!(
        annual["per_1000"]["loans"].as_f64().unwrap(),
        per(loans as f64)
    );
    assert!(
        !annual["sources"]["loans.total"]
            .as_str()
            .unwrap()
            .is_empty()
    );

    // The CSV and the workbook (openpyxl) agree cell by cell.
    let csv = text(&db, config, &["report", "annual", "--year", &y, "--csv"]);
    assert!(csv.starts_with("figure,value,source\n"), "{csv}");
    assert!(csv.contains(&format!("loans.total,{loans},")), "{csv}");
    let book = dir.path().join("annual.xlsx");
    json(
        &db,
        config,
        &[
            "report",
            "annual",
            "--year",
            &y,
            "--xlsx",
            book.to_str().unwrap(),
        ],
    );
    let sheets = crate::feeds::python(crate::staff::OPENPYXL, &book);
    assert_eq!(sheets[0][0], "Tahunan");
    assert_eq!(sheets[1][0], "Catatan");
    crate::staff::workbook_is_csv(&sheets, &csv);
}
