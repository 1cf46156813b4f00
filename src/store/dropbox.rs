//! The drop box's journal: a row per item through the chute, begun when the beam breaks and
//! finished when the item is in its bin. The return itself commits together with the row's
//! `checked_in` state (`Desk::checkin_recorded`), so after a power cut the journal says
//! exactly which items were returned but not diverted: they are listed for staff
//! (`attention`), never checked in again. Also the bins' loads since they were emptied.

use super::Result;
use crate::domain::Route;
use crate::reason::Reason;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeMap;

/// How a cycle ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finish<'a> {
    /// `returned` or `exception`.
    pub result: &'a str,
    pub item: Option<&'a str>,
    pub route: Option<Route>,
    pub bin: Option<&'a str>,
    pub reason: Option<Reason>,
    pub checked_in: bool,
    pub cycle_ms: u64,
}

/// A cycle staff must look at: interrupted (power cut, restart) or not diverted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attention {
    pub cycle: i64,
    pub started_at: String,
    pub item: Option<String>,
    /// Whether its return was recorded (then it is in some bin, returned; else still on loan).
    pub checked_in: bool,
    pub bin: Option<String>,
    pub reason: String,
}

/// Begins a cycle; returns its number.
pub fn begin(conn: &Connection, at: Timestamp) -> Result<i64> {
    conn.prepare_cached("INSERT INTO dropbox_cycles(started_at, state) VALUES (?1, 'open')")?
        .execute(params![at.to_string()])?;
    Ok(conn.last_insert_rowid())
}

/// The item read in a cycle, before it is checked in: after a power cut staff know which item
/// was in the chute even if its return never committed.
pub fn item_read(conn: &Connection, cycle: i64, item: &str) -> Result<()> {
    conn.prepare_cached("UPDATE dropbox_cycles SET item = ?2 WHERE id = ?1")?
        .execute(params![cycle, item])?;
    Ok(())
}

/// Marks a cycle's item returned: call inside the checkin's transaction.
pub fn checked_in(
    conn: &Connection,
    cycle: i64,
    item: &str,
    route: Route,
    bin: &str,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE dropbox_cycles SET state = 'checked_in', item = ?2, route = ?3, bin = ?4,
         checked_in = 1 WHERE id = ?1",
    )?
    .execute(params![cycle, item, route.code(), bin])?;
    Ok(())
}

/// Finishes a cycle and counts the item in its bin. A cycle that did not reach a bin is left
/// for staff (`attention`).
pub fn finish(conn: &Connection, cycle: i64, at: Timestamp, f: &Finish<'_>) -> Result<()> {
    let state = if f.bin.is_some() { "done" } else { "attention" };
    conn.prepare_cached(
        "UPDATE dropbox_cycles SET state = ?2, result = ?3, item = ?4, route = ?5, bin = ?6,
         reason = ?7, checked_in = ?8, finished_at = ?9, cycle_ms = ?10 WHERE id = ?1",
    )?
    .execute(params![
        cycle,
        state,
        f.result,
        f.item,
        f.route.map(Route::code),
        f.bin,
        f.reason.map(Reason::code),
        f.checked_in,
        at.to_string(),
        f.cycle_ms as i64
    ])?;
    if let Some(bin) = f.bin {
        conn.prepare_cached(
            "INSERT INTO dropbox_bins(name, items) VALUES (?1, 1)
             ON CONFLICT(name) DO UPDATE SET items = items + 1",
        )?
        .execute(params![bin])?;
    }
    Ok(())
}

/// After a restart: cycles left open become `attention` (reason `not_diverted`). Returns how
/// many were found.
pub fn recover(conn: &Connection, at: Timestamp) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE dropbox_cycles SET state = 'attention', reason = 'not_diverted',
             finished_at = ?1 WHERE state IN ('open', 'checked_in')",
        )?
        .execute(params![at.to_string()])?)
}

/// Cycles staff must look at, oldest first: those left for staff, and those begun before
/// `stale_before` that never finished (a drop box that lost power and has not restarted; an
/// item in the chute now takes well under a second).
pub fn attention(conn: &Connection, stale_before: Timestamp) -> Result<Vec<Attention>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, started_at, item, checked_in, bin, COALESCE(reason, 'not_diverted')
         FROM dropbox_cycles
         WHERE state = 'attention'
            OR (state IN ('open', 'checked_in') AND started_at < ?1)
         ORDER BY id",
    )?;
    let rows = stmt.query_map(params![stale_before.to_string()], |r| {
        Ok(Attention {
            cycle: r.get(0)?,
            started_at: r.get(1)?,
            item: r.get(2)?,
            checked_in: r.get(3)?,
            bin: r.get(4)?,
            reason: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Staff saw to a cycle needing attention. False when there is no such cycle.
pub fn resolve(conn: &Connection, cycle: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE dropbox_cycles SET state = 'resolved' WHERE id = ?1 AND state = 'attention'",
        )?
        .execute(params![cycle])?
        == 1)
}

/// Items in each bin since it was emptied.
pub fn bin_loads(conn: &Connection) -> Result<BTreeMap<String, u32>> {
    let mut stmt = conn.prepare_cached("SELECT name, items FROM dropbox_bins")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Staff emptied a bin.
pub fn empty_bin(conn: &Connection, bin: &str, at: Timestamp) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO dropbox_bins(name, items, emptied_at) VALUES (?1, 0, ?2)
         ON CONFLICT(name) DO UPDATE SET items = 0, emptied_at = ?2",
    )?
    .execute(params![bin, at.to_string()])?;
    Ok(())
}

/// How many cycles the journal holds, and of them how many are finished (done, attention or
/// resolved): the two are equal whenever no item is in the chute.
pub fn counts(conn: &Connection) -> Result<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT count(*), COALESCE(sum(state IN ('done', 'attention', 'resolved')), 0)
         FROM dropbox_cycles",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// A finished cycle that ended in an exception, for staff (`swalayan dropbox exceptions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionRow {
    pub cycle: i64,
    pub at: String,
    pub item: Option<String>,
    pub reason: Option<String>,
    pub checked_in: bool,
    pub bin: Option<String>,
}

/// The latest exceptions, newest first.
pub fn exceptions(conn: &Connection, limit: u32) -> Result<Vec<ExceptionRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, COALESCE(finished_at, started_at), item, reason, checked_in, bin
         FROM dropbox_cycles WHERE result = 'exception' OR state IN ('attention', 'resolved')
         ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map(params![limit], |r| {
        Ok(ExceptionRow {
            cycle: r.get(0)?,
            at: r.get(1)?,
            item: r.get(2)?,
            reason: r.get(3)?,
            checked_in: r.get(4)?,
            bin: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The last finished cycle's item, if any (the small screen's "just returned").
pub fn last_item(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT item FROM dropbox_cycles WHERE state = 'done' AND result = 'returned'
             ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}
