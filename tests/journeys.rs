//! The kiosk's journeys without a screen (issue #10): the kiosk role on the real station
//! runtime — its engine thread, its RFID thread reading a simulated FEIG reader over a
//! pseudo-terminal, its cue player and buzzer — with the demo library in a real SQLite file.
//! The test moves the runtime's clock; it never sleeps.

use crate::station_rig::{KioskRig, RigSetup, uid};
use std::time::Duration;
use swalayan::domain::Route;
use swalayan::import::demo::copy_of;
use swalayan::reason::{Lang, Reason};
use swalayan::station::cues::Cue;
use swalayan::station::kiosk::{Command, RowState, Screen, StaffAction};
use swalayan::station::runtime::Event;
use swalayan_hardware::sim::feig::SimTag;

fn sign_in(r: &KioskRig, card: &str, pin: Option<&str>) {
    r.send(Command::StartBorrow);
    let view = r.scan(card);
    if let Some(pin) = pin {
        assert_eq!(view.screen, Screen::Pin, "{card} has a PIN");
        r.send(Command::Pin(pin.into()));
    }
    assert_eq!(r.view().screen, Screen::Borrow);
}

fn outbox_kinds(r: &KioskRig) -> Vec<String> {
    swalayan::store::outbox::list(r.desk().store().conn(), true, None)
        .unwrap()
        .iter()
        .map(|row| row.kind.code().to_string())
        .collect()
}

#[test]
fn borrow_a_refusal_then_receipt_feedback_and_goodbye() {
    let r = KioskRig::start(Lang::En, false);
    sign_in(&r, "21000000001", Some("1234"));
    r.scan(&copy_of("Negeri 5 Menara", 1));
    let view = r.scan(&copy_of("Cantik Itu Luka", 1));
    assert_eq!(view.rows[0].state, RowState::Borrowed);
    assert!(view.rows[0].due.is_some());
    assert_eq!(
        (view.rows[1].state, view.rows[1].reason),
        (RowState::Refused, Some(Reason::OnHoldForAnother))
    );
    assert_eq!(view.done_count, 1);
    assert_eq!(*r.cues.borrow(), [Cue::Success, Cue::Refusal]);

    assert_eq!(r.send(Command::Finish).screen, Screen::Receipt);
    assert_eq!(r.send(Command::Receipt(true)).screen, Screen::Feedback);
    let paper = swalayan_hardware::printer::decode::decode(&r.printed.lock().unwrap()[0]).unwrap();
    assert!(paper.lines.iter().any(|l| l.text.contains("Loan receipt")));
    assert!(
        paper
            .lines
            .iter()
            .any(|l| l.text.contains("Negeri 5 Menara"))
    );
    assert!(
        !paper
            .lines
            .iter()
            .any(|l| l.text.contains("Cantik Itu Luka"))
    );
    assert_eq!(r.send(Command::Feedback(5)).screen, Screen::Goodbye);
    let view = r.advance(Duration::from_secs(6));
    assert_eq!(view.screen, Screen::Welcome);
    assert!(view.rows.is_empty() && view.patron_name.is_empty());
    let kinds = outbox_kinds(&r);
    for kind in ["checkout", "feedback", "pin_attempt"] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
}

#[test]
fn an_rfid_stack_with_a_missing_part_waits_then_names_it_and_lends_when_it_comes() {
    let r = KioskRig::start(Lang::En, true);
    sign_in(&r, "21000000001", Some("1234"));
    let set = copy_of("Belajar Bahasa Inggris: buku dan CD audio", 1);
    r.lay(SimTag::library_item(
        uid(1),
        &copy_of("Bumi", 1),
        "ID-TTK",
        0x07,
    ));
    let view = r.lay(SimTag::with_data(uid(3), &set, "ID-TTK", 1, 2, 1, 0x07));
    assert_eq!(view.rows.len(), 1, "the set waits for its other part");
    let view = r.advance(Duration::from_secs(3));
    let row = &view.rows[1];
    assert_eq!(
        (row.state, row.reason, row.missing_part),
        (
            RowState::Refused,
            Some(Reason::PartsMissing {
                expected: 2,
                seen: 1
            }),
            Some(2)
        )
    );
    assert_eq!(
        r.afis(),
        [0xC2, 0x07],
        "lent book disarmed, the set still armed"
    );
    let view = r.lay(SimTag::with_data(uid(4), &set, "ID-TTK", 1, 2, 2, 0x07));
    assert_eq!(view.rows.len(), 2, "the set's row is replaced");
    assert_eq!(view.rows[1].state, RowState::Borrowed);
    assert_eq!(r.afis(), [0xC2, 0xC2, 0xC2]);
    // The pad reports again only when it changes: laying nothing new lends nothing twice.
    let view = r.poll_pad();
    assert_eq!(view.done_count, 2);
}

