//! A synthetic library of any size, and the circulation timing that `swalayan bench
//! circulation` and the criterion benchmarks run on it.

use crate::circulation::desk::{Desk, DeskSettings, Proof};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::store::{Result, Store};
use rusqlite::params;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// True when criterion was started to measure (`cargo bench` passes `--bench`); false when a
/// test runner lists the benchmarks or runs each once as a smoke test (`cargo nextest run
/// --all-targets`). Benchmarks use it to build their full-size data only when measuring:
/// listing must cost nothing, and a smoke run must not fill a CI disk with a library.
pub fn measuring() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

/// Item barcode `i` of a synthetic library.
pub fn item_barcode(i: u64) -> String {
    format!("39{i:09}")
}

/// Patron card `i` of a synthetic library.
pub fn patron_card(i: u64) -> String {
    format!("29{i:09}")
}

/// Fills an empty store with `items` copies (one title per ten copies), `patrons` adult
/// patrons without PINs and `past_loans` returned, anonymised loans (the history a city
/// library accumulates), in one transaction, bypassing the importers for speed.
pub fn build_store(path: &Path, items: u64, patrons: u64, past_loans: u64) -> Result<Store> {
    let mut store = Store::open(path)?;
    let tx = store.write()?;
    {
        let mut title = tx.prepare("INSERT INTO titles(id, source_key, title, author, call_number) VALUES (?1, ?2, ?3, ?4, ?5)")?;
        let mut item = tx.prepare(
            "INSERT INTO items(barcode, title_id, item_type, status, parts, home_branch)
             VALUES (?1, ?2, 'book', 'available', 1, ?3)",
        )?;
        let branch = crate::config::DEFAULT_BRANCH;
        for i in 0..items {
            let title_id = (i / 10) as i64 + 1;
            if i % 10 == 0 {
                title.execute(params![
                    title_id,
                    format!("bench:{title_id}"),
                    format!("Judul Buku Nomor {title_id}"),
                    format!("Pengarang {}", title_id % 997),
                    format!("899.221 B{title_id}")
                ])?;
            }
            item.execute(params![item_barcode(i), title_id, branch])?;
        }
        let mut patron = tx.prepare(
            "INSERT INTO patrons(card, name, category, expires) VALUES (?1, ?2, 'adult', '2099-12-31')",
        )?;
        for i in 0..patrons {
            patron.execute(params![patron_card(i), format!("Anggota {i}")])?;
        }
        let mut loan = tx.prepare(
            "INSERT INTO loans(item, patron, issued, due, returned_at)
             VALUES (?1, NULL, '2025-01-02T03:00:00Z', '2025-01-16', '2025-01-10T03:00:00Z')",
        )?;
        for i in 0..past_loans {
            loan.execute([item_barcode(i % items.max(1))])?;
        }
    }
    // The titles' search entries in one pass (the importers write them title by title).
    tx.execute_batch("INSERT INTO titles_fts(titles_fts) VALUES ('rebuild')")?;
    tx.commit()?;
    Ok(store)
}

/// A desk over `store` with default settings and the system clock.
pub fn desk_for(store: Store) -> Desk {
    let config = Config::default();
    Desk::new(
        store,
        DeskSettings {
            station_id: "bench-1".into(),
            branch: config.branch,
            time_zone: config.time_zone,
        },
        Box::new(SystemClock),
    )
}

/// What `swalayan bench circulation` prints.
#[derive(Debug, Clone, Serialize)]
pub struct CirculationBench {
    /// Checkouts and checkins timed (each counts once).
    pub ops: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub checkout_p99_ms: f64,
    pub checkin_p99_ms: f64,
    pub checkout_p50_ms: f64,
    pub checkin_p50_ms: f64,
    /// Operations the bench meant to succeed that were refused (then the run is spoiled).
    pub refused: u64,
    /// fsync of a small write on the same file system, probed between the operations: the
    /// floor of a durable commit.
    pub fsync_p50_ms: f64,
    pub fsync_p99_ms: f64,
    pub items: u64,
    pub patrons: u64,
    pub past_loans: u64,
    /// Where the WAL checkpoints ran.
    pub wal_checkpoint: WalCheckpoint,
}

/// How big a synthetic library is.
#[derive(Debug, Clone, Copy)]
pub struct LibrarySize {
    pub items: u64,
    pub patrons: u64,
    pub past_loans: u64,
}

/// Where the WAL checkpoints of a bench run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WalCheckpoint {
    /// On the store's own thread, as stations run them ([`Store::checkpoint_in_background`]).
    Background,
    /// In the commit that fills the WAL past 1,000 pages (SQLite's default).
    Commit,
}

