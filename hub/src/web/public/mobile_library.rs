//! `/mobile-library` ("Perpustakaan Keliling", issue #32): where the library's buses and
//! motorbikes stop — today's stops still to come, this week's by day, each kelurahan's next
//! visit — and `/mobile-library/{route}.ics`, a route's weekly stops as iCalendar (a
//! `RRULE` each). The schedule only: no personal data.

use crate::routes::next_visit;
use crate::web::kit::lang::Reader;
use crate::web::kit::layout::{self, Page};
use crate::web::kit::{PageError, WebState, read_view};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::civil::{Date, DateTime};
use maud::{Markup, html};
use std::collections::BTreeMap;
use swalayan_core::contract::documents::StopDoc;
use swalayan_core::format;
use swalayan_core::reason::Lang;

/// A route's calendar address.
pub fn calendar_path(route: &str) -> String {
    format!(
        "/mobile-library/{}.ics",
        percent_encoding::utf8_percent_encode(route, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// `/mobile-library`.
pub async fn page(State(state): State<WebState>, reader: Reader) -> Result<Response, PageError> {
    let stops = read_view(&state, &reader, |state| Ok(state.view.stops())).await?;
    let now = state.library.local_now();
    let lang = reader.lang;
    let today = now.date();
    let monday = today
        .checked_sub(jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset())))
        .unwrap_or(today);
    let week: Vec<Date> = (0..7)
        .filter_map(|n| monday.checked_add(jiff::Span::new().days(n)).ok())
        .collect();
    let on = |day: Date| -> Vec<&(String, StopDoc)> {
        let mut found: Vec<&(String, StopDoc)> = stops
            .iter()
            .filter(|(_, s)| s.weekday() == Some(day.weekday()))
            .collect();
        found.sort_by_key(|(_, s)| s.start);
        found
    };
    let still_today: Vec<&(String, StopDoc)> = on(today)
        .into_iter()
        .filter(|(_, s)| s.end > now.time())
        .collect();
    let mut next_by_kelurahan: BTreeMap<&str, DateTime> = BTreeMap::new();
    for (_, stop) in &stops {
        let from = if stop.end > now.time() {
            today
        } else {
            today.tomorrow().unwrap_or(today)
        };
        if let Some(day) = next_visit(stop, from) {
            let at = day.to_datetime(stop.start);
            let entry = next_by_kelurahan
                .entry(stop.kelurahan.as_str())
                .or_insert(at);
            *entry = (*entry).min(at);
        }
    }
    let mut routes: Vec<&str> = stops.iter().map(|(_, s)| s.route.as_str()).collect();
    routes.dedup();
    let title = lang.pick("Perpustakaan Keliling", "Mobile library");
    let body = html! {
        h1 { (title) }
        p { (lang.pick(
            "Bus dan motor perpustakaan singgah di kelurahan-kelurahan kota setiap pekan: pinjam, kembalikan, dan daftar menjadi anggota di tempat.",
            "The library's buses and motorbikes stop in the city's kelurahan every week: borrow, return and join the library on the spot."
        )) }
        section aria-labelledby="today" {
            h2 #today { (lang.pick("Hari ini", "Today")) " — " (format::long_date(today, lang)) }
            @if still_today.is_empty() {
                p.muted { (lang.pick("Tidak ada lagi singgahan hari ini.", "No more stops today.")) }
            } @else {
                ul.plain { @for (_, stop) in &still_today { li { (stop_line(stop, lang)) } } }
            }
        }
        section aria-labelledby="week" {
            h2 #week { (lang.pick("Pekan ini", "This week")) }
            @for day in &week {
                @let day_stops = on(*day);
                @if !day_stops.is_empty() {
                    h3 { (format::long_date(*day, lang)) }
                    ul.plain { @for (_, stop) in &day_stops { li { (stop_line(stop, lang)) } } }
                }
            }
            @if stops.is_empty() {
                p.muted { (lang.pick("Jadwal belum ada.", "No schedule yet.")) }
            }
        }
        @if !next_by_kelurahan.is_empty() {
            section aria-labelledby="kelurahan" {
                h2 #kelurahan { (lang.pick("Kunjungan berikutnya per kelurahan", "Next visit by kelurahan")) }
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { "Kelurahan" }
                        th scope="col" { (lang.pick("Kunjungan berikutnya", "Next visit")) }
                    } }
                    tbody { @for (kelurahan, at) in &next_by_kelurahan {
                        tr { td { (kelurahan) } td { (format::long_date(at.date(), lang)) ", " (at.time().strftime("%H:%M")) } }
                    } }
                } }
            }
        }
        @if !routes.is_empty() {
            section aria-labelledby="calendars" {
                h2 #calendars { (lang.pick("Kalender rute", "Route calendars")) }
                ul { @for route in &routes {
                    li { a href=(calendar_path(route)) type="text/calendar" { (route) " (iCalendar)" } }
                } }
            }
        }
    };
    let page = Page {
        title: title.to_string(),
        description: lang
            .pick(
                "Jadwal Perpustakaan Keliling: hari ini, pekan ini, dan kunjungan berikutnya di setiap kelurahan.",
                "The mobile library's schedule: today, this week, and the next visit in each kelurahan.",
            )
            .to_string(),
        path: "/mobile-library".into(),
        index: true,
        schema: None,
    };
    Ok(layout::render(&state, &reader, &page, body))
}

