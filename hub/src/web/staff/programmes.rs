//! The staff's events pages. `/staff/events?from=&to=` lists the period's events with
//! registrations, attendance and no-shows — the numbers of `swalayan-hub report events`, the
//! same CSV with `&format=csv`. `/staff/events/{id}` is the event's list at the door: who holds
//! a place, who waits, who came (checked in at a kiosk or here); staff tick people present,
//! add a walk-in by card or name, or take a mistaken check-in back, each an audit line.

use super::dashboard::{StaffVisitor, staff_page, to_login};
use super::period::{PeriodQuery, checked, period_form};
use crate::events::{self, Attendee, CheckIn};
use crate::web::kit::csv::csv_download;
use crate::web::kit::forms::{forged, see_other};
use crate::web::kit::{PageError, WebState, read_view};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use swalayan_core::contract::documents::{EventDoc, Registration, RosterDoc};
use swalayan_core::format;
use swalayan_core::reason::Lang;

fn staff_event_path(id: &str) -> String {
    // Ids are UUIDs; anything else is encoded so the path stays one segment.
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-');
    format!(
        "/staff/events/{}",
        percent_encoding::utf8_percent_encode(id, KEEP)
    )
}

/// `/staff/events?from=&to=`: the period's events, registrations and attendance.
pub async fn list(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let title = lang.pick("Acara dan kegiatan", "Events and programmes");
    let (from, to) = match checked(&state, &who, title, "/staff/events", &query) {
        Ok(period) => period,
        Err(response) => return Ok(response),
    };
    let report = read_view(&state, &reader, move |state| {
        crate::reports::events(state.storage.as_ref(), from, to, state.library.local_now())
    })
    .await?;
    if query.wants_csv() {
        return Ok(csv_download("events.csv", report.csv()));
    }
    if query.wants_xlsx() {
        return crate::web::kit::csv::xlsx_download(
            "events.xlsx",
            &crate::reports::sheets::events(&report),
        )
        .map_err(|e| PageError::internal(reader, e));
    }
    let csv_link = format!("/staff/events?from={from}&to={to}&format=csv");
    let body = html! {
        h1 { (title) }
        p { a.button href=(reader.localized("/staff/events/new")) { (lang.pick("Acara baru", "New event")) } }
        (period_form(&reader, "/staff/events", from, to))
        (super::period::downloads(&reader, &csv_link))
        @if report.rows.is_empty() {
            p.muted { (lang.pick("Tidak ada acara dalam periode ini.", "No events in this period.")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (lang.pick("Acara", "Event")) }
                    th scope="col" { (lang.pick("Waktu", "When")) }
                    th scope="col" { (lang.pick("Tempat", "Places")) }
                    th scope="col" { (lang.pick("Terdaftar", "Registered")) }
                    th scope="col" { (lang.pick("Menunggu", "Waiting")) }
                    th scope="col" { (lang.pick("Hadir", "Came")) }
                    th scope="col" { (lang.pick("Tanpa daftar", "Walk-ins")) }
                    th scope="col" { (lang.pick("Tidak datang", "No-shows")) }
                } }
                tbody { @for row in &report.rows {
                    tr {
                        td { a href=(reader.localized(&staff_event_path(&row.event))) { (row.title) } }
                        td { (format::span(row.starts, row.ends, lang)) }
                        td { (row.capacity.map_or("–".to_string(), |c| c.to_string())) }
                        td { (row.registered) } td { (row.waiting) }
                        td { (row.participants) } td { (row.walk_ins) }
                        td { (row.no_shows.map_or("–".to_string(), |n| n.to_string())) }
                    }
                } }
            } }
            p.muted { (lang.pick(
                "\"Hadir\" menghitung semua yang datang (terdaftar dan tanpa daftar). \"Tidak datang\" dihitung setelah acara selesai.",
                "\"Came\" counts everyone checked in (registered and walk-ins). No-shows are counted once the event has ended.")) }
        }
    };
    Ok(staff_page(&state, &who, title, "/staff/events", body))
}

#[derive(Deserialize)]
pub struct EventQuery {
    format: Option<String>,
}

