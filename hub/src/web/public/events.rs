//! `/events` and `/events/{id}`: the library's events and literacy programmes, with
//! registration — members signed in with card and PIN, others by name and phone number where
//! the library allows it — a capacity and a waiting list, and schema.org `Event` data.

use crate::events::{self, Refusal, Registrant, Standing};
use crate::web::kit::forms::{Visitor, forged, see_other};
use crate::web::kit::layout::{self, Page};
use crate::web::kit::{PageError, WebState, read_view};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use jiff::civil::DateTime;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use swalayan_core::contract::documents::EventDoc;
use swalayan_core::domain::redact;
use swalayan_core::format;
use swalayan_core::reason::Lang;

/// An event's address.
pub fn event_path(id: &str) -> String {
    // Ids are UUIDs the hub made; anything else is no event of ours (the page says so).
    format!("/events/{id}")
}

/// The library's wall clock now.
fn local_now(state: &WebState) -> DateTime {
    state.library.local_now()
}

/// "12 of 30 places left", "Full: register for the waiting list", or nothing when anyone
/// may come.
pub fn places(lang: Lang, event: &EventDoc) -> Option<String> {
    let capacity = event.capacity?;
    let left = event.places_left().unwrap_or(0);
    Some(match (left, lang) {
        (0, Lang::Id) => "Penuh: daftar untuk masuk daftar tunggu.".to_string(),
        (0, Lang::En) => "Full: register to join the waiting list.".to_string(),
        (_, Lang::Id) => format!("Sisa {left} dari {capacity} tempat."),
        (_, Lang::En) => format!("{left} of {capacity} places left."),
    })
}

/// The cards on the home page and `/events`.
pub fn cards(reader: &crate::web::kit::lang::Reader, events: &[(String, EventDoc)]) -> Markup {
    let lang = reader.lang;
    html! {
        ul.cards { @for (id, e) in events {
            li.card {
                h3 { a href=(reader.localized(&event_path(id))) { (e.title_in(lang)) } }
                p { (format::span(e.starts, e.ends, lang)) }
                @if let Some(place) = &e.place { p.muted { (place) } }
                @if let Some(places) = places(lang, e) { p.muted { (places) } }
            }
        } }
    }
}

pub async fn list(State(state): State<WebState>, visitor: Visitor) -> Result<Response, PageError> {
    let reader = visitor.reader.clone();
    let now = local_now(&state);
    let upcoming = read_view(&state, &reader, move |state| {
        Ok(state.view.upcoming_events(now))
    })
    .await?;
    let lang = reader.lang;
    let body = html! {
        h1 { (lang.pick("Acara dan kelas literasi", "Events and literacy programmes")) }
        @if upcoming.is_empty() {
            p.muted { (lang.pick("Belum ada acara terjadwal. Kunjungi lagi nanti.", "No events are scheduled yet. Please check again later.")) }
        } @else {
            (cards(&reader, &upcoming))
        }
    };
    let page = Page {
        title: lang.pick("Acara", "Events").into(),
        description: match lang {
            Lang::Id => format!(
                "Acara, lokakarya dan kelas literasi di {}: jadwal dan pendaftaran.",
                state.library.name
            ),
            Lang::En => format!(
                "Events, workshops and literacy programmes at {}: dates and registration.",
                state.library.name
            ),
        },
        path: "/events".into(),
        index: true,
        schema: None,
    };
    Ok(visitor.finish(layout::render(&state, &reader, &page, body)))
}

