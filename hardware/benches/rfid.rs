//! A stack of 10 tags on the simulated FEIG reader at 38400 baud 8E1: inventory, every tag's
//! system information and data, then an AFI write with read-back on each. Also the frame
//! codec's throughput. Run: `cargo bench -p swalayan-hardware --bench rfid`.
//!
//! Two lower bounds, both at 11 bits a byte: the protocol's minimum — the bytes the job needs
//! by the FEIG frame format (docs: PROTOCOLS), computed here from the frame layout alone, not
//! from the run — and the bytes the driver actually exchanged (counted by the transport).
//! The measured time is reported as a ratio to each in docs/PERFORMANCE.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serialport::TTYPort;
use std::hint::black_box;
use std::time::{Duration, Instant};
use swalayan_hardware::rfid::feig::FeigReader;
use swalayan_hardware::rfid::feig::frame::{FrameDecoder, encode_response};
use swalayan_hardware::rfid::security::{AfiPolicy, set_afi_verified};
use swalayan_hardware::rfid::{Uid, read_field};
use swalayan_hardware::serial::{CountingTransport, SerialSettings};
use swalayan_hardware::sim::feig::{FeigSimulator, SimTag};

const TAGS: u8 = 10;
/// The simulated tags carry ISO 28560-3 data of 32 bytes: 8 blocks of 4 bytes.
const BLOCKS: usize = 8;
const BLOCK_SIZE: usize = 4;

/// The bytes the job needs at the least, by the FEIG ISO-host frame format alone: a request
/// is STX, length (2), address, command 0xB0, data, CRC (2) = 7 + data (the baud-detect
/// vector `02 00 08 FF 52 00` + CRC is 8 bytes for 1 byte of data); an answer adds a status
/// byte = 8 + data. For a stack of `tags`:
/// - one inventory: request `01 00`; answer: count, then per tag type, DSFID, UID (8);
/// - per tag one read of its data: request `23 01 UID first count`; answer: count, block
///   size, then per block a security byte and the block;
/// - per tag the AFI write: request `27 01 UID AFI`; answer: status only;
/// - per tag the verify, a read of its AFI: request `2B 01 UID`; answer: DSFID, UID, AFI,
///   memory size (2), IC reference.
fn minimum_exchange(tags: usize, blocks: usize, block_size: usize) -> usize {
    let request = |data: usize| 7 + data;
    let answer = |data: usize| 8 + data;
    let uid = 8;
    let inventory = request(2) + answer(1 + tags * (1 + 1 + uid));
    let read = request(2 + uid + 2) + answer(2 + blocks * (1 + block_size));
    let write_afi = request(2 + uid + 1) + answer(0);
    let verify = request(2 + uid) + answer(1 + uid + 1 + 2 + 1);
    inventory + tags * (read + write_afi + verify)
}

fn rig() -> (FeigSimulator, FeigReader<CountingTransport<TTYPort>>) {
    let (mut master, slave) = TTYPort::pair().expect("pty pair");
    serialport::SerialPort::set_timeout(&mut master, Duration::from_millis(5)).unwrap();
    let sim = FeigSimulator::spawn(master, SerialSettings::FEIG_DEFAULT, true);
    for n in 0..TAGS {
        let uid = Uid([0xE0, 0x04, 0x01, 0, 0, 0, 0, n]);
        sim.field().tags.push(SimTag::library_item(
            uid,
            &format!("310000000{n:02}"),
            "ID-TTK",
            0x07,
        ));
    }
    let reader =
        FeigReader::new(CountingTransport::new(slave)).with_timeout(Duration::from_secs(2), 1);
    (sim, reader)
}

/// One checkout of a stack: read everything, then disarm every tag (or re-arm, alternately).
fn stack_cycle(reader: &mut FeigReader<CountingTransport<TTYPort>>, afi: u8) {
    let reports = read_field(reader).expect("read the stack");
    assert_eq!(reports.len(), usize::from(TAGS));
    for report in &reports {
        set_afi_verified(reader, report.uid, afi, 3).expect("secure");
    }
}

fn stack(c: &mut Criterion) {
    let (_sim, mut reader) = rig();
    let policy = AfiPolicy::default();
    // One cycle to count the bytes that must cross the line.
    let before = (reader.transport().written, reader.transport().read);
    let start = Instant::now();
    stack_cycle(&mut reader, policy.afi_out);
    let once = start.elapsed();
    let bytes = (reader.transport().written - before.0) + (reader.transport().read - before.1);
    let exchanged_bound = SerialSettings::FEIG_DEFAULT.byte_time() * bytes as u32;
    let minimum = minimum_exchange(usize::from(TAGS), BLOCKS, BLOCK_SIZE);
    let minimum_bound = SerialSettings::FEIG_DEFAULT.byte_time() * minimum as u32;
    assert!(
        minimum as u64 <= bytes,
        "the minimum ({minimum}) above what crossed ({bytes})"
    );
    eprintln!(
        "rfid stack at 38400 8E1: protocol minimum {minimum} bytes = {:.1} ms; the driver exchanged {bytes} bytes = {:.1} ms; one cycle {:.1} ms (ratio {:.2} to the minimum, {:.2} to the exchange)",
        minimum_bound.as_secs_f64() * 1000.0,
        exchanged_bound.as_secs_f64() * 1000.0,
        once.as_secs_f64() * 1000.0,
        once.as_secs_f64() / minimum_bound.as_secs_f64(),
        once.as_secs_f64() / exchanged_bound.as_secs_f64()
    );
    let mut group = c.benchmark_group("rfid");
    group.sample_size(10);
    let mut flip = false;
    group.bench_function("stack of 10: inventory + data + AFI write/read-back", |b| {
        b.iter(|| {
            flip = !flip;
            stack_cycle(
                &mut reader,
                if flip { policy.afi_in } else { policy.afi_out },
            );
        })
    });
    group.finish();
}

fn codec(c: &mut Criterion) {
    let data: Vec<u8> = (0..100).collect();
    let frame = encode_response(0x00, 0xB0, 0x00, &data);
    let mut group = c.benchmark_group("feig codec");
    group.throughput(Throughput::Elements(1));
    group.bench_function("encode + decode a 100-byte answer (frames)", |b| {
        let mut decoder = FrameDecoder::new();
        b.iter(|| {
            let bytes = encode_response(0x00, 0xB0, 0x00, black_box(&data));
            decoder.push(&bytes);
            black_box(decoder.next_frame().expect("frame"))
        })
    });
    group.bench_function("decode only (frames)", |b| {
        let mut decoder = FrameDecoder::new();
        b.iter(|| {
            decoder.push(black_box(&frame));
            black_box(decoder.next_frame().expect("frame"))
        })
    });
    group.finish();
}

criterion_group!(benches, stack, codec);
criterion_main!(benches);