/// `/staff/events/{id}`: who registered and who came, with the check-in at the door.
pub async fn page(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(id): Path<String>,
    Query(query): Query<EventQuery>,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let key = id.clone();
    let found = read_view(&state, &reader, move |state| {
        events::with_roster(state.storage.as_ref(), &key)
    })
    .await?;
    let Some((event, roster, names)) = found else {
        return Err(PageError::not_found(reader));
    };
    let people = people(&roster, &names, &state.library.timezone, lang);
    if query.format.as_deref() == Some("csv") {
        return Ok(csv_download("event.csv", roster_csv(&people)));
    }
    let path = staff_event_path(&id);
    let body = html! {
        h1 { (event.title_in(lang)) }
        p { (format::span(event.starts, event.ends, lang))
            @if let Some(place) = &event.place { " · " (place) } }
        (summary(&event, &roster, lang))
        p { a href=(reader.localized(&format!("{path}/edit"))) { (lang.pick("Ubah atau batalkan acara", "Edit or cancel the event")) } }
        p { a href=(reader.localized(&format!("{path}?format=csv"))) { (lang.pick("Unduh daftar (CSV)", "Download the list (CSV)")) } }
        h2 { (lang.pick("Catat kehadiran", "Check someone in")) }
        form method="post" action=(format!("{path}/check-in")) {
            (who.visitor.token_field())
            label for="who" { (lang.pick("Nomor kartu atau nama (tanpa daftar)", "Card number, or a name (walk-in)")) }
            " " input #who type="text" name="who" required maxlength="80"; " "
            button type="submit" { (lang.pick("Hadir", "Present")) }
        }
        h2 { (lang.pick("Daftar peserta", "Who registered")) }
        @if people.is_empty() {
            p.muted { (lang.pick("Belum ada yang mendaftar.", "Nobody has registered yet.")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { "#" }
                    th scope="col" { (lang.pick("Nama", "Name")) }
                    th scope="col" { (lang.pick("Kartu / telepon", "Card / phone")) }
                    th scope="col" { (lang.pick("Status", "Status")) }
                    th scope="col" { (lang.pick("Hadir", "Came")) }
                    th scope="col" { span.visually-hidden { (lang.pick("Tindakan", "Action")) } }
                } }
                tbody { @for (n, person) in people.iter().enumerate() {
                    tr {
                        td { (n + 1) }
                        td { (person.name) }
                        td { (person.contact) }
                        td { (person.list) }
                        td { @if let Some(at) = &person.came { (at) } }
                        td { (toggle(&who, &path, person, lang)) }
                    }
                } }
            } }
        }
    };
    Ok(staff_page(&state, &who, event.title_in(lang), &path, body))
}

/// One person on the list as staff read it.
struct Person {
    registration: String,
    name: String,
    contact: String,
    /// "place", "waiting 2", "walk-in".
    list: String,
    list_code: &'static str,
    /// "09:12 · kiosk-1" when checked in.
    came: Option<String>,
    card: String,
    phone: String,
    registered_at: String,
    checked_in_at: String,
    checked_in_by: String,
}

fn people(
    roster: &RosterDoc,
    names: &HashMap<String, String>,
    tz: &jiff::tz::TimeZone,
    lang: Lang,
) -> Vec<Person> {
    let person = |r: &Registration, list: String, list_code: &'static str| Person {
        registration: r.id.clone(),
        name: r
            .name
            .clone()
            .or_else(|| r.card.as_ref().and_then(|c| names.get(c).cloned()))
            .unwrap_or_else(|| lang.pick("(kartu tak dikenal)", "(unknown card)").into()),
        contact: r
            .card
            .clone()
            .or_else(|| r.phone.clone())
            .unwrap_or_default(),
        list,
        list_code,
        came: r.attended.map(|at| {
            let local = at.to_zoned_datetime(tz.clone());
            format!(
                "{:02}.{:02} · {}",
                local.hour(),
                local.minute(),
                r.checked_in_by.clone().unwrap_or_default()
            )
        }),
        card: r.card.clone().unwrap_or_default(),
        phone: r.phone.clone().unwrap_or_default(),
        registered_at: r.at.to_string(),
        checked_in_at: r.attended.map(|a| a.to_string()).unwrap_or_default(),
        checked_in_by: r.checked_in_by.clone().unwrap_or_default(),
    };
    let mut out: Vec<Person> = roster
        .confirmed
        .iter()
        .map(|r| person(r, lang.pick("tempat", "place").into(), "place"))
        .collect();
    out.extend(roster.waiting.iter().enumerate().map(|(n, r)| {
        person(
            r,
            format!("{} {}", lang.pick("menunggu", "waiting"), n + 1),
            "waiting",
        )
    }));
    out.extend(
        roster
            .walk_ins
            .iter()
            .map(|r| person(r, lang.pick("tanpa daftar", "walk-in").into(), "walk_in")),
    );
    out
}

