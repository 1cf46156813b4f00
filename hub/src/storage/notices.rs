//! The notification outbox as the backends keep it (`notices`): one row per message to a
//! patron, unique by its idempotency key (patron, kind, subject, day), so a producer that
//! runs again, a restart or a second hub process never queues it twice.
//!
//! At most once: a row is claimed (`sending`) in one serialised write before the provider is
//! called, and finished after. A row still `sending` long after its claim belongs to a sender
//! that died mid-call: it becomes `unknown` for staff and is never sent again (providers take
//! no idempotency key, so a resend could be a second message).

use super::{HubError, Result, instant_text};
use jiff::Timestamp;
use serde::Serialize;
use swalayan_core::contact::MessageKind;
use uuid::Uuid;

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// Waiting for its time (quiet hours, a retry, the channel's pace).
    Pending,
    /// Claimed by a sender, the provider being called.
    Sending,
    Sent,
    /// A permanent refusal, or retries given up: staff see why.
    Failed,
    /// Its sender stopped mid-call: it may or may not have reached the patron.
    Unknown,
}

impl NoticeStatus {
    pub const ALL: [NoticeStatus; 5] = [
        NoticeStatus::Pending,
        NoticeStatus::Sending,
        NoticeStatus::Sent,
        NoticeStatus::Failed,
        NoticeStatus::Unknown,
    ];

    pub fn code(self) -> &'static str {
        match self {
            NoticeStatus::Pending => "pending",
            NoticeStatus::Sending => "sending",
            NoticeStatus::Sent => "sent",
            NoticeStatus::Failed => "failed",
            NoticeStatus::Unknown => "unknown",
        }
    }

    pub fn parse(code: &str) -> Result<NoticeStatus> {
        NoticeStatus::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or_else(|| HubError::Corrupt(format!("notice status '{code}'")))
    }
}

/// One message of the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub id: Uuid,
    /// `patron|kind|subject|day`: the same message is never queued twice.
    pub key: String,
    /// The patron's card.
    pub patron: String,
    pub kind: MessageKind,
    /// The `[[notify.channel]]` it leaves by.
    pub channel: String,
    /// The number (`+62…`) or address it goes to.
    pub contact: String,
    /// `id` or `en`.
    pub lang: String,
    /// Its values, in the order a template takes them (`title`, `branch`, `until`, …).
    pub params: Vec<(String, String)>,
    pub status: NoticeStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// RFC 3339, [`instant_text`].
    pub created_at: String,
    /// Not sent before this instant (a retry's wait).
    pub next_at: String,
    pub sent_at: Option<String>,
}

impl Notice {
    /// A new message, pending from `now`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        key: String,
        patron: &str,
        kind: MessageKind,
        channel: &str,
        contact: &str,
        lang: &str,
        params: Vec<(String, String)>,
        now: Timestamp,
    ) -> Notice {
        Notice {
            id: Uuid::now_v7(),
            key,
            patron: patron.to_string(),
            kind,
            channel: channel.to_string(),
            contact: contact.to_string(),
            lang: lang.to_string(),
            params,
            status: NoticeStatus::Pending,
            attempts: 0,
            last_error: None,
            created_at: instant_text(now),
            next_at: instant_text(now),
            sent_at: None,
        }
    }

    /// The idempotency key: `day` is the library's date the message is about (a due-soon
    /// reminder's day, the day a hold became ready), so a later run of the same producer
    /// finds it queued.
    pub fn key_of(
        patron: &str,
        kind: MessageKind,
        subject: &str,
        day: jiff::civil::Date,
    ) -> String {
        format!("{patron}|{}|{subject}|{day}", kind.code())
    }
}

/// How a send ended.
#[derive(Debug, Clone, PartialEq)]
pub enum NoticeFinish {
    Sent {
        at: Timestamp,
    },
    /// A transient failure: pending again from `at`.
    Retry {
        at: Timestamp,
        error: String,
    },
    Failed {
        error: String,
    },
}

/// Which messages to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    pub status: Option<NoticeStatus>,
    /// Created at or after.
    pub since: Option<Timestamp>,
    pub limit: Option<u32>,
}

/// Its values as the backends store them (a JSON array of `[name, value]`).
pub(crate) fn params_text(params: &[(String, String)]) -> Result<String> {
    serde_json::to_string(params).map_err(|e| HubError::Invalid(e.to_string()))
}

/// A row read back, from its columns' texts.
#[allow(clippy::too_many_arguments)]
pub(crate) fn notice_from_row(
    id: &str,
    key: String,
    patron: String,
    kind: &str,
    channel: String,
    contact: String,
    lang: String,
    params: &str,
    status: &str,
    attempts: i64,
    last_error: Option<String>,
    created_at: String,
    next_at: String,
    sent_at: Option<String>,
) -> Result<Notice> {
    Ok(Notice {
        id: super::parse_uuid(id)?,
        key,
        patron,
        kind: MessageKind::parse(kind)
            .ok_or_else(|| HubError::Corrupt(format!("notice kind '{kind}'")))?,
        channel,
        contact,
        lang,
        params: serde_json::from_str(params)
            .map_err(|e| HubError::Corrupt(format!("notice values: {e}")))?,
        status: NoticeStatus::parse(status)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        last_error,
        created_at,
        next_at,
        sent_at,
    })
}

/// The columns every read selects, in [`notice_from_row`]'s order.
pub(crate) const NOTICE_COLUMNS: &str = "id, key, patron, kind, channel, contact, lang, params, \
     status, attempts, last_error, created_at, next_at, sent_at";
