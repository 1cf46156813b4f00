//! `/staff/notifications`: what the hub told patrons — waiting (quiet hours, a retry, a
//! channel's pace), failed or of unknown fate with the reason, and sent today — with the
//! contacts masked (staff need to see that a message went, not the number). `?format=csv`
//! downloads the last thirty days.

use super::dashboard::{StaffVisitor, staff_page, to_login};
use crate::storage::{Notice, NoticeFilter, NoticeStatus};
use crate::web::kit::csv::csv_response;
use crate::web::kit::{PageError, WebState, read_view};
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use serde::Deserialize;
use swalayan_core::contact::mask_contact;
use swalayan_core::reason::Lang;

/// The page and its CSV look this far back.
const WINDOW: SignedDuration = SignedDuration::from_hours(30 * 24);
/// At most this many messages are read for the page.
const LIMIT: u32 = 5_000;

#[derive(Deserialize)]
pub struct NotificationsQuery {
    format: Option<String>,
}

/// `/staff/notifications`.
pub async fn page(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<NotificationsQuery>,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let now = Timestamp::now();
    let rows = read_view(&state, &reader, move |state| {
        state.storage.notices(&NoticeFilter {
            status: None,
            since: now.checked_sub(WINDOW).ok(),
            limit: Some(LIMIT),
        })
    })
    .await?;
    if query.format.as_deref() == Some("csv") {
        return Ok(csv_response(
            "notifications.csv",
            &[
                "id",
                "created_at",
                "patron",
                "kind",
                "channel",
                "to",
                "status",
                "attempts",
                "last_error",
                "sent_at",
            ],
            rows.iter()
                .map(|n| {
                    vec![
                        n.id.to_string(),
                        n.created_at.clone(),
                        n.patron.clone(),
                        n.kind.code().to_string(),
                        n.channel.clone(),
                        mask_contact(&n.contact),
                        n.status.code().to_string(),
                        n.attempts.to_string(),
                        n.last_error.clone().unwrap_or_default(),
                        n.sent_at.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        ));
    }
    let today = now.to_zoned_datetime(state.library.timezone.clone()).date();
    let sent_today = |n: &&Notice| {
        n.status == NoticeStatus::Sent
            && n.sent_at
                .as_deref()
                .and_then(|at| at.parse::<Timestamp>().ok())
                .is_some_and(|at| {
                    at.to_zoned_datetime(state.library.timezone.clone()).date() == today
                })
    };
    let waiting: Vec<&Notice> = rows
        .iter()
        .filter(|n| matches!(n.status, NoticeStatus::Pending | NoticeStatus::Sending))
        .collect();
    let failed: Vec<&Notice> = rows
        .iter()
        .filter(|n| matches!(n.status, NoticeStatus::Failed | NoticeStatus::Unknown))
        .collect();
    let sent: Vec<&Notice> = rows.iter().filter(sent_today).collect();
    let title = lang.pick("Pemberitahuan", "Notifications");
    let body = html! {
        h1 { (title) }
        p.muted { (lang.pick(
            "Pesan kepada anggota yang menyetujuinya (WhatsApp, SMS, e-mail). Nomor dan alamat disamarkan.",
            "Messages to patrons who agreed to them (WhatsApp, SMS, e-mail). Numbers and addresses are masked.")) }
        p { a href=(reader.localized("/staff/notifications?format=csv")) { (lang.pick("Unduh CSV (30 hari)", "Download CSV (30 days)")) } }
        (table(lang, "notify-failed", lang.pick("Gagal atau tidak pasti", "Failed or uncertain"), &failed, true,
            lang.pick("Tidak ada yang gagal.", "Nothing failed.")))
        (table(lang, "notify-waiting", lang.pick("Menunggu dikirim", "Waiting to be sent"), &waiting, true,
            lang.pick("Tidak ada yang menunggu.", "Nothing waits.")))
        (table(lang, "notify-sent", lang.pick("Terkirim hari ini", "Sent today"), &sent, false,
            lang.pick("Belum ada yang terkirim hari ini.", "Nothing sent yet today.")))
    };
    Ok(staff_page(
        &state,
        &who,
        title,
        "/staff/notifications",
        body,
    ))
}

/// One section's table.
fn table(
    lang: Lang,
    id: &str,
    heading: &str,
    rows: &[&Notice],
    reason: bool,
    none: &str,
) -> Markup {
    html! {
        section aria-labelledby=(id) {
            h2 id=(id) { (heading) " (" (rows.len()) ")" }
            @if rows.is_empty() {
                p.ok role="status" { (none) }
            } @else {
                table {
                    thead { tr {
                        th scope="col" { (lang.pick("Dibuat", "Created")) }
                        th scope="col" { (lang.pick("Anggota", "Patron")) }
                        th scope="col" { (lang.pick("Pesan", "Message")) }
                        th scope="col" { (lang.pick("Saluran", "Channel")) }
                        th scope="col" { (lang.pick("Kepada", "To")) }
                        th scope="col" { (lang.pick("Status", "Status")) }
                        th scope="col" { (lang.pick("Percobaan", "Tries")) }
                        @if reason { th scope="col" { (lang.pick("Alasan", "Reason")) } }
                    } }
                    tbody { @for n in rows {
                        tr {
                            td { (n.created_at) }
                            td { (n.patron) }
                            td { (n.kind.label(lang)) }
                            td { (n.channel) }
                            td { (mask_contact(&n.contact)) }
                            td { (status_label(n.status, lang)) }
                            td { (n.attempts) }
                            @if reason { td { (n.last_error.as_deref().unwrap_or("")) } }
                        }
                    } }
                }
            }
        }
    }
}

fn status_label(status: NoticeStatus, lang: Lang) -> &'static str {
    match status {
        NoticeStatus::Pending => lang.pick("menunggu", "waiting"),
        NoticeStatus::Sending => lang.pick("sedang dikirim", "sending"),
        NoticeStatus::Sent => lang.pick("terkirim", "sent"),
        NoticeStatus::Failed => lang.pick("gagal", "failed"),
        NoticeStatus::Unknown => lang.pick(
            "tidak pasti (hub berhenti saat mengirim)",
            "unknown (the hub stopped while sending)",
        ),
    }
}