pub async fn page(
    State(state): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let reader = visitor.reader.clone();
    // `/events/{id}.ics`: the event for a calendar (the router takes no suffix on a name).
    if let Some(event) = id.strip_suffix(".ics") {
        let state = state.clone();
        let (event, reader2) = (event.to_string(), reader.clone());
        let found = read_view(&state, &reader, move |s| {
            Ok(super::feeds::event_calendar(s, &reader2, &event))
        })
        .await?;
        return match found {
            Some(calendar) => Ok(calendar),
            None => Err(PageError::not_found(reader)),
        };
    }
    let card = visitor.card().map(str::to_string);
    let key = id.clone();
    let found = read_view(&state, &reader, move |state| {
        let Some(event) = state.view.event(&key) else {
            return Ok(None);
        };
        let standing = match &card {
            Some(card) => events::standing(state.storage.as_ref(), &key, card)?,
            None => None,
        };
        Ok(Some((event, standing)))
    })
    .await?;
    let Some((event, standing)) = found else {
        return Err(PageError::not_found(reader));
    };
    let lang = reader.lang;
    let path = event_path(&id);
    let open = local_now(&state) < event.starts;
    let body = html! {
        article {
            h1 { (event.title_in(lang)) }
            dl.facts {
                dt { (lang.pick("Waktu", "When")) } dd { (format::span(event.starts, event.ends, lang)) }
                dt { (lang.pick("Tempat", "Where")) } dd { (event.place.as_deref().unwrap_or(&state.library.name)) }
                dt { (lang.pick("Tempat duduk", "Places")) }
                dd { (places(lang, &event).unwrap_or_else(|| lang.pick("Terbuka untuk umum, tanpa batas tempat.", "Open to all, no limit on places.").to_string())) }
            }
            @if let Some(about) = event.description_in(lang) { p { (about) } }
            h2 { (lang.pick("Pendaftaran", "Registration")) }
            (registration(&state, &visitor, &path, open, standing))
        }
    };
    let page = Page {
        title: event.title_in(lang).to_string(),
        description: format!(
            "{}: {}, {}.",
            event.title_in(lang),
            format::span(event.starts, event.ends, lang),
            event.place.as_deref().unwrap_or(&state.library.name)
        ),
        path: path.clone(),
        index: true,
        schema: Some(event_schema(&state, &reader, &id, &event)),
    };
    let mut response = layout::render(&state, &reader, &page, body);
    if visitor.card().is_some() {
        // Shows where this patron stands: not for shared caches.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(visitor.finish(response))
}

/// The registration part of an event page: closed, where the patron stands, or the forms.
fn registration(
    state: &WebState,
    visitor: &Visitor,
    path: &str,
    open: bool,
    standing: Option<Standing>,
) -> Markup {
    let lang = visitor.reader.lang;
    let guests = state.library.guest_registration;
    html! {
        @if let Some(standing) = standing {
            p.ok role="status" { (standing_sentence(lang, standing)) }
            form method="post" action=(format!("{path}/cancel")) {
                (visitor.token_field())
                button type="submit" { (lang.pick("Batalkan pendaftaran", "Cancel my registration")) }
            }
        } @else if !open {
            p.muted { (lang.pick("Pendaftaran sudah ditutup.", "Registration has closed.")) }
        } @else if visitor.card().is_some() {
            form method="post" action=(format!("{path}/register")) {
                (visitor.token_field())
                button type="submit" { (lang.pick("Daftar", "Register")) }
            }
        } @else {
            p {
                a.button href=(visitor.reader.localized(&format!("/account?next={}", percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC)))) {
                    (lang.pick("Masuk dengan kartu anggota untuk mendaftar", "Sign in with your library card to register"))
                }
            }
            @if guests {
                h3 { (lang.pick("Belum menjadi anggota?", "Not a member?")) }
                p { (lang.pick("Daftar dengan nama dan nomor telepon Anda.", "Register with your name and phone number.")) }
                form method="post" action=(format!("{path}/register")) {
                    (visitor.token_field())
                    p {
                        label for="name" { (lang.pick("Nama", "Name")) }
                        input #name type="text" name="name" required autocomplete="name" maxlength="80";
                    }
                    p {
                        label for="phone" { (lang.pick("Nomor telepon", "Phone number")) }
                        input #phone type="tel" name="phone" required autocomplete="tel" maxlength="20";
                    }
                    button type="submit" { (lang.pick("Daftar", "Register")) }
                }
            }
        }
    }
}

