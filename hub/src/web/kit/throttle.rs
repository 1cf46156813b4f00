//! How often one address may do something on the public web: guest registrations for
//! events, feedback posts. Counted in the serving process, like the sign-in limit.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `max` actions per key within `window` (a sliding window).
pub struct Throttle {
    max: usize,
    window: Duration,
    seen: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    pub fn new(max: usize, window: Duration) -> Throttle {
        Throttle {
            max,
            window,
            seen: Mutex::default(),
        }
    }

    /// Counts an action for `key` at `now`; false when over the limit (then not counted).
    pub fn allow(&self, key: &str, now: Instant) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        seen.retain(|_, times| {
            times.retain(|t| now.saturating_duration_since(*t) < window);
            !times.is_empty()
        });
        let times = seen.entry(key.to_string()).or_default();
        if times.len() >= self.max {
            return false;
        }
        times.push_back(now);
        true
    }
}

/// Which keys did something on a day (by the library's calendar): the first of each is
/// counted, the rest are marked as repeats.
#[derive(Default)]
pub struct FirstOfTheDay {
    seen: Mutex<(Option<jiff::civil::Date>, HashSet<String>)>,
}

impl FirstOfTheDay {
    /// True for the first `key` on `day`; every later one that day is false.
    pub fn first(&self, key: &str, day: jiff::civil::Date) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.0 != Some(day) {
            *seen = (Some(day), HashSet::new());
        }
        seen.1.insert(key.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_over_its_limit_waits_for_the_window() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(throttle.allow("a", t0));
        assert!(throttle.allow("a", t0));
        assert!(!throttle.allow("a", t0));
        assert!(throttle.allow("b", t0));
        assert!(throttle.allow("a", t0 + Duration::from_secs(61)));
    }

    #[test]
    fn only_the_first_of_a_day_counts() {
        let firsts = FirstOfTheDay::default();
        let day = jiff::civil::date(2026, 12, 6);
        assert!(firsts.first("10.0.0.1", day));
        assert!(!firsts.first("10.0.0.1", day));
        assert!(firsts.first("10.0.0.2", day));
        assert!(firsts.first("10.0.0.1", day.tomorrow().unwrap()));
    }
}
