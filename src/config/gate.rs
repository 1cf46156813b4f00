//! `[gate]`: the entrance counter's passages (two beams each) and its timings.

use crate::station::gate::counter::Timings;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGate {
    min_break_ms: Option<u64>,
    abandon_ms: Option<u64>,
    blocked_after_s: Option<u64>,
    /// An RFID security gate at the exit (reads `[rfid]`).
    #[serde(default)]
    security: bool,
    #[serde(default, rename = "passage")]
    passages: Vec<RawPassage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPassage {
    name: String,
    a: u32,
    b: u32,
}

/// A passage: its name and its beams' GPIO input lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub name: String,
    /// The street-side beam.
    pub a: u32,
    /// The inside beam.
    pub b: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GateConfig {
    pub timings: Timings,
    pub passages: Vec<Passage>,
    /// Sound the alarm for items leaving without being borrowed (`[rfid]` at the exit).
    pub security: bool,
}

pub(super) fn parse(
    raw: RawGate,
    invalid: super::Invalid<'_>,
) -> Result<GateConfig, super::ConfigError> {
    let defaults = Timings::default();
    let within =
        |key: &str, value: Option<u64>, range: std::ops::RangeInclusive<u64>, default: u64| {
            match value {
                None => Ok(default),
                Some(v) if range.contains(&v) => Ok(v),
                Some(v) => Err(invalid(
                    "gate",
                    key,
                    format!("{v}: use {} to {}", range.start(), range.end()),
                )),
            }
        };
    let timings = Timings {
        min_break: Duration::from_millis(within(
            "min_break_ms",
            raw.min_break_ms,
            5..=500,
            defaults.min_break.as_millis() as u64,
        )?),
        abandon: Duration::from_millis(within(
            "abandon_ms",
            raw.abandon_ms,
            100..=10_000,
            defaults.abandon.as_millis() as u64,
        )?),
        blocked_after: Duration::from_secs(within(
            "blocked_after_s",
            raw.blocked_after_s,
            11..=3_600,
            defaults.blocked_after.as_secs(),
        )?),
    };
    let mut names = BTreeSet::new();
    let mut lines = BTreeSet::new();
    let mut passages = Vec::new();
    for p in raw.passages {
        if !names.insert(p.name.clone()) {
            return Err(invalid(
                "gate",
                "passage",
                format!("two passages are called '{}'", p.name),
            ));
        }
        for line in [p.a, p.b] {
            if !lines.insert(line) {
                return Err(invalid(
                    "gate",
                    "passage",
                    format!("line {line} is used twice (each beam has its own line)"),
                ));
            }
        }
        passages.push(Passage {
            name: p.name,
            a: p.a,
            b: p.b,
        });
    }
    Ok(GateConfig {
        timings,
        passages,
        security: raw.security,
    })
}