pub fn standing_sentence(lang: Lang, standing: Standing) -> String {
    match (standing, lang) {
        (Standing::Confirmed, Lang::Id) => "Anda terdaftar. Sampai jumpa!".into(),
        (Standing::Confirmed, Lang::En) => "You are registered. See you there!".into(),
        (Standing::Waiting(n), Lang::Id) => format!(
            "Tempat sudah penuh: Anda di daftar tunggu, urutan ke-{n}. Jika ada yang membatalkan, tempatnya menjadi milik Anda."
        ),
        (Standing::Waiting(n), Lang::En) => format!(
            "The places are taken: you are number {n} on the waiting list. If someone cancels, their place is yours."
        ),
    }
}

fn refusal_sentence(lang: Lang, refusal: Refusal) -> &'static str {
    match refusal {
        Refusal::NoEvent => lang.pick(
            "Acara ini tidak ada atau sudah dibatalkan.",
            "This event does not exist or was cancelled.",
        ),
        Refusal::Closed => lang.pick(
            "Pendaftaran sudah ditutup: acara sudah dimulai.",
            "Registration has closed: the event has begun.",
        ),
        Refusal::UnknownCard => lang.pick(
            "Kartu ini tidak dikenal. Tanyakan petugas.",
            "This card is not known. Please ask the staff.",
        ),
        Refusal::BadGuest => lang.pick(
            "Tulis nama Anda dan nomor telepon dengan 8 sampai 15 angka, misalnya 0812 3456 7890.",
            "Write your name and a phone number of 8 to 15 digits, for example 0812 3456 7890.",
        ),
        Refusal::WaitingListFull => lang.pick(
            "Acara ini sudah penuh, begitu juga daftar tunggunya.",
            "This event is full, and so is its waiting list.",
        ),
    }
}

#[derive(Deserialize)]
pub struct RegisterForm {
    csrf: String,
    name: Option<String>,
    phone: Option<String>,
}

/// `POST /events/{id}/register`: the signed-in member, or a guest by name and phone.
pub async fn register(
    State(state): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<RegisterForm>,
) -> Result<Response, PageError> {
    if !visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &visitor));
    }
    let path = event_path(&id);
    let who = match (visitor.card(), form.name, form.phone) {
        (Some(card), _, _) => Registrant::Member {
            card: card.to_string(),
        },
        (None, Some(name), Some(phone)) if state.library.guest_registration => {
            Registrant::Guest { name, phone }
        }
        _ => {
            let next = format!(
                "/account?next={}",
                percent_encoding::utf8_percent_encode(&path, percent_encoding::NON_ALPHANUMERIC)
            );
            return Ok(visitor.finish(see_other(&visitor.reader.localized(&next))));
        }
    };
    let lang = visitor.reader.lang;
    // Guests have no card to be counted by: one address may register so many per event and
    // so many in all (a member registers once per card anyway).
    if matches!(who, Registrant::Guest { .. }) {
        let at = std::time::Instant::now();
        let from = visitor.from.to_string();
        let allowed = state
            .throttles
            .guests_per_event
            .allow(&format!("{from} {id}"), at)
            && state.throttles.guests_per_address.allow(&from, at);
        if !allowed {
            tracing::warn!(from = %visitor.from, event = %id, "guest registrations: too many");
            let page = layout::Message {
                status: StatusCode::TOO_MANY_REQUESTS,
                title: lang.pick("Pendaftaran tidak diterima", "Not registered"),
                sentence: lang.pick(
                    "Terlalu banyak pendaftaran dari perangkat ini. Coba lagi besok, atau daftar di meja petugas.",
                    "Too many registrations from this device. Try again tomorrow, or register at the desk.",
                ),
                alert: true,
                path: &path,
                onward: (&path, lang.pick("Kembali ke acara", "Back to the event")),
            };
            return Ok(visitor.finish(layout::message(&state, &visitor.reader, page)));
        }
    }
    let now = jiff::Timestamp::now();
    let local = local_now(&state);
    let key = id.clone();
    let registrant = who.clone();
    let factor = state.library.waiting_list_factor;
    let outcome = read_view(&state, &visitor.reader, move |state| {
        events::register(
            state.storage.as_ref(),
            &key,
            &registrant,
            now,
            local,
            factor,
        )
    })
    .await?;
    match (&who, outcome) {
        (Registrant::Member { card }, Ok(standing)) => {
            tracing::info!(patron = %redact(card), event = %id, ?standing, "event registration");
            Ok(visitor.finish(see_other(&visitor.reader.localized(&path))))
        }
        (Registrant::Guest { .. }, Ok(standing)) => {
            // No session to show it later: the answer is this page.
            tracing::info!(event = %id, ?standing, "event registration (guest)");
            let sentence = standing_sentence(lang, standing);
            let page = layout::Message {
                status: StatusCode::OK,
                title: lang.pick("Pendaftaran diterima", "Registration received"),
                sentence: &sentence,
                alert: false,
                path: &path,
                onward: (&path, lang.pick("Kembali ke acara", "Back to the event")),
            };
            Ok(visitor.finish(layout::message(&state, &visitor.reader, page)))
        }
        (_, Err(refusal)) => {
            let page = layout::Message {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                title: lang.pick("Pendaftaran tidak diterima", "Not registered"),
                sentence: refusal_sentence(lang, refusal),
                alert: true,
                path: &path,
                onward: (&path, lang.pick("Kembali ke acara", "Back to the event")),
            };
            Ok(visitor.finish(layout::message(&state, &visitor.reader, page)))
        }
    }
}

