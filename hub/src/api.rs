//! The hub's HTTP/JSON API (docs/hub-api.md, docs/hub-openapi.json).
//!
//! Storage calls block (SQLite, or the synchronous PostgreSQL client), so every handler
//! runs them in `spawn_blocking`, never on the async workers.

use crate::catalog::{self, HoldTarget};
use crate::ledger;
use crate::metrics::Metrics;
use crate::patron_pin::{PinOrigin, PinProof, check_patron_pin};
use crate::storage::{
    Change, HubError, StationAuth, StationRole, Storage, Stored, VisitBucket, hash_token,
};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Arc;
use swalayan_core::contract::documents::PatronDoc;
use swalayan_core::contract::protocol::{
    ChangesResponse, ErrorBody, HealthAnswer, Outcome, PulledChange, PushRequest, PushResponse,
    PushTransaction, ReportStored, StatusReport, TimeAnswer, VisitsRequest, VisitsStored,
};
use swalayan_core::contract::roles::Access;
use tower_http::compression::CompressionLayer;

/// Largest request body accepted (a batch of 500 transactions is ~200 KB).
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// Most transactions in one push.
pub const MAX_BATCH: usize = 5_000;
/// Most changes in one pull page.
pub const MAX_PAGE: u32 = 10_000;

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub metrics: Arc<Metrics>,
    /// `[library] branches`: the pickup branches holds may name (empty: those copies name).
    pub branches: Arc<[String]>,
    /// The patrons' channels (`[notify]`) on which the hub can send a kiosk visit's receipt.
    pub receipt_media: Arc<[swalayan_core::contact::Notify]>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/v1/health",
            get(|| async { Json(HealthAnswer { ok: true }) }),
        )
        .route(
            "/v1/time",
            get(|| async {
                Json(TimeAnswer {
                    now: Timestamp::now().to_string(),
                })
            }),
        )
        .route("/v1/transactions", post(push))
        .route("/v1/changes", get(changes))
        .route("/v1/visits", post(visits))
        .route("/v1/status", post(report_status))
        .route("/v1/holds", post(place_hold).get(list_holds))
        .route("/v1/holds/{id}", delete(cancel_hold))
        .route("/v1/patron/contact", get(patron_contact))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            count_refusals,
        ))
        // Pull pages are large and repetitive JSON: gzip when the client accepts it.
        .layer(CompressionLayer::new().gzip(true))
        .with_state(state)
}

/// `GET /metrics` alone, for `serve --metrics-listen` (an address only the monitoring
/// system reaches; it is never served on the stations' listener).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Counts every refused request by status (for metrics: a burst of 401s is someone
/// guessing tokens).
async fn count_refusals(
    State(metrics): State<Arc<Metrics>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    if response.status().is_client_error() {
        metrics.refused(response.status().as_u16());
    }
    response
}

/// An API error: a status and a sentence (and, for a refused push, which transactions).
pub struct ApiError(StatusCode, String, Vec<uuid::Uuid>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.1,
            refused: self.2,
        };
        (self.0, Json(body)).into_response()
    }
}

impl From<HubError> for ApiError {
    fn from(e: HubError) -> ApiError {
        let status = match e {
            HubError::NotFound(_) => StatusCode::NOT_FOUND,
            HubError::Forbidden(_) => StatusCode::FORBIDDEN,
            HubError::Invalid(_)
            | HubError::Refused(_)
            | HubError::StationExists(_)
            | HubError::UnknownBranch { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            // The detail is for the hub's log; a client learns nothing of the inside.
            tracing::error!(error = %e, "storage");
            return internal();
        }
        bad(status, e.to_string())
    }
}

fn bad(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError(status, message.into(), Vec::new())
}

/// A 500 that says only that it is the hub's fault (the cause goes to the log).
fn internal() -> ApiError {
    bad(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the hub could not answer; its log says why",
    )
}

/// Runs blocking storage work off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "a request's work ended abnormally");
        internal()
    })?
}

fn bearer(headers: &HeaderMap) -> Result<String, ApiError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .ok_or_else(|| bad(StatusCode::UNAUTHORIZED, "missing bearer token"))
}

/// The station a request's token belongs to (a revoked or rotated-out token is unknown).
/// The hub's own station names never authenticate, whatever a database written before they
/// were reserved holds for them.
fn station_of(storage: &dyn Storage, token: &str) -> Result<StationAuth, ApiError> {
    storage
        .station_for_token_hash(&hash_token(token))?
        .filter(|auth| !crate::storage::is_reserved_station_name(&auth.name))
        .ok_or_else(|| bad(StatusCode::UNAUTHORIZED, "unknown token"))
}

/// Refuses a role what the role table does not give it.
fn forbidden(role: StationRole, what: &str) -> ApiError {
    bad(
        StatusCode::FORBIDDEN,
        format!("a {} station may not {what}", role.code()),
    )
}

