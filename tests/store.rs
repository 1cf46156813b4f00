use jiff::Timestamp;
use jiff::civil::date;
use swalayan::circulation::desk::{Desk, DeskSettings, Proof};
use swalayan::clock::FixedClock;
use swalayan::import::StoreSink;
use swalayan::import::csv::{ImportContext, import_items, import_patrons};
use swalayan::store::{Store, catalog, meta, outbox};

/// A desk over a fresh store at a fixed local time (Asia/Jakarta).
fn desk_at(dir: &std::path::Path, local: &str) -> Desk {
    let store = Store::open(&dir.join("station.db")).unwrap();
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    let at: Timestamp = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", local)
        .unwrap()
        .to_zoned_datetime(tz.clone())
        .unwrap()
        .timestamp();
    Desk::new(
        store,
        DeskSettings {
            station_id: "kiosk-1".into(),
            branch: "pusat".into(),
            time_zone: tz,
        },
        Box::new(FixedClock {
            at,
            synchronised: false,
        }),
    )
}

fn seed(desk: &mut Desk, dir: &std::path::Path) {
    let patrons = dir.join("p.csv");
    std::fs::write(
        &patrons,
        "card,name,category,expires,pin,blocked,fines\nP1,Siti,adult,2030-01-31,,false,0\n",
    )
    .unwrap();
    let items = dir.join("i.csv");
    std::fs::write(&items, "barcode,title,author,isbn,item_type,status,call_number\nB1,Laskar Pelangi,Andrea Hirata,,book,available,\n").unwrap();
    let policy = meta::policy(desk.store().conn()).unwrap();
    let ctx = ImportContext {
        policy: &policy,
        default_branch: "pusat",
    };
    import_patrons(&patrons, &ctx, &mut StoreSink::new(desk.store_mut())).unwrap();
    import_items(&items, &ctx, &mut StoreSink::new(desk.store_mut())).unwrap();
}

#[test]
fn due_dates_skip_sunday_and_independence_day() {
    let dir = tempfile::tempdir().unwrap();
    // Monday 3 August 2026, late evening local time (still the 3rd in Jakarta, the 3rd in UTC too).
    let mut desk = desk_at(dir.path(), "2026-08-03 22:30");
    seed(&mut desk, dir.path());
    let r = desk.checkout("P1", "B1", Proof::Pin(None), None).unwrap();
    assert_eq!(
        r.due,
        Some(date(2026, 8, 18)),
        "14 days lands on 17 August, a holiday"
    );
    let rows = outbox::list(desk.store().conn(), true, None).unwrap();
    assert!(
        !rows[0].clock_trusted,
        "this clock says it is not synchronised"
    );
}

#[test]
fn local_midnight_decides_the_day_not_utc() {
    let dir = tempfile::tempdir().unwrap();
    // 06:30 on Tuesday 4 August in Jakarta is still 3 August in UTC.
    let mut desk = desk_at(dir.path(), "2026-08-04 06:30");
    seed(&mut desk, dir.path());
    let r = desk.checkout("P1", "B1", Proof::Pin(None), None).unwrap();
    assert_eq!(r.due, Some(date(2026, 8, 18)));
}

#[test]
fn reimport_reports_contradictions_and_never_clears_a_loan_or_fine() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = desk_at(dir.path(), "2026-11-02 10:00");
    seed(&mut desk, dir.path());
    assert!(
        desk.checkout("P1", "B1", Proof::Pin(None), None)
            .unwrap()
            .ok
    );
    let items = dir.path().join("i2.csv");
    std::fs::write(&items, "barcode,title,author,isbn,item_type,status,call_number\nB1,Laskar Pelangi,Andrea Hirata,,book,lost,\n").unwrap();
    let policy = meta::policy(desk.store().conn()).unwrap();
    let ctx = ImportContext {
        policy: &policy,
        default_branch: "pusat",
    };
    let summary = import_items(&items, &ctx, &mut StoreSink::new(desk.store_mut())).unwrap();
    assert_eq!(summary.contradictions.len(), 1, "{summary:?}");
    assert!(summary.contradictions[0].reason.contains("on_loan"));
    let item = catalog::item(desk.store().conn(), "B1").unwrap().unwrap();
    assert_eq!(item.status.code(), "on_loan");

    // A fine charged here survives a re-import of the patron file with no fines.
    let mut late = desk_at(dir.path(), "2026-12-10 10:00");
    let back = late.checkin("B1", None).unwrap();
    assert!(!back.fine.is_zero());
    let patrons = dir.path().join("p.csv");
    import_patrons(&patrons, &ctx, &mut StoreSink::new(late.store_mut())).unwrap();
    let patron = catalog::patron(late.store().conn(), "P1").unwrap().unwrap();
    assert_eq!(patron.fines, back.fine);
}

#[test]
fn acknowledged_returns_forget_the_borrower_unless_history_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = desk_at(dir.path(), "2026-11-02 10:00");
    seed(&mut desk, dir.path());
    assert!(
        desk.checkout("P1", "B1", Proof::Pin(None), None)
            .unwrap()
            .ok
    );
    assert!(desk.checkin("B1", None).unwrap().ok);
    let conn = desk.store().conn();
    let rows = outbox::list(conn, true, None).unwrap();
    // Only the checkout acknowledged: the central does not have the return yet.
    outbox::acknowledge(conn, &[rows[0].id], Timestamp::now(), false).unwrap();
    let patron: Option<String> = conn
        .query_row("SELECT patron FROM loans", [], |r| r.get(0))
        .unwrap();
    assert_eq!(patron.as_deref(), Some("P1"));
    outbox::acknowledge(conn, &[rows[1].id], Timestamp::now(), false).unwrap();
    let patron: Option<String> = conn
        .query_row("SELECT patron FROM loans", [], |r| r.get(0))
        .unwrap();
    assert_eq!(patron, None);
    let all = outbox::list(conn, false, None).unwrap();
    assert!(all.iter().all(|r| r.payload["patron"].is_null()), "{all:?}");

    // With keep_history the borrower stays.
    assert!(
        desk.checkout("P1", "B1", Proof::Pin(None), None)
            .unwrap()
            .ok
    );
    assert!(desk.checkin("B1", None).unwrap().ok);
    let conn = desk.store().conn();
    let ids: Vec<_> = outbox::list(conn, true, None)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    outbox::acknowledge(conn, &ids, Timestamp::now(), true).unwrap();
    let kept: i64 = conn
        .query_row("SELECT count(*) FROM loans WHERE patron = 'P1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(kept, 1);
}

#[test]
fn conflicts_stay_listed_and_are_not_pending() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = desk_at(dir.path(), "2026-11-02 10:00");
    seed(&mut desk, dir.path());
    assert!(
        desk.checkout("P1", "B1", Proof::Pin(None), None)
            .unwrap()
            .ok
    );
    let conn = desk.store().conn();
    let row = outbox::list(conn, true, None).unwrap().remove(0);
    assert!(
        outbox::mark_conflict(
            conn,
            row.id,
            "copy already on loan centrally",
            Timestamp::now()
        )
        .unwrap()
    );
    assert!(outbox::list(conn, true, None).unwrap().is_empty());
    let all = outbox::list(conn, false, None).unwrap();
    assert_eq!(
        all[0].conflict_reason.as_deref(),
        Some("copy already on loan centrally")
    );
    assert_eq!(outbox::counts(conn).unwrap(), (0, 0, 1));
}
