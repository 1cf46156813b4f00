//! The mobile library as a station on wheels (issue #32), against a real hub: a simulated
//! month of a bus on two routes, offline all day and synced at the depot in the evening
//! (once not for two days), staff working its screen as a kiosk in mobile mode — "Tiba di",
//! "+1", lending by card, returns, a stop cancelled for rain, a member registered on the
//! spot who borrows on the bus and, the next day, at the library's kiosk. What reaches the
//! hub is counted by this test from its own script, never read back from the station.

use crate::roles::{push, txn};
use crate::support::{Backend, Hub, client, on_both_backends, runtime, start_hub, write};
use jiff::civil::{Date, date};
use jiff::{Timestamp, ToSpan};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use swalayan::circulation::desk::mobile::NewMember;
use swalayan::circulation::desk::{Desk, DeskSettings, Proof};
use swalayan::clock::Clock;
use swalayan::station::kiosk::mobile::MobileAction;
use swalayan::station::kiosk::{Command, Kiosk, KioskSettings, Screen};
use swalayan::store::Store;
use swalayan::sync::pull::pull_changes;
use swalayan::sync::push::push_pending;

on_both_backends!(a_month_on_the_bus_reaches_the_hub_once_per_stop_and_kelurahan);

/// A station clock the test moves (the bus's days and hours).
#[derive(Clone)]
struct BusClock(Arc<Mutex<Timestamp>>);

impl Clock for BusClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
    fn synchronised(&self) -> bool {
        true
    }
}

impl BusClock {
    fn set(&self, day: Date, hour: i8, minute: i8) {
        let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
        *self.0.lock().unwrap() = tz.to_timestamp(day.at(hour, minute, 0, 0)).unwrap();
    }
}

fn station(dir: &std::path::Path, name: &str, clock: Box<dyn Clock>) -> Desk {
    Desk::new(
        Store::open(&dir.join(format!("{name}.db"))).unwrap(),
        DeskSettings {
            station_id: name.into(),
            branch: "pusat".into(),
            time_zone: jiff::tz::db().get("Asia/Jakarta").unwrap(),
        },
        clock,
    )
}

fn sync(hub: &Hub, desk: &mut Desk, token: &str, name: &str) {
    let central = hub.central(token, name);
    let rt = runtime();
    rt.block_on(push_pending(desk.store_mut(), &central, &client()))
        .unwrap();
    rt.block_on(pull_changes(desk.store_mut(), &central, &client()))
        .unwrap();
}

/// What the test did at each stop, by stop name.
#[derive(Debug, Default, Clone, PartialEq)]
struct Counted {
    made: u64,
    cancelled: u64,
    visitors: u64,
    loans: u64,
    returns: u64,
    registered: u64,
}

/// The bus's screen: a kiosk in mobile mode, driven as staff would.
struct Bus {
    kiosk: Kiosk,
    ticks: u64,
}

impl Bus {
    fn press(&mut self, command: Command) {
        self.ticks += 1;
        self.kiosk
            .handle(command, Duration::from_secs(self.ticks))
            .unwrap();
    }

    fn stop_key(&self, name: &str) -> String {
        let day = &self.kiosk.view().mobile.as_ref().unwrap().day;
        day.today
            .iter()
            .find(|s| s.stop.stop == name)
            .unwrap_or_else(|| {
                panic!(
                    "{name} not on today's schedule at {}: {day:?}",
                    self.kiosk.desk().local_now()
                )
            })
            .key
            .clone()
    }

    fn lend(&mut self, card: &str, items: &[String]) {
        self.press(Command::Code(card.into()));
        assert_eq!(
            self.kiosk.view().screen,
            Screen::Borrow,
            "{card}: {:?}",
            self.kiosk.view().notice
        );
        for item in items {
            self.press(Command::Code(item.clone()));
        }
        let refused: Vec<_> = self
            .kiosk
            .view()
            .rows
            .iter()
            .filter(|r| r.reason.is_some())
            .map(|r| (r.barcode.clone(), r.reason))
            .collect();
        assert!(refused.is_empty(), "{refused:?}");
        self.press(Command::Finish);
        assert_eq!(self.kiosk.view().screen, Screen::Mobile);
    }

