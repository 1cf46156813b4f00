//! `swalayan-hub ils sync --once` against a real SLiMS database: the hub ends up with SLiMS's
//! titles, copies, members and open loans (the desk's loan shows as on loan), a second round
//! changes nothing, and a return at SLiMS's desk takes the loan off the hub.

use crate::support::{Database, hub_config, hub_json};
use std::process::Command;

/// The fixture's SLiMS, and a hub.toml naming it (in the returned folder, beside hub.db).
fn slims_and_hub() -> (Database, tempfile::TempDir, std::path::PathBuf) {
    let slims = Database::load("slims9.sql");
    let dir = tempfile::tempdir().unwrap();
    let config = hub_config(
        dir.path(),
        &format!("kind = \"slims\"\nurl = \"{}\"", slims.url()),
        None,
    );
    (slims, dir, config)
}

#[test]
fn a_round_brings_slims_into_the_hub_and_follows_its_desk() {
    let (slims, dir, config) = slims_and_hub();
    let hub_db = dir.path().join("hub.db");
    let round = hub_json(&hub_db, &config, &["ils", "sync", "--once"]);
    assert_eq!(
        round["read"],
        serde_json::json!({"members": 4, "items": 5, "titles": 3, "loans": 1, "holds": 0}),
        "{round}"
    );
    assert_eq!(
        (&round["written"], &round["conflicts"]),
        (&0.into(), &0.into())
    );
    let status = hub_json(&hub_db, &config, &["status"]);
    assert_eq!(
        (
            &status["titles"],
            &status["items"],
            &status["patrons"],
            &status["loans"]
        ),
        (&3.into(), &5.into(), &4.into(), &1.into()),
        "{status}"
    );
    let revision = status["revision"].clone();
    // Members' joining dates come from SLiMS (member_since_date, else register_date): the
    // months' new members.
    let monthly = hub_json(
        &hub_db,
        &config,
        &[
            "report",
            "monthly",
            "--from",
            "2025-07-01",
            "--to",
            "2026-02-28",
        ],
    );
    let new: Vec<i64> = monthly["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["new_members"].as_i64().unwrap())
        .collect();
    assert_eq!(new, [1, 0, 0, 0, 0, 0, 0, 1], "{monthly}");

    // Nothing changed at SLiMS: nothing changes at the hub (no revision taken).
    hub_json(&hub_db, &config, &["ils", "sync", "--once"]);
    assert_eq!(
        hub_json(&hub_db, &config, &["status"])["revision"],
        revision
    );

    // The desk takes S0002 back and places a reservation: the next round follows.
    slims.run(
        "UPDATE loan SET is_return = 1, return_date = CURDATE(), last_update = NOW() WHERE item_code = 'S0002';\n\
         INSERT INTO reserve (member_id, biblio_id, item_code, reserve_date) VALUES ('20260002', 2, 'S0003', NOW());",
    );
    let round = hub_json(&hub_db, &config, &["ils", "sync", "--once"]);
    assert_eq!(
        (&round["read"]["loans"], &round["read"]["holds"]),
        (&0.into(), &1.into())
    );
    let status = hub_json(&hub_db, &config, &["status"]);
    assert_eq!(
        (&status["loans"], &status["holds"]),
        (&0.into(), &1.into()),
        "{status}"
    );
}

/// While [ils] is set, members and the catalogue come from the system: a file import of them
/// is refused with a sentence saying so, and nothing is imported.
#[test]
fn file_imports_of_members_and_the_catalogue_are_refused_under_ils() {
    let dir = tempfile::tempdir().unwrap();
    let config = hub_config(
        dir.path(),
        "kind = \"slims\"\nurl = \"mysql://u@127.0.0.1:1/slims\"",
        None,
    );
    let csv = dir.path().join("patrons.csv");
    std::fs::write(
        &csv,
        "card,name,category,expires\nP1,Siti,adult,2030-01-01\n",
    )
    .unwrap();
    let hub_db = dir.path().join("hub.db");
    let out = Command::new(env!("CARGO_BIN_EXE_swalayan-hub"))
        .arg("--db")
        .arg(&hub_db)
        .arg("--config")
        .arg(&config)
        .args(["import", "patrons"])
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("library system (slims)"), "{said}");
    let status = hub_json(&hub_db, &config, &["status"]);
    assert_eq!(status["patrons"], 0, "{status}");
}

