//! Power cuts at the storage layer: a SQLite VFS ([`vfs`]) keeps what a disk would hold if the
//! plug were pulled at a random write or sync in a mixed storm (checkouts, returns with fines
//! and holds, renewals, pickups, pulled pages), then the store is opened from that and must
//! hold every transaction the desk answered "ok" for, with its outbox row, nothing torn.
//!
//! SIGKILL cannot show this (the kernel's page cache survives a killed process); this can:
//! the same test on a store running `synchronous=OFF` loses acknowledged work, and
//! [`a_store_without_fsync_loses_acknowledged_work_and_the_test_sees_it`] expects exactly that.

mod vfs;

use super::storm::{self, Ack, Storm};
use swalayan::store::Store;
use vfs::{Disk, Loss};

/// Steps of the storm at most per cut (the cut comes first, nearly always).
const STEPS: usize = 80;

/// One storm cut short by a power cut at the `after`-th disk operation; the store as the disk
/// kept it, checked. `Err` says what was wrong.
fn storm_cut_short(
    seed: u64,
    after: u64,
    loss: Loss,
    synchronous_off: bool,
) -> Result<usize, String> {
    let disk = tempfile::tempdir().unwrap();
    let root = disk.path().canonicalize().unwrap();
    Disk::mount(&root);
    let db = root.join("station.db");
    let store = storm::build(&db, Some(vfs::NAME));
    if synchronous_off {
        store
            .conn()
            .pragma_update(None, "synchronous", "OFF")
            .unwrap();
    }
    let mut storm = Storm::new(store, seed);
    Disk::arm(&root, after, loss);
    let mut acks: Vec<Ack> = Vec::new();
    for _ in 0..STEPS {
        match storm.step() {
            Ok(done) => acks.extend(done),
            // The power went during this step: it was never acknowledged.
            Err(_) => break,
        }
        if Disk::is_cut(&root) {
            break;
        }
    }
    // Closing writes nothing more: the machine is off.
    drop(storm);
    Disk::cut_now(&root);
    let after_the_cut = tempfile::tempdir().unwrap();
    Disk::after_the_cut(&root, after_the_cut.path());
    let store = Store::open(&after_the_cut.path().join("station.db"))
        .map_err(|e| format!("the store does not open after the cut: {e}"))?;
    storm::check_store(store.conn())?;
    storm::check_acknowledged(store.conn(), &acks)?;
    Ok(acks.len())
}

/// Where each of `runs` cuts falls: spread over the first few hundred disk operations
/// (a storm step is a handful: WAL frames, a sync, now and then a checkpoint).
fn cut_points(runs: u64, seed: u64) -> impl Iterator<Item = (u64, u64)> {
    let mut state = seed | 1;
    (0..runs).map(move |run| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (run, 1 + state % 400)
    })
}

#[test]
fn a_power_cut_at_any_write_keeps_every_acknowledged_transaction() {
    let mut acknowledged = 0;
    for (run, after) in cut_points(100, 0x5EED_0001) {
        match storm_cut_short(run, after, Loss::AllUnsynced, false) {
            Ok(acks) => acknowledged += acks,
            Err(e) => panic!("run {run}, cut at operation {after}: {e}"),
        }
    }
    assert!(
        acknowledged > 500,
        "the storms did work before their cuts: {acknowledged}"
    );
}

#[test]
fn a_power_cut_that_lets_some_unsynced_writes_through_in_any_order_keeps_them_too() {
    for (run, after) in cut_points(100, 0x5EED_0002) {
        let loss = Loss::SomeUnsynced { seed: run + 1 };
        if let Err(e) = storm_cut_short(run, after, loss, false) {
            panic!("run {run}, cut at operation {after}, {loss:?}: {e}");
        }
    }
}

/// The test is real: the same cuts on a store that never syncs (`synchronous=OFF`) lose
/// transactions the desk acknowledged, and the checks say so.
#[test]
fn a_store_without_fsync_loses_acknowledged_work_and_the_test_sees_it() {
    let failures: Vec<String> = cut_points(20, 0x5EED_0003)
        .filter_map(|(run, after)| storm_cut_short(run, after, Loss::AllUnsynced, true).err())
        .collect();
    assert!(
        failures.iter().any(|e| e.contains("acknowledged lost")),
        "synchronous=OFF lost nothing the checks could see: {failures:?}"
    );
}
