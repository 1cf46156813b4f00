//! `/staff`: the library staff's own pages. Sign-in with name and password (`/staff/login`,
//! fields `user` and `password`, accounts from `swalayan-hub staff add`), a session in its
//! own `staff_sid` cookie (`Path=/staff; HttpOnly; SameSite=Strict`, Secure over HTTPS), the
//! same bound CSRF tokens and per-address attempt limit as the patrons' sign-in, and the
//! account re-read on every request, so a removed account or a changed password ends the
//! session at once (`staff passwd` from the command line included: the session remembers the
//! password hash's fingerprint it began under). Over HTTPS the cookie is `__Host-staff_sid`.
//!
//! Here: the stations (last seen, pending, conflicts, devices and alarms from their health
//! reports) and, for admins, the audit log of staff changes; the reports' pages are in
//! [`super::insight`]. Every table also as `?format=csv`.

use crate::staff::{self, StaffRole};
use crate::storage::{AuditLine, HubError, StationInfo};
use crate::web::kit::csv::csv_response;
use crate::web::kit::forms::{Visitor, forged, see_other};
use crate::web::kit::layout::{self, Page};
use crate::web::kit::session::{CookieNames, staff_cookie};
use crate::web::kit::{PageError, WebState, read_view};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use swalayan_core::reason::Lang;

/// A signed-in staff member, as the storage has them now.
pub struct SignedIn {
    pub name: String,
    pub role: StaffRole,
    session: String,
}

/// The staff member behind the request's `staff_sid` cookie, if the account still exists.
async fn signed_in(
    state: &WebState,
    parts_cookie: Option<String>,
) -> Result<Option<SignedIn>, HubError> {
    let Some(id) = parts_cookie else {
        return Ok(None);
    };
    let Some(session) = state.staff_sessions.get(&id) else {
        return Ok(None);
    };
    let storage = state.storage.clone();
    let name = session.who.clone();
    let account = tokio::task::spawn_blocking(move || staff::account(storage.as_ref(), &name))
        .await
        .map_err(|e| HubError::Corrupt(e.to_string()))??;
    let current = account.filter(|a| credential(&a.password_hash) == session.credential);
    match current.map(|a| (a.staff, a.role)) {
        Some((name, role)) => Ok(Some(SignedIn {
            name,
            role,
            session: id,
        })),
        None => {
            // Removed, or its password changed since: the session ends.
            state.staff_sessions.end(&id);
            Ok(None)
        }
    }
}

/// What a session remembers of the password it began under: a fingerprint of its hash (the
/// hash has a fresh salt each time, so any change of password changes it).
fn credential(password_hash: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(password_hash.as_bytes()))
}

/// The visitor and, when signed in, the staff member.
pub struct StaffVisitor {
    pub visitor: Visitor,
    pub staff: Option<SignedIn>,
}

impl axum::extract::FromRequestParts<WebState> for StaffVisitor {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &WebState,
    ) -> Result<StaffVisitor, PageError> {
        let visitor = match Visitor::from_request_parts(parts, state).await {
            Ok(visitor) => visitor,
            Err(never) => match never {},
        };
        let cookie = crate::web::kit::lang::cookie(parts, CookieNames::for_site(state.https).staff);
        let staff = signed_in(state, cookie)
            .await
            .map_err(|e| PageError::internal(visitor.reader.clone(), e))?;
        Ok(StaffVisitor { visitor, staff })
    }
}

