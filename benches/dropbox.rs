//! Items through the chute: the beam breaks, the drop box reads the item through the real
//! FEIG driver from a simulated reader paced at 38,400 baud (the line time a real reader
//! costs), checks it in, re-arms its tag and reads it back, chooses a bin and sets the
//! diverter. Run: `cargo bench --bench dropbox`. Criterion reports the mean; the p50/p99 of
//! the same samples and the items per minute they allow are printed and recorded in
//! docs/PERFORMANCE.md (goal: at least 30 items/min, p99 under 2 s).

use criterion::{Criterion, criterion_group, criterion_main};
use std::time::{Duration, Instant};
use swalayan::bench::percentile;
use swalayan::circulation::desk::{Desk, DeskSettings};
use swalayan::clock::SystemClock;
use swalayan::import::demo::{all_copies, load_demo};
use swalayan::station::dropbox::sorting::Sorting;
use swalayan::station::dropbox::{DropBox, DropOutputs, DropboxSettings};
use swalayan::station::pad::{Pad, SharedPad};
use swalayan::station::runtime::{Event, Role};
use swalayan::store::Store;
use swalayan_hardware::gpio::sim::SimOutput;
use swalayan_hardware::gpio::{Edge, Level, OutputLine};
use swalayan_hardware::rfid::Uid;
use swalayan_hardware::rfid::feig::FeigReader;
use swalayan_hardware::serial::SerialSettings;
use swalayan_hardware::sim::feig::{FeigSimulator, SimTag};

fn beam_to_diverter(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("dropbox.db")).unwrap();
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
    let (master, slave) = serialport::TTYPort::pair().unwrap();
    let reader = FeigSimulator::spawn(master, SerialSettings::FEIG_DEFAULT, true);
    let pad = SharedPad::new(Pad::new(Box::new(
        FeigReader::new(slave).with_timeout(Duration::from_millis(500), 2),
    )));
    let mut sorting = Sorting::one_bin_per_route();
    for (bin, line) in sorting.bins.iter_mut().zip(5..) {
        bin.diverter = vec![line];
    }
    let outputs = DropOutputs {
        lock: Some(Box::new(SimOutput::new())),
        green: Some(Box::new(SimOutput::new())),
        red: Some(Box::new(SimOutput::new())),
        diverters: (5..9)
            .map(|line| (line, Box::new(SimOutput::new()) as Box<dyn OutputLine>))
            .collect(),
        voice: None,
    };
    let mut dropbox =
        DropBox::new(desk, DropboxSettings::new(sorting), Some(pad), outputs).unwrap();

    // Every demo copy in turn: lent ones are returned, the others handled as `circ checkin`
    // handles a copy not on loan — a full cycle either way.
    let copies = all_copies();
    let mut samples = Vec::new();
    let mut n = 0usize;
    let mut one = |samples: &mut Vec<f64>| {
        let item = &copies[n % copies.len()];
        n += 1;
        reader.field().tags.push(SimTag::library_item(
            Uid([0xE0, 4, 1, 0, 0, 0, (n >> 8) as u8, n as u8]),
            item,
            "ID-TTK",
            0xC2,
        ));
        let at = Duration::from_millis(n as u64 * 1000);
        let start = Instant::now();
        for level in [Level::High, Level::Low] {
            let edge = Edge {
                line: 17,
                level,
                at,
            };
            Role::handle(&mut dropbox, Event::Edge(edge), at).unwrap();
        }
        let elapsed = start.elapsed();
        let records = dropbox.take_records();
        assert_eq!(records.len(), 1, "one record per drop");
        assert_ne!(
            records[0].reason,
            Some(swalayan::reason::Reason::TagUnreadable)
        );
        reader.field().tags.clear();
        samples.push(records[0].cycle_ms as f64);
        elapsed
    };
    c.bench_function(
        "drop box: beam to diverter (paced reader, check-in, re-arm)",
        |b| b.iter_custom(|iterations| (0..iterations).map(|_| one(&mut samples)).sum()),
    );
    let p50 = percentile(&mut samples.clone(), 50.0);
    let p99 = percentile(&mut samples.clone(), 99.0);
    let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
    eprintln!(
        "drop box over {} drops: cycle_ms p50 {p50:.0}, p99 {p99:.0}; {:.0} items/min back to back",
        samples.len(),
        60_000.0 / mean.max(1.0)
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(20));
    targets = beam_to_diverter
}
criterion_main!(benches);
