//! The station runtime with a role of its own (issue #10): what the drop box and the gate
//! will stand on. GPIO edges are debounced before a role sees them (`[gpio] debounce_ms`),
//! and a headless role's engine speaks systemd's notify protocol (ready, watchdog, stopping).

use std::os::unix::net::UnixDatagram;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;
use swalayan::station::cues::Cue;
use swalayan::station::runtime::devices::{Devices, InputLines};
use swalayan::station::runtime::{Event, ManualClock, Role, Runtime, RuntimeSetup};
use swalayan::station::watchdog::Watchdog;
use swalayan::store::StoreError;
use swalayan_hardware::gpio::sim;

/// A role that only remembers the edges and device states it was given.
#[derive(Default)]
struct EdgeLog {
    view: Vec<String>,
}

impl Role for EdgeLog {
    type Input = ();
    type View = Vec<String>;

    fn handle(&mut self, event: Event<()>, _now: Duration) -> Result<(), StoreError> {
        match event {
            Event::Edge(edge) => self.view.push(format!(
                "line {} {:?} at {} ms",
                edge.line,
                edge.level,
                edge.at.as_millis()
            )),
            Event::Device(state) => self.view.push(format!("{} ok={}", state.device, state.ok)),
            _ => {}
        }
        Ok(())
    }
    fn view(&self) -> &Vec<String> {
        &self.view
    }
    fn take_cues(&mut self) -> Vec<Cue> {
        Vec::new()
    }
    fn pending(&self) -> i64 {
        0
    }
    fn finished(&self) -> bool {
        false
    }
}

fn start(devices: Devices, watchdog: Option<Watchdog>) -> (Runtime<()>, Receiver<Vec<String>>) {
    let (tx, views) = channel();
    let runtime = Runtime::start(
        RuntimeSetup {
            role: EdgeLog::default(),
            devices,
            sync: None,
            buzzer: None,
            clock: Box::new(ManualClock::default()),
            watchdog,
        },
        move |view: &Vec<String>, _: &[Cue]| {
            let _ = tx.send(view.clone());
        },
    )
    .unwrap();
    (runtime, views)
}

#[test]
fn gpio_edges_reach_the_role_debounced() {
    let (script, inputs) = sim::inputs();
    let (_runtime, views) = start(
        Devices {
            inputs: Some(InputLines {
                source: Box::new(inputs),
                debounce: Duration::from_millis(25),
            }),
            ..Devices::default()
        },
        None,
    );
    // A 5 ms flicker on the beam, then a real 100 ms interruption.
    script.pulse(17, Duration::from_millis(1_000), Duration::from_millis(5));
    script.pulse(17, Duration::from_millis(2_000), Duration::from_millis(100));
    let want = [
        "gpio ok=true",
        "line 17 High at 2000 ms",
        "line 17 Low at 2100 ms",
    ];
    let mut last = Vec::new();
    while last.len() < want.len() {
        last = views
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("the role saw only {last:?}"));
    }
    assert_eq!(last, want, "the flicker never reaches the role");
}

#[test]
fn a_headless_engine_tells_systemd_it_is_ready_alive_and_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // SAFETY: set before this test process starts any thread that reads the environment.
    unsafe {
        std::env::set_var("NOTIFY_SOCKET", &path);
        std::env::set_var("WATCHDOG_USEC", "1000000");
        std::env::set_var("WATCHDOG_PID", std::process::id().to_string());
    }
    let (runtime, _views) = start(Devices::default(), Some(Watchdog::from_env()));
    let mut buffer = [0u8; 256];
    let mut next = || {
        let n = socket.recv(&mut buffer).expect("a notification");
        String::from_utf8_lossy(&buffer[..n]).trim().to_string()
    };
    assert_eq!(next(), "READY=1");
    assert_eq!(next(), "WATCHDOG=1", "the engine's own tick keeps pinging");
    assert_eq!(next(), "WATCHDOG=1");
    drop(runtime);
    let mut said = next();
    while said == "WATCHDOG=1" {
        said = next();
    }
    assert_eq!(said, "STOPPING=1");
}

