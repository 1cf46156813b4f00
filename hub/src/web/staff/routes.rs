//! `/staff/routes`: the mobile library's routes (issue #32) — every stop by route, day and
//! start, a stop added or removed (as `swalayan-hub route add|remove` does), the schedule as
//! CSV or an Excel workbook.

use super::dashboard::{StaffVisitor, to_login};
use super::forms::{
    TokenForm, audit, audited, form_page, problem, signed_token, staff_sentence, text_field,
};
use crate::reports::workbook::Table;
use crate::routes;
use crate::web::kit::csv::{csv_response, xlsx_download};
use crate::web::kit::forms::see_other;
use crate::web::kit::{PageError, WebState, read_view};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use swalayan_core::contract::documents::StopDoc;
use swalayan_core::reason::Lang;

#[derive(Deserialize, Default)]
pub struct RoutesQuery {
    #[serde(default)]
    format: Option<String>,
}

/// The add form as posted.
#[derive(Deserialize, Default, Clone)]
pub struct StopForm {
    csrf: String,
    #[serde(default)]
    route: String,
    #[serde(default)]
    stop: String,
    #[serde(default)]
    kelurahan: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    vehicle: String,
}

/// `/staff/routes`.
pub async fn page(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<RoutesQuery>,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    let reader = who.visitor.reader.clone();
    let stops = read_view(&state, &reader, |state| {
        routes::list(state.storage.as_ref())
    })
    .await?;
    match query.format.as_deref() {
        Some("csv") => {
            return Ok(csv_response(
                "routes.csv",
                &[
                    "route",
                    "day",
                    "start",
                    "end",
                    "stop",
                    "place",
                    "kelurahan",
                    "vehicle",
                ],
                stops.iter().map(|(_, s)| cells(s)).collect(),
            ));
        }
        Some("xlsx") => {
            let mut table = Table::new(
                "Rute",
                &[
                    "Rute",
                    "Hari",
                    "Mulai",
                    "Selesai",
                    "Singgahan",
                    "Tempat",
                    "Kelurahan",
                    "Kendaraan",
                ],
            );
            for (_, s) in &stops {
                table.row(cells(s).into_iter().map(Into::into).collect());
            }
            return xlsx_download("routes.xlsx", &[table])
                .map_err(|e| PageError::internal(reader, e));
        }
        _ => {}
    }
    routes_page(&state, &who, &stops, &StopForm::default(), None).await
}

/// A stop's cells as the CSV writes them.
fn cells(s: &StopDoc) -> Vec<String> {
    vec![
        s.route.clone(),
        s.day.clone(),
        s.start.strftime("%H:%M").to_string(),
        s.end.strftime("%H:%M").to_string(),
        s.stop.clone(),
        s.place.clone(),
        s.kelurahan.clone(),
        s.vehicle.clone().unwrap_or_default(),
    ]
}

fn day_name(day: &str, lang: Lang) -> &'static str {
    const ID: [&str; 7] = [
        "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
    ];
    const EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    routes::WEEKDAYS
        .iter()
        .position(|d| *d == day)
        .map_or("?", |n| if lang == Lang::Id { ID[n] } else { EN[n] })
}

