//! Software debounce: a level must hold for a minimum time to count.
//!
//! A pulse shorter than the minimum (a beam flicker, contact bounce) produces no edges at
//! all; an edge is confirmed once its level has held for the minimum, with its original
//! timestamp. The kernel can debounce too (gpiocdev); this also covers backends and
//! simulators that cannot.

use super::{Edge, Level};
use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug)]
pub struct Debouncer {
    min: Duration,
    /// Per line: the last confirmed level, and an edge waiting to be confirmed.
    lines: HashMap<u32, LineState>,
}

#[derive(Debug, Default)]
struct LineState {
    confirmed: Option<Level>,
    pending: Option<Edge>,
}

impl Debouncer {
    pub fn new(min: Duration) -> Debouncer {
        Debouncer {
            min,
            lines: HashMap::new(),
        }
    }

    /// Feeds a raw edge; returns the edges it confirms (at most one, an earlier pending one).
    pub fn feed(&mut self, edge: Edge) -> Vec<Edge> {
        let state = self.lines.entry(edge.line).or_default();
        let mut confirmed = Vec::new();
        if let Some(pending) = state.pending.take() {
            if edge.at.saturating_sub(pending.at) >= self.min {
                state.confirmed = Some(pending.level);
                confirmed.push(pending);
            } else if state.confirmed == Some(edge.level)
                || state.confirmed.is_none() && edge.level != pending.level
            {
                // A glitch: the line went back before the minimum. Both edges vanish.
                return confirmed;
            }
        }
        if state.confirmed != Some(edge.level) {
            state.pending = Some(edge);
        }
        confirmed
    }

    /// Confirms pending edges whose level has held until `now`.
    pub fn poll(&mut self, now: Duration) -> Vec<Edge> {
        let mut confirmed = Vec::new();
        for state in self.lines.values_mut() {
            if let Some(pending) = state.pending
                && now.saturating_sub(pending.at) >= self.min
            {
                state.pending = None;
                state.confirmed = Some(pending.level);
                confirmed.push(pending);
            }
        }
        confirmed.sort_by_key(|e| e.at);
        confirmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(level: Level, ms: u64) -> Edge {
        Edge {
            line: 17,
            level,
            at: Duration::from_millis(ms),
        }
    }

    #[test]
    fn a_held_level_is_confirmed_with_its_own_timestamp() {
        let mut d = Debouncer::new(Duration::from_millis(25));
        assert!(d.feed(edge(Level::High, 0)).is_empty());
        assert!(d.poll(Duration::from_millis(24)).is_empty());
        assert_eq!(
            d.poll(Duration::from_millis(25)),
            vec![edge(Level::High, 0)]
        );
        assert_eq!(d.feed(edge(Level::Low, 300)), vec![]);
        assert_eq!(
            d.poll(Duration::from_millis(400)),
            vec![edge(Level::Low, 300)]
        );
    }

    #[test]
    fn a_short_pulse_vanishes_entirely() {
        let mut d = Debouncer::new(Duration::from_millis(25));
        d.feed(edge(Level::High, 0));
        d.poll(Duration::from_millis(30)); // confirmed High
        assert!(d.feed(edge(Level::Low, 100)).is_empty());
        assert!(d.feed(edge(Level::High, 110)).is_empty(), "a 10 ms flicker");
        assert!(
            d.poll(Duration::from_millis(500)).is_empty(),
            "nothing to confirm"
        );
    }

    #[test]
    fn a_later_edge_confirms_the_one_before() {
        let mut d = Debouncer::new(Duration::from_millis(25));
        d.feed(edge(Level::High, 0));
        assert_eq!(d.feed(edge(Level::Low, 40)), vec![edge(Level::High, 0)]);
    }
}