fn stop_line(stop: &StopDoc, lang: Lang) -> Markup {
    html! {
        strong { (stop.start.strftime("%H:%M")) "–" (stop.end.strftime("%H:%M")) }
        " " (stop.stop) " · " (stop.place) " · " (lang.pick("Kel. ", "Kel. ")) (stop.kelurahan)
        span.muted { " (" (stop.route) @if let Some(v) = &stop.vehicle { ", " (v) } ")" }
    }
}

/// `/mobile-library/{route}.ics`: the route's stops, each a weekly event from its next visit.
pub async fn calendar(
    State(state): State<WebState>,
    reader: Reader,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let Some(route) = name.strip_suffix(".ics").map(str::to_string) else {
        return Err(PageError::not_found(reader));
    };
    let stops = read_view(&state, &reader, |state| Ok(state.view.stops())).await?;
    let stops: Vec<(String, StopDoc)> = stops
        .into_iter()
        .filter(|(_, s)| s.route == route)
        .collect();
    if stops.is_empty() {
        return Err(PageError::not_found(reader));
    }
    let library = &state.library;
    let today = library.local_now().date();
    let host = library
        .public_url
        .as_deref()
        .and_then(|u| u.split("://").nth(1))
        .map(|h| h.split(['/', ':']).next().unwrap_or(h).to_string())
        .unwrap_or_else(|| "swalayan.invalid".into());
    let lang = reader.lang;
    let events: Vec<super::ical::CalendarEvent> = stops
        .iter()
        .filter_map(|(id, stop)| {
            let day = next_visit(stop, today)?;
            let code = &stop.day[..2].to_uppercase();
            Some(super::ical::CalendarEvent {
                uid: format!("stop-{id}"),
                title: format!(
                    "{}: {}",
                    lang.pick("Perpustakaan Keliling", "Mobile library"),
                    stop.stop
                ),
                starts: day.to_datetime(stop.start),
                ends: day.to_datetime(stop.end),
                place: Some(format!("{}, Kel. {}", stop.place, stop.kelurahan)),
                description: Some(format!(
                    "{}{}",
                    stop.route,
                    stop.vehicle
                        .as_deref()
                        .map(|v| format!(" ({v})"))
                        .unwrap_or_default()
                )),
                url: library.url("/mobile-library"),
                sequence: 0,
                cancelled: false,
                rule: Some(format!("FREQ=WEEKLY;BYDAY={code}")),
            })
        })
        .collect();
    let body = super::ical::calendar(
        &format!("{}: {route}", library.name),
        &library.timezone_name,
        &library.timezone,
        &host,
        &events,
        jiff::Timestamp::now(),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response())
}
