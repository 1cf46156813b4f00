//! The stations' loans, returns and renewals written into SLiMS: the rows are the ones
//! SLiMS's own desk writes (a twin database gets the desk's statements from the facts of
//! SLiMS's circulation code, and the tables are compared); the system is the record when it
//! disagrees; and a write interrupted before the hub recorded it is not written twice.

use crate::library::{HubBackend, IlsLibrary, slims_due, today};
use crate::support::{Database, hub_json};
use jiff::ToSpan;
use jiff::civil::Date;
use mysql::prelude::Queryable;

fn days_ago(days: i64) -> Date {
    today().checked_sub(days.days()).unwrap()
}

/// The desk's earlier work, the same in SLiMS and in its twin: a sixth copy, and two
/// overdue loans — S0003 to Siti (Umum: 1000 a day after 2 days' grace), due 6 days ago;
/// S0006 to Budi (Mahasiswa: 500 a day, no grace, one renewal), due 3 days ago.
fn earlier_work() -> String {
    format!(
        "INSERT INTO item (biblio_id, coll_type_id, item_code, location_id, item_status_id, input_date)
           VALUES (2, 3, 'S0006', 'SL', '0', NOW());
         INSERT INTO loan (item_code, member_id, loan_date, due_date, renewed, loan_rules_id, is_lent,
                           is_return, input_date, last_update, uid) VALUES
           ('S0003', '20260001', '{a}', '{b}', 0, 0, 1, 0, '{a} 09:00:00', '{a} 09:00:00', 1),
           ('S0006', '20260002', '{c}', '{d}', 0, 0, 1, 0, '{c} 10:00:00', '{c} 10:00:00', 1);",
        a = days_ago(20),
        b = days_ago(6),
        c = days_ago(10),
        d = days_ago(3),
    )
}

type LoanRow = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<String>,
    i64,
    i64,
    Option<String>,
    Option<String>,
);

fn loans(conn: &mut mysql::Conn) -> Vec<LoanRow> {
    conn.query(
        "SELECT item_code, member_id, CAST(loan_date AS CHAR), CAST(due_date AS CHAR), renewed,
                loan_rules_id, CAST(actual AS CHAR), is_lent, is_return,
                CAST(return_date AS CHAR), CAST(uid AS CHAR)
         FROM loan ORDER BY item_code, loan_id",
    )
    .unwrap()
}

fn fines(conn: &mut mysql::Conn) -> Vec<(String, String, i64, i64, String)> {
    conn.query(
        "SELECT CAST(fines_date AS CHAR), member_id, debet, credit, description
         FROM fines ORDER BY member_id, description, fines_id",
    )
    .unwrap()
}

fn history(conn: &mut mysql::Conn) -> Vec<(String, String, String, String, i64, i64, String)> {
    conn.query(
        "SELECT item_code, member_id, CAST(due_date AS CHAR), title, renewed, is_return,
                member_type_name
         FROM loan_history ORDER BY item_code, loan_id",
    )
    .unwrap()
}

/// Each test on a hub of either backend.
macro_rules! on_both_hub_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    super::$name(crate::library::HubBackend::Sqlite)
                }
                #[test]
                fn postgres() {
                    super::$name(crate::library::HubBackend::Postgres)
                }
            }
        )*
    };
}

on_both_hub_backends!(
    a_kiosk_loan_return_and_renewal_are_the_rows_slims_desk_writes,
    slims_changed_meanwhile_gives_conflicts_and_no_overwrite,
    a_write_interrupted_before_the_hub_recorded_it_is_not_written_twice,
);

