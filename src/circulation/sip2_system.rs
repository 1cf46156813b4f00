//! The library's system over SIP2, asked by the desk before it acts: one connection of its
//! own (the sync worker's replay has another, so a patron never waits behind a backlog),
//! signed in at first use, a status (99) before a request when the connection has been idle
//! long enough for the server to have dropped it, and a backoff after a failure so an
//! outage costs a patron one timeout, not one per book. A connection the system closes
//! without answering a message (a restarted server) is opened again once and the message
//! sent again within its timeout ([`swalayan_sip2::resend`]): only a second failure is an
//! outage, so the next patrons are not served by the offline rules for a server's restart.

use super::library_system::{
    AccountAnswer, Asked, CirculationAnswer, HoldAnswer, ItemAnswer, LibrarySystem, OfflinePolicy,
    PatronAnswer,
};
use crate::config::Sip2Config;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::time::{Duration, Instant};
use swalayan_sip2::messages::{
    Checkin, Checkout, EndPatronSession, Hold, ItemInformation, PatronInformation,
    PatronStatusRequest, Renew,
};
use swalayan_sip2::{Client, ClientError, Message, SipDate};

/// A connection idle this long is checked with a status before it carries a request.
const CHECK_IDLE_AFTER: Duration = Duration::from_secs(60);
/// First wait after a failure; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Loans listed on "My account", at most (a screen's worth; SIP2 pages with BP/BQ).
pub const MAX_LISTED: u32 = 30;

pub struct Sip2System {
    settings: Sip2Config,
    time_zone: TimeZone,
    client: Option<Client>,
    /// After a failure: no new attempt before this instant, and the wait that led to it.
    retry_at: Option<(Instant, Duration)>,
}

impl Sip2System {
    pub fn new(settings: Sip2Config, time_zone: TimeZone) -> Sip2System {
        Sip2System {
            settings,
            time_zone,
            client: None,
            retry_at: None,
        }
    }

    fn date(&self, at: Timestamp) -> SipDate {
        SipDate::local(at.to_zoned_datetime(self.time_zone.clone()).datetime())
    }

    /// Sends one request on a live connection, or says why it could not.
    fn ask(&mut self, request: Message) -> Result<Message, String> {
        if let Some((at, _)) = self.retry_at
            && Instant::now() < at
        {
            return Err(
                "the library system did not answer a moment ago; not trying again yet".into(),
            );
        }
        let result = self.ask_now(request);
        match &result {
            Ok(_) => self.retry_at = None,
            Err(error) => {
                self.client = None;
                let wait = self
                    .retry_at
                    .map_or(FIRST_BACKOFF, |(_, wait)| (wait * 2).min(MAX_BACKOFF));
                self.retry_at = Some((Instant::now() + wait, wait));
                tracing::warn!(target: "sip2", "library system unreachable: {error}");
            }
        }
        result.map_err(|e| e.to_string())
    }

    fn ask_now(&mut self, request: Message) -> Result<Message, ClientError> {
        if let Some(client) = self.client.as_mut()
            && client.idle() > CHECK_IDLE_AFTER
            && client.sc_status().is_err()
        {
            // The server dropped the idle connection: a fresh one, not an outage.
            self.client = None;
        }
        let client = match self.client.as_mut() {
            Some(client) => client,
            None => {
                let log = Box::new(|direction, text: &str| {
                    tracing::debug!(target: "sip2", ?direction, "{text}");
                });
                self.client.insert(Client::connect(
                    self.settings.connection.clone(),
                    Some(log),
                )?)
            }
        };
        let answer = client.request_resending(request)?;
        if answer.resent {
            tracing::info!(
                target: "sip2",
                settled = answer.settled,
                "the library system closed the connection unanswered; sent again on a new one"
            );
        }
        Ok(answer.message)
    }

    fn circulation(&mut self, request: Message) -> Asked<CirculationAnswer> {
        match self.ask(request) {
            Ok(answer) => Asked::Answered(read_answer(answer)),
            Err(why) => Asked::Unreachable(why),
        }
    }
}

