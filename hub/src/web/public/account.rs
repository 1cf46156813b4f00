//! `/account`: sign in with card and PIN (checked at the hub under the library-wide lockout),
//! see loans with due dates, reservations with their place in the queue (cancel them), fines;
//! set the kiosk PIN (`kiosk_pin`); sign out. Reserving from a title page lands here. One
//! patron's page shows only their own.

use crate::catalog::{self, HoldTarget};
use crate::patron_pin::{PinOrigin, PinProof, check_patron_pin};
use crate::storage::HubError;
use crate::web::kit::forms::{Visitor, forged, see_other};
use crate::web::kit::lang::Reader;
use crate::web::kit::layout::{self, Page};
use crate::web::kit::pin_guard::Verdict;
use crate::web::kit::session::{CookieNames, cookie};
use crate::web::kit::{PageError, WebState, read_view, title_path};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use swalayan_core::domain::{HoldStatus, Money, redact};
use swalayan_core::format;
use swalayan_core::reason::Lang;

/// Where a sign-in may send the patron back to: only this site's title and event pages and
/// the account (never an address from elsewhere).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if (path.starts_with("/title/") || path.starts_with("/events/"))
                && !path.contains("//") =>
        {
            path.to_string()
        }
        _ => "/account".to_string(),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn page(
    State(state): State<WebState>,
    visitor: Visitor,
    axum::extract::Query(query): axum::extract::Query<NextQuery>,
) -> Result<Response, PageError> {
    match visitor.card().map(str::to_string) {
        None => Ok(sign_in_page(
            &state,
            &visitor,
            query.next.as_deref(),
            None,
            StatusCode::OK,
        )),
        Some(card) => account_page(&state, &visitor, &card).await,
    }
}

fn sign_in_page(
    state: &WebState,
    visitor: &Visitor,
    next: Option<&str>,
    problem: Option<&str>,
    status: StatusCode,
) -> Response {
    let lang = visitor.reader.lang;
    let body = html! {
        h1 { (lang.pick("Masuk ke akun Anda", "Sign in to your account")) }
        p { (lang.pick("Masukkan nomor kartu anggota dan PIN Anda, sama seperti di kios.", "Enter your library card number and PIN, as at the kiosk.")) }
        @if let Some(problem) = problem { p.problem role="alert" { (problem) } }
        form method="post" action="/account/sign-in" {
            (visitor.token_field())
            input type="hidden" name="next" value=(safe_next(next));
            p {
                label for="card" { (lang.pick("Nomor kartu", "Card number")) }
                input #card type="text" name="card" required autocomplete="username" inputmode="numeric" maxlength="40";
            }
            p {
                // A library system's password (SLiMS) may have letters: any keyboard, up to
                // bcrypt's 72 bytes.
                label for="pin" { "PIN" }
                input #pin type="password" name="pin" required autocomplete="current-password" maxlength="72";
            }
            button type="submit" { (lang.pick("Masuk", "Sign in")) }
        }
    };
    let page = Page {
        title: lang.pick("Akun saya", "My account").into(),
        description: lang
            .pick(
                "Masuk untuk melihat pinjaman, pesanan dan denda Anda.",
                "Sign in to see your loans, reservations and fines.",
            )
            .into(),
        path: "/account".into(),
        index: false,
        schema: None,
    };
    let mut response = layout::render(state, &visitor.reader, &page, body);
    *response.status_mut() = status;
    visitor.finish(response)
}

#[derive(Deserialize)]
pub struct SignInForm {
    card: String,
    pin: String,
    csrf: String,
    next: Option<String>,
}

