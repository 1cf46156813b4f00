//! The central a station syncs with, behind one trait: our hub over HTTP today, a library
//! system over SIP2 later. Both push the outbox and pull changes; only a library system that
//! is online can also "decide now" (ask the ILS before lending), which the hub never needs
//! because the station decides with its own copy of the rules.

use super::pull::pull_changes;
use super::push::{Central, SyncError, SyncReport, push_pending, read_answer};
use super::status;
use crate::contract::protocol::{
    DeviceState, StationHealth, StatusReport, VisitCount, VisitsRequest,
};
use crate::store::{Store, outbox};
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A question only an online library system can answer before the station acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecideRequest {
    Checkout { patron: String, item: String },
    Checkin { item: String },
}

/// The library system's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// What the library system said, shown to staff (and to the patron when it is meant for them).
    pub message: Option<String>,
}

/// A central catalog.
pub trait CentralLink: Send + Sync {
    /// Sends pending outbox rows and records what the central said of each.
    fn push<'a>(&'a self, store: &'a mut Store) -> BoxFuture<'a, Result<SyncReport, SyncError>>;
    /// Applies the central's changes since this station's cursor; returns how many.
    fn pull<'a>(&'a self, store: &'a mut Store) -> BoxFuture<'a, Result<u64, SyncError>>;
    /// Asks the central to decide now; `None` when this central never does (the station's
    /// own rules decide, as with the hub).
    fn decide_now<'a>(
        &'a self,
        _request: &'a DecideRequest,
    ) -> Option<BoxFuture<'a, Result<Decision, SyncError>>> {
        None
    }

    /// Sends the visitor counts the central does not have yet; returns how many buckets. A
    /// central that takes none (a library system over SIP2) keeps them at the station.
    fn push_visits<'a>(&'a self, _store: &'a mut Store) -> BoxFuture<'a, Result<usize, SyncError>> {
        Box::pin(async { Ok(0) })
    }

    /// Tells the central how this station is (a central without such a report ignores it).
    fn report<'a>(&'a self, _health: &'a StationHealth) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Our hub over HTTP(S).
pub struct HubLink {
    central: Central,
    client: reqwest::Client,
}

impl HubLink {
    pub fn new(central: Central) -> Result<HubLink, SyncError> {
        let client = central.client()?;
        Ok(HubLink { central, client })
    }
}

impl CentralLink for HubLink {
    fn push<'a>(&'a self, store: &'a mut Store) -> BoxFuture<'a, Result<SyncReport, SyncError>> {
        Box::pin(push_pending(store, &self.central, &self.client))
    }

    fn pull<'a>(&'a self, store: &'a mut Store) -> BoxFuture<'a, Result<u64, SyncError>> {
        Box::pin(pull_changes(store, &self.central, &self.client))
    }

    fn push_visits<'a>(&'a self, store: &'a mut Store) -> BoxFuture<'a, Result<usize, SyncError>> {
        Box::pin(async move {
            let mut sent = 0;
            loop {
                let buckets = crate::store::visits::unsent(store.conn(), 500)?;
                if buckets.is_empty() {
                    return Ok(sent);
                }
                let request = VisitsRequest {
                    station: self.central.station.clone(),
                    buckets: buckets
                        .iter()
                        .map(|b| VisitCount {
                            start: b.start.clone(),
                            entered: b.entered,
                            left: b.left,
                            passage: Some(b.passage.clone()),
                        })
                        .collect(),
                };
                let response = self
                    .client
                    .post(format!(
                        "{}/v1/visits",
                        self.central.url.trim_end_matches('/')
                    ))
                    .bearer_auth(&self.central.token)
                    .timeout(self.central.timeout)
                    .json(&request)
                    .send()
                    .await;
                read_answer::<serde_json::Value>(response).await?;
                // Acknowledged: a bucket that grew meanwhile is sent again next round.
                crate::store::visits::mark_sent(store.conn(), &buckets)?;
                sent += buckets.len();
            }
        })
    }

    fn report<'a>(&'a self, health: &'a StationHealth) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async move {
            let report = StatusReport {
                station: self.central.station.clone(),
                health: health.clone(),
            };
            let response = self
                .client
                .post(format!(
                    "{}/v1/status",
                    self.central.url.trim_end_matches('/')
                ))
                .bearer_auth(&self.central.token)
                .timeout(self.central.timeout)
                .json(&report)
                .send()
                .await;
            read_answer::<serde_json::Value>(response).await.map(|_| ())
        })
    }
}

/// One sync round: push first (so the central hears of our loans before we take its
/// picture of them), then pull, then send visitor counts the central lacks (a gate's), then
/// tell the central how the station is (`devices` as the
/// station's runtime sees them, and the role's open alarms). The round is remembered (when, and why it failed) for
/// `swalayan status`.
pub async fn sync_round(
    link: &dyn CentralLink,
    store: &mut Store,
    devices: &[DeviceState],
    alarms: &[String],
) -> Result<SyncReport, SyncError> {
    let result = async {
        let mut report = link.push(store).await?;
        report.pulled = link.pull(store).await?;
        link.push_visits(store).await?;
        let (pending, _, conflicts) = outbox::counts(store.conn())?;
        report.pending = pending;
        let health = StationHealth {
            pending,
            conflicts,
            devices: devices.to_vec(),
            alarms: alarms.to_vec(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
            extra: Default::default(),
        };
        // The round's work is done; a hub too old for reports does not fail it.
        if let Err(e) = link.report(&health).await {
            tracing::debug!(error = %e, "the central took no health report");
        }
        Ok::<_, SyncError>(report)
    }
    .await;
    let now = jiff::Timestamp::now();
    match &result {
        Ok(_) => status::record_success(store.conn(), now)?,
        Err(e) => status::record_failure(store.conn(), now, &e.to_string(), e.problem())?,
    }
    result
}