/// `list,name,card,phone,registered_at,checked_in_at,checked_in_by`.
fn roster_csv(people: &[Person]) -> String {
    crate::reports::csv_text(
        &[
            "list",
            "name",
            "card",
            "phone",
            "registered_at",
            "checked_in_at",
            "checked_in_by",
        ],
        people.iter().map(|p| {
            vec![
                p.list_code.to_string(),
                p.name.clone(),
                p.card.clone(),
                p.phone.clone(),
                p.registered_at.clone(),
                p.checked_in_at.clone(),
                p.checked_in_by.clone(),
            ]
        }),
    )
}

fn summary(event: &EventDoc, roster: &RosterDoc, lang: Lang) -> Markup {
    let came = roster
        .confirmed
        .iter()
        .chain(&roster.waiting)
        .chain(&roster.walk_ins)
        .filter(|r| r.attended.is_some())
        .count();
    html! {
        p {
            strong { (roster.confirmed.len()) } " " (lang.pick("terdaftar", "registered"))
            @if let Some(capacity) = event.capacity { " / " (capacity) " " (lang.pick("tempat", "places")) }
            " · " strong { (roster.waiting.len()) } " " (lang.pick("menunggu", "waiting"))
            " · " strong { (came) } " " (lang.pick("hadir", "came"))
            " (" (roster.walk_ins.len()) " " (lang.pick("tanpa daftar", "walk-in")) ")"
        }
    }
}

fn toggle(who: &StaffVisitor, path: &str, person: &Person, lang: Lang) -> Markup {
    let (action, label) = if person.came.is_some() {
        ("undo", lang.pick("Batalkan", "Undo"))
    } else {
        ("check-in", lang.pick("Hadir", "Present"))
    };
    html! {
        form.inline method="post" action=(format!("{path}/{action}")) {
            (who.visitor.token_field())
            input type="hidden" name="registration" value=(person.registration);
            button type="submit" aria-label=(format!("{label}: {}", person.name)) { (label) }
        }
    }
}

#[derive(Deserialize)]
pub struct CheckInForm {
    csrf: String,
    /// A registration ticked on the list.
    registration: Option<String>,
    /// A card number or a walk-in's name, typed.
    who: Option<String>,
}

/// `POST /staff/events/{id}/check-in`: marks someone present (a registration, a card, or a
/// walk-in by name).
pub async fn check_in(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(id): Path<String>,
    Form(form): Form<CheckInForm>,
) -> Result<Response, PageError> {
    if !who.visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &who.visitor));
    }
    let Some(staff) = &who.staff else {
        return Ok(to_login(&who));
    };
    let actor = staff.name.clone();
    let key = id.clone();
    let (registration, typed) = (form.registration, form.who);
    read_view(&state, &who.visitor.reader, move |state| {
        let storage = state.storage.as_ref();
        let now = jiff::Timestamp::now();
        let attendee = match (&registration, typed.as_deref().map(str::trim)) {
            (Some(r), _) => Attendee::Registration(r),
            (None, Some(text)) if !text.is_empty() => Attendee::Typed(text),
            _ => return Ok(()),
        };
        let detail = match events::attend(storage, &key, attendee, now, &actor)? {
            Some(CheckIn::Registered) => "a registered person",
            Some(CheckIn::WalkIn) => "a walk-in",
            _ => return Ok(()),
        };
        crate::staff::audit(
            storage,
            &actor,
            "event check-in",
            &format!("event {key}: {detail}"),
            now,
        )?;
        Ok(())
    })
    .await?;
    Ok(who.visitor.finish(see_other(
        &who.visitor.reader.localized(&staff_event_path(&id)),
    )))
}

#[derive(Deserialize)]
pub struct UndoForm {
    csrf: String,
    registration: String,
}

/// `POST /staff/events/{id}/undo`: takes back a check-in made by mistake.
pub async fn undo(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(id): Path<String>,
    Form(form): Form<UndoForm>,
) -> Result<Response, PageError> {
    if !who.visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &who.visitor));
    }
    let Some(staff) = &who.staff else {
        return Ok(to_login(&who));
    };
    let actor = staff.name.clone();
    let key = id.clone();
    read_view(&state, &who.visitor.reader, move |state| {
        let storage = state.storage.as_ref();
        if events::undo_check_in(storage, &key, &form.registration)? {
            crate::staff::audit(
                storage,
                &actor,
                "event check-in undone",
                &format!("event {key}: registration {}", form.registration),
                jiff::Timestamp::now(),
            )?;
        }
        Ok(())
    })
    .await?;
    Ok(who.visitor.finish(see_other(
        &who.visitor.reader.localized(&staff_event_path(&id)),
    )))
}
