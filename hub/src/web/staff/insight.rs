//! The staff's report pages — visitors, circulation, feedback — each the same numbers as its
//! `swalayan-hub report ...` command (both call [`crate::reports`]), as an SVG chart drawn on
//! the server, tables beneath it for screen readers, and `&format=csv` giving the command's
//! CSV byte for byte. A period is `?from=DATE&to=DATE` (the last 30 days unless given, at
//! most a year).

use super::chart::{self, Series};
use super::dashboard::{StaffVisitor, staff_page};
use super::period::{PeriodQuery, bad_request, checked, checked_from, day_label, period_form};
use crate::reports::sheets;
use crate::web::kit::csv::{csv_download, csv_response, xlsx_download};
use crate::web::kit::{PageError, WebState, read_view};
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::civil::Date;
use maud::{Markup, html};
use swalayan_core::format;
use swalayan_core::reason::Lang;

/// `/staff/circulation?from=&to=`: loans, returns and renewals per day and station.
pub async fn circulation(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let title = lang.pick("Sirkulasi", "Circulation");
    let (from, to) = match checked(&state, &who, title, "/staff/circulation", &query) {
        Ok(period) => period,
        Err(response) => return Ok(response),
    };
    let report = read_view(&state, &reader, move |state| {
        crate::reports::circulation(state.storage.as_ref(), from, to, &state.library.timezone)
    })
    .await?;
    if query.wants_csv() {
        return Ok(circulation_csv(&report, query.table.as_deref()));
    }
    if query.wants_xlsx() {
        return xlsx_download("circulation.xlsx", &sheets::circulation(&report))
            .map_err(|e| PageError::internal(reader, e));
    }
    let series = [
        Series {
            name: lang.pick("Pinjam", "Loans"),
            class: "s0",
        },
        Series {
            name: lang.pick("Kembali", "Returns"),
            class: "s1",
        },
        Series {
            name: lang.pick("Perpanjang", "Renewals"),
            class: "s2",
        },
    ];
    let per_day = report.per_day();
    let points: Vec<(String, Vec<u64>)> = per_day
        .iter()
        .map(|(d, l, r, n)| (day_label(*d, lang), vec![*l, *r, *n]))
        .collect();
    let csv_link = format!("/staff/circulation?from={from}&to={to}&format=csv");
    let body = html! {
        h1 { (title) }
        (period_form(&reader, "/staff/circulation", from, to))
        (chart::bars(&format!("{title}: {} – {}", format::date_only(from, lang), format::date_only(to, lang)), &series, &points))
        h2 { (lang.pick("Per stasiun", "Per station")) }
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (lang.pick("Stasiun", "Station")) }
                th scope="col" { (series[0].name) } th scope="col" { (series[1].name) } th scope="col" { (series[2].name) }
            } }
            tbody { @for (station, l, r, n) in report.per_station() {
                tr { td { (station) } td { (l) } td { (r) } td { (n) } }
            } }
        } }
        (circulation_more(&reader, &report, &csv_link))
        h2 { (lang.pick("Per hari", "Per day")) }
        (super::period::downloads(&reader, &csv_link))
        div.table-wrap { table.rows {
            thead { tr {
                th scope="col" { (lang.pick("Tanggal", "Date")) }
                th scope="col" { (lang.pick("Stasiun", "Station")) }
                th scope="col" { (series[0].name) } th scope="col" { (series[1].name) } th scope="col" { (series[2].name) }
            } }
            tbody { @for row in &report.rows {
                tr { td { (format::date_only(row.date, lang)) } td { (row.station) } td { (row.loans) } td { (row.returns) } td { (row.renewals) } }
            } }
        } }
    };
    Ok(staff_page(&state, &who, title, "/staff/circulation", body))
}

