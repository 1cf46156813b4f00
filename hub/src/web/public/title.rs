//! `/title/{id}`: one title with its copies, their call numbers and where each is, the
//! reservation queue, and schema.org `Book` data with its availability.

use super::account::reserve_form;
use super::reading::part_name;
use super::search::{BranchLine, branch_lines};
use crate::web::kit::catalog_view::{Availability, Copy, TitleEntry};
use crate::web::kit::forms::Visitor;
use crate::web::kit::lang::Reader;
use crate::web::kit::layout::file_size;
use crate::web::kit::layout::{self, Page};
use crate::web::kit::{PageError, WebState, cover_path, read_view, title_path};
use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;
use serde_json::json;
use swalayan_core::contract::documents::{DigitalAccess, DigitalDoc};
use swalayan_core::format;
use swalayan_core::reason::Lang;

pub async fn page(
    State(state): State<WebState>,
    visitor: Visitor,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let reader = visitor.reader.clone();
    let found = read_view(&state, &reader, move |state| {
        let Some(title) = state.view.title(&key) else {
            return Ok(None);
        };
        let copies = state.view.copies(&key);
        let lines = branch_lines(&state.view, &key);
        let waiting = state.view.queue(&key).len();
        let digital = state.view.digital(&key);
        Ok(Some((title, copies, lines, waiting, digital)))
    })
    .await?;
    let Some((title, copies, lines, waiting, digital)) = found else {
        return Err(PageError::not_found(reader));
    };
    let lang = reader.lang;
    let doc = &title.doc;
    // Pickup at any branch the library names ([library] branches), else where copies are.
    let branches: Vec<String> = if lines.is_empty() {
        Vec::new()
    } else if !state.library.branches.is_empty() {
        state.library.branches.clone()
    } else {
        lines.iter().map(|l| l.branch.clone()).collect()
    };
    let body = html! {
        article {
            @if let Some(cover) = digital.as_ref().and_then(|d| d.cover.as_ref()) {
                img.cover src=(cover_path(&title.key, &cover.large)) alt=(match lang { Lang::Id => format!("Sampul {}", doc.title), Lang::En => format!("Cover of {}", doc.title) });
            }
            h1 { (doc.title) }
            dl.facts {
                @if let Some(author) = &doc.author { dt { (lang.pick("Pengarang", "Author")) } dd { (author) } }
                @if let Some(isbn) = &doc.isbn { dt { "ISBN" } dd { (isbn) } }
                @if let Some(call) = &doc.call_number { dt { (lang.pick("Nomor panggil", "Call number")) } dd { (call) } }
                @if !doc.subjects.is_empty() {
                    dt { (lang.pick("Subjek", "Subjects")) }
                    dd { ul.plain { @for s in &doc.subjects {
                        li { a href=(reader.localized(&super::search::search_path(s, crate::web::kit::words::Field::Subject, 1))) { (s) } }
                    } } }
                }
                @if let Some(d) = &digital {
                    @if let Some(date) = &d.date { dt { (lang.pick("Tanggal", "Date")) } dd { (date) } }
                    @if let Some(language) = &d.language { dt { (lang.pick("Bahasa", "Language")) } dd { (language) } }
                }
            }
            @if let Some(about) = digital.as_ref().and_then(|d| d.description.as_ref()) {
                p.about { (about) }
            }
            @if let Some(d) = digital.as_ref().filter(|d| !d.files.is_empty()) {
                (read_online(&reader, &title.key, d))
            }
            @if !doc.links.is_empty() {
                section aria-labelledby="online" {
                    h2 #online { (lang.pick("Daring", "Online")) }
                    ul.plain { @for link in &doc.links {
                        li { a href=(link.url) rel="noopener noreferrer" { (link_text(link, lang)) } }
                    } }
                }
            }
            (reserve_form(&visitor, &title.key, &branches))
            h2 { (lang.pick("Ketersediaan", "Availability")) }
            @if lines.is_empty() && digital.as_ref().is_some_and(|d| d.local) {
                p.muted { (lang.pick("Koleksi lokal digital: tidak ada eksemplar di rak.", "Local digital collection: there is no copy on the shelves.")) }
            } @else if lines.is_empty() {
                p.unavailable { (lang.pick("Perpustakaan belum memiliki eksemplar judul ini.", "The library has no copy of this title yet.")) }
            } @else {
                ul.avail { @for line in &lines { li { (line.render(lang)) } } }
                @if waiting > 0 {
                    p.muted { (match lang { Lang::Id => format!("{waiting} pembaca menunggu judul ini."), Lang::En => format!("{waiting} reader(s) waiting for this title.") }) }
                }
                table {
                    caption.visually-hidden { (lang.pick("Eksemplar", "Copies")) }
                    thead { tr {
                        th scope="col" { (lang.pick("Cabang", "Branch")) }
                        th scope="col" { (lang.pick("Nomor panggil", "Call number")) }
                        th scope="col" { (lang.pick("Status", "Status")) }
                    } }
                    tbody { @for (copy, availability) in &copies {
                        tr {
                            td { (copy.doc.branch) }
                            td { (copy.doc.call_number.as_deref().or(doc.call_number.as_deref()).unwrap_or("—")) }
                            td { (copy_status(lang, copy, *availability)) }
                        }
                    } }
                }
            }
        }
    };
    let page = Page {
        title: doc.title.clone(),
        // A local-content record is described by its own words, not by copies it never has.
        description: match digital.as_ref().filter(|d| d.local && lines.is_empty()) {
            Some(d) => d.description.clone().unwrap_or_else(|| doc.title.clone()),
            None => description(lang, &title, &lines),
        },
        path: title_path(&title.key),
        index: true,
        schema: Some(book_schema(&state, &reader, &title, &lines)),
    };
    Ok(visitor.finish(layout::render(&state, &reader, &page, body)))
}