fn same_station(station: &str, claimed: &str) -> Result<(), ApiError> {
    if station != claimed {
        return Err(bad(
            StatusCode::FORBIDDEN,
            format!("this token belongs to station '{station}', not '{claimed}'"),
        ));
    }
    Ok(())
}

/// A JSON body, or why not: 415 without a JSON content type, 400 for anything that is not
/// the schema (axum would say 422 for well-formed JSON of the wrong shape; to a station both
/// are the same mistake), 413 over the size limit.
fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(v)| v).map_err(|rejection| {
        let status = match rejection.status() {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        bad(
            status,
            format!("bad request body: {}", rejection.body_text()),
        )
    })
}

async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<Json<PushRequest>, JsonRejection>,
) -> Result<Json<PushResponse>, ApiError> {
    let token = bearer(&headers)?;
    let request = body(request)?;
    if request.transactions.len() > MAX_BATCH {
        return Err(bad(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("at most {MAX_BATCH} transactions per push"),
        ));
    }
    let mut ids = HashSet::new();
    if let Some(dup) = request.transactions.iter().find(|t| !ids.insert(t.id)) {
        return Err(bad(
            StatusCode::BAD_REQUEST,
            format!(
                "transaction {} appears twice in the batch; nothing was applied",
                dup.id
            ),
        ));
    }
    let received = Timestamp::now();
    // The station's clock against ours, measured now (the request just arrived).
    let offset = request
        .sent_at
        .as_deref()
        .and_then(|s| s.parse::<Timestamp>().ok())
        .map(|sent| received.duration_since(sent));
    let metrics = state.metrics.clone();
    let results = blocking(move || {
        let auth = station_of(state.storage.as_ref(), &token)?;
        same_station(&auth.name, &request.station)?;
        // The whole batch is refused if one transaction is not the role's to make: a
        // stolen drop box token cannot lend, whatever else it sends. A kind the hub does not
        // know is a kiosk's to send only. The answer names every refused transaction, so the
        // station moves those to its conflicts and sends the rest again.
        let refused: Vec<&PushTransaction> = request
            .transactions
            .iter()
            .filter(|t| {
                t.kind
                    .known()
                    .map_or(!auth.role.may_push_unknown(), |k| !auth.role.may_push(*k))
            })
            .collect();
        if let Some(first) = refused.first() {
            let mut refusal = forbidden(
                auth.role,
                &format!("push '{}' transactions; nothing was applied", first.kind),
            );
            refusal.2 = refused.iter().map(|t| t.id).collect();
            return Err(refusal);
        }
        state.storage.station_seen(&auth.name, received, None)?;
        Ok(ledger::apply_batch(
            state.storage.as_ref(),
            &auth.name,
            &request.transactions,
            received,
            offset,
        )?)
    })
    .await?;
    for r in &results {
        metrics.transaction(match r.outcome {
            Outcome::Applied => "applied",
            Outcome::Duplicate => "duplicate",
            Outcome::Conflict => "conflict",
        });
        if let Some(code) = r.code {
            metrics.conflict(code.code());
        }
    }
    Ok(Json(PushResponse {
        results,
        server_time: Timestamp::now().to_string(),
    }))
}

#[derive(Debug, Deserialize)]
struct ChangesQuery {
    #[serde(default)]
    since: i64,
    limit: Option<u32>,
}