/// The circulation page's other tables as CSV (`&table=overdue|titles|channels`), or the
/// command's rows.
fn circulation_csv(report: &crate::reports::CirculationReport, table: Option<&str>) -> Response {
    let text = |v: &dyn ToString| v.to_string();
    match table {
        Some("overdue") => csv_response(
            "overdue.csv",
            &[
                "item",
                "title",
                "patron",
                "patron_name",
                "due",
                "days_overdue",
                "station",
            ],
            report
                .overdue
                .iter()
                .map(|o| {
                    vec![
                        o.item.clone(),
                        o.title.clone().unwrap_or_default(),
                        o.patron.clone(),
                        o.patron_name.clone().unwrap_or_default(),
                        text(&o.due),
                        text(&o.days_overdue),
                        o.station.clone(),
                    ]
                })
                .collect(),
        ),
        Some("titles") => csv_response(
            "top-titles.csv",
            &["title", "loans"],
            report
                .top_titles
                .iter()
                .map(|t| vec![t.title.clone(), text(&t.loans)])
                .collect(),
        ),
        Some("channels") => csv_response(
            "channels.csv",
            &["channel", "transactions"],
            report
                .channels
                .iter()
                .map(|c| vec![c.channel.clone(), text(&c.transactions)])
                .collect(),
        ),
        _ => csv_download("circulation.csv", report.csv()),
    }
}

/// The channel's name as staff read it.
fn channel_name(channel: &str, lang: Lang) -> String {
    match channel {
        "kiosk" => lang.pick("Kios swalayan", "Self-service kiosk").into(),
        "dropbox" => lang.pick("Kotak pengembalian", "Drop box").into(),
        "web" => lang.pick("Situs web", "Website").into(),
        "desk" => lang.pick("Meja layanan", "Service desk").into(),
        "mobile" => lang.pick("Perpustakaan keliling", "Mobile library").into(),
        other => other.to_string(),
    }
}

/// Self-service share, fines, the most borrowed titles and overdue copies.
fn circulation_more(
    reader: &crate::web::kit::lang::Reader,
    report: &crate::reports::CirculationReport,
    csv_link: &str,
) -> Markup {
    let lang = reader.lang;
    let money = |h: i64| format::money(swalayan_core::domain::Money::from_hundredths(h), lang);
    let table_link = |table: &str| reader.localized(&format!("{csv_link}&table={table}"));
    html! {
        h2 { (lang.pick("Swalayan dan saluran lain", "Self-service and other channels")) }
        @match report.self_service_share {
            Some(share) => p { strong { (format!("{:.1}", share * 100.0).replace('.', if lang == Lang::Id { "," } else { "." })) " %" }
                " " (lang.pick("dari semua peminjaman, pengembalian dan perpanjangan yang diketahui hub dilakukan di kios dan kotak pengembalian.",
                    "of all loans, returns and renewals the hub knows were made at kiosks and drop boxes.")) },
            None => p.muted { (lang.pick("Belum ada transaksi dalam periode ini.", "No transactions in this period.")) },
        }
        @if !report.channels.is_empty() {
            p { a href=(table_link("channels")) { (lang.pick("Unduh CSV", "Download CSV")) } }
            div.table-wrap { table {
                thead { tr { th scope="col" { (lang.pick("Saluran", "Channel")) } th scope="col" { (lang.pick("Transaksi", "Transactions")) } } }
                tbody { @for c in &report.channels { tr { td { (channel_name(&c.channel, lang)) } td { (c.transactions) } } } }
            } }
        }
        h2 { (lang.pick("Denda", "Fines")) }
        p { (lang.pick("Dikenakan dalam periode ini: ", "Charged in this period: ")) strong { (money(report.fines_charged)) }
            " · " (lang.pick("Belum dibayar oleh semua anggota: ", "Owed by all members now: ")) strong { (money(report.fines_outstanding)) } }
        h2 { (lang.pick("Judul terlaris", "Most borrowed titles")) }
        @if report.top_titles.is_empty() {
            p.muted { (lang.pick("Belum ada peminjaman dalam periode ini.", "No loans in this period.")) }
        } @else {
            p { a href=(table_link("titles")) { (lang.pick("Unduh CSV", "Download CSV")) } }
            div.table-wrap { table {
                thead { tr { th scope="col" { "#" } th scope="col" { (lang.pick("Judul", "Title")) } th scope="col" { (lang.pick("Pinjam", "Loans")) } } }
                tbody { @for (n, t) in report.top_titles.iter().enumerate() { tr { td { (n + 1) } td { (t.title) } td { (t.loans) } } } }
            } }
        }
        h2 { (lang.pick("Terlambat dikembalikan", "Overdue")) " (" (report.overdue.len()) ")" }
        @if report.overdue.is_empty() {
            p.muted { (lang.pick("Tidak ada buku yang terlambat.", "Nothing is overdue.")) }
        } @else {
            p { a href=(table_link("overdue")) { (lang.pick("Unduh CSV", "Download CSV")) } }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (lang.pick("Eksemplar", "Copy")) }
                    th scope="col" { (lang.pick("Judul", "Title")) }
                    th scope="col" { (lang.pick("Anggota", "Member")) }
                    th scope="col" { (lang.pick("Jatuh tempo", "Due")) }
                    th scope="col" { (lang.pick("Hari terlambat", "Days overdue")) }
                } }
                tbody { @for o in &report.overdue {
                    tr {
                        td { (o.item) } td { (o.title.clone().unwrap_or_default()) }
                        td { (o.patron_name.clone().unwrap_or_default()) " (" (o.patron) ")" }
                        td { (format::date_only(o.due, lang)) } td { (o.days_overdue) }
                    }
                } }
            } }
        }
    }
}