#[test]
fn a_keyboard_scanner_that_is_not_there_is_reported_and_the_station_runs_on() {
    use swalayan::station::runtime::devices::HidScannerConfig;
    let dir = tempfile::tempdir().unwrap();
    let (runtime, views) = start(
        Devices {
            hid_scanner: Some(HidScannerConfig {
                device: dir.path().join("usb-scanner-event-kbd"),
                max_len: 64,
                checks: vec![],
            }),
            ..Devices::default()
        },
        None,
    );
    let seen = views.recv_timeout(Duration::from_secs(10)).unwrap();
    let seen = if seen.is_empty() {
        views.recv_timeout(Duration::from_secs(10)).unwrap()
    } else {
        seen
    };
    assert_eq!(seen, ["scanner ok=false"]);
    assert!(
        runtime.inbox().flush(Duration::from_secs(10)),
        "still running"
    );
}

/// The drop box on the runtime with simulated GPIO: the beam starts a cycle through the
/// runtime's input thread; the lock holds and the light is red while the item is in the
/// chute; a bin's full sensor stops intake until it clears.
#[test]
fn the_drop_box_on_the_runtime_locks_while_busy_and_stops_when_a_bin_is_full() {
    use swalayan::circulation::desk::{Desk, DeskSettings};
    use swalayan::clock::SystemClock;
    use swalayan::import::demo::load_demo;
    use swalayan::station::dropbox::sorting::Sorting;
    use swalayan::station::dropbox::{DropBox, DropOutputs, DropboxSettings, DropboxView, Intake};
    use swalayan::station::pad::{Pad, SharedPad};
    use swalayan::store::Store;
    use swalayan_hardware::gpio::Level;
    use swalayan_hardware::gpio::sim::SimOutput;
    use swalayan_hardware::rfid::feig::FeigReader;
    use swalayan_hardware::serial::SerialSettings;
    use swalayan_hardware::sim::feig::{FeigSimulator, SimTag};

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("dropbox.db")).unwrap();
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    load_demo(&mut store, jiff::Timestamp::now(), &tz, "pusat").unwrap();
    let desk = Desk::new(
        store,
        DeskSettings {
            station_id: "dropbox-1".into(),
            branch: "pusat".into(),
            time_zone: tz,
        },
        Box::new(SystemClock),
    );
    let (master, slave) = serialport::TTYPort::pair().unwrap();
    let reader = FeigSimulator::spawn(master, SerialSettings::FEIG_DEFAULT, false);
    let pad = SharedPad::new(Pad::new(Box::new(
        FeigReader::new(slave).with_timeout(Duration::from_millis(300), 2),
    )));
    let mut sorting = Sorting::one_bin_per_route();
    sorting.bins[0].full_sensor = Some(30); // the shelving bin
    let mut settings = DropboxSettings::new(sorting);
    settings.beam = 17;
    let (lock, red, green) = (SimOutput::new(), SimOutput::new(), SimOutput::new());
    let outputs = DropOutputs {
        lock: Some(Box::new(lock.clone())),
        green: Some(Box::new(green.clone())),
        red: Some(Box::new(red.clone())),
        diverters: Default::default(),
        voice: None,
    };
    let role = DropBox::new(desk, settings, Some(pad), outputs).unwrap();
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
            sync: None,
            buzzer: None,
            clock: Box::new(ManualClock::default()),
            watchdog: None,
        },
        move |view: &DropboxView, _: &[Cue]| {
            let _ = tx.send(view.clone());
        },
    )
    .unwrap();
    let wait_for = |what: &str, done: &dyn Fn(&DropboxView) -> bool| loop {
        let view = views
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no view where {what}"));
        if done(&view) {
            return view;
        }
    };
    wait_for("open", &|v| v.intake == Intake::Open);
    assert_eq!(
        (lock.level(), green.level()),
        (Some(Level::Low), Some(Level::High))
    );

    // A lent book through the chute (Siti's Laskar Pelangi in the demo library).
    reader.field().tags.push(SimTag::library_item(
        swalayan_hardware::rfid::Uid([0xE0, 4, 1, 0, 0, 0, 0, 1]),
        &swalayan::import::demo::copy_of("Laskar Pelangi", 1),
        "ID-TTK",
        0xC2,
    ));
    script.pulse(17, Duration::from_millis(1_000), Duration::from_millis(40));
    let view = wait_for("returned", &|v| v.returned == 1);
    let last = view.last.unwrap();
    assert_eq!(
        (last.result, last.bin.as_deref()),
        ("returned", Some("shelve"))
    );
    assert_eq!(reader.field().tags[0].afi, 0x07, "security re-armed");
    assert!(
        lock.history()
            .windows(2)
            .any(|w| w == [Level::High, Level::Low]),
        "locked while busy, then open: {:?}",
        lock.history()
    );

    // The shelving bin's sensor says full: no overflow, so intake stops.
    script.edge(30, Level::High, Duration::from_millis(5_000));
    let view = wait_for("stopped", &|v| matches!(v.intake, Intake::Stopped(_)));
    assert_eq!(view.intake, Intake::Stopped("bin full: shelve".into()));
    assert_eq!(
        (lock.level(), red.level()),
        (Some(Level::High), Some(Level::High))
    );
    script.edge(30, Level::Low, Duration::from_millis(9_000));
    wait_for("open again", &|v| v.intake == Intake::Open);
    assert_eq!(lock.level(), Some(Level::Low));
}

