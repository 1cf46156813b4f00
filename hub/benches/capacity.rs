//! What clients dribbling bodies to the public web cost a station: the latency of
//! `GET /v1/health` on an idle hub, and with `--max-concurrent` clients holding every one of
//! the web's slots (each posts a feedback form a byte at a time after the hub started reading
//! it). The idle figure, measured in the same run, is the anchor: with the station API's own
//! slots the two stay alike; when both shared one bound, the second waited for the 120 s
//! request timeout.
//!
//!     cargo bench -p swalayan-hub --bench capacity

#[path = "support/hub_process.rs"]
mod hub_process;

use criterion::{Criterion, criterion_group, criterion_main};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Slots per part (`--max-concurrent`).
const SLOTS: usize = 4;

/// One `GET /v1/health` on a new connection, read to its end.
fn health(address: &str) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A client posting a form a byte every 100 ms until `stop`; returns once the hub has
/// started reading its body (it answered `100 Continue`): from then on it holds a slot.
fn dribbler(address: &str, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST /feedback HTTP/1.1\r\nHost: hub\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    while !line.contains("100 Continue") {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("the hub closed a dribbler before reading its body");
        }
    }
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            if stream.write_all(b"x").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
}

fn station_api_beside_a_full_web(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db").display().to_string();
    let slots = SLOTS.to_string();
    let hub = hub_process::serve_with(
        &db,
        &["--max-concurrent", &slots, "--body-timeout-secs", "3600"],
    );
    let address = hub.url.trim_start_matches("http://").to_string();
    let mut group = c.benchmark_group("health");
    group.sample_size(20);
    group.bench_function("idle", |b| b.iter(|| health(&address)));
    let stop = Arc::new(AtomicBool::new(false));
    let dribblers: Vec<_> = (0..SLOTS)
        .map(|_| dribbler(&address, stop.clone()))
        .collect();
    group.bench_function("web_slots_taken_by_dribblers", |b| {
        b.iter(|| health(&address))
    });
    group.finish();
    stop.store(true, Ordering::Relaxed);
    for d in dribblers {
        let _ = d.join();
    }
}

criterion_group!(benches, station_api_beside_a_full_web);
criterion_main!(benches);