/// After the first, a round reads only what SLiMS's forms changed (by their `last_update`,
/// and the fines table when a payment moved it); what went without a trace waits for the
/// full read (the first round of a day, or `--full`).
#[test]
fn later_rounds_read_what_changed_and_a_full_read_what_went() {
    let (slims, dir, config) = slims_and_hub();
    let hub_db = dir.path().join("hub.db");
    let round = hub_json(&hub_db, &config, &["ils", "sync", "--once"]);
    assert_eq!(
        round["read"]["members"], 4,
        "the first read is full: {round}"
    );
    let idle = hub_json(&hub_db, &config, &["ils", "sync", "--once"]);
    assert_eq!(
        (
            &idle["read"]["members"],
            &idle["read"]["items"],
            &idle["read"]["titles"]
        ),
        (&0.into(), &0.into(), &0.into()),
        "nothing changed, nothing read: {idle}"
    );

    // At SLiMS's screens: Budi's name corrected (the member form sets last_update to the
    // day), a new copy catalogued, and a fine charged to Siti.
    slims.run(
        "UPDATE member SET member_name = 'Budi Santoso, S.Pd.', last_update = CURDATE() WHERE member_id = '20260002';
         INSERT INTO item (biblio_id, coll_type_id, item_code, location_id, item_status_id, input_date, last_update)
           VALUES (3, 1, 'S0009', 'SL', '0', NOW(), NOW());
         INSERT INTO fines (fines_date, member_id, debet, credit, description)
           VALUES (CURDATE(), '20260001', 3000, 0, 'Overdue fines for item S0002');",
    );
    let round = hub_json(&hub_db, &config, &["ils", "sync", "--once"]);
    assert_eq!(
        (
            &round["read"]["members"],
            &round["read"]["items"],
            &round["read"]["titles"]
        ),
        (&2.into(), &1.into(), &1.into()),
        "Budi, Siti (her fines), S0009 and its title: {round}"
    );
    let hub = rusqlite::Connection::open(&hub_db).unwrap();
    let patron = |card: &str, field: &str| -> String {
        hub.query_row(
            &format!(
                "SELECT CAST(json_extract(body, '$.{field}') AS TEXT) FROM catalog
                 WHERE kind = 'patron' AND key = ?1"
            ),
            [card],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(patron("20260002", "name"), "Budi Santoso, S.Pd.");
    assert_eq!(
        patron("20260001", "fines"),
        "300000",
        "Rp3.000 in hundredths"
    );
    assert_eq!(hub_json(&hub_db, &config, &["status"])["items"], 6);

    // Paid at SLiMS's desk (the row's credit edited, no timestamp): the fingerprint of
    // the fines table moved, so her account is read again and she owes nothing.
    slims.run("UPDATE fines SET credit = debet WHERE member_id = '20260001'");
    hub_json(&hub_db, &config, &["ils", "sync", "--once"]);
    assert_eq!(
        patron("20260001", "fines"),
        "0",
        "a payment lowers the fines"
    );

    // A copy deleted leaves no timestamp: a normal round keeps it, the full read does not.
    slims.run("DELETE FROM item WHERE item_code = 'S0009'");
    hub_json(&hub_db, &config, &["ils", "sync", "--once"]);
    assert_eq!(hub_json(&hub_db, &config, &["status"])["items"], 6);
    let full = hub_json(&hub_db, &config, &["ils", "sync", "--once", "--full"]);
    assert_eq!(full["read"]["members"], 4, "{full}");
    assert_eq!(hub_json(&hub_db, &config, &["status"])["items"], 5);
}
