//! The outbox: circulation transactions waiting for the central, in station order.
//!
//! A row is written in the same SQLite transaction as the decision it records. Its UUIDv7 lets
//! the central apply it at most once; `seq` numbers a station's rows without gaps.

use super::{Result, StoreError};
use crate::contract::transactions::{StopStamp, TxBody, TxKind};
use crate::contract::wire::Wire;
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde::Serialize;
use uuid::Uuid;

/// Sync state of an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Pending,
    Acknowledged,
    Conflict,
}

impl SyncState {
    fn from_code(code: &str) -> Option<SyncState> {
        match code {
            "pending" => Some(SyncState::Pending),
            "acknowledged" => Some(SyncState::Acknowledged),
            "conflict" => Some(SyncState::Conflict),
            _ => None,
        }
    }
}

/// One outbox row.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxRow {
    pub id: Uuid,
    pub seq: i64,
    pub station_id: String,
    pub created_at: Timestamp,
    /// False when the station's clock was not known to be right (no NTP, or earlier than
    /// the last trusted time): the central may correct `created_at`.
    pub clock_trusted: bool,
    /// A kind this build does not know stays as its code (a store written by a newer build).
    pub kind: Wire<TxKind>,
    /// The kind's payload ([`TxBody::decode`] reads it).
    pub payload: serde_json::Value,
    pub state: SyncState,
    pub conflict_reason: Option<String>,
}

/// What [`append`] gives back.
#[derive(Debug, Clone, Copy)]
pub struct Appended {
    pub id: Uuid,
    pub seq: i64,
}

/// Appends a transaction. Call inside the transaction that makes the decision.
pub fn append(
    conn: &Connection,
    station_id: &str,
    body: &TxBody,
    loan_id: Option<i64>,
    at: Timestamp,
    clock_trusted: bool,
) -> Result<Appended> {
    let id = Uuid::now_v7();
    // A mobile station at a stop: everything it records counts for that stop.
    let mut payload = body.payload();
    if let Some(at) = super::mobile::at_stop(conn)? {
        StopStamp::stamp(&mut payload, &at.stop);
    }
    conn.prepare_cached(
        "INSERT INTO outbox(id, station_id, created_at, clock_trusted, kind, payload, loan_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id.to_string(),
        station_id,
        at.to_string(),
        clock_trusted,
        body.kind().code(),
        payload.to_string(),
        loan_id
    ])?;
    Ok(Appended {
        id,
        seq: conn.last_insert_rowid(),
    })
}

/// Rows in sequence order; only pending ones when `pending_only`.
pub fn list(conn: &Connection, pending_only: bool, limit: Option<u32>) -> Result<Vec<OutboxRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, seq, station_id, created_at, clock_trusted, kind, payload, state, conflict_reason
         FROM outbox WHERE (?1 = 0 OR state = 'pending') ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        params![pending_only, limit.map(i64::from).unwrap_or(-1)],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<String>>(8)?,
            ))
        },
    )?;
    rows.map(|raw| {
        let (id, seq, station_id, created_at, clock_trusted, kind, payload, state, conflict_reason) = raw?;
        let corrupt = |what, value: &str| StoreError::Corrupt {
            what,
            value: value.to_string(),
        };
        Ok(OutboxRow {
            id: id.parse().map_err(|_| corrupt("outbox id", &id))?,
            seq,
            station_id,
            created_at: created_at
                .parse()
                .map_err(|_| corrupt("outbox time", &created_at))?,
            clock_trusted,
            kind: Wire::parse(&kind),
            payload: serde_json::from_str(&payload).map_err(|_| corrupt("outbox payload", &payload))?,
            state: SyncState::from_code(&state).ok_or_else(|| corrupt("outbox state", &state))?,
            conflict_reason,
        })
    })
    .collect()
}

