//! The station side of a push: pending outbox rows in batches to the hub, and the outcome of
//! each recorded (acknowledged, or conflict for staff). Nothing is dropped: a row leaves
//! `pending` only on the hub's word.

use crate::config::CentralSettings;
use crate::contract::protocol::{ErrorBody, Outcome, PushRequest, PushResponse, PushTransaction};
use crate::contract::transactions::TxBody;
use crate::reason::Lang;
use crate::store::{Store, StoreError, meta, outbox};
use jiff::Timestamp;
use serde::Serialize;
use std::time::Duration;

/// Where the central is and who we are to it.
#[derive(Debug, Clone)]
pub struct Central {
    /// e.g. `http://127.0.0.1:8080`.
    pub url: String,
    pub token: String,
    pub station: String,
    /// A PEM certificate to trust (a hub with its own certificate); else the system's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Transactions per push request.
    pub batch: u32,
    /// How long one request may take before the station gives up and retries later.
    pub timeout: Duration,
}

impl Central {
    /// A central with the default batch size and timeout.
    pub fn new(url: &str, token: &str, station: &str) -> Central {
        Central {
            url: url.to_string(),
            token: token.to_string(),
            station: station.to_string(),
            ca_pem: None,
            batch: BATCH,
            timeout: Duration::from_secs(30),
        }
    }

    /// The central a station's `[central]` settings name, with the default batch and timeout.
    pub fn from_settings(settings: &CentralSettings, station: &str) -> Central {
        Central {
            ca_pem: settings.ca_pem.clone(),
            ..Central::new(&settings.url, &settings.token, station)
        }
    }

    /// An HTTP client for this central: rustls (ring), gzip, the hub's own CA if given.
    pub fn client(&self) -> Result<reqwest::Client, SyncError> {
        // Another part of the program may have installed it already; either way it is there.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .gzip(true);
        if let Some(pem) = &self.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| SyncError::Config(format!("ca_file: {e}")))?;
            builder = builder.tls_certs_only(certs);
        }
        builder
            .build()
            .map_err(|e| SyncError::Config(format!("HTTP client: {e}")))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The hub could not be reached or did not answer in time: try again later.
    #[error("the central cannot be reached: {0}")]
    Unreachable(String),
    /// The hub answered with an error status (e.g. 401: wrong token).
    #[error("the central refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    /// The hub answered something this station cannot read.
    #[error("the central answered nonsense: {0}")]
    BadAnswer(String),
    /// The station's [central] settings cannot work (a bad CA file).
    #[error("central settings: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Worth retrying with backoff (network, timeouts, 5xx), as opposed to a configuration
    /// problem staff must fix (401, 403, 400).
    pub fn is_transient(&self) -> bool {
        self.problem().is_transient()
    }

    /// What is wrong, as staff need to know it.
    pub fn problem(&self) -> CentralProblem {
        match self {
            SyncError::Unreachable(_) => CentralProblem::Unreachable,
            SyncError::Refused { status: 401, .. } => CentralProblem::TokenRefused,
            SyncError::Refused { status: 403, .. } => CentralProblem::NotAllowed,
            SyncError::Refused { status, .. } if *status >= 500 || *status == 429 => {
                CentralProblem::CentralError
            }
            SyncError::Refused { .. } | SyncError::BadAnswer(_) => CentralProblem::BadAnswer,
            SyncError::Config(_) | SyncError::Store(_) => CentralProblem::StationSetup,
        }
    }
}

/// Why the last sync failed, kept apart by what staff should do: wait (the network or the
/// central is down; transactions wait here) or fix something (a wrong token is not "offline").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CentralProblem {
    /// The network is down or the central does not answer: transactions wait here.
    Unreachable,
    /// The central answered with a server error (or asked to slow down): it should pass.
    CentralError,
    /// The central does not know this station's token (401).
    TokenRefused,
    /// The central refuses this station something (403: its name or role).
    NotAllowed,
    /// The central answered something this station cannot read (versions differ?).
    BadAnswer,
    /// This station's own settings (`ca_file`) or database.
    StationSetup,
}