pub async fn sign_in(
    State(state): State<WebState>,
    visitor: Visitor,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    if !visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &visitor));
    }
    let lang = visitor.reader.lang;
    let next = form.next.clone();
    if !state.sessions.may_attempt(visitor.from) {
        tracing::warn!(from = %visitor.from, "web sign-in: too many attempts");
        let problem = lang.pick(
            "Terlalu banyak percobaan masuk dari perangkat ini. Tunggu 5 menit lalu coba lagi.",
            "Too many sign-in attempts from this device. Wait 5 minutes and try again.",
        );
        return Ok(sign_in_page(
            &state,
            &visitor,
            next.as_deref(),
            Some(problem),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let card = form.card.trim().to_string();
    let pin = form.pin.trim().to_string();
    // The web's own brake on one card, from any address; the kiosks never hear of it.
    let waited = match state.pin_guard.check(&card, std::time::Instant::now()) {
        Verdict::Go => None,
        Verdict::Wait(wait) => Some(match lang {
            Lang::Id => format!(
                "Terlalu banyak PIN salah untuk kartu ini. Tunggu {} detik lalu coba lagi.",
                wait.as_secs().max(1)
            ),
            Lang::En => format!(
                "Too many wrong PINs for this card. Wait {} seconds and try again.",
                wait.as_secs().max(1)
            ),
        }),
        Verdict::Paused(left) => Some(match lang {
            Lang::Id => format!(
                "Terlalu banyak PIN salah: masuk lewat web untuk kartu ini dihentikan selama {} menit. Kios tetap dapat dipakai; tanyakan petugas bila lupa PIN.",
                left.as_secs().div_ceil(60)
            ),
            Lang::En => format!(
                "Too many wrong PINs: signing in on the web with this card is paused for {} minutes. The kiosks still work; ask the staff if you forgot your PIN.",
                left.as_secs().div_ceil(60)
            ),
        }),
    };
    if let Some(problem) = waited {
        tracing::info!(patron = %redact(&card), "web sign-in: the card must wait");
        return Ok(sign_in_page(
            &state,
            &visitor,
            next.as_deref(),
            Some(&problem),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let checked = card.clone();
    let proof = read_view(&state, &visitor.reader, move |state| {
        check_patron_pin(
            state.storage.as_ref(),
            &checked,
            &pin,
            jiff::Timestamp::now(),
            PinOrigin::Web,
        )
    })
    .await?;
    match proof {
        PinProof::Accepted => {
            state.pin_guard.succeeded(&card);
            let id = state.sessions.start(&card, "");
            tracing::info!(patron = %redact(&card), "web sign-in");
            let mut response = see_other(&visitor.reader.localized(&safe_next(next.as_deref())));
            response.headers_mut().append(
                header::SET_COOKIE,
                cookie(
                    CookieNames::for_site(state.https).session,
                    &id,
                    state.https,
                    None,
                ),
            );
            Ok(visitor.finish(response))
        }
        PinProof::Refused => {
            state.pin_guard.failed(&card, std::time::Instant::now());
            tracing::info!(patron = %redact(&card), "web sign-in refused");
            let problem = lang.pick(
                "Nomor kartu atau PIN salah. Periksa lalu coba lagi.",
                "The card number or PIN is wrong. Check them and try again.",
            );
            Ok(sign_in_page(
                &state,
                &visitor,
                next.as_deref(),
                Some(problem),
                StatusCode::UNAUTHORIZED,
            ))
        }
        PinProof::Locked => {
            tracing::info!(patron = %redact(&card), "web sign-in: card locked");
            let problem = lang.pick(
                "Terlalu banyak PIN salah di kios: kartu ini dikunci sementara, di sini dan di semua kios. Coba lagi nanti atau tanyakan petugas.",
                "Too many wrong PINs at the kiosks: this card is locked for a while, here and at every kiosk. Try again later or ask the staff.",
            );
            Ok(sign_in_page(
                &state,
                &visitor,
                next.as_deref(),
                Some(problem),
                StatusCode::FORBIDDEN,
            ))
        }
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
}

pub async fn sign_out(
    State(state): State<WebState>,
    visitor: Visitor,
    Form(form): Form<TokenForm>,
) -> Response {
    if !visitor.form_is_genuine(&form.csrf) {
        return forged(&state, &visitor);
    }
    if let Some((id, _)) = &visitor.session {
        state.sessions.end(id);
    }
    let mut response = see_other(&visitor.reader.localized("/"));
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie(
            CookieNames::for_site(state.https).session,
            "",
            state.https,
            Some(0),
        ),
    );
    visitor.finish(response)
}

async fn account_page(
    state: &WebState,
    visitor: &Visitor,
    card: &str,
) -> Result<Response, PageError> {
    let owner = card.to_string();
    let local_now = jiff::Timestamp::now()
        .to_zoned_datetime(state.library.timezone.clone())
        .datetime();
    let (patron, loans, holds, events) = read_view(state, &visitor.reader, move |state| {
        let now = jiff::Timestamp::now();
        let mut events = Vec::new();
        for (id, event) in state.view.upcoming_events(local_now) {
            if let Some(standing) = crate::events::standing(state.storage.as_ref(), &id, &owner)? {
                events.push((id, event, standing));
            }
        }
        let mut loans = Vec::new();
        for (barcode, loan, title) in state.view.loans_of(&owner) {
            let verdict = super::renew::check(state, &owner, &barcode, now)?;
            loans.push((barcode, loan, title, verdict));
        }
        Ok((
            crate::patron_pin::patron(state.storage.as_ref(), &owner)?,
            loans,
            state.view.holds_of(&owner),
            events,
        ))
    })
    .await?;
    let lang = visitor.reader.lang;
    let reader = &visitor.reader;
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(state.library.timezone.clone())
        .date();
    let name = patron.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let fines = Money::from_hundredths(patron.as_ref().map_or(0, |p| p.fines));
    let body = html! {
        h1 { (match lang { Lang::Id => format!("Halo, {name}"), Lang::En => format!("Hello, {name}") }) }
        section aria-labelledby="loans" {
            h2 #loans { (lang.pick("Pinjaman", "Loans")) }
            @if loans.is_empty() {
                p.muted { (lang.pick("Tidak ada buku yang sedang dipinjam.", "Nothing on loan.")) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (lang.pick("Judul", "Title")) }
                        th scope="col" { (lang.pick("Kembalikan paling lambat", "Due")) }
                        th scope="col" { (lang.pick("Perpanjang", "Renew")) }
                    } }
                    tbody { @for (barcode, loan, title, verdict) in &loans {
                        tr {
                            td { (title_cell(reader, title.as_ref())) }
                            td {
                                (format::long_date(loan.due, lang))
                                @if loan.due < today { " " strong.on-loan { (lang.pick("(terlambat)", "(overdue)")) } }
                            }
                            td {
                                @match verdict {
                                    Ok(_) => {
                                        form method="post" action="/account/loans/renew" {
                                            (visitor.token_field())
                                            input type="hidden" name="item" value=(barcode);
                                            button type="submit" aria-label=(renew_label(lang, title.as_ref())) { (lang.pick("Perpanjang", "Renew")) }
                                        }
                                    }
                                    Err(reason) => span.muted { (reason.sentence(lang)) }
                                }
                            }
                        }
                    } }
                }
            }
        }
        section aria-labelledby="holds" {
            h2 #holds { (lang.pick("Pesanan", "Reservations")) }
            @if holds.is_empty() {
                p.muted { (lang.pick("Tidak ada pesanan. Cari judul lalu tekan Pesan.", "No reservations. Find a title and press Reserve.")) }
            } @else {
                ul.plain { @for (hold, title, position) in &holds {
                    li.result {
                        h3 { (title_cell(reader, title.as_ref())) }
                        p { (hold_state(lang, &hold.doc, *position)) }
                        form method="post" action=(format!("/account/holds/{}/cancel", hold.id)) {
                            (visitor.token_field())
                                            button type="submit" { (lang.pick("Batalkan pesanan", "Cancel reservation")) }
                        }
                    }
                } }
            }
        }
        @if !events.is_empty() {
            section aria-labelledby="events" {
                h2 #events { (lang.pick("Acara yang saya ikuti", "My events")) }
                ul.plain { @for (id, event, standing) in &events {
                    li.result {
                        h3 { a href=(reader.localized(&super::events::event_path(id))) { (event.title_in(lang)) } }
                        p { (format::span(event.starts, event.ends, lang)) }
                        p { (super::events::standing_sentence(lang, *standing)) }
                    }
                } }
            }
        }
        section aria-labelledby="fines" {
            h2 #fines { (lang.pick("Denda", "Fines")) }
            p { (if fines.is_zero() { lang.pick("Tidak ada denda.", "No fines.").to_string() } else { format::money(fines, lang) }) }
        }
        (super::kiosk_pin::section(visitor))
        p { a href=(reader.localized("/account/notifications")) { (lang.pick("Pemberitahuan (WhatsApp, SMS, e-mail)", "Notifications (WhatsApp, SMS, e-mail)")) } }
        form method="post" action="/account/sign-out" {
            (visitor.token_field())
            button type="submit" { (lang.pick("Keluar", "Sign out")) }
        }
    };
    let page = Page {
        title: lang.pick("Akun saya", "My account").into(),
        description: String::new(),
        path: "/account".into(),
        index: false,
        schema: None,
    };
    let mut response = layout::render(state, reader, &page, body);
    // A patron's own page: never kept by a shared cache or the browser's history cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(visitor.finish(response))
}

fn renew_label(lang: Lang, title: Option<&crate::web::kit::catalog_view::TitleEntry>) -> String {
    let name = title.map(|t| t.doc.title.as_str()).unwrap_or("");
    match lang {
        Lang::Id => format!("Perpanjang {name}"),
        Lang::En => format!("Renew {name}"),
    }
}

#[derive(Deserialize)]
pub struct RenewForm {
    csrf: String,
    item: String,
}

/// `POST /account/loans/renew`: the patron's own loan, by the kiosks' rule.
pub async fn renew(
    State(state): State<WebState>,
    visitor: Visitor,
    Form(form): Form<RenewForm>,
) -> Result<Response, PageError> {
    if !visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &visitor));
    }
    let Some(card) = visitor.card().map(str::to_string) else {
        return Ok(see_other(&visitor.reader.localized("/account")));
    };
    let item = form.item;
    let done = read_view(&state, &visitor.reader, move |state| {
        super::renew::renew(state, &card, &item, jiff::Timestamp::now())
    })
    .await?;
    match done {
        Ok(_) => Ok(visitor.finish(see_other(&visitor.reader.localized("/account#loans")))),
        Err(reason) => {
            let lang = visitor.reader.lang;
            let sentence = reason.sentence(lang);
            let page = layout::Message {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                title: lang.pick("Tidak dapat diperpanjang", "Not renewed"),
                sentence: &sentence,
                alert: true,
                path: "/account",
                onward: ("/account", lang.pick("Ke akun saya", "To my account")),
            };
            Ok(visitor.finish(layout::message(&state, &visitor.reader, page)))
        }
    }
}

