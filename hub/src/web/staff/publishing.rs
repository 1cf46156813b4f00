//! The staff's publishing pages: promotions (`/staff/promotions`) and events
//! (`/staff/events/new`, `/staff/events/{id}/edit`) written, changed and withdrawn on the web —
//! text in Bahasa Indonesia and optionally English, a picture for promotions, dates, and the
//! kiosks that show them (every kiosk when none is ticked). Kiosks take them on their next
//! pull. Every change is an audit line; a form with a mistake comes back with what was typed
//! and the sentence saying what to fix.

use super::dashboard::{StaffVisitor, staff_page, to_login};
use crate::events::{self, NewEvent};
use crate::storage::HubError;
use crate::web::kit::forms::{forged, see_other};
use crate::web::kit::{PageError, WebState, read_view};
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::{Date, DateTime};
use maud::{Markup, html};
use std::collections::HashMap;
use swalayan_core::contract::documents::{EventDoc, PromotionDoc};
use swalayan_core::contract::roles::StationRole;
use swalayan_core::format;
use swalayan_core::reason::Lang;

/// A posted form: its text fields (a name may repeat: the stations' boxes) and an uploaded
/// picture, if any.
#[derive(Default)]
struct Posted {
    fields: HashMap<String, Vec<String>>,
    picture: Option<Vec<u8>>,
}

/// The largest staff form the hub reads (pictures included): axum's default body limit.
pub const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

impl Posted {
    async fn read(mut multipart: Multipart) -> Result<Posted, MultipartError> {
        let mut posted = Posted::default();
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().unwrap_or_default().to_string();
            if name == "picture" {
                let bytes = field.bytes().await?;
                if !bytes.is_empty() {
                    posted.picture = Some(bytes.to_vec());
                }
            } else {
                let text = field.text().await?;
                posted.fields.entry(name).or_default().push(text);
            }
        }
        Ok(posted)
    }

    fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .map(|t| t.trim().to_string())
            .unwrap_or_default()
    }

    fn optional(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|t| !t.is_empty())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// The kiosks staff may choose from.
fn kiosks(state: &WebState) -> Result<Vec<String>, HubError> {
    Ok(state
        .storage
        .stations()?
        .into_iter()
        .filter(|s| s.role == StationRole::Kiosk && !s.revoked)
        .map(|s| s.station)
        .collect())
}

fn stations_field(lang: Lang, kiosks: &[String], chosen: &[String]) -> Markup {
    html! {
        fieldset {
            legend { (lang.pick("Kios yang menampilkan (tidak dicentang: semua kios)", "Kiosks that show it (none ticked: every kiosk)")) }
            @for kiosk in kiosks {
                p.choice { label {
                    input type="checkbox" name="stations" value=(kiosk) checked[chosen.contains(kiosk)];
                    " " (kiosk)
                } }
            }
        }
    }
}

fn text_field(id: &str, label: &str, value: &str, required: bool) -> Markup {
    html! { p { label for=(id) { (label) } input id=(id) type="text" name=(id) value=(value) required[required] maxlength="200"; } }
}

fn area_field(id: &str, label: &str, value: &str, required: bool) -> Markup {
    html! { p { label for=(id) { (label) } textarea id=(id) name=(id) rows="3" required[required] maxlength="1000" { (value) } } }
}

fn problem(sentence: Option<&str>) -> Markup {
    html! { @if let Some(sentence) = sentence { p.problem role="alert" { (sentence) } } }
}

/// A form's page: 400 when it comes back with the sentence saying what to fix.
fn form_page(
    state: &WebState,
    who: &StaffVisitor,
    title: &str,
    path: &str,
    body: Markup,
    sentence: Option<&str>,
) -> Response {
    let mut response = staff_page(state, who, title, path, body);
    if sentence.is_some() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response
}

/// A posted multipart form from a signed-in staff member with a genuine token: their name and
/// the form, or the response to send instead (the sign-in, or 403).
#[allow(clippy::result_large_err)]
async fn signed_form(
    state: &WebState,
    who: &StaffVisitor,
    multipart: Multipart,
) -> Result<(String, Posted), Response> {
    let actor = actor(who)?;
    let posted = match Posted::read(multipart).await {
        Ok(posted) => posted,
        // Too large is not an expired form: say so, with the limit.
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(too_large(state, who));
        }
        Err(_) => Posted::default(),
    };
    if !who.visitor.form_is_genuine(&posted.text("csrf")) {
        return Err(forged(state, &who.visitor));
    }
    Ok((actor, posted))
}

