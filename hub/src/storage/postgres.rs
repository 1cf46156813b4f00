//! The PostgreSQL backend, for a library network: several hub processes (behind a load
//! balancer) on one database.
//!
//! Writers serialise on a transaction-scoped advisory lock, so catalog revisions commit in
//! the order they were taken and a pull cursor never skips a change that committed late.
//! Queries work on whole batches (`= ANY($1)`, `unnest`), a handful of round trips per push.
//!
//! The client is the synchronous `postgres` crate (tokio-postgres underneath) with an r2d2
//! pool: the storage trait is synchronous because the importers and the SQLite backend are,
//! and the API calls it from `spawn_blocking`, as it does SQLite.

use super::IlsWrite;
use super::sqlite::{change_from, received_from_texts};
use super::{
    AuditLine, Change, DocKind, HubError, Put, Received, Result, StaffAccount, StationAuth,
    StationInfo, StationRole, Status, Storage, Stored, Tx, TxFilter, TxState, VisitBucket, Written,
    is_revoked, parse_role,
};
use super::{Notice, NoticeFilter, NoticeFinish, NoticeStatus, notices};
use jiff::Timestamp;
use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;
use std::collections::HashMap;
use swalayan_core::contract::transactions::TxKind;
use swalayan_core::domain::HoldStatus;
use uuid::Uuid;

/// The advisory lock every writer holds (an arbitrary constant: "SWLY").
const WRITE_LOCK: i64 = 0x5357_4c59;
/// Taken while creating the schema, so hub processes starting together do not race.
const SCHEMA_LOCK: i64 = 0x5357_4c5a;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS stations (
    name       TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    added_at   TEXT NOT NULL
);
-- Stations added before roles existed keep working as kiosks.
ALTER TABLE stations ADD COLUMN IF NOT EXISTS role TEXT NOT NULL DEFAULT 'kiosk';
ALTER TABLE stations ADD COLUMN IF NOT EXISTS last_seen TEXT;
ALTER TABLE stations ADD COLUMN IF NOT EXISTS health TEXT;
CREATE TABLE IF NOT EXISTS transactions (
    id            TEXT PRIMARY KEY,
    station       TEXT NOT NULL REFERENCES stations(name),
    seq           BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    clock_trusted BOOLEAN NOT NULL,
    effective_at  TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    payload       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('applied', 'conflict', 'resolved')),
    reason        TEXT,
    resolution    TEXT
);
CREATE INDEX IF NOT EXISTS transactions_state ON transactions(state);
CREATE INDEX IF NOT EXISTS transactions_effective ON transactions(effective_at);
CREATE TABLE IF NOT EXISTS catalog (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    rev  BIGINT NOT NULL,
    body TEXT,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS catalog_rev ON catalog(rev);
-- One kind's documents in revision order (OAI-PMH's listings), without sorting the kind.
CREATE INDEX IF NOT EXISTS catalog_kind_rev ON catalog(kind, rev);
-- A title's copies (hold placement asks the rules about them).
CREATE INDEX IF NOT EXISTS catalog_item_title ON catalog ((body::jsonb ->> 'title'))
    WHERE kind = 'item';