impl CentralProblem {
    pub const ALL: [CentralProblem; 6] = [
        CentralProblem::Unreachable,
        CentralProblem::CentralError,
        CentralProblem::TokenRefused,
        CentralProblem::NotAllowed,
        CentralProblem::BadAnswer,
        CentralProblem::StationSetup,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CentralProblem::Unreachable => "unreachable",
            CentralProblem::CentralError => "central_error",
            CentralProblem::TokenRefused => "token_refused",
            CentralProblem::NotAllowed => "not_allowed",
            CentralProblem::BadAnswer => "bad_answer",
            CentralProblem::StationSetup => "station_setup",
        }
    }

    pub fn parse(code: &str) -> Option<CentralProblem> {
        CentralProblem::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Whether waiting helps (the worker retries with backoff) or staff must act.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            CentralProblem::Unreachable | CentralProblem::CentralError
        )
    }

    /// What staff read, with what to do.
    pub fn sentence(self, lang: Lang) -> &'static str {
        match self {
            CentralProblem::Unreachable => lang.pick(
                "Pusat tidak terjangkau (jaringan atau server mati). Transaksi menunggu di sini dan terkirim sendiri nanti.",
                "The central cannot be reached (network or server down). Transactions wait here and go by themselves later.",
            ),
            CentralProblem::CentralError => lang.pick(
                "Server pusat sedang bermasalah. Transaksi menunggu di sini; dicoba lagi otomatis.",
                "The central server has a problem. Transactions wait here; retried automatically.",
            ),
            CentralProblem::TokenRefused => lang.pick(
                "Pusat menolak token stasiun ini. Periksa token di [central] (atau token_file), atau minta token baru.",
                "The central refuses this station's token. Check the token in [central] (or token_file), or ask for a new one.",
            ),
            CentralProblem::NotAllowed => lang.pick(
                "Pusat tidak mengizinkan stasiun ini (nama atau peran salah). Periksa [station] id dan peran stasiun di pusat.",
                "The central does not allow this station (wrong name or role). Check [station] id and the station's role at the central.",
            ),
            CentralProblem::BadAnswer => lang.pick(
                "Jawaban pusat tidak bisa dibaca (versi berbeda?). Perbarui stasiun atau pusat.",
                "The central's answer cannot be read (different versions?). Update the station or the central.",
            ),
            CentralProblem::StationSetup => lang.pick(
                "Pengaturan stasiun ini bermasalah (ca_file atau basis data). Lihat log.",
                "This station's setup has a problem (ca_file or database). See the log.",
            ),
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub pushed: u64,
    pub pulled: u64,
    pub conflicts: u64,
    /// Rows neither acknowledged nor in conflict after the sync.
    pub pending: i64,
}

/// Rows per request: small enough for a slow link, large enough for a backlog.
pub const BATCH: u32 = 500;

/// Pushes every pending row, batch by batch, recording each outcome as it comes back.
pub async fn push_pending(
    store: &mut Store,
    central: &Central,
    client: &reqwest::Client,
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let keep_history = meta::policy(store.conn())?.keep_history;
    loop {
        let rows = next_batch(store, central.batch.max(1))?;
        if rows.is_empty() {
            break;
        }
        let request = PushRequest {
            station: central.station.clone(),
            transactions: rows
                .iter()
                .map(|r| PushTransaction {
                    id: r.id,
                    seq: r.seq,
                    kind: r.kind.clone(),
                    created_at: r.created_at.to_string(),
                    clock_trusted: r.clock_trusted,
                    payload: r.payload.clone(),
                })
                .collect(),
            sent_at: Some(Timestamp::now().to_string()),
        };
        let response = client
            .post(format!(
                "{}/v1/transactions",
                central.url.trim_end_matches('/')
            ))
            .bearer_auth(&central.token)
            .json(&request)
            .timeout(central.timeout)
            .send()
            .await;
        let response = match refused_rows(response, &rows).await? {
            Refusal::Rows { ids, message } => {
                // The hub will refuse these whatever we do (a kind outside the role, or one
                // it does not know): they go to the conflict list for staff, with the hub's
                // words, and the rest is sent again. The outbox never sticks on them.
                let now = Timestamp::now();
                let tx = store.write()?;
                for id in &ids {
                    let reason = format!("refused by the hub: {message}");
                    if outbox::mark_conflict(&tx, *id, &reason, now)? {
                        report.conflicts += 1;
                    }
                }
                tx.commit().map_err(StoreError::from)?;
                continue;
            }
            Refusal::Not(response) => response,
        };
        let body: PushResponse = read_answer(response).await?;
        let now = Timestamp::now();
        let tx = store.write()?;
        let mut acknowledged = Vec::new();
        for result in &body.results {
            if !rows.iter().any(|r| r.id == result.id) {
                return Err(SyncError::BadAnswer(format!(
                    "an answer for {} which was not sent",
                    result.id
                )));
            }
            match result.outcome {
                Outcome::Applied | Outcome::Duplicate => acknowledged.push(result.id),
                Outcome::Conflict => {
                    let reason = result.reason.as_deref().unwrap_or("conflict");
                    if outbox::mark_conflict(&tx, result.id, reason, now)? {
                        report.conflicts += 1;
                    }
                }
            }
        }
        report.pushed += outbox::acknowledge(&tx, &acknowledged, now, keep_history)? as u64;
        // The hub's clock is a trusted time: a station whose clock is behind it (a Pi booted
        // before NTP) computes dates from it from now on.
        if let Ok(hub_time) = body.server_time.parse::<Timestamp>()
            && meta::last_trusted_time(&tx)?.is_none_or(|t| t < hub_time)
        {
            meta::set_last_trusted_time(&tx, hub_time)?;
        }
        tx.commit().map_err(StoreError::from)?;
        if body.results.len() < rows.len() {
            // The hub answered part of the batch: the rest stays pending for the next round.
            break;
        }
    }
    report.pending = outbox::counts(store.conn())?.0;
    Ok(report)
}