/// Counts by state: (pending, acknowledged, conflict).
pub fn counts(conn: &Connection) -> Result<(i64, i64, i64)> {
    Ok(conn.query_row(
        "SELECT COALESCE(sum(state = 'pending'), 0), COALESCE(sum(state = 'acknowledged'), 0),
                COALESCE(sum(state = 'conflict'), 0) FROM outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

/// How many rows of `kind` were made since `since` (staff screen: today's loans and returns).
pub fn count_since(conn: &Connection, kind: TxKind, since: Timestamp) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM outbox WHERE kind = ?1 AND created_at >= ?2")?
        .query_row(params![kind.code(), since.to_string()], |r| r.get(0))?)
}

/// Marks rows acknowledged by the central and, unless the policy keeps history, forgets who
/// borrowed items whose return the central now has (UU PDP 27/2022: keep no more than needed).
/// Returns how many rows changed state.
pub fn acknowledge(
    conn: &Connection,
    ids: &[Uuid],
    at: Timestamp,
    keep_history: bool,
) -> Result<usize> {
    let mut changed = 0;
    let mut stmt = conn.prepare_cached(
        "UPDATE outbox SET state = 'acknowledged', state_changed_at = ?2
         WHERE id = ?1 AND state = 'pending'",
    )?;
    for id in ids {
        changed += stmt.execute(params![id.to_string(), at.to_string()])?;
    }
    if !keep_history {
        anonymise_returned_loans(conn)?;
    }
    Ok(changed)
}

/// Drops the patron from returned loans whose checkin the central acknowledged, and from the
/// acknowledged outbox rows of those loans.
fn anonymise_returned_loans(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS forget(loan_id INTEGER PRIMARY KEY);
         DELETE FROM temp.forget;
         INSERT INTO temp.forget
           SELECT l.id FROM loans l
           WHERE l.returned_at IS NOT NULL AND l.patron IS NOT NULL
             AND EXISTS (SELECT 1 FROM outbox o WHERE o.loan_id = l.id
                         AND o.kind = 'checkin' AND o.state = 'acknowledged')
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.loan_id = l.id AND o.state <> 'acknowledged');
         UPDATE loans SET patron = NULL WHERE id IN (SELECT loan_id FROM temp.forget);
         UPDATE outbox SET payload = json_set(payload, '$.patron', NULL)
           WHERE loan_id IN (SELECT loan_id FROM temp.forget);",
    )?;
    Ok(())
}

/// Puts a row the central refused on the conflict list for staff: never dropped.
pub fn mark_conflict(conn: &Connection, id: Uuid, reason: &str, at: Timestamp) -> Result<bool> {
    Ok(conn.execute(
        "UPDATE outbox SET state = 'conflict', conflict_reason = ?2, state_changed_at = ?3
         WHERE id = ?1 AND state = 'pending'",
        params![id.to_string(), reason, at.to_string()],
    )? > 0)
}

/// Whether a row about this copy still waits to be sent (the station's news is newer than
/// anything the central can say of the copy).
pub fn pending_for_item(conn: &Connection, item: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM outbox WHERE state = 'pending' AND json_extract(payload, '$.item') = ?1 LIMIT 1",
        )?
        .exists([item])?)
}

/// Whether a PIN attempt for this card still waits to be sent (the station's count is then
/// newer than the central's).
pub fn pin_attempt_pending(conn: &Connection, card: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM outbox WHERE state = 'pending' AND kind = ?1
             AND json_extract(payload, '$.patron') = ?2 LIMIT 1",
        )?
        .exists(params![TxKind::PinAttempt.code(), card])?)
}

/// Whether a loan, return or renewal made here still waits to reach the central: a library
/// system asked now would hear of later business before earlier (a return before its loan),
/// so the station decides alone until its backlog is through.
pub fn circulation_pending(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM outbox WHERE state = 'pending'
             AND kind IN ('checkout', 'pickup', 'checkin', 'renew') LIMIT 1",
        )?
        .exists([])?)
}