fn title_cell(
    reader: &Reader,
    title: Option<&crate::web::kit::catalog_view::TitleEntry>,
) -> Markup {
    match title {
        Some(t) => html! { a href=(reader.localized(&title_path(&t.key))) { (t.doc.title) } },
        None => html! { (reader.lang.pick("(judul tidak dikenal)", "(unknown title)")) },
    }
}

fn hold_state(
    lang: Lang,
    hold: &swalayan_core::contract::documents::HoldDoc,
    position: usize,
) -> String {
    let branch = &hold.pickup_branch;
    let until = hold.ready_until.map(|d| format::long_date(d, lang));
    match (hold.status, lang, until) {
        (HoldStatus::Ready, Lang::Id, Some(until)) => {
            format!("Siap diambil di {branch} sampai {until}: pinjam di kios dengan kartu Anda.")
        }
        (HoldStatus::Ready, Lang::En, Some(until)) => {
            format!(
                "Ready to pick up at {branch} until {until}: borrow it at the kiosk with your card."
            )
        }
        (HoldStatus::Ready, Lang::Id, None) => {
            format!("Siap diambil di {branch}: pinjam di kios dengan kartu Anda.")
        }
        (HoldStatus::Ready, Lang::En, None) => {
            format!("Ready to pick up at {branch}: borrow it at the kiosk with your card.")
        }
        (HoldStatus::InTransit, Lang::Id, _) => format!("Dalam perjalanan ke {branch}."),
        (HoldStatus::InTransit, Lang::En, _) => format!("On its way to {branch}."),
        (_, Lang::Id, _) => format!("Antrean ke-{position}, diambil di {branch}."),
        (_, Lang::En, _) => format!("Number {position} in the queue, to pick up at {branch}."),
    }
}

