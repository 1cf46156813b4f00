//! One round of the link: `swalayan-hub ils sync --once` (`{"read":{"members","items",
//! "titles","loans","holds"},"written","conflicts"}`), and what `serve` runs every
//! `poll_seconds`.
//!
//! A round first writes what the stations and the web did since the last round (oldest
//! first, so a return is written before the next loan of the same copy), then reads the
//! system: what the desk did meanwhile, and the system's own view of what was just written
//! (its due dates). The catalogue and the members are read in full on the first round of
//! each day, otherwise only what changed (`slims::catalogue`); loans, reservations and the
//! rules are read whole every round (they are small, and have no reliable timestamps). A transaction whose write failed stays waiting, and the read leaves its
//! copy as the hub has it until it is written.

use super::inlislite::{self, write::InlisDesk};
use super::link::LinkState;
use super::mirror::ReadMode;
use super::schema::{self, Version};
use super::slims::holds::write_holds;
use super::slims::read::{ReadCounts, ReadRequest, read_all, read_rules};
use super::slims::rules;
use super::slims::write::{SlimsDesk, Wrote};
use super::{IlsError, IlsSettings};
use crate::storage::{HubError, IlsOutcome, IlsWrite, Storage};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashSet;
use swalayan_core::contract::transactions::TxKind;

/// The transactions the system's desk records.
pub const WRITTEN_KINDS: [TxKind; 4] = [
    TxKind::Checkout,
    TxKind::Pickup,
    TxKind::Checkin,
    TxKind::Renew,
];

/// How many waiting transactions one query fetches.
const BATCH: u32 = 200;

/// What one round did.
#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub read: ReadCounts,
    /// Transactions of the stations and the web written into the system this round.
    pub written: u64,
    /// Transactions the system refused this round (kept as hub conflicts for staff).
    pub conflicts: u64,
}

/// Runs one round against the system `settings` names, and keeps the link's state;
/// `full`: read everything whether or not today's full read was done.
pub fn once(
    settings: &IlsSettings,
    storage: &dyn Storage,
    library: &crate::config::Library,
    full: bool,
) -> Result<Round, IlsError> {
    let hub = |e: HubError| IlsError::Database(format!("the hub: {e}"));
    let mut state = LinkState::load(storage, Timestamp::now()).map_err(hub)?;
    let result = round(settings, storage, library, &mut state, full);
    let now = Timestamp::now().to_string();
    state.last_round = Some(now.clone());
    match &result {
        Ok(round) => {
            state.last_read = Some(now.clone());
            state.read = round.read.clone();
            state.last_error = None;
            if round.written > 0 {
                state.last_write = Some(now);
            }
        }
        Err(e) => {
            state.last_error = Some(e.to_string());
            state.last_error_at = Some(now);
        }
    }
    state.backlog = storage
        .ils_pending(&WRITTEN_KINDS, &state.since, u32::MAX)
        .map(|waiting| waiting.len() as u64)
        .unwrap_or(state.backlog);
    state.save(storage).map_err(hub)?;
    result
}

