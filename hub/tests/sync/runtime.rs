//! The station runtime against a real hub process: the kiosk role on the runtime
//! with its sync worker on a real `HubLink`. A loan wakes the worker at once (the ticker is an
//! hour), the device threads' health reaches the hub's station list, and a refused token and
//! an unreachable hub reach the kiosk's view (staff screen, status light) as different
//! problems.

use crate::support::{
    Backend, CliStation, demo_station, free_address, on_both_backends, start_hub,
};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};
use swalayan::circulation::desk::Desk;
use swalayan::import::demo::copy_of;
use swalayan::station::cues::Cue;
use swalayan::station::kiosk::{CentralLight, Command, Kiosk, KioskSettings, KioskView};
use swalayan::station::runtime::devices::Devices;
use swalayan::station::runtime::{Event, Runtime, RuntimeSetup, SyncSetup, SystemMonotonic};
use swalayan::sync::central::HubLink;
use swalayan::sync::push::{Central, CentralProblem};
use swalayan::sync::worker::WorkerTiming;
use swalayan_hardware::barcode::reader::ScannerConfig;
use swalayan_hardware::serial::SerialSettings;

on_both_backends!(
    a_loan_on_the_runtime_is_pushed_at_once_and_device_health_reaches_the_hub,
    a_drop_box_s_exceptions_reach_the_hub_for_staff,
    a_gate_s_counts_reach_the_hub_per_passage_once,
);

/// A kiosk role on the runtime, syncing with `central`; its views arrive on the receiver.
fn kiosk_on_runtime(
    desk: Desk,
    db: std::path::PathBuf,
    central: Central,
    devices: Devices,
) -> (Runtime<Command>, Views) {
    let kiosk = Kiosk::new(desk, KioskSettings::default(), None, None);
    let (tx, views) = channel();
    let runtime = Runtime::start(
        RuntimeSetup {
            role: kiosk,
            devices,
            sync: Some(SyncSetup {
                db,
                link: Box::new(HubLink::new(central).unwrap()),
                // An hour between rounds: a round soon after a loan is the wake-up's doing.
                timing: WorkerTiming {
                    interval: Duration::from_secs(3600),
                    backoff_min: Duration::from_millis(200),
                    backoff_max: Duration::from_secs(1),
                },
            }),
            buzzer: None,
            clock: Box::new(SystemMonotonic::start()),
            watchdog: None,
        },
        move |view: &KioskView, _: &[Cue]| {
            let _ = tx.send(view.clone());
        },
    )
    .unwrap();
    (
        runtime,
        Views {
            views,
            latest: None,
        },
    )
}

/// The views a runtime published, the latest kept.
struct Views {
    views: Receiver<KioskView>,
    latest: Option<KioskView>,
}

impl Views {
    /// Waits (bounded) for a view where `done` holds; the latest one counts too.
    fn wait_for(&mut self, what: &str, done: impl Fn(&KioskView) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.latest.as_ref().is_some_and(&done) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.views.recv_timeout(left) {
                Ok(view) => self.latest = Some(view),
                Err(_) => panic!("no view where {what}; last: {:#?}", self.latest),
            }
        }
    }
}