pub async fn cancel_hold(
    State(state): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    if !visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &visitor));
    }
    let Some(card) = visitor.card().map(str::to_string) else {
        return Ok(see_other(&visitor.reader.localized("/account")));
    };
    let done = read_view(&state, &visitor.reader, move |state| {
        // Only the patron's own hold: another's is refused by the catalogue, as over the API.
        match catalog::cancel_hold(state.storage.as_ref(), &id, Some(&card)) {
            Ok(_) => Ok(true),
            Err(HubError::Forbidden(_) | HubError::NotFound(_) | HubError::Invalid(_)) => Ok(false),
            Err(e) => Err(e),
        }
    })
    .await?;
    if !done {
        return Err(PageError::not_found(visitor.reader.clone()));
    }
    Ok(visitor.finish(see_other(&visitor.reader.localized("/account#holds"))))
}

#[derive(Deserialize)]
pub struct ReserveForm {
    csrf: String,
    pickup: String,
}

/// `POST /title/{id}/reserve`: a hold on the title for the signed-in patron, by the kiosks'
/// rule; refused with the rule's sentence in the patron's language.
pub async fn reserve(
    State(state): State<WebState>,
    visitor: Visitor,
    Path(key): Path<String>,
    Form(form): Form<ReserveForm>,
) -> Result<Response, PageError> {
    if !visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &visitor));
    }
    let back = title_path(&key);
    let Some(card) = visitor.card().map(str::to_string) else {
        let next = format!(
            "/account?next={}",
            percent_encoding::utf8_percent_encode(&back, percent_encoding::NON_ALPHANUMERIC)
        );
        return Ok(see_other(&visitor.reader.localized(&next)));
    };
    let pickup = form.pickup.trim().to_string();
    let lang = visitor.reader.lang;
    let placed = read_view(
        &state,
        &visitor.reader,
        move |state| match catalog::place_hold(
            state.storage.as_ref(),
            &card,
            &HoldTarget::Title(key),
            &pickup,
            &state.library.branches,
            jiff::Timestamp::now(),
        ) {
            Ok(_) => Ok(None),
            Err(HubError::Refused(reason)) => Ok(Some(reason.sentence(lang).to_string())),
            Err(HubError::UnknownBranch { .. }) => Ok(Some(
                lang.pick(
                    "Cabang pengambilan itu tidak ada di perpustakaan ini: pilih salah satu dari daftar.",
                    "This library has no such pickup branch: choose one from the list.",
                )
                .to_string(),
            )),
            Err(e) => Err(e),
        },
    )
    .await?;
    match placed {
        None => Ok(visitor.finish(see_other(&visitor.reader.localized("/account#holds")))),
        Some(sentence) => {
            let page = layout::Message {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                title: lang.pick("Pesanan tidak dapat dibuat", "The reservation was not made"),
                sentence: &sentence,
                alert: true,
                path: &back,
                onward: (&back, lang.pick("Kembali ke judul", "Back to the title")),
            };
            Ok(visitor.finish(layout::message(&state, &visitor.reader, page)))
        }
    }
}

