//! The entrance counter's counts: per passage, per 15-minute bucket, per direction. Each
//! count is committed as it happens (a power cut loses no one already counted), and a bucket
//! goes to the central whole, again whenever it grew since the central acknowledged it
//! (`POST /v1/visits` replaces a bucket: resending is harmless).

use super::Result;
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, params};
use serde::Serialize;

/// How long a bucket lasts.
pub const BUCKET: SignedDuration = SignedDuration::from_mins(15);

/// Which count to add to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
    Uncertain,
}

/// The quarter hour `at` falls in.
pub fn bucket_of(at: Timestamp) -> Timestamp {
    let seconds = at.as_second();
    let quarter = BUCKET.as_secs();
    Timestamp::from_second(seconds - seconds.rem_euclid(quarter)).unwrap_or(at)
}

/// Counts one passage by one person at `at`.
pub fn count(conn: &Connection, passage: &str, at: Timestamp, direction: Direction) -> Result<()> {
    let column = match direction {
        Direction::In => "entered",
        Direction::Out => "left",
        Direction::Uncertain => "uncertain",
    };
    conn.prepare_cached(&format!(
        "INSERT INTO visits(passage, start, {column}) VALUES (?1, ?2, 1)
         ON CONFLICT(passage, start) DO UPDATE SET {column} = {column} + 1"
    ))?
    .execute(params![passage, bucket_of(at).to_string()])?;
    Ok(())
}

/// A bucket's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub passage: String,
    pub start: String,
    pub entered: i64,
    pub left: i64,
    pub uncertain: i64,
}

/// Buckets whose counts the central does not have yet, oldest first.
pub fn unsent(conn: &Connection, limit: u32) -> Result<Vec<Bucket>> {
    let mut stmt = conn.prepare_cached(
        "SELECT passage, start, entered, left, uncertain FROM visits
         WHERE entered != sent_entered OR left != sent_left
         ORDER BY start, passage LIMIT ?1",
    )?;
    let rows = stmt.query_map(params![limit], |r| {
        Ok(Bucket {
            passage: r.get(0)?,
            start: r.get(1)?,
            entered: r.get(2)?,
            left: r.get(3)?,
            uncertain: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The central acknowledged these counts (a bucket that grew meanwhile stays unsent).
pub fn mark_sent(conn: &Connection, sent: &[Bucket]) -> Result<()> {
    for b in sent {
        conn.prepare_cached(
            "UPDATE visits SET sent_entered = ?3, sent_left = ?4 WHERE passage = ?1 AND start = ?2",
        )?
        .execute(params![b.passage, b.start, b.entered, b.left])?;
    }
    Ok(())
}

/// Every bucket from `from` (inclusive) to `to` (exclusive), for reports.
pub fn between(conn: &Connection, from: Timestamp, to: Timestamp) -> Result<Vec<Bucket>> {
    let mut stmt = conn.prepare_cached(
        "SELECT passage, start, entered, left, uncertain FROM visits
         WHERE start >= ?1 AND start < ?2 ORDER BY start, passage",
    )?;
    let rows = stmt.query_map(params![from.to_string(), to.to_string()], |r| {
        Ok(Bucket {
            passage: r.get(0)?,
            start: r.get(1)?,
            entered: r.get(2)?,
            left: r.get(3)?,
            uncertain: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_land_in_their_quarter_hour_and_resend_only_when_they_grew() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("gate.db")).unwrap();
        let conn = store.conn();
        let at = |s: &str| -> Timestamp { s.parse().unwrap() };
        assert_eq!(
            bucket_of(at("2026-12-01T09:14:59Z")),
            at("2026-12-01T09:00:00Z")
        );
        assert_eq!(
            bucket_of(at("2026-12-01T09:15:00Z")),
            at("2026-12-01T09:15:00Z")
        );
        count(conn, "utama", at("2026-12-01T09:01:00Z"), Direction::In).unwrap();
        count(conn, "utama", at("2026-12-01T09:14:00Z"), Direction::In).unwrap();
        count(conn, "utama", at("2026-12-01T09:16:00Z"), Direction::Out).unwrap();
        let pending = unsent(conn, 100).unwrap();
        assert_eq!(pending.len(), 2);
        assert_eq!((pending[0].entered, pending[1].left), (2, 1));
        mark_sent(conn, &pending).unwrap();
        assert!(unsent(conn, 100).unwrap().is_empty());
        count(
            conn,
            "utama",
            at("2026-12-01T09:20:00Z"),
            Direction::Uncertain,
        )
        .unwrap();
        assert!(
            unsent(conn, 100).unwrap().is_empty(),
            "uncertain is kept for the audit only"
        );
        count(conn, "utama", at("2026-12-01T09:20:00Z"), Direction::In).unwrap();
        let again = unsent(conn, 100).unwrap();
        assert_eq!((again.len(), again[0].entered, again[0].left), (1, 1, 1));
    }
}