/// `/staff/visitors?from=&to=`: entries and exits per day from every gate, the busiest hours,
/// days whose counts disagree flagged — `report visitors` (by day) in the library's time zone.
pub async fn visitors(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let title = lang.pick("Pengunjung", "Visitors");
    let (from, to) = match checked(&state, &who, title, "/staff/visitors", &query) {
        Ok(period) => period,
        Err(response) => return Ok(response),
    };
    let day = match query
        .day
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => to,
        Some(text) => match text.parse::<Date>() {
            Ok(day) => day,
            Err(_) => {
                let sentence = match lang {
                    Lang::Id => {
                        format!("Tanggal \"{text}\" tidak dikenali: tulis seperti 2026-12-01.")
                    }
                    Lang::En => {
                        format!("The date \"{text}\" is not understood: write it like 2026-12-01.")
                    }
                };
                return Ok(bad_request(
                    &state,
                    &who,
                    title,
                    "/staff/visitors",
                    &sentence,
                ));
            }
        },
    };
    let tz_name = state.library.timezone_name.clone();
    let (report, gates, hours) = read_view(&state, &reader, move |state| {
        let storage = state.storage.as_ref();
        let tz = &state.library.timezone;
        let of = |from, to, by, gate: Option<&str>| {
            crate::reports::visitors(storage, from, to, tz, &tz_name, by, SUSPECT_PERCENT, gate)
        };
        use swalayan_core::report::visitors::By;
        let report = of(from, to, By::Day, None)?;
        let gates = crate::reports::gates(storage, from, to, tz)?
            .into_iter()
            .map(|gate| Ok((of(from, to, By::Day, Some(&gate))?, gate)))
            .collect::<Result<Vec<_>, crate::storage::HubError>>()?;
        let hours = of(day, day, By::Hour, None)?;
        Ok((report, gates, hours))
    })
    .await?;
    // Occupancy: who is inside at the end of each hour (entries so far less exits so far).
    let mut inside = 0i64;
    let hourly: Vec<(String, i64, i64, i64)> = hours
        .periods
        .iter()
        .map(|p| {
            inside = (inside + p.entries - p.exits).max(0);
            let hour = p.period.rsplit('T').next().unwrap_or(&p.period).to_string();
            (hour, p.entries, p.exits, inside)
        })
        .collect();
    if query.wants_xlsx() {
        return xlsx_download("visitors.xlsx", &sheets::visitors(&report))
            .map_err(|e| PageError::internal(reader, e));
    }
    if query.wants_csv() {
        return Ok(match query.table.as_deref() {
            Some("gates") => csv_response(
                "visitors-gates.csv",
                &["gate", "entries", "exits", "visits", "suspect_days"],
                gates
                    .iter()
                    .map(|(r, gate)| {
                        vec![
                            gate.clone(),
                            r.entries.to_string(),
                            r.exits.to_string(),
                            r.visits.to_string(),
                            r.days.iter().filter(|d| d.suspect).count().to_string(),
                        ]
                    })
                    .collect(),
            ),
            Some("hours") => csv_response(
                "visitors-hours.csv",
                &["hour", "entries", "exits", "occupancy"],
                hourly
                    .iter()
                    .map(|(h, e, x, o)| {
                        vec![h.clone(), e.to_string(), x.to_string(), o.to_string()]
                    })
                    .collect(),
            ),
            _ => csv_download(
                "visitors.csv",
                swalayan_core::report::visitors::csv(&report),
            ),
        });
    }
    let series = [
        Series {
            name: lang.pick("Masuk", "Entries"),
            class: "s0",
        },
        Series {
            name: lang.pick("Keluar", "Exits"),
            class: "s1",
        },
    ];
    let points: Vec<(String, Vec<u64>)> = report
        .days
        .iter()
        .map(|d| {
            (
                day_label(d.date, lang),
                vec![count(d.entries), count(d.exits)],
            )
        })
        .collect();
    let csv_link = format!("/staff/visitors?from={from}&to={to}&format=csv");
    let body = html! {
        h1 { (title) }
        (period_form(&reader, "/staff/visitors", from, to))
        p { strong { (report.visits) } " " (lang.pick("kunjungan", "visits")) " · "
            (report.entries) " " (lang.pick("masuk", "entries")) " · " (report.exits) " " (lang.pick("keluar", "exits")) }
        (chart::bars(&format!("{title}: {} – {}", format::date_only(from, lang), format::date_only(to, lang)), &series, &points))
        @if !report.busiest_hours.is_empty() {
            h2 { (lang.pick("Jam tersibuk", "Busiest hours")) }
            ol { @for h in &report.busiest_hours {
                li { (format!("{:02}.00–{:02}.00", h.hour, h.hour + 1)) ": " (h.entries) " " (lang.pick("masuk", "entries")) }
            } }
        }
        h2 { (lang.pick("Per hari", "Per day")) }
        (super::period::downloads(&reader, &csv_link))
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (lang.pick("Tanggal", "Date")) }
                th scope="col" { (series[0].name) } th scope="col" { (series[1].name) }
                th scope="col" { (lang.pick("Kunjungan", "Visits")) }
                th scope="col" { (lang.pick("Periksa", "Check")) }
            } }
            tbody { @for d in &report.days {
                tr {
                    td { (format::date_only(d.date, lang)) } td { (d.entries) } td { (d.exits) } td { (d.visits) }
                    td { @if d.suspect { strong.on-loan { (lang.pick("masuk dan keluar berbeda jauh: periksa sensor", "entries and exits differ: check the beams")) } } }
                }
            } }
        } }
        h2 { (lang.pick("Per gerbang", "Per gate")) }
        p { a href=(reader.localized(&format!("{csv_link}&table=gates"))) { (lang.pick("Unduh CSV", "Download CSV")) } }
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (lang.pick("Gerbang", "Gate")) }
                th scope="col" { (series[0].name) } th scope="col" { (series[1].name) }
                th scope="col" { (lang.pick("Kunjungan", "Visits")) }
                th scope="col" { (lang.pick("Hari perlu diperiksa", "Days to check")) }
            } }
            tbody { @for (r, gate) in &gates {
                tr { td { (gate) } td { (r.entries) } td { (r.exits) } td { (r.visits) }
                     td { (r.days.iter().filter(|d| d.suspect).count()) } }
            } }
        } }
        h2 { (lang.pick("Jam demi jam: ", "Hour by hour: ")) (format::date_only(day, lang)) }
        form.period method="get" action="/staff/visitors" {
            @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
            input type="hidden" name="from" value=(from.to_string());
            input type="hidden" name="to" value=(to.to_string());
            label for="day" { (lang.pick("Hari", "Day")) } " "
            input #day type="date" name="day" value=(day.to_string()); " "
            button type="submit" { (lang.pick("Tampilkan", "Show")) }
        }
        (chart::bars(&format!("{}: {}", lang.pick("Di dalam gedung", "Inside the building"), format::date_only(day, lang)),
            &[Series { name: lang.pick("Di dalam", "Inside"), class: "s2" }],
            &hourly.iter().map(|(h, _, _, o)| (format!("{h}.00"), vec![count(*o)])).collect::<Vec<_>>()))
        p { a href=(reader.localized(&format!("/staff/visitors?from={from}&to={to}&day={day}&format=csv&table=hours"))) { (lang.pick("Unduh CSV", "Download CSV")) } }
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (lang.pick("Jam", "Hour")) }
                th scope="col" { (series[0].name) } th scope="col" { (series[1].name) }
                th scope="col" { (lang.pick("Di dalam (akhir jam)", "Inside (end of hour)")) }
            } }
            tbody { @for (h, e, x, o) in &hourly {
                tr { td { (h) ".00" } td { (e) } td { (x) } td { (o) } }
            } }
        } }
        p.muted { (report.method) }
    };
    Ok(staff_page(&state, &who, title, "/staff/visitors", body))
}

