//! `/search?q=WORDS[&in=all|title|author|subject|isbn][&page=N]`: titles with their
//! availability per branch.

use crate::web::kit::catalog_view::{Availability, CatalogView, Copy, TitleEntry};
use crate::web::kit::lang::{Reader, query_param};
use crate::web::kit::layout::{self, Page, search_form};
use crate::web::kit::words::Field;
use crate::web::kit::{PageError, WebState, cover_path, read_view, title_path};
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use maud::{Markup, html};
use std::collections::BTreeMap;
use swalayan_core::contract::documents::DigitalDoc;
use swalayan_core::format;
use swalayan_core::reason::Lang;

/// Results on one page.
pub const PER_PAGE: usize = 20;

/// Longest query read (a search box, not a document).
const MAX_QUERY: usize = 200;

pub async fn page(
    State(state): State<WebState>,
    reader: Reader,
    uri: Uri,
) -> Result<Response, PageError> {
    let query: String = query_param(&uri, "q")
        .unwrap_or_default()
        .chars()
        .take(MAX_QUERY)
        .collect();
    let query = query.trim().to_string();
    let field = query_param(&uri, "in")
        .and_then(|f| Field::parse(&f))
        .unwrap_or_default();
    let number = query_param(&uri, "page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| (1..=10_000).contains(p))
        .unwrap_or(1);
    let q = query.clone();
    let (found, rows) = read_view(&state, &reader, move |state| {
        let found = state
            .view
            .search(&q, field, (number - 1) * PER_PAGE, PER_PAGE);
        let rows: Vec<(TitleEntry, Vec<BranchLine>, usize, Option<DigitalDoc>)> = found
            .titles
            .iter()
            .map(|t| {
                let waiting = state.view.queue(&t.key).len();
                let digital = state.view.digital(&t.key);
                (
                    t.clone(),
                    branch_lines(&state.view, &t.key),
                    waiting,
                    digital,
                )
            })
            .collect();
        Ok((found.total, rows))
    })
    .await?;
    let lang = reader.lang;
    let path = search_path(&query, field, number);
    if query_param(&uri, "format").as_deref() == Some("atom") {
        let titles: Vec<TitleEntry> = rows.iter().map(|(t, _, _, _)| t.clone()).collect();
        let heading = match lang {
            Lang::Id => format!("{}: pencarian “{query}”", state.library.name),
            Lang::En => format!("{}: search for “{query}”", state.library.name),
        };
        let feed_path = format!(
            "{path}{}format=atom",
            if path.contains('?') { "&" } else { "?" }
        );
        return Ok(super::feeds::search(
            &state, &reader, &heading, &feed_path, &titles,
        ));
    }
    let heading = if query.is_empty() {
        lang.pick("Cari di katalog", "Search the catalogue")
            .to_string()
    } else {
        match lang {
            Lang::Id => format!("Hasil pencarian “{query}”"),
            Lang::En => format!("Results for “{query}”"),
        }
    };
    let body = html! {
        h1 { (heading) }
        (search_form(lang, &query, "q"))
        (field_links(&reader, &query, field))
        @if !query.is_empty() {
            p.muted role="status" { (count_sentence(lang, found)) }
        }
        ul.plain {
            @for (title, lines, waiting, digital) in &rows {
                li.result { (result(&reader, title, lines, *waiting, digital.as_ref())) }
            }
        }
        (pager(&reader, &query, field, number, found))
    };
    let page = Page {
        title: heading.clone(),
        description: lang
            .pick(
                "Cari buku di katalog perpustakaan: judul, pengarang, subjek atau ISBN, dengan ketersediaan di setiap cabang.",
                "Search the library's catalogue by title, author, subject or ISBN, with availability at every branch.",
            )
            .to_string(),
        path,
        // The first page of a search that finds something is worth a search engine's visit
        // ("buku Laskar Pelangi di perpustakaan"); later pages and misses are not.
        index: number == 1 && (query.is_empty() || found > 0),
        schema: None,
    };
    Ok(layout::render(&state, &reader, &page, body))
}

/// The search's own address.
pub fn search_path(query: &str, field: Field, page: usize) -> String {
    let mut path = format!(
        "/search?q={}",
        percent_encoding::utf8_percent_encode(query, percent_encoding::NON_ALPHANUMERIC)
    );
    if field != Field::All {
        path.push_str(&format!("&in={}", field.code()));
    }
    if page > 1 {
        path.push_str(&format!("&page={page}"));
    }
    path
}

fn count_sentence(lang: Lang, found: usize) -> String {
    match (lang, found) {
        (Lang::Id, 0) => {
            "Tidak ada judul yang cocok. Coba kata lain atau lebih sedikit kata.".into()
        }
        (Lang::En, 0) => "No title matches. Try other or fewer words.".into(),
        (Lang::Id, n) => format!("{n} judul ditemukan."),
        (Lang::En, 1) => "1 title found.".into(),
        (Lang::En, n) => format!("{n} titles found."),
    }
}

/// Links that search the same words in one field.
fn field_links(reader: &Reader, query: &str, current: Field) -> Markup {
    let lang = reader.lang;
    let fields = [
        (Field::All, lang.pick("Semua", "Everything")),
        (Field::Title, lang.pick("Judul", "Title")),
        (Field::Author, lang.pick("Pengarang", "Author")),
        (Field::Subject, lang.pick("Subjek", "Subject")),
        (Field::Isbn, "ISBN"),
    ];
    html! {
        @if !query.is_empty() {
            nav.pager aria-label=(lang.pick("Cari di", "Search in")) {
                @for (field, label) in fields {
                    @if field == current {
                        strong aria-current="page" { (label) }
                    } @else {
                        a href=(reader.localized(&search_path(query, field, 1))) { (label) }
                    }
                }
            }
        }
    }
}

fn pager(reader: &Reader, query: &str, field: Field, number: usize, found: usize) -> Markup {
    let lang = reader.lang;
    let pages = found.div_ceil(PER_PAGE);
    html! {
        @if pages > 1 {
            nav.pager aria-label=(lang.pick("Halaman hasil", "Result pages")) {
                @if number > 1 {
                    a rel="prev" href=(reader.localized(&search_path(query, field, number - 1))) { "← " (lang.pick("Sebelumnya", "Previous")) }
                }
                span { (match lang { Lang::Id => format!("Halaman {number} dari {pages}"), Lang::En => format!("Page {number} of {pages}") }) }
                @if number < pages {
                    a rel="next" href=(reader.localized(&search_path(query, field, number + 1))) { (lang.pick("Berikutnya", "Next")) " →" }
                }
            }
        }
    }
}

fn result(
    reader: &Reader,
    title: &TitleEntry,
    lines: &[BranchLine],
    waiting: usize,
    digital: Option<&DigitalDoc>,
) -> Markup {
    let lang = reader.lang;
    let online = digital.filter(|d| !d.files.is_empty());
    html! {
        @if let Some(cover) = digital.and_then(|d| d.cover.as_ref()) {
            img.thumb src=(cover_path(&title.key, &cover.small)) alt="" width="80";
        }
        h2 { a href=(reader.localized(&title_path(&title.key))) { (title.doc.title) } }
        @if let Some(author) = &title.doc.author { p.muted { (author) } }
        ul.avail {
            @if online.is_some() {
                li { a href=(reader.localized(&format!("{}/read/1", title_path(&title.key)))) { (lang.pick("Baca daring", "Read online")) } }
            }
            @if lines.is_empty() && online.is_none() {
                li.unavailable { (lang.pick("Belum ada eksemplar.", "No copies yet.")) }
            }
            @for line in lines { li { (line.render(lang)) } }
            @if waiting > 0 {
                li.muted { (match lang { Lang::Id => format!("{waiting} pesanan menunggu"), Lang::En => format!("{waiting} waiting reservation(s)") }) }
            }
        }
    }
}

/// One branch's copies of a title, summed up for a patron.
#[derive(Debug, Clone)]
pub struct BranchLine {
    pub branch: String,
    pub on_shelf: usize,
    /// The soonest a lent copy is due back.
    pub next_due: Option<jiff::civil::Date>,
    pub held: usize,
}

impl BranchLine {
    pub fn render(&self, lang: Lang) -> Markup {
        let branch = &self.branch;
        html! {
            strong { (branch) } ": "
            @if self.on_shelf > 0 {
                span.on-shelf { (match lang { Lang::Id => format!("{} di rak", self.on_shelf), Lang::En => format!("{} on the shelf", self.on_shelf) }) }
            } @else if let Some(due) = self.next_due {
                span.on-loan { (match lang { Lang::Id => format!("dipinjam sampai {}", format::date_only(due, lang)), Lang::En => format!("on loan until {}", format::date_only(due, lang)) }) }
            } @else if self.held > 0 {
                span.on-loan { (lang.pick("disisihkan untuk pemesan", "held for a reservation")) }
            } @else {
                span.unavailable { (lang.pick("tidak tersedia", "not available")) }
            }
        }
    }
}

/// A title's copies summed up per branch.
pub fn branch_lines(view: &CatalogView, title: &str) -> Vec<BranchLine> {
    let mut by_branch: BTreeMap<String, BranchLine> = BTreeMap::new();
    for (Copy { doc, .. }, availability) in view.copies(title) {
        let line = by_branch
            .entry(doc.branch.clone())
            .or_insert_with(|| BranchLine {
                branch: doc.branch.clone(),
                on_shelf: 0,
                next_due: None,
                held: 0,
            });
        match availability {
            Availability::OnShelf => line.on_shelf += 1,
            Availability::OnLoan { due } => {
                line.next_due = Some(line.next_due.map_or(due, |d| d.min(due)));
            }
            Availability::HeldForSomeone => line.held += 1,
            Availability::NotAvailable => {}
        }
    }
    by_branch.into_values().collect()
}
