//! The library's own system over SIP2 as the station's central: the outbox replayed in order,
//! honestly — loans as ordinary checkouts with their true times (most systems ignore SIP2's
//! "no block"), returns with their return date, renewals as renewals — and every refusal into
//! the conflict list with the system's own words, never dropped and never retried forever.
//!
//! A transaction the library system has no message for (feedback, PIN attempts, drop box
//! exceptions, security alarms, fines) stays the station's: it is acknowledged without
//! being sent. SIP2 has no catalog to pull: `pull` brings nothing.
//!
//! The SIP2 client blocks; the sync worker runs it on its own thread, so only the worker
//! waits (at most the configured timeout per message).

use super::central::{BoxFuture, CentralLink};
use super::push::{SyncError, SyncReport};
use crate::config::Sip2Config;
use crate::contract::transactions::TxBody;
use crate::store::{Store, meta, outbox};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::sync::Mutex;
use std::time::Duration;
use swalayan_sip2::messages::{Checkin, Checkout, Renew};
use swalayan_sip2::{Client, ClientError, Message, SipDate};

/// The code a refused replay carries in the conflict list, before the system's words.
pub const CENTRAL_REFUSED: &str = "central_refused";

/// Rows sent per round: a backlog drains over a few rounds rather than one long one.
const BATCH: u32 = 200;

/// A status (99) keeps the connection alive well before servers drop idle ones (Koha: 600 s).
const KEEPALIVE: Duration = Duration::from_secs(120);

pub struct Sip2Link {
    settings: Sip2Config,
    time_zone: TimeZone,
    /// Open while the system answers; dropped on any error (reconnected next round).
    client: Mutex<Option<Client>>,
}

impl Sip2Link {
    pub fn new(settings: Sip2Config, time_zone: TimeZone) -> Sip2Link {
        Sip2Link {
            settings,
            time_zone,
            client: Mutex::new(None),
        }
    }

    fn date(&self, at: Timestamp) -> SipDate {
        SipDate::local(at.to_zoned_datetime(self.time_zone.clone()).datetime())
    }

    /// The SIP2 request for an outbox row, or None for a kind the system takes no message for.
    fn request(&self, body: &TxBody, created: Timestamp) -> Option<Message> {
        let connection = &self.settings.connection;
        let at = self.date(created);
        Some(match body {
            TxBody::Checkout(loan) | TxBody::Pickup(loan) => Checkout {
                date: at.clone(),
                nb_due_date: at,
                institution: connection.institution.clone(),
                patron: loan.patron.clone(),
                item: loan.item.clone(),
                terminal_password: connection.terminal_password.clone(),
                ..Checkout::default()
            }
            .into(),
            TxBody::Checkin(checkin) => Checkin {
                date: at,
                return_date: self.date(checkin.returned),
                current_location: connection.location.clone().unwrap_or_default(),
                institution: connection.institution.clone(),
                item: checkin.item.clone(),
                terminal_password: connection.terminal_password.clone(),
                ..Checkin::default()
            }
            .into(),
            TxBody::Renew(renew) => Renew {
                date: at.clone(),
                nb_due_date: at,
                institution: connection.institution.clone(),
                patron: renew.patron.clone().unwrap_or_default(),
                item: Some(renew.item.clone()),
                terminal_password: Some(connection.terminal_password.clone()),
                ..Renew::default()
            }
            .into(),
            _ => return None,
        })
    }

    /// Sends the pending rows in order; stops at the first that gets no answer (the order
    /// matters: a return before its loan would be refused).
    fn push_now(&self, store: &mut Store) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let keep_history = meta::policy(store.conn())?.keep_history;
        let mut slot = self.client.lock().unwrap_or_else(|e| e.into_inner());
        let rows = outbox::list(store.conn(), true, Some(BATCH))?;
        for row in rows {
            let now = Timestamp::now();
            let request = TxBody::decode(&row.kind, &row.payload)
                .ok()
                .and_then(|body| self.request(&body, row.created_at));
            let Some(request) = request else {
                // Not the library system's business (or unreadable: kept as the hub would).
                let tx = store.write()?;
                report.pushed += outbox::acknowledge(&tx, &[row.id], now, keep_history)? as u64;
                tx.commit().map_err(crate::store::StoreError::from)?;
                continue;
            };
            let client = match slot.as_mut() {
                Some(client) => client,
                None => slot.insert(connect(&self.settings)?),
            };
            // A connection closed unanswered is opened again and the row sent again once
            // (swalayan_sip2::resend); a refused resend the system shows as done is done.
            let answer = match client.request_resending(request) {
                Ok(answer) => answer.message,
                Err(error) => {
                    *slot = None;
                    return Err(sync_error(error));
                }
            };
            let refusal = match &answer {
                Message::CheckoutResponse(a) => (!a.ok).then(|| a.screen_message.join(" ")),
                Message::CheckinResponse(a) => (!a.ok).then(|| a.screen_message.join(" ")),
                Message::RenewResponse(a) => (!a.ok).then(|| a.screen_message.join(" ")),
                other => Some(format!("answered {}", other.code())),
            };
            let tx = store.write()?;
            match refusal {
                None => {
                    report.pushed += outbox::acknowledge(&tx, &[row.id], now, keep_history)? as u64
                }
                Some(message) => {
                    let reason = format!("{CENTRAL_REFUSED}: {}", message.trim());
                    if outbox::mark_conflict(&tx, row.id, &reason, now)? {
                        report.conflicts += 1;
                    }
                }
            }
            tx.commit().map_err(crate::store::StoreError::from)?;
        }
        // Nothing to send: keep an idle connection from being dropped by the server.
        if let Some(client) = slot.as_mut()
            && client.idle() > KEEPALIVE
            && let Err(error) = client.sc_status()
        {
            *slot = None;
            return Err(sync_error(error));
        }
        Ok(report)
    }
}

fn connect(settings: &Sip2Config) -> Result<Client, SyncError> {
    let log = Box::new(|direction, text: &str| {
        tracing::debug!(target: "sip2", ?direction, "{text}");
    });
    Client::connect(settings.connection.clone(), Some(log)).map_err(sync_error)
}

fn sync_error(error: ClientError) -> SyncError {
    match error {
        ClientError::LoginRefused => SyncError::Refused {
            status: 401,
            message: error.to_string(),
        },
        ClientError::Tls(_) | ClientError::Encode(_) => SyncError::Config(error.to_string()),
        ClientError::Garbage(_) => SyncError::BadAnswer(error.to_string()),
        other => SyncError::Unreachable(other.to_string()),
    }
}

impl CentralLink for Sip2Link {
    fn push<'a>(&'a self, store: &'a mut Store) -> BoxFuture<'a, Result<SyncReport, SyncError>> {
        Box::pin(async move { self.push_now(store) })
    }

    fn pull<'a>(&'a self, _store: &'a mut Store) -> BoxFuture<'a, Result<u64, SyncError>> {
        Box::pin(async { Ok(0) })
    }
}