CREATE SEQUENCE IF NOT EXISTS catalog_revision;
-- When the catalogue's revisions were taken: a row per write, its last revision and its time
-- (OAI-PMH's datestamps and from/until); revisions from before the table are dated by the
-- first row, written when the table is made.
CREATE TABLE IF NOT EXISTS revision_times (
    rev BIGINT PRIMARY KEY,
    at  TEXT NOT NULL
);
INSERT INTO revision_times(rev, at)
    SELECT last_value, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    FROM catalog_revision
    WHERE is_called AND NOT EXISTS (SELECT 1 FROM revision_times);
-- People who sign in to the staff pages (argon2id password hashes), and what they changed.
CREATE TABLE IF NOT EXISTS staff (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    added_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id     BIGSERIAL PRIMARY KEY,
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
    attempts   BIGINT NOT NULL DEFAULT 0,
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
    entered BIGINT NOT NULL,
    "left"  BIGINT NOT NULL,
    PRIMARY KEY (station, passage, start)
);
-- Visits per passage (the key grows a column; counts sent before keep passage '').
ALTER TABLE visits ADD COLUMN IF NOT EXISTS passage TEXT NOT NULL DEFAULT '';
DO $$ BEGIN
    IF (SELECT count(*) FROM information_schema.key_column_usage
        WHERE table_name = 'visits' AND constraint_name = 'visits_pkey') = 2 THEN
        ALTER TABLE visits DROP CONSTRAINT visits_pkey;
        ALTER TABLE visits ADD PRIMARY KEY (station, passage, start);
    END IF;
END $$;
"#;

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

pub struct PgStorage {
    pool: Pool,
}

impl PgStorage {
    /// Connects to `url` (e.g. `postgres://hub@127.0.0.1:5432/swalayan`) and creates the
    /// schema if missing. The database itself must exist.
    pub fn connect(url: &str) -> Result<PgStorage> {
        let mut config: postgres::Config = url.parse()?;
        config.connect_timeout(std::time::Duration::from_secs(10));
        // One direct connection first: its error says why (refused, no such database, bad
        // password), where the pool would only say it timed out.
        let mut client = config.connect(NoTls)?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
        tx.batch_execute(SCHEMA)?;
        visits_by_instant(&mut tx)?;
        tx.commit()?;
        drop(client);
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .connection_timeout(std::time::Duration::from_secs(10))
            // Failures surface where a connection is needed, as errors with their cause.
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(PostgresConnectionManager::new(config, NoTls));
        Ok(PgStorage { pool })
    }
}

/// Bucket starts stored with the offset the gate wrote are rewritten in UTC (once: rows in
/// that form are left alone); two rows on one instant become one with the larger counts.
/// Runs under the schema lock, so two hub processes starting together migrate once.
fn visits_by_instant(tx: &mut postgres::Transaction<'_>) -> Result<()> {
    let rows: Vec<(String, String, String)> = tx
        .query(
            "SELECT station, passage, start FROM visits WHERE start NOT LIKE '%Z'",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for (station, passage, old, new) in super::migrated_starts(rows) {
        tx.execute(
            "INSERT INTO visits(station, passage, start, entered, \"left\")
             SELECT station, passage, $4, entered, \"left\" FROM visits
             WHERE station = $1 AND passage = $2 AND start = $3
             ON CONFLICT (station, passage, start) DO UPDATE
             SET entered = GREATEST(visits.entered, excluded.entered),
                 \"left\" = GREATEST(visits.\"left\", excluded.\"left\")",
            &[&station, &passage, &old, &new],
        )?;
        tx.execute(
            "DELETE FROM visits WHERE station = $1 AND passage = $2 AND start = $3",
            &[&station, &passage, &old],
        )?;
    }
    Ok(())
}

/// `(key, body)` rows as documents.
fn key_bodies<C: FromIterator<(String, Stored)>>(rows: &[postgres::Row]) -> Result<C> {
    rows.iter()
        .map(|r| Ok((r.get::<_, String>(0), Stored::parse(r.get::<_, &str>(1))?)))
        .collect()
}

struct PgTx<'a> {
    tx: postgres::Transaction<'a>,
}

impl Tx for PgTx<'_> {
    fn seen(&mut self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let texts: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let rows = self.tx.query(
            "SELECT id, station FROM transactions WHERE id = ANY($1)",
            &[&texts],
        )?;
        rows.iter()
            .map(|r| Ok((super::parse_uuid(r.get::<_, &str>(0))?, r.get(1))))
            .collect()
    }

    fn get(&mut self, kind: DocKind, keys: &[String]) -> Result<HashMap<String, Stored>> {
        let rows = self.tx.query(
            "SELECT key, body FROM catalog WHERE kind = $1 AND key = ANY($2) AND body IS NOT NULL",
            &[&kind.code(), &keys],
        )?;
        key_bodies(&rows)
    }

    fn put(&mut self, puts: &[Put]) -> Result<Vec<Written>> {
        if puts.is_empty() {
            return Ok(Vec::new());
        }
        let kinds: Vec<&str> = puts.iter().map(|p| p.kind.code()).collect();
        let keys: Vec<&str> = puts.iter().map(|p| p.key.as_str()).collect();
        let rows = self.tx.query(
            "SELECT c.kind, c.key, c.body FROM catalog c
             JOIN unnest($1::text[], $2::text[]) AS u(kind, key) ON c.kind = u.kind AND c.key = u.key",
            &[&kinds, &keys],
        )?;
        // What is stored, then updated as the batch goes (a key may come twice).
        let mut state: HashMap<(String, String), Option<String>> = rows
            .iter()
            .map(|r| ((r.get(0), r.get(1)), r.get::<_, Option<String>>(2)))
            .collect();
        let mut written = Vec::with_capacity(puts.len());
        let mut changed: Vec<(String, String)> = Vec::new();
        for put in puts {
            let id = (put.kind.code().to_string(), put.key.clone());
            let text = put.body.as_ref().map(Stored::text);
            let outcome = match state.get(&id) {
                None if text.is_none() => Written::Unchanged,
                // Before "inserted": deleting what is deleted already changes nothing (as on
                // SQLite), and takes no revision.
                Some(old) if *old == text => Written::Unchanged,
                None | Some(None) => Written::Inserted,
                Some(Some(_)) => Written::Updated,
            };
            if outcome != Written::Unchanged {
                if !changed.contains(&id) {
                    changed.push(id.clone());
                }
                state.insert(id, text);
            }
            written.push(outcome);
        }
        if changed.is_empty() {
            return Ok(written);
        }
        let kinds: Vec<&str> = changed.iter().map(|(k, _)| k.as_str()).collect();
        let keys: Vec<&str> = changed.iter().map(|(_, k)| k.as_str()).collect();
        let bodies: Vec<Option<&str>> = changed
            .iter()
            .map(|id| state.get(id).and_then(|b| b.as_deref()))
            .collect();
        self.tx.execute(
            "INSERT INTO catalog(kind, key, rev, body)
             SELECT kind, key, nextval('catalog_revision'), body
             FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(kind, key, body, n)
             ORDER BY n
             ON CONFLICT (kind, key) DO UPDATE SET rev = excluded.rev, body = excluded.body",
            &[&kinds, &keys, &bodies],
        )?;
        // Writers hold the advisory lock: the sequence's value now is this write's last.
        self.tx.execute(
            "INSERT INTO revision_times(rev, at) VALUES (currval('catalog_revision'), $1)
             ON CONFLICT (rev) DO NOTHING",
            &[&super::instant_text(Timestamp::now())],
        )?;
        Ok(written)
    }

    fn record(&mut self, rows: &[Received]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let col = |f: &dyn Fn(&Received) -> String| rows.iter().map(f).collect::<Vec<_>>();
        let ids = col(&|r| r.id.to_string());
        let stations = col(&|r| r.station.clone());
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        let kinds = col(&|r| r.kind.code());
        let created = col(&|r| r.created_at.clone());
        let trusted: Vec<bool> = rows.iter().map(|r| r.clock_trusted).collect();
        let effective = col(&|r| r.effective_at.clone());
        let received = col(&|r| r.received_at.clone());
        let payloads = col(&|r| r.payload.to_string());
        let states = col(&|r| r.state.code().to_string());
        let reasons: Vec<Option<String>> = rows.iter().map(|r| r.reason.clone()).collect();
        let resolutions: Vec<Option<String>> = rows.iter().map(|r| r.resolution.clone()).collect();
        self.tx.execute(
            "INSERT INTO transactions(id, station, seq, kind, created_at, clock_trusted,
                 effective_at, received_at, payload, state, reason, resolution)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                 $6::boolean[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])",
            &[
                &ids,
                &stations,
                &seqs,
                &kinds,
                &created,
                &trusted,
                &effective,
                &received,
                &payloads,
                &states,
                &reasons,
                &resolutions,
            ],
        )?;
        Ok(())
    }
}

