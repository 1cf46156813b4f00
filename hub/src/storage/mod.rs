//! The hub's storage, behind one trait with two backends: SQLite (one library, one server)
//! and PostgreSQL (a library network; several hub processes on one database).
//!
//! The central catalog is kept as *documents with revisions*: one row per (kind, key) with a
//! JSON body and the revision at which it last changed. Every write takes the next revision,
//! and writes are serialised (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's advisory lock), so a
//! station that has seen everything up to revision R needs only the rows after R: that is the
//! pull cursor. A body of `None` is a deletion the stations must hear of (a returned loan, a
//! cancelled promotion).
//!
//! The rules (what a checkout does to the central's loans, what is a conflict) live once in
//! [`crate::ledger`]; a backend only stores and fetches.

pub mod ils_ledger;
pub mod notices;
pub mod postgres;
pub mod sqlite;

pub use ils_ledger::{IlsOutcome, IlsWrite};
pub use notices::{Notice, NoticeFilter, NoticeFinish, NoticeStatus};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

pub use swalayan_core::contract::documents::{DocBody, DocKind};
pub use swalayan_core::contract::protocol::StationHealth;
pub use swalayan_core::contract::roles::StationRole;
use swalayan_core::contract::transactions::{PayloadError, TxBody, TxKind};
use swalayan_core::contract::wire::Wire;

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    // The database errors are shown with their message, not chained as sources: their
    // Display already carries the cause, and chaining would print it twice.
    #[error("hub database (SQLite): {0}")]
    Sqlite(rusqlite::Error),
    #[error("hub database (PostgreSQL): {0}")]
    Postgres(String),
    #[error("hub database (PostgreSQL pool): {0}")]
    Pool(String),
    #[error("cannot create the hub database at {path}: {message}")]
    Open { path: String, message: String },
    #[error("station '{0}' exists already")]
    StationExists(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// The circulation rules said no (the same rule and reason as at the kiosks); shown to
    /// patrons in their language, to tools as the English sentence and the code.
    #[error("{} ({})", .0.sentence(swalayan_core::reason::Lang::En), .0.code())]
    Refused(swalayan_core::reason::Reason),
    /// Not this caller's to do (another patron's hold).
    #[error("{0}")]
    Forbidden(String),
    /// A hold's pickup branch the library does not have.
    #[error("'{branch}' is not a branch of this library (its branches: {known})")]
    UnknownBranch { branch: String, known: String },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

pub type Result<T, E = HubError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for HubError {
    fn from(e: rusqlite::Error) -> HubError {
        HubError::Sqlite(e)
    }
}

impl From<::postgres::Error> for HubError {
    fn from(e: ::postgres::Error) -> HubError {
        HubError::Postgres(swalayan_core::error_text::one_line(&e))
    }
}

impl From<r2d2::Error> for HubError {
    fn from(e: r2d2::Error) -> HubError {
        HubError::Pool(swalayan_core::error_text::one_line(&e))
    }
}

/// Who a request's token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationAuth {
    pub name: String,
    pub role: StationRole,
}

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// Everything a librarian may, and reads the audit log.
    Admin,
    /// Reads every report; resolves conflicts; publishes promotions and events.
    Librarian,
}

impl StaffRole {
    pub fn code(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Librarian => "librarian",
        }
    }

    pub fn parse(code: &str) -> Option<StaffRole> {
        match code {
            "admin" => Some(StaffRole::Admin),
            "librarian" => Some(StaffRole::Librarian),
            _ => None,
        }
    }
}

/// A person who signs in to the staff pages (`swalayan-hub staff add`).
#[derive(Debug, Clone, Serialize)]
pub struct StaffAccount {
    pub staff: String,
    pub role: StaffRole,
    #[serde(skip)]
    pub password_hash: String,
    pub added_at: String,
}

/// One change staff made, for admins to read.
#[derive(Debug, Clone, Serialize)]
pub struct AuditLine {
    pub at: String,
    /// The staff member's name, or `command line` for `swalayan-hub` commands.
    pub staff: String,
    pub action: String,
    pub detail: String,
}