#[test]
fn a_return_with_a_hold_goes_to_the_hold_shelf_and_an_overdue_one_has_a_fine() {
    let r = KioskRig::start(Lang::En, false);
    assert_eq!(r.send(Command::StartReturn).screen, Screen::Return);
    r.scan(&copy_of("Laut Bercerita", 1));
    let view = r.scan(&copy_of("Bumi Manusia", 1));
    assert_eq!(view.rows[0].route, Some(Route::HoldShelf));
    assert_eq!(view.rows[1].state, RowState::Returned);
    assert!(!view.rows[1].fine.is_zero(), "{:?}", view.rows[1]);
    assert_eq!(view.done_count, 2);
}

#[test]
fn renew_refused_for_a_reserved_book_and_granted_for_another() {
    let r = KioskRig::start(Lang::En, false);
    r.send(Command::StartAccount);
    let view = r.scan("21000000010"); // Maya: no PIN; her book is reserved by others
    assert_eq!(view.screen, Screen::Account);
    let maya = view
        .loans
        .iter()
        .find(|l| l.title == "Laut Bercerita")
        .unwrap();
    let view = r.send(Command::Renew(maya.barcode.clone()));
    assert_eq!(
        view.rows[0].reason,
        Some(Reason::HasHolds),
        "{:?}",
        view.rows
    );
    r.send(Command::Cancel);

    r.send(Command::StartAccount);
    r.scan("21000000001");
    let view = r.send(Command::Pin("1234".into()));
    let loan = view
        .loans
        .iter()
        .find(|l| l.title == "Laskar Pelangi")
        .unwrap()
        .clone();
    // The due date as the store keeps it: the screen's is words ("Kamis, 3 Desember 2026"),
    // which do not sort as dates.
    let due_in_store = || {
        swalayan::store::circ::open_loan_for_item(r.desk().store().conn(), &loan.barcode)
            .unwrap()
            .unwrap()
            .due
    };
    let due_before = due_in_store();
    let view = r.send(Command::Renew(loan.barcode.clone()));
    let renewed = view
        .rows
        .iter()
        .find(|row| row.barcode == loan.barcode)
        .unwrap();
    assert_eq!(renewed.state, RowState::Renewed);
    let after = view
        .loans
        .iter()
        .find(|l| l.barcode == loan.barcode)
        .unwrap();
    assert!(
        due_in_store() > due_before,
        "the renewal moves the due date on"
    );
    assert_ne!(after.due, loan.due, "and the screen says the new one");
    assert_eq!(after.renewals, loan.renewals + 1);
}

#[test]
fn pick_up_a_ready_hold_from_the_account() {
    let r = KioskRig::start(Lang::En, false);
    r.send(Command::StartAccount);
    r.scan("21000000005");
    let view = r.send(Command::Pin("4321".into()));
    assert_eq!((view.screen, view.ready_count), (Screen::Account, 1));
    let view = r.send(Command::PickUp);
    assert_eq!(view.ready_count, 0);
    assert!(view.loans.iter().any(|l| l.title == "Cantik Itu Luka"));
    assert!(outbox_kinds(&r).iter().any(|k| k == "pickup"));
}

#[test]
fn three_wrong_pins_lock_the_card() {
    let r = KioskRig::start(Lang::En, false);
    r.send(Command::StartBorrow);
    r.scan("21000000001");
    for attempt in 1..=2 {
        let view = r.send(Command::Pin("9999".into()));
        assert_eq!(
            (view.screen, view.notice),
            (Screen::Pin, Some(Reason::PinIncorrect)),
            "attempt {attempt}"
        );
    }
    let view = r.send(Command::Pin("9999".into()));
    assert_eq!(
        (view.screen, view.notice),
        (Screen::Identify, Some(Reason::PinLocked))
    );
    // Locked: the right PIN does not help, the card does not reach the PIN pad.
    let view = r.scan("21000000001");
    assert_eq!(
        (view.screen, view.notice),
        (Screen::Identify, Some(Reason::PinLocked))
    );
    assert_eq!(
        r.cues
            .borrow()
            .iter()
            .filter(|c| **c == Cue::Refusal)
            .count(),
        4
    );
}

#[test]
fn inactivity_warns_then_ends_the_session_keeping_the_loan_and_printing_the_receipt() {
    let r = KioskRig::start(Lang::En, false);
    sign_in(&r, "21000000001", Some("1234"));
    r.scan(&copy_of("Negeri 5 Menara", 1));
    let view = r.advance(Duration::from_secs(59));
    assert_eq!(view.idle_countdown, None);
    let view = r.advance(Duration::from_secs(2));
    assert_eq!(view.idle_countdown, Some(19));
    let view = r.send(Command::StillHere);
    assert_eq!(view.idle_countdown, None);
    r.advance(Duration::from_secs(61));
    let view = r.advance(Duration::from_secs(20));
    assert_eq!(view.screen, Screen::Welcome);
    assert!(view.rows.is_empty() && view.patron_name.is_empty());
    assert_eq!(
        r.printed.lock().unwrap().len(),
        1,
        "the receipt printed itself"
    );
    let account = r.desk().account("21000000001").unwrap().unwrap();
    assert!(account.loans.iter().any(|l| l.title == "Negeri 5 Menara"));
}