    fn take_back(&mut self, items: &[String]) {
        self.press(Command::StartReturn);
        for item in items {
            self.press(Command::Code(item.clone()));
        }
        self.press(Command::Finish);
        assert_eq!(self.kiosk.view().screen, Screen::Mobile);
    }
}

fn a_month_on_the_bus_reaches_the_hub_once_per_stop_and_kelurahan(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let items: String = (1..=60)
        .map(|n| format!("B{n:02},Buku {n},book\n"))
        .collect();
    let items = write(
        dir.path(),
        "items.csv",
        &format!("barcode,title,item_type\n{items}"),
    );
    // A card for each stop's borrower, and one who forgets hers.
    let mut patrons: String = (1..=16)
        .map(|n| format!("P{n},Anggota {n},adult,2030-01-31,1234\n"))
        .collect();
    patrons.push_str("P20,Siti Rahmawati,adult,2030-01-31,1234\n");
    let patrons = write(
        dir.path(),
        "patrons.csv",
        &format!("card,name,category,expires,pin\n{patrons}"),
    );
    hub.json(&["import", "items", items.to_str().unwrap()]);
    hub.json(&["import", "patrons", patrons.to_str().unwrap()]);
    // Two routes, two stops each, on four weekdays (in the order of the week).
    let schedule = [
        (
            "Rute Utara",
            "SD Negeri 163",
            "Bandar Utama",
            "mon",
            "09:00",
            "11:00",
        ),
        (
            "Rute Selatan",
            "Pasar Gambir",
            "Satria",
            "tue",
            "09:00",
            "11:00",
        ),
        (
            "Rute Utara",
            "Masjid Raya",
            "Rambung",
            "wed",
            "13:00",
            "15:00",
        ),
        (
            "Rute Selatan",
            "Puskesmas Durian",
            "Durian",
            "thu",
            "10:00",
            "12:00",
        ),
    ];
    for (route, stop, kelurahan, day, start, end) in schedule {
        hub.add_stop([route, stop, kelurahan, day, start, end], &[]);
    }
    // A mobile station needs its card numbers; they may not overlap another's.
    let refused = hub.cmd(&["station", "add", "bus-0", "--role", "mobile"]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a mobile station without cards"
    );
    let added = hub.json(&[
        "station",
        "add",
        "bus-1",
        "--role",
        "mobile",
        "--cards",
        "MB0100000-MB0100999",
    ]);
    assert_eq!(added["cards"]["first"], "MB0100000");
    let overlapping = hub.cmd(&[
        "station",
        "add",
        "bus-2",
        "--role",
        "mobile",
        "--cards",
        "MB0100900-MB0101999",
    ]);
    assert_eq!(overlapping.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&overlapping.stderr).contains("bus-1"),
        "{}",
        String::from_utf8_lossy(&overlapping.stderr)
    );
    let token = added["token"].as_str().unwrap().to_string();

    // The bus at the depot the evening before the month starts: everything pulled.
    let clock = BusClock(Arc::new(Mutex::new(Timestamp::UNIX_EPOCH)));
    // A month to come: the station's trusted time never goes back (the hub's clock is today's).
    let first_monday = date(2027, 2, 1);
    clock.set(first_monday.yesterday().unwrap(), 18, 0);
    let mut desk = station(dir.path(), "bus-1", Box::new(clock.clone()));
    sync(&hub, &mut desk, &token, "bus-1");
    let mut bus = Bus {
        kiosk: Kiosk::new(
            desk,
            KioskSettings {
                mobile: true,
                ..KioskSettings::default()
            },
            None,
            None,
        ),
        ticks: 0,
    };
    assert_eq!(bus.kiosk.view().screen, Screen::Mobile);

    let mut counted: BTreeMap<&str, Counted> = BTreeMap::new();
    let mut lent_at: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut next_item = 1;
    let mut registered_card = String::new();
    let mut renewed = 0u64;
    let mut member_day = first_monday;
    for week in 0..4i64 {
        for (_, stop, _, day, start, _) in schedule {
            let offset = ["mon", "tue", "wed", "thu"]
                .iter()
                .position(|d| *d == day)
                .unwrap() as i64;
            let today = first_monday
                .checked_add((week * 7 + offset).days())
                .unwrap();
            let hour: i8 = start[..2].parse().unwrap();
            clock.set(today, hour - 1, 45);
            bus.press(Command::Tick);
            let key = bus.stop_key(stop);
            // "Tiba di" proposes the stop scheduled now.
            let proposed = bus
                .kiosk
                .view()
                .mobile
                .as_ref()
                .unwrap()
                .day
                .proposed
                .clone();
            assert_eq!(
                proposed.map(|(k, _)| k),
                Some(key.clone()),
                "{today} {stop}"
            );
            let count = counted.entry(stop).or_default();
            if week == 2 && stop == "Masjid Raya" {
                // Rain: cancelled with a reason (one without is refused).
                bus.press(Command::Mobile(MobileAction::CancelStop {
                    stop: key.clone(),
                    reason: "  ".into(),
                }));
                assert!(bus.kiosk.view().mobile.as_ref().unwrap().message.is_some());
                bus.press(Command::Mobile(MobileAction::CancelStop {
                    stop: key,
                    reason: "hujan deras".into(),
                }));
                count.cancelled += 1;
                continue;
            }
            clock.set(today, hour, 5);
            bus.press(Command::Mobile(MobileAction::Arrive(key)));
            count.made += 1;
            let visitors = 3 + week as u64 + offset as u64;
            for _ in 0..visitors {
                bus.press(Command::Mobile(MobileAction::Tally));
            }
            count.visitors += visitors;
            assert_eq!(
                bus.kiosk.view().mobile.as_ref().unwrap().day.visitors_here as u64,
                visitors
            );
            // Last week's loans at this stop come back.
            let back = lent_at.remove(stop).unwrap_or_default();
            clock.set(today, hour, 30);
            if !back.is_empty() {
                bus.take_back(&back);
                count.returns += back.len() as u64;
            }
            // Two patrons borrow, one by card, one found by name (the card left at home).
            let first: Vec<String> = (0..2).map(|i| format!("B{:02}", next_item + i)).collect();
            let second = vec![format!("B{:02}", next_item + 2)];
            next_item += 3;
            let card = format!("P{}", week * 4 + offset + 1);
            bus.lend(&card, &first);
            bus.press(Command::Mobile(MobileAction::Find("rahma".into())));
            let found = bus.kiosk.view().mobile.as_ref().unwrap().found.clone();
            assert_eq!(found, [("P20".to_string(), "Siti Rahmawati".to_string())]);
            bus.press(Command::Mobile(MobileAction::Choose("P20".into())));
            assert_eq!(bus.kiosk.view().screen, Screen::Borrow);
            for item in &second {
                bus.press(Command::Code(item.clone()));
            }
            if week == 1 && stop == "SD Negeri 163" {
                // She asks to keep last week's book longer: her loans, renewed on the spot.
                bus.press(Command::StartAccount);
                assert_eq!(bus.kiosk.view().screen, Screen::Account);
                let loans = bus.kiosk.view().loans.clone();
                let oldest = loans.first().expect("her loans").barcode.clone();
                bus.press(Command::Renew(oldest.clone()));
                assert_eq!(bus.kiosk.view().loans.len(), loans.len());
                renewed += 1;
            }
            bus.press(Command::Finish);
            count.loans += 3;
            let mut lent = first.clone();
            lent.extend(second);
            if week == 3 && stop == "SD Negeri 163" {
                // A new member, registered on the spot, borrows at once (offline).
                bus.press(Command::Mobile(MobileAction::Register(NewMember {
                    name: "Rina Siregar".into(),
                    kelurahan: Some("Bandar Utama".into()),
                    phone: Some("0812-3456-7890".into()),
                    notify: Some(swalayan_core::contact::Notify::Whatsapp),
                    category: None,
                })));
                let shown = bus.kiosk.view().mobile.clone().unwrap();
                let (card, name) = shown.registered.expect("a card number for the member");
                assert_eq!(
                    (card.as_str(), name.as_str()),
                    ("MB0100000", "Rina Siregar")
                );
                registered_card = card.clone();
                member_day = today;
                count.registered += 1;
                let theirs = format!("B{:02}", next_item);
                next_item += 1;
                bus.lend(&card, std::slice::from_ref(&theirs));
                count.loans += 1;
                lent.push(theirs);
            }
            lent_at.insert(stop, lent);
            bus.press(Command::Mobile(MobileAction::Depart));
            // Back at the depot in the evening, except on week 1's Tuesday and Wednesday:
            // no network for two days, synced on Thursday.
            let offline = week == 1 && matches!(day, "tue" | "wed");
            if !offline {
                clock.set(today, 18, 0);
                let rt = runtime();
                let central = hub.central(&token, "bus-1");
                let desk = bus_desk(&mut bus.kiosk);
                rt.block_on(push_pending(desk, &central, &client()))
                    .unwrap();
                rt.block_on(pull_changes(desk, &central, &client()))
                    .unwrap();
            } else {
                bus.press(Command::Mobile(MobileAction::Clear));
                assert!(bus.kiosk.view().pending > 0, "what waits is on screen");
            }
        }
    }
    // Everything was sent (the screen reads the outbox again on a press); a second round
    // at the depot finds nothing to send.
    bus.press(Command::Mobile(MobileAction::Clear));
    assert_eq!(bus.kiosk.view().pending, 0);
    let sent = runtime()
        .block_on(push_pending(
            bus_desk(&mut bus.kiosk),
            &hub.central(&token, "bus-1"),
            &client(),
        ))
        .unwrap();
    assert_eq!((sent.pushed, sent.conflicts), (0, 0), "{sent:?}");

    // The next day, the member borrows at the library's kiosk (their PIN set at the desk).
    hub.json(&["patron", "pin", &registered_card, "--set", "2468"]);
    let kiosk_token = hub.add_station("kiosk-1");
    let kiosk_clock = BusClock(Arc::new(Mutex::new(Timestamp::UNIX_EPOCH)));
    kiosk_clock.set(member_day.tomorrow().unwrap(), 10, 0);
    let mut kiosk = station(dir.path(), "kiosk-1", Box::new(kiosk_clock));
    sync(&hub, &mut kiosk, &kiosk_token, "kiosk-1");
    let at_library = kiosk
        .checkout(&registered_card, "B59", Proof::Pin(Some("2468")), None)
        .unwrap();
    assert_eq!(at_library.reason, None, "{at_library:?}");
    sync(&hub, &mut kiosk, &kiosk_token, "kiosk-1");

    // The hub's report per stop equals what the test did.
    let report = hub.json(&[
        "report",
        "mobile",
        "--from",
        "2027-02-01",
        "--to",
        "2027-02-28",
    ]);
    let rows = report["rows"].as_array().unwrap();
    let mut from_hub: BTreeMap<String, Counted> = BTreeMap::new();
    for row in rows {
        let n = |f: &str| row[f].as_u64().unwrap();
        from_hub.insert(
            row["stop"].as_str().unwrap().to_string(),
            Counted {
                made: n("made"),
                cancelled: n("cancelled"),
                visitors: n("visitors"),
                loans: n("loans"),
                returns: n("returns"),
                registered: n("registered"),
            },
        );
    }
    let expected: BTreeMap<String, Counted> = counted
        .iter()
        .map(|(stop, c)| (stop.to_string(), c.clone()))
        .collect();
    assert_eq!(from_hub, expected, "{report}");
    let kelurahan: Vec<&str> = rows
        .iter()
        .map(|r| r["kelurahan"].as_str().unwrap())
        .collect();
    assert_eq!(kelurahan, ["Bandar Utama", "Durian", "Rambung", "Satria"]);
    assert_eq!(report["cancellations"][0]["reason"], "hujan deras");
    assert_eq!(report["cancellations"][0]["date"], "2027-02-17");

    // Each loan once: report circulation's bus loans are the test's, the kiosk's its one.
    let circulation = hub.json(&[
        "report",
        "circulation",
        "--from",
        "2027-02-01",
        "--to",
        "2027-03-31",
    ]);
    let loans_at = |station: &str| -> u64 {
        circulation["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["station"] == station)
            .map(|r| r["loans"].as_u64().unwrap())
            .sum()
    };
    let loans: u64 = counted.values().map(|c| c.loans).sum();
    assert_eq!(loans_at("bus-1"), loans);
    let renewals_at_bus: u64 = circulation["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["station"] == "bus-1")
        .map(|r| r["renewals"].as_u64().unwrap())
        .sum();
    assert_eq!(renewals_at_bus, renewed);
    assert_eq!(loans_at("kiosk-1"), 1);

    // The year's census: the mobile block is the same, the bus a channel of its own, the
    // member new this year in their kelurahan.
    let annual = hub.json(&["report", "annual", "--year", "2027"]);
    let mobile = &annual["mobile"];
    let sum = |pick: fn(&Counted) -> u64| -> u64 { counted.values().map(pick).sum() };
    assert_eq!(mobile["stops"], sum(|c| c.made));
    assert_eq!(mobile["cancelled"], 1);
    assert_eq!(mobile["visitors"], sum(|c| c.visitors));
    assert_eq!(mobile["loans"], loans);
    assert_eq!(mobile["registered"], 1);
    assert_eq!(annual["loans"]["by_channel"]["mobile"], loans);
    assert_eq!(annual["members"]["new"], 1, "{annual}");
    let bandar = mobile["by_kelurahan"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kelurahan"] == "Bandar Utama")
        .unwrap();
    assert_eq!(bandar["registered"], 1);

    // The hub takes members only with the bus's own numbers, and tallies only from a bus.
    let register = |card: &str| {
        txn(
            "register",
            json!({"card": card, "name": "X", "category": "adult", "expires": "2027-11-30",
                   "joined": "2026-11-30", "at": "2026-11-30T03:00:00Z"}),
        )
    };
    let (status, body) = push(&hub, &token, "bus-1", &[register("MB0200000")]);
    assert_eq!(status, 200);
    assert_eq!(body["results"][0]["code"], "card_refused", "{body}");
    let (_, body) = push(&hub, &token, "bus-1", &[register(&registered_card)]);
    assert_eq!(
        body["results"][0]["code"], "card_refused",
        "a card already taken: {body}"
    );
    let tally = txn(
        "tally",
        json!({"stop": "x", "date": "2026-11-30", "visitors": 500, "at": "2026-11-30T03:00:00Z"}),
    );
    let (status, _) = push(
        &hub,
        &kiosk_token,
        "kiosk-1",
        &[tally.clone(), register("MB0100500")],
    );
    assert_eq!(
        status, 403,
        "a kiosk neither counts a bus's visitors nor registers"
    );
    let after: Value = hub.json(&[
        "report",
        "mobile",
        "--from",
        "2027-02-01",
        "--to",
        "2027-02-28",
    ]);
    assert_eq!(after["rows"], report["rows"], "nothing changed");

    // A new range for the bus: a card it gave from the old one on the road, before it heard,
    // is still taken; the new range's too; the bus gives new members the new numbers.
    hub.json(&["station", "cards", "bus-1", "MB0101000-MB0101999"]);
    let (_, body) = push(&hub, &token, "bus-1", &[register("MB0100001")]);
    assert_eq!(body["results"][0]["outcome"], "applied", "{body}");
    let (_, body) = push(&hub, &token, "bus-1", &[register("MB0101000")]);
    assert_eq!(body["results"][0]["outcome"], "applied", "{body}");
    sync(&hub, bus.kiosk.desk_mut(), &token, "bus-1");
    bus.press(Command::Mobile(MobileAction::Register(NewMember {
        name: "Budi".into(),
        ..NewMember::default()
    })));
    let shown = bus.kiosk.view().mobile.clone().unwrap();
    assert_eq!(
        shown.registered.unwrap().0,
        "MB0101001",
        "{:?}",
        shown.message
    );
}

/// The desk under the bus's screen, for the depot's sync.
fn bus_desk(kiosk: &mut Kiosk) -> &mut Store {
    kiosk.desk_mut().store_mut()
}
