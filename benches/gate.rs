//! The entrance counter's replay speed: edges of a synthetic day (people walking in and out
//! through one passage, 4 edges each) counted by `trace::replay`, the code `gate replay` and
//! the live counter run. Run: `cargo bench --bench gate`. Goal (issue #12): at least 10,000
//! edges per second; the edges per second of the same samples are printed for
//! docs/PERFORMANCE.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::time::Instant;
use swalayan::station::gate::counter::{Beam, Timings};
use swalayan::station::gate::trace::{TraceEdge, replay};

/// 25,000 walkers, 1–5 s apart, alternating directions: 100,000 edges.
fn day() -> Vec<TraceEdge> {
    let mut edges = Vec::new();
    let mut t = 0u64;
    for n in 0..25_000u64 {
        let (first, second) = if n % 2 == 0 {
            (Beam::A, Beam::B)
        } else {
            (Beam::B, Beam::A)
        };
        for (at, beam, blocked) in [
            (t, first, true),
            (t + 120, second, true),
            (t + 400, first, false),
            (t + 520, second, false),
        ] {
            edges.push(TraceEdge {
                t_ms: at,
                passage: "utama".into(),
                beam,
                blocked,
            });
        }
        t += 1_000 + (n * 7_919) % 4_000;
    }
    edges
}

fn replay_speed(c: &mut Criterion) {
    let edges = day();
    let mut group = c.benchmark_group("gate");
    group.throughput(Throughput::Elements(edges.len() as u64));
    group.bench_function("replay 100,000 edges", |b| {
        b.iter(|| {
            let counted = replay(&edges, Timings::default());
            assert_eq!(counted.entered + counted.left, 25_000);
        })
    });
    group.finish();
    let start = Instant::now();
    let counted = replay(&edges, Timings::default());
    let per_second = edges.len() as f64 / start.elapsed().as_secs_f64();
    eprintln!(
        "gate replay: {} edges, {} in + {} out, {per_second:.0} edges/s (goal 10,000)",
        edges.len(),
        counted.entered,
        counted.left
    );
}

criterion_group!(benches, replay_speed);
criterion_main!(benches);
