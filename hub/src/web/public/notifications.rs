//! `/account/notifications` ("Pemberitahuan"): the signed-in patron chooses how the library
//! tells them things (WhatsApp, SMS, e-mail or not at all), which messages, and in which
//! language; and gives the number or address for it. Choosing a channel is the consent the
//! law asks for (UU 27/2022), kept with its time and `via: "web"`; choosing "none" withdraws
//! it as easily. Changing anything needs the signed-in session and the form's token. The
//! page shows the contacts masked: a shared screen never shows a whole number.

use crate::storage::Storage;
use crate::web::kit::forms::{Visitor, forged, see_other};
use crate::web::kit::layout::{self, Page};
use crate::web::kit::{PageError, WebState, read_view};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use maud::html;
use swalayan_core::contact::{
    MessageKind, Notify, check_email, mask_email, mask_phone, normalise_phone,
};
use swalayan_core::contract::documents::{Consent, ContactDoc};
use swalayan_core::reason::Lang;

/// `GET /account/notifications`.
pub async fn page(State(state): State<WebState>, visitor: Visitor) -> Result<Response, PageError> {
    let Some(card) = visitor.card().map(str::to_string) else {
        return Ok(see_other(
            &visitor
                .reader
                .localized("/account?next=/account/notifications"),
        ));
    };
    let contact = read_view(&state, &visitor.reader, move |state| {
        state.storage.one::<ContactDoc>(&card)
    })
    .await?;
    let lang = visitor.reader.lang;
    let notify = contact.as_ref().map_or(Notify::None, |c| c.notify);
    let muted = contact
        .as_ref()
        .map(|c| c.muted.clone())
        .unwrap_or_default();
    let message_lang = contact
        .as_ref()
        .and_then(|c| c.lang.clone())
        .unwrap_or_else(|| "id".into());
    let channel_label = |n: Notify| match n {
        Notify::Whatsapp => "WhatsApp",
        Notify::Sms => "SMS",
        Notify::Email => lang.pick("E-mail", "E-mail"),
        Notify::None => lang.pick("Jangan beri tahu saya", "Do not notify me"),
    };
    let body = html! {
        h1 { (lang.pick("Pemberitahuan", "Notifications")) }
        p { (lang.pick(
            "Perpustakaan dapat memberi tahu Anda bila pesanan siap diambil, batas pengembalian sudah dekat, atau acara akan dimulai. Pilih caranya; Anda dapat mengubah atau menghentikannya kapan saja.",
            "The library can tell you when a reservation is ready, a due date is near, or an event is about to start. Choose how; you can change or stop it at any time."
        )) }
        @if let Some(contact) = &contact {
            p.muted {
                @if let Some(phone) = &contact.phone { (lang.pick("Nomor: ", "Number: ")) (mask_phone(phone)) " " }
                @if let Some(email) = &contact.email { (lang.pick("E-mail: ", "E-mail: ")) (mask_email(email)) }
            }
        }
        form method="post" action="/account/notifications" {
            (visitor.token_field())
            fieldset {
                legend { (lang.pick("Beri tahu saya lewat", "Tell me by")) }
                @for n in Notify::ALL {
                    label { input type="radio" name="notify" value=(n.code()) checked[n == notify]; " " (channel_label(n)) } br;
                }
            }
            p { label { (lang.pick("Nomor WhatsApp/HP (kosongkan bila tidak berubah)", "WhatsApp/mobile number (leave empty to keep)")) " "
                input type="tel" name="phone" autocomplete="tel" maxlength="24"; } }
            p { label { (lang.pick("E-mail (kosongkan bila tidak berubah)", "E-mail (leave empty to keep)")) " "
                input type="email" name="email" autocomplete="email" maxlength="120"; } }
            fieldset {
                legend { (lang.pick("Pesan yang saya terima", "Messages I receive")) }
                @for kind in MessageKind::ALL {
                    label { input type="checkbox" name="messages" value=(kind.code()) checked[!muted.contains(&kind)]; " " (kind.label(lang)) } br;
                }
            }
            p { label { (lang.pick("Bahasa pesan", "Language of the messages")) " "
                select name="lang" {
                    option value="id" selected[message_lang == "id"] { "Bahasa Indonesia" }
                    option value="en" selected[message_lang == "en"] { "English" }
                }
            } }
            button type="submit" { (lang.pick("Simpan", "Save")) }
        }
        p { a href=(visitor.reader.localized("/account")) { (lang.pick("Kembali ke akun saya", "Back to my account")) } }
    };
    let page = Page {
        title: lang.pick("Pemberitahuan", "Notifications").into(),
        description: String::new(),
        path: "/account/notifications".into(),
        index: false,
        schema: None,
    };
    let mut response = layout::render(&state, &visitor.reader, &page, body);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(visitor.finish(response))
}

/// The form, as sent (a checkbox list arrives as repeated `messages` fields, which the
/// plain form reader cannot gather: read pair by pair).
#[derive(Default)]
pub struct NotifyForm {
    csrf: String,
    notify: String,
    phone: String,
    email: String,
    lang: String,
    messages: Vec<String>,
}