/// The reserve form on a title page: the pickup branch, or a way to sign in first.
pub fn reserve_form(visitor: &Visitor, key: &str, branches: &[String]) -> Markup {
    let lang = visitor.reader.lang;
    let path = title_path(key);
    html! {
        @if branches.is_empty() {
        } @else if visitor.card().is_some() {
            form.reserve method="post" action=(format!("{path}/reserve")) {
                (visitor.token_field())
                    label for="pickup" { (lang.pick("Ambil di", "Pick up at")) }
                " "
                select #pickup name="pickup" {
                    @for b in branches { option value=(b) { (b) } }
                }
                " "
                button type="submit" { (lang.pick("Pesan", "Reserve")) }
            }
        } @else {
            p {
                a.button href=(visitor.reader.localized(&format!("/account?next={}", percent_encoding::utf8_percent_encode(&path, percent_encoding::NON_ALPHANUMERIC)))) {
                    (lang.pick("Masuk untuk memesan", "Sign in to reserve"))
                }
            }
        }
    }
}

/// The answer to a form on the account's own pages (the kiosk PIN, notifications): the
/// sentence, 422 when it refuses, and the way back to `path`.
pub(super) fn answer(
    state: &WebState,
    visitor: &Visitor,
    title: &str,
    path: &'static str,
    onward: &str,
    sentence: &str,
    refused: bool,
) -> Response {
    let page = layout::Message {
        status: if refused {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        title,
        sentence,
        alert: refused,
        path,
        onward: (path, onward),
    };
    layout::message(state, &visitor.reader, page)
}
