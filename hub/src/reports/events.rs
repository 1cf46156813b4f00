//! Events: registrations, attendance (registered and walk-ins) and no-shows per event.

use super::csv_text;
use crate::storage::{Result, Storage};
use jiff::civil::{Date, DateTime};
use serde::Serialize;
use std::collections::HashMap;
use swalayan_core::contract::documents::{Registration, RosterDoc};

/// One event (programme) and who came: the staff's events page and `report events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRow {
    /// The day it starts.
    pub date: Date,
    /// Its id.
    pub event: String,
    pub title: String,
    pub starts: DateTime,
    pub ends: DateTime,
    pub capacity: Option<u32>,
    /// Holding a place.
    pub registered: u64,
    /// Still on the waiting list.
    pub waiting: u64,
    /// Registered (with a place or waiting) and checked in.
    pub attended: u64,
    /// Came without registering.
    pub walk_ins: u64,
    /// Everyone who came: `attended + walk_ins`.
    pub participants: u64,
    /// Places held but not used; `null` until the event has ended.
    pub no_shows: Option<u64>,
}

/// `report events`: `{"from","to","rows":[...]}`, an event per row, by start.
#[derive(Debug, Clone, Serialize)]
pub struct EventsReport {
    pub from: Date,
    pub to: Date,
    pub rows: Vec<EventRow>,
}

impl EventsReport {
    /// `date,event,title,starts,ends,capacity,registered,waiting,attended,walk_ins,participants,no_shows`.
    pub fn csv(&self) -> String {
        csv_text(
            &[
                "date",
                "event",
                "title",
                "starts",
                "ends",
                "capacity",
                "registered",
                "waiting",
                "attended",
                "walk_ins",
                "participants",
                "no_shows",
            ],
            self.rows.iter().map(|row| {
                vec![
                    row.date.to_string(),
                    row.event.clone(),
                    row.title.clone(),
                    row.starts.to_string(),
                    row.ends.to_string(),
                    row.capacity.map(|c| c.to_string()).unwrap_or_default(),
                    row.registered.to_string(),
                    row.waiting.to_string(),
                    row.attended.to_string(),
                    row.walk_ins.to_string(),
                    row.participants.to_string(),
                    row.no_shows.map(|n| n.to_string()).unwrap_or_default(),
                ]
            }),
        )
    }
}

/// Events starting from `from` to `to` (the library's days) with registrations and
/// attendance; `local_now` (the library's wall clock) decides which have ended.
pub fn events(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    local_now: DateTime,
) -> Result<EventsReport> {
    let rosters: HashMap<String, RosterDoc> = storage.all()?.into_iter().collect();
    let empty = RosterDoc::default();
    let rows = crate::events::list(storage)?
        .into_iter()
        .filter(|(_, e)| (from..=to).contains(&e.starts.date()))
        .map(|(id, e)| {
            let roster = rosters.get(&id).unwrap_or(&empty);
            let came =
                |list: &[Registration]| list.iter().filter(|r| r.attended.is_some()).count() as u64;
            let attended = came(&roster.confirmed) + came(&roster.waiting);
            let walk_ins = roster.walk_ins.len() as u64;
            EventRow {
                date: e.starts.date(),
                event: id,
                title: e.title,
                starts: e.starts,
                ends: e.ends,
                capacity: e.capacity,
                registered: roster.confirmed.len() as u64,
                waiting: roster.waiting.len() as u64,
                attended,
                walk_ins,
                participants: attended + walk_ins,
                no_shows: (local_now >= e.ends).then(|| {
                    roster
                        .confirmed
                        .iter()
                        .filter(|r| r.attended.is_none())
                        .count() as u64
                }),
            }
        })
        .collect();
    Ok(EventsReport { from, to, rows })
}