/// `413`: the form (its picture, most likely) is over the limit; nothing was read.
fn too_large(state: &WebState, who: &StaffVisitor) -> Response {
    let lang = who.visitor.reader.lang;
    let sentence = match lang {
        Lang::Id => format!(
            "Formulir ini terlalu besar: paling besar {} MB, dan gambar promosi paling besar {} KB. Perkecil gambarnya lalu kirim lagi.",
            MAX_FORM_BYTES / (1024 * 1024),
            swalayan_core::contract::documents::MAX_IMAGE_BYTES / 1024
        ),
        Lang::En => format!(
            "This form is too large: at most {} MB, and a promotion's picture at most {} KB. Make the picture smaller and send it again.",
            MAX_FORM_BYTES / (1024 * 1024),
            swalayan_core::contract::documents::MAX_IMAGE_BYTES / 1024
        ),
    };
    let page = crate::web::kit::layout::Message {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        title: lang.pick("Terlalu besar", "Too large"),
        sentence: &sentence,
        alert: true,
        path: "/staff/promotions",
        onward: (
            "/staff/promotions",
            lang.pick("Kembali ke promosi", "Back to the promotions"),
        ),
    };
    who.visitor.finish(crate::web::kit::layout::message(
        state,
        &who.visitor.reader,
        page,
    ))
}

/// A plain form's token checked, then the signed-in staff member's name.
#[allow(clippy::result_large_err)]
fn signed_token(state: &WebState, who: &StaffVisitor, csrf: &str) -> Result<String, Response> {
    if !who.visitor.form_is_genuine(csrf) {
        return Err(forged(state, &who.visitor));
    }
    actor(who)
}

/// The staff member's name, or the response sending them to sign in.
#[allow(clippy::result_large_err)]
fn actor(who: &StaffVisitor) -> Result<String, Response> {
    who.staff
        .as_ref()
        .map(|s| s.name.clone())
        .ok_or_else(|| to_login(who))
}

// ---- promotions ----

/// `/staff/promotions`: every promotion, with the form for a new one.
pub async fn promotions(
    State(state): State<WebState>,
    who: StaffVisitor,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    promotions_page(&state, &who, &PromotionDoc::default(), None).await
}

async fn promotions_page(
    state: &WebState,
    who: &StaffVisitor,
    draft: &PromotionDoc,
    sentence: Option<&str>,
) -> Result<Response, PageError> {
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let (list, kiosks) = read_view(state, &reader, |state| {
        Ok((
            crate::promotions::list(state.storage.as_ref())?,
            kiosks(state)?,
        ))
    })
    .await?;
    let title = lang.pick("Promosi", "Promotions");
    let body = html! {
        h1 { (title) }
        p.muted { (lang.pick("Tampil di layar sambutan kios pada sinkronisasi berikutnya.", "Shown on the kiosks' welcome screens from their next sync.")) }
        @if list.is_empty() {
            p.muted { (lang.pick("Belum ada promosi.", "No promotions yet.")) }
        }
        ul.plain { @for (id, p) in &list {
            li.result {
                @if let Some(picture) = &p.image { img src=(picture) alt="" width="120"; }
                h2 { a href=(reader.localized(&format!("/staff/promotions/{id}"))) { (p.title_in(lang)) } }
                p { (p.body_in(lang)) }
                p.muted { (dates(p.starts_on, p.ends_on, lang)) " · " (where_shown(&p.stations, lang)) }
            }
        } }
        h2 { (lang.pick("Promosi baru", "New promotion")) }
        (promotion_form(who, "/staff/promotions", draft, &kiosks, sentence))
    };
    Ok(form_page(
        state,
        who,
        title,
        "/staff/promotions",
        body,
        sentence,
    ))
}

fn dates(from: Option<Date>, until: Option<Date>, lang: Lang) -> String {
    match (from, until) {
        (None, None) => lang.pick("selalu", "always").into(),
        (Some(f), None) => format!(
            "{} {}",
            lang.pick("mulai", "from"),
            format::date_only(f, lang)
        ),
        (None, Some(u)) => format!(
            "{} {}",
            lang.pick("sampai", "until"),
            format::date_only(u, lang)
        ),
        (Some(f), Some(u)) => format!(
            "{} – {}",
            format::date_only(f, lang),
            format::date_only(u, lang)
        ),
    }
}

