//! INLISLite through the hub: read into the hub (the desk's loan refused at the kiosk), and
//! the kiosk's loan, return and renewal written as INLISLite v3.2's and v3.3's desks write
//! them — compared with the rows the desk's own statements make (from the facts of its
//! controllers), the loan ID drawn as the desk draws it, and drawn again when a desk took
//! it in the same moment.

use crate::library::{IlsLibrary, today};
use crate::support::hub_json;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use mysql::prelude::Queryable;

/// v3.2's due date (`getTanggalKembali`) for the fixture (Sundays closed, no holidays):
/// each Sunday met while counting the days adds one; an end on a Sunday moves to Monday.
fn v32_due(from: Date, days: i64) -> Date {
    let (mut span, mut i) = (days, 1);
    while i <= span {
        if from.checked_add(i.days()).unwrap().weekday() == Weekday::Sunday {
            span += 1;
        }
        i += 1;
    }
    let due = from.checked_add(span.days()).unwrap();
    if due.weekday() == Weekday::Sunday {
        due.tomorrow().unwrap()
    } else {
        due
    }
}

fn days_ago(n: i64) -> Date {
    today().checked_sub(n.days()).unwrap()
}

fn yymmdd(day: Date) -> String {
    day.strftime("%y%m%d").to_string()
}

/// The desk's earlier work: Agus (Pelajar: 500 a day late) borrowed 10000003 twelve days
/// ago, due five days ago.
fn overdue_loan(prefix: &str) -> String {
    let id = format!("{prefix}{}00001", yymmdd(days_ago(12)));
    format!(
        "INSERT INTO collectionloans (ID, CollectionCount, Member_id, CreateBy, CreateDate, CreateTerminal, LocationLibrary_id)
           VALUES ('{id}', 1, 2, 1, '{a} 09:00:00', '192.168.1.20', 1);
         INSERT INTO collectionloanitems (CollectionLoan_id, LoanDate, DueDate, LoanStatus, Collection_id, member_id, CreateBy, CreateDate, CreateTerminal)
           VALUES ('{id}', '{a}', '{b}', 'Loan', 3, 2, 1, '{a} 09:00:00', '192.168.1.20');
         UPDATE collections SET Status_id = 5 WHERE ID = 3;",
        a = days_ago(12),
        b = days_ago(5),
    )
}