/// A staff page: never indexed, never cached, with the staff menu above it.
pub(super) fn staff_page(
    state: &WebState,
    who: &StaffVisitor,
    title: &str,
    path: &str,
    body: Markup,
) -> Response {
    let visitor = &who.visitor;
    let lang = visitor.reader.lang;
    let reader = &visitor.reader;
    let menu = html! {
        @if let Some(staff) = &who.staff {
            nav.staff aria-label=(lang.pick("Menu petugas", "Staff menu")) {
                a href=(reader.localized("/staff")) { (lang.pick("Ringkasan", "At a glance")) }
                a href=(reader.localized("/staff/visitors")) { (lang.pick("Pengunjung", "Visitors")) }
                a href=(reader.localized("/staff/circulation")) { (lang.pick("Sirkulasi", "Circulation")) }
                a href=(reader.localized("/staff/events")) { (lang.pick("Acara", "Events")) }
                a href=(reader.localized("/staff/promotions")) { (lang.pick("Promosi", "Promotions")) }
                a href=(reader.localized("/staff/digital")) { (lang.pick("Koleksi digital", "Digital collection")) }
                a href=(reader.localized("/staff/routes")) { (lang.pick("Keliling", "Mobile library")) }
                a href=(reader.localized("/staff/feedback")) { (lang.pick("Saran", "Feedback")) }
                a href=(reader.localized("/staff/monthly")) { (lang.pick("Bulanan", "Monthly")) }
                a href=(reader.localized("/staff/annual")) { (lang.pick("Tahunan", "Annual")) }
                a href=(reader.localized("/staff/conflicts")) { (lang.pick("Konflik", "Conflicts")) }
                a href=(reader.localized("/staff/notifications")) { (lang.pick("Pemberitahuan", "Notifications")) }
                @if staff.role == StaffRole::Admin {
                    a href=(reader.localized("/staff/audit")) { (lang.pick("Log perubahan", "Audit log")) }
                }
                form.inline method="post" action="/staff/logout" {
                    (visitor.token_field())
                    span.muted { (staff.name) " (" (staff.role.code()) ") " }
                    button type="submit" { (lang.pick("Keluar", "Sign out")) }
                }
            }
        }
        (body)
    };
    let page = Page {
        title: title.to_string(),
        description: String::new(),
        path: path.to_string(),
        index: false,
        schema: None,
    };
    let mut response = layout::render(state, reader, &page, menu);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    visitor.finish(response)
}

pub(super) fn to_login(who: &StaffVisitor) -> Response {
    who.visitor
        .finish(see_other(&who.visitor.reader.localized("/staff/login")))
}

pub async fn login_page(State(state): State<WebState>, who: StaffVisitor) -> Response {
    if who.staff.is_some() {
        return who
            .visitor
            .finish(see_other(&who.visitor.reader.localized("/staff")));
    }
    login_form(&state, &who, None, StatusCode::OK)
}

fn login_form(
    state: &WebState,
    who: &StaffVisitor,
    problem: Option<&str>,
    status: StatusCode,
) -> Response {
    let lang = who.visitor.reader.lang;
    let body = html! {
        h1 { (lang.pick("Masuk petugas", "Staff sign-in")) }
        @if let Some(problem) = problem { p.problem role="alert" { (problem) } }
        form method="post" action="/staff/login" {
            (who.visitor.token_field())
            p {
                label for="user" { (lang.pick("Nama", "Name")) }
                input #user type="text" name="user" required autocomplete="username" maxlength="64";
            }
            p {
                label for="password" { (lang.pick("Kata sandi", "Password")) }
                input #password type="password" name="password" required autocomplete="current-password" maxlength="128";
            }
            button type="submit" { (lang.pick("Masuk", "Sign in")) }
        }
    };
    let mut response = staff_page(
        state,
        who,
        lang.pick("Masuk petugas", "Staff sign-in"),
        "/staff/login",
        body,
    );
    *response.status_mut() = status;
    response
}

#[derive(Deserialize)]
pub struct LoginForm {
    user: String,
    password: String,
    csrf: String,
}