/// `swalayan-hub station list`: one station as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct StationInfo {
    pub station: String,
    pub role: StationRole,
    pub added_at: String,
    /// The last push or pull (RFC 3339); `None` if never heard from.
    pub last_seen: Option<String>,
    /// Transactions waiting at the station, as it last reported.
    pub pending: Option<i64>,
    /// Its transactions the hub keeps as conflicts awaiting staff.
    pub conflicts: i64,
    /// The token was revoked: the station can no longer sync.
    pub revoked: bool,
    /// The last health report as the station sent it (what a newer station added kept).
    pub health: Option<StationHealth>,
}

/// A stored health report read back.
pub(crate) fn parse_health(text: &str) -> Result<StationHealth> {
    serde_json::from_str(text).map_err(|e| HubError::Corrupt(format!("station health: {e}")))
}

/// A health report as stored.
pub(crate) fn health_text(health: &StationHealth) -> Result<String> {
    serde_json::to_string(health).map_err(|e| HubError::Corrupt(format!("station health: {e}")))
}

/// Station names the hub keeps for itself: `web` (the public web's transactions) and those
/// the library-system connectors and the desk will write under. No token is ever issued for
/// them, so nobody can push or pull as the hub's own parts.
pub const RESERVED_STATION_NAMES: [&str; 7] = [
    "web",
    "hub",
    "desk",
    "ils",
    "inlislite",
    "slims",
    "connector",
];

/// The station the public web's own transactions are recorded under (renewals, feedback).
pub const WEB_STATION: &str = "web";

/// Whether a station name is one of the hub's own ([`RESERVED_STATION_NAMES`]), in any case.
pub fn is_reserved_station_name(name: &str) -> bool {
    RESERVED_STATION_NAMES
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(name.trim()))
}

/// A token hash no token can have (a real one is 64 hex digits): revokes a station while
/// keeping its name and history.
pub fn revoked_token_hash() -> String {
    format!("revoked:{}", Uuid::now_v7())
}

/// A stored staff role, or why it cannot be read.
pub(crate) fn parse_staff_role(code: &str) -> Result<StaffRole> {
    StaffRole::parse(code).ok_or_else(|| HubError::Corrupt(format!("staff role '{code}'")))
}

/// A stored role code, or why it cannot be read.
pub(crate) fn parse_role(code: &str) -> Result<StationRole> {
    StationRole::parse(code).ok_or_else(|| HubError::Corrupt(format!("station role '{code}'")))
}

/// Whether a stored hash marks a revoked station.
pub fn is_revoked(token_hash: &str) -> bool {
    token_hash.starts_with("revoked:")
}

/// A document's body as the storage keeps it: the JSON of one of the contract's documents.
///
/// Outside this module a body is made only from a typed document ([`Stored::of`]) and read
/// only as one ([`Stored::read`]), so no part of the hub reads a document's field by name;
/// the backends (children of this module) make it from the text they stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Stored(Value);

impl Stored {
    /// A typed document as the storage keeps it.
    pub fn of<D: DocBody>(doc: &D) -> Result<Stored> {
        serde_json::to_value(doc)
            .map(Stored)
            .map_err(|e| HubError::Corrupt(format!("{}: {e}", D::KIND.code())))
    }

    /// The body read as its type; one that does not read is damaged (`Corrupt`, naming the
    /// kind and key), never a missing document.
    pub fn read<D: DocBody>(self, key: &str) -> Result<D> {
        serde_json::from_value(self.0)
            .map_err(|e| HubError::Corrupt(format!("{} {key}: {e}", D::KIND.code())))
    }

    /// The body as a station's pull carries it (the wire passes documents on unread).
    pub fn into_wire(self) -> Value {
        self.0
    }

    /// The stored text: compact JSON, so equal documents compare equal as text (imports
    /// tell unchanged records by it).
    pub fn text(&self) -> String {
        self.0.to_string()
    }