fn where_shown(stations: &[String], lang: Lang) -> String {
    if stations.is_empty() {
        lang.pick("semua kios", "every kiosk").into()
    } else {
        stations.join(", ")
    }
}

fn promotion_form(
    who: &StaffVisitor,
    action: &str,
    doc: &PromotionDoc,
    kiosks: &[String],
    sentence: Option<&str>,
) -> Markup {
    let lang = who.visitor.reader.lang;
    let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
    html! {
        form method="post" action=(action) enctype="multipart/form-data" {
            (who.visitor.token_field())
            (problem(sentence))
            (text_field("title", lang.pick("Judul (Bahasa Indonesia)", "Title (Bahasa Indonesia)"), &doc.title, true))
            (area_field("body", lang.pick("Teks (Bahasa Indonesia)", "Text (Bahasa Indonesia)"), &doc.body, true))
            (text_field("title_en", lang.pick("Judul (Inggris, boleh kosong)", "Title (English, optional)"), doc.title_en.as_deref().unwrap_or(""), false))
            (area_field("body_en", lang.pick("Teks (Inggris, boleh kosong)", "Text (English, optional)"), doc.body_en.as_deref().unwrap_or(""), false))
            p { label for="starts_on" { (lang.pick("Mulai tanggal (boleh kosong)", "From (optional)")) }
                input #starts_on type="date" name="starts_on" value=(date(doc.starts_on)); }
            p { label for="ends_on" { (lang.pick("Sampai tanggal (boleh kosong)", "Until (optional)")) }
                input #ends_on type="date" name="ends_on" value=(date(doc.ends_on)); }
            p { label for="picture" { (lang.pick("Gambar (PNG atau JPEG, paling besar 300 KB)", "Picture (PNG or JPEG, at most 300 KB)")) }
                input #picture type="file" name="picture" accept="image/png,image/jpeg"; }
            @if doc.image.is_some() {
                p.choice { label { input type="checkbox" name="drop_picture" value="1"; " " (lang.pick("Hapus gambar", "Remove the picture")) } }
            }
            (stations_field(lang, kiosks, &doc.stations))
            button type="submit" { (lang.pick("Simpan", "Save")) }
        }
    }
}

/// The promotion a form describes (the picture checked), or the sentence for staff.
fn promotion_from(
    posted: &Posted,
    lang: Lang,
    keep: Option<&PromotionDoc>,
) -> (PromotionDoc, Result<(), String>) {
    let date = |name: &str| -> Result<Option<Date>, String> {
        match posted.optional(name) {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| match lang {
                Lang::Id => format!("Tanggal \"{text}\" tidak dikenali: tulis seperti 2026-12-01."),
                Lang::En => {
                    format!("The date \"{text}\" is not understood: write it like 2026-12-01.")
                }
            }),
        }
    };
    let mut doc = PromotionDoc {
        title: posted.text("title"),
        body: posted.text("body"),
        title_en: posted.optional("title_en"),
        body_en: posted.optional("body_en"),
        stations: posted.all("stations"),
        image: keep
            .and_then(|k| k.image.clone())
            .filter(|_| posted.optional("drop_picture").is_none()),
        ..PromotionDoc::default()
    };
    let checked = (|| {
        doc.starts_on = date("starts_on")?;
        doc.ends_on = date("ends_on")?;
        if let Some(bytes) = &posted.picture {
            doc.image =
                Some(crate::promotions::image_uri(bytes).map_err(|e| staff_sentence(&e, lang))?);
        }
        crate::promotions::checked(doc.clone()).map_err(|e| staff_sentence(&e, lang))?;
        Ok(())
    })();
    (doc, checked)
}

/// What staff read for a refused change: the storage's words are English; say it in the
/// reader's language where we know the case.
fn staff_sentence(error: &HubError, lang: Lang) -> String {
    let text = match error {
        HubError::Invalid(text) | HubError::NotFound(text) => text.clone(),
        other => other.to_string(),
    };
    match lang {
        Lang::En => format!("Not saved: {text}."),
        Lang::Id => format!("Tidak disimpan: {text}."),
    }
}

/// `POST /staff/promotions`: publishes a new promotion.
pub async fn create_promotion(
    State(state): State<WebState>,
    who: StaffVisitor,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (actor, posted) = match signed_form(&state, &who, multipart).await {
        Ok(signed) => signed,
        Err(response) => return Ok(response),
    };
    let lang = who.visitor.reader.lang;
    let (doc, checked) = promotion_from(&posted, lang, None);
    if let Err(sentence) = checked {
        return promotions_page(&state, &who, &doc, Some(&sentence)).await;
    }
    let saved = doc.clone();
    let outcome = read_view(&state, &who.visitor.reader, move |state| {
        let storage = state.storage.as_ref();
        let id = crate::promotions::add(storage, saved.clone())?;
        audit(
            storage,
            &actor,
            "promotion added",
            &format!("{id}: {}", saved.title),
        )?;
        Ok(id)
    })
    .await;
    match outcome {
        Ok(_) => Ok(who.visitor.finish(see_other(
            &who.visitor.reader.localized("/staff/promotions"),
        ))),
        Err(error) => Err(error),
    }
}

fn audit(
    storage: &dyn crate::storage::Storage,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), HubError> {
    crate::staff::audit(storage, actor, action, detail, jiff::Timestamp::now())
}

/// `/staff/promotions/{id}`: one promotion's form.
pub async fn promotion(
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
        crate::promotions::get(state.storage.as_ref(), &key)
    })
    .await?;
    let Some(doc) = found else {
        return Err(PageError::not_found(reader));
    };
    promotion_page(&state, &who, &id, &doc, None).await
}