/// "Baca daring": the title's files, who may read them, and the way in.
fn read_online(reader: &Reader, key: &str, digital: &DigitalDoc) -> maud::Markup {
    let lang = reader.lang;
    let who = match digital.access {
        DigitalAccess::Public => None,
        DigitalAccess::Members => Some(lang.pick(
            "Khusus anggota: masuk dengan nomor kartu dan PIN untuk membaca.",
            "For members: sign in with your card number and PIN to read it.",
        )),
        DigitalAccess::Onsite => Some(lang.pick(
            "Hanya dapat dibaca di perpustakaan (Wi-Fi atau komputer perpustakaan).",
            "Can only be read in the library (its Wi-Fi or computers).",
        )),
    };
    html! {
        section.online aria-labelledby="read-online" {
            h2 #read-online { (lang.pick("Baca daring", "Read online")) }
            p { a.button href=(reader.localized(&format!("{}/read/1", title_path(key)))) { (lang.pick("Mulai membaca", "Start reading")) } }
            @if let Some(who) = who { p.muted { (who) } }
            ul.plain { @for (i, file) in digital.files.iter().enumerate() {
                li { (part_name(file, i + 1, lang)) " · " (file_size(file.bytes)) }
            } }
            @if let Some(rights) = &digital.rights { p.muted { (lang.pick("Hak: ", "Rights: ")) (rights) } }
        }
    }
}

fn copy_status(lang: Lang, _copy: &Copy, availability: Availability) -> String {
    match availability {
        Availability::OnShelf => lang.pick("Di rak", "On the shelf").to_string(),
        Availability::OnLoan { due } => match lang {
            Lang::Id => format!("Dipinjam sampai {}", format::date_only(due, lang)),
            Lang::En => format!("On loan until {}", format::date_only(due, lang)),
        },
        Availability::HeldForSomeone => lang
            .pick("Disisihkan untuk pemesan", "Held for a reservation")
            .to_string(),
        Availability::NotAvailable => lang.pick("Tidak tersedia", "Not available").to_string(),
    }
}

/// The sentence search engines show under the title.
fn description(lang: Lang, title: &TitleEntry, lines: &[BranchLine]) -> String {
    let on_shelf: usize = lines.iter().map(|l| l.on_shelf).sum();
    let by = title
        .doc
        .author
        .as_deref()
        .map(|a| match lang {
            Lang::Id => format!(" karya {a}"),
            Lang::En => format!(" by {a}"),
        })
        .unwrap_or_default();
    match lang {
        Lang::Id => format!(
            "{}{by}: {} eksemplar di rak dari {} di perpustakaan. Pesan secara daring dan ambil di kios.",
            title.doc.title,
            on_shelf,
            lines.len().max(1)
        ),
        Lang::En => format!(
            "{}{by}: {} copies on the shelf across {} branch(es). Reserve online and pick up at the kiosk.",
            title.doc.title,
            on_shelf,
            lines.len().max(1)
        ),
    }
}

/// schema.org `Book`, offered by the library for loan at no cost.
fn book_schema(
    state: &WebState,
    reader: &Reader,
    title: &TitleEntry,
    lines: &[BranchLine],
) -> serde_json::Value {
    let library = &state.library;
    let url = library.url(&reader.localized(&title_path(&title.key)));
    let in_stock = lines.iter().any(|l| l.on_shelf > 0);
    let mut book = json!({
        "@context": "https://schema.org",
        "@type": "Book",
        "name": title.doc.title,
        "url": url,
        "inLanguage": reader.lang.code(),
        "offers": {
            "@type": "Offer",
            "price": "0",
            "priceCurrency": "IDR",
            "availability": if in_stock { "https://schema.org/InStock" } else { "https://schema.org/OutOfStock" },
            "seller": { "@type": "Library", "name": library.name },
        },
    });
    if let Some(author) = &title.doc.author {
        book["author"] = json!({ "@type": "Person", "name": author });
    }
    if let Some(isbn) = &title.doc.isbn {
        book["isbn"] = json!(isbn);
    }
    if !title.doc.subjects.is_empty() {
        book["about"] = json!(title.doc.subjects);
    }
    book
}

/// What a link to the title online says: its record's label beside what it is ("Baca
/// daring" for the resource itself, "E-book" for a version of it, "Tautan terkait" else).
fn link_text(link: &swalayan_core::contract::documents::OnlineLink, lang: Lang) -> String {
    use swalayan_core::contract::documents::LinkRelation;
    let kind = match link.relation {
        LinkRelation::Resource => lang.pick("Baca daring", "Read online"),
        LinkRelation::Version => "E-book",
        LinkRelation::Related => lang.pick("Tautan terkait", "Related link"),
    };
    match &link.label {
        Some(label) => format!("{kind}: {label}"),
        None => kind.to_string(),
    }
}
