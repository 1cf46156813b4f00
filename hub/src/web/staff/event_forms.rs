//! `/staff/events/new`, `/staff/events/{id}/edit`: events and literacy programmes written,
//! changed and withdrawn on the web (text in two languages, times, place, places, the kiosks
//! that show them). More places go to the first in line; fewer than taken are refused with the
//! reason. Every change is an audit line.

use super::dashboard::{StaffVisitor, to_login};
use super::forms::*;
use crate::events::{self, NewEvent};
use crate::storage::HubError;
use crate::web::kit::forms::see_other;
use crate::web::kit::{PageError, WebState, read_view};
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use jiff::civil::DateTime;
use maud::{Markup, html};
use swalayan_core::contract::documents::EventDoc;
use swalayan_core::reason::Lang;

/// The event a form describes, or the sentence for staff.
fn event_from(posted: &Posted, lang: Lang) -> (NewEvent, Result<(), String>) {
    let mut event = NewEvent {
        title: posted.text("title"),
        place: posted.optional("place"),
        description: posted.optional("description"),
        title_en: posted.optional("title_en"),
        description_en: posted.optional("description_en"),
        stations: posted.all("stations"),
        ..NewEvent::default()
    };
    let checked = (|| {
        let time = |name: &str| -> Result<DateTime, String> {
            let text = posted.text(name);
            text.parse().map_err(|_| match lang {
                Lang::Id => {
                    format!("Waktu \"{text}\" tidak dikenali: tulis seperti 2026-12-15T09:00.")
                }
                Lang::En => format!(
                    "The time \"{text}\" is not understood: write it like 2026-12-15T09:00."
                ),
            })
        };
        event.starts = time("starts")?;
        event.ends = time("ends")?;
        event.capacity = match posted.optional("capacity") {
            None => None,
            Some(text) => Some(text.parse().map_err(|_| match lang {
                Lang::Id => format!(
                    "Jumlah tempat \"{text}\" harus bilangan bulat (kosongkan bila tanpa batas)."
                ),
                Lang::En => format!(
                    "The places \"{text}\" must be a whole number (leave it empty for no limit)."
                ),
            })?),
        };
        Ok(())
    })();
    (event, checked)
}