impl NotifyForm {
    fn read(body: &[u8]) -> NotifyForm {
        let mut form = NotifyForm::default();
        for (name, value) in form_urlencoded::parse(body) {
            let value = value.into_owned();
            match name.as_ref() {
                "csrf" => form.csrf = value,
                "notify" => form.notify = value,
                "phone" => form.phone = value,
                "email" => form.email = value,
                "lang" => form.lang = value,
                "messages" => form.messages.push(value),
                _ => {}
            }
        }
        form
    }
}

/// `POST /account/notifications`.
pub async fn save(
    State(state): State<WebState>,
    visitor: Visitor,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = NotifyForm::read(&body);
    if !visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &visitor));
    }
    let Some(card) = visitor.card().map(str::to_string) else {
        return Ok(see_other(&visitor.reader.localized("/account")));
    };
    let lang = visitor.reader.lang;
    let Some(notify) = Notify::parse(&form.notify) else {
        return Ok(visitor.finish(message(
            &state,
            &visitor,
            lang,
            lang.pick("Pilih salah satu cara.", "Choose one of the ways."),
            true,
        )));
    };
    let phone = match form.phone.trim() {
        "" => None,
        given => match normalise_phone(given) {
            Ok(phone) => Some(phone),
            Err(_) => {
                return Ok(visitor.finish(message(
                    &state,
                    &visitor,
                    lang,
                    lang.pick(
                        "Nomor itu tidak dapat dipakai. Tulis seperti 0812-3456-7890.",
                        "That number cannot be used. Write it like 0812-3456-7890.",
                    ),
                    true,
                )));
            }
        },
    };
    let email =
        match form.email.trim() {
            "" => None,
            given => {
                match check_email(given) {
                    Ok(email) => Some(email),
                    Err(_) => {
                        return Ok(visitor.finish(message(&state, &visitor, lang, lang.pick(
                    "Alamat e-mail itu tidak dapat dipakai. Tulis seperti nama@contoh.id.",
                    "That e-mail address cannot be used. Write it like name@example.id.",
                ), true)));
                    }
                }
            }
        };
    let chosen: Vec<MessageKind> = form
        .messages
        .iter()
        .filter_map(|m| MessageKind::parse(m))
        .collect();
    let muted: Vec<MessageKind> = MessageKind::ALL
        .into_iter()
        .filter(|k| !chosen.contains(k))
        .collect();
    let message_lang = Lang::from_code(form.lang.trim()).map(|l| l.code().to_string());
    let saved = read_view(&state, &visitor.reader, move |state| {
        save_choice(
            state.storage.as_ref(),
            &card,
            notify,
            phone.clone(),
            email.clone(),
            muted.clone(),
            message_lang.clone(),
            jiff::Timestamp::now(),
        )
    })
    .await?;
    let (sentence, refused) = match saved {
        Ok(()) => (
            lang.pick(
                "Pilihan pemberitahuan disimpan.",
                "Your notification choices are saved.",
            ),
            false,
        ),
        Err(Missing::Phone) => (
            lang.pick(
                "Untuk WhatsApp atau SMS, tulis nomor Anda.",
                "For WhatsApp or SMS, write your number.",
            ),
            true,
        ),
        Err(Missing::Email) => (
            lang.pick(
                "Untuk e-mail, tulis alamat Anda.",
                "For e-mail, write your address.",
            ),
            true,
        ),
    };
    Ok(visitor.finish(message(&state, &visitor, lang, sentence, refused)))
}

/// What a channel lacks.
enum Missing {
    Phone,
    Email,
}

/// Stores the patron's choice: a new channel is consent given now on the web, `none`
/// withdraws it, the same channel keeps the consent's first time.
#[allow(clippy::too_many_arguments)]
fn save_choice(
    storage: &dyn Storage,
    card: &str,
    notify: Notify,
    phone: Option<String>,
    email: Option<String>,
    muted: Vec<MessageKind>,
    lang: Option<String>,
    now: jiff::Timestamp,
) -> crate::storage::Result<Result<(), Missing>> {
    let mut outcome = Ok(());
    storage.write(&mut |tx| {
        let old = tx.doc::<ContactDoc>(card)?;
        let phone = phone
            .clone()
            .or_else(|| old.as_ref().and_then(|o| o.phone.clone()));
        let email = email
            .clone()
            .or_else(|| old.as_ref().and_then(|o| o.email.clone()));
        match notify {
            Notify::Whatsapp | Notify::Sms if phone.is_none() => {
                outcome = Err(Missing::Phone);
                return Ok(());
            }
            Notify::Email if email.is_none() => {
                outcome = Err(Missing::Email);
                return Ok(());
            }
            _ => {}
        }
        let consent = match (&old, notify) {
            (_, Notify::None) => None,
            (Some(old), n) if old.notify == n => old.consent.clone(),
            _ => Some(Consent {
                at: crate::storage::instant_text(now),
                via: "web".into(),
            }),
        };
        let doc = ContactDoc {
            phone,
            email,
            notify,
            consent,
            muted: muted.clone(),
            lang: lang.clone(),
        };
        tx.put_doc(card, Some(&doc))?;
        outcome = Ok(());
        Ok(())
    })?;
    Ok(outcome)
}

fn message(
    state: &WebState,
    visitor: &Visitor,
    lang: Lang,
    sentence: &str,
    refused: bool,
) -> Response {
    super::account::answer(
        state,
        visitor,
        lang.pick("Pemberitahuan", "Notifications"),
        "/account/notifications",
        lang.pick("Ke pemberitahuan", "To notifications"),
        sentence,
        refused,
    )
}
