//! Central sync at scale, on SQLite and on PostgreSQL (when `SWALAYAN_TEST_POSTGRES` names a
//! cluster; scripts/postgres-cluster starts one). Run: `cargo bench -p swalayan-hub --bench
//! sync`. Results: docs/PERFORMANCE.md.
//!
//! - `push 10k queued`: one station pushes 10,000 queued transactions to a real hub process
//!   over HTTP (batches of 500), acknowledgements recorded.
//! - `ingest`: the hub's own rate, in process: 10,000 transactions in batches of 500 through
//!   the ledger into the database.
//! - `first pull 250k items`: a new station pulls a 250,000-item catalog (plus 83,334 titles
//!   and 50,000 patrons) from a real hub process into an empty store.
//! - `20 stations at once`: 20 stations push 500 queued transactions each at the same time.
//!
//! Under `cargo test`/nextest (criterion's test mode, no `--bench` argument) every size is
//! divided by 50 so the suite stays quick; the numbers in PERFORMANCE.md are from `--bench`.

#[path = "support/hub_process.rs"]
mod hub_process;
use criterion::{Criterion, criterion_group, criterion_main};
use hub_process::serve;
use jiff::Timestamp;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use swalayan::contract::protocol::PushTransaction;
use swalayan::contract::transactions::{LoanPayload, TxBody, TxKind};
use swalayan::domain::{ItemStatus, Money};
use swalayan::import::{ImportSink, ItemRecord, PatronRecord, TitleRecord};
use swalayan::store::{Store, outbox};
use swalayan::sync::pull::pull_changes;
use swalayan::sync::push::{Central, push_pending};
use swalayan_hub::catalog::HubSink;
use swalayan_hub::ledger::apply_batch;
use swalayan_hub::storage::{self, StationRole, Storage, hash_token};

fn full_size() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn scaled(n: usize) -> usize {
    if full_size() { n } else { (n / 50).max(1) }
}

/// The backends to measure: SQLite always, PostgreSQL when a cluster is named.
fn backends() -> Vec<&'static str> {
    let mut list = vec!["sqlite"];
    if std::env::var("SWALAYAN_TEST_POSTGRES").is_ok() {
        list.push("postgresql");
    } else {
        eprintln!("SWALAYAN_TEST_POSTGRES not set: PostgreSQL not measured");
    }
    list
}

/// A fresh hub database for `backend`.
fn database(backend: &str, dir: &Path, name: &str) -> String {
    match backend {
        "sqlite" => dir.join(format!("{name}.db")).display().to_string(),
        _ => {
            let admin = std::env::var("SWALAYAN_TEST_POSTGRES").unwrap();
            let db = format!("bench_{}", uuid::Uuid::now_v7().simple());
            let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
            client
                .batch_execute(&format!("CREATE DATABASE {db}"))
                .unwrap();
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{db}")
        }
    }
}

fn add_station(storage: &dyn Storage, name: &str) -> String {
    let token = format!("token-{name}-{}", uuid::Uuid::now_v7());
    storage
        .add_station(
            name,
            StationRole::Kiosk,
            &hash_token(&token),
            Timestamp::now(),
        )
        .unwrap();
    token
}

/// A station store with `count` queued checkouts of distinct copies (tagged by `tag`).
fn queued_station(path: &Path, name: &str, tag: &str, count: usize) -> Store {
    let mut store = Store::open(path).unwrap();
    let tx = store.write().unwrap();
    let now = Timestamp::now();
    for i in 0..count {
        outbox::append(
            &tx,
            name,
            &checkout(&format!("P{}", i % 1000), &format!("{tag}-{i}")),
            None,
            now,
            true,
        )
        .unwrap();
    }
    tx.commit().unwrap();
    store
}

fn runtime() -> tokio::runtime::Runtime {
    let _ = rustls::crypto::ring::default_provider().install_default();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn push_10k(c: &mut Criterion) {
    let count = scaled(10_000);
    let mut group = c.benchmark_group("push 10k queued");
    group.sample_size(10);
    for backend in backends() {
        // Set up only when criterion's filter selects this benchmark.
        let mut setup = None;
        let mut round = 0;
        group.bench_function(backend, |b| {
            let (dir, _hub, central, client) = setup.get_or_insert_with(|| {
                let dir = tempfile::tempdir_in(".").unwrap();
                let db = database(backend, dir.path(), "hub");
                let storage = storage::open(&db).unwrap();
                let token = add_station(storage.as_ref(), "kiosk-1");
                let hub = serve(&db);
                let central = Central::new(&hub.url, &token, "kiosk-1");
                let client = central.client().unwrap();
                (dir, hub, central, client)
            });
            let rt = runtime();
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    round += 1;
                    let path = dir.path().join(format!("station-{round}.db"));
                    let mut store = queued_station(&path, "kiosk-1", &format!("r{round}"), count);
                    let start = Instant::now();
                    let report = rt
                        .block_on(push_pending(&mut store, central, client))
                        .unwrap();
                    total += start.elapsed();
                    assert_eq!((report.pushed as usize, report.pending), (count, 0));
                }
                total
            })
        });
    }
    group.finish();
}

fn batch_of(count: usize, tag: &str) -> Vec<PushTransaction> {
    (0..count)
        .map(|i| PushTransaction {
            id: uuid::Uuid::now_v7(),
            seq: i as i64 + 1,
            kind: TxKind::Checkout.into(),
            created_at: Timestamp::now().to_string(),
            clock_trusted: true,
            payload: checkout(&format!("P{}", i % 1000), &format!("{tag}-{i}")).payload(),
        })
        .collect()
}