fn event_form(
    who: &StaffVisitor,
    action: &str,
    event: &NewEvent,
    typed: Option<(&str, &str)>,
    kiosks: &[String],
    sentence: Option<&str>,
) -> Markup {
    let lang = who.visitor.reader.lang;
    let shown = |t: DateTime| {
        if t == DateTime::default() {
            String::new()
        } else {
            t.strftime("%Y-%m-%dT%H:%M").to_string()
        }
    };
    // Times that could not be read come back as typed.
    let (starts, ends) = match typed {
        Some((starts, ends)) => (starts.to_string(), ends.to_string()),
        None => (shown(event.starts), shown(event.ends)),
    };
    html! {
        form method="post" action=(action) enctype="multipart/form-data" {
            (who.visitor.token_field())
            (problem(sentence))
            (text_field("title", lang.pick("Judul (Bahasa Indonesia)", "Title (Bahasa Indonesia)"), &event.title, true))
            (text_field("title_en", lang.pick("Judul (Inggris, boleh kosong)", "Title (English, optional)"), event.title_en.as_deref().unwrap_or(""), false))
            p { label for="starts" { (lang.pick("Mulai", "Starts")) } input #starts type="datetime-local" name="starts" value=(starts) required; }
            p { label for="ends" { (lang.pick("Selesai", "Ends")) } input #ends type="datetime-local" name="ends" value=(ends) required; }
            (text_field("place", lang.pick("Tempat (boleh kosong)", "Place (optional)"), event.place.as_deref().unwrap_or(""), false))
            p { label for="capacity" { (lang.pick("Jumlah tempat (kosong: tanpa batas)", "Places (empty: no limit)")) }
                input #capacity type="number" min="1" name="capacity" value=(event.capacity.map(|c| c.to_string()).unwrap_or_default()); }
            (area_field("description", lang.pick("Keterangan (Bahasa Indonesia, boleh kosong)", "Description (Bahasa Indonesia, optional)"), event.description.as_deref().unwrap_or(""), false))
            (area_field("description_en", lang.pick("Keterangan (Inggris, boleh kosong)", "Description (English, optional)"), event.description_en.as_deref().unwrap_or(""), false))
            (stations_field(lang, kiosks, &event.stations))
            button type="submit" { (lang.pick("Simpan", "Save")) }
        }
    }
}

async fn event_form_page(
    state: &WebState,
    who: &StaffVisitor,
    id: Option<&str>,
    event: &NewEvent,
    typed: Option<(&str, &str)>,
    sentence: Option<&str>,
) -> Result<Response, PageError> {
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let kiosks = read_view(state, &reader, kiosks).await?;
    let (title, action) = match id {
        None => (
            lang.pick("Acara baru", "New event"),
            "/staff/events/new".to_string(),
        ),
        Some(id) => (
            lang.pick("Ubah acara", "Edit event"),
            format!("/staff/events/{id}/edit"),
        ),
    };
    let body = html! {
        h1 { (title) }
        p.muted { (lang.pick("Waktu menurut jam perpustakaan. Acara tampil di situs web dan di kios pada sinkronisasi berikutnya.",
            "Times are the library's clock. The event shows on the website and on the kiosks from their next sync.")) }
        (event_form(who, &action, event, typed, &kiosks, sentence))
        @if let Some(id) = id {
            h2 { (lang.pick("Batalkan acara", "Cancel the event")) }
            p.muted { (lang.pick("Acara hilang dari situs web dan kios; daftar pendaftar tetap ada untuk menghubungi mereka.",
                "The event leaves the website and the kiosks; the list of who registered stays, to tell them.")) }
            form method="post" action=(format!("/staff/events/{id}/remove")) {
                (who.visitor.token_field())
                button type="submit" { (lang.pick("Batalkan acara", "Cancel the event")) }
            }
        }
    };
    Ok(form_page(state, who, title, &action, body, sentence))
}

/// The form again after a refusal: the times as typed (they may not be times at all) and
/// the sentence saying what to mend.
async fn refused_form(
    state: &WebState,
    who: &StaffVisitor,
    id: Option<&str>,
    event: &NewEvent,
    posted: &Posted,
    sentence: &str,
) -> Result<Response, PageError> {
    let (starts, ends) = (posted.text("starts"), posted.text("ends"));
    let typed = Some((starts.as_str(), ends.as_str()));
    event_form_page(state, who, id, event, typed, Some(sentence)).await
}

/// `/staff/events/new`: the form for a new event.
pub async fn new_event(
    State(state): State<WebState>,
    who: StaffVisitor,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    event_form_page(&state, &who, None, &NewEvent::default(), None, None).await
}

/// `POST /staff/events/new`: publishes an event.
pub async fn create_event(
    State(state): State<WebState>,
    who: StaffVisitor,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (actor, posted) = match signed_form(&state, &who, multipart).await {
        Ok(signed) => signed,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    let (event, checked) = event_from(&posted, reader.lang);
    if let Err(sentence) = checked {
        return refused_form(&state, &who, None, &event, &posted, &sentence).await;
    }
    let saved = event.clone();
    let outcome = read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        match events::add(storage, &saved) {
            Ok(id) => {
                audit(
                    storage,
                    &actor,
                    "event added",
                    &format!("{id}: {}", saved.title),
                )?;
                Ok(Ok(id))
            }
            Err(refused @ HubError::Invalid(_)) => Ok(Err(refused)),
            Err(e) => Err(e),
        }
    })
    .await?;
    match outcome {
        Ok(id) => Ok(who
            .visitor
            .finish(see_other(&reader.localized(&format!("/staff/events/{id}"))))),
        Err(refused) => {
            event_form_page(
                &state,
                &who,
                None,
                &event,
                None,
                Some(&staff_sentence(&refused, reader.lang)),
            )
            .await
        }
    }
}

fn as_new_event(doc: &EventDoc) -> NewEvent {
    NewEvent {
        title: doc.title.clone(),
        starts: doc.starts,
        ends: doc.ends,
        place: doc.place.clone(),
        description: doc.description.clone(),
        capacity: doc.capacity,
        title_en: doc.title_en.clone(),
        description_en: doc.description_en.clone(),
        stations: doc.stations.clone(),
    }
}

/// `/staff/events/{id}/edit`: an event's form.
pub async fn edit_event(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    let reader = who.visitor.reader.clone();
    let key = id.clone();
    let found = read_view(&state, &reader, move |state| {
        events::with_roster(state.storage.as_ref(), &key)
    })
    .await?;
    let Some((event, _, _)) = found else {
        return Err(PageError::not_found(reader));
    };
    event_form_page(&state, &who, Some(&id), &as_new_event(&event), None, None).await
}

/// `POST /staff/events/{id}/edit`: saves an event's changes.
pub async fn update_event(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (actor, posted) = match signed_form(&state, &who, multipart).await {
        Ok(signed) => signed,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    let (event, checked) = event_from(&posted, reader.lang);
    if let Err(sentence) = checked {
        return refused_form(&state, &who, Some(&id), &event, &posted, &sentence).await;
    }
    let (key, saved) = (id.clone(), event.clone());
    let outcome = read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        match events::update(storage, &key, &saved) {
            Ok(()) => {
                audit(
                    storage,
                    &actor,
                    "event changed",
                    &format!("{key}: {}", saved.title),
                )?;
                Ok(Ok(()))
            }
            Err(refused @ (HubError::Invalid(_) | HubError::NotFound(_))) => Ok(Err(refused)),
            Err(e) => Err(e),
        }
    })
    .await?;
    match outcome {
        Ok(()) => Ok(who
            .visitor
            .finish(see_other(&reader.localized(&format!("/staff/events/{id}"))))),
        Err(refused) => {
            event_form_page(
                &state,
                &who,
                Some(&id),
                &event,
                None,
                Some(&staff_sentence(&refused, reader.lang)),
            )
            .await
        }
    }
}

/// `POST /staff/events/{id}/remove`: cancels an event (who registered stays listed).
pub async fn remove_event(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response, PageError> {
    let actor = match signed_token(&state, &who, &form.csrf) {
        Ok(actor) => actor,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        match events::remove(storage, &id) {
            Ok(people) => audit(
                storage,
                &actor,
                "event cancelled",
                &format!("{id}: {people} had registered"),
            ),
            Err(HubError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    })
    .await?;
    Ok(who
        .visitor
        .finish(see_other(&reader.localized("/staff/events"))))
}