async fn changes(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ChangesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ChangesResponse>, ApiError> {
    let token = bearer(&headers)?;
    let Query(query) = query.map_err(|e| bad(StatusCode::BAD_REQUEST, e.body_text()))?;
    let limit = query.limit.unwrap_or(MAX_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) || query.since < 0 {
        return Err(bad(
            StatusCode::BAD_REQUEST,
            format!("since must be 0 or more and limit between 1 and {MAX_PAGE}"),
        ));
    }
    let metrics = state.metrics.clone();
    let (role, page) = blocking(move || {
        let auth = station_of(state.storage.as_ref(), &token)?;
        state
            .storage
            .station_seen(&auth.name, Timestamp::now(), None)?;
        // One more than asked says whether more wait.
        Ok((auth.role, state.storage.changes(query.since, limit + 1)?))
    })
    .await?;
    let more = page.len() > limit as usize;
    let page: Vec<_> = page.into_iter().take(limit as usize).collect();
    // The cursor moves over what the role may not see too, so it never asks for it again.
    let next = page.last().map(|c| c.rev).unwrap_or(query.since);
    let changes: Vec<PulledChange> = page.into_iter().filter_map(|c| for_role(role, c)).collect();
    metrics.pulled(changes.len() as u64);
    Ok(Json(ChangesResponse {
        next,
        changes,
        more,
    }))
}

/// A change as a role may see it: all of it, a patron reduced to the card, or nothing; a
/// patron never with when they joined or their kelurahan (the hub's reports' alone).
fn for_role(role: StationRole, change: Change) -> Option<PulledChange> {
    let body = match role.access(change.kind) {
        Access::None => return None,
        Access::Full if change.kind == crate::storage::DocKind::Patron => {
            change.body.and_then(|body| {
                let doc: PatronDoc = body.read(&change.key).ok()?;
                Stored::of(&doc.for_stations()).ok().map(Stored::into_wire)
            })
        }
        Access::Full => change.body.map(Stored::into_wire),
        Access::CardsOnly => change.body.and_then(|body| {
            // An unreadable stored patron is left out rather than served whole.
            let doc: PatronDoc = body.read(&change.key).ok()?;
            Stored::of(&doc.cards_only()).ok().map(Stored::into_wire)
        }),
    };
    Some(PulledChange {
        rev: change.rev,
        kind: change.kind.into(),
        key: change.key,
        body,
    })
}

/// `POST /v1/status`: a station's health after its sync round, kept for `station list`.
async fn report_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<ReportStored>, ApiError> {
    let token = bearer(&headers)?;
    let raw = body(request)?;
    // Read as the contract says; what a newer station added is kept in `extra`.
    let report: StatusReport = serde_json::from_value(raw)
        .map_err(|e| bad(StatusCode::BAD_REQUEST, format!("bad status report: {e}")))?;
    blocking(move || {
        let auth = station_of(state.storage.as_ref(), &token)?;
        same_station(&auth.name, &report.station)?;
        state
            .storage
            .station_seen(&auth.name, Timestamp::now(), Some(&report.health))?;
        Ok(())
    })
    .await?;
    Ok(Json(ReportStored { stored: true }))
}

async fn visits(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<Json<VisitsRequest>, JsonRejection>,
) -> Result<Json<VisitsStored>, ApiError> {
    let token = bearer(&headers)?;
    let request = body(request)?;
    for b in &request.buckets {
        if b.start.parse::<Timestamp>().is_err() || b.entered < 0 || b.left < 0 {
            return Err(bad(
                StatusCode::BAD_REQUEST,
                format!(
                    "bad bucket starting '{}': needs an RFC 3339 time and counts >= 0",
                    b.start
                ),
            ));
        }
    }
    let stored = blocking(move || {
        let auth = station_of(state.storage.as_ref(), &token)?;
        same_station(&auth.name, &request.station)?;
        if !auth.role.may_count_visits() {
            return Err(forbidden(auth.role, "send visitor counts"));
        }
        let station = auth.name;
        let buckets: Vec<VisitBucket> = request
            .buckets
            .iter()
            .map(|b| VisitBucket {
                start: b.start.clone(),
                entered: b.entered,
                left: b.left,
                passage: b.passage.clone().unwrap_or_default(),
                station: String::new(),
            })
            .collect();
        Ok(state.storage.record_visits(&station, &buckets)?)
    })
    .await?;
    Ok(Json(VisitsStored { stored }))
}

/// Whom a holds request may act for.
enum Acting {
    /// A staff token: any patron.
    Staff,
    /// A patron who proved their card with its PIN.
    Patron(String),
}

/// Checks who a holds request acts for: a staff token, or a kiosk (the web catalogue's)
/// token with the patron's card and PIN, checked here against the patron's verifier.
fn acting(
    storage: &dyn Storage,
    token: &str,
    proof: Option<(String, String)>,
) -> Result<Acting, ApiError> {
    let auth = station_of(storage, token)?;
    if auth.role.is_staff() {
        return Ok(Acting::Staff);
    }
    if auth.role != StationRole::Kiosk {
        return Err(forbidden(auth.role, "use the holds API"));
    }
    let Some((card, pin)) = proof else {
        return Err(bad(
            StatusCode::UNAUTHORIZED,
            "a patron's card and PIN are needed to act for them",
        ));
    };
    // A station acting for a patron: wrong PINs count library-wide, as at a kiosk.
    let proof = check_patron_pin(storage, &card, &pin, Timestamp::now(), PinOrigin::Station)?;
    match proof {
        PinProof::Accepted => Ok(Acting::Patron(card)),
        PinProof::Refused => Err(bad(StatusCode::FORBIDDEN, "card or PIN not right")),
        PinProof::Locked => Err(bad(
            StatusCode::FORBIDDEN,
            "this card is locked after too many wrong PINs; try later or ask staff",
        )),
    }
}

/// The card and PIN of `X-Patron-Card` / `X-Patron-Pin` (never in the URL: addresses end
/// up in logs and browser histories).
fn header_proof(headers: &HeaderMap) -> Option<(String, String)> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Some((get("x-patron-card")?, get("x-patron-pin")?))
}