fn a_kiosk_loan_return_and_renewal_are_the_rows_slims_desk_writes(backend: HubBackend) {
    let library = IlsLibrary::open_on(backend, "slims9.sql", &earlier_work());
    let twin = Database::load("slims9.sql");
    twin.run(&earlier_work());

    let before = jiff::Timestamp::now();
    let lent = library.kiosk(&[
        "circ", "checkout", "--patron", "20260002", "--item", "S0001",
    ]);
    assert_eq!(lent["ok"], true, "{lent}");
    let back = library.kiosk(&["circ", "checkin", "--item", "S0003"]);
    assert_eq!(back["ok"], true, "{back}");
    let renewed = library.kiosk(&["circ", "renew", "--patron", "20260002", "--item", "S0006"]);
    assert_eq!(renewed["ok"], true, "{renewed}");
    let after = jiff::Timestamp::now();
    library.kiosk_sync();
    let round = library.round();
    assert_eq!(round["written"], 3, "{round}");
    assert_eq!(round["conflicts"], 0, "{round}");

    // The kiosk's loan carries the time it was made, on the library's clock.
    let mut slims = library.system.conn();
    let input: String = slims
        .query_first("SELECT CAST(input_date AS CHAR) FROM loan WHERE item_code = 'S0001'")
        .unwrap()
        .unwrap();
    let zone = jiff::tz::db().get(crate::library::TIME_ZONE).unwrap();
    let wall = |t: jiff::Timestamp| {
        t.to_zoned_datetime(zone.clone())
            .datetime()
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    assert!(
        wall(before) <= input && input <= wall(after),
        "{input} not within {}..{}",
        wall(before),
        wall(after)
    );

    // What SLiMS's desk writes for the same three (circulation_base_lib.inc.php):
    // finishLoanSession, returnItem, and extendItemLoan (returnItem, then the new due date).
    let t = today();
    twin.run(&format!(
        "INSERT INTO loan (item_code, member_id, loan_date, due_date, renewed, loan_rules_id,
                           is_lent, is_return, input_date, last_update, uid)
           VALUES ('S0001', '20260002', '{t}', '{due7}', 0, 0, 1, 0, '{input}', NOW(), 1);
         DELETE FROM reserve WHERE member_id = '20260002' AND item_code = 'S0001';
         INSERT INTO fines (fines_date, member_id, debet, credit, description)
           VALUES ('{t}', '20260001', 6000, 0, 'Overdue fines for item S0003');
         UPDATE loan SET is_return = 1, return_date = '{t}', last_update = NOW()
           WHERE item_code = 'S0003' AND member_id = '20260001' AND is_lent = 1 AND is_return = 0;
         INSERT INTO fines (fines_date, member_id, debet, credit, description)
           VALUES ('{t}', '20260002', 1500, 0, 'Overdue fines for item S0006');
         UPDATE loan SET is_return = 1, return_date = '{t}', last_update = NOW()
           WHERE item_code = 'S0006' AND member_id = '20260002' AND is_lent = 1 AND is_return = 0;
         UPDATE loan SET renewed = renewed + 1, due_date = '{due7}', is_return = 0
           WHERE item_code = 'S0006' AND member_id = '20260002';",
        due7 = slims_due(t, 7),
    ));
    let mut desk = twin.conn();
    assert_eq!(loans(&mut slims), loans(&mut desk), "the loan table");
    assert_eq!(fines(&mut slims), fines(&mut desk), "the fines table");
    assert_eq!(
        history(&mut slims),
        history(&mut desk),
        "loan_history (SLiMS's triggers)"
    );
    let input_twin: String = desk
        .query_first("SELECT CAST(input_date AS CHAR) FROM loan WHERE item_code = 'S0001'")
        .unwrap()
        .unwrap();
    assert_eq!(input, input_twin);

    // A second round finds nothing more to write.
    let again = library.round();
    assert_eq!(again["written"], 0, "{again}");
    assert_eq!(loans(&mut slims), loans(&mut desk));
    assert_eq!(fines(&mut slims), fines(&mut desk));
}

