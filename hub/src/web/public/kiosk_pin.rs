//! The account's "Kiosk PIN": a signed-in patron sets the PIN the kiosks ask for — the way
//! in for a patron whose library-system password has letters (the kiosk's keypad has digits
//! only), or who signed in with a password the kiosks cannot check. Kept by the hub like
//! staff-set PINs (`swalayan-hub patron pin`), so it outlives the library system's reads.
//! Changing it needs the signed-in session and the form's token.

use crate::web::kit::forms::{Visitor, forged, see_other};
use crate::web::kit::{PageError, WebState, read_view};
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use swalayan_core::reason::Lang;

/// The account page's section.
pub fn section(visitor: &Visitor) -> Markup {
    let lang = visitor.reader.lang;
    html! {
        section aria-labelledby="kiosk-pin" {
            h2 #kiosk-pin { (lang.pick("PIN kios", "Kiosk PIN")) }
            p.muted { (lang.pick(
                "Angka yang Anda ketik di kios setelah memindai kartu (4–8 angka).",
                "The number you type at the kiosk after scanning your card (4–8 digits)."
            )) }
            form method="post" action="/account/kiosk-pin" {
                (visitor.token_field())
                label { (lang.pick("PIN baru", "New PIN")) " "
                    input type="password" name="pin" inputmode="numeric" pattern="[0-9]{4,8}" autocomplete="new-password" required; }
                " "
                label { (lang.pick("Ulangi PIN", "Repeat the PIN")) " "
                    input type="password" name="again" inputmode="numeric" pattern="[0-9]{4,8}" autocomplete="new-password" required; }
                " "
                button type="submit" { (lang.pick("Simpan PIN", "Save the PIN")) }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct PinForm {
    csrf: String,
    pin: String,
    again: String,
}

/// `POST /account/kiosk-pin`.
pub async fn set(
    State(state): State<WebState>,
    visitor: Visitor,
    Form(form): Form<PinForm>,
) -> Result<Response, PageError> {
    if !visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &visitor));
    }
    let Some(card) = visitor.card().map(str::to_string) else {
        return Ok(see_other(&visitor.reader.localized("/account")));
    };
    let lang = visitor.reader.lang;
    let refusal = if form.pin.trim() != form.again.trim() {
        Some(lang.pick(
            "Kedua PIN tidak sama. Ketik PIN yang sama dua kali.",
            "The two PINs differ. Type the same PIN twice.",
        ))
    } else if !crate::patron_pin::PIN_DIGITS.contains(&form.pin.trim().len())
        || !form.pin.trim().chars().all(|c| c.is_ascii_digit())
    {
        Some(lang.pick(
            "PIN kios berisi 4 sampai 8 angka saja.",
            "A kiosk PIN is 4 to 8 digits only.",
        ))
    } else {
        None
    };
    if let Some(sentence) = refusal {
        return Ok(visitor.finish(message(&state, &visitor, lang, sentence, true)));
    }
    let pin = form.pin.trim().to_string();
    read_view(&state, &visitor.reader, move |state| {
        crate::patron_pin::set_patron_pin(state.storage.as_ref(), &card, Some(&pin))
    })
    .await?;
    let done = lang.pick(
        "PIN kios disimpan. Kios memakainya setelah tersambung ke hub (biasanya dalam satu menit).",
        "Kiosk PIN saved. The kiosks use it once they have synced with the hub (usually within a minute).",
    );
    Ok(visitor.finish(message(&state, &visitor, lang, done, false)))
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
        lang.pick("PIN kios", "Kiosk PIN"),
        "/account",
        lang.pick("Ke akun saya", "To my account"),
        sentence,
        refused,
    )
}
