//! `/`: the library's name, opening hours this week and the closed days ahead, promotions
//! (the ones the kiosks show), upcoming events, new arrivals, and the search box.

use crate::catalog;
use crate::web::kit::lang::Reader;
use crate::web::kit::layout::{self, Page, search_form};
use crate::web::kit::{PageError, WebState, cover_path, read_view, title_path};
use axum::extract::State;
use axum::response::Response;
use jiff::civil::{Date, Weekday};
use maud::{Markup, html};
use serde_json::json;
use swalayan_core::domain::policy::Holiday;
use swalayan_core::format;
use swalayan_core::reason::Lang;

/// New arrivals shown.
const NEW_TITLES: usize = 8;
/// Events on the home page; `/events` lists them all.
const UPCOMING_EVENTS: usize = 3;
/// How far ahead closed days are listed.
const CLOSED_AHEAD_DAYS: i64 = 60;

const WEEK: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

pub async fn page(State(state): State<WebState>, reader: Reader) -> Result<Response, PageError> {
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(state.library.timezone.clone())
        .date();
    let now = jiff::Timestamp::now()
        .to_zoned_datetime(state.library.timezone.clone())
        .datetime();
    let (promotions, newest, closed_weekdays, holidays, events) =
        read_view(&state, &reader, move |state| {
            let policy = catalog::policy(state.storage.as_ref())?;
            let closed_weekdays = policy.closed_weekdays().unwrap_or_default();
            let last = today.saturating_add(jiff::Span::new().days(CLOSED_AHEAD_DAYS));
            let holidays: Vec<Holiday> = policy
                .calendar
                .holidays
                .iter()
                .filter(|h| h.date >= today && h.date <= last)
                .cloned()
                .collect();
            Ok((
                state.view.promotions(today),
                state
                    .view
                    .newest(NEW_TITLES)
                    .into_iter()
                    .map(|(t, date)| {
                        let cover = state.view.cover(&t.key);
                        (t, date, cover)
                    })
                    .collect::<Vec<_>>(),
                closed_weekdays,
                holidays,
                state.view.upcoming_events(now),
            ))
        })
        .await?;
    let lang = reader.lang;
    let library = &state.library;
    let body = html! {
        h1 { (library.name) }
        @if let Some(about) = &library.description { p { (about) } }
        (search_form(lang, "", "q"))
        section aria-labelledby="hours" {
            h2 #hours { (lang.pick("Jam buka", "Opening hours")) }
            (hours_table(&reader, library, &closed_weekdays, today))
            @if !holidays.is_empty() {
                h3 { (lang.pick("Tutup pada", "Closed on")) }
                ul { @for h in &holidays {
                    li { (format::long_date(h.date, lang)) @if !h.name.is_empty() { " — " (h.name) } }
                } }
            }
        }
        @if !promotions.is_empty() {
            section aria-labelledby="news" {
                h2 #news { (lang.pick("Kabar perpustakaan", "Library news")) }
                ul.cards { @for p in &promotions {
                    li.card { h3 { (p.title_in(lang)) } p { (p.body_in(lang)) } }
                } }
            }
        }
        @if !events.is_empty() {
            section aria-labelledby="events" {
                h2 #events { (lang.pick("Acara mendatang", "Upcoming events")) }
                (super::events::cards(&reader, &events[..events.len().min(UPCOMING_EVENTS)]))
                p { a href=(reader.localized("/events")) { (lang.pick("Semua acara", "All events")) } }
            }
        }
        @if !newest.is_empty() {
            section aria-labelledby="new" {
                h2 #new { (lang.pick("Koleksi baru", "New arrivals")) }
                ul.cards { @for (t, _, cover) in &newest {
                    li.card {
                        @if let Some(cover) = cover {
                            img.thumb src=(cover_path(&t.key, &cover.small)) alt="" width="80";
                        }
                        h3 { a href=(reader.localized(&title_path(&t.key))) { (t.doc.title) } }
                        @if let Some(a) = &t.doc.author { p.muted { (a) } }
                    }
                } }
            }
        }
    };
    let page = Page {
        title: library.name.clone(),
        description: library.description.clone().unwrap_or_else(|| {
            match lang {
                Lang::Id => format!("{}: cari dan pesan buku secara daring, ambil di kios swalayan, lihat jam buka dan acara.", library.name),
                Lang::En => format!("{}: search and reserve books online, pick them up at the self-service kiosk, opening hours and events.", library.name),
            }
        }),
        path: "/".into(),
        index: true,
        schema: Some(library_schema(&state, &closed_weekdays)),
    };
    Ok(layout::render(&state, &reader, &page, body))
}

/// The week's hours, today marked; a weekday the policy closes is closed whatever the file.
fn hours_table(
    reader: &Reader,
    library: &crate::config::Library,
    closed: &[Weekday],
    today: Date,
) -> Markup {
    let lang = reader.lang;
    html! {
        table {
            caption.visually-hidden { (lang.pick("Jam buka per hari", "Opening hours by day")) }
            tbody { @for day in WEEK {
                tr {
                    th scope="row" {
                        (format::weekday(day, lang))
                        @if day == today.weekday() { " (" (lang.pick("hari ini", "today")) ")" }
                    }
                    td { (hours_text(lang, open_hours(library, closed, day))) }
                }
            } }
        }
    }
}

fn open_hours<'a>(
    library: &'a crate::config::Library,
    closed: &[Weekday],
    day: Weekday,
) -> &'a [(jiff::civil::Time, jiff::civil::Time)] {
    if closed.contains(&day) {
        &[]
    } else {
        library.hours_on(day)
    }
}

fn hours_text(lang: Lang, ranges: &[(jiff::civil::Time, jiff::civil::Time)]) -> String {
    if ranges.is_empty() {
        return lang.pick("Tutup", "Closed").to_string();
    }
    ranges
        .iter()
        .map(|(open, close)| format!("{}–{}", open.strftime("%H.%M"), close.strftime("%H.%M")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// schema.org `Library` with its opening hours.
fn library_schema(state: &WebState, closed: &[Weekday]) -> serde_json::Value {
    let library = &state.library;
    let mut hours = Vec::new();
    for day in WEEK {
        for (open, close) in open_hours(library, closed, day) {
            hours.push(json!({
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": format!("https://schema.org/{}", format::weekday(day, Lang::En)),
                "opens": open.strftime("%H:%M").to_string(),
                "closes": close.strftime("%H:%M").to_string(),
            }));
        }
    }
    let mut schema = json!({
        "@context": "https://schema.org",
        "@type": "Library",
        "name": library.name,
        "openingHoursSpecification": hours,
    });
    if let Some(url) = &library.public_url {
        schema["url"] = json!(format!("{url}/"));
        schema["potentialAction"] = json!({
            "@type": "SearchAction",
            "target": format!("{url}/search?q={{q}}"),
            "query-input": "required name=q",
        });
    }
    if let Some(address) = &library.address {
        schema["address"] = json!(address);
    }
    if let Some(phone) = &library.phone {
        schema["telephone"] = json!(phone);
    }
    schema
}
