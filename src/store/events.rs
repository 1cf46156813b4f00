//! The library's events as the central publishes them, for the kiosk's welcome screen
//! (registration happens on the library's web; who registered never reaches a station).

use super::Result;
use crate::contract::documents::EventDoc;
use jiff::civil::DateTime;
use rusqlite::{Connection, OptionalExtension, params};

/// Replaces (or with `None` withdraws) the event the central knows by `key`.
pub fn replace_central(conn: &Connection, key: &str, event: Option<&EventDoc>) -> Result<()> {
    match event {
        Some(event) => {
            // An event document always serialises (strings, numbers, dates).
            let body = serde_json::to_string(event).unwrap_or_default();
            conn.prepare_cached(
                "INSERT INTO events(central_key, body) VALUES (?1, ?2)
                 ON CONFLICT(central_key) DO UPDATE SET body = excluded.body",
            )?
            .execute(params![key, body])?;
        }
        None => {
            conn.prepare_cached("DELETE FROM events WHERE central_key = ?1")?
                .execute([key])?;
        }
    }
    Ok(())
}

/// The `limit` soonest events not over at `now` (the library's clock).
pub fn upcoming(conn: &Connection, now: DateTime, limit: usize) -> Result<Vec<(String, EventDoc)>> {
    let mut stmt = conn.prepare_cached("SELECT central_key, body FROM events")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // A body this station cannot read (a newer central's) is left out, not an error: the
    // welcome screen must show.
    let mut events: Vec<(String, EventDoc)> = rows
        .into_iter()
        .filter_map(|(key, body)| Some((key, serde_json::from_str::<EventDoc>(&body).ok()?)))
        .filter(|(_, e)| e.ends > now)
        .collect();
    events.sort_by(|a, b| a.1.starts.cmp(&b.1.starts).then(a.1.title.cmp(&b.1.title)));
    events.truncate(limit);
    Ok(events)
}

/// One event by the central's key (tests and tools).
pub fn get(conn: &Connection, key: &str) -> Result<Option<EventDoc>> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM events WHERE central_key = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()?;
    Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use jiff::civil::datetime;

    fn event(title: &str, day: i8) -> EventDoc {
        EventDoc {
            title: title.into(),
            starts: datetime(2026, 12, day, 9, 0, 0, 0),
            ends: datetime(2026, 12, day, 11, 0, 0, 0),
            place: None,
            description: None,
            capacity: Some(20),
            registered: 3,
            waiting: 0,
            ..Default::default()
        }
    }

    #[test]
    fn the_soonest_events_not_over_show_and_withdrawn_ones_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let conn = store.conn();
        replace_central(conn, "a", Some(&event("Later", 20))).unwrap();
        replace_central(conn, "b", Some(&event("Over", 1))).unwrap();
        replace_central(conn, "c", Some(&event("Soon", 10))).unwrap();
        replace_central(conn, "d", Some(&event("Withdrawn", 11))).unwrap();
        replace_central(conn, "d", None).unwrap();
        let now = datetime(2026, 12, 2, 8, 0, 0, 0);
        let titles: Vec<String> = upcoming(conn, now, 5)
            .unwrap()
            .into_iter()
            .map(|(_, e)| e.title)
            .collect();
        assert_eq!(titles, ["Soon", "Later"]);
        assert_eq!(upcoming(conn, now, 1).unwrap().len(), 1);
        let mut fuller = event("Later", 20);
        fuller.registered = 20;
        replace_central(conn, "a", Some(&fuller)).unwrap();
        assert_eq!(get(conn, "a").unwrap().unwrap().places_left(), Some(0));
    }
}
