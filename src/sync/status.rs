//! What the station remembers of its syncs, for `swalayan status` and the staff screen:
//! when it last reached the central, when it last failed and why. Kept in `meta`, written
//! after each round by whoever ran it (the kiosk's worker or `swalayan sync --once`).

use super::push::CentralProblem;
use crate::store::{StoreError, meta};
use jiff::Timestamp;
use rusqlite::Connection;
use serde::Serialize;

const LAST_SUCCESS: &str = "sync_last_success";
const LAST_FAILURE: &str = "sync_last_failure";
const LAST_ERROR: &str = "sync_last_error";
const LAST_PROBLEM: &str = "sync_last_problem";

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncStatus {
    /// The last round that reached the central.
    pub last_success: Option<Timestamp>,
    /// The last round that did not.
    pub last_failure: Option<Timestamp>,
    /// Why it failed (staff detail).
    pub last_error: Option<String>,
    /// What kind of failure that was: wait, or fix something.
    pub last_problem: Option<CentralProblem>,
}

impl SyncStatus {
    /// Whether the last round reached the central; `None` before the first round.
    pub fn online(&self) -> Option<bool> {
        match (self.last_success, self.last_failure) {
            (None, None) => None,
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            (Some(ok), Some(failed)) => Some(ok >= failed),
        }
    }

    /// The problem of the last round, when the last round failed.
    pub fn problem(&self) -> Option<CentralProblem> {
        match self.online() {
            Some(false) => self.last_problem,
            _ => None,
        }
    }
}

fn timestamp(conn: &Connection, key: &str) -> Result<Option<Timestamp>, StoreError> {
    Ok(meta::get(conn, key)?.and_then(|v| v.parse().ok()))
}

pub fn read(conn: &Connection) -> Result<SyncStatus, StoreError> {
    Ok(SyncStatus {
        last_success: timestamp(conn, LAST_SUCCESS)?,
        last_failure: timestamp(conn, LAST_FAILURE)?,
        last_error: meta::get(conn, LAST_ERROR)?,
        last_problem: meta::get(conn, LAST_PROBLEM)?
            .as_deref()
            .and_then(CentralProblem::parse),
    })
}

pub fn record_success(conn: &Connection, at: Timestamp) -> Result<(), StoreError> {
    meta::set(conn, LAST_SUCCESS, &at.to_string())
}

pub fn record_failure(
    conn: &Connection,
    at: Timestamp,
    error: &str,
    problem: CentralProblem,
) -> Result<(), StoreError> {
    meta::set(conn, LAST_FAILURE, &at.to_string())?;
    meta::set(conn, LAST_ERROR, error)?;
    meta::set(conn, LAST_PROBLEM, problem.code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn online_follows_the_latest_round() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let conn = store.conn();
        assert_eq!(read(conn).unwrap().online(), None);
        let t0: Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
        record_failure(conn, t0, "refused", CentralProblem::TokenRefused).unwrap();
        assert_eq!(read(conn).unwrap().online(), Some(false));
        assert_eq!(
            read(conn).unwrap().problem(),
            Some(CentralProblem::TokenRefused)
        );
        record_success(conn, t0 + jiff::SignedDuration::from_secs(60)).unwrap();
        let status = read(conn).unwrap();
        assert_eq!(status.online(), Some(true));
        assert_eq!(status.last_error.as_deref(), Some("refused"));
        assert_eq!(status.problem(), None, "the last round reached the central");
    }
}