    /// A body as a backend read it from its text.
    fn parse(text: &str) -> Result<Stored> {
        parse_json(text, "catalog body").map(Stored)
    }
}

/// One document write: `body: None` deletes (and still takes a revision, so stations hear).
#[derive(Debug, Clone)]
pub struct Put {
    pub kind: DocKind,
    pub key: String,
    pub body: Option<Stored>,
}

impl Put {
    /// Writes (or with `None` deletes) one document of `D`'s kind.
    pub fn of<D: DocBody>(key: &str, doc: Option<&D>) -> Result<Put> {
        Ok(Put {
            kind: D::KIND,
            key: key.to_string(),
            body: doc.map(Stored::of).transpose()?,
        })
    }

    /// Writes one document of `D`'s kind.
    pub fn doc<D: DocBody>(key: &str, doc: &D) -> Result<Put> {
        Put::of(key, Some(doc))
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Inserted,
    Updated,
    Unchanged,
}

/// A catalog change as the pull endpoint serves it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub rev: i64,
    pub kind: DocKind,
    pub key: String,
    pub body: Option<Stored>,
}

/// Where a received transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxState {
    Applied,
    /// Awaiting staff.
    Conflict,
    /// A conflict staff have resolved.
    Resolved,
}

impl TxState {
    pub fn code(self) -> &'static str {
        match self {
            TxState::Applied => "applied",
            TxState::Conflict => "conflict",
            TxState::Resolved => "resolved",
        }
    }

    pub fn parse(code: &str) -> Result<TxState> {
        match code {
            "applied" => Ok(TxState::Applied),
            "conflict" => Ok(TxState::Conflict),
            "resolved" => Ok(TxState::Resolved),
            other => Err(HubError::Corrupt(format!("transaction state '{other}'"))),
        }
    }
}

/// A transaction as the hub keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Received {
    pub id: Uuid,
    pub station: String,
    pub seq: i64,
    /// Its kind: one the contract knows, or the code a newer station sent (kept verbatim).
    pub kind: Wire<TxKind>,
    /// When the station made it, by the station's clock (RFC 3339).
    pub created_at: String,
    pub clock_trusted: bool,
    /// `created_at` corrected by the offset the hub measured at push, when the station's
    /// clock was not trusted; otherwise `created_at`.
    pub effective_at: String,
    pub received_at: String,
    pub payload: Value,
    pub state: TxState,
    /// Why it is a conflict.
    pub reason: Option<String>,
    /// What staff wrote when resolving it.
    pub resolution: Option<String>,
}

impl Received {
    /// Its kind as the contract knows it (`None` for one this hub does not know).
    pub fn tx_kind(&self) -> Option<TxKind> {
        self.kind.known().copied()
    }

    /// Its payload read through the contract, or why it cannot be (why it is a conflict).
    pub fn body(&self) -> std::result::Result<TxBody, PayloadError> {
        TxBody::decode(&self.kind, &self.payload)
    }
}

/// Which transactions to list.
#[derive(Debug, Clone, Default)]
pub struct TxFilter {
    pub state: Option<TxState>,
    /// Effective time at or after this instant.
    pub since: Option<Timestamp>,
    pub limit: Option<u32>,
    /// Only transactions of this kind.
    pub kind: Option<TxKind>,
}

/// Visitor counts of one station for one time bucket (replaced on resend: idempotent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitBucket {
    /// Bucket start (RFC 3339). Stored and read back as [`instant_text`]: the same instant
    /// sent under another offset is the same bucket.
    pub start: String,
    pub entered: i64,
    pub left: i64,
    /// The passage counted; empty for a station that names none.
    #[serde(default)]
    pub passage: String,
    /// The gate (station) that counted, as read back; empty when recording (the station is
    /// the token's).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub station: String,
}