async fn promotion_page(
    state: &WebState,
    who: &StaffVisitor,
    id: &str,
    doc: &PromotionDoc,
    sentence: Option<&str>,
) -> Result<Response, PageError> {
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let kiosks = read_view(state, &reader, kiosks).await?;
    let path = format!("/staff/promotions/{id}");
    let title = lang.pick("Ubah promosi", "Edit promotion");
    let body = html! {
        h1 { (title) }
        @if let Some(picture) = &doc.image { p { img src=(picture) alt="" width="240"; } }
        (promotion_form(who, &path, doc, &kiosks, sentence))
        h2 { (lang.pick("Tarik promosi", "Withdraw")) }
        form method="post" action=(format!("{path}/remove")) {
            (who.visitor.token_field())
            button type="submit" { (lang.pick("Tarik dari semua kios", "Withdraw from every kiosk")) }
        }
    };
    Ok(form_page(state, who, title, &path, body, sentence))
}

/// `POST /staff/promotions/{id}`: saves a promotion's changes.
pub async fn update_promotion(
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
    let key = id.clone();
    let Some(existing) = read_view(&state, &reader, move |state| {
        crate::promotions::get(state.storage.as_ref(), &key)
    })
    .await?
    else {
        return Err(PageError::not_found(reader));
    };
    let (doc, checked) = promotion_from(&posted, reader.lang, Some(&existing));
    if let Err(sentence) = checked {
        return promotion_page(&state, &who, &id, &doc, Some(&sentence)).await;
    }
    let key = id.clone();
    read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        crate::promotions::update(storage, &key, doc.clone())?;
        audit(
            storage,
            &actor,
            "promotion changed",
            &format!("{key}: {}", doc.title),
        )
    })
    .await?;
    Ok(who
        .visitor
        .finish(see_other(&reader.localized("/staff/promotions"))))
}

#[derive(serde::Deserialize)]
pub struct TokenForm {
    csrf: String,
}

/// `POST /staff/promotions/{id}/remove`: withdraws a promotion.
pub async fn remove_promotion(
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
        match crate::promotions::remove(storage, &id) {
            Ok(()) => audit(storage, &actor, "promotion withdrawn", &id),
            Err(HubError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    })
    .await?;
    Ok(who
        .visitor
        .finish(see_other(&reader.localized("/staff/promotions"))))
}

// ---- events ----

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
        let typed = (posted.text("starts"), posted.text("ends"));
        let typed = Some((typed.0.as_str(), typed.1.as_str()));
        return event_form_page(&state, &who, None, &event, typed, Some(&sentence)).await;
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
        let typed = (posted.text("starts"), posted.text("ends"));
        let typed = Some((typed.0.as_str(), typed.1.as_str()));
        return event_form_page(&state, &who, Some(&id), &event, typed, Some(&sentence)).await;
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
