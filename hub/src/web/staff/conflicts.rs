//! `/staff/conflicts`: the transactions the hub kept as conflicts (two stations lent one copy,
//! a return of a copy on the shelf, a check-in at a withdrawn event, ...), each resolved here
//! with a note saying what staff did — the same as `swalayan-hub conflicts resolve ID --note`,
//! with an audit line. `?all=1` shows resolved ones too; `?format=csv` downloads the list.

use super::dashboard::{StaffVisitor, staff_page, to_login};
use crate::storage::{Received, TxFilter, TxState};
use crate::web::kit::csv::csv_response;
use crate::web::kit::forms::{forged, see_other};
use crate::web::kit::{PageError, WebState, read_view};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ConflictsQuery {
    all: Option<String>,
    format: Option<String>,
}

/// The conflicts awaiting staff (and, with `all`, the resolved ones), newest first.
fn conflicts(state: &WebState, all: bool) -> Result<Vec<Received>, crate::storage::HubError> {
    let mut rows = state.storage.transactions(&TxFilter {
        state: (!all).then_some(TxState::Conflict),
        ..TxFilter::default()
    })?;
    rows.retain(|r| r.state != TxState::Applied);
    rows.reverse();
    Ok(rows)
}

/// `/staff/conflicts`.
pub async fn page(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<ConflictsQuery>,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let all = query.all.is_some();
    let rows = read_view(&state, &reader, move |state| conflicts(state, all)).await?;
    if query.format.as_deref() == Some("csv") {
        return Ok(csv_response(
            "conflicts.csv",
            &[
                "id",
                "at",
                "station",
                "kind",
                "reason",
                "payload",
                "resolution",
            ],
            rows.iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.effective_at.clone(),
                        r.station.clone(),
                        r.kind.code(),
                        r.reason.clone().unwrap_or_default(),
                        r.payload.to_string(),
                        r.resolution.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        ));
    }
    let title = lang.pick("Konflik", "Conflicts");
    let csv = if all {
        "/staff/conflicts?all=1&format=csv"
    } else {
        "/staff/conflicts?format=csv"
    };
    let body = html! {
        h1 { (title) }
        p.muted { (lang.pick(
            "Transaksi yang terjadi di stasiun tetapi tidak sesuai dengan catatan pusat. Stasiun tidak membatalkan apa pun: periksa, lakukan yang perlu, lalu tulis catatan.",
            "Transactions that happened at a station but disagree with the central record. Nothing was undone at the station: look, do what is needed, then write a note.")) }
        p {
            @if all { a href=(reader.localized("/staff/conflicts")) { (lang.pick("Hanya yang belum selesai", "Only those awaiting staff")) } }
            @else { a href=(reader.localized("/staff/conflicts?all=1")) { (lang.pick("Tampilkan juga yang sudah selesai", "Show resolved ones too")) } }
            " · " a href=(reader.localized(csv)) { (lang.pick("Unduh CSV", "Download CSV")) }
        }
        @if rows.is_empty() {
            p.ok role="status" { (lang.pick("Tidak ada konflik yang menunggu.", "No conflicts await staff.")) }
        }
        ul.plain { @for r in &rows {
            li.result {
                p { strong { (r.kind) } " · " (r.station) " · " (r.effective_at) }
                p { (r.reason.as_deref().unwrap_or("")) }
                @if let Some(note) = &r.resolution {
                    p.ok { (lang.pick("Selesai: ", "Resolved: ")) (note) }
                } @else {
                    form method="post" action=(format!("/staff/conflicts/{}/resolve", r.id)) {
                        (who.visitor.token_field())
                        label for=(format!("note-{}", r.id)) { (lang.pick("Catatan (apa yang dilakukan)", "Note (what was done)")) }
                        " " input id=(format!("note-{}", r.id)) type="text" name="note" required maxlength="500"; " "
                        button type="submit" { (lang.pick("Tandai selesai", "Mark resolved")) }
                    }
                }
            }
        } }
    };
    Ok(staff_page(&state, &who, title, "/staff/conflicts", body))
}

#[derive(Deserialize)]
pub struct ResolveForm {
    csrf: String,
    note: String,
}

/// `POST /staff/conflicts/{id}/resolve`: marks a conflict resolved with the note.
pub async fn resolve(
    State(state): State<WebState>,
    who: StaffVisitor,
    Path(id): Path<uuid::Uuid>,
    Form(form): Form<ResolveForm>,
) -> Result<Response, PageError> {
    if !who.visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, &who.visitor));
    }
    let Some(staff) = &who.staff else {
        return Ok(to_login(&who));
    };
    let note = form.note.trim().to_string();
    if !note.is_empty() {
        let actor = staff.name.clone();
        read_view(&state, &who.visitor.reader, move |state| {
            let storage = state.storage.as_ref();
            let note = format!("{note} ({actor})");
            if storage.resolve(id, &note)? {
                crate::staff::audit(
                    storage,
                    &actor,
                    "conflict resolved",
                    &format!("{id}: {note}"),
                    jiff::Timestamp::now(),
                )?;
            }
            Ok(())
        })
        .await?;
    }
    Ok(who
        .visitor
        .finish(see_other(&who.visitor.reader.localized("/staff/conflicts"))))
}