pub async fn login(
    State(state): State<WebState>,
    who: StaffVisitor,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let visitor = &who.visitor;
    if !visitor.form_is_genuine(&form.csrf) {
        return Ok(forged(&state, visitor));
    }
    let lang = visitor.reader.lang;
    if !state.staff_sessions.may_attempt(visitor.from) {
        tracing::warn!(from = %visitor.from, "staff sign-in: too many attempts");
        let problem = lang.pick(
            "Terlalu banyak percobaan masuk dari perangkat ini. Tunggu 5 menit lalu coba lagi.",
            "Too many sign-in attempts from this device. Wait 5 minutes and try again.",
        );
        return Ok(login_form(
            &state,
            &who,
            Some(problem),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let (user, password) = (form.user.trim().to_string(), form.password);
    let account = read_view(&state, &visitor.reader, move |state| {
        staff::sign_in(state.storage.as_ref(), &user, &password)
    })
    .await?;
    let Some(account) = account else {
        tracing::info!(from = %visitor.from, "staff sign-in refused");
        let problem = lang.pick(
            "Nama atau kata sandi salah.",
            "The name or password is wrong.",
        );
        return Ok(login_form(
            &state,
            &who,
            Some(problem),
            StatusCode::UNAUTHORIZED,
        ));
    };
    let id = state
        .staff_sessions
        .start(&account.staff, &credential(&account.password_hash));
    tracing::info!(staff = %account.staff, "staff sign-in");
    let mut response = see_other(&visitor.reader.localized("/staff"));
    response
        .headers_mut()
        .append(header::SET_COOKIE, staff_cookie(&id, state.https, None));
    Ok(visitor.finish(response))
}

#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<WebState>,
    who: StaffVisitor,
    Form(form): Form<TokenForm>,
) -> Response {
    if !who.visitor.form_is_genuine(&form.csrf) {
        return forged(&state, &who.visitor);
    }
    if let Some(staff) = &who.staff {
        state.staff_sessions.end(&staff.session);
    }
    let mut response = see_other(&who.visitor.reader.localized("/staff/login"));
    response
        .headers_mut()
        .append(header::SET_COOKIE, staff_cookie("", state.https, Some(0)));
    who.visitor.finish(response)
}

#[derive(Deserialize)]
pub struct FormatQuery {
    format: Option<String>,
}

/// `/staff`: every station with what its last health report said.
pub async fn home(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<FormatQuery>,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    let reader = who.visitor.reader.clone();
    let csv = query.format.as_deref() == Some("csv");
    let (stations, glance, link) = read_view(&state, &reader, move |state| {
        let stations = state.storage.stations()?;
        let link = crate::ils::link::LinkState::saved(state.storage.as_ref())?;
        // The CSV is the stations' table only.
        let glance = if csv {
            None
        } else {
            Some(Glance::read(state)?)
        };
        Ok((stations, glance, link))
    })
    .await?;
    let rows: Vec<StationRow> = stations.iter().map(StationRow::from).collect();
    if csv {
        return Ok(csv_response(
            "stations.csv",
            &[
                "station",
                "role",
                "last_seen",
                "pending",
                "conflicts",
                "devices",
                "alarms",
                "revoked",
            ],
            rows.iter().map(StationRow::csv).collect(),
        ));
    }
    let lang = reader.lang;
    let conflicts: i64 = rows.iter().map(|r| r.conflicts).sum();
    let alarms: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| !r.alarms.is_empty())
        .map(|r| (r.station.as_str(), r.alarms.as_str()))
        .collect();
    let body = html! {
        h1 { (lang.pick("Ringkasan", "At a glance")) }
        @if let Some(glance) = &glance { (glance.render(&reader, conflicts, &alarms)) }
        (super::ils_link::section(link.as_ref(), &reader))
        h2 { (lang.pick("Stasiun", "Stations")) }
        p.muted { (lang.pick("Dari laporan kesehatan terakhir setiap stasiun.", "From each station's last health report.")) " "
            a href=(reader.localized("/staff?format=csv")) { (lang.pick("Unduh CSV", "Download CSV")) } }
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (lang.pick("Stasiun", "Station")) }
                th scope="col" { (lang.pick("Peran", "Role")) }
                th scope="col" { (lang.pick("Terakhir terhubung", "Last seen")) }
                th scope="col" { (lang.pick("Menunggu", "Pending")) }
                th scope="col" { (lang.pick("Konflik", "Conflicts")) }
                th scope="col" { (lang.pick("Perangkat", "Devices")) }
                th scope="col" { (lang.pick("Alarm", "Alarms")) }
            } }
            tbody { @for row in &rows {
                tr {
                    td { (row.station) @if row.revoked { " " span.muted { (lang.pick("(dicabut)", "(revoked)")) } } }
                    td { (row.role) }
                    td { (row.last_seen.as_deref().unwrap_or("—")) }
                    td { (row.pending.map_or("—".to_string(), |p| p.to_string())) }
                    td { @if row.conflicts > 0 { a href=(reader.localized("/staff/conflicts")) { (row.conflicts) } } @else { "0" } }
                    td { (row.devices) }
                    td { @if row.alarms.is_empty() { "—" } @else { strong.on-loan { (row.alarms) } } }
                }
            } }
        } }
    };
    Ok(staff_page(
        &state,
        &who,
        lang.pick("Ringkasan", "At a glance"),
        "/staff",
        body,
    ))
}