/// The parts of a 12, 10 or 30 the station acts on; any other answer is a refusal that says
/// what came back.
fn read_answer(answer: Message) -> CirculationAnswer {
    let joined = |lines: &[String]| {
        let text = lines.join(" ").trim().to_string();
        (!text.is_empty()).then_some(text)
    };
    let some = |text: &Option<String>| text.clone().filter(|t| !t.trim().is_empty());
    match answer {
        Message::CheckoutResponse(a) => CirculationAnswer {
            ok: a.ok,
            title: Some(a.title).filter(|t| !t.is_empty()),
            due: a.due_date.as_deref().and_then(due_date),
            message: joined(&a.screen_message),
            print_lines: a.print_line,
            desensitize: a.desensitize,
            ..CirculationAnswer::default()
        },
        Message::RenewResponse(a) => CirculationAnswer {
            ok: a.ok,
            title: Some(a.title).filter(|t| !t.is_empty()),
            due: a.due_date.as_deref().and_then(due_date),
            message: joined(&a.screen_message),
            print_lines: a.print_line,
            desensitize: a.desensitize,
            ..CirculationAnswer::default()
        },
        Message::CheckinResponse(a) => CirculationAnswer {
            ok: a.ok,
            title: some(&a.title),
            message: joined(&a.screen_message),
            print_lines: a.print_line,
            sort_bin: some(&a.sort_bin),
            destination: some(&a.destination),
            alert: some(&a.alert_type).or_else(|| a.alert.then(|| "alert".to_string())),
            hold_patron: some(&a.hold_patron).or_else(|| some(&a.patron)),
            ..CirculationAnswer::default()
        },
        other => CirculationAnswer {
            ok: false,
            message: Some(format!("answered {}", other.code())),
            ..CirculationAnswer::default()
        },
    }
}