/// A checkout of `item` to `patron`, due on a fixed day.
fn checkout(patron: &str, item: &str) -> TxBody {
    TxBody::Checkout(LoanPayload {
        patron: patron.to_string(),
        item: item.to_string(),
        title: None,
        issued: None,
        due: jiff::civil::date(2026, 12, 12),
        hold_id: None,
        hold_key: None,
    })
}

fn ingest(c: &mut Criterion) {
    let count = scaled(10_000);
    let mut group = c.benchmark_group("ingest 10k");
    group.sample_size(10);
    for backend in backends() {
        let mut setup = None;
        let mut round = 0;
        group.bench_function(backend, |b| {
            let (_dir, storage) = setup.get_or_insert_with(|| {
                let dir = tempfile::tempdir_in(".").unwrap();
                let storage = storage::open(&database(backend, dir.path(), "hub")).unwrap();
                add_station(storage.as_ref(), "kiosk-1");
                (dir, storage)
            });
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    round += 1;
                    let all = batch_of(count, &format!("r{round}"));
                    let start = Instant::now();
                    for batch in all.chunks(500) {
                        let results =
                            apply_batch(storage.as_ref(), "kiosk-1", batch, Timestamp::now(), None)
                                .unwrap();
                        assert_eq!(results.len(), batch.len());
                    }
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

/// Fills a hub with `items` copies (3 per title) and `items / 5` patrons.
fn fill_catalog(storage: &dyn Storage, items: usize) {
    let mut sink = HubSink::new(storage).unwrap();
    for t in 0..items.div_ceil(3) {
        let (title_id, _) = sink
            .title(&TitleRecord {
                key: format!("001:{t}"),
                title: format!("Judul buku nomor {t}"),
                author: Some(format!("Pengarang {}", t % 5000)),
                isbn: None,
                call_number: Some(format!("899.221 {t}")),
                subjects: Vec::new(),
                links: Vec::new(),
            })
            .unwrap();
        for copy in 0..3 {
            let i = t * 3 + copy;
            if i >= items {
                break;
            }
            sink.item(
                title_id,
                &ItemRecord {
                    barcode: format!("3100{i:07}"),
                    item_type: "book".into(),
                    status: ItemStatus::Available,
                    damaged: false,
                    parts: 1,
                    call_number: None,
                    branch: "pusat".into(),
                    acquired: None,
                },
            )
            .unwrap();
        }
    }
    for p in 0..items / 5 {
        sink.patron(&PatronRecord {
            card: format!("2100{p:07}"),
            name: format!("Anggota {p}"),
            category: "adult".into(),
            expires: jiff::civil::date(2030, 1, 31),
            pin_hash: None,
            blocked: false,
            block_note: None,
            fines: Money::ZERO,
            contact: None,
            joined: None,
            kelurahan: None,
        })
        .unwrap();
    }
    sink.flush().unwrap();
}

fn first_pull(c: &mut Criterion) {
    let items = scaled(250_000);
    let mut group = c.benchmark_group("first pull 250k items");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    for backend in backends() {
        let mut setup = None;
        let mut round = 0;
        group.bench_function(backend, |b| {
            let (dir, _hub, central, client) = setup.get_or_insert_with(|| {
                let dir = tempfile::tempdir_in(".").unwrap();
                let db = database(backend, dir.path(), "hub");
                let storage = storage::open(&db).unwrap();
                fill_catalog(storage.as_ref(), items);
                let token = add_station(storage.as_ref(), "kiosk-new");
                let hub = serve(&db);
                let central = Central::new(&hub.url, &token, "kiosk-new");
                let client = central.client().unwrap();
                (dir, hub, central, client)
            });
            let rt = runtime();
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    round += 1;
                    let path = dir.path().join(format!("new-{round}.db"));
                    let mut store = Store::open(&path).unwrap();
                    let start = Instant::now();
                    let pulled = rt
                        .block_on(pull_changes(&mut store, central, client))
                        .unwrap();
                    total += start.elapsed();
                    assert!(pulled as usize >= items, "{pulled}");
                    drop(store);
                    let _ = std::fs::remove_file(&path);
                }
                total
            })
        });
    }
    group.finish();
}

fn twenty_stations(c: &mut Criterion) {
    let each = scaled(500).max(10);
    let mut group = c.benchmark_group("20 stations at once");
    group.sample_size(10);
    for backend in backends() {
        let mut setup = None;
        let mut round = 0;
        group.bench_function(backend, |b| {
            let (dir, hub, tokens) = setup.get_or_insert_with(|| {
                let dir = tempfile::tempdir_in(".").unwrap();
                let db = database(backend, dir.path(), "hub");
                let storage = storage::open(&db).unwrap();
                let tokens: Arc<Vec<String>> = Arc::new(
                    (0..20)
                        .map(|s| add_station(storage.as_ref(), &format!("kiosk-{s}")))
                        .collect(),
                );
                let hub = serve(&db);
                (dir, hub, tokens)
            });
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    round += 1;
                    let stores: Vec<Store> = (0..20)
                        .map(|s| {
                            let name = format!("kiosk-{s}");
                            let path = dir.path().join(format!("{name}-{round}.db"));
                            queued_station(&path, &name, &format!("r{round}s{s}"), each)
                        })
                        .collect();
                    let start = Instant::now();
                    let threads: Vec<_> = stores
                        .into_iter()
                        .enumerate()
                        .map(|(s, mut store)| {
                            let central = Central::new(&hub.url, &tokens[s], &format!("kiosk-{s}"));
                            std::thread::spawn(move || {
                                let client = central.client().unwrap();
                                runtime()
                                    .block_on(push_pending(&mut store, &central, &client))
                                    .unwrap()
                            })
                        })
                        .collect();
                    for t in threads {
                        let report = t.join().unwrap();
                        assert_eq!(report.pending, 0);
                    }
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, push_10k, ingest, first_pull, twenty_stations);
criterion_main!(benches);
