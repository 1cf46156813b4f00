//! The hub's HTTP/JSON API (docs/hub-api.md).
//!
//! The store sits behind a `std::sync::Mutex`, not a tokio one: it is only ever locked inside
//! `spawn_blocking` (SQLite calls block), never across an `.await`.

use crate::store::HubStore;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use swalayan::sync::protocol::{ErrorBody, PushRequest, PushResponse};

/// Largest request body accepted (a batch of 500 transactions is ~200 KB).
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// Most transactions in one push.
pub const MAX_BATCH: usize = 5_000;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Mutex<HubStore>>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/v1/health",
            get(|| async { Json(serde_json::json!({"ok": true})) }),
        )
        .route(
            "/v1/time",
            get(|| async { Json(serde_json::json!({"now": Timestamp::now().to_string()})) }),
        )
        .route("/v1/transactions", post(push))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ErrorBody {
            error: message.into(),
        }),
    )
        .into_response()
}

async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<PushRequest>, JsonRejection>,
) -> Response {
    let Some(token) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
    else {
        return error(StatusCode::UNAUTHORIZED, "missing bearer token");
    };
    let Json(request) = match body {
        Ok(body) => body,
        Err(rejection) => {
            return error(
                rejection.status(),
                format!("bad request body: {}", rejection.body_text()),
            );
        }
    };
    if request.transactions.len() > MAX_BATCH {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("at most {MAX_BATCH} transactions per push"),
        );
    }
    let mut ids = HashSet::new();
    if let Some(dup) = request.transactions.iter().find(|t| !ids.insert(t.id)) {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "transaction {} appears twice in the batch; nothing was applied",
                dup.id
            ),
        );
    }
    let result = tokio::task::spawn_blocking(move || {
        let mut store = state.store.lock().map_err(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "store poisoned".to_string(),
            )
        })?;
        let station = store
            .station_for_token(&token)
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
            .ok_or((StatusCode::UNAUTHORIZED, "unknown token".to_string()))?;
        if station != request.station {
            return Err((
                StatusCode::FORBIDDEN,
                format!(
                    "this token belongs to station '{station}', not '{}'",
                    request.station
                ),
            ));
        }
        let results = store
            .apply_batch(&station, &request.transactions, Timestamp::now())
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        Ok(PushResponse {
            results,
            server_time: Timestamp::now().to_string(),
        })
    })
    .await;
    match result {
        Ok(Ok(response)) => Json(response).into_response(),
        Ok(Err((status, message))) => error(status, message),
        Err(join) => error(StatusCode::INTERNAL_SERVER_ERROR, join.to_string()),
    }
}