/// The dashboard's numbers: today and this month (the monthly summary's), who is inside
/// now, and the next events.
struct Glance {
    today: Option<crate::reports::MonthRow>,
    month: Option<crate::reports::MonthRow>,
    inside: i64,
    upcoming: Vec<(String, swalayan_core::contract::documents::EventDoc)>,
}

impl Glance {
    fn read(state: &WebState) -> Result<Glance, HubError> {
        let storage = state.storage.as_ref();
        let tz = &state.library.timezone;
        let now = state.library.local_now();
        let today = now.date();
        let summary = |from| -> Result<Option<crate::reports::MonthRow>, HubError> {
            Ok(crate::reports::monthly(storage, from, today, tz, now)?
                .rows
                .pop())
        };
        let hours = crate::reports::visitors(
            storage,
            today,
            today,
            tz,
            &state.library.timezone_name,
            swalayan_core::report::visitors::By::Hour,
            10.0,
            None,
        )?;
        let inside = hours
            .periods
            .iter()
            .fold(0i64, |inside, p| (inside + p.entries - p.exits).max(0));
        let upcoming = crate::events::list(storage)?
            .into_iter()
            .filter(|(_, e)| e.ends > now)
            .take(3)
            .collect();
        Ok(Glance {
            today: summary(today)?,
            month: summary(today.first_of_month())?,
            inside,
            upcoming,
        })
    }

    fn render(
        &self,
        reader: &crate::web::kit::lang::Reader,
        conflicts: i64,
        alarms: &[(&str, &str)],
    ) -> Markup {
        let lang = reader.lang;
        let tiles = |row: &crate::reports::MonthRow, inside: Option<i64>| {
            html! {
                ul.tiles {
                    li { strong { (row.visits) } (lang.pick("kunjungan", "visits")) }
                    @if let Some(inside) = inside { li { strong { (inside) } (lang.pick("di dalam sekarang", "inside now")) } }
                    li { strong { (row.loans) } (lang.pick("pinjam", "loans")) }
                    li { strong { (row.returns) } (lang.pick("kembali", "returns")) }
                    li { strong { (row.renewals) } (lang.pick("perpanjang", "renewals")) }
                    li { strong { (row.active_members) } (lang.pick("anggota aktif", "active members")) }
                    li { strong { (row.participants) } (lang.pick("peserta kegiatan", "programme participants")) }
                    li { strong { (row.feedback_average.map_or("–".to_string(), |a| format!("{a:.1}"))) } (lang.pick("nilai rata-rata", "average score")) }
                }
            }
        };
        html! {
            @if conflicts > 0 || !alarms.is_empty() {
                section aria-labelledby="attention" {
                    h2 #attention { (lang.pick("Perlu perhatian", "Needs attention")) }
                    ul {
                        @if conflicts > 0 { li { a href=(reader.localized("/staff/conflicts")) { (conflicts) " " (lang.pick("konflik menunggu", "conflicts awaiting staff")) } } }
                        @for (station, alarm) in alarms { li { strong.on-loan { (station) } ": " (alarm) } }
                    }
                }
            }
            @if let Some(today) = &self.today {
                h2 { (lang.pick("Hari ini", "Today")) }
                (tiles(today, Some(self.inside)))
            }
            @if let Some(month) = &self.month {
                h2 { (lang.pick("Bulan ini", "This month")) " " a href=(reader.localized("/staff/monthly")) { (lang.pick("(ringkasan bulanan)", "(monthly summary)")) } }
                (tiles(month, None))
            }
            @if !self.upcoming.is_empty() {
                h2 { (lang.pick("Acara mendatang", "Coming events")) }
                ul { @for (id, e) in &self.upcoming {
                    li { a href=(reader.localized(&format!("/staff/events/{id}"))) { (e.title_in(lang)) } " · "
                        (swalayan_core::format::span(e.starts, e.ends, lang)) " · "
                        (e.registered) @if let Some(c) = e.capacity { "/" (c) } " " (lang.pick("terdaftar", "registered")) }
                } }
            }
        }
    }
}

