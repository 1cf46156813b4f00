//! The SQLite backend: one file, WAL, so `status` may read it while `serve` runs.

use super::{
    AuditLine, Change, DocKind, HubError, IlsWrite, Notice, NoticeFilter, NoticeFinish,
    NoticeStatus, Put, Received, Result, StaffAccount, StationAuth, StationInfo, StationRole,
    Status, Storage, Stored, Tx, TxFilter, TxState, VisitBucket, Written, is_revoked, notices,
    parse_json, parse_role, parse_uuid,
};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;
use swalayan_core::contract::transactions::TxKind;
use swalayan_core::contract::wire::Wire;
use swalayan_core::domain::HoldStatus;
use uuid::Uuid;

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
    effective_at  TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    payload       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('applied', 'conflict', 'resolved')),
    reason        TEXT,
    resolution    TEXT
);
CREATE INDEX IF NOT EXISTS transactions_state ON transactions(state);
CREATE INDEX IF NOT EXISTS transactions_effective ON transactions(effective_at);
-- The central catalog as documents with revisions (see storage/mod.rs).
CREATE TABLE IF NOT EXISTS catalog (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    rev  INTEGER NOT NULL,
    body TEXT,                          -- NULL: deleted
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS catalog_rev ON catalog(rev);
-- One kind's documents in revision order (OAI-PMH's listings), without sorting the kind.
CREATE INDEX IF NOT EXISTS catalog_kind_rev ON catalog(kind, rev);
-- A title's copies (hold placement asks the rules about them).
CREATE INDEX IF NOT EXISTS catalog_item_title ON catalog(json_extract(body, '$.title'))
    WHERE kind = 'item';