/// A due date as systems send it in AH: the SIP2 date format (Koha, Evergreen), or a plain
/// `YYYY-MM-DD` / `YYYYMMDD` start. Anything else is left unread (the station's rules give one).
fn due_date(text: &str) -> Option<Date> {
    if let Some(time) = SipDate::decode(text).time() {
        return Some(time.date());
    }
    let digits: String = text.chars().take(10).filter(char::is_ascii_digit).collect();
    if digits.len() < 8 {
        return None;
    }
    let (y, m, d) = (&digits[0..4], &digits[4..6], &digits[6..8]);
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

impl LibrarySystem for Sip2System {
    fn patron(&mut self, card: &str, pin: Option<&str>) -> Asked<PatronAnswer> {
        let connection = &self.settings.connection;
        let request = PatronStatusRequest {
            language: "000".into(),
            date: self.date(Timestamp::now()),
            institution: connection.institution.clone(),
            patron: card.to_string(),
            terminal_password: connection.terminal_password.clone(),
            patron_password: pin.unwrap_or_default().to_string(),
            ..PatronStatusRequest::default()
        };
        match self.ask(request.into()) {
            Ok(Message::PatronStatusResponse(a)) => {
                // "Charge privileges denied" is the first flag; a card that is not valid is no.
                let blocked = a.patron_status.starts_with('Y');
                let message = a.screen_message.join(" ").trim().to_string();
                Asked::Answered(PatronAnswer {
                    valid: a.valid_patron == Some(true),
                    pin_ok: pin.map(|_| a.valid_password == Some(true)),
                    blocked,
                    name: a.personal_name,
                    message: (!message.is_empty()).then_some(message),
                })
            }
            Ok(other) => Asked::Answered(PatronAnswer {
                message: Some(format!("answered {}", other.code())),
                ..PatronAnswer::default()
            }),
            Err(why) => Asked::Unreachable(why),
        }
    }

    fn checkout(&mut self, card: &str, item: &str, at: Timestamp) -> Asked<CirculationAnswer> {
        let connection = &self.settings.connection;
        let date = self.date(at);
        let request = Checkout {
            date: date.clone(),
            nb_due_date: date,
            institution: connection.institution.clone(),
            patron: card.to_string(),
            item: item.to_string(),
            terminal_password: connection.terminal_password.clone(),
            ..Checkout::default()
        };
        self.circulation(request.into())
    }

    fn checkin(&mut self, item: &str, at: Timestamp) -> Asked<CirculationAnswer> {
        let connection = &self.settings.connection;
        let date = self.date(at);
        let request = Checkin {
            date: date.clone(),
            return_date: date,
            current_location: connection.location.clone().unwrap_or_default(),
            institution: connection.institution.clone(),
            item: item.to_string(),
            terminal_password: connection.terminal_password.clone(),
            ..Checkin::default()
        };
        self.circulation(request.into())
    }

    fn renew(&mut self, card: &str, item: &str, at: Timestamp) -> Asked<CirculationAnswer> {
        let connection = &self.settings.connection;
        let date = self.date(at);
        let request = Renew {
            date: date.clone(),
            nb_due_date: date,
            institution: connection.institution.clone(),
            patron: card.to_string(),
            item: Some(item.to_string()),
            terminal_password: Some(connection.terminal_password.clone()),
            ..Renew::default()
        };
        self.circulation(request.into())
    }

    fn account(&mut self, card: &str) -> Asked<AccountAnswer> {
        let connection = &self.settings.connection;
        let request = PatronInformation {
            language: "000".into(),
            date: self.date(Timestamp::now()),
            // The summary asks for one list: charged items (the third position).
            summary: "  Y       ".into(),
            institution: connection.institution.clone(),
            patron: card.to_string(),
            terminal_password: Some(connection.terminal_password.clone()),
            start_item: Some(1),
            end_item: Some(MAX_LISTED),
            ..PatronInformation::default()
        };
        match self.ask(request.into()) {
            Ok(Message::PatronInformationResponse(a)) => {
                let message = a.screen_message.join(" ").trim().to_string();
                Asked::Answered(AccountAnswer {
                    // Some systems add the title after the barcode: the first word is it.
                    loans: a
                        .charged_items
                        .iter()
                        .filter_map(|i| i.split_whitespace().next().map(str::to_string))
                        .collect(),
                    fee: a.fee_amount.filter(|f| !f.trim().is_empty()),
                    message: (!message.is_empty()).then_some(message),
                })
            }
            Ok(other) => Asked::Unreachable(format!("answered {} to 63", other.code())),
            Err(why) => Asked::Unreachable(why),
        }
    }

    fn hold(
        &mut self,
        card: &str,
        item: Option<&str>,
        title: Option<&str>,
        pickup: &str,
    ) -> Asked<HoldAnswer> {
        let connection = &self.settings.connection;
        let request = Hold {
            mode: "+".into(),
            date: self.date(Timestamp::now()),
            pickup_location: Some(pickup.to_string()).filter(|p| !p.is_empty()),
            institution: connection.institution.clone(),
            patron: card.to_string(),
            item: item.map(str::to_string),
            title: title.map(str::to_string),
            terminal_password: Some(connection.terminal_password.clone()),
            ..Hold::default()
        };
        match self.ask(request.into()) {
            Ok(Message::HoldResponse(a)) => {
                let message = a.screen_message.join(" ").trim().to_string();
                Asked::Answered(HoldAnswer {
                    ok: a.ok,
                    position: a.queue_position,
                    message: (!message.is_empty()).then_some(message),
                })
            }
            Ok(other) => Asked::Answered(HoldAnswer {
                ok: false,
                position: None,
                message: Some(format!("answered {}", other.code())),
            }),
            Err(why) => Asked::Unreachable(why),
        }
    }

    fn item(&mut self, barcode: &str) -> Asked<ItemAnswer> {
        let connection = &self.settings.connection;
        let request = ItemInformation {
            date: self.date(Timestamp::now()),
            institution: connection.institution.clone(),
            item: barcode.to_string(),
            terminal_password: Some(connection.terminal_password.clone()),
            ..ItemInformation::default()
        };
        match self.ask(request.into()) {
            Ok(Message::ItemInformationResponse(a)) => Asked::Answered(ItemAnswer {
                title: Some(a.title).filter(|t| !t.is_empty()),
                due: a.due_date.as_deref().and_then(due_date),
            }),
            Ok(other) => Asked::Unreachable(format!("answered {} to 17", other.code())),
            Err(why) => Asked::Unreachable(why),
        }
    }

    fn end_session(&mut self, card: &str) {
        // Only on a live connection: ending a session is not worth a reconnect or a wait.
        if self.client.is_none() {
            return;
        }
        let connection = &self.settings.connection;
        let request = EndPatronSession {
            date: self.date(Timestamp::now()),
            institution: connection.institution.clone(),
            patron: card.to_string(),
            terminal_password: Some(connection.terminal_password.clone()),
            ..EndPatronSession::default()
        };
        if let Err(why) = self.ask(request.into()) {
            tracing::debug!(target: "sip2", "end of session not sent: {why}");
        }
    }

    fn offline_policy(&self) -> OfflinePolicy {
        OfflinePolicy {
            checkout: self.settings.offline_checkout,
            checkin: self.settings.offline_checkin,
            patrons: self.settings.offline_patrons,
            patron_days: self.settings.offline_patron_days,
            pin_required: self.settings.pin_required,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_are_read_in_the_forms_systems_send() {
        let expected = Date::new(2026, 12, 15).unwrap();
        assert_eq!(due_date("20261215    235900"), Some(expected));
        assert_eq!(due_date("2026-12-15"), Some(expected));
        assert_eq!(due_date("15/12/2026"), None);
        assert_eq!(due_date(""), None);
    }
}