fn a_loan_on_the_runtime_is_pushed_at_once_and_device_health_reaches_the_hub(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station("kiosk-1");
    let desk = demo_station(dir.path(), "kiosk-1");
    let devices = Devices {
        // A scanner that is not plugged in: its thread reports it, the kiosk runs on.
        scanner: Some(ScannerConfig {
            port: dir.path().join("no-scanner"),
            settings: SerialSettings::SCANNER_DEFAULT,
            line: Default::default(),
            checks: vec![],
        }),
        ..Devices::default()
    };
    let (runtime, mut views) = kiosk_on_runtime(
        desk,
        dir.path().join("kiosk-1.db"),
        hub.central(&token, "kiosk-1"),
        devices,
    );
    views.wait_for("the first round reached the hub", |v| {
        v.central == CentralLight::Online
    });
    views.wait_for("the missing scanner is reported", |v| {
        v.devices
            .iter()
            .any(|d| d.starts_with("scanner: ") && d != "scanner: ok")
    });

    let inbox = runtime.inbox();
    for command in [
        Command::StartBorrow,
        Command::Code("21000000010".into()), // Maya: no PIN
        Command::Code(copy_of("Negeri 5 Menara", 1)),
    ] {
        assert!(inbox.send(Event::Input(command)));
    }
    views.wait_for("the loan is lent and then pushed", |v| {
        v.done_count == 1 && v.pending == 0
    });
    let kiosk = hub.listed("kiosk-1");
    let devices = kiosk["health"]["devices"].as_array().unwrap();
    let scanner = devices
        .iter()
        .find(|d| d["device"] == "scanner")
        .unwrap_or_else(|| panic!("{kiosk}"));
    assert_eq!(scanner["ok"], false, "{kiosk}");
    assert!(
        scanner["detail"].as_str().unwrap().contains("no-scanner"),
        "staff see which port: {scanner}"
    );
    assert_eq!(hub.status()["transactions"], 1, "the loan reached the hub");
}

/// The kiosk's view (status light and the staff screen's problem line) tells a refused token
/// from a hub that is not there, through the real worker and link.
#[test]
fn a_refused_token_and_an_unreachable_hub_reach_the_screen_differently() {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(Backend::Sqlite, dir.path());
    hub.add_station("kiosk-1");
    let cases = [
        (
            hub.central("not-the-token", "kiosk-1"),
            CentralProblem::TokenRefused,
        ),
        (
            Central::new(&format!("http://{}", free_address()), "any", "kiosk-2"),
            CentralProblem::Unreachable,
        ),
    ];
    for (i, (central, expected)) in cases.into_iter().enumerate() {
        let name = format!("station-{i}");
        let desk = demo_station(dir.path(), &name);
        let db = dir.path().join(format!("{name}.db"));
        let (_runtime, mut views) = kiosk_on_runtime(desk, db, central, Devices::default());
        views.wait_for(&format!("the problem is {expected:?}"), |v| {
            v.central == CentralLight::Offline && v.central_problem == Some(expected)
        });
    }
}

/// A drop box's exceptions travel as `return_exception` transactions (its role may push
/// them) and staff list them at the hub with `swalayan-hub exceptions`.
fn a_drop_box_s_exceptions_reach_the_hub_for_staff(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station_as("chute", "dropbox");
    let station = CliStation::new(dir.path(), "chute", &hub.url, &token, "");
    assert_eq!(station.json(&["init", "--demo"]).0, 0);
    let drops = dir.path().join("drops.csv");
    std::fs::write(
        &drops,
        format!(
            "t_ms,item,parts,isil\n0,,1,\n1000,{},1,XX-OTHER\n",
            copy_of("Laskar Pelangi", 1)
        ),
    )
    .unwrap();
    let (code, out) = station.json(&["dropbox", "replay", drops.to_str().unwrap()]);
    assert_eq!(
        (code, &out["exceptions"]),
        (0, &serde_json::json!(2)),
        "{out}"
    );
    let report = station.sync();
    assert_eq!(report["pending"], 0, "{report}");
    let listed = hub.json(&["exceptions", "--station", "chute"]);
    let reasons: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["tag_unreadable", "wrong_library"], "{listed}");
    assert_eq!(listed[1]["item"], copy_of("Laskar Pelangi", 1));
    assert_eq!(listed[1]["bin"], "exception");
    assert_eq!(listed[1]["checked_in"], false);
}

