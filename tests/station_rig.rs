//! A kiosk on the real station runtime, without a screen: the demo library in a real SQLite
//! file, a simulated FEIG reader on a pseudo-terminal polled by the runtime's RFID thread, a
//! memory printer, and a clock the test moves. The journey tests use it as it is; the Slint
//! tests put the window on top of it.
//!
//! Synchronisation is by the runtime's own channel: `settle` sends a flush through it and
//! waits for the answer, so every event sent before has been handled and its view published.

#![allow(dead_code)] // each test binary uses a different part of the rig

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use swalayan::circulation::desk::{Desk, DeskSettings};
use swalayan::clock::{Clock, SystemClock};
use swalayan::import::demo::load_demo;
use swalayan::reason::Lang;
use swalayan::station::cues::Cue;
use swalayan::station::kiosk::{Command, Kiosk, KioskSettings, KioskView};
use swalayan::station::pad::{Pad, SharedPad};
use swalayan::station::receipts::MemoryPrinter;
use swalayan::station::runtime::devices::{Devices, PadDevice};
use swalayan::station::runtime::{Event, Inbox, ManualClock, Runtime, RuntimeSetup};
use swalayan::store::Store;
use swalayan_hardware::gpio::sim::SimOutput;
use swalayan_hardware::rfid::Uid;
use swalayan_hardware::rfid::feig::FeigReader;
use swalayan_hardware::serial::SerialSettings;
use swalayan_hardware::sim::feig::{FeigSimulator, SimTag};

/// How long any wait on the runtime may take before the test fails.
pub const WITHIN: Duration = Duration::from_secs(10);

pub struct KioskRig {
    pub runtime: Runtime<Command>,
    pub inbox: Inbox<Command>,
    pub clock: ManualClock,
    views: Receiver<(KioskView, Vec<Cue>)>,
    latest: RefCell<KioskView>,
    /// Every cue the runtime played, in order.
    pub cues: RefCell<Vec<Cue>>,
    /// The buzzer the cues sound on.
    pub buzzer: SimOutput,
    pub reader: Option<FeigSimulator>,
    pub printed: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Whether any published view said "working" (a request to the library system was out).
    pub saw_working: std::cell::Cell<bool>,
    pub db: PathBuf,
    pub dir: tempfile::TempDir,
}

/// What to start a rig with beyond the defaults.
pub struct RigSetup {
    pub lang: Lang,
    pub pad: bool,
    pub settings: KioskSettings,
    /// Devices besides the pad (a scanner on a pseudo-terminal).
    pub devices: Devices,
    /// The station's wall clock (the system's unless a test needs a wrong one).
    pub wall_clock: Box<dyn Clock>,
    /// When the demo library is loaded as of (its loans are dated from it).
    pub demo_at: jiff::Timestamp,
    /// The last time the station trusted, if it remembers one.
    pub last_trusted: Option<jiff::Timestamp>,
    /// The library's own system the desk asks first (SIP2), if any.
    pub library_system: Option<Box<dyn swalayan::circulation::library_system::LibrarySystem>>,
}

impl RigSetup {
    pub fn new(lang: Lang, pad: bool) -> RigSetup {
        RigSetup {
            lang,
            pad,
            settings: KioskSettings {
                default_lang: lang,
                ..KioskSettings::default()
            },
            devices: Devices::default(),
            wall_clock: Box::new(SystemClock),
            demo_at: jiff::Timestamp::now(),
            last_trusted: None,
            library_system: None,
        }
    }
}

fn desk_settings() -> DeskSettings {
    DeskSettings {
        station_id: "kiosk-test".into(),
        branch: "pusat".into(),
        time_zone: jiff::tz::db().get("Asia/Jakarta").unwrap(),
    }
}

impl KioskRig {
    pub fn start(lang: Lang, pad: bool) -> KioskRig {
        KioskRig::start_with(tempfile::tempdir().unwrap(), RigSetup::new(lang, pad))
    }

