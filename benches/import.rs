//! MARC import (parse + store) throughput. Run: `cargo bench --bench import`.
//! The input is the 20 Library of Congress records of tests/fixtures, repeated to 20,000
//! records with distinct control numbers and a Koha 952 holdings field each.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use swalayan::domain::Policy;
use swalayan::import::StoreSink;
use swalayan::import::marc::{MarcOptions, assemble_iso2709, import_marc, split_iso2709};
use swalayan::store::Store;

const RECORDS: usize = 20_000;

/// Rewrites each fixture record with a new 001 and a 952$p barcode, to `count` records.
fn synthetic_file(path: &std::path::Path, count: usize) {
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/marc/loc-programming-20.mrc"
    ))
    .unwrap();
    let records: Vec<&[u8]> = fixture.split_inclusive(|&b| b == 0x1D).collect();
    let mut out = Vec::new();
    for n in 0..count {
        let (leader, fields) = split_iso2709(records[n % records.len()]).unwrap();
        let mut fields: Vec<([u8; 3], Vec<u8>)> = fields
            .into_iter()
            .map(|(tag, data)| match &tag {
                b"001" => (tag, format!("bench{n}\x1E").into_bytes()),
                _ => (tag, data.to_vec()),
            })
            .collect();
        fields.push((
            *b"952",
            format!("  \x1Fapusat\x1Fp{n:010}\x1E").into_bytes(),
        ));
        out.extend(assemble_iso2709(&leader, &fields));
    }
    std::fs::write(path, out).unwrap();
}

fn marc_import(c: &mut Criterion) {
    let dir = tempfile::tempdir_in(".").unwrap();
    let file = dir.path().join("bench.mrc");
    let records = if swalayan::bench::measuring() {
        RECORDS
    } else {
        200
    };
    // Written on the first call of the routine, so that listing the benchmarks writes nothing.
    let mut written = false;
    let policy = Policy::default_policy();
    let options = MarcOptions {
        holdings: "952p".parse().unwrap(),
        policy: &policy,
        default_item_type: "book",
        default_branch: "pusat",
    };
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records as u64));
    let mut run = 0;
    group.bench_function("marc iso2709 into a fresh store (records)", |b| {
        if !written {
            synthetic_file(&file, records);
            written = true;
        }
        b.iter(|| {
            run += 1;
            let mut store = Store::open(&dir.path().join(format!("import-{run}.db"))).unwrap();
            let summary = import_marc(
                &file,
                &options,
                &mut StoreSink::new(&mut store),
                &mut |_| {},
            )
            .unwrap();
            assert_eq!(summary.imported as usize, records);
        })
    });
    group.finish();
}

criterion_group!(benches, marc_import);
criterion_main!(benches);
