//! `/staff/promotions`: the kiosks' welcome-screen promotions written, changed and withdrawn
//! on the web — text in Bahasa Indonesia and optionally English, dates, a picture, the kiosks
//! that show them (every kiosk when none is ticked). Kiosks take them on their next pull.
//! Every change is an audit line; a form with a mistake comes back with what was typed and the
//! sentence saying what to fix.

use super::dashboard::{StaffVisitor, to_login};
use super::forms::*;
use crate::storage::HubError;
use crate::web::kit::forms::see_other;
use crate::web::kit::{PageError, WebState, read_view};
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use jiff::civil::Date;
use maud::{Markup, html};
use swalayan_core::contract::documents::PromotionDoc;
use swalayan_core::format;
use swalayan_core::reason::Lang;

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