/// The next pending rows, `batch` of them, and one more when that one is the fine charged by
/// the batch's last return: the hub charges a fine only with its return in the same push.
fn next_batch(store: &Store, batch: u32) -> Result<Vec<outbox::OutboxRow>, SyncError> {
    let mut rows = outbox::list(store.conn(), true, Some(batch.saturating_add(1)))?;
    if rows.len() > batch as usize {
        let keeps_with_its_return = match (rows.last(), rows.get(batch as usize - 1)) {
            (Some(next), Some(last)) => fine_of(next) == Some(last.id),
            _ => false,
        };
        if !keeps_with_its_return {
            rows.truncate(batch as usize);
        }
    }
    Ok(rows)
}

/// The return a pending `fine` row names.
fn fine_of(row: &outbox::OutboxRow) -> Option<uuid::Uuid> {
    match TxBody::decode(&row.kind, &row.payload) {
        Ok(TxBody::Fine(fine)) => fine.checkin,
        _ => None,
    }
}

/// A push the hub refused whole, naming the rows it will never take.
enum Refusal {
    Rows {
        ids: Vec<uuid::Uuid>,
        message: String,
    },
    Not(Result<reqwest::Response, reqwest::Error>),
}

/// Reads a `403` that names refused transactions of this batch; any other answer is passed
/// on untouched, and a `403` that names none is the refusal it is.
async fn refused_rows(
    response: Result<reqwest::Response, reqwest::Error>,
    rows: &[outbox::OutboxRow],
) -> Result<Refusal, SyncError> {
    let answer = match response {
        Ok(answer) if answer.status() == reqwest::StatusCode::FORBIDDEN => answer,
        other => return Ok(Refusal::Not(other)),
    };
    let text = answer.text().await.unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body)
            if !body.refused.is_empty()
                && body
                    .refused
                    .iter()
                    .all(|id| rows.iter().any(|r| r.id == *id)) =>
        {
            Ok(Refusal::Rows {
                ids: body.refused,
                message: body.error,
            })
        }
        _ => Err(SyncError::Refused {
            status: 403,
            message: text.chars().take(300).collect(),
        }),
    }
}

/// The hub's answer to a request, read as `T`. A connection that fails or a body cut short
/// is a network failure, worth retrying; an error status is the hub refusing; a complete body
/// that is not our protocol is nonsense.
pub(crate) async fn read_answer<T: serde::de::DeserializeOwned>(
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, SyncError> {
    let response = response.map_err(|e| SyncError::Unreachable(describe(&e)))?;
    let status = response.status();
    if !status.is_success() {
        let message = response.text().await.unwrap_or_default();
        return Err(SyncError::Refused {
            status: status.as_u16(),
            message: message.chars().take(300).collect(),
        });
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| SyncError::Unreachable(format!("answer cut short: {}", describe(&e))))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        if e.is_eof() {
            SyncError::Unreachable(format!("answer cut short: {e}"))
        } else {
            SyncError::BadAnswer(e.to_string())
        }
    })
}

/// A reqwest error with its causes (the top level alone says only "error sending request").
pub(crate) fn describe(error: &reqwest::Error) -> String {
    swalayan_core::error_text::one_line(error)
}
