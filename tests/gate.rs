//! The entrance counter on scripted traces (issue #12): a synthetic day at the door with
//! people at random spacing, U-turns, lingering, flicker, groups and a blocked beam, each
//! person's truth kept beside the trace so every count can be checked against it.
//!
//! Traffic model (stated in docs/PERFORMANCE.md beside the figures): beams 15 cm apart; a
//! walker's body 25–45 cm deep, walking 0.5–2 m/s, blocking a beam while it covers it; "apart"
//! is the time from one person's last beam clearing to the next one's first beam breaking.

use std::collections::BTreeMap;
use swalayan::station::gate::counter::{Beam, GateEvent, PassageCounter, Timings};
use swalayan::station::gate::trace::{TraceEdge, replay};

/// A small deterministic generator (the figures must not change between runs).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next()
    }
}

/// What a person did, and when their last beam cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    In,
    Out,
    /// Into a beam (or both) and back: counts nothing.
    UTurn,
}

/// A day's beam-blocking intervals per beam (ms), and the truth per person.
#[derive(Default)]
struct Day {
    a: Vec<(u64, u64)>,
    b: Vec<(u64, u64)>,
    people: Vec<(u64, Truth)>,
    blocked_alarms: u32,
}

const BEAMS_APART: f64 = 0.15;

impl Day {
    /// A walker crossing from `first` to the other beam, starting at `t0` (ms); returns the
    /// time their last beam clears.
    fn walk(&mut self, rng: &mut Lcg, t0: f64, inward: bool, linger_ms: f64) -> u64 {
        let depth = rng.between(0.25, 0.45);
        let speed = rng.between(0.5, 2.0);
        let through = depth / speed * 1000.0;
        let lag = BEAMS_APART / speed * 1000.0;
        let first = (t0, t0 + linger_ms + through);
        let second = (t0 + linger_ms + lag, t0 + linger_ms + lag + through);
        let (fa, fb) = if inward {
            (&mut self.a, &mut self.b)
        } else {
            (&mut self.b, &mut self.a)
        };
        fa.push((first.0 as u64, first.1 as u64));
        fb.push((second.0 as u64, second.1 as u64));
        second.1 as u64
    }

    /// A walker whose body clears the first beam for `gap_ms` part way through (legs apart,
    /// an arm swinging, a bag strap): the beam sees two short breaks for one person.
    fn walk_with_a_gap(&mut self, rng: &mut Lcg, t0: f64, inward: bool, gap_ms: f64) -> u64 {
        let end = self.walk(rng, t0, inward, 0.0);
        let first = if inward { &mut self.a } else { &mut self.b };
        let (start, stop) = first.pop().expect("the walk's first beam");
        let at = start as f64 + (stop - start) as f64 * rng.between(0.3, 0.7);
        first.push((start, at as u64));
        first.push(((at + gap_ms) as u64, stop));
        end
    }

