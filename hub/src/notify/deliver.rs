//! The sender: claims due messages channel by channel, hands each to its provider, records
//! the outcome. Outside quiet hours only (library time); each channel at its own pace
//! (`min_delay`); a transient failure waits with backoff or the provider's `Retry-After`
//! (at most [`MAX_WAIT`]); after [`MAX_ATTEMPTS`] it is given up and shown to staff.

use super::NotifySettings;
use super::channels::{self, Delivery, Outgoing};
use crate::config::Library;
use crate::storage::{NoticeFinish, Result, Storage};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use swalayan_core::reason::Lang;

/// A provider's `Retry-After` and our backoff are capped here.
pub const MAX_WAIT: Duration = Duration::from_secs(600);
/// Tries before a message is given up.
pub const MAX_ATTEMPTS: u32 = 8;
/// A message `sending` for longer than this has lost its sender.
pub const ORPHANED_AFTER: Duration = Duration::from_secs(120);
/// Messages one channel sends in one pass at most (a pass then yields to the producers).
const PASS: usize = 200;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pass {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Messages found orphaned by a sender that stopped mid-call.
    pub unknown: usize,
    /// True when quiet hours held everything back.
    pub quiet: bool,
}

/// The sender, with each channel's pace.
pub struct Sender {
    http: reqwest::blocking::Client,
    /// When each channel may send again by its pace (`min_delay`).
    next_free: HashMap<String, Instant>,
    /// Channels whose provider asked to wait (`Retry-After`), until when.
    resting: HashMap<String, Timestamp>,
}

impl Sender {
    pub fn new() -> std::result::Result<Sender, String> {
        Ok(Sender {
            http: channels::http_client()?,
            next_free: HashMap::new(),
            resting: HashMap::new(),
        })
    }

    /// Sends what is due at `now`. With `wait_for_pace`, it waits out a channel's
    /// `min_delay` between messages (`notify run --once`); without, a channel still resting
    /// is left to the next pass (`serve`).
    pub fn pass(
        &mut self,
        storage: &dyn Storage,
        settings: &NotifySettings,
        library: &Library,
        now: Timestamp,
        wait_for_pace: bool,
    ) -> Result<Pass> {
        let mut pass = Pass {
            unknown: storage.orphan_notices(
                now.checked_sub(SignedDuration::try_from(ORPHANED_AFTER).unwrap_or_default())
                    .unwrap_or(now),
            )?,
            ..Pass::default()
        };
        let local = now.to_zoned_datetime(library.timezone.clone()).time();
        if settings.is_quiet(local) {
            pass.quiet = true;
            return Ok(pass);
        }
        for channel in &settings.channels {
            if self
                .resting
                .get(&channel.name)
                .is_some_and(|until| now < *until)
            {
                continue;
            }
            for _ in 0..PASS {
                if let Some(free) = self.next_free.get(&channel.name) {
                    let rest = free.saturating_duration_since(Instant::now());
                    if !rest.is_zero() {
                        if !wait_for_pace {
                            break;
                        }
                        std::thread::sleep(rest);
                    }
                }
                let Some(notice) = storage.claim_notice(&channel.name, now)? else {
                    break;
                };
                let lang = Lang::from_code(&notice.lang).unwrap_or(Lang::Id);
                let delivery = channels::send(
                    &self.http,
                    channel,
                    &Outgoing {
                        kind: notice.kind,
                        to: &notice.contact,
                        lang,
                        params: &notice.params,
                        library: &library.short_name,
                        texts: &settings.texts,
                    },
                );
                self.next_free
                    .insert(channel.name.clone(), Instant::now() + channel.min_delay);
                let finish = match delivery {
                    Delivery::Sent => {
                        pass.sent += 1;
                        NoticeFinish::Sent {
                            at: Timestamp::now().max(now),
                        }
                    }
                    Delivery::Refused { error } => {
                        pass.failed += 1;
                        NoticeFinish::Failed { error }
                    }
                    Delivery::Retry { error, .. } if notice.attempts >= MAX_ATTEMPTS => {
                        pass.failed += 1;
                        NoticeFinish::Failed {
                            error: format!("gave up after {} tries: {error}", notice.attempts),
                        }
                    }
                    Delivery::Retry { after, error } => {
                        pass.retrying += 1;
                        let wait = after
                            .unwrap_or_else(|| backoff(notice.attempts))
                            .min(MAX_WAIT);
                        // A provider that said "slow down" is rested as a whole (its limit
                        // is the account's, not the message's) until the time it named.
                        let until = now
                            .checked_add(SignedDuration::try_from(wait).unwrap_or_default())
                            .unwrap_or(now);
                        if after.is_some() {
                            self.resting.insert(channel.name.clone(), until);
                        }
                        NoticeFinish::Retry { at: until, error }
                    }
                };
                tracing::info!(
                    id = %notice.id,
                    kind = notice.kind.code(),
                    channel = %channel.name,
                    attempt = notice.attempts,
                    outcome = ?finish_code(&finish),
                    "notification"
                );
                let transient = matches!(finish, NoticeFinish::Retry { .. });
                storage.finish_notice(notice.id, &finish)?;
                // A provider down or slowing us: the channel's other messages wait for the
                // next pass rather than each meeting the same timeout now.
                if transient {
                    break;
                }
            }
        }
        Ok(pass)
    }
}

/// 30 s, 1 min, 2 min, … after the n-th failed try, at most [`MAX_WAIT`].
pub fn backoff(attempts: u32) -> Duration {
    let doubling = 2u64.saturating_pow(attempts.saturating_sub(1).min(16));
    Duration::from_secs(30u64.saturating_mul(doubling)).min(MAX_WAIT)
}

fn finish_code(finish: &NoticeFinish) -> &'static str {
    match finish {
        NoticeFinish::Sent { .. } => "sent",
        NoticeFinish::Retry { .. } => "retry",
        NoticeFinish::Failed { .. } => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_ten_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(5), Duration::from_secs(480));
        assert_eq!(backoff(6), MAX_WAIT);
        assert_eq!(backoff(40), MAX_WAIT);
    }
}