/// `GET /v1/patron/contact`: how the signed-in patron hears from the library, for the
/// kiosk's receipt screen ("Kirim ke WhatsApp"): the channel, the contact masked, and whether
/// the hub can send this patron a receipt there. A kiosk token with the patron's card and PIN
/// (`X-Patron-Card`, `X-Patron-Pin`; wrong PINs count library-wide), or a staff token for any
/// card (`?patron=`). Nothing of the contact leaves unmasked.
#[derive(Debug, Serialize)]
pub struct ContactAnswer {
    /// `whatsapp`, `sms`, `email` or `none`.
    pub channel: String,
    /// `+62 812-****-7890`, `n***@contoh.id`; absent for `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A receipt sent now would go: consent given, receipts not turned off, a channel for it.
    pub receipt: bool,
}

async fn patron_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HoldsQuery>,
) -> Result<Json<ContactAnswer>, ApiError> {
    use swalayan_core::contact::{MessageKind, Notify, mask_contact};
    use swalayan_core::contract::documents::ContactDoc;
    let token = bearer(&headers)?;
    let proof = header_proof(&headers);
    let answer = blocking(move || {
        let card = match acting(state.storage.as_ref(), &token, proof)? {
            Acting::Patron(card) => card,
            Acting::Staff => query
                .patron
                .ok_or_else(|| bad(StatusCode::BAD_REQUEST, "name the patron: ?patron=CARD"))?,
        };
        let contact = state.storage.one::<ContactDoc>(&card)?;
        let Some(contact) = contact.filter(|c| c.notify != Notify::None && c.consent.is_some())
        else {
            return Ok(ContactAnswer {
                channel: Notify::None.code().to_string(),
                to: None,
                receipt: false,
            });
        };
        let to = match contact.notify {
            Notify::Email => contact.email.as_deref(),
            _ => contact.phone.as_deref(),
        };
        Ok(ContactAnswer {
            channel: contact.notify.code().to_string(),
            to: to.map(mask_contact),
            receipt: to.is_some()
                && !contact.muted.contains(&MessageKind::Receipt)
                && state.receipt_media.contains(&contact.notify),
        })
    })
    .await?;
    Ok(Json(answer))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldRequest {
    patron: String,
    /// The patron's PIN, when a kiosk token acts for them (a staff token needs none).
    #[serde(default)]
    pin: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    item: Option<String>,
    pickup_branch: String,
}

async fn place_hold(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<Json<HoldRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<catalog::HoldEntry>), ApiError> {
    let token = bearer(&headers)?;
    let request = body(request)?;
    let target = match (request.title, request.item) {
        (Some(title), None) => HoldTarget::Title(title),
        (None, Some(item)) => HoldTarget::Item(item),
        _ => {
            return Err(bad(
                StatusCode::BAD_REQUEST,
                "give either \"title\" (a title key) or \"item\" (a barcode)",
            ));
        }
    };
    let entry = blocking(move || {
        let proof = request.pin.clone().map(|pin| (request.patron.clone(), pin));
        acting(state.storage.as_ref(), &token, proof)?;
        Ok(catalog::place_hold(
            state.storage.as_ref(),
            &request.patron,
            &target,
            &request.pickup_branch,
            &state.branches,
            Timestamp::now(),
        )?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

#[derive(Debug, Deserialize)]
struct HoldsQuery {
    patron: Option<String>,
}

async fn list_holds(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HoldsQuery>,
) -> Result<Json<Vec<catalog::HoldEntry>>, ApiError> {
    let token = bearer(&headers)?;
    let proof = header_proof(&headers);
    let holds = blocking(move || {
        let patron = match acting(state.storage.as_ref(), &token, proof)? {
            Acting::Staff => query.patron,
            Acting::Patron(card) => {
                if query.patron.as_ref().is_some_and(|p| *p != card) {
                    return Err(bad(
                        StatusCode::FORBIDDEN,
                        "a patron may list only their own holds",
                    ));
                }
                Some(card)
            }
        };
        Ok(catalog::list_holds(
            state.storage.as_ref(),
            patron.as_deref(),
            false,
        )?)
    })
    .await?;
    Ok(Json(holds))
}

async fn cancel_hold(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<catalog::HoldEntry>, ApiError> {
    let token = bearer(&headers)?;
    let proof = header_proof(&headers);
    let entry = blocking(move || {
        let only_for = match acting(state.storage.as_ref(), &token, proof)? {
            Acting::Staff => None,
            Acting::Patron(card) => Some(card),
        };
        Ok(catalog::cancel_hold(
            state.storage.as_ref(),
            &id,
            only_for.as_deref(),
        )?)
    })
    .await?;
    Ok(Json(entry))
}

async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let storage = state.storage.clone();
    let revision = blocking(move || Ok(storage.revision()?)).await?;
    let text = state.metrics.render(revision);
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
