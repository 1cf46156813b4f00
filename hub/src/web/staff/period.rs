//! The period a staff report page shows (`?from=DATE&to=DATE`, the last 30 days unless given,
//! at most a year), its form, and the page that says what is wrong with it.

use super::dashboard::{StaffVisitor, staff_page, to_login};
use crate::web::kit::WebState;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use maud::{Markup, html};
use serde::Deserialize;
use swalayan_core::format;
use swalayan_core::reason::Lang;

#[derive(Deserialize)]
pub struct PeriodQuery {
    pub(super) from: Option<String>,
    pub(super) to: Option<String>,
    pub(super) format: Option<String>,
    /// Which of a page's tables the CSV is, when it has more than one (`overdue`, `titles`,
    /// `channels`; `gates`, `hours`); the first (the command's rows) by default.
    pub(super) table: Option<String>,
    /// The day the visitors page follows hour by hour (the period's last by default).
    pub(super) day: Option<String>,
}

impl PeriodQuery {
    /// `&format=csv`: the table as the command's CSV.
    pub fn wants_csv(&self) -> bool {
        self.format.as_deref() == Some("csv")
    }

    /// `&format=xlsx`: the report as an Excel workbook (its CSV the first sheet).
    pub fn wants_xlsx(&self) -> bool {
        self.format.as_deref() == Some("xlsx")
    }
}

/// The longest period a page shows (a year and a day, for leap years).
pub(super) const MAX_DAYS: i64 = 366;

/// The period asked for, or the last 30 days; `Err` with the sentence when it is unusable.
pub(super) fn period(
    state: &WebState,
    lang: Lang,
    query: &PeriodQuery,
    default_from: fn(Date) -> Date,
) -> Result<(Date, Date), String> {
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(state.library.timezone.clone())
        .date();
    let parse = |text: &Option<String>, default: Date| match text.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => text.parse::<Date>().map_err(|_| match lang {
            Lang::Id => format!("Tanggal \"{text}\" tidak dikenali: tulis seperti 2026-12-01."),
            Lang::En => format!("The date \"{text}\" is not understood: write it like 2026-12-01."),
        }),
    };
    let to = parse(&query.to, today)?;
    let from = parse(&query.from, default_from(to))?;
    let days = (to - from).get_days();
    if days < 0 {
        return Err(lang
            .pick(
                "Tanggal akhir sebelum tanggal awal.",
                "The last day is before the first.",
            )
            .into());
    }
    if i64::from(days) >= MAX_DAYS {
        return Err(lang
            .pick("Pilih paling lama satu tahun.", "Choose at most one year.")
            .into());
    }
    Ok((from, to))
}

pub(super) fn period_form(
    reader: &crate::web::kit::lang::Reader,
    action: &str,
    from: Date,
    to: Date,
) -> Markup {
    let lang = reader.lang;
    html! {
        form.period method="get" action=(action) {
            @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
            label for="from" { (lang.pick("Dari", "From")) }
            " " input #from type="date" name="from" value=(from.to_string()); " "
            label for="to" { (lang.pick("sampai", "to")) }
            " " input #to type="date" name="to" value=(to.to_string()); " "
            button type="submit" { (lang.pick("Tampilkan", "Show")) }
        }
    }
}

/// Signed in and a usable period, or the response to send instead (the sign-in, or the
/// page with the sentence and 400).
#[allow(clippy::result_large_err)]
pub(super) fn checked(
    state: &WebState,
    who: &StaffVisitor,
    title: &str,
    path: &str,
    query: &PeriodQuery,
) -> Result<(Date, Date), Response> {
    checked_from(state, who, title, path, query, |to| {
        to.saturating_sub(jiff::Span::new().days(29))
    })
}

/// [`checked`] with the first day to show when the query gives none.
#[allow(clippy::result_large_err)]
pub(super) fn checked_from(
    state: &WebState,
    who: &StaffVisitor,
    title: &str,
    path: &str,
    query: &PeriodQuery,
    default_from: fn(Date) -> Date,
) -> Result<(Date, Date), Response> {
    if who.staff.is_none() {
        return Err(to_login(who));
    }
    period(state, who.visitor.reader.lang, query, default_from)
        .map_err(|sentence| bad_request(state, who, title, path, &sentence))
}

/// The page with only the sentence saying what is wrong with the query, and 400.
pub(super) fn bad_request(
    state: &WebState,
    who: &StaffVisitor,
    title: &str,
    path: &str,
    sentence: &str,
) -> Response {
    let body = html! { h1 { (title) } p.problem role="alert" { (sentence) } };
    let mut response = staff_page(state, who, title, path, body);
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
}

/// A short day label for a chart: "15 Des" / "15 Dec".
pub(super) fn day_label(date: Date, lang: Lang) -> String {
    let month: String = format::month(date, lang).chars().take(3).collect();
    format!("{} {month}", date.day())
}

/// The page's downloads: the CSV (`csv_link`, `…&format=csv`) and the same report as an Excel
/// workbook (`…&format=xlsx`).
pub(super) fn downloads(reader: &crate::web::kit::lang::Reader, csv_link: &str) -> maud::Markup {
    let lang = reader.lang;
    let xlsx_link = csv_link.replace("format=csv", "format=xlsx");
    maud::html! {
        p {
            a href=(reader.localized(csv_link)) { (lang.pick("Unduh CSV", "Download CSV")) }
            " · "
            a href=(reader.localized(&xlsx_link)) { (lang.pick("Unduh Excel (.xlsx)", "Download Excel (.xlsx)")) }
        }
    }
}