/// `swalayan-hub status --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// Distinct transactions received (applied or in conflict; never a duplicate).
    pub transactions: i64,
    /// Conflicts awaiting staff.
    pub conflicts: i64,
    pub stations: i64,
    /// Copies in the central catalog.
    pub items: i64,
    /// Open loans.
    pub loans: i64,
    pub titles: i64,
    pub patrons: i64,
    /// Holds not yet fulfilled, cancelled or expired.
    pub holds: i64,
    /// The newest catalog revision (a station that pulled up to it is current).
    pub revision: i64,
    /// Visitors counted in and out by the entrance gates, all time.
    pub visitors_in: i64,
    pub visitors_out: i64,
    pub backend: &'static str,
}

/// The work of one serialised write transaction. Object-safe so the rules in
/// [`crate::ledger`] run unchanged on either backend.
pub trait Tx {
    /// Which of these transaction ids were received before, and from which station.
    fn seen(&mut self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>>;
    /// The live documents of one kind with these keys.
    fn get(&mut self, kind: DocKind, keys: &[String]) -> Result<HashMap<String, Stored>>;
    /// Writes documents; a write equal to what is stored takes no revision.
    fn put(&mut self, puts: &[Put]) -> Result<Vec<Written>>;
    /// Keeps received transactions.
    fn record(&mut self, rows: &[Received]) -> Result<()>;
}

/// A hub database.
pub trait Storage: Send + Sync {
    /// "sqlite" or "postgresql", for status and metrics.
    fn backend(&self) -> &'static str;
    /// Registers a station with its role; false when the name is taken.
    fn add_station(
        &self,
        name: &str,
        role: StationRole,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<bool>;
    /// The station (and its role) a live token belongs to.
    fn station_for_token_hash(&self, hash: &str) -> Result<Option<StationAuth>>;
    /// Replaces a station's token hash (rotate; revoke with [`revoked_token_hash`]); false
    /// when there is no such station. The old token stops working at once.
    fn set_token_hash(&self, name: &str, token_hash: &str) -> Result<bool>;
    /// Notes that a station was heard from, with the health it reported (if any).
    fn station_seen(&self, name: &str, at: Timestamp, health: Option<&StationHealth>)
    -> Result<()>;
    /// Every station with its role, when it was last heard from, its reported health and
    /// its conflicts awaiting staff.
    fn stations(&self) -> Result<Vec<StationInfo>>;
    /// Runs `work` in one write transaction, serialised with every other writer (also those
    /// of other hub processes on the same database); commits when it returns `Ok`.
    fn write(&self, work: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
    /// Catalog changes after revision `since`, oldest first.
    fn changes(&self, since: i64, limit: u32) -> Result<Vec<Change>>;
    /// Every live document of a kind (holds list, exports), by key.
    fn documents(&self, kind: DocKind) -> Result<Vec<(String, Stored)>>;
    /// The branches the library's copies name, sorted (pickup branches a hold may name when
    /// `[library] branches` does not list them).
    fn item_branches(&self) -> Result<Vec<String>>;
    /// The copies of one title (by the title's key), by barcode: an indexed lookup.
    fn items_of_title(&self, title: &str) -> Result<Vec<(String, Stored)>>;
    /// `(key, body as stored)` of every document of these kinds, for imports to tell new
    /// from changed from unchanged without a round trip per record.
    fn fingerprints(&self, kinds: &[DocKind]) -> Result<HashMap<(DocKind, String), String>>;
    fn transactions(&self, filter: &TxFilter) -> Result<Vec<Received>>;
    /// Marks a conflict resolved with staff's note; false when it is no open conflict.
    fn resolve(&self, id: Uuid, note: &str) -> Result<bool>;
    /// Replaces the counts of these buckets for the station; returns how many were stored.
    fn record_visits(&self, station: &str, buckets: &[VisitBucket]) -> Result<usize>;
    /// Visitor totals per station: (station, entered, left).
    fn visit_totals(&self) -> Result<Vec<(String, i64, i64)>>;
    /// Every gate's buckets starting in `[from, to)`, for the visitors report.
    fn visits_between(&self, from: Timestamp, to: Timestamp) -> Result<Vec<VisitBucket>>;
    fn status(&self) -> Result<Status>;
    /// Adds a staff account; false when the name is taken.
    fn add_staff(
        &self,
        name: &str,
        role: StaffRole,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<bool>;
    /// Replaces a staff member's password hash; false when there is no such account.
    fn set_staff_password(&self, name: &str, password_hash: &str) -> Result<bool>;
    /// Removes a staff account (their sessions end at their next request); false when none.
    fn remove_staff(&self, name: &str) -> Result<bool>;
    /// Every staff account, by name.
    fn staff_accounts(&self) -> Result<Vec<StaffAccount>>;
    /// Keeps one line of the audit log.
    fn record_audit(&self, line: &AuditLine) -> Result<()>;
    /// The newest `limit` audit lines, newest first.
    fn audit_lines(&self, limit: u32) -> Result<Vec<AuditLine>>;
    /// The newest catalog revision: one indexed read, for metrics.
    fn revision(&self) -> Result<i64>;
    /// Applied transactions of `kinds` received at or after `from` that the library
    /// system's link has not recorded ([`ils_ledger`]), oldest effective time first.
    fn ils_pending(&self, kinds: &[TxKind], from: &str, limit: u32) -> Result<Vec<Received>>;
    /// Records what the link did with a source; a refused transaction (`conflict`: its id)
    /// becomes a conflict with the entry's detail as its reason, in the same commit.
    fn ils_record(&self, write: &IlsWrite, conflict: Option<Uuid>) -> Result<()>;
    /// The ledger's entries whose source starts with `prefix`.
    fn ils_writes(&self, prefix: &str) -> Result<Vec<IlsWrite>>;
    /// The link's state as last saved (JSON of `crate::ils::link::LinkState`).
    fn ils_link_state(&self) -> Result<Option<String>>;
    fn set_ils_link_state(&self, text: &str) -> Result<()>;
    /// The revisions taken from `from` to `until` (inclusive; `None`: open), by the times
    /// their writes committed: `(lo, hi)`, empty when `lo > hi`.
    fn revision_span(
        &self,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> Result<(i64, i64)>;
    /// When each revision was taken (RFC 3339), `None` for one not yet taken.
    fn revision_times(&self, revs: &[i64]) -> Result<Vec<Option<String>>>;
    /// Documents of `kind` (deleted ones too) whose revision is in `span` and after
    /// `after`, in revision order: a listing that a change meanwhile cannot scramble.
    fn kind_by_revision(
        &self,
        kind: DocKind,
        span: (i64, i64),
        after: i64,
        limit: u32,
    ) -> Result<Vec<Change>>;
    fn count_by_revision(&self, kind: DocKind, span: (i64, i64)) -> Result<i64>;
    /// One document with its revision, a deleted one too (`body` None); `None` when the
    /// hub never had it.
    fn document(&self, kind: DocKind, key: &str) -> Result<Option<Change>>;
    /// Queues messages ([`notices`]); one whose key is queued already is left as it is.
    /// Returns how many were new.
    fn queue_notices(&self, notices: &[Notice]) -> Result<usize>;
    /// Claims the oldest message of `channel` due at `now` (marked `sending`, its attempts
    /// counted), in one serialised write: two senders never claim one message.
    fn claim_notice(&self, channel: &str, now: Timestamp) -> Result<Option<Notice>>;
    /// Records how a claimed message's send ended.
    fn finish_notice(&self, id: Uuid, finish: &NoticeFinish) -> Result<()>;
    /// Messages still `sending` though claimed before `before` become `unknown` (their
    /// sender stopped mid-call); returns how many.
    fn orphan_notices(&self, before: Timestamp) -> Result<usize>;
    /// Messages, newest first.
    fn notices(&self, filter: &NoticeFilter) -> Result<Vec<Notice>>;
    /// Forgets finished messages (sent, failed, unknown) created before `before`, with the
    /// contacts they carried; returns how many.
    fn forget_notices(&self, before: Timestamp) -> Result<usize>;
    /// A producer's mark (how far it read), by name.
    fn notify_mark(&self, name: &str) -> Result<Option<String>>;
    fn set_notify_mark(&self, name: &str, value: &str) -> Result<()>;
}

/// Typed documents in a write transaction: the storage keeps JSON, the rest of the hub reads
/// and writes the contract's types. A stored body that does not read as its type is damaged
/// (`Corrupt`, naming the kind and key), never a missing document.
impl dyn Tx + '_ {
    /// The live documents of `D`'s kind with these keys, by key.
    pub fn docs<D: DocBody>(&mut self, keys: &[String]) -> Result<HashMap<String, D>> {
        self.get(D::KIND, keys)?
            .into_iter()
            .map(|(key, body)| Ok((key.clone(), body.read(&key)?)))
            .collect()
    }

    /// One live document of `D`'s kind, if there is one.
    pub fn doc<D: DocBody>(&mut self, key: &str) -> Result<Option<D>> {
        Ok(self.docs::<D>(&[key.to_string()])?.remove(key))
    }

    /// Writes (or with `None` deletes) one document of `D`'s kind.
    pub fn put_doc<D: DocBody>(&mut self, key: &str, doc: Option<&D>) -> Result<Written> {
        Ok(self
            .put(&[Put::of(key, doc)?])?
            .into_iter()
            .next()
            .unwrap_or(Written::Unchanged))
    }
}

/// Typed documents outside a write transaction.
impl dyn Storage + '_ {
    /// Every live document of `D`'s kind, by key (oldest change first).
    pub fn all<D: DocBody>(&self) -> Result<Vec<(String, D)>> {
        self.documents(D::KIND)?
            .into_iter()
            .map(|(key, body)| {
                let doc = body.read(&key)?;
                Ok((key, doc))
            })
            .collect()
    }

    /// One live document of `D`'s kind, read in a write transaction that writes nothing
    /// (the storage's one way to read by key).
    pub fn one<D: DocBody>(&self, key: &str) -> Result<Option<D>> {
        let mut found = None;
        self.write(&mut |tx| {
            found = tx.doc::<D>(key)?;
            Ok(())
        })?;
        Ok(found)
    }
}

/// Opens (creating if missing) the database `spec` names: a `postgres://` or
/// `postgresql://` URL, else a SQLite file path.
pub fn open(spec: &str) -> Result<Arc<dyn Storage>> {
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStorage::connect(spec)?))
    } else {
        Ok(Arc::new(sqlite::SqliteStorage::open(
            std::path::Path::new(spec),
        )?))
    }
}

