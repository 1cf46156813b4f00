//! The staff's forms, shared by the publishing pages (promotions, events): a posted
//! multipart form read whole (or 413 with the limits), its token and the signed-in actor
//! checked, the kiosks to choose, the fields, the page around a form, the sentence for a
//! refusal, the audit line.

use super::dashboard::{StaffVisitor, staff_page, to_login};
use crate::storage::HubError;
use crate::web::kit::WebState;
use crate::web::kit::forms::forged;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use std::collections::HashMap;
use swalayan_core::contract::roles::StationRole;
use swalayan_core::reason::Lang;

/// A posted form: its text fields (a name may repeat: the stations' boxes) and an uploaded
/// picture, if any.
#[derive(Default)]
pub(super) struct Posted {
    pub(super) fields: HashMap<String, Vec<String>>,
    pub(super) picture: Option<Vec<u8>>,
}

/// The largest staff form the hub reads (pictures included): axum's default body limit.
pub const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

impl Posted {
    pub(super) async fn read(mut multipart: Multipart) -> Result<Posted, MultipartError> {
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

    pub(super) fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .map(|t| t.trim().to_string())
            .unwrap_or_default()
    }

    pub(super) fn optional(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|t| !t.is_empty())
    }

    pub(super) fn all(&self, name: &str) -> Vec<String> {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// The kiosks staff may choose from.
pub(super) fn kiosks(state: &WebState) -> Result<Vec<String>, HubError> {
    Ok(state
        .storage
        .stations()?
        .into_iter()
        .filter(|s| s.role == StationRole::Kiosk && !s.revoked)
        .map(|s| s.station)
        .collect())
}

pub(super) fn stations_field(lang: Lang, kiosks: &[String], chosen: &[String]) -> Markup {
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

pub(super) fn text_field(id: &str, label: &str, value: &str, required: bool) -> Markup {
    html! { p { label for=(id) { (label) } input id=(id) type="text" name=(id) value=(value) required[required] maxlength="200"; } }
}

pub(super) fn area_field(id: &str, label: &str, value: &str, required: bool) -> Markup {
    html! { p { label for=(id) { (label) } textarea id=(id) name=(id) rows="3" required[required] maxlength="1000" { (value) } } }
}

pub(super) fn problem(sentence: Option<&str>) -> Markup {
    html! { @if let Some(sentence) = sentence { p.problem role="alert" { (sentence) } } }
}

/// A form's page: 400 when it comes back with the sentence saying what to fix.
pub(super) fn form_page(
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
pub(super) async fn signed_form(
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
pub(super) fn too_large(state: &WebState, who: &StaffVisitor) -> Response {
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
pub(super) fn signed_token(
    state: &WebState,
    who: &StaffVisitor,
    csrf: &str,
) -> Result<String, Response> {
    if !who.visitor.form_is_genuine(csrf) {
        return Err(forged(state, &who.visitor));
    }
    actor(who)
}

/// The staff member's name, or the response sending them to sign in.
#[allow(clippy::result_large_err)]
pub(super) fn actor(who: &StaffVisitor) -> Result<String, Response> {
    who.staff
        .as_ref()
        .map(|s| s.name.clone())
        .ok_or_else(|| to_login(who))
}

pub(super) fn staff_sentence(error: &HubError, lang: Lang) -> String {
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
pub(super) fn audit(
    storage: &dyn crate::storage::Storage,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), HubError> {
    crate::staff::audit(storage, actor, action, detail, jiff::Timestamp::now())
}

/// A change staff asked for, with its audit line once it is made: `Ok(Err(refusal))` when
/// the hub refused it as asked (the form comes back with the sentence), `Err` when the hub
/// itself failed (the error page).
pub(super) fn audited<T>(
    storage: &dyn crate::storage::Storage,
    actor: &str,
    action: &str,
    made: Result<T, HubError>,
    detail: impl FnOnce(&T) -> String,
) -> Result<Result<T, HubError>, HubError> {
    match made {
        Ok(value) => {
            audit(storage, actor, action, &detail(&value))?;
            Ok(Ok(value))
        }
        Err(e @ HubError::Invalid(_)) => Ok(Err(e)),
        Err(e) => Err(e),
    }
}

/// A form that carries only its token (a remove button).
#[derive(serde::Deserialize)]
pub struct TokenForm {
    pub(super) csrf: String,
}
