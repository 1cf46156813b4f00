//! Traces of beam edges: `t_ms,passage,beam,blocked` (at `t_ms` beam `a` or `b` of
//! `passage` became blocked (1) or clear (0)). `gate replay` runs the counter on one; the
//! live counter records its edges in the same format, so a real day at the door can be
//! replayed after a change.

use super::counter::{Beam, GateEvent, PassageCounter, Timings};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One edge of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEdge {
    pub t_ms: u64,
    pub passage: String,
    pub beam: Beam,
    pub blocked: bool,
}

/// Why a trace cannot be read: the line and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct TraceError {
    pub path: String,
    pub line: u64,
    pub message: String,
}

/// Reads a whole trace; nothing is counted if any line is wrong.
pub fn read(path: &Path) -> Result<Vec<TraceEdge>, TraceError> {
    let fail = |line: u64, message: String| TraceError {
        path: path.display().to_string(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| fail(0, e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| fail(1, e.to_string()))?
        .clone();
    if headers.iter().collect::<Vec<_>>() != ["t_ms", "passage", "beam", "blocked"] {
        return Err(fail(
            1,
            "the header must be t_ms,passage,beam,blocked".into(),
        ));
    }
    let mut edges: Vec<TraceEdge> = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index as u64 + 2;
        let record = record.map_err(|e| fail(line, e.to_string()))?;
        let t_ms: u64 = record[0]
            .parse()
            .map_err(|_| fail(line, format!("t_ms '{}' is not milliseconds", &record[0])))?;
        if edges.last().is_some_and(|e| e.t_ms > t_ms) {
            return Err(fail(line, "t_ms goes back in time".into()));
        }
        let passage = record[1].to_string();
        if passage.is_empty() {
            return Err(fail(line, "no passage named".into()));
        }
        let beam = match &record[2] {
            "a" | "A" => Beam::A,
            "b" | "B" => Beam::B,
            other => return Err(fail(line, format!("beam '{other}': use a or b"))),
        };
        let blocked = match &record[3] {
            "1" => true,
            "0" => false,
            other => return Err(fail(line, format!("blocked '{other}': use 1 or 0"))),
        };
        edges.push(TraceEdge {
            t_ms,
            passage,
            beam,
            blocked,
        });
    }
    Ok(edges)
}

/// One passage's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PassageCounts {
    pub name: String,
    #[serde(rename = "in")]
    pub entered: u64,
    #[serde(rename = "out")]
    pub left: u64,
    pub uncertain: u64,
}

/// An alarm for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alarm {
    pub passage: String,
    pub t_ms: u64,
    /// `blocked` (a beam blocked too long) or `security` (an item not borrowed).
    pub kind: &'static str,
}

/// What a trace counted (`gate replay`'s output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Replay {
    #[serde(rename = "in")]
    pub entered: u64,
    #[serde(rename = "out")]
    pub left: u64,
    pub uncertain: u64,
    pub passages: Vec<PassageCounts>,
    pub alarms: Vec<Alarm>,
}

/// Runs a counter per passage over the edges, in order, then lets pending changes settle.
pub fn replay(edges: &[TraceEdge], timings: Timings) -> Replay {
    let mut counters: BTreeMap<&str, (PassageCounter, PassageCounts)> = BTreeMap::new();
    let mut alarms = Vec::new();
    let mut events = Vec::new();
    let mut tally = |name: &str, counts: &mut PassageCounts, events: &mut Vec<GateEvent>| {
        for event in events.drain(..) {
            match event {
                GateEvent::In { .. } => counts.entered += 1,
                GateEvent::Out { .. } => counts.left += 1,
                GateEvent::Uncertain { .. } => counts.uncertain += 1,
                GateEvent::Blocked { t_ms, .. } => alarms.push(Alarm {
                    passage: name.to_string(),
                    t_ms,
                    kind: "blocked",
                }),
            }
        }
    };
    for edge in edges {
        let (counter, counts) = counters.entry(&edge.passage).or_insert_with(|| {
            (
                PassageCounter::new(timings),
                PassageCounts {
                    name: edge.passage.clone(),
                    ..PassageCounts::default()
                },
            )
        });
        counter.edge(edge.t_ms, edge.beam, edge.blocked, &mut events);
        tally(&edge.passage, counts, &mut events);
    }
    let mut result = Replay::default();
    for (name, (mut counter, mut counts)) in counters {
        counter.finish(&mut events);
        tally(name, &mut counts, &mut events);
        result.entered += counts.entered;
        result.left += counts.left;
        result.uncertain += counts.uncertain;
        result.passages.push(counts);
    }
    alarms.sort_by_key(|a| a.t_ms);
    result.alarms = alarms;
    result
}
