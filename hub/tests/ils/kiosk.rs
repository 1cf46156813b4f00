//! A station following a SLiMS library through the hub: after a round, the copy the desk lent
//! is refused at the station, and the station's due dates are the ones SLiMS's desk gives
//! (the member type's period, a loan rule's, Sundays closed).

#[path = "../../benches/support/hub_process.rs"]
mod hub_process;

use crate::support::{Database, hub_config, hub_json};
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn station(dir: &Path, config: &Path, args: &[&str]) -> Value {
    let bin: PathBuf = Path::new(env!("CARGO_BIN_EXE_swalayan-hub")).with_file_name("swalayan");
    assert!(bin.exists(), "build the workspace first: {}", bin.display());
    let out = Command::new(bin)
        .arg("--config")
        .arg(config)
        .arg("--db")
        .arg(dir.join("kiosk-1.db"))
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?} ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

/// SLiMS's due date: `days` on, then past Sundays (the fixture's weekly closing day).
fn slims_due(today: Date, days: i64) -> Date {
    let mut due = today.checked_add(days.days()).unwrap();
    while due.weekday() == Weekday::Sunday {
        due = due.tomorrow().unwrap();
    }
    due
}

#[test]
fn the_station_refuses_the_desks_loan_and_gives_slims_due_dates() {
    let slims = Database::load("slims9.sql");
    let dir = tempfile::tempdir().unwrap();
    let config = hub_config(
        dir.path(),
        &format!("kind = \"slims\"\nurl = \"{}\"", slims.url()),
        None,
    );
    let hub_db = dir.path().join("hub.db");
    hub_json(&hub_db, &config, &["ils", "sync", "--once"]);
    let added = hub_json(&hub_db, &config, &["station", "add", "kiosk-1"]);
    let serving = hub_process::serve(hub_db.to_str().unwrap());
    let station_config = dir.path().join("kiosk-1.toml");
    std::fs::write(
        &station_config,
        format!(
            "[station]\nid = \"kiosk-1\"\n\n[library]\ntimezone = \"Asia/Jakarta\"\n\n[central]\nkind = \"hub\"\nurl = \"{}\"\ntoken = \"{}\"\n",
            serving.url,
            added["token"].as_str().unwrap()
        ),
    )
    .unwrap();
    let pulled = station(dir.path(), &station_config, &["sync", "--once"]);
    assert!(pulled["pulled"].as_u64().unwrap_or(0) > 0, "{pulled}");

    // S0002 is on loan to 20260001 at SLiMS's desk: the station will not lend it.
    let refused = station(
        dir.path(),
        &station_config,
        &[
            "circ", "checkout", "--patron", "20260002", "--item", "S0002",
        ],
    );
    assert_eq!(refused["ok"], false, "{refused}");

    // Budi (Mahasiswa: 7 days) borrows a novel: the member type's period, off Sunday.
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::db().get("Asia/Jakarta").unwrap())
        .date();
    let lent = station(
        dir.path(),
        &station_config,
        &[
            "circ", "checkout", "--patron", "20260002", "--item", "S0001",
        ],
    );
    assert_eq!(lent["ok"], true, "{lent}");
    assert_eq!(lent["due"], slims_due(today, 7).to_string(), "{lent}");
    // ... and a reference work: SLiMS's loan rule for Mahasiswa + Reference, 3 days.
    let lent = station(
        dir.path(),
        &station_config,
        &[
            "circ", "checkout", "--patron", "20260002", "--item", "S0005",
        ],
    );
    assert_eq!(lent["ok"], true, "{lent}");
    assert_eq!(lent["due"], slims_due(today, 3).to_string(), "{lent}");
    // A missing copy is refused.
    let missing = station(
        dir.path(),
        &station_config,
        &[
            "circ", "checkout", "--patron", "20260002", "--item", "S0004",
        ],
    );
    assert_eq!(missing["reason"], "item_missing", "{missing}");
}
