//! Pulled documents this station could not apply: a body it cannot read (a newer or broken
//! hub), a policy it refuses, a hold for a title or patron it does not know yet. The pull's
//! cursor moves on past them, so they are kept here with the reason, retried after every
//! pull, and dropped when one applies or a newer document of the same kind and key does.

use super::StoreError;
use crate::contract::documents::DocKind;
use crate::contract::protocol::PulledChange;
use crate::contract::wire::Wire;
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde::Serialize;

/// One held-back document as `status --json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldBack {
    pub kind: String,
    pub key: String,
    pub revision: i64,
    pub error: String,
    /// When it was first held back (RFC 3339).
    pub since: String,
}

/// Keeps (or, retried and still refused, updates) a document that did not apply.
pub fn hold(conn: &Connection, change: &PulledChange, error: &str) -> Result<(), StoreError> {
    let body = change
        .body
        .as_ref()
        .map(|b| b.to_string())
        .unwrap_or_else(|| "null".to_string());
    conn.execute(
        "INSERT INTO held_back (kind, key, revision, body, error, since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (kind, key) DO UPDATE SET
             revision = excluded.revision, body = excluded.body, error = excluded.error",
        params![
            change.kind.code(),
            change.key,
            change.rev,
            body,
            error,
            Timestamp::now().to_string()
        ],
    )?;
    Ok(())
}

/// Forgets the held-back document of this kind and key, if any: it applied, or a newer one
/// did. Returns whether there was one.
pub fn release(conn: &Connection, kind: DocKind, key: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM held_back WHERE kind = ?1 AND key = ?2",
        params![kind.code(), key],
    )? > 0)
}

/// The held-back documents, oldest revision first, for staff.
pub fn list(conn: &Connection) -> Result<Vec<HeldBack>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT kind, key, revision, error, since FROM held_back ORDER BY revision, kind, key",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(HeldBack {
            kind: row.get(0)?,
            key: row.get(1)?,
            revision: row.get(2)?,
            error: row.get(3)?,
            since: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many documents are held back.
pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    let count: i64 = conn.query_row("SELECT COUNT(*) FROM held_back", [], |r| r.get(0))?;
    Ok(count.unsigned_abs())
}

/// The held-back documents as they were pulled, oldest revision first, to try again.
pub fn to_retry(conn: &Connection) -> Result<Vec<PulledChange>, StoreError> {
    let mut statement =
        conn.prepare("SELECT kind, key, revision, body FROM held_back ORDER BY revision")?;
    let rows = statement.query_map([], |row| {
        let body: String = row.get(3)?;
        Ok(PulledChange {
            kind: Wire::parse(&row.get::<_, String>(0)?),
            key: row.get(1)?,
            rev: row.get(2)?,
            // Stored from a parsed value, so it parses; `null` was never held back.
            body: serde_json::from_str(&body).ok(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
