//! The catalogue and the events for feed readers and calendars (issue #31):
//! - `/new.atom`: the newest 50 acquisitions (Atom 1.0), newest first, each with its title,
//!   author, acquisition date and a link to its page — the home page's first
//!   `<link rel="alternate" type="application/atom+xml">`;
//! - `/search?q=…&format=atom`: any search's first 50 results as Atom;
//! - `/events.ics` and `/events/{id}.ics`: iCalendar (RFC 5545) in the library's time zone
//!   with its `VTIMEZONE`, one stable `UID` per event, a cancelled event as
//!   `STATUS:CANCELLED` ([`super::ical`]).
//!
//! Atom is written by `atom_syndication`; iCalendar by hand in [`super::ical`], since the
//! `icalendar` crate writes no `VTIMEZONE`.

use crate::web::kit::catalog_view::{NEWEST_KEPT, TitleEntry};
use crate::web::kit::lang::Reader;
use crate::web::kit::{PageError, WebState, cover_path, read_view, title_path};
use atom_syndication::{Entry, Feed, Link, Person, Text};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use swalayan_core::contract::documents::EventDoc;

/// Entries in a search's feed.
pub const SEARCH_ENTRIES: usize = 50;

/// `/new.atom`.
pub async fn new_acquisitions(
    State(state): State<WebState>,
    reader: Reader,
) -> Result<Response, PageError> {
    let newest = read_view(&state, &reader, |state| Ok(state.view.newest(NEWEST_KEPT))).await?;
    let lang = reader.lang;
    let title = format!(
        "{}: {}",
        state.library.name,
        lang.pick("koleksi baru", "new acquisitions")
    );
    Ok(atom(
        &state,
        &reader,
        &title,
        "/new.atom",
        newest.iter().map(|(entry, date)| (entry, *date)).collect(),
    ))
}

/// A search's results as Atom (`/search?…&format=atom`); `path` is the search's own address.
pub fn search(
    state: &WebState,
    reader: &Reader,
    heading: &str,
    path: &str,
    titles: &[TitleEntry],
) -> Response {
    let dated: Vec<(&TitleEntry, Option<Date>)> = titles
        .iter()
        .map(|t| (t, state.view.acquired(&t.key)))
        .collect();
    atom(state, reader, heading, path, dated)
}

/// An Atom document of titles.
fn atom(
    state: &WebState,
    reader: &Reader,
    title: &str,
    path: &str,
    titles: Vec<(&TitleEntry, Option<Date>)>,
) -> Response {
    let library = &state.library;
    let now = rfc3339(jiff::Timestamp::now());
    let updated = |date: Option<Date>| {
        date.and_then(|d| d.to_zoned_datetime(library.timezone.clone()).ok())
            .map(|z| rfc3339(z.timestamp()))
            .unwrap_or(now)
    };
    let entries: Vec<Entry> = titles
        .iter()
        .map(|(t, date)| {
            let page = library.url(&reader.localized(&title_path(&t.key)));
            Entry {
                id: id_of(library, &format!("title:{}", t.key), &title_path(&t.key)),
                title: Text::plain(t.doc.title.clone()),
                updated: updated(*date),
                authors: t
                    .doc
                    .author
                    .iter()
                    .map(|name| Person {
                        name: name.clone(),
                        ..Person::default()
                    })
                    .collect(),
                links: std::iter::once(Link {
                    href: page,
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    ..Link::default()
                })
                .chain(state.view.cover(&t.key).map(|cover| Link {
                    // The cover as the entry's picture (feed readers show an enclosed image).
                    href: library.url(&cover_path(&t.key, &cover.large)),
                    rel: "enclosure".into(),
                    mime_type: Some("image/jpeg".into()),
                    ..Link::default()
                }))
                .collect(),
                summary: summary(t),
                ..Entry::default()
            }
        })
        .collect();
    let feed_updated = titles
        .iter()
        .filter_map(|(_, date)| *date)
        .max()
        .map(|d| updated(Some(d)))
        .unwrap_or(now);
    let feed = Feed {
        id: id_of(library, &format!("feed:{path}"), path),
        title: Text::plain(title.to_string()),
        updated: feed_updated,
        authors: vec![Person {
            name: library.name.clone(),
            uri: library.public_url.clone(),
            ..Person::default()
        }],
        links: vec![
            Link {
                href: library.url(path),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Link::default()
            },
            Link {
                href: library.url("/"),
                rel: "alternate".into(),
                mime_type: Some("text/html".into()),
                ..Link::default()
            },
        ],
        lang: Some(reader.lang.code().to_string()),
        entries,
        ..Feed::default()
    };
    (
        [
            (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        feed.to_string(),
    )
        .into_response()
}

/// A title's call number and subjects in a line, for feed readers.
fn summary(t: &TitleEntry) -> Option<Text> {
    let mut parts: Vec<String> = t.doc.call_number.iter().cloned().collect();
    parts.extend(t.doc.subjects.iter().take(3).cloned());
    (!parts.is_empty()).then(|| Text::plain(parts.join(" · ")))
}

/// An Atom id: the absolute address where the library has a public one, else a tag URI
/// (ids must be absolute and never change).
fn id_of(library: &crate::config::Library, name: &str, path: &str) -> String {
    match &library.public_url {
        Some(base) => format!("{base}{path}"),
        None => format!(
            "tag:swalayan.invalid,2026:{}",
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
        ),
    }
}

/// An instant as Atom's dates take it (RFC 3339, chrono's fixed-offset form).
fn rfc3339(at: jiff::Timestamp) -> atom_syndication::FixedDateTime {
    let text = at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    atom_syndication::FixedDateTime::parse_from_rfc3339(&text).unwrap_or_default()
}

/// `/events.ics`: every event the web shows, past and coming, and those withdrawn (as
/// cancelled).
pub async fn events_calendar(
    State(state): State<WebState>,
    reader: Reader,
) -> Result<Response, PageError> {
    let events = read_view(&state, &reader, |state| {
        Ok(state.view.events_with_revisions())
    })
    .await?;
    Ok(calendar(&state, &reader, &events))
}

/// `/events/{id}.ics`: one event (`None`: no such event).
pub fn event_calendar(state: &WebState, reader: &Reader, id: &str) -> Option<Response> {
    let event = state
        .view
        .events_with_revisions()
        .into_iter()
        .find(|(key, _, _, _)| key == id)?;
    Some(calendar(state, reader, &[event]))
}

fn calendar(
    state: &WebState,
    reader: &Reader,
    events: &[(String, EventDoc, i64, bool)],
) -> Response {
    let library = &state.library;
    let host = library
        .public_url
        .as_deref()
        .and_then(|url| reqwest::Url::parse(url).ok())
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_else(|| "swalayan.invalid".to_string());
    let shown: Vec<super::ical::CalendarEvent> = events
        .iter()
        .map(|(id, doc, rev, cancelled)| super::ical::CalendarEvent {
            uid: format!("event-{id}"),
            title: doc.title.clone(),
            starts: doc.starts,
            ends: doc.ends,
            place: doc.place.clone(),
            description: doc.description.clone(),
            url: library.url(&reader.localized(&format!("/events/{id}"))),
            sequence: *rev,
            cancelled: *cancelled,
            rule: None,
        })
        .collect();
    let name = format!("{}: {}", library.name, reader.lang.pick("acara", "events"));
    let body = super::ical::calendar(
        &name,
        &library.timezone_name,
        &library.timezone,
        &host,
        &shown,
        jiff::Timestamp::now(),
    );
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}
