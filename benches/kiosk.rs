//! Scan-to-screen latency: a code written on the scanner's serial line (a pseudo-terminal),
//! read by the scanner thread, decided by the kiosk, applied to the window's model.
//! Run: `cargo bench --bench kiosk`. Criterion reports the mean; the p50/p99 goal (p99 under
//! 50 ms) is printed from the same samples and recorded in docs/PERFORMANCE.md.

use criterion::{Criterion, criterion_group, criterion_main};
use slint::{ComponentHandle, Model};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};
use swalayan::bench::percentile;
use swalayan::circulation::desk::{Desk, DeskSettings};
use swalayan::clock::SystemClock;
use swalayan::import::demo::{all_copies, load_demo};
use swalayan::reason::Lang;
use swalayan::station::kiosk::{Command, Kiosk, KioskSettings};
use swalayan::store::Store;
use swalayan::ui::bridge::apply;
use swalayan::ui::{ItemsAdapter, KioskWindow};
use swalayan_hardware::barcode::line::LineConfig;
use swalayan_hardware::barcode::reader::{ScannerConfig, ScannerEvent, spawn};
use swalayan_hardware::serial::SerialSettings;
use swalayan_hardware::sim::scanner::ScannerSimulator;

fn scan_to_screen(c: &mut Criterion) {
    i_slint_backend_testing::init_no_event_loop();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("kiosk.db")).unwrap();
    let tz = jiff::tz::db().get("Asia/Jakarta").unwrap();
    load_demo(&mut store, jiff::Timestamp::now(), &tz, "pusat").unwrap();
    let desk = Desk::new(
        store,
        DeskSettings {
            station_id: "bench".into(),
            branch: "pusat".into(),
            time_zone: tz,
        },
        Box::new(SystemClock),
    );
    let mut kiosk = Kiosk::new(
        desk,
        KioskSettings {
            default_lang: Lang::En,
            ..KioskSettings::default()
        },
        None,
        None,
    );
    let ui = KioskWindow::new().unwrap();
    kiosk.handle(Command::StartReturn, Duration::ZERO).unwrap();
    apply(&ui, kiosk.view());

    let link = dir.path().join("scanner");
    let mut scanner =
        ScannerSimulator::plug_in(&link, SerialSettings::SCANNER_DEFAULT, false).unwrap();
    let (tx, events) = channel();
    let stop = Arc::new(AtomicBool::new(false));
    let config = ScannerConfig {
        port: link,
        settings: SerialSettings::SCANNER_DEFAULT,
        line: LineConfig::default(),
        checks: vec![],
    };
    let _thread = spawn(config, tx, stop.clone()).unwrap();
    while !matches!(
        events.recv_timeout(Duration::from_secs(5)),
        Ok(ScannerEvent::Connected)
    ) {}

    // Returns of every demo copy in turn (a different code each time: the duplicate window).
    let codes: Vec<String> = all_copies();
    let mut samples = Vec::new();
    let mut n = 0usize;
    let mut one = |samples: &mut Vec<f64>| {
        let code = &codes[n % codes.len()];
        n += 1;
        let start = Instant::now();
        scanner.scan(code).unwrap();
        let read = loop {
            if let Ok(ScannerEvent::Code(code)) = events.recv_timeout(Duration::from_secs(5)) {
                break code;
            }
        };
        kiosk.handle(Command::Code(read), Duration::ZERO).unwrap();
        apply(&ui, kiosk.view());
        let rows = ui.global::<ItemsAdapter>().get_rows();
        assert!(
            (0..rows.row_count())
                .any(|i| rows.row_data(i).is_some_and(|r| r.barcode == code.as_str()))
        );
        let elapsed = start.elapsed();
        samples.push(elapsed.as_secs_f64() * 1000.0);
        elapsed
    };
    c.bench_function("scan to screen (serial line -> row in the UI model)", |b| {
        b.iter_custom(|iterations| (0..iterations).map(|_| one(&mut samples)).sum())
    });
    eprintln!(
        "scan to screen over {} scans: p50 {:.2} ms, p99 {:.2} ms",
        samples.len(),
        percentile(&mut samples.clone(), 50.0),
        percentile(&mut samples.clone(), 99.0)
    );
}

criterion_group!(benches, scan_to_screen);
criterion_main!(benches);