fn rows(conn: &mut mysql::Conn, sql: &str) -> Vec<Vec<String>> {
    let result: Vec<mysql::Row> = conn.query(sql).unwrap();
    result
        .into_iter()
        .map(|row| {
            row.unwrap()
                .into_iter()
                .map(|v| match v {
                    mysql::Value::NULL => "NULL".to_string(),
                    mysql::Value::Bytes(b) => String::from_utf8_lossy(&b).to_string(),
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .collect()
}

#[test]
fn inlislite_32_gets_the_rows_its_desk_writes() {
    let library = IlsLibrary::open_inlislite(false, &overdue_loan("1"));
    let read = library.full_round();
    assert_eq!(read["read"]["members"], 3, "{read}");
    assert_eq!(read["read"]["loans"], 2, "{read}");
    // The desk's loan of 10000001 is refused at the kiosk.
    let refused = library.kiosk(&[
        "circ",
        "checkout",
        "--patron",
        "2601000002",
        "--item",
        "10000001",
    ]);
    assert_eq!(refused["ok"], false, "{refused}");

    let lent = library.kiosk(&[
        "circ",
        "checkout",
        "--patron",
        "2601000002",
        "--item",
        "10000002",
    ]);
    assert_eq!(lent["ok"], true, "{lent}");
    let back = library.kiosk(&["circ", "checkin", "--item", "10000003"]);
    assert_eq!(back["ok"], true, "{back}");
    let renewed = library.kiosk(&[
        "circ",
        "renew",
        "--patron",
        "2601000001",
        "--item",
        "10000001",
    ]);
    assert_eq!(renewed["ok"], true, "{renewed}");
    library.kiosk_sync();
    let round = library.round();
    assert_eq!(
        (round["written"].clone(), round["conflicts"].clone()),
        (3.into(), 0.into()),
        "{round}"
    );

    // The facts: the loan's ID is location 1 + today + the next counter after the desk's
    // 00001; due in 7 days (Pelajar) past the Sundays; the late return's violation is 500 a
    // day late (Berkelipatan, per day) less the Sundays; the renewal 7 more days from today.
    let t = today();
    let loan_id = format!("1{}00002", yymmdd(t));
    let mut db = library.system.conn();
    let header = rows(
        &mut db,
        &format!(
            "SELECT ID, CollectionCount, CAST(Member_id AS SIGNED), LocationLibrary_id, CreateBy, CreateTerminal FROM collectionloans WHERE ID = '{loan_id}'"
        ),
    );
    assert_eq!(
        header,
        vec![vec![
            loan_id.clone(),
            "1".into(),
            "2".into(),
            "1".into(),
            "1".into(),
            "swalayan".into()
        ]]
    );
    let item = rows(
        &mut db,
        &format!(
            "SELECT CAST(LoanDate AS CHAR), CAST(DueDate AS CHAR), LoanStatus, CAST(Collection_id AS SIGNED), CAST(member_id AS SIGNED) FROM collectionloanitems WHERE CollectionLoan_id = '{loan_id}'"
        ),
    );
    assert_eq!(
        item,
        vec![vec![
            format!("{t} 00:00:00"),
            format!("{} 00:00:00", v32_due(t, 7)),
            "Loan".into(),
            "2".into(),
            "2".into()
        ]]
    );
    let copies = rows(
        &mut db,
        "SELECT CAST(ID AS SIGNED), Status_id, IsVerified + 0 FROM collections WHERE ID IN (1, 2, 3) ORDER BY ID",
    );
    assert_eq!(
        copies,
        vec![
            vec!["1".to_string(), "5".into(), "0".into()],
            vec!["2".to_string(), "5".into(), "0".into()],
            vec!["3".to_string(), "1".into(), "0".into()]
        ]
    );
    let returned = rows(
        &mut db,
        "SELECT LoanStatus, CAST(ActualReturn AS CHAR), LateDays FROM collectionloanitems WHERE Collection_id = 3",
    );
    assert_eq!(
        returned,
        vec![vec![
            "Return".to_string(),
            format!("{t} 00:00:00"),
            "NULL".into()
        ]],
        "v3.2 never writes LateDays"
    );
    let sundays = (1..=5)
        .filter(|i| days_ago(5).checked_add(i.days()).unwrap().weekday() == Weekday::Sunday)
        .count() as i64;
    let violation = rows(
        &mut db,
        "SELECT JenisPelanggaran_id, JenisDenda_id, CAST(JumlahDenda AS SIGNED), JumlahSuspend, Paid + 0, CAST(Member_id AS SIGNED), CAST(Collection_id AS SIGNED) FROM pelanggaran",
    );
    assert_eq!(
        violation,
        vec![vec![
            "1".to_string(),
            "1".into(),
            (500 * (5 - sundays)).to_string(),
            "0".into(),
            "0".into(),
            "2".into(),
            "3".into()
        ]]
    );
    let extended = rows(
        &mut db,
        "SELECT CAST(DateExtend AS CHAR), CAST(DueDateExtend AS CHAR), CAST(Collection_id AS SIGNED), CAST(Member_id AS SIGNED) FROM collectionloanextends",
    );
    let renewed_due = format!("{} 00:00:00", v32_due(t, 7));
    assert_eq!(
        extended,
        vec![vec![
            format!("{t} 00:00:00"),
            renewed_due.clone(),
            "1".into(),
            "1".into()
        ]]
    );
    let due_now = rows(
        &mut db,
        "SELECT CAST(DueDate AS CHAR) FROM collectionloanitems WHERE Collection_id = 1 AND LoanStatus = 'Loan'",
    );
    assert_eq!(due_now, vec![vec![renewed_due]]);
    // v3.2's audit trail: the header's insert and the copy's new status, as the operator.
    let history = rows(
        &mut db,
        &format!(
            "SELECT `table`, field_name, COALESCE(old_value, 'NULL'), new_value, `type`, user_id FROM modelhistory WHERE (`table` = 'collectionloans' AND field_id = '{loan_id}') OR (`table` = 'collections' AND field_id = '2') ORDER BY id"
        ),
    );
    assert!(
        history.contains(&vec![
            "collectionloans".to_string(),
            "ID".into(),
            "NULL".into(),
            loan_id.clone(),
            "0".into(),
            "1".into()
        ]),
        "{history:?}"
    );
    assert!(
        history.contains(&vec![
            "collections".to_string(),
            "Status_id".into(),
            "1".into(),
            "5".into(),
            "1".into(),
            "1".into()
        ]),
        "{history:?}"
    );
    // The save's own audit columns changed too (the Yii behaviour records them).
    assert!(
        history.contains(&vec![
            "collections".to_string(),
            "UpdateTerminal".into(),
            "NULL".into(),
            "swalayan".into(),
            "1".into(),
            "1".into()
        ]),
        "{history:?}"
    );

    // Once only: a second round writes nothing.
    let again = library.round();
    assert_eq!(again["written"], 0, "{again}");
}

#[test]
fn inlislite_33_writes_as_its_own_desk_does() {
    let library = IlsLibrary::open_inlislite(true, &overdue_loan("1"));
    let lent = library.kiosk(&[
        "circ",
        "checkout",
        "--patron",
        "2601000002",
        "--item",
        "10000002",
    ]);
    assert_eq!(lent["ok"], true, "{lent}");
    let back = library.kiosk(&["circ", "checkin", "--item", "10000003"]);
    assert_eq!(back["ok"], true, "{back}");
    library.kiosk_sync();
    let round = library.round();
    assert_eq!(round["written"], 2, "{round}");
    let t = today();
    let mut db = library.system.conn();
    // No location prefix; the loan's time, and 7 days later at the same time, no Sundays.
    let loan_id = format!("{}00001", yymmdd(t));
    let item = rows(
        &mut db,
        &format!(
            "SELECT CAST(LoanDate AS CHAR), CAST(DueDate AS CHAR), CAST(CreateDate AS CHAR) FROM collectionloanitems WHERE CollectionLoan_id = '{loan_id}'"
        ),
    );
    assert_eq!(item.len(), 1, "{item:?}");
    let at: jiff::civil::DateTime = item[0][2].replacen(' ', "T", 1).parse().unwrap();
    assert_eq!(item[0][0], item[0][2], "LoanDate is the loan's time");
    let due = at
        .checked_add(7.days())
        .unwrap()
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string();
    assert_eq!(item[0][1], due);
    let returned = rows(
        &mut db,
        "SELECT LoanStatus, LateDays FROM collectionloanitems WHERE Collection_id = 3",
    );
    assert_eq!(
        returned,
        vec![vec!["Return".to_string(), "5".into()]],
        "v3.3 writes the calendar days late"
    );
    let counters = rows(
        &mut db,
        &format!(
            "SELECT LoanCount, ReturnCount FROM collectionloans WHERE ID IN ('{loan_id}', '1{}00001') ORDER BY ID",
            yymmdd(days_ago(12))
        ),
    );
    assert_eq!(
        counters,
        vec![
            vec!["0".to_string(), "1".into()],
            vec!["1".to_string(), "0".into()]
        ]
    );
    let history = rows(&mut db, "SELECT COUNT(*) FROM modelhistory");
    assert_eq!(
        history,
        vec![vec!["0".to_string()]],
        "v3.3 keeps no modelhistory"
    );
}

/// The desk draws a loan ID from MAX(ID) without a lock. Its loan is being saved (its
/// header inserted, not yet committed) when the hub draws the same ID: the hub's insert
/// waits on it, fails on the key once the desk commits, and draws again. Both loans stay.
#[test]
fn a_desk_loan_and_a_hub_loan_in_the_same_moment_both_survive() {
    let library = IlsLibrary::open_inlislite(false, "");
    library.full_round();
    let lent = library.kiosk(&[
        "circ",
        "checkout",
        "--patron",
        "2601000002",
        "--item",
        "10000002",
    ]);
    assert_eq!(lent["ok"], true, "{lent}");
    library.kiosk_sync();
    let t = today();
    let desk_id = format!("1{}00002", yymmdd(t));
    let mut desk = library.system.conn();
    desk.query_drop("START TRANSACTION").unwrap();
    desk.query_drop(format!(
        "INSERT INTO collectionloans (ID, CollectionCount, Member_id, CreateBy, CreateDate, CreateTerminal, LocationLibrary_id)
         VALUES ('{desk_id}', 1, 1, 1, NOW(), '192.168.1.20', 1)"
    ))
    .unwrap();
    let round = std::thread::scope(|scope| {
        let hub = scope.spawn(|| library.round());
        // The hub's insert of the same ID waits on the desk's lock: then the desk saves.
        let mut watch = library.system.conn();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let waiting: Option<(i64,)> = watch
                .query_first("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'")
                .unwrap();
            if waiting.is_some_and(|(n,)| n > 0) {
                break;
            }
            if std::time::Instant::now() >= deadline {
                let list = rows(
                    &mut watch,
                    "SELECT COALESCE(STATE, ''), COALESCE(INFO, '') FROM information_schema.PROCESSLIST",
                );
                let _ = desk.query_drop("ROLLBACK");
                panic!("the hub never drew the desk's ID: {list:?}");
            }
            // InnoDB refreshes INNODB_TRX only when it was not read for 0.1 s.
            std::thread::sleep(std::time::Duration::from_millis(150));
        }
        desk.query_drop("COMMIT").unwrap();
        hub.join().unwrap()
    });
    assert_eq!(round["written"], 1, "{round}");
    let ids = rows(
        &mut library.system.conn(),
        "SELECT ID, CAST(Member_id AS SIGNED) FROM collectionloans ORDER BY ID",
    );
    assert_eq!(
        ids,
        vec![
            vec![format!("1{}00001", yymmdd(t)), "1".into()],
            vec![desk_id, "1".into()],
            vec![format!("1{}00003", yymmdd(t)), "2".into()],
        ]
    );
    let status = hub_json(&library.hub_db, &library.config, &["ils", "status"]);
    assert_eq!(status["system"], "INLISLite 3.2", "{status}");
}

/// INLISLite is the record: a copy its desk lent while the kiosk was offline makes one
/// conflict and nothing is overwritten; a write the hub did not get to record is found, not
/// written twice; and the kiosk hears INLISLite's due date (v3.2 adds the Sundays within the
/// period, which the stations' policy cannot say).
#[test]
fn inlislite_is_the_record_and_each_write_lands_once() {
    let library = IlsLibrary::open_inlislite(false, "");
    library.full_round();
    for (card, item) in [("2601000002", "10000004"), ("2601000002", "10000002")] {
        let lent = library.kiosk(&["circ", "checkout", "--patron", card, "--item", item]);
        assert_eq!(lent["ok"], true, "{lent}");
    }
    // Meanwhile at INLISLite's desk: 10000004 lent to Dewi.
    let t = today();
    library.system.run(&format!(
        "INSERT INTO collectionloans (ID, CollectionCount, Member_id, CreateBy, CreateDate, CreateTerminal, LocationLibrary_id)
           VALUES ('1{d}00002', 1, 1, 1, NOW(), '192.168.1.20', 1);
         INSERT INTO collectionloanitems (CollectionLoan_id, LoanDate, DueDate, LoanStatus, Collection_id, member_id, CreateBy, CreateDate, CreateTerminal)
           VALUES ('1{d}00002', '{t}', '{t}' + INTERVAL 7 DAY, 'Loan', 4, 1, 1, NOW(), '192.168.1.20');
         UPDATE collections SET Status_id = 5 WHERE ID = 4;",
        d = yymmdd(t)
    ));
    library.kiosk_sync();
    let round = library.round();
    assert_eq!(
        (round["written"].clone(), round["conflicts"].clone()),
        (1.into(), 1.into()),
        "{round}"
    );
    let mut db = library.system.conn();
    let on_loan = rows(
        &mut db,
        "SELECT CAST(Collection_id AS SIGNED), CAST(member_id AS SIGNED) FROM collectionloanitems WHERE LoanStatus = 'Loan' ORDER BY Collection_id",
    );
    assert_eq!(
        on_loan,
        vec![
            vec!["1".to_string(), "1".into()],
            vec!["2".to_string(), "2".into()],
            vec!["4".to_string(), "1".into()],
        ],
        "the desk's loan of 10000004 stands"
    );
    let conflicts = hub_json(&library.hub_db, &library.config, &["conflicts", "list"]);
    let reason = conflicts[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("INLISLite shows 10000004 on loan to member 2601000001"),
        "{reason}"
    );

    // The hub dies after INLISLite committed but before it recorded: nothing twice.
    library.forget_ils_writes();
    let again = library.round();
    assert_eq!(again["written"], 1, "found, not written: {again}");
    let loans = rows(&mut db, "SELECT COUNT(*) FROM collectionloans");
    assert_eq!(loans, vec![vec!["3".to_string()]]);

    // The kiosk hears INLISLite's due date for its loan of 10000002.
    library.kiosk_sync();
    let shown = library.kiosk(&["item", "show", "10000002"]);
    assert_eq!(shown["due"], v32_due(t, 7).to_string(), "{shown}");
}

/// After the first, a round reads only what INLISLite's desk saved since (its `UpdateDate`),
/// and every member with violations when the violations moved (a payment); a copy deleted
/// leaves with the full read.
#[test]
fn later_rounds_read_what_inlislite_changed() {
    let library = IlsLibrary::open_inlislite(false, "");
    let first = library.full_round();
    assert_eq!(first["read"]["members"], 3, "{first}");
    let idle = library.round();
    assert_eq!(
        (
            idle["read"]["members"].clone(),
            idle["read"]["items"].clone(),
            idle["read"]["titles"].clone()
        ),
        (0.into(), 0.into(), 0.into()),
        "{idle}"
    );
    library.system.run(
        "UPDATE members SET Fullname = 'Agus Harahap, S.Pd.', UpdateDate = NOW() WHERE ID = 2;
         UPDATE catalogs SET Title = 'Majalah Bobo / Redaksi', UpdateDate = NOW() WHERE ID = 3;
         INSERT INTO collections (ID, NomorBarcode, Catalog_id, Rule_id, Category_id, Status_id, Location_Library_id, UpdateDate)
           VALUES (8, '10000008', 2, 1, 1, 1, 1, NOW());
         INSERT INTO pelanggaran (CollectionLoan_id, JenisPelanggaran_id, JenisDenda_id, JumlahDenda, Member_id, Collection_id, CreateDate)
           VALUES ('x', 1, 1, 2500, 1, 2, NOW());",
    );
    let round = library.round();
    assert_eq!(
        (
            round["read"]["members"].clone(),
            round["read"]["items"].clone(),
            round["read"]["titles"].clone()
        ),
        (2.into(), 1.into(), 2.into()),
        "Agus, Dewi (a violation), 10000008, its title and Bobo's: {round}"
    );
    let hub = rusqlite::Connection::open(&library.hub_db).unwrap();
    let fines = |card: &str| -> String {
        hub.query_row(
            "SELECT CAST(json_extract(body, '$.fines') AS TEXT) FROM catalog WHERE kind = 'patron' AND key = ?1",
            [card],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(fines("2601000001"), "250000");
    // The desk's RegisterDate is the member's joining date at the hub; none, none.
    let joined = |card: &str| -> Option<String> {
        hub.query_row(
            "SELECT json_extract(body, '$.joined') FROM catalog WHERE kind = 'patron' AND key = ?1",
            [card],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(joined("2601000001").as_deref(), Some("2026-02-03"));
    assert_eq!(joined("2601000003").as_deref(), Some("2025-11-20"));
    assert_eq!(joined("2601000002"), None);
    library.system.run("UPDATE pelanggaran SET Paid = 1");
    library.round();
    assert_eq!(fines("2601000001"), "0", "paid at the desk");
    library.system.run("DELETE FROM collections WHERE ID = 8");
    library.round();
    assert_eq!(
        hub_json(&library.hub_db, &library.config, &["status"])["items"],
        8
    );
    library.full_round();
    assert_eq!(
        hub_json(&library.hub_db, &library.config, &["status"])["items"],
        7
    );
}

/// A hold at the hub becomes an INLISLite booking when a return sets a copy aside for it
/// (INLISLite books copies on the shelf, it keeps no queue), and the pickup at the kiosk is
/// a loan that ends the booking as its desk's loan does.
#[test]
fn a_copy_set_aside_for_a_hold_is_booked_in_inlislite() {
    let library = IlsLibrary::open_inlislite(false, &overdue_loan("1"));
    library.full_round();
    let lent = library.kiosk(&[
        "circ",
        "checkout",
        "--patron",
        "2601000002",
        "--item",
        "10000004",
    ]);
    assert_eq!(lent["ok"], true, "{lent}");
    library.kiosk_sync();
    library.round();
    // Both copies of Ronggeng Dukuh Paruk are out: Dewi reserves the title.
    let placed = hub_json(
        &library.hub_db,
        &library.config,
        &[
            "holds",
            "place",
            "--patron",
            "2601000001",
            "--title",
            "inlislite:2",
        ],
    );
    library.kiosk_sync();
    let back = library.kiosk(&["circ", "checkin", "--item", "10000003"]);
    assert_eq!(back["route"], "hold_shelf", "{back} {placed}");
    library.kiosk_sync();
    let round = library.round();
    assert_eq!(round["written"], 2, "the return and the booking: {round}");
    let mut db = library.system.conn();
    let booked = rows(
        &mut db,
        "SELECT BookingMemberID, CAST(DATE(BookingExpiredDate) AS CHAR) > CAST(CURDATE() AS CHAR), (SELECT COUNT(*) FROM bookinglogs WHERE collectionId = 3 AND memberId = '2601000001') FROM collections WHERE ID = 3",
    );
    assert_eq!(
        booked,
        vec![vec!["2601000001".to_string(), "1".into(), "1".into()]]
    );
    let listed = hub_json(
        &library.hub_db,
        &library.config,
        &["holds", "list", "--patron", "2601000001"],
    );
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "the hub's hold only: {listed}"
    );

    let picked = library.kiosk(&["circ", "pickup", "--patron", "2601000001"]);
    assert_eq!(picked["ok"], true, "{picked}");
    library.kiosk_sync();
    library.round();
    let after = rows(
        &mut db,
        "SELECT COALESCE(c.BookingMemberID, 'NULL'), c.Status_id, CAST(i.member_id AS SIGNED) FROM collections c JOIN collectionloanitems i ON i.Collection_id = c.ID AND i.LoanStatus = 'Loan' WHERE c.ID = 3",
    );
    assert_eq!(
        after,
        vec![vec!["NULL".to_string(), "5".into(), "1".into()]],
        "lent to Dewi, booking ended"
    );
}

/// A copy the INLISLite desk set aside for a member (its booking, read by the link) is told
/// like one a kiosk set aside: the member who chose WhatsApp on the hub's web gets a
/// `hold_ready` with the title and the booking's last day — once, however often the link
/// reads the booking again.
#[test]
fn a_booking_made_at_the_inlislite_desk_is_told_to_the_member() {
    use swalayan_core::contact::{MessageKind, Notify};
    use swalayan_core::contract::documents::{Consent, ContactDoc};
    let library = IlsLibrary::open_inlislite(
        false,
        "UPDATE collections SET BookingMemberID = '2601000001', \
         BookingExpiredDate = DATE_ADD(CURDATE(), INTERVAL 3 DAY) + INTERVAL 16 HOUR WHERE ID = 3;",
    );
    library.full_round();
    let storage = swalayan_hub::storage::open(&library.hub_db).unwrap();
    // Dewi chose WhatsApp on the hub's notifications page (INLISLite keeps no consent).
    let mut contact = storage
        .one::<ContactDoc>("2601000001")
        .unwrap()
        .unwrap_or(ContactDoc {
            phone: None,
            email: None,
            notify: Notify::None,
            consent: None,
            muted: Vec::new(),
            lang: None,
        });
    contact.phone = Some("+6281234567890".into());
    contact.notify = Notify::Whatsapp;
    contact.consent = Some(Consent {
        at: "2026-12-01T03:00:00Z".into(),
        via: "web".into(),
    });
    storage
        .write(&mut |tx| {
            tx.put_doc("2601000001", Some(&contact))?;
            Ok(())
        })
        .unwrap();
    std::fs::write(library.dir.path().join("wa.token"), "t").unwrap();
    let file: swalayan_hub::notify::settings::NotifyFile = toml::from_str(
        "[[channel]]\nname = \"wa\"\nkind = \"whatsapp_cloud\"\nphone_number_id = \"1\"\n\
         token_file = \"wa.token\"\napi_base = \"http://127.0.0.1:9\"\n\
         [channel.templates]\nhold_ready = \"pesanan_siap\"\n",
    )
    .unwrap();
    let settings =
        swalayan_hub::notify::NotifySettings::from_file(file, library.dir.path()).unwrap();
    let hub_library = swalayan_hub::config::Library::load(&library.config).unwrap();
    let now = jiff::Timestamp::now();
    let queued =
        swalayan_hub::notify::produce::happened(storage.as_ref(), &settings, &hub_library, now)
            .unwrap();
    assert_eq!(queued, 1);
    library.full_round();
    let again =
        swalayan_hub::notify::produce::happened(storage.as_ref(), &settings, &hub_library, now)
            .unwrap();
    assert_eq!(again, 0, "read again, told once");
    let notices = storage
        .notices(&swalayan_hub::storage::NoticeFilter::default())
        .unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].kind, MessageKind::HoldReady);
    assert_eq!(notices[0].patron, "2601000001");
    let until = today().checked_add(3.days()).unwrap();
    assert_eq!(notices[0].params[0].1, "Ronggeng Dukuh Paruk");
    assert_eq!(
        notices[0].params[2].1,
        swalayan_core::format::long_date(until, swalayan_core::reason::Lang::Id)
    );
}