/// One station as the page and its CSV show it.
struct StationRow {
    station: String,
    role: &'static str,
    last_seen: Option<String>,
    pending: Option<i64>,
    conflicts: i64,
    devices: String,
    alarms: String,
    revoked: bool,
}

impl StationRow {
    fn from(info: &StationInfo) -> StationRow {
        let health = info.health.as_ref();
        let devices = health
            .map(|h| {
                h.devices
                    .iter()
                    .map(|d| format!("{}: {}", d.device, if d.ok { "ok" } else { "fault" }))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let alarms = health.map(|h| h.alarms.join("; ")).unwrap_or_default();
        StationRow {
            station: info.station.clone(),
            role: info.role.code(),
            last_seen: info.last_seen.clone(),
            pending: info.pending,
            conflicts: info.conflicts,
            devices,
            alarms,
            revoked: info.revoked,
        }
    }

    fn csv(&self) -> Vec<String> {
        vec![
            self.station.clone(),
            self.role.to_string(),
            self.last_seen.clone().unwrap_or_default(),
            self.pending.map(|p| p.to_string()).unwrap_or_default(),
            self.conflicts.to_string(),
            self.devices.clone(),
            self.alarms.clone(),
            self.revoked.to_string(),
        ]
    }
}

/// `/staff/audit`: the newest 500 changes staff made (admins only).
pub async fn audit(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<FormatQuery>,
) -> Result<Response, PageError> {
    let Some(staff) = &who.staff else {
        return Ok(to_login(&who));
    };
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    if staff.role != StaffRole::Admin {
        let body = html! {
            h1 { (lang.pick("Khusus admin", "Admins only")) }
            p { (lang.pick("Log perubahan hanya dapat dibaca oleh admin.", "Only admins may read the audit log.")) }
        };
        let mut response = staff_page(
            &state,
            &who,
            lang.pick("Khusus admin", "Admins only"),
            "/staff/audit",
            body,
        );
        *response.status_mut() = StatusCode::FORBIDDEN;
        return Ok(response);
    }
    let lines: Vec<AuditLine> =
        read_view(&state, &reader, |state| state.storage.audit_lines(500)).await?;
    if query.format.as_deref() == Some("csv") {
        return Ok(csv_response(
            "audit.csv",
            &["at", "staff", "action", "detail"],
            lines
                .iter()
                .map(|l| {
                    vec![
                        l.at.clone(),
                        l.staff.clone(),
                        l.action.clone(),
                        l.detail.clone(),
                    ]
                })
                .collect(),
        ));
    }
    let body = html! {
        h1 { (lang.pick("Log perubahan", "Audit log")) }
        p.muted { (audit_intro(lang)) " "
            a href=(reader.localized("/staff/audit?format=csv")) { (lang.pick("Unduh CSV", "Download CSV")) } }
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (lang.pick("Waktu", "When")) }
                th scope="col" { (lang.pick("Petugas", "Staff")) }
                th scope="col" { (lang.pick("Tindakan", "Action")) }
                th scope="col" { (lang.pick("Rincian", "Detail")) }
            } }
            tbody { @for line in &lines {
                tr { td { (line.at) } td { (line.staff) } td { (line.action) } td { (line.detail) } }
            } }
        } }
    };
    Ok(staff_page(
        &state,
        &who,
        lang.pick("Log perubahan", "Audit log"),
        "/staff/audit",
        body,
    ))
}

fn audit_intro(lang: Lang) -> &'static str {
    lang.pick(
        "Setiap perubahan oleh petugas, terbaru di atas (500 terakhir).",
        "Every change staff made, newest first (the last 500).",
    )
}
