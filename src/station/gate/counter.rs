//! One passage's visitor counter: two infrared beams, `a` on the street side and `b` inside.
//!
//! Raw edges are filtered first: a change must hold `min_break` to count (an arm, a bag strap
//! flickering through a beam counts nothing). Confirmed changes then form episodes, from both
//! beams clear to both clear again, judged whole:
//!
//! - first broken `a`, last cleared `b`: people went in — one per break of `a` (a person
//!   who lingers counts once; two who keep `a` blocked between them count as one);
//! - first `b`, last `a`: out, one per break of `b`;
//! - first and last the same beam without the other beam ever alone: a U-turn, nothing;
//!   with the other beam alone at some point (in, then back out — or two people): `uncertain`,
//!   kept for the audit, never guessed;
//! - one beam alone, then within `abandon` the other alone (a narrow, fast walker leaves a
//!   gap between the beams): one crossing in that order; otherwise nothing.
//!
//! A beam blocked longer than `blocked_after` raises a `blocked` alarm once; the episode it
//! belongs to counts nothing.

use std::time::Duration;

/// Which beam.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beam {
    /// Street side.
    A,
    /// Inside.
    B,
}

impl Beam {
    fn index(self) -> usize {
        match self {
            Beam::A => 0,
            Beam::B => 1,
        }
    }
}

/// The counter's timings (`[gate]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// A beam change shorter than this is a flicker.
    pub min_break: Duration,
    /// How long a walker may take between leaving one beam and reaching the other.
    pub abandon: Duration,
    /// A beam blocked this long raises the `blocked` alarm.
    pub blocked_after: Duration,
}

impl Default for Timings {
    /// For beams 10–20 cm apart and walking speeds of 0.5–2 m/s. A flicker is anything
    /// under 50 ms: a body's own gaps (legs apart, an arm, a bag strap) last 30–40 ms, and
    /// two people are never closer than about 300 ms.
    fn default() -> Timings {
        Timings {
            min_break: Duration::from_millis(50),
            abandon: Duration::from_millis(1500),
            blocked_after: Duration::from_secs(30),
        }
    }
}

/// What the counter reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateEvent {
    In {
        t_ms: u64,
    },
    Out {
        t_ms: u64,
    },
    Uncertain {
        t_ms: u64,
    },
    /// A beam stayed blocked past `blocked_after`.
    Blocked {
        t_ms: u64,
        beam: Beam,
    },
}

/// One episode: from both beams clear to both clear.
#[derive(Debug, Clone, Copy)]
struct Episode {
    first: Beam,
    breaks: [u32; 2],
    alone: [bool; 2],
    /// A beam was blocked too long during it: it counts nothing.
    spoiled: bool,
}

/// The state of one passage.
#[derive(Debug, Clone)]
pub struct PassageCounter {
    timings: Timings,
    /// Confirmed levels (true = blocked) and since when.
    level: [bool; 2],
    since: [u64; 2],
    /// A raw change waiting to hold `min_break`: (level, at).
    pending: [Option<(bool, u64)>; 2],
    episode: Option<Episode>,
    /// A lone-beam episode that may be half of a crossing: (beam, ended at).
    half: Option<(Beam, u64)>,
    alarmed: [bool; 2],
}

impl PassageCounter {
    pub fn new(timings: Timings) -> PassageCounter {
        PassageCounter {
            timings,
            level: [false; 2],
            since: [0; 2],
            pending: [None; 2],
            episode: None,
            half: None,
            alarmed: [false; 2],
        }
    }

    /// A raw edge: `beam` became blocked (or clear) at `t_ms`.
    pub fn edge(&mut self, t_ms: u64, beam: Beam, blocked: bool, out: &mut Vec<GateEvent>) {
        let i = beam.index();
        if let Some((level, at)) = self.pending[i]
            && level != blocked
            && t_ms.saturating_sub(at) < ms(self.timings.min_break)
        {
            // Back before it held: a flicker, both edges vanish.
            self.pending[i] = None;
            return;
        }
        self.advance(t_ms, out);
        if self.pending[i].is_none() && self.level[i] == blocked {
            return; // nothing changes
        }
        self.pending[i] = Some((blocked, t_ms));
    }

    /// Time passes: changes that held are confirmed, alarms and halves time out.
    pub fn advance(&mut self, t_ms: u64, out: &mut Vec<GateEvent>) {
        let hold = ms(self.timings.min_break);
        loop {
            // The earliest pending change that has held, confirmed at its own time.
            let ready = [Beam::A, Beam::B]
                .into_iter()
                .filter_map(|b| self.pending[b.index()].map(|(l, at)| (b, l, at)))
                .filter(|&(_, _, at)| at + hold <= t_ms)
                .min_by_key(|&(_, _, at)| at);
            let Some((beam, level, at)) = ready else {
                break;
            };
            self.check_blocked(at, out);
            self.pending[beam.index()] = None;
            self.confirm(beam, level, at, out);
        }
        self.check_blocked(t_ms, out);
        if let Some((_, ended)) = self.half
            && t_ms.saturating_sub(ended) > ms(self.timings.abandon)
        {
            self.half = None; // a U-turn after all
        }
    }

    /// The end of a trace: every pending change is confirmed.
    pub fn finish(&mut self, out: &mut Vec<GateEvent>) {
        let last = [self.pending[0], self.pending[1]]
            .into_iter()
            .flatten()
            .map(|(_, at)| at)
            .max()
            .unwrap_or(0);
        self.advance(last + ms(self.timings.min_break), out);
    }