/// A day whose entries and exits differ by more than this share is flagged (the command's
/// default).
const SUSPECT_PERCENT: f64 = 10.0;

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// `/staff/feedback?from=&to=`: responses and the average score per day and station, and
/// what patrons wrote.
pub async fn feedback(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let title = lang.pick("Saran dan nilai", "Feedback");
    let (from, to) = match checked(&state, &who, title, "/staff/feedback", &query) {
        Ok(period) => period,
        Err(response) => return Ok(response),
    };
    let report = read_view(&state, &reader, move |state| {
        crate::reports::feedback(state.storage.as_ref(), from, to, &state.library.timezone)
    })
    .await?;
    if query.wants_csv() {
        return Ok(csv_download("feedback.csv", report.csv()));
    }
    if query.wants_xlsx() {
        let tables = sheets::feedback(&report, &state.library.timezone);
        return xlsx_download("feedback.xlsx", &tables).map_err(|e| PageError::internal(reader, e));
    }
    let series = [Series {
        name: lang.pick("Tanggapan", "Responses"),
        class: "s0",
    }];
    let points: Vec<(String, Vec<u64>)> = report
        .per_day()
        .iter()
        .map(|(d, n, _)| (day_label(*d, lang), vec![*n]))
        .collect();
    let csv_link = format!("/staff/feedback?from={from}&to={to}&format=csv");
    let tz = state.library.timezone.clone();
    let body = html! {
        h1 { (title) }
        (period_form(&reader, "/staff/feedback", from, to))
        (chart::bars(&format!("{}: {} – {}", series[0].name, format::date_only(from, lang), format::date_only(to, lang)), &series, &points))
        h2 { (lang.pick("Per hari dan stasiun", "Per day and station")) }
        (super::period::downloads(&reader, &csv_link))
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (lang.pick("Tanggal", "Date")) }
                th scope="col" { (lang.pick("Stasiun", "Station")) }
                th scope="col" { (series[0].name) }
                th scope="col" { (lang.pick("Nilai rata-rata (1–5)", "Average score (1–5)")) }
            } }
            tbody { @for row in &report.rows {
                tr { td { (format::date_only(row.date, lang)) } td { (row.station) } td { (row.responses) } td { (format!("{:.2}", row.average)) } }
            } }
        } }
        h2 { (lang.pick("Komentar", "Comments")) }
        @if report.comments.is_empty() {
            p.muted { (lang.pick("Tidak ada komentar dalam periode ini.", "No comments in this period.")) }
        } @else {
            ul.plain { @for c in &report.comments {
                li.result {
                    p { (c.comment) }
                    p.muted { (format::date_only(c.at.to_zoned_datetime(tz.clone()).date(), lang)) " · " (c.station) " · " (c.score) "/5" }
                }
            } }
        }
    };
    Ok(staff_page(&state, &who, title, "/staff/feedback", body))
}

