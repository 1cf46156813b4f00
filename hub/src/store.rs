//! The hub's database. One SQLite file; `status` may read it while `serve` runs (WAL).

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Duration;
use swalayan::sync::protocol::{Outcome, PushResult, PushTransaction};

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("hub database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create the hub database at {path}: {message}")]
    Open { path: String, message: String },
    #[error("station '{0}' exists already")]
    StationExists(String),
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS stations (
    name       TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,   -- SHA-256 of the bearer token; the token is shown once
    added_at   TEXT NOT NULL
);
-- Every transaction received once, whatever became of it.
CREATE TABLE IF NOT EXISTS transactions (
    id            TEXT PRIMARY KEY,
    station       TEXT NOT NULL REFERENCES stations(name),
    seq           INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    clock_trusted INTEGER NOT NULL,
    received_at   TEXT NOT NULL,
    payload       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('applied', 'conflict', 'resolved')),
    reason        TEXT
);
CREATE INDEX IF NOT EXISTS transactions_state ON transactions(state);
-- The loans the central knows of, one open loan per copy.
CREATE TABLE IF NOT EXISTS loans (
    item    TEXT PRIMARY KEY,
    patron  TEXT,
    station TEXT NOT NULL,
    txn     TEXT NOT NULL,
    due     TEXT
);
"#;

/// The hub's state.
pub struct HubStore {
    conn: Connection,
}

/// `swalayan-hub status --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// Distinct transactions received (applied or in conflict; never a duplicate).
    pub transactions: i64,
    /// Conflicts awaiting staff.
    pub conflicts: i64,
    pub stations: i64,
    /// Copies the hub knows of.
    pub items: i64,
    /// Open loans.
    pub loans: i64,
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl HubStore {
    /// Opens (creating if missing) the hub database.
    pub fn open(path: &Path) -> Result<HubStore, HubError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| HubError::Open {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        conn.execute_batch(SCHEMA)?;
        Ok(HubStore { conn })
    }

    /// Registers a station; returns its bearer token (only its hash is stored).
    pub fn add_station(&mut self, name: &str) -> Result<String, HubError> {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        let token = hex::encode(bytes);
        let inserted = self.conn.execute(
            "INSERT OR IGNORE INTO stations(name, token_hash, added_at) VALUES (?1, ?2, ?3)",
            params![name, hash_token(&token), Timestamp::now().to_string()],
        )?;
        if inserted == 0 {
            return Err(HubError::StationExists(name.to_string()));
        }
        Ok(token)
    }

    /// The station a bearer token belongs to.
    pub fn station_for_token(&self, token: &str) -> Result<Option<String>, HubError> {
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM stations WHERE token_hash = ?1",
                [hash_token(token)],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Applies a batch in one transaction: each id at most once; refusals are kept as conflicts.
    pub fn apply_batch(
        &mut self,
        station: &str,
        batch: &[PushTransaction],
        now: Timestamp,
    ) -> Result<Vec<PushResult>, HubError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batch.len());
        for t in batch {
            let seen: Option<String> = tx
                .query_row(
                    "SELECT state FROM transactions WHERE id = ?1",
                    [t.id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if seen.is_some() {
                results.push(PushResult {
                    id: t.id,
                    outcome: Outcome::Duplicate,
                    reason: None,
                });
                continue;
            }
            let conflict = apply_one(&tx, station, t)?;
            let (state, outcome) = match &conflict {
                None => ("applied", Outcome::Applied),
                Some(_) => ("conflict", Outcome::Conflict),
            };
            tx.execute(
                "INSERT INTO transactions(id, station, seq, kind, created_at, clock_trusted, received_at, payload, state, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    t.id.to_string(),
                    station,
                    t.seq,
                    t.kind,
                    t.created_at,
                    t.clock_trusted,
                    now.to_string(),
                    t.payload.to_string(),
                    state,
                    conflict
                ],
            )?;
            results.push(PushResult {
                id: t.id,
                outcome,
                reason: conflict,
            });
        }
        tx.commit()?;
        Ok(results)
    }

    pub fn status(&self) -> Result<Status, HubError> {
        let count = |sql: &str| -> Result<i64, HubError> {
            Ok(self.conn.query_row(sql, [], |r| r.get(0))?)
        };
        Ok(Status {
            transactions: count("SELECT count(*) FROM transactions")?,
            conflicts: count("SELECT count(*) FROM transactions WHERE state = 'conflict'")?,
            stations: count("SELECT count(*) FROM stations")?,
            items: count("SELECT count(DISTINCT item) FROM loans")?,
            loans: count("SELECT count(*) FROM loans")?,
        })
    }
}

