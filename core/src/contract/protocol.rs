//! The hub's HTTP/JSON API bodies (see docs/hub-api.md).

use super::conflicts::ConflictCode;
use super::documents::DocKind;
use super::transactions::TxKind;
use super::wire::Wire;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `POST /v1/transactions`: a station pushes a batch of its outbox, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// The pushing station's id; must match the station its token belongs to.
    pub station: String,
    pub transactions: Vec<PushTransaction>,
    /// The station's clock when it sent the batch (RFC 3339): the hub measures the offset
    /// to its own clock and corrects the times of transactions made under an untrusted clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushTransaction {
    pub id: Uuid,
    /// The station's own sequence number.
    pub seq: i64,
    /// One of [`TxKind`]; a newer station's kind arrives as unknown (see [`super::wire`]).
    pub kind: Wire<TxKind>,
    /// When the station made it (RFC 3339).
    pub created_at: String,
    pub clock_trusted: bool,
    /// The kind's payload ([`super::transactions::TxBody::decode`] reads it).
    pub payload: serde_json::Value,
}

/// What the hub did with one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Applied now.
    Applied,
    /// Already received earlier (applied or in conflict then): nothing changed.
    Duplicate,
    /// Kept for staff to resolve; the station stops resending it.
    Conflict,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResult {
    pub id: Uuid,
    pub outcome: Outcome,
    /// Why, for conflicts: a sentence for staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why, for conflicts: the stable code (hubs before the typed contract send none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ConflictCode>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
    /// The hub's clock when it answered (RFC 3339), for stations without a trusted clock.
    pub server_time: String,
}

/// `GET /v1/health`: `{"ok": true}` while the hub serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthAnswer {
    pub ok: bool,
}

/// `GET /v1/time`: the hub's clock (RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeAnswer {
    pub now: String,
}

/// `POST /v1/status`: `{"stored": true}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportStored {
    pub stored: bool,
}

/// `POST /v1/visits`: how many buckets were stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitsStored {
    pub stored: usize,
}

/// An error body: `{"error": "..."}` with a 4xx/5xx status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    /// A push refused whole (403): the transactions the station's role may not push. The
    /// station moves them to its conflict list and sends the rest again, so its outbox never
    /// sticks on a row the hub will always refuse.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<uuid::Uuid>,
}

/// `GET /v1/changes?since=REV&limit=N`: catalog changes after a revision, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangesResponse {
    pub changes: Vec<PulledChange>,
    /// The cursor to ask from next time (the last revision in this page, or `since`).
    pub next: i64,
    /// More changes wait after this page.
    pub more: bool,
}

/// One changed document (see [`super::documents`]); `body: null` is a deletion.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PulledChange {
    pub rev: i64,
    /// One of [`DocKind`]; a newer hub's kind arrives as unknown and a station skips it.
    pub kind: Wire<DocKind>,
    pub key: String,
    pub body: Option<serde_json::Value>,
}

/// `POST /v1/visits`: visitor counts per time bucket; a resent bucket replaces its counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitsRequest {
    pub station: String,
    pub buckets: Vec<VisitCount>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitCount {
    /// Bucket start (RFC 3339).
    pub start: String,
    pub entered: i64,
    pub left: i64,
    /// The gate's passage (door) counted; stations before passages send none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage: Option<String>,
}

/// `POST /v1/status`: how a station is, sent after each sync round so staff see every
/// station from the hub (`swalayan-hub station list`). Fields a newer station adds are kept
/// by the hub as sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusReport {
    pub station: String,
    #[serde(flatten)]
    pub health: StationHealth,
}

/// A station's health.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StationHealth {
    /// Transactions waiting to be sent.
    pub pending: i64,
    /// Transactions the central kept as conflicts, as the station knows them.
    pub conflicts: i64,
    /// The devices the station runs and how each is.
    #[serde(default)]
    pub devices: Vec<DeviceState>,
    /// Alarms open at the station (a bin full, a beam blocked), for staff.
    #[serde(default)]
    pub alarms: Vec<String>,
    /// The station's software version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Fields a newer station adds, kept as they came (the hub stores and lists them).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One device as the station sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceState {
    /// `scanner`, `rfid`, `printer`, `gpio`, ...
    pub device: String,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