fn round(
    settings: &IlsSettings,
    storage: &dyn Storage,
    library: &crate::config::Library,
    state: &mut LinkState,
    force_full: bool,
) -> Result<Round, IlsError> {
    let hub = |e: HubError| IlsError::Database(format!("the hub: {e}"));
    let mut conn = settings.connect()?;
    let columns = schema::columns(&mut conn)?;
    let version = schema::recognise(&columns, settings.kind)
        .map_err(|problems| IlsError::Database(problems.join("; ")))?;
    state.system = match version {
        Version::Slims9 => "SLiMS 9".to_string(),
        other => format!("INLISLite {}", other.code()),
    };
    let default_branch = library
        .branches
        .first()
        .cloned()
        .unwrap_or_else(|| "pusat".to_string());
    match version {
        Version::Slims9 => {
            let slims_rules = read_rules(&mut conn)?;
            let base = crate::catalog::policy(storage).map_err(hub)?;
            let policy = rules::policy(&slims_rules, &base);
            let mut desk = SlimsDesk {
                conn: &mut conn,
                rules: &slims_rules,
                policy: &policy,
                operator: settings.operator_id,
                time_zone: &library.timezone,
                now: Timestamp::now()
                    .to_zoned_datetime(library.timezone.clone())
                    .datetime(),
            };
            let (mut written, mut conflicts) = write_back(storage, state, |tx| desk.write(tx))?;
            let (holds_written, holds_refused) =
                write_holds(&mut conn, storage, &library.timezone)?;
            written += holds_written;
            conflicts += holds_refused;
            state.written += holds_written;
            state.conflicts += holds_refused;
            let waiting = waiting_copies(storage, state)?;
            let now = Timestamp::now();
            let full = force_full || needs_full_read(state, now, &library.timezone);
            let marks = state.marks.clone();
            let mode = match (&marks, full) {
                (Some(marks), false) => ReadMode::Since(marks),
                _ => ReadMode::Full,
            };
            let (read, marks) = read_all(
                &mut conn,
                settings,
                storage,
                &library.timezone,
                &default_branch,
                ReadRequest {
                    policy: &policy,
                    waiting: &waiting,
                    mode,
                },
            )?;
            state.marks = Some(marks);
            if full {
                state.last_full_read = Some(now.to_string());
            }
            Ok(Round {
                read,
                written,
                conflicts,
            })
        }
        Version::Inlislite32 | Version::Inlislite33 => {
            let inlis_rules = inlislite::read::read_rules(&mut conn)?;
            let base = crate::catalog::policy(storage).map_err(hub)?;
            let policy = inlis_rules.policy(&base);
            let mut desk = InlisDesk {
                conn: &mut conn,
                version,
                rules: &inlis_rules,
                operator: settings.operator_id,
                terminal: &settings.terminal,
                time_zone: &library.timezone,
            };
            let (mut written, mut conflicts) = write_back(storage, state, |tx| desk.write(tx))?;
            let now = Timestamp::now();
            let wall = now
                .to_zoned_datetime(library.timezone.clone())
                .datetime()
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string();
            let (booked, refused) = inlislite::holds::write_bookings(&mut conn, storage, &wall)?;
            written += booked;
            conflicts += refused;
            state.written += booked;
            state.conflicts += refused;
            let waiting = waiting_copies(storage, state)?;
            let full = force_full || needs_full_read(state, now, &library.timezone);
            let marks = state.marks.clone();
            let mode = match (&marks, full) {
                (Some(marks), false) => ReadMode::Since(marks),
                _ => ReadMode::Full,
            };
            let (read, marks) = inlislite::read::read_all(
                &mut conn,
                settings,
                storage,
                version,
                &library.timezone,
                &default_branch,
                &policy,
                &waiting,
                now.to_zoned_datetime(library.timezone.clone()).date(),
                mode,
            )?;
            state.marks = Some(marks);
            if full {
                state.last_full_read = Some(now.to_string());
            }
            Ok(Round {
                read,
                written,
                conflicts,
            })
        }
    }
}

/// Copies whose transactions still wait: they keep the hub's state until written.
fn waiting_copies(storage: &dyn Storage, state: &LinkState) -> Result<HashSet<String>, IlsError> {
    Ok(storage
        .ils_pending(&WRITTEN_KINDS, &state.since, u32::MAX)
        .map_err(|e| IlsError::Database(format!("the hub: {e}")))?
        .iter()
        .filter_map(|tx| tx.body().ok()?.item().map(str::to_string))
        .collect())
}

/// Writes every waiting transaction with `write`, recording each as it is written (a
/// refusal makes the transaction a conflict). Stops at the first database error: what is
/// not recorded waits for the next round. Returns (written, refused).
fn write_back(
    storage: &dyn Storage,
    state: &mut LinkState,
    mut write: impl FnMut(&crate::storage::Received) -> Result<Wrote, IlsError>,
) -> Result<(u64, u64), IlsError> {
    let hub = |e: HubError| IlsError::Database(format!("the hub: {e}"));
    let (mut written, mut refused) = (0, 0);
    // Each pass records every transaction it fetched, so the next fetches new ones; the
    // bound only guards against a ledger that does not keep what it is given.
    for _ in 0..10_000 {
        let batch = storage
            .ils_pending(&WRITTEN_KINDS, &state.since, BATCH)
            .map_err(hub)?;
        for tx in &batch {
            let wrote = write(tx)?;
            let entry = IlsWrite::now(
                IlsWrite::tx_source(tx.id),
                wrote.outcome,
                wrote.rows,
                wrote.detail,
            );
            let conflict = (wrote.outcome == IlsOutcome::Refused).then_some(tx.id);
            storage.ils_record(&entry, conflict).map_err(hub)?;
            match wrote.outcome {
                IlsOutcome::Written => written += 1,
                IlsOutcome::Refused => refused += 1,
                IlsOutcome::Nothing => {}
            }
        }
        if (batch.len() as u32) < BATCH {
            break;
        }
    }
    state.written += written;
    state.conflicts += refused;
    Ok((written, refused))
}

/// Whether this round reads everything: the first, the first of each day (library time),
/// or when the last full read's time cannot be read.
fn needs_full_read(state: &LinkState, now: Timestamp, time_zone: &jiff::tz::TimeZone) -> bool {
    let Some(last) = state.last_full_read.as_deref() else {
        return true;
    };
    let Ok(last) = last.parse::<Timestamp>() else {
        return true;
    };
    let day = |t: Timestamp| t.to_zoned_datetime(time_zone.clone()).date();
    state.marks.is_none() || day(last) != day(now)
}