/// The entrance counter on the runtime with simulated beams: people counted into the store
/// per quarter hour, and the edges recorded in the trace format replay to the same counts.
#[test]
fn the_gate_counts_into_the_store_and_its_recording_replays_the_same() {
    use swalayan::config::Passage;
    use swalayan::station::gate::counter::Timings;
    use swalayan::station::gate::station::{GateStation, GateView};
    use swalayan::station::gate::trace;
    use swalayan::store::Store;
    use swalayan_hardware::gpio::Level;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("gate.db");
    let recording = dir.path().join("day.csv");
    let passages = [
        Passage {
            name: "utama".into(),
            a: 5,
            b: 6,
        },
        Passage {
            name: "samping".into(),
            a: 13,
            b: 19,
        },
    ];
    let role = GateStation::new(
        Store::open(&db).unwrap(),
        Box::new(swalayan::clock::SystemClock),
        &passages,
        Timings::default(),
        Some(std::fs::File::create(&recording).unwrap()),
    );
    let (script, inputs) = sim::inputs();
    let (tx, views) = channel();
    let runtime = Runtime::start(
        RuntimeSetup {
            role,
            devices: Devices {
                inputs: Some(InputLines {
                    source: Box::new(inputs),
                    debounce: Duration::from_millis(5),
                }),
                ..Devices::default()
            },
            sync: None,
            buzzer: None,
            clock: Box::new(ManualClock::default()),
            watchdog: None,
        },
        move |view: &GateView, _: &[Cue]| {
            let _ = tx.send(view.clone());
        },
    )
    .unwrap();
    let walk = |a: u32, b: u32, t: u64| {
        for (line, level, at) in [
            (a, Level::High, t),
            (b, Level::High, t + 120),
            (a, Level::Low, t + 400),
            (b, Level::Low, t + 520),
        ] {
            script.edge(line, level, Duration::from_millis(at));
        }
    };
    walk(5, 6, 1_000); // in at utama
    walk(6, 5, 3_000); // out at utama
    walk(13, 19, 5_000); // in at samping
    script.edge(13, Level::High, Duration::from_millis(7_000)); // a U-turn at samping
    script.edge(13, Level::Low, Duration::from_millis(7_600));
    let view = loop {
        let view = views
            .recv_timeout(Duration::from_secs(10))
            .expect("the gate counts");
        if view.entered + view.left == 3 {
            break view;
        }
    };
    assert_eq!((view.entered, view.left, view.uncertain), (2, 1, 0));
    drop(runtime);

    let store = Store::open(&db).unwrap();
    let buckets = swalayan::store::visits::unsent(store.conn(), 100).unwrap();
    let total: i64 = buckets.iter().map(|b| b.entered + b.left).sum();
    assert_eq!(total, 3, "{buckets:?}");
    let replayed = trace::replay(&trace::read(&recording).unwrap(), Timings::default());
    assert_eq!(
        (replayed.entered, replayed.left, replayed.uncertain),
        (2, 1, 0)
    );
}