/// The central's view of one transaction: `None` when it applies, else why not.
fn apply_one(
    conn: &Connection,
    station: &str,
    t: &PushTransaction,
) -> Result<Option<String>, HubError> {
    let item = t.payload.get("item").and_then(|v| v.as_str()).unwrap_or("");
    let patron = t.payload.get("patron").and_then(|v| v.as_str());
    Ok(match t.kind.as_str() {
        "checkout" | "pickup" => {
            let holder: Option<Option<String>> = conn
                .query_row("SELECT patron FROM loans WHERE item = ?1", [item], |r| {
                    r.get(0)
                })
                .optional()?;
            match holder {
                Some(other) if other.as_deref() != patron => Some(format!(
                    "item {item} is already on loan centrally (another station or patron)"
                )),
                Some(_) => Some(format!(
                    "item {item} is already on loan to this patron centrally"
                )),
                None => {
                    conn.execute(
                        "INSERT INTO loans(item, patron, station, txn, due) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![item, patron, station, t.id.to_string(), t.payload.get("due").and_then(|v| v.as_str())],
                    )?;
                    None
                }
            }
        }
        "checkin" => {
            let removed = conn.execute("DELETE FROM loans WHERE item = ?1", [item])?;
            (removed == 0)
                .then(|| format!("return of item {item}, which the central has on the shelf"))
        }
        "renew" => {
            let updated = conn.execute(
                "UPDATE loans SET due = ?2 WHERE item = ?1",
                params![item, t.payload.get("due").and_then(|v| v.as_str())],
            )?;
            (updated == 0)
                .then(|| format!("renewal of item {item}, which the central has not on loan"))
        }
        // Holds, fines and feedback are recorded as received.
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    fn txn(kind: &str, item: &str, patron: &str) -> PushTransaction {
        PushTransaction {
            id: Uuid::now_v7(),
            seq: 1,
            kind: kind.into(),
            created_at: Timestamp::now().to_string(),
            clock_trusted: true,
            payload: json!({"item": item, "patron": patron}),
        }
    }

    #[test]
    fn each_id_applies_once_and_conflicts_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut hub = HubStore::open(&dir.path().join("hub.db")).unwrap();
        let token = hub.add_station("kiosk-1").unwrap();
        hub.add_station("kiosk-2").unwrap();
        assert_eq!(
            hub.station_for_token(&token).unwrap().as_deref(),
            Some("kiosk-1")
        );
        assert!(hub.station_for_token("nope").unwrap().is_none());
        let loan = txn("checkout", "B1", "P1");
        let now = Timestamp::now();
        let first = hub
            .apply_batch("kiosk-1", std::slice::from_ref(&loan), now)
            .unwrap();
        assert_eq!(first[0].outcome, Outcome::Applied);
        let again = hub
            .apply_batch("kiosk-1", std::slice::from_ref(&loan), now)
            .unwrap();
        assert_eq!(again[0].outcome, Outcome::Duplicate);
        // Another station lent the same copy while offline.
        let other = hub
            .apply_batch("kiosk-2", &[txn("checkout", "B1", "P2")], now)
            .unwrap();
        assert_eq!(other[0].outcome, Outcome::Conflict);
        // A return of a copy the hub has on the shelf.
        let stray = hub
            .apply_batch("kiosk-2", &[txn("checkin", "B9", "")], now)
            .unwrap();
        assert_eq!(stray[0].outcome, Outcome::Conflict);
        let status = hub.status().unwrap();
        assert_eq!(
            (
                status.transactions,
                status.conflicts,
                status.stations,
                status.loans
            ),
            (3, 2, 2, 1)
        );
    }
}
