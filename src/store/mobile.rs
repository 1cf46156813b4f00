//! The mobile library's station facts (issue #32): the routes' stops and the card ranges as
//! the hub sends them, the stop the bus is at now, and each stop's day here (made or
//! cancelled, visitors counted).
//!
//! The stop the bus is at is kept in `meta` so a power cut on the road does not lose it;
//! while it is set, [`crate::store::outbox::append`] stamps it on every transaction.

use super::{Result, StoreError, meta};
use crate::contract::documents::{CardRangeDoc, StopDoc};
use crate::contract::transactions::StopStatus;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

const AT_STOP: &str = "mobile_at_stop";

/// The stop the bus is at, since staff pressed "Tiba di …".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtStop {
    /// The stop document's key.
    pub stop: String,
    /// The library's local date of the arrival.
    pub day: Date,
}

/// Replaces (or with `None` deletes) a stop the hub sent.
pub fn replace_stop(conn: &Connection, key: &str, stop: Option<&StopDoc>) -> Result<()> {
    match stop {
        Some(stop) => {
            let body = serde_json::to_string(stop).map_err(|e| corrupt("stop", e))?;
            conn.execute(
                "INSERT INTO stops(central_key, body) VALUES (?1, ?2)
                 ON CONFLICT(central_key) DO UPDATE SET body = excluded.body",
                params![key, body],
            )?;
        }
        None => {
            conn.execute("DELETE FROM stops WHERE central_key = ?1", [key])?;
        }
    }
    Ok(())
}

/// Every stop of every route (key, stop), by route, then start time.
pub fn stops(conn: &Connection) -> Result<Vec<(String, StopDoc)>> {
    let mut stmt = conn.prepare_cached("SELECT central_key, body FROM stops")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut stops = Vec::new();
    for row in rows {
        let (key, body) = row?;
        let stop: StopDoc = serde_json::from_str(&body).map_err(|e| corrupt("stop", e))?;
        stops.push((key, stop));
    }
    stops.sort_by(|a, b| {
        (&a.1.route, a.1.start, &a.1.stop).cmp(&(&b.1.route, b.1.start, &b.1.stop))
    });
    Ok(stops)
}

pub fn stop(conn: &Connection, key: &str) -> Result<Option<StopDoc>> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM stops WHERE central_key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(|e| corrupt("stop", e)))
        .transpose()
}

/// Replaces a mobile station's card range as the hub sent it.
pub fn replace_card_range(
    conn: &Connection,
    station: &str,
    range: Option<&CardRangeDoc>,
) -> Result<()> {
    match range {
        Some(range) => {
            conn.execute(
                "INSERT INTO card_ranges(station, first, last) VALUES (?1, ?2, ?3)
                 ON CONFLICT(station) DO UPDATE SET first = excluded.first, last = excluded.last",
                params![station, range.first, range.last],
            )?;
        }
        None => {
            conn.execute("DELETE FROM card_ranges WHERE station = ?1", [station])?;
        }
    }
    Ok(())
}

pub fn card_range(conn: &Connection, station: &str) -> Result<Option<CardRangeDoc>> {
    Ok(conn
        .prepare_cached("SELECT first, last FROM card_ranges WHERE station = ?1")?
        .query_row([station], |r| {
            Ok(CardRangeDoc {
                first: r.get(0)?,
                last: r.get(1)?,
                earlier: Vec::new(),
            })
        })
        .optional()?)
}

/// The cards of a range that members here have already (one indexed read of the patrons).
pub fn cards_taken(
    conn: &Connection,
    range: &CardRangeDoc,
) -> Result<std::collections::HashSet<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT card FROM patrons WHERE card BETWEEN ?1 AND ?2 AND length(card) = ?3",
    )?;
    let cards = stmt.query_map(
        params![range.first, range.last, range.first.len() as i64],
        |r| r.get::<_, String>(0),
    )?;
    Ok(cards
        .collect::<rusqlite::Result<std::collections::HashSet<_>>>()?
        .into_iter()
        .filter(|card| range.contains(card))
        .collect())
}

/// The stop the bus is at, if staff said so.
pub fn at_stop(conn: &Connection) -> Result<Option<AtStop>> {
    meta::get(conn, AT_STOP)?
        .map(|text| serde_json::from_str(&text).map_err(|e| corrupt(AT_STOP, e)))
        .transpose()
}

/// Arrived at a stop (`Some`) or left it (`None`).
pub fn set_at_stop(conn: &Connection, at: Option<&AtStop>) -> Result<()> {
    match at {
        Some(at) => {
            let text = serde_json::to_string(at).map_err(|e| corrupt(AT_STOP, e))?;
            meta::set(conn, AT_STOP, &text)
        }
        None => {
            conn.execute("DELETE FROM meta WHERE key = ?1", [AT_STOP])?;
            Ok(())
        }
    }
}

/// Notes a stop's day as made or cancelled (made stays made).
pub fn mark_day(conn: &Connection, stop: &str, day: Date, status: StopStatus) -> Result<()> {
    let code = match status {
        StopStatus::Arrived => "arrived",
        StopStatus::Cancelled => "cancelled",
    };
    conn.execute(
        "INSERT INTO stop_days(stop, day, status) VALUES (?1, ?2, ?3)
         ON CONFLICT(stop, day) DO UPDATE SET status =
            CASE WHEN stop_days.status = 'arrived' THEN 'arrived' ELSE excluded.status END",
        params![stop, day.to_string(), code],
    )?;
    Ok(())
}

/// Adds visitors to a stop's day; returns the day's count now.
pub fn add_visitors(conn: &Connection, stop: &str, day: Date, visitors: u32) -> Result<u32> {
    conn.execute(
        "INSERT INTO stop_days(stop, day, status, visitors) VALUES (?1, ?2, 'arrived', ?3)
         ON CONFLICT(stop, day) DO UPDATE SET visitors = stop_days.visitors + excluded.visitors",
        params![stop, day.to_string(), visitors],
    )?;
    visitors_on(conn, stop, day)
}

/// The visitors counted at a stop on a day.
pub fn visitors_on(conn: &Connection, stop: &str, day: Date) -> Result<u32> {
    Ok(conn
        .prepare_cached("SELECT visitors FROM stop_days WHERE stop = ?1 AND day = ?2")?
        .query_row(params![stop, day.to_string()], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// The stops made or cancelled on a day (stop key, status).
pub fn days_on(conn: &Connection, day: Date) -> Result<Vec<(String, StopStatus)>> {
    let mut stmt =
        conn.prepare_cached("SELECT stop, status FROM stop_days WHERE day = ?1 ORDER BY stop")?;
    let rows = stmt.query_map([day.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.map(|row| {
        let (stop, status) = row?;
        let status = if status == "cancelled" {
            StopStatus::Cancelled
        } else {
            StopStatus::Arrived
        };
        Ok((stop, status))
    })
    .collect()
}

fn corrupt(what: &'static str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        what,
        value: e.to_string(),
    }
}