#[test]
fn staff_mode_needs_a_staff_card_tests_the_printer_reads_a_tag_and_leaves() {
    let r = KioskRig::start(Lang::En, true);
    r.send(Command::Staff(StaffAction::Enter));
    r.scan("21000000001");
    let view = r.send(Command::Pin("1234".into()));
    assert_eq!(
        (view.screen, view.notice),
        (Screen::Identify, Some(Reason::StaffOnly))
    );
    r.scan("21000000008");
    let view = r.send(Command::Pin("9999".into()));
    assert_eq!(view.screen, Screen::Staff);
    let view = r.send(Command::Staff(StaffAction::TestPrinter));
    assert_eq!(view.staff_message, "printer: test receipt printed");
    r.reader
        .as_ref()
        .unwrap()
        .field()
        .tags
        .push(SimTag::library_item(
            uid(7),
            &copy_of("Bumi", 1),
            "ID-TTK",
            0x07,
        ));
    let view = r.send(Command::Staff(StaffAction::ReadTag));
    assert!(
        view.staff_message.contains(&copy_of("Bumi", 1)),
        "{}",
        view.staff_message
    );
    assert!(
        r.inbox
            .send(Event::Input(Command::Staff(StaffAction::Leave)))
    );
    r.wait_for("staff left kiosk mode", |v| v.quit);
    assert!(
        !r.inbox.flush(Duration::from_secs(10)),
        "the runtime stops when staff leave kiosk mode"
    );
}

/// An untrusted clock in the past (a Pi booted without network): through the runtime,
/// "today", due dates, the overdue flags and the receipt all follow the last trusted time.
#[test]
fn an_untrusted_clock_in_the_past_agrees_with_the_last_trusted_time() {
    let trusted: jiff::Timestamp = "2026-11-28T03:00:00Z".parse().unwrap(); // 10:00 WIB
    let mut setup = RigSetup::new(Lang::En, false);
    setup.wall_clock = Box::new(swalayan::clock::FixedClock {
        at: "2020-01-01T02:00:00Z".parse().unwrap(),
        synchronised: false,
    });
    setup.demo_at = trusted;
    setup.last_trusted = Some(trusted);
    let r = KioskRig::start_with(tempfile::tempdir().unwrap(), setup);
    let today = jiff::civil::date(2026, 11, 28);

    sign_in(&r, "21000000001", Some("1234"));
    let view = r.scan(&copy_of("Negeri 5 Menara", 1));
    let row = &view.rows[0];
    assert_eq!(row.state, RowState::Borrowed, "{row:?}");
    // Written the patron's way ("Selasa, 1 Desember 2026"): one of the next days of 2026.
    let due = row.due.as_deref().unwrap();
    let written = |d: jiff::civil::Date, lang| swalayan_core::format::long_date(d, lang);
    assert!(
        (1..=33)
            .map(|n| today + jiff::Span::new().days(n))
            .any(|d| d.year() == 2026 && [Lang::Id, Lang::En].iter().any(|l| written(d, *l) == due)),
        "due {due}"
    );
    r.send(Command::Finish);
    r.send(Command::Receipt(true));
    let receipt = String::from_utf8_lossy(&r.printed.lock().unwrap()[0]).to_string();
    assert!(receipt.contains("28-11-2026 10:00"), "{receipt}");
    // The header clock's floor: the screen shows 28-11-2026 10:00 too, not 2020.
    let view = r.view();
    let shown =
        swalayan::clock::shown_now("2020-01-01T02:00:00Z".parse().unwrap(), view.last_trusted)
            .to_zoned_datetime(jiff::tz::db().get("Asia/Jakarta").unwrap());
    assert_eq!(
        shown.strftime("%d-%m-%Y %H:%M").to_string(),
        "28-11-2026 10:00"
    );

    r.send(Command::Cancel);
    r.send(Command::StartAccount);
    r.scan("21000000001");
    let view = r.send(Command::Pin("1234".into()));
    assert!(
        view.loans.iter().any(|l| l.overdue),
        "Siti's overdue demo loan is overdue by the trusted date: {:?}",
        view.loans
    );
    assert!(
        view.loans
            .iter()
            .filter(|l| l.barcode == copy_of("Negeri 5 Menara", 1))
            .all(|l| !l.overdue && l.due == due),
        "{:?}",
        view.loans
    );
}