    pub fn start_with(dir: tempfile::TempDir, mut setup: RigSetup) -> KioskRig {
        let db = dir.path().join("kiosk.db");
        let mut store = Store::open(&db).unwrap();
        let settings = desk_settings();
        load_demo(&mut store, setup.demo_at, &settings.time_zone, "pusat").unwrap();
        if let Some(trusted) = setup.last_trusted {
            swalayan::store::meta::set_last_trusted_time(store.conn(), trusted).unwrap();
        }
        let mut desk = Desk::new(store, settings, setup.wall_clock);
        if let Some(system) = setup.library_system.take() {
            desk = desk.with_library_system(system);
        }
        let (reader, pad) = if setup.pad {
            let (master, slave) = serialport::TTYPort::pair().unwrap();
            let sim = FeigSimulator::spawn(master, SerialSettings::FEIG_DEFAULT, false);
            let pad = SharedPad::new(Pad::new(Box::new(
                FeigReader::new(slave).with_timeout(Duration::from_millis(300), 2),
            )));
            (Some(sim), Some(pad))
        } else {
            (None, None)
        };
        // Polled on request (`lay`), and otherwise rarely: a test decides when the pad is read.
        setup.devices.pad = pad.clone().map(|pad| PadDevice {
            pad,
            interval: Duration::from_secs(3600),
        });
        let printer = MemoryPrinter::default();
        let printed = printer.printed.clone();
        setup.settings.default_lang = setup.lang;
        let kiosk = Kiosk::new(desk, setup.settings, pad, Some(Box::new(printer)));
        let latest = RefCell::new(kiosk.view().clone());
        let clock = ManualClock::default();
        let buzzer = SimOutput::new();
        let (tx, views) = channel();
        let runtime = Runtime::start(
            RuntimeSetup {
                role: kiosk,
                devices: setup.devices,
                sync: None,
                buzzer: Some(Box::new(buzzer.clone())),
                clock: Box::new(clock.clone()),
                watchdog: None,
            },
            move |view: &KioskView, cues: &[Cue]| {
                let _ = tx.send((view.clone(), cues.to_vec()));
            },
        )
        .unwrap();
        let inbox = runtime.inbox();
        let rig = KioskRig {
            runtime,
            inbox,
            clock,
            views,
            latest,
            cues: RefCell::new(Vec::new()),
            buzzer,
            reader,
            printed,
            saw_working: std::cell::Cell::new(false),
            db,
            dir,
        };
        rig.settle();
        rig
    }

    /// Waits until every event sent so far was handled; returns the latest view.
    pub fn settle(&self) -> KioskView {
        assert!(self.inbox.flush(WITHIN), "the station did not answer");
        self.take_views();
        self.view()
    }

    fn take_views(&self) {
        for (view, cues) in self.views.try_iter() {
            self.saw_working.set(self.saw_working.get() || view.working);
            self.cues.borrow_mut().extend(cues);
            *self.latest.borrow_mut() = view;
        }
    }

    /// Waits (bounded) for a view that satisfies `done`: for events from device threads,
    /// which arrive when the device delivers them.
    pub fn wait_for(&self, what: &str, done: impl Fn(&KioskView) -> bool) -> KioskView {
        let deadline = Instant::now() + WITHIN;
        loop {
            if done(&self.latest.borrow()) {
                return self.view();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.views.recv_timeout(left) {
                Ok((view, cues)) => {
                    self.saw_working.set(self.saw_working.get() || view.working);
                    self.cues.borrow_mut().extend(cues);
                    *self.latest.borrow_mut() = view;
                }
                Err(_) => panic!("no view where {what}: {:#?}", self.latest.borrow()),
            }
        }
    }

    pub fn view(&self) -> KioskView {
        self.latest.borrow().clone()
    }

    /// A touchscreen command, handled.
    pub fn send(&self, command: Command) -> KioskView {
        assert!(self.inbox.send(Event::Input(command)));
        self.settle()
    }

    /// A code from a scanner, as the runtime's scanner threads deliver it.
    pub fn scan(&self, code: &str) -> KioskView {
        assert!(self.inbox.send(Event::Code(code.to_string())));
        self.settle()
    }

    /// Lays a tag on the pad and has the runtime's RFID thread read the pad.
    pub fn lay(&self, tag: SimTag) -> KioskView {
        self.reader
            .as_ref()
            .expect("a rig with a pad")
            .field()
            .tags
            .push(tag);
        self.poll_pad()
    }

    pub fn poll_pad(&self) -> KioskView {
        assert!(self.runtime.poll_pad_now(WITHIN), "the pad was not polled");
        self.settle()
    }

    /// Time passes on the runtime's clock; the engine's tick sees it.
    pub fn advance(&self, by: Duration) -> KioskView {
        self.clock.advance(by);
        assert!(self.inbox.send(Event::Tick));
        self.settle()
    }

    /// A second desk on the same database file, to check what the kiosk committed.
    pub fn desk(&self) -> Desk {
        Desk::new(
            Store::open(&self.db).unwrap(),
            desk_settings(),
            Box::new(SystemClock),
        )
    }

    /// The AFI of each tag on the simulated pad, in the order laid.
    pub fn afis(&self) -> Vec<u8> {
        let reader = self.reader.as_ref().expect("a rig with a pad");
        reader.field().tags.iter().map(|t| t.afi).collect()
    }
}

pub fn uid(n: u8) -> Uid {
    Uid([0xE0, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, n])
}
