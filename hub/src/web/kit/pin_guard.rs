//! The web's own brake on guessing one card's PIN, apart from the library-wide lockout.
//!
//! A wrong PIN on the web never counts at the kiosks (or anyone could lock a patron out of
//! every kiosk from a browser: [`crate::patron_pin`]). Instead the web slows that card's
//! sign-ins down, from any address: the first [`FREE_FAILURES`] wrong PINs cost nothing, each
//! one after doubles the wait before the next try (1 s, 2 s, 4 s, …), and after
//! [`PAUSE_AFTER`] wrong PINs the web refuses sign-in for that card for [`PAUSE`]. The kiosks
//! never hear of it. A right PIN clears the card's record; an hour without a wrong PIN
//! forgets it. Unknown cards are tracked the same way (the answers must not tell them apart).
//!
//! The records live in the serving process (a hub restart forgets them, as it ends
//! sessions); each hub process behind one PostgreSQL database keeps its own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong PINs for a card before the web makes the next one wait.
pub const FREE_FAILURES: u32 = 3;
/// Wrong PINs for a card after which the web refuses its sign-in for [`PAUSE`].
pub const PAUSE_AFTER: u32 = 10;
/// How long web sign-in stays refused for a card after [`PAUSE_AFTER`] wrong PINs.
pub const PAUSE: Duration = Duration::from_secs(60 * 60);
/// A card's wrong PINs are forgotten after this long without another.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Cards tracked at most; past it, the oldest records go first.
const MOST_CARDS: usize = 100_000;

/// Whether a sign-in for a card may go ahead now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Go,
    /// Too soon after the last wrong PIN: try again after this long (not counted).
    Wait(Duration),
    /// Web sign-in for this card is refused for this long.
    Paused(Duration),
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last_failure: Instant,
}

/// Wrong web PINs per card.
#[derive(Default)]
pub struct PinGuard {
    cards: Mutex<HashMap<String, Record>>,
}

/// The wait after `failures` wrong PINs in a row.
pub fn delay_after(failures: u32) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES).min(16);
    Duration::from_secs(1u64 << doublings).min(Duration::from_secs(5 * 60))
}

impl PinGuard {
    /// Whether a sign-in for `card` may be tried at `now`.
    pub fn check(&self, card: &str, now: Instant) -> Verdict {
        let mut cards = self.cards.lock().unwrap_or_else(|p| p.into_inner());
        let Some(record) = cards.get(card).copied() else {
            return Verdict::Go;
        };
        let since = now.saturating_duration_since(record.last_failure);
        if since >= FORGET_AFTER.max(PAUSE) {
            cards.remove(card);
            return Verdict::Go;
        }
        if record.failures >= PAUSE_AFTER {
            return Verdict::Paused(PAUSE - since.min(PAUSE));
        }
        let wait = delay_after(record.failures);
        if since < wait {
            return Verdict::Wait(wait - since);
        }
        Verdict::Go
    }

    /// Counts a wrong PIN for `card` at `now`.
    pub fn failed(&self, card: &str, now: Instant) {
        let mut cards = self.cards.lock().unwrap_or_else(|p| p.into_inner());
        if cards.len() >= MOST_CARDS {
            cards.retain(|_, r| now.saturating_duration_since(r.last_failure) < FORGET_AFTER);
            if cards.len() >= MOST_CARDS
                && let Some(oldest) = cards
                    .iter()
                    .min_by_key(|(_, r)| r.last_failure)
                    .map(|(card, _)| card.clone())
            {
                cards.remove(&oldest);
            }
        }
        let record = cards.entry(card.to_string()).or_insert(Record {
            failures: 0,
            last_failure: now,
        });
        record.failures += 1;
        record.last_failure = now;
    }

    /// A right PIN: the card's record is cleared.
    pub fn succeeded(&self, card: &str) {
        let mut cards = self.cards.lock().unwrap_or_else(|p| p.into_inner());
        cards.remove(card);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_then_sign_in_pauses_and_a_right_pin_clears() {
        let guard = PinGuard::default();
        let t0 = Instant::now();
        let mut now = t0;
        for _ in 0..FREE_FAILURES {
            assert_eq!(guard.check("P1", now), Verdict::Go);
            guard.failed("P1", now);
        }
        // The fourth try must wait a second, the fifth two, ...
        assert_eq!(
            guard.check("P1", now),
            Verdict::Wait(Duration::from_secs(1))
        );
        assert_eq!(guard.check("P2", now), Verdict::Go, "another card is free");
        for n in FREE_FAILURES..PAUSE_AFTER {
            now += delay_after(n);
            assert_eq!(guard.check("P1", now), Verdict::Go, "after {n} failures");
            guard.failed("P1", now);
        }
        assert_eq!(guard.check("P1", now), Verdict::Paused(PAUSE));
        now += PAUSE / 2;
        assert_eq!(guard.check("P1", now), Verdict::Paused(PAUSE / 2));
        now += PAUSE;
        assert_eq!(guard.check("P1", now), Verdict::Go, "the pause ends");
        guard.failed("P2", t0);
        guard.succeeded("P2");
        assert_eq!(guard.check("P2", t0), Verdict::Go);
    }

    #[test]
    fn delays_are_bounded() {
        assert_eq!(delay_after(0), Duration::ZERO);
        assert_eq!(delay_after(FREE_FAILURES), Duration::from_secs(1));
        assert_eq!(delay_after(FREE_FAILURES + 3), Duration::from_secs(8));
        assert_eq!(delay_after(u32::MAX), Duration::from_secs(300));
    }
}