impl Storage for PgStorage {
    fn backend(&self) -> &'static str {
        "postgresql"
    }

    fn add_station(
        &self,
        name: &str,
        role: StationRole,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<bool> {
        Ok(self.pool.get()?.execute(
            "INSERT INTO stations(name, role, token_hash, added_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[&name, &role.code(), &token_hash, &now.to_string()],
        )? == 1)
    }

    fn add_staff(
        &self,
        name: &str,
        role: super::StaffRole,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<bool> {
        Ok(self.pool.get()?.execute(
            "INSERT INTO staff(name, role, password_hash, added_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[&name, &role.code(), &password_hash, &now.to_string()],
        )? == 1)
    }

    fn set_staff_password(&self, name: &str, password_hash: &str) -> Result<bool> {
        Ok(self.pool.get()?.execute(
            "UPDATE staff SET password_hash = $2 WHERE name = $1",
            &[&name, &password_hash],
        )? == 1)
    }

    fn remove_staff(&self, name: &str) -> Result<bool> {
        Ok(self
            .pool
            .get()?
            .execute("DELETE FROM staff WHERE name = $1", &[&name])?
            == 1)
    }

    fn staff_accounts(&self) -> Result<Vec<StaffAccount>> {
        self.pool
            .get()?
            .query(
                "SELECT name, role, password_hash, added_at FROM staff ORDER BY name",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(StaffAccount {
                    staff: r.get(0),
                    role: super::parse_staff_role(r.get(1))?,
                    password_hash: r.get(2),
                    added_at: r.get(3),
                })
            })
            .collect()
    }

    fn record_audit(&self, line: &AuditLine) -> Result<()> {
        self.pool.get()?.execute(
            "INSERT INTO audit(at, staff, action, detail) VALUES ($1, $2, $3, $4)",
            &[&line.at, &line.staff, &line.action, &line.detail],
        )?;
        Ok(())
    }

    fn audit_lines(&self, limit: u32) -> Result<Vec<AuditLine>> {
        Ok(self
            .pool
            .get()?
            .query(
                "SELECT at, staff, action, detail FROM audit ORDER BY id DESC LIMIT $1",
                &[&i64::from(limit)],
            )?
            .iter()
            .map(|r| AuditLine {
                at: r.get(0),
                staff: r.get(1),
                action: r.get(2),
                detail: r.get(3),
            })
            .collect())
    }

    fn station_for_token_hash(&self, hash: &str) -> Result<Option<StationAuth>> {
        self.pool
            .get()?
            .query_opt(
                "SELECT name, role FROM stations WHERE token_hash = $1",
                &[&hash],
            )?
            .map(|r| {
                Ok(StationAuth {
                    name: r.get(0),
                    role: parse_role(r.get(1))?,
                })
            })
            .transpose()
    }

    fn set_token_hash(&self, name: &str, token_hash: &str) -> Result<bool> {
        Ok(self.pool.get()?.execute(
            "UPDATE stations SET token_hash = $2 WHERE name = $1",
            &[&name, &token_hash],
        )? == 1)
    }

    fn station_seen(
        &self,
        name: &str,
        at: Timestamp,
        health: Option<&super::StationHealth>,
    ) -> Result<()> {
        let health = health.map(super::health_text).transpose()?;
        self.pool.get()?.execute(
            "UPDATE stations SET last_seen = $2, health = coalesce($3, health) WHERE name = $1",
            &[&name, &at.to_string(), &health],
        )?;
        Ok(())
    }

    fn stations(&self) -> Result<Vec<StationInfo>> {
        let rows = self.pool.get()?.query(
            "SELECT s.name, s.role, s.added_at, s.last_seen, s.health, s.token_hash,
                    (SELECT count(*) FROM transactions t WHERE t.station = s.name AND t.state = 'conflict')
             FROM stations s ORDER BY s.name",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                let health = r
                    .get::<_, Option<&str>>(4)
                    .map(super::parse_health)
                    .transpose()?;
                Ok(StationInfo {
                    station: r.get(0),
                    role: parse_role(r.get(1))?,
                    added_at: r.get(2),
                    last_seen: r.get(3),
                    pending: health.as_ref().map(|h| h.pending),
                    conflicts: r.get(6),
                    revoked: is_revoked(r.get(5)),
                    health,
                })
            })
            .collect()
    }

    fn write(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        let mut client = self.pool.get()?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
        let mut pg_tx = PgTx { tx };
        work(&mut pg_tx)?;
        pg_tx.tx.commit()?;
        Ok(())
    }

    fn changes(&self, since: i64, limit: u32) -> Result<Vec<Change>> {
        let rows = self.pool.get()?.query(
            "SELECT rev, kind, key, body FROM catalog WHERE rev > $1 ORDER BY rev LIMIT $2",
            &[&since, &i64::from(limit)],
        )?;
        rows.iter()
            .map(|r| change_from(r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    }

    fn item_branches(&self) -> Result<Vec<String>> {
        let rows = self.pool.get()?.query(
            "SELECT DISTINCT (body::jsonb ->> 'branch') AS branch FROM catalog
             WHERE kind = 'item' AND body IS NOT NULL AND (body::jsonb ->> 'branch') IS NOT NULL
             ORDER BY branch",
            &[],
        )?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    fn items_of_title(&self, title: &str) -> Result<Vec<(String, Stored)>> {
        let rows = self.pool.get()?.query(
            "SELECT key, body FROM catalog
             WHERE kind = 'item' AND (body::jsonb ->> 'title') = $1",
            &[&title],
        )?;
        key_bodies(&rows)
    }

    fn documents(&self, kind: DocKind) -> Result<Vec<(String, Stored)>> {
        let rows = self.pool.get()?.query(
            "SELECT key, body FROM catalog WHERE kind = $1 AND body IS NOT NULL ORDER BY rev",
            &[&kind.code()],
        )?;
        key_bodies(&rows)
    }

    fn revision_span(
        &self,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> Result<(i64, i64)> {
        let mut client = self.pool.get()?;
        let lo = match from {
            None => 0,
            Some(from) => client
                .query_one(
                    "SELECT coalesce(max(rev), 0) + 1 FROM revision_times WHERE at < $1",
                    &[&super::instant_text(from)],
                )?
                .get(0),
        };
        let hi = match until {
            None => i64::MAX,
            Some(until) => client
                .query_one(
                    "SELECT coalesce(max(rev), -1) FROM revision_times WHERE at <= $1",
                    &[&super::instant_text(until)],
                )?
                .get(0),
        };
        Ok((lo, hi))
    }

    fn revision_times(&self, revs: &[i64]) -> Result<Vec<Option<String>>> {
        let rows = self.pool.get()?.query(
            "SELECT (SELECT at FROM revision_times t WHERE t.rev >= u.r ORDER BY t.rev LIMIT 1)
             FROM unnest($1::bigint[]) WITH ORDINALITY AS u(r, n) ORDER BY n",
            &[&revs],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn kind_by_revision(
        &self,
        kind: DocKind,
        span: (i64, i64),
        after: i64,
        limit: u32,
    ) -> Result<Vec<Change>> {
        let rows = self.pool.get()?.query(
            "SELECT rev, kind, key, body FROM catalog
             WHERE kind = $1 AND rev >= $2 AND rev <= $3 ORDER BY rev LIMIT $4",
            // One lower bound, so the (kind, rev) index starts where the page does.
            &[
                &kind.code(),
                &span.0.max(after.saturating_add(1)),
                &span.1,
                &i64::from(limit),
            ],
        )?;
        rows.iter()
            .map(|r| change_from(r.get(0), r.get::<_, &str>(1), r.get(2), r.get(3)))
            .collect()
    }

    fn document(&self, kind: DocKind, key: &str) -> Result<Option<Change>> {
        self.pool
            .get()?
            .query_opt(
                "SELECT rev, kind, key, body FROM catalog WHERE kind = $1 AND key = $2",
                &[&kind.code(), &key],
            )?
            .map(|r| change_from(r.get(0), r.get::<_, &str>(1), r.get(2), r.get(3)))
            .transpose()
    }

    fn count_by_revision(&self, kind: DocKind, span: (i64, i64)) -> Result<i64> {
        Ok(self
            .pool
            .get()?
            .query_one(
                "SELECT count(*) FROM catalog WHERE kind = $1 AND rev >= $2 AND rev <= $3",
                &[&kind.code(), &span.0, &span.1],
            )?
            .get(0))
    }

    fn fingerprints(&self, kinds: &[DocKind]) -> Result<HashMap<(DocKind, String), String>> {
        let codes: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
        let rows = self.pool.get()?.query(
            "SELECT kind, key, body FROM catalog WHERE kind = ANY($1) AND body IS NOT NULL",
            &[&codes],
        )?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in rows {
            let kind =
                DocKind::parse(r.get(0)).ok_or_else(|| HubError::Corrupt("catalog kind".into()))?;
            out.insert((kind, r.get(1)), r.get(2));
        }
        Ok(out)
    }

    fn transactions(&self, filter: &TxFilter) -> Result<Vec<Received>> {
        let rows = self.pool.get()?.query(
            "SELECT id, station, seq::text, kind, created_at, clock_trusted::text, effective_at,
                    received_at, payload, state, reason, resolution
             FROM transactions
             WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR effective_at >= $2)
               AND ($4::text IS NULL OR kind = $4)
             ORDER BY effective_at, station, seq
             LIMIT $3",
            &[
                &filter.state.map(TxState::code),
                &filter.since.map(|t| t.to_string()),
                &filter.limit.map(i64::from),
                &filter.kind.map(TxKind::code),
            ],
        )?;
        rows.iter()
            .map(|r| received_from_texts(std::array::from_fn(|i| r.get::<_, Option<String>>(i))))
            .collect()
    }

    fn resolve(&self, id: Uuid, note: &str) -> Result<bool> {
        Ok(self.pool.get()?.execute(
            "UPDATE transactions SET state = 'resolved', resolution = $2
             WHERE id = $1 AND state = 'conflict'",
            &[&id.to_string(), &note],
        )? == 1)
    }

    fn record_visits(&self, station: &str, buckets: &[VisitBucket]) -> Result<usize> {
        let starts: Vec<String> = buckets
            .iter()
            .map(|b| super::bucket_start(&b.start))
            .collect::<Result<_>>()?;
        let passages: Vec<&str> = buckets.iter().map(|b| b.passage.as_str()).collect();
        let entered: Vec<i64> = buckets.iter().map(|b| b.entered).collect();
        let left: Vec<i64> = buckets.iter().map(|b| b.left).collect();
        self.pool.get()?.execute(
            "INSERT INTO visits(station, passage, start, entered, \"left\")
             SELECT $1, p, s, e, l
             FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS u(p, s, e, l)
             ON CONFLICT (station, passage, start)
             DO UPDATE SET entered = excluded.entered, \"left\" = excluded.\"left\"",
            &[&station, &passages, &starts, &entered, &left],
        )?;
        Ok(buckets.len())
    }

    fn visits_between(&self, from: Timestamp, to: Timestamp) -> Result<Vec<VisitBucket>> {
        let (from, to) = (super::instant_text(from), super::instant_text(to));
        Ok(self
            .pool
            .get()?
            .query(
                "SELECT start, entered, \"left\", passage, station FROM visits WHERE start >= $1 AND start < $2",
                &[&from, &to],
            )?
            .iter()
            .map(|r| VisitBucket {
                start: r.get(0),
                entered: r.get(1),
                left: r.get(2),
                passage: r.get(3),
                station: r.get(4),
            })
            .collect())
    }

    fn visit_totals(&self) -> Result<Vec<(String, i64, i64)>> {
        let rows = self.pool.get()?.query(
            "SELECT station, sum(entered)::bigint, sum(\"left\")::bigint FROM visits
             GROUP BY station ORDER BY station",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    fn ils_pending(&self, kinds: &[TxKind], from: &str, limit: u32) -> Result<Vec<Received>> {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
        let rows = self.pool.get()?.query(
            "SELECT id, station, seq::text, kind, created_at, clock_trusted::text, effective_at,
                    received_at, payload, state, reason, resolution
             FROM transactions t
             WHERE t.state = 'applied' AND t.received_at >= $1 AND t.kind = ANY($2::text[])
               AND NOT EXISTS (SELECT 1 FROM ils_writes w WHERE w.source = 'tx:' || t.id)
             ORDER BY t.effective_at, t.station, t.seq
             LIMIT $3",
            &[&from, &kinds, &i64::from(limit)],
        )?;
        rows.iter()
            .map(|r| received_from_texts(std::array::from_fn(|i| r.get::<_, Option<String>>(i))))
            .collect()
    }

    fn ils_record(&self, write: &IlsWrite, conflict: Option<Uuid>) -> Result<()> {
        let rows =
            serde_json::to_string(&write.rows).map_err(|e| HubError::Invalid(e.to_string()))?;
        let mut client = self.pool.get()?;
        let mut tx = client.transaction()?;
        tx.execute(
            "INSERT INTO ils_writes(source, outcome, rows, detail, at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (source) DO UPDATE SET outcome = excluded.outcome, rows = excluded.rows,
                 detail = excluded.detail, at = excluded.at",
            &[
                &write.source,
                &write.outcome.code(),
                &rows,
                &write.detail,
                &write.at,
            ],
        )?;
        if let Some(id) = conflict {
            tx.execute(
                "UPDATE transactions SET state = 'conflict', reason = $2
                 WHERE id = $1 AND state = 'applied'",
                &[&id.to_string(), &write.detail],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn ils_writes(&self, prefix: &str) -> Result<Vec<IlsWrite>> {
        let rows = self.pool.get()?.query(
            "SELECT source, outcome, rows, detail, at FROM ils_writes
             WHERE left(source, length($1)) = $1 ORDER BY at, source",
            &[&prefix],
        )?;
        rows.iter()
            .map(|r| {
                super::ils_ledger::entry(
                    r.get(0),
                    r.get::<_, &str>(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                )
            })
            .collect()
    }

    fn ils_link_state(&self) -> Result<Option<String>> {
        Ok(self
            .pool
            .get()?
            .query_opt("SELECT body FROM ils_link WHERE id = 1", &[])?
            .map(|r| r.get(0)))
    }

    fn set_ils_link_state(&self, text: &str) -> Result<()> {
        self.pool.get()?.execute(
            "INSERT INTO ils_link(id, body) VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body",
            &[&text],
        )?;
        Ok(())
    }

    fn queue_notices(&self, notices: &[Notice]) -> Result<usize> {
        let mut client = self.pool.get()?;
        let mut tx = client.transaction()?;
        let insert = tx.prepare(
            "INSERT INTO notices(id, key, patron, kind, channel, contact, lang, params,
                 status, attempts, last_error, created_at, next_at, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (key) DO NOTHING",
        )?;
        let mut added = 0;
        for n in notices {
            added += tx.execute(
                &insert,
                &[
                    &n.id.to_string(),
                    &n.key,
                    &n.patron,
                    &n.kind.code(),
                    &n.channel,
                    &n.contact,
                    &n.lang,
                    &notices::params_text(&n.params)?,
                    &n.status.code(),
                    &i64::from(n.attempts),
                    &n.last_error,
                    &n.created_at,
                    &n.next_at,
                    &n.sent_at,
                ],
            )?;
        }
        tx.commit()?;
        Ok(usize::try_from(added).unwrap_or(usize::MAX))
    }

    fn claim_notice(&self, channel: &str, now: Timestamp) -> Result<Option<Notice>> {
        let now = super::instant_text(now);
        // SKIP LOCKED: two hub processes claiming at once take different messages.
        let sql = format!(
            "UPDATE notices SET status = 'sending', attempts = attempts + 1, claimed_at = $2
             WHERE id = (SELECT id FROM notices
                         WHERE status = 'pending' AND channel = $1 AND next_at <= $2
                         ORDER BY next_at, created_at LIMIT 1
                         FOR UPDATE SKIP LOCKED)
             RETURNING {}",
            notices::NOTICE_COLUMNS
        );
        self.pool
            .get()?
            .query_opt(&sql, &[&channel, &now])?
            .map(|r| pg_notice(&r))
            .transpose()
    }

    fn finish_notice(&self, id: Uuid, finish: &NoticeFinish) -> Result<()> {
        let mut client = self.pool.get()?;
        let id = id.to_string();
        match finish {
            NoticeFinish::Sent { at } => client.execute(
                "UPDATE notices SET status = 'sent', sent_at = $2, last_error = NULL WHERE id = $1",
                &[&id, &super::instant_text(*at)],
            )?,
            NoticeFinish::Retry { at, error } => client.execute(
                "UPDATE notices SET status = 'pending', next_at = $2, last_error = $3 WHERE id = $1",
                &[&id, &super::instant_text(*at), error],
            )?,
            NoticeFinish::Failed { error } => client.execute(
                "UPDATE notices SET status = 'failed', last_error = $2 WHERE id = $1",
                &[&id, error],
            )?,
        };
        Ok(())
    }

    fn orphan_notices(&self, before: Timestamp) -> Result<usize> {
        let changed = self.pool.get()?.execute(
            "UPDATE notices SET status = 'unknown',
                 last_error = 'the hub stopped while sending: it may or may not have arrived'
             WHERE status = 'sending' AND claimed_at < $1",
            &[&super::instant_text(before)],
        )?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    fn notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>> {
        let sql = format!(
            "SELECT {} FROM notices
             WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR created_at >= $2)
             ORDER BY created_at DESC, id DESC LIMIT $3",
            notices::NOTICE_COLUMNS
        );
        let rows = self.pool.get()?.query(
            &sql,
            &[
                &filter.status.map(NoticeStatus::code),
                &filter.since.map(super::instant_text),
                &filter.limit.map_or(i64::MAX, i64::from),
            ],
        )?;
        rows.iter().map(pg_notice).collect()
    }

    fn forget_notices(&self, before: Timestamp) -> Result<usize> {
        let gone = self.pool.get()?.execute(
            "DELETE FROM notices
             WHERE status IN ('sent', 'failed', 'unknown') AND created_at < $1",
            &[&super::instant_text(before)],
        )?;
        Ok(usize::try_from(gone).unwrap_or(usize::MAX))
    }

    fn notify_mark(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .pool
            .get()?
            .query_opt("SELECT value FROM notify_marks WHERE name = $1", &[&name])?
            .map(|r| r.get(0)))
    }

    fn set_notify_mark(&self, name: &str, value: &str) -> Result<()> {
        self.pool.get()?.execute(
            "INSERT INTO notify_marks(name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            &[&name, &value],
        )?;
        Ok(())
    }

    fn revision(&self) -> Result<i64> {
        // max() over the rev index: a walk to its last entry, not a scan.
        Ok(self
            .pool
            .get()?
            .query_one("SELECT coalesce(max(rev), 0) FROM catalog", &[])?
            .get(0))
    }

    fn status(&self) -> Result<Status> {
        let mut client = self.pool.get()?;
        let row = client.query_one(
            &format!(
                "SELECT
                (SELECT count(*) FROM transactions),
                (SELECT count(*) FROM transactions WHERE state = 'conflict'),
                (SELECT count(*) FROM stations),
                (SELECT count(*) FROM catalog WHERE kind = 'item' AND body IS NOT NULL),
                (SELECT count(*) FROM catalog WHERE kind = 'loan' AND body IS NOT NULL),
                (SELECT count(*) FROM catalog WHERE kind = 'title' AND body IS NOT NULL),
                (SELECT count(*) FROM catalog WHERE kind = 'patron' AND body IS NOT NULL),
                (SELECT count(*) FROM catalog WHERE kind = 'hold' AND body IS NOT NULL
                    AND body::jsonb->>'status' IN {live}),
                (SELECT coalesce(max(rev), 0) FROM catalog),
                (SELECT coalesce(sum(entered), 0)::bigint FROM visits),
                (SELECT coalesce(sum(\"left\"), 0)::bigint FROM visits)",
                live = HoldStatus::LIVE_SQL
            ),
            &[],
        )?;
        Ok(Status {
            transactions: row.get(0),
            conflicts: row.get(1),
            stations: row.get(2),
            items: row.get(3),
            loans: row.get(4),
            titles: row.get(5),
            patrons: row.get(6),
            holds: row.get(7),
            revision: row.get(8),
            visitors_in: row.get(9),
            visitors_out: row.get(10),
            backend: "postgresql",
        })
    }
}

/// A `notices` row ([`notices::NOTICE_COLUMNS`]).
fn pg_notice(r: &postgres::Row) -> Result<Notice> {
    notices::notice_from_row(
        r.get::<_, &str>(0),
        r.get(1),
        r.get(2),
        r.get::<_, &str>(3),
        r.get(4),
        r.get(5),
        r.get(6),
        r.get::<_, &str>(7),
        r.get::<_, &str>(8),
        r.get(9),
        r.get(10),
        r.get(11),
        r.get(12),
        r.get(13),
    )
}
