//! Checkout decision + durable commit on a 250,000-item / 50,000-patron / 1,000,000-past-loan
//! store, and the PIN
//! hash. Run: `cargo bench --bench circulation`. Results: docs/PERFORMANCE.md.
//! (Criterion reports means and intervals; the p99 goal is `swalayan bench circulation`.)

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use swalayan::bench::{build_store, desk_for, item_barcode, measuring, patron_card};
use swalayan::circulation::desk::Proof;
use swalayan::circulation::pin::{hash_pin, verify_pin};

fn checkout_and_checkin(c: &mut Criterion) {
    // Measured at the size of a city library; smoke-run (nextest) on a small one.
    let (items, patrons, past_loans) = if measuring() {
        (250_000, 50_000, 1_000_000)
    } else {
        (1_000, 200, 1_000)
    };
    let dir = tempfile::tempdir_in(".").expect("temp dir in the current file system");
    // Built on the first call of the routine, so that listing the benchmarks builds nothing.
    let mut desk = None;
    let mut n = 0u64;
    let mut group = c.benchmark_group("circulation");
    group.sample_size(200);
    // One checkout and its checkin per iteration, so the store does not fill up with loans.
    group.bench_function("checkout+checkin (2 durable commits)", |b| {
        let desk = desk.get_or_insert_with(|| {
            let mut store = build_store(&dir.path().join("bench.db"), items, patrons, past_loans)
                .expect("store");
            // As stations run: WAL checkpoints off the commit path.
            store.checkpoint_in_background().expect("checkpoint thread");
            desk_for(store)
        });
        b.iter(|| {
            let item = item_barcode((n * 7919) % items);
            let patron = patron_card(n % patrons);
            n += 1;
            let out = desk
                .checkout(&patron, &item, Proof::Pin(None), None)
                .expect("checkout");
            assert!(out.ok, "{out:?}");
            black_box(desk.checkin(&item, None).expect("checkin"));
        })
    });
    group.finish();
}

fn pin(c: &mut Criterion) {
    let hash = hash_pin("123456");
    c.bench_function("pin verify (argon2id 4 MiB, 2 passes)", |b| {
        b.iter(|| black_box(verify_pin(black_box("123456"), &hash)))
    });
}

criterion_group!(benches, checkout_and_checkin, pin);
criterion_main!(benches);
