//! Small station facts: identity, the policy in force, the last trusted time.

use super::{Result, StoreError};
use crate::domain::Policy;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

/// The library's ISIL when no config names one (the demo library sets it).
pub const LIBRARY_ISIL: &str = "library_isil";

// Cached statements: every desk transaction reads and writes the last trusted time here.
pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// The policy in force: the last one imported, else the compiled-in default.
pub fn policy(conn: &Connection) -> Result<Policy> {
    let source: Option<String> = conn
        .query_row("SELECT source FROM policy WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    match source {
        None => Ok(Policy::default_policy()),
        Some(text) => toml::from_str(&text).map_err(|e| StoreError::Corrupt {
            what: "policy",
            value: e.to_string(),
        }),
    }
}

/// Stores a validated policy and the TOML it came from.
pub fn set_policy(conn: &Connection, source: &str, now: Timestamp) -> Result<()> {
    conn.execute(
        "INSERT INTO policy(id, source, updated_at) VALUES (1, ?1, ?2)
         ON CONFLICT(id) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at",
        params![source, now.to_string()],
    )?;
    Ok(())
}

/// The latest time this station saw while its clock was trusted. A clock that reads earlier
/// than this is wrong (a Pi without battery clock booting before NTP).
pub fn last_trusted_time(conn: &Connection) -> Result<Option<Timestamp>> {
    match get(conn, "last_trusted_time")? {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| StoreError::Corrupt {
            what: "last_trusted_time",
            value: text,
        }),
    }
}

pub fn set_last_trusted_time(conn: &Connection, at: Timestamp) -> Result<()> {
    set(conn, "last_trusted_time", &at.to_string())
}

/// Changes whenever a policy is imported: lets a long-running desk re-read it cheaply.
pub fn policy_version(conn: &Connection) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT updated_at FROM policy WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}