fn slims_changed_meanwhile_gives_conflicts_and_no_overwrite(backend: HubBackend) {
    let library = IlsLibrary::open_on(backend, "slims9.sql", "");
    // Offline at the kiosk (nothing pushed yet): three loans.
    for (card, item) in [
        ("20260002", "S0001"),
        ("20260001", "S0003"),
        ("20260002", "S0005"),
    ] {
        let lent = library.kiosk(&["circ", "checkout", "--patron", card, "--item", item]);
        assert_eq!(lent["ok"], true, "{card} {item}: {lent}");
    }
    // Meanwhile at SLiMS's desk: S0001 lent to Siti, Siti's membership set pending, S0005
    // marked missing.
    let t = today();
    library.system.run(&format!(
        "INSERT INTO loan (item_code, member_id, loan_date, due_date, renewed, loan_rules_id,
                           is_lent, is_return, input_date, last_update, uid)
           VALUES ('S0001', '20260001', '{t}', '{due}', 0, 0, 1, 0, NOW(), NOW(), 1);
         UPDATE member SET is_pending = 1 WHERE member_id = '20260001';
         UPDATE item SET item_status_id = 'MIS' WHERE item_code = 'S0005';",
        due = slims_due(t, 14),
    ));
    let mut slims = library.system.conn();
    let loans_before = loans(&mut slims);
    library.kiosk_sync();
    let round = library.round();
    assert_eq!(round["written"], 0, "{round}");
    assert_eq!(round["conflicts"], 3, "{round}");
    assert_eq!(
        loans(&mut slims),
        loans_before,
        "nothing written over SLiMS's record"
    );

    let conflicts = hub_json(&library.hub_db, &library.config, &["conflicts", "list"]);
    let reasons: Vec<&str> = conflicts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 3, "{conflicts}");
    let said = |words: &str| reasons.iter().any(|r| r.contains(words));
    assert!(said("S0001 on loan to member 20260001"), "{reasons:?}");
    assert!(said("20260001 as pending"), "{reasons:?}");
    assert!(said("S0005 as 'Missing'"), "{reasons:?}");

    // The hub follows SLiMS: the kiosk's loans that were refused are gone, S0001 is
    // Siti's.
    let pulled = library.kiosk_sync();
    assert!(pulled["pulled"].as_u64().unwrap() > 0, "{pulled}");
    let refused = library.kiosk(&[
        "circ", "checkout", "--patron", "20260002", "--item", "S0001",
    ]);
    assert_eq!(refused["ok"], false, "{refused}");
}

fn a_write_interrupted_before_the_hub_recorded_it_is_not_written_twice(backend: HubBackend) {
    let library = IlsLibrary::open_on(backend, "slims9.sql", &earlier_work());
    let lent = library.kiosk(&[
        "circ", "checkout", "--patron", "20260002", "--item", "S0001",
    ]);
    assert_eq!(lent["ok"], true, "{lent}");
    let back = library.kiosk(&["circ", "checkin", "--item", "S0003"]);
    assert_eq!(back["ok"], true, "{back}");
    library.kiosk_sync();
    let round = library.round();
    assert_eq!(round["written"], 2, "{round}");
    let mut slims = library.system.conn();
    let (loans_once, fines_once) = (loans(&mut slims), fines(&mut slims));

    // The hub dies after SLiMS took the rows but before it recorded them: its ledger of
    // ILS writes is as it was before the round.
    library.forget_ils_writes();
    let again = library.round();
    assert_eq!(again["written"], 2, "found written: {again}");
    assert_eq!(loans(&mut slims), loans_once, "no second loan row");
    assert_eq!(fines(&mut slims), fines_once, "no second fine");

    // And a return cut off after its first statement (the fine row, as the desk writes it
    // first): the rest is written, the fine not again.
    let back = library.kiosk(&["circ", "checkin", "--item", "S0006"]);
    assert_eq!(back["ok"], true, "{back}");
    library.kiosk_sync();
    library.system.run(&format!(
        "INSERT INTO fines (fines_date, member_id, debet, credit, description)
           VALUES ('{}', '20260002', 1500, 0, 'Overdue fines for item S0006')",
        today()
    ));
    let round = library.round();
    assert_eq!(round["written"], 1, "{round}");
    let s0006: Vec<(i64, i64)> = slims
        .query("SELECT is_return, (SELECT COUNT(*) FROM fines WHERE description LIKE '% S0006') FROM loan WHERE item_code = 'S0006'")
        .unwrap();
    assert_eq!(s0006, vec![(1, 1)], "closed, one fine");
}