    fn check_blocked(&mut self, t_ms: u64, out: &mut Vec<GateEvent>) {
        for beam in [Beam::A, Beam::B] {
            let i = beam.index();
            let at = self.since[i] + ms(self.timings.blocked_after);
            if self.level[i] && !self.alarmed[i] && t_ms >= at {
                self.alarmed[i] = true;
                out.push(GateEvent::Blocked { t_ms: at, beam });
                if let Some(episode) = &mut self.episode {
                    episode.spoiled = true;
                }
            }
        }
    }

    fn confirm(&mut self, beam: Beam, blocked: bool, at: u64, out: &mut Vec<GateEvent>) {
        let i = beam.index();
        self.level[i] = blocked;
        self.since[i] = at;
        if !blocked {
            self.alarmed[i] = false;
        }
        if blocked {
            let episode = self.episode.get_or_insert(Episode {
                first: beam,
                breaks: [0; 2],
                alone: [false; 2],
                spoiled: false,
            });
            episode.breaks[i] += 1;
        }
        let Some(episode) = &mut self.episode else {
            return;
        };
        match self.level {
            [true, false] => episode.alone[0] = true,
            [false, true] => episode.alone[1] = true,
            [false, false] => {
                let episode = *episode;
                self.episode = None;
                self.judge(episode, beam, at, out);
            }
            [true, true] => {}
        }
    }

    /// An episode ended with `last` clearing at `at`.
    fn judge(&mut self, e: Episode, last: Beam, at: u64, out: &mut Vec<GateEvent>) {
        if e.spoiled {
            return;
        }
        let other = |b: Beam| if b == Beam::A { Beam::B } else { Beam::A };
        if e.first != last {
            let people = e.breaks[e.first.index()].max(1);
            for _ in 0..people {
                out.push(match e.first {
                    Beam::A => GateEvent::In { t_ms: at },
                    Beam::B => GateEvent::Out { t_ms: at },
                });
            }
            self.half = None;
            return;
        }
        let far = other(e.first).index();
        if e.breaks[far] == 0 {
            // One beam alone: half a crossing if the other beam alone follows soon.
            match self.half.take() {
                Some((beam, ended))
                    if beam != e.first && at.saturating_sub(ended) <= ms(self.timings.abandon) =>
                {
                    out.push(match beam {
                        Beam::A => GateEvent::In { t_ms: at },
                        Beam::B => GateEvent::Out { t_ms: at },
                    });
                }
                _ => self.half = Some((e.first, at)),
            }
        } else if e.alone[far] {
            out.push(GateEvent::Uncertain { t_ms: at });
        }
        // Otherwise: into both beams and back out the way they came — a U-turn.
    }
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs edges `(t_ms, beam, blocked)` and returns what was counted.
    fn run(edges: &[(u64, Beam, bool)]) -> Vec<GateEvent> {
        let mut counter = PassageCounter::new(Timings::default());
        let mut out = Vec::new();
        for &(t, beam, blocked) in edges {
            counter.edge(t, beam, blocked, &mut out);
        }
        counter.finish(&mut out);
        out
    }

    use Beam::{A, B};

    #[test]
    fn a_walk_in_and_a_walk_out() {
        let inward = [
            (0, A, true),
            (100, B, true),
            (300, A, false),
            (400, B, false),
        ];
        assert_eq!(run(&inward), [GateEvent::In { t_ms: 400 }]);
        let outward = [
            (0, B, true),
            (100, A, true),
            (300, B, false),
            (400, A, false),
        ];
        assert_eq!(run(&outward), [GateEvent::Out { t_ms: 400 }]);
    }

    #[test]
    fn a_u_turn_counts_nothing_and_a_flicker_is_filtered() {
        let u_turn = [
            (0, A, true),
            (150, B, true),
            (300, B, false),
            (500, A, false),
        ];
        assert_eq!(run(&u_turn), []);
        let only_a = [(0, A, true), (400, A, false)];
        assert_eq!(run(&only_a), []);
        // A 10 ms flicker on b in the middle of an inward walk changes nothing.
        let flicker = [
            (0, A, true),
            (100, B, true),
            (300, A, false),
            (320, B, false),
            (330, B, true),
            (500, B, false),
        ];
        assert_eq!(run(&flicker), [GateEvent::In { t_ms: 500 }]);
        assert_eq!(run(&[(0, A, true), (10, A, false)]), []);
    }

    #[test]
    fn lingering_counts_once_and_a_blocked_beam_alarms_and_counts_nothing() {
        let linger = [
            (0, A, true),
            (9_000, B, true),
            (9_200, A, false),
            (9_400, B, false),
        ];
        assert_eq!(run(&linger), [GateEvent::In { t_ms: 9_400 }]);
        let bag = [(0, B, true), (45_000, B, false)];
        assert_eq!(
            run(&bag),
            [GateEvent::Blocked {
                t_ms: 30_000,
                beam: B
            }]
        );
    }

    #[test]
    fn in_then_back_out_is_uncertain_and_a_gap_between_beams_still_counts() {
        let back = [
            (0, A, true),
            (100, B, true),
            (300, A, false),
            (1_000, A, true),
            (1_100, B, false),
            (1_300, A, false),
        ];
        assert_eq!(run(&back), [GateEvent::Uncertain { t_ms: 1_300 }]);
        let gap = [
            (0, A, true),
            (80, A, false),
            (200, B, true),
            (280, B, false),
        ];
        assert_eq!(run(&gap), [GateEvent::In { t_ms: 280 }]);
    }
}