async fn routes_page(
    state: &WebState,
    who: &StaffVisitor,
    stops: &[(String, StopDoc)],
    form: &StopForm,
    sentence: Option<&str>,
) -> Result<Response, PageError> {
    let reader = &who.visitor.reader;
    let lang = reader.lang;
    let title = lang.pick("Perpustakaan keliling", "Mobile library");
    let body = html! {
        h1 { (title) }
        p { a href=(reader.localized("/mobile-library")) { (lang.pick("Jadwal di situs perpustakaan", "The schedule on the library's site")) } }
        (super::period::downloads(reader, "/staff/routes?format=csv"))
        @if stops.is_empty() {
            p.muted { (lang.pick("Belum ada rute.", "No routes yet.")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (lang.pick("Rute", "Route")) }
                    th scope="col" { (lang.pick("Hari", "Day")) }
                    th scope="col" { (lang.pick("Jam", "Hours")) }
                    th scope="col" { (lang.pick("Singgahan", "Stop")) }
                    th scope="col" { "Kelurahan" }
                    th scope="col" { (lang.pick("Kendaraan", "Vehicle")) }
                    th scope="col" { span.visually-hidden { (lang.pick("Hapus", "Remove")) } }
                } }
                tbody { @for (id, s) in stops {
                    tr {
                        td { (s.route) }
                        td { (day_name(&s.day, lang)) }
                        td { (s.start.strftime("%H:%M")) "–" (s.end.strftime("%H:%M")) }
                        td { (s.stop) br; small.muted { (s.place) } }
                        td { (s.kelurahan) }
                        td { (s.vehicle.as_deref().unwrap_or("—")) }
                        td { form.inline method="post" action=(reader.localized(&format!("/staff/routes/{id}/remove"))) {
                            (who.visitor.token_field())
                            button type="submit" { (lang.pick("Hapus", "Remove")) }
                        } }
                    }
                } }
            } }
        }
        h2 { (lang.pick("Singgahan baru", "New stop")) }
        form method="post" action=(reader.localized("/staff/routes")) {
            (who.visitor.token_field())
            (problem(sentence))
            (text_field("route", lang.pick("Rute", "Route"), &form.route, true))
            (text_field("stop", lang.pick("Nama singgahan", "Stop"), &form.stop, true))
            (text_field("place", lang.pick("Tempat", "Place"), &form.place, true))
            (text_field("kelurahan", "Kelurahan", &form.kelurahan, true))
            p { label for="day" { (lang.pick("Hari", "Day")) }
                select #day name="day" {
                    @for d in routes::WEEKDAYS { option value=(d) selected[form.day == d] { (day_name(d, lang)) } }
                } }
            p { label for="start" { (lang.pick("Mulai", "From")) } input #start type="time" name="start" value=(form.start) required; }
            p { label for="end" { (lang.pick("Selesai", "Until")) } input #end type="time" name="end" value=(form.end) required; }
            (text_field("vehicle", lang.pick("Kendaraan (boleh kosong)", "Vehicle (optional)"), &form.vehicle, false))
            button type="submit" { (lang.pick("Tambah", "Add")) }
        }
    };
    Ok(form_page(
        state,
        who,
        title,
        "/staff/routes",
        body,
        sentence,
    ))
}

/// `POST /staff/routes`: a new stop.
pub async fn add(
    State(state): State<WebState>,
    who: StaffVisitor,
    Form(form): Form<StopForm>,
) -> Result<Response, PageError> {
    let actor = match signed_token(&state, &who, &form.csrf) {
        Ok(actor) => actor,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    let posted = form.clone();
    let added = read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        let made = (|| {
            let stop = StopDoc {
                route: posted.route.clone(),
                stop: posted.stop.clone(),
                kelurahan: posted.kelurahan.clone(),
                place: posted.place.clone(),
                day: posted.day.clone(),
                start: routes::time(&posted.start, "start")?,
                end: routes::time(&posted.end, "end")?,
                vehicle: Some(posted.vehicle.clone()),
            };
            routes::add(storage, stop)
        })();
        audited(storage, &actor, "stop added", made, |id| {
            format!("{id}: {} / {}", posted.route, posted.stop)
        })
        .map(|made| made.map(|_| ()))
    })
    .await?;
    match added {
        Ok(()) => Ok(who
            .visitor
            .finish(see_other(&reader.localized("/staff/routes")))),
        Err(e) => {
            let stops = read_view(&state, &reader, |state| {
                routes::list(state.storage.as_ref())
            })
            .await?;
            routes_page(
                &state,
                &who,
                &stops,
                &form,
                Some(&staff_sentence(&e, reader.lang)),
            )
            .await
        }
    }
}

/// `POST /staff/routes/{id}/remove`.
pub async fn remove(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let actor = match signed_token(&state, &who, &form.csrf) {
        Ok(actor) => actor,
        Err(response) => return Ok(response),
    };
    let reader = who.visitor.reader.clone();
    read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        match routes::remove(storage, &id) {
            Ok(()) => audit(storage, &actor, "stop removed", &id),
            Err(crate::storage::HubError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    })
    .await?;
    Ok(who
        .visitor
        .finish(see_other(&reader.localized("/staff/routes"))))
}

/// The mobile library's period per kelurahan (the annual page's table).
pub(super) fn by_kelurahan_table(rows: &[crate::reports::StopRow], lang: Lang) -> maud::Markup {
    html! {
        div.table-wrap { table {
            thead { tr {
                th scope="col" { "Kelurahan" }
                th scope="col" { (lang.pick("Singgah", "Stops made")) }
                th scope="col" { (lang.pick("Batal", "Cancelled")) }
                th scope="col" { (lang.pick("Pengunjung", "Visitors")) }
                th scope="col" { (lang.pick("Peminjaman", "Loans")) }
                th scope="col" { (lang.pick("Pengembalian", "Returns")) }
                th scope="col" { (lang.pick("Anggota baru", "Members registered")) }
            } }
            tbody { @for r in rows {
                tr {
                    td { (r.kelurahan) }
                    td { (r.made) }
                    td { (r.cancelled) }
                    td { (r.visitors) }
                    td { (r.loans) }
                    td { (r.returns) }
                    td { (r.registered) }
                }
            } }
        } }
    }
}