#[test]
fn serve_runs_the_link_and_says_how_it_stands() {
    let library = IlsLibrary::open_with_link("slims9.sql", "");
    let lent = library.kiosk(&[
        "circ", "checkout", "--patron", "20260002", "--item", "S0001",
    ]);
    assert_eq!(lent["ok"], true, "{lent}");
    library.kiosk_sync();
    // Nobody runs a round: serve's link writes the loan within a few of its 1 s rounds.
    let mut slims = library.system.conn();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let lent: Option<(i64,)> = slims
            .query_first(
                "SELECT COUNT(*) FROM loan WHERE item_code = 'S0001' AND member_id = '20260002'
                   AND is_return = 0",
            )
            .unwrap();
        if lent == Some((1,)) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "serve's link did not write the loan in 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let status = hub_json(&library.hub_db, &library.config, &["ils", "status"]);
    assert_eq!(status["system"], "SLiMS 9", "{status}");
    assert!(status["written"].as_u64().unwrap() >= 1, "{status}");
    assert!(status["last_write"].is_string(), "{status}");
    assert_eq!(status["last_error"], serde_json::Value::Null, "{status}");
}

#[test]
fn holds_placed_and_ended_at_the_hub_are_slims_reservations() {
    let library = IlsLibrary::open("slims9.sql", "");
    let hub = |args: &[&str]| hub_json(&library.hub_db, &library.config, args);
    // Budi reserves Laskar Pelangi (title 1): S0002 is on loan at the desk, S0001 on the
    // shelf; SLiMS reserves a copy, and its desk only a copy on loan: S0002.
    let placed = hub(&[
        "holds", "place", "--patron", "20260002", "--title", "slims:1",
    ]);
    let round = library.round();
    assert_eq!(round["written"], 1, "{round}");
    assert_eq!(round["read"]["holds"], 1, "{round}");
    let listed = hub(&["holds", "list", "--patron", "20260002"]);
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "the hub's hold only: {listed}"
    );

    // The row SLiMS's OPAC writes for it (member.inc.php): member, title, copy, when.
    let zone = jiff::tz::db().get(crate::library::TIME_ZONE).unwrap();
    let placed_at: jiff::Timestamp = listed[0]["placed"].as_str().unwrap().parse().unwrap();
    let wall = placed_at
        .to_zoned_datetime(zone)
        .datetime()
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string();
    let twin = Database::load("slims9.sql");
    twin.run(&format!(
        "INSERT INTO reserve (member_id, biblio_id, item_code, reserve_date)
           VALUES ('20260002', 1, 'S0002', '{wall}')"
    ));
    let reserves = |conn: &mut mysql::Conn| -> Vec<(String, i64, String, String)> {
        conn.query(
            "SELECT member_id, biblio_id, item_code, CAST(reserve_date AS CHAR) FROM reserve
             ORDER BY reserve_id",
        )
        .unwrap()
    };
    let mut slims = library.system.conn();
    assert_eq!(reserves(&mut slims), reserves(&mut twin.conn()), "{placed}");

    // Cancelled at the hub: the row goes. So does a reservation SLiMS's desk placed and
    // the patron cancelled on the web.
    let key = listed[0]["id"].as_str().unwrap().to_string();
    hub(&["holds", "cancel", &key]);
    library.system.run(
        "INSERT INTO reserve (member_id, biblio_id, item_code, reserve_date)
           VALUES ('20260001', 2, 'S0003', NOW())",
    );
    library.round();
    let desk_hold = hub(&["holds", "list", "--patron", "20260001"]);
    let desk_key = desk_hold[0]["id"].as_str().unwrap().to_string();
    assert!(desk_key.starts_with("slims:"), "{desk_hold}");
    hub(&["holds", "cancel", &desk_key]);
    let round = library.round();
    assert_eq!(round["read"]["holds"], 0, "{round}");
    assert_eq!(reserves(&mut slims), Vec::new());
}