/// A gate's counts per passage and quarter hour reach the hub with the next sync; a bucket
/// is sent again only when it grew, and replaces itself at the hub (exactly once in effect).
fn a_gate_s_counts_reach_the_hub_per_passage_once(backend: Backend) {
    use swalayan::store::visits::{Direction, count};
    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(backend, dir.path());
    let token = hub.add_station_as("pintu", "gate");
    let station = CliStation::new(dir.path(), "pintu", &hub.url, &token, "");
    let at = |s: &str| -> jiff::Timestamp { s.parse().unwrap() };
    {
        let store = swalayan::store::Store::open(&station.db).unwrap();
        for (passage, when, direction) in [
            ("utama", "2026-12-01T02:01:00Z", Direction::In),
            ("utama", "2026-12-01T02:02:00Z", Direction::In),
            ("utama", "2026-12-01T02:20:00Z", Direction::Out),
            ("samping", "2026-12-01T02:03:00Z", Direction::In),
            ("samping", "2026-12-01T02:04:00Z", Direction::Uncertain),
        ] {
            count(store.conn(), passage, at(when), direction).unwrap();
        }
    }
    station.sync();
    let status = hub.status();
    assert_eq!(
        (
            status["visitors_in"].as_i64(),
            status["visitors_out"].as_i64()
        ),
        (Some(3), Some(1)),
        "{status}"
    );
    station.sync();
    assert_eq!(
        hub.status()["visitors_in"],
        3,
        "a resent round changes nothing"
    );
    {
        let store = swalayan::store::Store::open(&station.db).unwrap();
        count(
            store.conn(),
            "utama",
            at("2026-12-01T02:05:00Z"),
            Direction::In,
        )
        .unwrap();
        assert_eq!(
            swalayan::store::visits::unsent(store.conn(), 10)
                .unwrap()
                .len(),
            1
        );
    }
    station.sync();
    assert_eq!(
        hub.status()["visitors_in"],
        4,
        "the grown bucket replaced itself"
    );
    let store = swalayan::store::Store::open(&station.db).unwrap();
    assert!(
        swalayan::store::visits::unsent(store.conn(), 10)
            .unwrap()
            .is_empty()
    );
}

/// A gate's blocked beam reaches staff at the hub: the role's alarm goes into the next health
/// report, which the worker sends at once (its ticker is an hour).
#[test]
fn a_blocked_beam_is_an_alarm_in_the_hub_station_list() {
    use swalayan::config::Passage;
    use swalayan::station::gate::counter::Timings;
    use swalayan::station::gate::station::{GateStation, GateView};
    use swalayan::station::runtime::ManualClock;
    use swalayan::station::runtime::devices::InputLines;
    use swalayan_hardware::gpio::{Level, sim};

    let dir = tempfile::tempdir().unwrap();
    let hub = start_hub(Backend::Sqlite, dir.path());
    let token = hub.add_station_as("pintu", "gate");
    let db = dir.path().join("pintu.db");
    let role = GateStation::new(
        swalayan::store::Store::open(&db).unwrap(),
        Box::new(swalayan::clock::SystemClock),
        &[Passage {
            name: "utama".into(),
            a: 5,
            b: 6,
        }],
        Timings {
            blocked_after: Duration::from_millis(200),
            ..Timings::default()
        },
        None,
    );
    let (script, inputs) = sim::inputs();
    let (tx, views) = channel();
    let _runtime = Runtime::start(
        RuntimeSetup {
            role,
            devices: Devices {
                inputs: Some(InputLines {
                    source: Box::new(inputs),
                    debounce: Duration::from_millis(5),
                }),
                ..Devices::default()
            },
            sync: Some(SyncSetup {
                db,
                link: Box::new(HubLink::new(hub.central(&token, "pintu")).unwrap()),
                timing: WorkerTiming {
                    interval: Duration::from_secs(3600),
                    backoff_min: Duration::from_millis(200),
                    backoff_max: Duration::from_secs(1),
                },
            }),
            buzzer: None,
            clock: Box::new(ManualClock::default()),
            watchdog: None,
        },
        move |view: &GateView, _: &[Cue]| {
            let _ = tx.send(view.clone());
        },
    )
    .unwrap();
    script.edge(6, Level::High, Duration::from_millis(1_000)); // a bag in the inside beam
    let deadline = Instant::now() + Duration::from_secs(20);
    while !views
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .expect("the alarm")
        .alarms
        .contains(&"utama: beam b blocked".to_string())
    {}
    // The worker's round with the alarm reaches the hub.
    loop {
        let listed = hub.listed("pintu");
        if listed["health"]["alarms"][0] == "utama: beam b blocked" {
            break;
        }
        assert!(Instant::now() < deadline, "no alarm at the hub: {listed}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