/// `/staff/monthly?from=&to=`: the monthly summary libraries report upward (`report
/// monthly`), the last twelve months unless asked.
pub async fn monthly(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let title = lang.pick("Ringkasan bulanan", "Monthly summary");
    let first_of_year_ago = |to: Date| {
        to.first_of_month()
            .saturating_sub(jiff::Span::new().months(11))
    };
    let (from, to) = match checked_from(
        &state,
        &who,
        title,
        "/staff/monthly",
        &query,
        first_of_year_ago,
    ) {
        Ok(period) => period,
        Err(response) => return Ok(response),
    };
    let report = read_view(&state, &reader, move |state| {
        crate::reports::monthly(
            state.storage.as_ref(),
            from,
            to,
            &state.library.timezone,
            state.library.local_now(),
        )
    })
    .await?;
    if query.wants_csv() {
        return Ok(csv_download("monthly.csv", report.csv()));
    }
    if query.wants_xlsx() {
        return xlsx_download("monthly.xlsx", &sheets::monthly(&report))
            .map_err(|e| PageError::internal(reader, e));
    }
    let series = [
        Series {
            name: lang.pick("Kunjungan", "Visits"),
            class: "s0",
        },
        Series {
            name: lang.pick("Pinjam", "Loans"),
            class: "s1",
        },
    ];
    let points: Vec<(String, Vec<u64>)> = report
        .rows
        .iter()
        .map(|r| (r.month.clone(), vec![count(r.visits), r.loans]))
        .collect();
    let csv_link = format!("/staff/monthly?from={from}&to={to}&format=csv");
    let dash = "–".to_string();
    let body = html! {
        h1 { (title) }
        (period_form(&reader, "/staff/monthly", from, to))
        (chart::bars(&format!("{title}: {} – {}", format::date_only(from, lang), format::date_only(to, lang)), &series, &points))
        (super::period::downloads(&reader, &csv_link))
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (lang.pick("Bulan", "Month")) }
                th scope="col" { (lang.pick("Kunjungan", "Visits")) }
                th scope="col" { (lang.pick("Anggota baru", "New members")) }
                th scope="col" { (lang.pick("Anggota aktif", "Active members")) }
                th scope="col" { (lang.pick("Pinjam", "Loans")) }
                th scope="col" { (lang.pick("Kembali", "Returns")) }
                th scope="col" { (lang.pick("Perpanjang", "Renewals")) }
                th scope="col" { (lang.pick("Kegiatan", "Programmes")) }
                th scope="col" { (lang.pick("Peserta", "Participants")) }
                th scope="col" { (lang.pick("Tanggapan", "Feedback")) }
                th scope="col" { (lang.pick("Nilai rata-rata", "Average score")) }
            } }
            tbody { @for r in &report.rows {
                tr {
                    td { (r.month) } td { (r.visits) }
                    td { (r.new_members.map_or(dash.clone(), |n| n.to_string())) }
                    td { (r.active_members) } td { (r.loans) } td { (r.returns) } td { (r.renewals) }
                    td { (r.programmes) } td { (r.participants) } td { (r.feedback_responses) }
                    td { (r.feedback_average.map_or(dash.clone(), |a| format!("{a:.2}"))) }
                }
            } }
        } }
        p.muted { (lang.pick(
            "Anggota aktif: kartu berbeda yang meminjam dalam bulan itu. Anggota baru tidak tercatat di hub: data anggota diimpor dari sistem perpustakaan tanpa tanggal pendaftaran.",
            "Active members: distinct cards that borrowed that month. New members are not known to the hub: members are imported from the library's system without a joining date.")) }
    };
    Ok(staff_page(&state, &who, title, "/staff/monthly", body))
}