#[derive(Deserialize)]
pub struct CancelForm {
    csrf: String,
}

/// `POST /events/{id}/cancel`: the signed-in member gives up their place (the next in line
/// takes it).
pub async fn cancel(
    State(state): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, PageError> {
    if !visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &visitor));
    }
    let path = event_path(&id);
    let Some(card) = visitor.card().map(str::to_string) else {
        return Ok(visitor.finish(see_other(&visitor.reader.localized("/account"))));
    };
    let key = id.clone();
    let logged = card.clone();
    let cancelled = read_view(&state, &visitor.reader, move |state| {
        events::cancel(state.storage.as_ref(), &key, &card)
    })
    .await?;
    if cancelled {
        tracing::info!(patron = %redact(&logged), event = %id, "event registration cancelled");
    }
    Ok(visitor.finish(see_other(&visitor.reader.localized(&path))))
}

/// schema.org `Event`: a free event at the library, with its places as the offer.
fn event_schema(
    state: &WebState,
    reader: &crate::web::kit::lang::Reader,
    id: &str,
    event: &EventDoc,
) -> serde_json::Value {
    let library = &state.library;
    let url = library.url(&reader.localized(&event_path(id)));
    let sold_out = event.places_left() == Some(0);
    let mut place = json!({
        "@type": "Place",
        "name": event.place.as_deref().unwrap_or(&library.name),
    });
    if let Some(address) = &library.address {
        place["address"] = json!(address);
    }
    let mut schema = json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": url,
        "startDate": with_offset(event.starts, library),
        "endDate": with_offset(event.ends, library),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "isAccessibleForFree": true,
        "location": place,
        "organizer": { "@type": "Library", "name": library.name, "url": library.url("/") },
        "offers": {
            "@type": "Offer",
            "price": "0",
            "priceCurrency": "IDR",
            "url": url,
            "availability": if sold_out { "https://schema.org/SoldOut" } else { "https://schema.org/InStock" },
        },
    });
    if let Some(about) = &event.description {
        schema["description"] = json!(about);
    }
    if let Some(capacity) = event.capacity {
        schema["maximumAttendeeCapacity"] = json!(capacity);
        schema["remainingAttendeeCapacity"] = json!(event.places_left().unwrap_or(0));
    }
    schema
}

/// A wall-clock time with the library's offset: "2026-12-15T09:00:00+07:00".
fn with_offset(at: DateTime, library: &crate::config::Library) -> String {
    match at.to_zoned_datetime(library.timezone.clone()) {
        Ok(zoned) => zoned
            .timestamp()
            .display_with_offset(zoned.offset())
            .to_string(),
        Err(_) => at.to_string(),
    }
}
