//! `swalayan-hub ils check` against real databases: a SLiMS 9 database is recognised and
//! counted; a missing column, the wrong kind and a user without the grants the connector needs
//! are problems, each said (exit 2).

use crate::support::{Database, hub, hub_config};
use serde_json::Value;

fn check(config: &std::path::Path) -> (Value, i32) {
    let out = hub(config, &["--json", "ils", "check"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.code().unwrap_or(-1))
}

fn problems(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_slims_database_is_recognised_and_counted() {
    let db = Database::load("slims9.sql");
    let dir = tempfile::tempdir().unwrap();
    let config = hub_config(
        dir.path(),
        &format!("kind = \"slims\"\nurl = \"{}\"", db.url()),
        None,
    );
    let (report, code) = check(&config);
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(code, 0);
    assert_eq!(report["kind"], "slims");
    assert_eq!(report["version"], "9");
    assert_eq!(
        (
            &report["members"],
            &report["items"],
            &report["titles"],
            &report["open_loans"]
        ),
        (&4.into(), &5.into(), &3.into(), &1.into()),
        "{report}"
    );
    assert!(problems(&report).is_empty());
}

#[test]
fn a_missing_column_or_the_wrong_kind_is_a_problem() {
    let db = Database::load("slims9.sql");
    db.run("ALTER TABLE loan DROP COLUMN loan_rules_id;");
    let dir = tempfile::tempdir().unwrap();
    let config = hub_config(
        dir.path(),
        &format!("kind = \"slims\"\nurl = \"{}\"", db.url()),
        None,
    );
    let (report, code) = check(&config);
    assert_eq!((report["ok"].clone(), code), (false.into(), 2), "{report}");
    assert_eq!(report["version"], Value::Null);
    assert!(
        problems(&report).contains(&"table loan: no column loan_rules_id".to_string()),
        "{report}"
    );

    let whole = Database::load("slims9.sql");
    let config = hub_config(
        dir.path(),
        &format!("kind = \"inlislite\"\nurl = \"{}\"", whole.url()),
        None,
    );
    let (report, code) = check(&config);
    assert_eq!(code, 2, "{report}");
    assert!(
        problems(&report)
            .iter()
            .any(|p| p.contains("kind = \"slims\"")),
        "{report}"
    );
}

#[test]
fn a_user_without_the_grants_the_connector_needs_is_told_which() {
    let db = Database::load("slims9.sql");
    let user = format!("ro_{}", &db.name[db.name.len() - 8..]);
    db.user(&user, "rahasia", &["SELECT ON *", "INSERT ON loan"]);
    let dir = tempfile::tempdir().unwrap();
    let config = hub_config(
        dir.path(),
        &format!("kind = \"slims\"\nurl = \"{}\"", db.url_for(&user)),
        Some("rahasia"),
    );
    let (report, code) = check(&config);
    assert_eq!(code, 2, "{report}");
    assert_eq!(report["version"], "9", "the schema is read: {report}");
    let said = problems(&report);
    for lacking in ["UPDATE on loan", "INSERT on fines", "DELETE on reserve"] {
        assert!(
            said.iter().any(|p| p.contains(lacking)),
            "{lacking}: {said:?}"
        );
    }
    assert!(
        !said.iter().any(|p| p.contains("INSERT on loan")),
        "granted: {said:?}"
    );

    // The wrong password is a problem with the connection, said without the password.
    let config = hub_config(
        dir.path(),
        &format!("kind = \"slims\"\nurl = \"{}\"", db.url_for(&user)),
        Some("salah"),
    );
    let (report, code) = check(&config);
    assert_eq!(code, 2, "{report}");
    let said = problems(&report).join(" ");
    assert!(said.contains("cannot connect"), "{said}");
    assert!(
        !said.contains("salah"),
        "the password is never shown: {said}"
    );
}

#[test]
fn inlislite_3_2_and_3_3_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let v32 = Database::load("inlislite32.sql");
    let config = hub_config(
        dir.path(),
        &format!("kind = \"inlislite\"\nurl = \"{}\"", v32.url()),
        None,
    );
    let (report, code) = check(&config);
    assert_eq!((report["ok"].clone(), code), (true.into(), 0), "{report}");
    assert_eq!(report["version"], "3.2");
    assert_eq!(
        (
            &report["members"],
            &report["items"],
            &report["titles"],
            &report["open_loans"]
        ),
        (&3.into(), &7.into(), &3.into(), &1.into()),
        "{report}"
    );

    let v33 = Database::load("inlislite32.sql");
    v33.run(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/ils/inlislite33-delta.sql"),
        )
        .unwrap(),
    );
    let config = hub_config(
        dir.path(),
        &format!("kind = \"inlislite\"\nurl = \"{}\"", v33.url()),
        None,
    );
    let (report, _) = check(&config);
    assert_eq!(report["version"], "3.3", "{report}");
}

#[test]
fn a_password_in_the_address_or_an_unknown_kind_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let config = hub_config(
        dir.path(),
        "kind = \"slims\"\nurl = \"mysql://u:secret@127.0.0.1:1/slims\"",
        None,
    );
    let out = hub(&config, &["ils", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("password_file") && !said.contains("secret"),
        "{said}"
    );

    let config = hub_config(
        dir.path(),
        "kind = \"koha\"\nurl = \"mysql://u@127.0.0.1:1/x\"",
        None,
    );
    let out = hub(&config, &["ils", "check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'koha'"));
}