/// The security gate: an item whose tag still says "in the library" sounds the alarm once
/// per pass and is recorded for the hub; a borrowed item passes silently.
#[test]
fn the_security_gate_alarms_for_an_item_not_borrowed_once_per_pass() {
    use swalayan::config::Passage;
    use swalayan::import::demo::{copy_of, load_demo};
    use swalayan::station::gate::counter::Timings;
    use swalayan::station::gate::station::{GateStation, GateView};
    use swalayan::station::pad::{Pad, SharedPad};
    use swalayan::station::runtime::devices::PadDevice;
    use swalayan::store::Store;
    use swalayan_hardware::gpio::Level;
    use swalayan_hardware::gpio::sim::SimOutput;
    use swalayan_hardware::rfid::Uid;
    use swalayan_hardware::rfid::feig::FeigReader;
    use swalayan_hardware::serial::SerialSettings;
    use swalayan_hardware::sim::feig::{FeigSimulator, SimTag};

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("gate.db");
    let mut store = Store::open(&db).unwrap();
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    load_demo(&mut store, jiff::Timestamp::now(), &tz, "pusat").unwrap();
    let (master, slave) = serialport::TTYPort::pair().unwrap();
    let reader = FeigSimulator::spawn(master, SerialSettings::FEIG_DEFAULT, false);
    let pad = SharedPad::new(Pad::new(Box::new(
        FeigReader::new(slave).with_timeout(Duration::from_millis(300), 2),
    )));
    let role = GateStation::new(
        store,
        Box::new(swalayan::clock::SystemClock),
        &[Passage {
            name: "utama".into(),
            a: 5,
            b: 6,
        }],
        Timings::default(),
        None,
    )
    .with_security(0x07, "gate-1");
    let buzzer = SimOutput::new();
    let (tx, views) = channel();
    let runtime = Runtime::start(
        RuntimeSetup {
            role,
            devices: Devices {
                pad: Some(PadDevice {
                    pad,
                    interval: Duration::from_secs(3600),
                }),
                ..Devices::default()
            },
            sync: None,
            buzzer: Some(Box::new(buzzer.clone())),
            clock: Box::new(ManualClock::default()),
            watchdog: None,
        },
        move |view: &GateView, cues: &[Cue]| {
            let _ = tx.send((view.clone(), cues.to_vec()));
        },
    )
    .unwrap();
    let poll = || assert!(runtime.poll_pad_now(Duration::from_secs(10)));
    // A borrowed book (security off) walks out: nothing.
    reader.field().tags.push(SimTag::library_item(
        Uid([0xE0, 4, 1, 0, 0, 0, 0, 1]),
        &copy_of("Laskar Pelangi", 1),
        "ID-TTK",
        0xC2,
    ));
    poll();
    // A book nobody borrowed: the alarm, once, however long it stays in the field.
    reader.field().tags.push(SimTag::library_item(
        Uid([0xE0, 4, 1, 0, 0, 0, 0, 2]),
        &copy_of("Bumi", 1),
        "ID-TTK",
        0x07,
    ));
    poll();
    poll();
    assert!(runtime.inbox().flush(Duration::from_secs(10)));
    let seen: Vec<(GateView, Vec<Cue>)> = views.try_iter().collect();
    let last = &seen.last().unwrap().0;
    assert_eq!(last.security_alarms, 1, "{last:?}");
    assert!(last.alarms[0].contains(&copy_of("Bumi", 1)) && last.alarms[0].contains("Bumi"));
    let cues: Vec<Cue> = seen.iter().flat_map(|(_, c)| c.clone()).collect();
    assert_eq!(cues, [Cue::Refusal], "the alarm sounds once");
    drop(runtime);
    assert!(
        buzzer.history().contains(&Level::High),
        "the buzzer sounded"
    );
    let store = Store::open(&db).unwrap();
    let rows = swalayan::store::outbox::list(store.conn(), true, None).unwrap();
    let alarms: Vec<_> = rows
        .iter()
        .filter(|r| r.kind.code() == "security_alarm")
        .collect();
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].payload["item"], copy_of("Bumi", 1));
    assert_eq!(alarms[0].payload["title"], "Bumi");
}
