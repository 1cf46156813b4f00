//! `/staff/annual?year=2026`: the year's figures for the national library census (issue #32),
//! the same as `swalayan-hub report annual` — each figure with where it came from, the notes
//! that say what is an estimate or missing — with `&format=csv` (the command's CSV byte for
//! byte) and `&format=xlsx` (its workbook).

use super::dashboard::{StaffVisitor, staff_page, to_login};
use crate::reports::{AnnualReport, sheets};
use crate::web::kit::csv::{csv_download, xlsx_download};
use crate::web::kit::{PageError, WebState, read_view};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use swalayan_core::reason::Lang;

#[derive(Deserialize, Default)]
pub struct AnnualQuery {
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

/// `/staff/annual`.
pub async fn page(
    State(state): State<WebState>,
    who: StaffVisitor,
    Query(query): Query<AnnualQuery>,
) -> Result<Response, PageError> {
    if who.staff.is_none() {
        return Ok(to_login(&who));
    }
    let reader = who.visitor.reader.clone();
    let lang = reader.lang;
    let title = lang.pick("Laporan tahunan", "Annual report");
    let now = state.library.local_now();
    let year = match query
        .year
        .as_deref()
        .map(str::trim)
        .filter(|y| !y.is_empty())
    {
        None => now.year(),
        Some(text) => match text
            .parse::<i16>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
        {
            Some(year) => year,
            None => {
                let sentence = match lang {
                    Lang::Id => format!("Tahun \"{text}\" tidak dikenali: tulis seperti 2026."),
                    Lang::En => {
                        format!("The year \"{text}\" is not understood: write it like 2026.")
                    }
                };
                let body = html! { h1 { (title) } p.problem role="alert" { (sentence) } };
                let mut response = staff_page(&state, &who, title, "/staff/annual", body);
                *response.status_mut() = StatusCode::BAD_REQUEST;
                return Ok(response);
            }
        },
    };
    let report = read_view(&state, &reader, move |state| {
        crate::reports::annual(state.storage.as_ref(), &state.library, year, now)
    })
    .await?;
    match query.format.as_deref() {
        Some("csv") => return Ok(csv_download(&format!("annual-{year}.csv"), report.csv())),
        Some("xlsx") => {
            return xlsx_download(&format!("annual-{year}.xlsx"), &sheets::annual(&report))
                .map_err(|e| PageError::internal(reader, e));
        }
        _ => {}
    }
    let csv_link = format!("/staff/annual?year={year}&format=csv");
    let body = html! {
        h1 { (title) " " (year) }
        form.period method="get" action="/staff/annual" {
            label for="year" { (lang.pick("Tahun", "Year")) }
            input #year type="number" name="year" value=(year) min="2000" max="2100";
            @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
            button type="submit" { (lang.pick("Tampilkan", "Show")) }
        }
        (super::period::downloads(&reader, &csv_link))
        (tiles(&report, lang))
        @if !report.notes.is_empty() {
            h2 { (lang.pick("Catatan", "Notes")) }
            ul { @for note in (if lang == Lang::Id { &report.notes_id } else { &report.notes }) { li { (note) } } }
        }
        @if !report.mobile.by_kelurahan.is_empty() {
            h2 { (lang.pick("Perpustakaan keliling per kelurahan", "Mobile library by kelurahan")) }
            (super::routes::by_kelurahan_table(&report.mobile.by_kelurahan, lang))
        }
        h2 { (lang.pick("Semua angka dan sumbernya", "Every figure and its source")) }
        div.table-wrap { table {
            thead { tr {
                th scope="col" { (lang.pick("Angka", "Figure")) }
                th scope="col" { (lang.pick("Nilai", "Value")) }
                th scope="col" { (lang.pick("Sumber", "Source")) }
            } }
            tbody { @for (name, value) in report.figures() {
                tr {
                    td { (label(&name, lang)) br; small.muted { (name) } }
                    td { (if value.is_empty() { "—".to_string() } else { value }) }
                    td { (source_in(&report, &name, lang)) }
                }
            } }
        } }
    };
    Ok(staff_page(&state, &who, title, "/staff/annual", body))
}

/// The census's headline figures as tiles.
fn tiles(report: &AnnualReport, lang: Lang) -> maud::Markup {
    let tile = |n: String, label: &str| html! { li { strong { (n) } (label) } };
    html! {
        ul.tiles {
            (tile(report.collection.titles.to_string(), lang.pick("judul", "titles")))
            (tile(report.collection.copies.to_string(), lang.pick("eksemplar", "copies")))
            (tile(report.members.registered.to_string(), lang.pick("anggota", "members")))
            (tile(report.members.new.to_string(), lang.pick("anggota baru", "new members")))
            (tile(report.visits.total.to_string(), lang.pick("kunjungan", "visits")))
            (tile(report.loans.total.to_string(), lang.pick("peminjaman", "loans")))
            (tile(report.programmes.participants.to_string(), lang.pick("peserta kegiatan", "programme participants")))
        }
    }
}

/// Where a figure came from, in the reader's language (the report's own words are English,
/// as the command prints them).
fn source_in(report: &AnnualReport, name: &str, lang: Lang) -> String {
    let english = report.source_of(name);
    if lang == Lang::En || english.is_empty() {
        return english;
    }
    let group = |prefix: &str| name == prefix || name.starts_with(&format!("{prefix}."));
    let indonesian = if group("collection.titles") {
        "katalog hub: judul saat ini"
    } else if group("collection.copies") {
        "katalog hub: eksemplar saat ini"
    } else if group("collection.by_item_type") {
        "katalog hub: eksemplar saat ini menurut jenis koleksi kebijakan"
    } else if group("collection.added") {
        "judul yang eksemplar pertamanya diadakan tahun ini (tanggal pengadaan), atau yang pertama kali dimiliki hub tahun ini"
    } else if group("collection.digital") {
        "berkas yang dilampirkan untuk dibaca daring (/staff/digital)"
    } else if group("members.registered") {
        "anggota di hub saat ini (impor, atau dari sistem perpustakaan)"
    } else if group("members.new") {
        "anggota yang tanggal daftarnya jatuh pada tahun ini"
    } else if group("members.active") {
        "kartu berbeda yang meminjam atau mengambil pesanan tahun ini"
    } else if group("loans.total") {
        "laporan sirkulasi tahun ini: peminjaman dan pengambilan pesanan dari semua stasiun"
    } else if group("loans.by_channel") {
        "peran stasiun: kios, kotak pengembalian, situs web, meja layanan (stasiun petugas), perpustakaan keliling"
    } else if group("visits") {
        "laporan pengunjung tahun ini: ISO 2789, orang yang masuk dihitung gerbang"
    } else if group("programmes.count") {
        "laporan acara: acara yang sudah dimulai tahun ini"
    } else if group("programmes.participants") {
        "laporan acara: semua yang hadir (terdaftar dan datang langsung)"
    } else if group("mobile") {
        "laporan perpustakaan keliling tahun ini: catatan singgahan stasiun keliling (\"Tiba di\", batal), hitungan +1, serta peminjaman, pengembalian dan pendaftaran yang bertanda singgahan"
    } else if group("population") || group("per_1000") {
        "[library] population di berkas hub"
    } else if group("staff") {
        "[library] staff di berkas hub"
    } else {
        return english;
    };
    indonesian.to_string()
}

/// A figure's name for staff.
fn label(name: &str, lang: Lang) -> String {
    let (group, rest) = name.split_once('.').unwrap_or((name, ""));
    let known = match (name, lang) {
        ("year", Lang::Id) => "Tahun",
        ("year", Lang::En) => "Year",
        ("collection.titles", Lang::Id) => "Koleksi: judul",
        ("collection.titles", Lang::En) => "Collection: titles",
        ("collection.copies", Lang::Id) => "Koleksi: eksemplar",
        ("collection.copies", Lang::En) => "Collection: copies",
        ("collection.added", Lang::Id) => "Koleksi: judul baru tahun ini",
        ("collection.added", Lang::En) => "Collection: titles added this year",
        ("collection.digital", Lang::Id) => "Koleksi: berkas digital",
        ("collection.digital", Lang::En) => "Collection: digital files",
        ("members.registered", Lang::Id) => "Anggota terdaftar",
        ("members.registered", Lang::En) => "Members registered",
        ("members.new", Lang::Id) => "Anggota baru tahun ini",
        ("members.new", Lang::En) => "New members this year",
        ("members.active", Lang::Id) => "Anggota aktif (meminjam)",
        ("members.active", Lang::En) => "Active members (borrowed)",
        ("visits.total", Lang::Id) => "Kunjungan",
        ("visits.total", Lang::En) => "Visits",
        ("visits.opening_days", Lang::Id) => "Hari buka",
        ("visits.opening_days", Lang::En) => "Opening days",
        ("visits.per_opening_day", Lang::Id) => "Kunjungan per hari buka",
        ("visits.per_opening_day", Lang::En) => "Visits per opening day",
        ("visits.busiest_month", Lang::Id) => "Bulan tersibuk",
        ("visits.busiest_month", Lang::En) => "Busiest month",
        ("loans.total", Lang::Id) => "Peminjaman",
        ("loans.total", Lang::En) => "Loans",
        ("returns", Lang::Id) => "Pengembalian",
        ("returns", Lang::En) => "Returns",
        ("renewals", Lang::Id) => "Perpanjangan",
        ("renewals", Lang::En) => "Renewals",
        ("programmes.count", Lang::Id) => "Kegiatan",
        ("programmes.count", Lang::En) => "Programmes",
        ("programmes.participants", Lang::Id) => "Peserta kegiatan",
        ("programmes.participants", Lang::En) => "Programme participants",
        ("mobile.stops", Lang::Id) => "Perpustakaan keliling: singgah",
        ("mobile.stops", Lang::En) => "Mobile library: stops",
        ("mobile.cancelled", Lang::Id) => "Perpustakaan keliling: batal",
        ("mobile.cancelled", Lang::En) => "Mobile library: cancelled",
        ("mobile.visitors", Lang::Id) => "Perpustakaan keliling: pengunjung",
        ("mobile.visitors", Lang::En) => "Mobile library: visitors",
        ("mobile.loans", Lang::Id) => "Perpustakaan keliling: peminjaman",
        ("mobile.loans", Lang::En) => "Mobile library: loans",
        ("mobile.returns", Lang::Id) => "Perpustakaan keliling: pengembalian",
        ("mobile.returns", Lang::En) => "Mobile library: returns",
        ("mobile.registered", Lang::Id) => "Perpustakaan keliling: anggota baru didaftarkan",
        ("mobile.registered", Lang::En) => "Mobile library: members registered",
        ("staff", Lang::Id) => "Tenaga perpustakaan",
        ("staff", Lang::En) => "Staff",
        ("population", Lang::Id) => "Jumlah penduduk",
        ("population", Lang::En) => "Population",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    match (group, lang) {
        ("collection", Lang::Id) => format!(
            "Eksemplar jenis {}",
            rest.trim_start_matches("by_item_type.")
        ),
        ("collection", Lang::En) => format!(
            "Copies of type {}",
            rest.trim_start_matches("by_item_type.")
        ),
        ("loans", Lang::Id) => format!(
            "Peminjaman lewat {}",
            rest.trim_start_matches("by_channel.")
        ),
        ("loans", Lang::En) => format!("Loans through {}", rest.trim_start_matches("by_channel.")),
        ("per_1000", Lang::Id) => format!("{rest} per 1.000 penduduk"),
        ("per_1000", Lang::En) => format!("{rest} per 1,000 people"),
        _ => name.to_string(),
    }
}