/// Times `ops` checkouts followed by their checkins on a store in `dir`.
pub fn run_circulation(
    dir: &Path,
    size: LibrarySize,
    ops: u64,
    wal_checkpoint: WalCheckpoint,
) -> Result<CirculationBench> {
    let LibrarySize {
        items,
        patrons,
        past_loans,
    } = size;
    let mut store = build_store(&dir.join("bench.db"), items, patrons, past_loans)?;
    if wal_checkpoint == WalCheckpoint::Background {
        store.checkpoint_in_background()?;
    }
    let mut desk = desk_for(store);
    let ops = ops.min(items).max(1);
    let mut checkout = Vec::with_capacity(ops as usize);
    let mut checkin = Vec::with_capacity(ops as usize);
    // The disk's own fsync, probed between the operations on the same file system, so both
    // see the same disk at the same time (a probe run after the storm saw a quieter disk).
    let mut probe = FsyncProbe::open(dir)?;
    let mut fsync = Vec::with_capacity(2 * ops as usize);
    let mut refused = 0u64;
    // Spread loans over patrons so no one hits the loan limit (5 books).
    let stride = (items / ops).max(1);
    for n in 0..ops {
        let item = item_barcode((n * stride) % items);
        let patron = patron_card(n % patrons.max(1));
        let start = Instant::now();
        let result = desk.checkout(&patron, &item, Proof::Pin(None), None)?;
        checkout.push(start.elapsed().as_secs_f64() * 1000.0);
        if !result.ok {
            refused += 1;
            tracing::warn!(item, reason = ?result.reason.map(crate::reason::Reason::code), "bench checkout refused");
        }
        fsync.push(probe.once()?);
    }
    for n in 0..ops {
        let item = item_barcode((n * stride) % items);
        let start = Instant::now();
        let result = desk.checkin(&item, None)?;
        checkin.push(start.elapsed().as_secs_f64() * 1000.0);
        if !result.ok {
            refused += 1;
            tracing::warn!(item, reason = ?result.reason.map(crate::reason::Reason::code), "bench checkin refused");
        }
        fsync.push(probe.once()?);
    }
    let mut all: Vec<f64> = checkout.iter().chain(&checkin).copied().collect();
    Ok(CirculationBench {
        ops: all.len() as u64,
        p50_ms: percentile(&mut all, 50.0),
        p99_ms: percentile(&mut all, 99.0),
        checkout_p50_ms: percentile(&mut checkout, 50.0),
        checkin_p50_ms: percentile(&mut checkin, 50.0),
        refused,
        checkout_p99_ms: percentile(&mut checkout, 99.0),
        checkin_p99_ms: percentile(&mut checkin, 99.0),
        fsync_p50_ms: percentile(&mut fsync.clone(), 50.0),
        fsync_p99_ms: percentile(&mut fsync.clone(), 99.0),
        items,
        patrons,
        past_loans,
        wal_checkpoint,
    })
}

/// A file in the store's directory that one 4 KiB append + fsync at a time is timed on: the
/// disk's own floor, beside the commits it is compared with.
pub struct FsyncProbe {
    path: std::path::PathBuf,
    file: std::fs::File,
}

impl FsyncProbe {
    pub fn open(dir: &Path) -> Result<FsyncProbe> {
        let path = dir.join("fsync-probe");
        let file =
            std::fs::File::create(&path).map_err(|source| crate::store::StoreError::Open {
                path: path.clone(),
                source,
            })?;
        Ok(FsyncProbe { path, file })
    }

    /// One append and fsync, in milliseconds.
    pub fn once(&mut self) -> Result<f64> {
        let io = |source| crate::store::StoreError::Open {
            path: self.path.clone(),
            source,
        };
        let start = Instant::now();
        self.file.write_all(&[0x5au8; 4096]).map_err(io)?;
        self.file.sync_all().map_err(io)?;
        Ok(start.elapsed().as_secs_f64() * 1000.0)
    }
}

/// Times `count` appends of 4 KiB each followed by fsync, in `dir`.
pub fn fsync_times(dir: &Path, count: u64) -> Result<Vec<f64>> {
    let mut probe = FsyncProbe::open(dir)?;
    (0..count.max(1)).map(|_| probe.once()).collect()
}

/// The `p`th percentile (nearest rank) of `values`, in place.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    let value = values[rank.clamp(1, values.len()) - 1];
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&mut v, 50.0), 50.0);
        assert_eq!(percentile(&mut v, 99.0), 99.0);
        assert_eq!(percentile(&mut [3.0], 99.0), 3.0);
        assert_eq!(percentile(&mut [], 99.0), 0.0);
    }
}
