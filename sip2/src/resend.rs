//! One message sent again after the library system closed the connection without answering
//! it (a restarted server: Koha's SIP server is restarted nightly at many libraries).
//!
//! The connection is opened again once, signed in, and the message sent again, all within
//! the one timeout the message had; only a second failure is an outage. SIP2 has no
//! idempotency, so the first copy may have been applied before the server went away: a
//! resent checkout refused because the item is already on loan *to this patron* (the
//! system's own patron record lists it, 63/64), and a resent checkin refused because the
//! item is not on loan (its item record says so, 17/18), are the first copy's success.

use crate::client::{Client, ClientError};
use crate::messages::{Checkin, Checkout, ItemInformation, Message, PatronInformation};
use std::time::{Duration, Instant};

/// An answer, and how it came.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub message: Message,
    /// The connection was lost unanswered and the message sent again on a new one.
    pub resent: bool,
    /// A refused resend that the system's own records show as done by the first copy: the
    /// answer was turned into a success.
    pub settled: bool,
}

/// Circulation status "charged" (on loan) in an item information response.
const CHARGED: &str = "04";

impl ClientError {
    /// The connection went away (closed or reset) rather than the system saying no.
    pub fn lost_connection(&self) -> bool {
        matches!(self, ClientError::Closed | ClientError::Io(_))
    }
}

impl Client {
    /// Sends `message`; when the connection is lost before its answer, connects again once
    /// (signing in) and sends it again within the same timeout. A refused resend of a
    /// checkout or checkin is checked against the system's records (see the module).
    pub fn request_resending(&mut self, message: Message) -> Result<Answer, ClientError> {
        let started = Instant::now();
        let budget = self.settings().timeout;
        let first = match self.request(message.clone()) {
            Ok(answer) => {
                return Ok(Answer {
                    message: answer,
                    resent: false,
                    settled: false,
                });
            }
            Err(error) if error.lost_connection() => error,
            Err(error) => return Err(error),
        };
        let left = |started: Instant| budget.saturating_sub(started.elapsed());
        if left(started).is_zero() {
            return Err(first);
        }
        self.reconnect_within(left(started))?;
        let answered = self.within(left(started), |client| client.request(message.clone()))?;
        let mut answer = Answer {
            message: answered,
            resent: true,
            settled: false,
        };
        if refused(&answer.message)
            && self.within(left(started), |client| client.first_copy_applied(&message))?
        {
            accept(&mut answer.message);
            answer.settled = true;
        }
        Ok(answer)
    }

    /// Replaces the connection with a new, signed-in one, taking at most `limit`.
    fn reconnect_within(&mut self, limit: Duration) -> Result<(), ClientError> {
        let mut settings = self.settings().clone();
        let budget = settings.timeout;
        settings.timeout = limit.max(Duration::from_millis(1));
        let mut fresh = Client::connect(settings, self.take_log())?;
        fresh.set_timeout(budget);
        *self = fresh;
        Ok(())
    }

    /// Runs `work` with every wait bounded by `limit`, then restores the timeout.
    fn within<T>(
        &mut self,
        limit: Duration,
        work: impl FnOnce(&mut Client) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        let budget = self.settings().timeout;
        if limit.is_zero() {
            return Err(ClientError::Timeout(budget));
        }
        self.set_timeout(limit);
        let result = work(self);
        self.set_timeout(budget);
        result
    }

    /// Whether the system's records show `request` done: a checkout's item among the
    /// patron's charged items, a checkin's item not charged. Other messages: no.
    fn first_copy_applied(&mut self, request: &Message) -> Result<bool, ClientError> {
        match request {
            Message::Checkout(Checkout {
                date,
                institution,
                patron,
                item,
                terminal_password,
                ..
            }) => {
                let asked = PatronInformation {
                    language: "000".into(),
                    date: date.clone(),
                    // One list: the charged items (the summary's third position).
                    summary: "  Y       ".into(),
                    institution: institution.clone(),
                    patron: patron.clone(),
                    terminal_password: Some(terminal_password.clone()),
                    ..PatronInformation::default()
                };
                Ok(match self.request(asked.into())? {
                    // Some systems add the title after the barcode: the first word is it.
                    Message::PatronInformationResponse(answer) => answer
                        .charged_items
                        .iter()
                        .any(|i| i.split_whitespace().next() == Some(item.as_str())),
                    _ => false,
                })
            }
            Message::Checkin(Checkin {
                date,
                institution,
                item,
                terminal_password,
                ..
            }) => {
                let asked = ItemInformation {
                    date: date.clone(),
                    institution: institution.clone(),
                    item: item.clone(),
                    terminal_password: Some(terminal_password.clone()),
                    ..ItemInformation::default()
                };
                Ok(match self.request(asked.into())? {
                    Message::ItemInformationResponse(answer) => {
                        !answer.circulation_status.is_empty()
                            && answer.circulation_status != CHARGED
                            && answer.circulation_status != "01"
                    }
                    _ => false,
                })
            }
            _ => Ok(false),
        }
    }
}

/// Whether a circulation answer says no.
fn refused(answer: &Message) -> bool {
    match answer {
        Message::CheckoutResponse(a) => !a.ok,
        Message::CheckinResponse(a) => !a.ok,
        _ => false,
    }
}

/// Turns a refused answer into the success the records showed (its words were about the
/// first copy's effect, not a refusal a patron should read).
fn accept(answer: &mut Message) {
    match answer {
        Message::CheckoutResponse(a) => {
            a.ok = true;
            a.screen_message.clear();
        }
        Message::CheckinResponse(a) => {
            a.ok = true;
            a.screen_message.clear();
        }
        _ => {}
    }
}
