//! MARC import (parse + store) throughput. Run: `cargo bench --bench import`.
//! The input is the 20 Library of Congress records of tests/fixtures, repeated to 20,000
//! records with distinct control numbers and a Koha 952 holdings field each.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use swalayan::domain::Policy;
use swalayan::import::StoreSink;
use swalayan::import::marc::{MarcOptions, import_marc};
use swalayan::store::Store;

const RECORDS: usize = 20_000;

/// Rewrites each fixture record with a new 001 and a 952$p barcode, `copies` times over.
fn synthetic_file(path: &std::path::Path) {
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/marc/loc-programming-20.mrc"
    ))
    .unwrap();
    let records: Vec<&[u8]> = fixture.split_inclusive(|&b| b == 0x1D).collect();
    let mut out = Vec::new();
    for n in 0..RECORDS {
        let record = records[n % records.len()];
        let base: usize = std::str::from_utf8(&record[12..17])
            .unwrap()
            .parse()
            .unwrap();
        let directory = &record[24..base - 1];
        let data = &record[base..record.len() - 1];
        let mut fields: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for entry in directory.chunks(12) {
            let len: usize = std::str::from_utf8(&entry[3..7]).unwrap().parse().unwrap();
            let start: usize = std::str::from_utf8(&entry[7..12]).unwrap().parse().unwrap();
            let tag = entry[..3].to_vec();
            let body = if tag == b"001" {
                format!("bench{n}\x1E").into_bytes()
            } else {
                data[start..start + len].to_vec()
            };
            fields.push((tag, body));
        }
        fields.push((
            b"952".to_vec(),
            format!("  \x1Fapusat\x1Fp{:010}\x1E", n).into_bytes(),
        ));
        let mut dir = Vec::new();
        let mut body = Vec::new();
        for (tag, field) in &fields {
            dir.extend_from_slice(tag);
            dir.extend_from_slice(format!("{:04}{:05}", field.len(), body.len()).as_bytes());
            body.extend_from_slice(field);
        }
        let new_base = 24 + dir.len() + 1;
        let total = new_base + body.len() + 1;
        out.extend_from_slice(format!("{total:05}").as_bytes());
        out.extend_from_slice(&record[5..12]);
        out.extend_from_slice(format!("{new_base:05}").as_bytes());
        out.extend_from_slice(&record[17..24]);
        out.extend_from_slice(&dir);
        out.push(0x1E);
        out.extend_from_slice(&body);
        out.push(0x1D);
    }
    std::fs::write(path, out).unwrap();
}

fn marc_import(c: &mut Criterion) {
    let dir = tempfile::tempdir_in(".").unwrap();
    let file = dir.path().join("bench.mrc");
    synthetic_file(&file);
    let policy = Policy::default_policy();
    let options = MarcOptions {
        holdings: "952p".parse().unwrap(),
        policy: &policy,
        default_item_type: "book",
        default_branch: "pusat",
    };
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RECORDS as u64));
    let mut run = 0;
    group.bench_function("marc iso2709 into a fresh store (records)", |b| {
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
            assert_eq!(summary.imported as usize, RECORDS);
        })
    });
    group.finish();
}

criterion_group!(benches, marc_import);
criterion_main!(benches);