    fn edges(&self, passage: &str) -> Vec<TraceEdge> {
        let mut edges = Vec::new();
        for (beam, intervals) in [(Beam::A, &self.a), (Beam::B, &self.b)] {
            let mut sorted = intervals.clone();
            sorted.sort();
            // Overlapping bodies block a beam once.
            let mut merged: Vec<(u64, u64)> = Vec::new();
            for (s, e) in sorted {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            for (s, e) in merged {
                for (t_ms, blocked) in [(s, true), (e, false)] {
                    edges.push(TraceEdge {
                        t_ms,
                        passage: passage.to_string(),
                        beam,
                        blocked,
                    });
                }
            }
        }
        edges.sort_by_key(|e| (e.t_ms, !e.blocked));
        edges
    }
}

/// Separated people (at least 300 ms apart): walkers in and out, some lingering up to 10 s,
/// U-turns, flickers between people, and one bag left in a beam for a minute.
fn separated_day(people: usize, seed: u64) -> Day {
    let mut rng = Lcg(seed);
    let mut day = Day::default();
    let mut t = 1_000.0;
    for n in 0..people {
        let kind = rng.next();
        let inward = rng.next() < 0.55;
        let end = if kind < 0.05 {
            // A U-turn: into the first beam (sometimes both) and back.
            let deep = rng.next() < 0.5;
            let hold = rng.between(300.0, 1500.0);
            let (fa, fb) = if inward {
                (&mut day.a, &mut day.b)
            } else {
                (&mut day.b, &mut day.a)
            };
            fa.push((t as u64, (t + hold) as u64));
            if deep {
                fb.push(((t + 100.0) as u64, (t + hold - 100.0) as u64));
            }
            day.people.push(((t + hold) as u64, Truth::UTurn));
            t + hold
        } else {
            let linger = if kind < 0.10 {
                rng.between(1_000.0, 10_000.0)
            } else {
                0.0
            };
            let end = day.walk(&mut rng, t, inward, linger);
            day.people
                .push((end, if inward { Truth::In } else { Truth::Out }));
            end as f64
        };
        // A flicker (arm, bag strap) now and then in the gap.
        let gap = 300.0 + rng.between(0.0, 1.0).powi(3) * 60_000.0;
        if rng.next() < 0.1 && gap > 400.0 {
            let at = end + 150.0;
            let len = rng.between(5.0, 25.0);
            let beam = if rng.next() < 0.5 {
                &mut day.a
            } else {
                &mut day.b
            };
            beam.push((at as u64, (at + len) as u64));
        }
        if n == people / 2 {
            // A bag left in the inside beam for a minute: the alarm, and nothing counted.
            let at = end + 1_000.0;
            day.b.push((at as u64, (at + 60_000.0) as u64));
            day.blocked_alarms += 1;
            t = at + 60_000.0 + 1_000.0;
            continue;
        }
        t = end + gap;
    }
    day
}

fn count(edges: &[TraceEdge]) -> Vec<GateEvent> {
    let mut counter = PassageCounter::new(Timings::default());
    let mut out = Vec::new();
    for e in edges {
        counter.edge(e.t_ms, e.beam, e.blocked, &mut out);
    }
    counter.finish(&mut out);
    out
}

#[test]
fn a_day_of_separated_people_is_counted_person_by_person() {
    let day = separated_day(2_000, 0x5A1A_7A11);
    let edges = day.edges("utama");
    let events = count(&edges);
    // Each counted event carries the time its episode ended: the person's last clear.
    let mut counted: BTreeMap<u64, Vec<GateEvent>> = BTreeMap::new();
    let mut alarms = 0;
    for event in &events {
        match event {
            GateEvent::In { t_ms } | GateEvent::Out { t_ms } | GateEvent::Uncertain { t_ms } => {
                counted.entry(*t_ms).or_default().push(*event)
            }
            GateEvent::Blocked { .. } => alarms += 1,
        }
    }
    let (mut right, mut walkers, mut u_turns_counted) = (0, 0, 0);
    for (end, truth) in &day.people {
        let got = counted.remove(end).unwrap_or_default();
        match truth {
            Truth::In | Truth::Out => {
                walkers += 1;
                let want = if *truth == Truth::In {
                    GateEvent::In { t_ms: *end }
                } else {
                    GateEvent::Out { t_ms: *end }
                };
                if got == [want] {
                    right += 1;
                }
            }
            Truth::UTurn => {
                u_turns_counted += got
                    .iter()
                    .filter(|e| !matches!(e, GateEvent::Uncertain { .. }))
                    .count()
            }
        }
    }
    let share = right as f64 / walkers as f64;
    eprintln!(
        "separated day: {walkers} walkers, {right} counted right ({:.2} %), {} U-turns counted, {} stray events, {alarms} alarms",
        share * 100.0,
        u_turns_counted,
        counted.len()
    );
    assert!(share >= 0.99, "{right} of {walkers}");
    assert_eq!(u_turns_counted, 0, "U-turns count nothing");
    assert!(counted.is_empty(), "no count without a person: {counted:?}");
    assert_eq!(
        alarms, day.blocked_alarms,
        "the bag in the beam raised the alarm"
    );
}

#[test]
fn groups_and_tailgating_are_never_counted_the_wrong_way() {
    // Pairs and threes walking in together, 50–250 ms apart (below the 300 ms of the goal).
    let mut rng = Lcg(0x6209);
    let mut day = Day::default();
    let mut t = 1_000.0;
    let mut truth_in = 0;
    for _ in 0..300 {
        let size = if rng.next() < 0.7 { 2 } else { 3 };
        let mut end: f64 = 0.0;
        let mut start = t;
        for _ in 0..size {
            end = end.max(day.walk(&mut rng, start, true, 0.0) as f64);
            start += rng.between(50.0, 250.0);
            truth_in += 1;
        }
        t = end + rng.between(2_000.0, 20_000.0);
    }
    let counted = replay(&day.edges("utama"), Timings::default());
    eprintln!(
        "groups: {truth_in} people in, counted {} in, {} out, {} uncertain",
        counted.entered, counted.left, counted.uncertain
    );
    assert_eq!(counted.left, 0, "nobody counted leaving");
    assert!(counted.entered <= truth_in);
    // Two beams cannot see two bodies that keep a beam blocked between them: such a group
    // counts as one (the figures are in docs/PERFORMANCE.md). Never less than one per group.
    assert!(counted.entered >= 300, "{}", counted.entered);
}

#[test]
fn the_replay_command_prints_the_contracted_shape() {
    let station = crate::support::Station::new();
    let trace = station.file(
        "trace.csv",
        "t_ms,passage,beam,blocked\n0,utama,a,1\n100,utama,b,1\n300,utama,a,0\n400,utama,b,0\n\
         1000,samping,b,1\n1100,samping,a,1\n1300,samping,b,0\n1400,samping,a,0\n\
         2000,samping,a,1\n40000,samping,a,0\n",
    );
    let (code, out) = station.json(&["gate", "replay", trace.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        (
            out["in"].as_u64(),
            out["out"].as_u64(),
            out["uncertain"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(out["passages"][0]["name"], "samping");
    assert_eq!(out["passages"][1]["in"], 1);
    assert_eq!(out["alarms"][0]["kind"], "blocked");
    assert_eq!(out["alarms"][0]["passage"], "samping");
    assert_eq!(out["alarms"][0]["t_ms"], 32_000);

    let bad = station.file("bad.csv", "t_ms,passage,beam,blocked\n0,utama,c,1\n");
    let out = station.run(&["gate", "replay", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(crate::support::stderr(&out).contains("bad.csv:2"));
}

#[test]
fn the_visitors_report_at_the_station_in_json_and_csv() {
    use swalayan::store::visits::{Direction, count};
    let station = crate::support::Station::new();
    {
        let store = swalayan::store::Store::open(&station.db).unwrap();
        let at = |s: &str| -> jiff::Timestamp { s.parse().unwrap() };
        for (when, direction) in [
            ("2026-11-30T02:00:00Z", Direction::In),
            ("2026-11-30T02:01:00Z", Direction::In),
            ("2026-11-30T05:00:00Z", Direction::Out),
            ("2026-11-30T05:10:00Z", Direction::Out),
            ("2026-12-01T03:00:00Z", Direction::In),
            ("2026-12-01T03:01:00Z", Direction::Uncertain),
        ] {
            count(store.conn(), "utama", at(when), direction).unwrap();
        }
    }
    let (code, report) = station.json(&[
        "report",
        "visitors",
        "--from",
        "2026-11-30",
        "--to",
        "2026-12-01",
        "--timezone",
        "Asia/Jakarta",
    ]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        (report["visits"].as_i64(), report["exits"].as_i64()),
        (Some(3), Some(2))
    );
    assert!(report["method"].as_str().unwrap().starts_with("ISO 2789"));
    assert_eq!(report["days"][0]["suspect"], false);
    assert_eq!(report["days"][1]["suspect"], true, "1 in, 0 out");
    let out = station.run(&[
        "report",
        "visitors",
        "--from",
        "2026-11-30",
        "--to",
        "2026-12-01",
        "--by",
        "hour",
        "--csv",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("hour,entries,exits,visits\n2026-11-30T09,2,0,2\n"),
        "{text}"
    );
    let out = station.run(&[
        "report",
        "visitors",
        "--from",
        "2026-12-02",
        "--to",
        "2026-12-01",
    ]);
    assert_eq!(out.status.code(), Some(2), "--to before --from");
}

/// Short days of 25 people, 300 ms to 20 s apart, one walker in 20 with a 30–40 ms clear
/// inside their body on the first beam (legs apart, an arm, a bag strap). With `min_break`
/// at 30 ms such a walker counted twice (3.6 % too many per passage on this model, 4–8 % on
/// the review's); at 50 ms (the default now, well under the 300 ms between two people) the
/// error stays under 1 % (0.02 %).
#[test]
fn body_flicker_does_not_split_a_person_on_short_days() {
    let error_with = |timings: Timings| {
        let mut rng = Lcg(0x00B0_D1E5);
        let days = 400;
        let mut total_error = 0.0;
        for _ in 0..days {
            let mut day = Day::default();
            let mut t = 1_000.0;
            for _ in 0..25 {
                let inward = rng.next() < 0.55;
                let end = if rng.next() < 0.05 {
                    let gap = rng.between(30.0, 40.0);
                    day.walk_with_a_gap(&mut rng, t, inward, gap)
                } else {
                    day.walk(&mut rng, t, inward, 0.0)
                };
                day.people
                    .push((end, if inward { Truth::In } else { Truth::Out }));
                t = end as f64 + rng.between(300.0, 20_000.0);
            }
            let truth_in = day.people.iter().filter(|(_, t)| *t == Truth::In).count() as i64;
            let truth_out = day.people.len() as i64 - truth_in;
            let counted = replay(&day.edges("utama"), timings);
            let wrong =
                (counted.entered as i64 - truth_in).abs() + (counted.left as i64 - truth_out).abs();
            total_error += wrong as f64 / day.people.len() as f64;
        }
        total_error / days as f64 * 100.0
    };
    let old = error_with(Timings {
        min_break: std::time::Duration::from_millis(30),
        ..Timings::default()
    });
    let now = error_with(Timings::default());
    eprintln!("short days of 25: {old:.2} % wrong at min_break 30 ms, {now:.2} % at the default");
    assert_eq!(Timings::default().min_break.as_millis(), 50);
    assert!(now <= 1.0, "{now:.2} % at the default");
    assert!(old > 2.0, "the model splits people at 30 ms: {old:.2} %");
}
