//! Reports over what the stations sent, computed once here for both the staff's pages and
//! `swalayan-hub report ...`, so a page and its command always give the same numbers.
//!
//! - Visitors: the core's ISO 2789 report over every gate's counts (`report visitors`).
//! - Circulation: loans (checkouts and hold pickups), returns and renewals per local day and
//!   station, the most borrowed titles, overdue copies, fines and the self-service share.
//!   Every transaction the hub received counts once, whatever became of it centrally (a loan
//!   kept as a conflict still happened at the kiosk).
//! - Feedback: responses and the average score per day and station, with the comments.
//! - Events: registrations, attendance (registered and walk-ins) and no-shows per event.
//! - Monthly: the summary libraries report upward, a row per month, from all of the above.
//! - Mobile: the mobile library's stops made and cancelled, visitors, loans, returns and
//!   members registered per stop and kelurahan (`report mobile`).
//! - Annual: the year's figures for the national library census (IPLM), each with its source
//!   and notes, its totals the other reports'.
//!
//! One file per report: [`circulation`], [`visitors`], [`feedback`], [`events`], [`monthly`],
//! [`mobile`], [`annual`];
//! the period and CSV helpers they share are here. Every report is also an Excel workbook:
//! [`sheets`] (each report's tables, Indonesian headers) written by [`workbook`].

mod annual;
mod circulation;
mod events;
mod feedback;
mod mobile;
mod monthly;
pub mod sheets;
mod visitors;
pub mod workbook;

pub use annual::*;
pub use circulation::*;
pub use events::*;
pub use feedback::*;
pub use mobile::*;
pub use monthly::*;
pub use visitors::*;

use crate::storage::{Result, Storage, TxFilter};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The channel each station's transactions came through, by station name: its role's code
/// (`kiosk`, `dropbox`, `gate`), `desk` for staff stations, `web` for the public site.
pub(crate) fn channels(storage: &dyn Storage) -> Result<std::collections::HashMap<String, String>> {
    use swalayan_core::contract::roles::StationRole;
    Ok(storage
        .stations()?
        .into_iter()
        .map(|s| {
            let channel = if s.station == crate::storage::WEB_STATION {
                "web".to_string()
            } else if s.role == StationRole::Staff {
                "desk".to_string()
            } else {
                s.role.code().to_string()
            };
            (s.station, channel)
        })
        .collect())
}

/// Every day from `from` to `to`, both included.
fn each_day(from: Date, to: Date) -> impl Iterator<Item = Date> {
    std::iter::successors(Some(from), |d| d.tomorrow().ok()).take_while(move |d| *d <= to)
}

/// A header and rows as CSV text (RFC 4180 quoting; no cell a spreadsheet runs).
pub(crate) fn csv_text(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    crate::csv_safe::table(header, rows)
}

/// The instants a period of local days covers: `[from 00:00, the day after `to` 00:00)`.
pub fn period(from: Date, to: Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let start = from.to_zoned_datetime(tz.clone()).ok()?.timestamp();
    let end = to
        .checked_add(1.day())
        .ok()?
        .to_zoned_datetime(tz.clone())
        .ok()?
        .timestamp();
    Some((start, end))
}

/// Every transaction received whose (effective) time falls in the local days `from` to `to`,
/// with that time.
fn received_in(
    storage: &dyn Storage,
    from: Date,
    to: Date,
    tz: &TimeZone,
) -> Result<Vec<(Timestamp, crate::storage::Received)>> {
    let (start, end) = period(from, to, tz)
        .ok_or_else(|| crate::storage::HubError::Invalid("the dates are out of range".into()))?;
    let received = storage.transactions(&TxFilter {
        state: None,
        since: Some(start),
        limit: None,
        kind: None,
    })?;
    Ok(received
        .into_iter()
        .filter_map(|t| Some((t.effective_at.parse::<Timestamp>().ok()?, t)))
        .filter(|(at, _)| *at < end)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{self, Attendee, NewEvent, Registrant};
    use jiff::civil::{date, datetime};
    use swalayan_core::contract::documents::PatronDoc;

    /// No-shows count once an event is over, and a programme counts in the monthly summary
    /// once it has begun: both decided by the library's clock given, not the machine's.
    #[test]
    fn no_shows_and_programmes_held_follow_the_librarys_clock() {
        let dir = tempfile::tempdir().unwrap();
        let storage = crate::storage::open(dir.path().join("hub.db").to_str().unwrap()).unwrap();
        let storage = storage.as_ref();
        for card in ["A", "B", "C"] {
            storage
                .write(&mut |tx| {
                    let patron: PatronDoc = serde_json::from_value(serde_json::json!({
                        "name": card, "category": "adult", "expires": "2030-01-01"
                    }))
                    .unwrap();
                    tx.put_doc(card, Some(&patron)).map(|_| ())
                })
                .unwrap();
        }
        let id = events::add(
            storage,
            &NewEvent {
                title: "Dongeng".into(),
                starts: datetime(2026, 11, 10, 9, 0, 0, 0),
                ends: datetime(2026, 11, 10, 11, 0, 0, 0),
                place: None,
                description: None,
                capacity: Some(2),
                ..NewEvent::default()
            },
        )
        .unwrap();
        let before = datetime(2026, 11, 1, 8, 0, 0, 0);
        for card in ["A", "B", "C"] {
            let who = Registrant::Member { card: card.into() };
            events::register(
                storage,
                &id,
                &who,
                Timestamp::UNIX_EPOCH,
                before,
                crate::config::DEFAULT_WAITING_LIST_FACTOR,
            )
            .unwrap()
            .unwrap();
        }
        let at = Timestamp::UNIX_EPOCH;
        events::attend(storage, &id, Attendee::Card("A"), at, "kiosk-1").unwrap();
        events::attend(storage, &id, Attendee::Guest("Tamu"), at, "ana").unwrap();
        let (from, to) = (date(2026, 11, 1), date(2026, 11, 30));

        let during = datetime(2026, 11, 10, 10, 0, 0, 0);
        let row = &events(storage, from, to, during).unwrap().rows[0];
        assert_eq!((row.registered, row.waiting, row.participants), (2, 1, 2));
        assert_eq!(row.no_shows, None, "not over yet");
        let after = datetime(2026, 11, 10, 11, 0, 0, 0);
        let row = &events(storage, from, to, after).unwrap().rows[0];
        assert_eq!(row.no_shows, Some(1), "B held a place and did not come");

        let tz = TimeZone::UTC;
        let month = |now| monthly(storage, from, to, &tz, now).unwrap().rows;
        assert_eq!(month(before)[0].programmes, 0, "not held yet");
        let held = &month(after)[0];
        assert_eq!((held.programmes, held.participants), (1, 2));
        assert_eq!(held.month, "2026-11");
    }
}