/// An instant as the hub keys and compares it: UTC, whole seconds, fixed width
/// (`2026-11-18T16:30:00Z`), so text order is time order and one instant has one text.
pub fn instant_text(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A bucket start as sent (any RFC 3339 offset) in its stored form, or why not.
pub fn bucket_start(text: &str) -> Result<String> {
    text.parse::<Timestamp>()
        .map(instant_text)
        .map_err(|e| HubError::Invalid(format!("bucket start '{text}': {e}")))
}

/// Whether a stored bucket start is already in the form [`instant_text`] writes (rows from
/// before instants were keyed carry the offset the gate wrote: migrated on open).
pub(crate) fn is_instant_text(text: &str) -> bool {
    text.parse::<Timestamp>()
        .is_ok_and(|at| instant_text(at) == text)
}

/// Old bucket rows to rewrite under their instant: `(station, passage, old start, new start)`.
/// The backends move them, keeping the larger counts where two fall on one instant (a bucket
/// is resent as it grows, so the larger is the newer).
pub(crate) fn migrated_starts(
    rows: Vec<(String, String, String)>,
) -> Vec<(String, String, String, String)> {
    rows.into_iter()
        .filter(|(_, _, start)| !is_instant_text(start))
        .filter_map(|(station, passage, start)| {
            let instant = bucket_start(&start).ok()?;
            Some((station, passage, start, instant))
        })
        .collect()
}

/// Reads a stored JSON text.
pub(crate) fn parse_json(text: &str, what: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| HubError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| HubError::Corrupt(format!("transaction id {text}: {e}")))
}

/// A bearer token as stored: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}