CREATE TABLE IF NOT EXISTS revision (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    rev INTEGER NOT NULL
);
INSERT OR IGNORE INTO revision(id, rev) VALUES (1, 0);
-- When the catalogue's revisions were taken: a row per write, its last revision and its time
-- (OAI-PMH's datestamps and from/until). Revisions from before the table are dated by the
-- first row, written when the table is made.
CREATE TABLE IF NOT EXISTS revision_times (
    rev INTEGER PRIMARY KEY,
    at  TEXT NOT NULL
);
INSERT INTO revision_times(rev, at)
    SELECT rev, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM revision
    WHERE id = 1 AND rev > 0 AND NOT EXISTS (SELECT 1 FROM revision_times);
-- People who sign in to the staff pages (argon2id password hashes), and what they changed.
CREATE TABLE IF NOT EXISTS staff (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    added_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    staff  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
-- The library system's link (`[ils]`): what it wrote for each source, and its state.
CREATE TABLE IF NOT EXISTS ils_writes (
    source  TEXT PRIMARY KEY,           -- tx:<id>, hold:<key>, hold-end:<key>
    outcome TEXT NOT NULL CHECK (outcome IN ('written', 'nothing', 'refused')),
    rows    TEXT NOT NULL,              -- JSON array of table:id
    detail  TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ils_link (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL
);
-- The notification outbox (storage/notices.rs) and its producers' marks.
CREATE TABLE IF NOT EXISTS notices (
    id         TEXT PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,    -- patron|kind|subject|day
    patron     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    contact    TEXT NOT NULL,
    lang       TEXT NOT NULL,
    params     TEXT NOT NULL,           -- JSON [[name, value], ...]
    status     TEXT NOT NULL
               CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    next_at    TEXT NOT NULL,
    claimed_at TEXT,
    sent_at    TEXT
);
CREATE INDEX IF NOT EXISTS notices_due ON notices(status, channel, next_at);
CREATE INDEX IF NOT EXISTS notices_created ON notices(created_at);
CREATE TABLE IF NOT EXISTS notify_marks (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transactions_received ON transactions(received_at);
CREATE TABLE IF NOT EXISTS visits (
    station TEXT NOT NULL,
    passage TEXT NOT NULL DEFAULT '',
    start   TEXT NOT NULL,
    entered INTEGER NOT NULL,
    left    INTEGER NOT NULL,
    PRIMARY KEY (station, passage, start)
);
"#;

/// Columns added after the first release, for databases created before them.
fn migrate(conn: &Connection) -> Result<()> {
    let has = |column: &str| -> Result<bool> {
        Ok(conn.query_row(
            "SELECT count(*) FROM pragma_table_info('stations') WHERE name = ?1",
            [column],
            |r| r.get::<_, i64>(0),
        )? > 0)
    };
    // Stations added before roles existed keep working as kiosks.
    if !has("role")? {
        conn.execute_batch("ALTER TABLE stations ADD COLUMN role TEXT NOT NULL DEFAULT 'kiosk'")?;
    }
    if !has("last_seen")? {
        conn.execute_batch(
            "ALTER TABLE stations ADD COLUMN last_seen TEXT; ALTER TABLE stations ADD COLUMN health TEXT;",
        )?;
    }
    // Visits per passage: the key grows a column, so the table is rebuilt (counts kept,
    // passage '' for those sent before passages).
    let visits_have_passage: i64 = conn.query_row(
        "SELECT count(*) FROM pragma_table_info('visits') WHERE name = 'passage'",
        [],
        |r| r.get(0),
    )?;
    if visits_have_passage == 0 {
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             CREATE TABLE visits_new (
                 station TEXT NOT NULL,
                 passage TEXT NOT NULL DEFAULT '',
                 start   TEXT NOT NULL,
                 entered INTEGER NOT NULL,
                 left    INTEGER NOT NULL,
                 PRIMARY KEY (station, passage, start)
             );
             INSERT INTO visits_new(station, passage, start, entered, left)
                 SELECT station, '', start, entered, left FROM visits;
             DROP TABLE visits;
             ALTER TABLE visits_new RENAME TO visits;
             COMMIT;",
        )?;
    }
    visits_by_instant(conn)
}

/// Bucket starts stored with the offset the gate wrote are rewritten in UTC (once: rows in
/// that form are left alone); two rows on one instant become one with the larger counts.
fn visits_by_instant(conn: &Connection) -> Result<()> {
    let rows: Vec<(String, String, String)> = conn
        .prepare("SELECT station, passage, start FROM visits WHERE start NOT LIKE '%Z'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let moves = super::migrated_starts(rows);
    if moves.is_empty() {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let moved = (|| -> Result<()> {
        for (station, passage, old, new) in &moves {
            conn.execute(
                "INSERT INTO visits(station, passage, start, entered, left)
                 SELECT station, passage, ?4, entered, left FROM visits
                 WHERE station = ?1 AND passage = ?2 AND start = ?3
                 ON CONFLICT(station, passage, start) DO UPDATE
                 SET entered = max(entered, excluded.entered), left = max(left, excluded.left)",
                params![station, passage, old, new],
            )?;
            conn.execute(
                "DELETE FROM visits WHERE station = ?1 AND passage = ?2 AND start = ?3",
                params![station, passage, old],
            )?;
        }
        Ok(())
    })();
    match moved {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(())
}

/// `(key, body)` rows of a catalog query, bodies parsed.
fn key_bodies(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<(String, Stored)>> {
    let rows = stmt.query_map(params, |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (key, body) = row?;
        out.push((key, Stored::parse(&body)?));
    }
    Ok(out)
}

pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

impl SqliteStorage {
    pub fn open(path: &Path) -> Result<SqliteStorage> {
        // Readable by its owner only (with its folder created): it holds every patron's PIN
        // verifier and every loan.
        swalayan_core::private_file::create_private(path).map_err(|e| HubError::Open {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;
        Ok(SqliteStorage {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (the transaction rolls back
        // on drop), so a poisoned lock is safe to take over.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct SqliteTx<'a> {
    tx: rusqlite::Transaction<'a>,
}

impl Tx for SqliteTx<'_> {
    fn seen(&mut self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT station FROM transactions WHERE id = ?1")?;
        let mut seen = HashMap::new();
        for id in ids {
            let station: Option<String> =
                stmt.query_row([id.to_string()], |r| r.get(0)).optional()?;
            if let Some(station) = station {
                seen.insert(*id, station);
            }
        }
        Ok(seen)
    }

    fn get(&mut self, kind: DocKind, keys: &[String]) -> Result<HashMap<String, Stored>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT body FROM catalog WHERE kind = ?1 AND key = ?2 AND body IS NOT NULL",
        )?;
        let mut found = HashMap::new();
        for key in keys {
            let body: Option<String> = stmt
                .query_row(params![kind.code(), key], |r| r.get(0))
                .optional()?;
            if let Some(body) = body {
                found.insert(key.clone(), Stored::parse(&body)?);
            }
        }
        Ok(found)
    }

    fn put(&mut self, puts: &[Put]) -> Result<Vec<Written>> {
        let mut written = Vec::with_capacity(puts.len());
        let mut rev: i64 = self
            .tx
            .query_row("SELECT rev FROM revision WHERE id = 1", [], |r| r.get(0))?;
        {
            let mut current = self
                .tx
                .prepare_cached("SELECT body FROM catalog WHERE kind = ?1 AND key = ?2")?;
            let mut upsert = self.tx.prepare_cached(
                "INSERT INTO catalog(kind, key, rev, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(kind, key) DO UPDATE SET rev = excluded.rev, body = excluded.body",
            )?;
            for put in puts {
                let text = put.body.as_ref().map(Stored::text);
                let stored: Option<Option<String>> = current
                    .query_row(params![put.kind.code(), put.key], |r| r.get(0))
                    .optional()?;
                let outcome = match &stored {
                    None if text.is_none() => Written::Unchanged,
                    None => Written::Inserted,
                    Some(old) if *old == text => Written::Unchanged,
                    Some(None) => Written::Inserted,
                    Some(Some(_)) => Written::Updated,
                };
                if outcome != Written::Unchanged {
                    rev += 1;
                    upsert.execute(params![put.kind.code(), put.key, rev, text])?;
                }
                written.push(outcome);
            }
        }
        self.tx
            .execute("UPDATE revision SET rev = ?1 WHERE id = 1", [rev])?;
        if written.iter().any(|w| *w != Written::Unchanged) {
            self.tx.execute(
                "INSERT INTO revision_times(rev, at) VALUES (?1, ?2) ON CONFLICT(rev) DO NOTHING",
                params![rev, super::instant_text(Timestamp::now())],
            )?;
        }
        Ok(written)
    }

    fn record(&mut self, rows: &[Received]) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO transactions(id, station, seq, kind, created_at, clock_trusted,
                 effective_at, received_at, payload, state, reason, resolution)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for r in rows {
            stmt.execute(params![
                r.id.to_string(),
                r.station,
                r.seq,
                r.kind.code(),
                r.created_at,
                r.clock_trusted,
                r.effective_at,
                r.received_at,
                r.payload.to_string(),
                r.state.code(),
                r.reason,
                r.resolution
            ])?;
        }
        Ok(())
    }
}

fn received_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<[Option<String>; 12]> {
    Ok([
        r.get(0)?,
        r.get(1)?,
        Some(r.get::<_, i64>(2)?.to_string()),
        r.get(3)?,
        r.get(4)?,
        Some(r.get::<_, bool>(5)?.to_string()),
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
    ])
}

/// Builds a [`Received`] from the text columns both backends select in the same order.
pub(crate) fn received_from_texts(c: [Option<String>; 12]) -> Result<Received> {
    let [
        id,
        station,
        seq,
        kind,
        created,
        trusted,
        effective,
        received,
        payload,
        state,
        reason,
        resolution,
    ] = c;
    let need = |v: Option<String>, what: &str| {
        v.ok_or_else(|| HubError::Corrupt(format!("transaction without {what}")))
    };
    Ok(Received {
        id: parse_uuid(&need(id, "id")?)?,
        station: need(station, "station")?,
        seq: need(seq, "seq")?
            .parse()
            .map_err(|_| HubError::Corrupt("seq".into()))?,
        kind: Wire::parse(&need(kind, "kind")?),
        created_at: need(created, "created_at")?,
        clock_trusted: need(trusted, "clock_trusted")? == "true",
        effective_at: need(effective, "effective_at")?,
        received_at: need(received, "received_at")?,
        payload: parse_json(&need(payload, "payload")?, "transaction payload")?,
        state: TxState::parse(&need(state, "state")?)?,
        reason,
        resolution,
    })
}

impl Storage for SqliteStorage {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn add_station(
        &self,
        name: &str,
        role: StationRole,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<bool> {
        Ok(self.conn().execute(
            "INSERT OR IGNORE INTO stations(name, role, token_hash, added_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.code(), token_hash, now.to_string()],
        )? == 1)
    }

    fn add_staff(
        &self,
        name: &str,
        role: super::StaffRole,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<bool> {
        Ok(self.conn().execute(
            "INSERT OR IGNORE INTO staff(name, role, password_hash, added_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, role.code(), password_hash, now.to_string()],
        )? == 1)
    }

    fn set_staff_password(&self, name: &str, password_hash: &str) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE staff SET password_hash = ?2 WHERE name = ?1",
            params![name, password_hash],
        )? == 1)
    }

    fn remove_staff(&self, name: &str) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM staff WHERE name = ?1", [name])?
            == 1)
    }

    fn staff_accounts(&self) -> Result<Vec<StaffAccount>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT name, role, password_hash, added_at FROM staff ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (staff, role, password_hash, added_at) = row?;
            Ok(StaffAccount {
                staff,
                role: super::parse_staff_role(&role)?,
                password_hash,
                added_at,
            })
        })
        .collect()
    }

    fn record_audit(&self, line: &AuditLine) -> Result<()> {
        self.conn().execute(
            "INSERT INTO audit(at, staff, action, detail) VALUES (?1, ?2, ?3, ?4)",
            params![line.at, line.staff, line.action, line.detail],
        )?;
        Ok(())
    }

    fn audit_lines(&self, limit: u32) -> Result<Vec<AuditLine>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT at, staff, action, detail FROM audit ORDER BY id DESC LIMIT ?1")?;
        let rows = stmt.query_map([limit], |r| {
            Ok(AuditLine {
                at: r.get(0)?,
                staff: r.get(1)?,
                action: r.get(2)?,
                detail: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn station_for_token_hash(&self, hash: &str) -> Result<Option<StationAuth>> {
        let found: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT name, role FROM stations WHERE token_hash = ?1",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        found
            .map(|(name, role)| {
                Ok(StationAuth {
                    name,
                    role: parse_role(&role)?,
                })
            })
            .transpose()
    }

    fn set_token_hash(&self, name: &str, token_hash: &str) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE stations SET token_hash = ?2 WHERE name = ?1",
            params![name, token_hash],
        )? == 1)
    }

    fn station_seen(
        &self,
        name: &str,
        at: Timestamp,
        health: Option<&super::StationHealth>,
    ) -> Result<()> {
        let health = health.map(super::health_text).transpose()?;
        self.conn().execute(
            "UPDATE stations SET last_seen = ?2, health = coalesce(?3, health) WHERE name = ?1",
            params![name, at.to_string(), health],
        )?;
        Ok(())
    }

    fn stations(&self) -> Result<Vec<StationInfo>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT s.name, s.role, s.added_at, s.last_seen, s.health, s.token_hash,
                    (SELECT count(*) FROM transactions t WHERE t.station = s.name AND t.state = 'conflict')
             FROM stations s ORDER BY s.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (name, role, added_at, last_seen, health, token_hash, conflicts) = row?;
            let health = health.map(|h| super::parse_health(&h)).transpose()?;
            Ok(StationInfo {
                station: name,
                role: parse_role(&role)?,
                added_at,
                last_seen,
                pending: health.as_ref().map(|h| h.pending),
                conflicts,
                revoked: is_revoked(&token_hash),
                health,
            })
        })
        .collect()
    }

    fn write(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut sqlite_tx = SqliteTx { tx };
        work(&mut sqlite_tx)?;
        sqlite_tx.tx.commit()?;
        Ok(())
    }

    fn changes(&self, since: i64, limit: u32) -> Result<Vec<Change>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT rev, kind, key, body FROM catalog WHERE rev > ?1 ORDER BY rev LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![since, limit], catalog_row)?;
        rows.map(|row| row?).collect()
    }

    fn revision_span(
        &self,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> Result<(i64, i64)> {
        let conn = self.conn();
        let lo = match from {
            None => 0,
            Some(from) => conn.query_row(
                "SELECT coalesce(max(rev), 0) + 1 FROM revision_times WHERE at < ?1",
                [super::instant_text(from)],
                |r| r.get(0),
            )?,
        };
        let hi = match until {
            None => i64::MAX,
            Some(until) => conn.query_row(
                "SELECT coalesce(max(rev), -1) FROM revision_times WHERE at <= ?1",
                [super::instant_text(until)],
                |r| r.get(0),
            )?,
        };
        Ok((lo, hi))
    }

    fn revision_times(&self, revs: &[i64]) -> Result<Vec<Option<String>>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT at FROM revision_times WHERE rev >= ?1 ORDER BY rev LIMIT 1")?;
        let mut out = Vec::with_capacity(revs.len());
        for rev in revs {
            out.push(stmt.query_row([rev], |r| r.get(0)).optional()?);
        }
        Ok(out)
    }

    fn kind_by_revision(
        &self,
        kind: DocKind,
        span: (i64, i64),
        after: i64,
        limit: u32,
    ) -> Result<Vec<Change>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT rev, kind, key, body FROM catalog
             WHERE kind = ?1 AND rev >= ?2 AND rev <= ?3 ORDER BY rev LIMIT ?4",
        )?;
        // One lower bound, so the (kind, rev) index starts where the page does.
        let from = span.0.max(after.saturating_add(1));
        let rows = stmt.query_map(params![kind.code(), from, span.1, limit], catalog_row)?;
        rows.map(|row| row?).collect()
    }

    fn document(&self, kind: DocKind, key: &str) -> Result<Option<Change>> {
        self.conn()
            .query_row(
                "SELECT rev, kind, key, body FROM catalog WHERE kind = ?1 AND key = ?2",
                params![kind.code(), key],
                catalog_row,
            )
            .optional()?
            .transpose()
    }

    fn count_by_revision(&self, kind: DocKind, span: (i64, i64)) -> Result<i64> {
        Ok(self.conn().query_row(
            "SELECT count(*) FROM catalog WHERE kind = ?1 AND rev >= ?2 AND rev <= ?3",
            params![kind.code(), span.0, span.1],
            |r| r.get(0),
        )?)
    }

    fn item_branches(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT json_extract(body, '$.branch') AS branch FROM catalog
             WHERE kind = 'item' AND body IS NOT NULL AND branch IS NOT NULL ORDER BY branch",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn items_of_title(&self, title: &str) -> Result<Vec<(String, Stored)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT key, body FROM catalog
             WHERE kind = 'item' AND json_extract(body, '$.title') = ?1",
        )?;
        key_bodies(&mut stmt, [title])
    }

    fn documents(&self, kind: DocKind) -> Result<Vec<(String, Stored)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT key, body FROM catalog WHERE kind = ?1 AND body IS NOT NULL ORDER BY rev",
        )?;
        key_bodies(&mut stmt, [kind.code()])
    }

    fn fingerprints(&self, kinds: &[DocKind]) -> Result<HashMap<(DocKind, String), String>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT key, body FROM catalog WHERE kind = ?1 AND body IS NOT NULL")?;
        let mut out = HashMap::new();
        for kind in kinds {
            let rows = stmt.query_map([kind.code()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (key, body) = row?;
                out.insert((*kind, key), body);
            }
        }
        Ok(out)
    }

    fn transactions(&self, filter: &TxFilter) -> Result<Vec<Received>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, station, seq, kind, created_at, clock_trusted, effective_at, received_at,
                    payload, state, reason, resolution
             FROM transactions
             WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR effective_at >= ?2)
               AND (?4 IS NULL OR kind = ?4)
             ORDER BY effective_at, station, seq
             LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![
                filter.state.map(TxState::code),
                filter.since.map(|t| t.to_string()),
                filter.limit.map(i64::from).unwrap_or(-1),
                filter.kind.map(TxKind::code)
            ],
            received_from_row,
        )?;
        let mut out = Vec::new();
        for row in rows {
            out.push(received_from_texts(row?)?);
        }
        Ok(out)
    }

    fn resolve(&self, id: Uuid, note: &str) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE transactions SET state = 'resolved', resolution = ?2
             WHERE id = ?1 AND state = 'conflict'",
            params![id.to_string(), note],
        )? == 1)
    }

    fn record_visits(&self, station: &str, buckets: &[VisitBucket]) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO visits(station, passage, start, entered, left) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(station, passage, start)
                 DO UPDATE SET entered = excluded.entered, left = excluded.left",
            )?;
            for b in buckets {
                let start = super::bucket_start(&b.start)?;
                stmt.execute(params![station, b.passage, start, b.entered, b.left])?;
            }
        }
        tx.commit()?;
        Ok(buckets.len())
    }

    fn visit_totals(&self) -> Result<Vec<(String, i64, i64)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT station, sum(entered), sum(left) FROM visits GROUP BY station ORDER BY station",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn visits_between(&self, from: Timestamp, to: Timestamp) -> Result<Vec<VisitBucket>> {
        let (from, to) = (super::instant_text(from), super::instant_text(to));
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT start, entered, left, passage, station FROM visits WHERE start >= ?1 AND start < ?2",
        )?;
        let rows = stmt.query_map(params![from, to], |r| {
            Ok(VisitBucket {
                start: r.get(0)?,
                entered: r.get(1)?,
                left: r.get(2)?,
                passage: r.get(3)?,
                station: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn ils_pending(&self, kinds: &[TxKind], from: &str, limit: u32) -> Result<Vec<Received>> {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
        let kinds = serde_json::to_string(&kinds).map_err(|e| HubError::Invalid(e.to_string()))?;
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, station, seq, kind, created_at, clock_trusted, effective_at, received_at,
                    payload, state, reason, resolution
             FROM transactions t
             WHERE t.state = 'applied' AND t.received_at >= ?1
               AND t.kind IN (SELECT value FROM json_each(?2))
               AND NOT EXISTS (SELECT 1 FROM ils_writes w WHERE w.source = 'tx:' || t.id)
             ORDER BY t.effective_at, t.station, t.seq
             LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![from, kinds, i64::from(limit)], received_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(received_from_texts(row?)?);
        }
        Ok(out)
    }

    fn ils_record(&self, write: &IlsWrite, conflict: Option<Uuid>) -> Result<()> {
        let rows =
            serde_json::to_string(&write.rows).map_err(|e| HubError::Invalid(e.to_string()))?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO ils_writes(source, outcome, rows, detail, at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(source) DO UPDATE SET outcome = excluded.outcome, rows = excluded.rows,
                 detail = excluded.detail, at = excluded.at",
            params![
                write.source,
                write.outcome.code(),
                rows,
                write.detail,
                write.at
            ],
        )?;
        if let Some(id) = conflict {
            tx.execute(
                "UPDATE transactions SET state = 'conflict', reason = ?2
                 WHERE id = ?1 AND state = 'applied'",
                params![id.to_string(), write.detail],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn ils_writes(&self, prefix: &str) -> Result<Vec<IlsWrite>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT source, outcome, rows, detail, at FROM ils_writes
             WHERE substr(source, 1, length(?1)) = ?1 ORDER BY at, source",
        )?;
        let rows = stmt.query_map([prefix], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (source, outcome, rows, detail, at): (String, String, String, String, String) =
                row?;
            out.push(super::ils_ledger::entry(
                source, &outcome, &rows, detail, at,
            )?);
        }
        Ok(out)
    }

    fn ils_link_state(&self) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT body FROM ils_link WHERE id = 1", [], |r| r.get(0))
            .optional()?)
    }

    fn set_ils_link_state(&self, text: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO ils_link(id, body) VALUES (1, ?1)
             ON CONFLICT(id) DO UPDATE SET body = excluded.body",
            [text],
        )?;
        Ok(())
    }

    fn queue_notices(&self, notices: &[Notice]) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut added = 0;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO notices(id, key, patron, kind, channel, contact, lang, params,
                     status, attempts, last_error, created_at, next_at, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT(key) DO NOTHING",
            )?;
            for n in notices {
                added += insert.execute(params![
                    n.id.to_string(),
                    n.key,
                    n.patron,
                    n.kind.code(),
                    n.channel,
                    n.contact,
                    n.lang,
                    notices::params_text(&n.params)?,
                    n.status.code(),
                    i64::from(n.attempts),
                    n.last_error,
                    n.created_at,
                    n.next_at,
                    n.sent_at,
                ])?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    fn claim_notice(&self, channel: &str, now: Timestamp) -> Result<Option<Notice>> {
        let now = super::instant_text(now);
        let mut conn = self.conn();
        // IMMEDIATE: a second hub process on this file waits for the claim to commit.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let sql = format!(
            "UPDATE notices SET status = 'sending', attempts = attempts + 1, claimed_at = ?2
             WHERE id = (SELECT id FROM notices
                         WHERE status = 'pending' AND channel = ?1 AND next_at <= ?2
                         ORDER BY next_at, created_at LIMIT 1)
             RETURNING {}",
            notices::NOTICE_COLUMNS
        );
        let claimed = tx
            .query_row(&sql, params![channel, now], sqlite_notice)
            .optional()?;
        tx.commit()?;
        claimed.transpose()
    }

    fn finish_notice(&self, id: Uuid, finish: &NoticeFinish) -> Result<()> {
        let conn = self.conn();
        let id = id.to_string();
        match finish {
            NoticeFinish::Sent { at } => conn.execute(
                "UPDATE notices SET status = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1",
                params![id, super::instant_text(*at)],
            )?,
            NoticeFinish::Retry { at, error } => conn.execute(
                "UPDATE notices SET status = 'pending', next_at = ?2, last_error = ?3 WHERE id = ?1",
                params![id, super::instant_text(*at), error],
            )?,
            NoticeFinish::Failed { error } => conn.execute(
                "UPDATE notices SET status = 'failed', last_error = ?2 WHERE id = ?1",
                params![id, error],
            )?,
        };
        Ok(())
    }

    fn orphan_notices(&self, before: Timestamp) -> Result<usize> {
        Ok(self.conn().execute(
            "UPDATE notices SET status = 'unknown',
                 last_error = 'the hub stopped while sending: it may or may not have arrived'
             WHERE status = 'sending' AND claimed_at < ?1",
            [super::instant_text(before)],
        )?)
    }

    fn notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {} FROM notices
             WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR created_at >= ?2)
             ORDER BY created_at DESC, id DESC LIMIT ?3",
            notices::NOTICE_COLUMNS
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![
                filter.status.map(NoticeStatus::code),
                filter.since.map(super::instant_text),
                filter.limit.map(i64::from).unwrap_or(-1)
            ],
            sqlite_notice,
        )?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    fn forget_notices(&self, before: Timestamp) -> Result<usize> {
        Ok(self.conn().execute(
            "DELETE FROM notices
             WHERE status IN ('sent', 'failed', 'unknown') AND created_at < ?1",
            [super::instant_text(before)],
        )?)
    }

    fn notify_mark(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM notify_marks WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn set_notify_mark(&self, name: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO notify_marks(name, value) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            [name, value],
        )?;
        Ok(())
    }

    fn revision(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT rev FROM revision WHERE id = 1", [], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    fn status(&self) -> Result<Status> {
        let conn = self.conn();
        let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
        let live = |kind: &str| {
            count(&format!(
                "SELECT count(*) FROM catalog WHERE kind = '{kind}' AND body IS NOT NULL"
            ))
        };
        Ok(Status {
            transactions: count("SELECT count(*) FROM transactions")?,
            conflicts: count("SELECT count(*) FROM transactions WHERE state = 'conflict'")?,
            stations: count("SELECT count(*) FROM stations")?,
            items: live("item")?,
            loans: live("loan")?,
            titles: live("title")?,
            patrons: live("patron")?,
            holds: count(&format!(
                "SELECT count(*) FROM catalog WHERE kind = 'hold' AND body IS NOT NULL
                 AND json_extract(body, '$.status') IN {}",
                HoldStatus::LIVE_SQL
            ))?,
            revision: count("SELECT rev FROM revision WHERE id = 1")?,
            visitors_in: count("SELECT coalesce(sum(entered), 0) FROM visits")?,
            visitors_out: count("SELECT coalesce(sum(left), 0) FROM visits")?,
            backend: "sqlite",
        })
    }
}

pub(crate) fn change_from(
    rev: i64,
    kind: &str,
    key: String,
    body: Option<String>,
) -> Result<Change> {
    Ok(Change {
        rev,
        kind: DocKind::parse(kind)
            .ok_or_else(|| HubError::Corrupt(format!("catalog kind '{kind}'")))?,
        key,
        body: body.as_deref().map(Stored::parse).transpose()?,
    })
}

/// A `notices` row ([`notices::NOTICE_COLUMNS`]); the outer result is SQLite's, the inner
/// the row's sense.
fn sqlite_notice(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Notice>> {
    let id: String = r.get(0)?;
    let kind: String = r.get(3)?;
    let params: String = r.get(7)?;
    let status: String = r.get(8)?;
    Ok(notices::notice_from_row(
        &id,
        r.get(1)?,
        r.get(2)?,
        &kind,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        &params,
        &status,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
        r.get(13)?,
    ))
}

/// A `SELECT rev, kind, key, body FROM catalog` row as a change; the outer result is
/// SQLite's, the inner the row's sense.
fn catalog_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Change>> {
    let kind: String = r.get(1)?;
    Ok(change_from(r.get(0)?, &kind, r.get(2)?, r.get(3)?))
}
