//! The page around every page: `<head>` with the title, description, canonical URL, Open
//! Graph tags and schema.org data; the header with the library's name, the search box and
//! the language switch; the footer; and the headers every page is sent with.

use super::WebState;
use super::lang::Reader;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use swalayan_core::reason::Lang;

/// What a page says about itself.
pub struct Page {
    pub title: String,
    pub description: String,
    /// The page's own address (path and query, without `lang`): the canonical URL and the
    /// language switch are made from it.
    pub path: String,
    /// Whether search engines should index it (results of a search are not).
    pub index: bool,
    /// schema.org JSON-LD for the page.
    pub schema: Option<serde_json::Value>,
}

/// The stylesheet: one small file, cached; no web fonts, no scripts.
const CSS: &str = include_str!("site.css");

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        CSS,
    )
        .into_response()
}

/// The site's icon: an open book in the library's colour.
const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#005a5f"/><path d="M6 9c4-1 7 0 10 2 3-2 6-3 10-2v14c-4-1-7 0-10 2-3-2-6-3-10-2z" fill="#fff"/><path d="M16 11v14" stroke="#005a5f" stroke-width="1.5"/></svg>"##;

pub async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

/// A whole page with the library's name and links, sent with the security headers.
pub fn render(state: &WebState, reader: &Reader, page: &Page, body: Markup) -> Response {
    let lang = reader.lang;
    let library = &state.library;
    let canonical = library.url(&reader.localized(&page.path));
    let html = document(
        reader,
        page,
        &canonical,
        &library.name,
        html! {
            header.site {
                a.brand href=(reader.localized("/")) { (library.name) }
                (search_form(lang, "", "header-q"))
                nav aria-label=(lang.pick("Menu", "Menu")) {
                    a href=(reader.localized("/events")) { (lang.pick("Acara", "Events")) }
                    a href=(reader.localized("/account")) { (lang.pick("Akun saya", "My account")) }
                    a href=(reader.localized("/feedback")) { (lang.pick("Saran", "Feedback")) }
                    (language_switch(reader, &page.path))
                }
            }
            main #main { (body) }
            footer.site {
                p { (library.name) @if let Some(address) = &library.address { " · " (address) } }
                @if let Some(phone) = &library.phone { p { (lang.pick("Telepon", "Phone")) ": " (phone) } }
                @if let Some(email) = &library.email { p { "E-mail: " a href=(format!("mailto:{email}")) { (email) } } }
                @if state.view.has_stops() {
                    p { a href=(reader.localized("/mobile-library")) { (lang.pick("Jadwal Perpustakaan Keliling", "The mobile library's schedule")) } }
                }
            }
        },
    );
    respond(StatusCode::OK, reader, html)
}

/// A page of one message: a heading, a sentence (read out as an alert when it reports a
/// problem) and a link onward — refusals, confirmations, expired forms.
pub struct Message<'a> {
    pub status: StatusCode,
    pub title: &'a str,
    pub sentence: &'a str,
    pub alert: bool,
    /// The page it concerns (its canonical path), never indexed.
    pub path: &'a str,
    /// Where to go next: address (without `lang`) and label.
    pub onward: (&'a str, &'a str),
}

pub fn message(state: &WebState, reader: &Reader, m: Message<'_>) -> Response {
    let page = Page {
        title: m.title.to_string(),
        description: String::new(),
        path: m.path.to_string(),
        index: false,
        schema: None,
    };
    let body = html! {
        h1 { (m.title) }
        @if m.alert { p.problem role="alert" { (m.sentence) } } @else { p { (m.sentence) } }
        p { a href=(reader.localized(m.onward.0)) { (m.onward.1) } }
    };
    let mut response = render(state, reader, &page, body);
    *response.status_mut() = m.status;
    response
}

/// The page without the library's settings (error pages).
pub fn bare(reader: &Reader, page: &Page, body: Markup) -> Markup {
    document(
        reader,
        page,
        &page.path,
        "",
        html! { main #main { (body) } },
    )
}

/// The feeds a page offers (`<link rel="alternate">`), by its address: the home page's
/// first is the new acquisitions' Atom feed (feed readers take the first), a search's its
/// results as Atom, the events' pages their iCalendar.
fn alternates(
    path: &str,
    lang: swalayan_core::reason::Lang,
) -> Vec<(&'static str, String, String)> {
    const ATOM: &str = "application/atom+xml";
    const ICAL: &str = "text/calendar";
    let events = || {
        (
            ICAL,
            lang.pick("Acara (iCalendar)", "Events (iCalendar)")
                .to_string(),
            "/events.ics".to_string(),
        )
    };
    if path == "/" {
        vec![
            (
                ATOM,
                lang.pick("Koleksi baru", "New acquisitions").to_string(),
                "/new.atom".to_string(),
            ),
            events(),
        ]
    } else if path.starts_with("/search?") && path.contains("q=") {
        vec![(
            ATOM,
            lang.pick("Hasil pencarian ini", "This search's results")
                .to_string(),
            format!("{path}&format=atom"),
        )]
    } else if let Some(id) = path.strip_prefix("/events/").filter(|id| !id.contains('/')) {
        vec![
            (
                ICAL,
                lang.pick("Acara ini (iCalendar)", "This event (iCalendar)")
                    .to_string(),
                format!("/events/{id}.ics"),
            ),
            events(),
        ]
    } else if path == "/events" {
        vec![events()]
    } else {
        Vec::new()
    }
}

fn document(reader: &Reader, page: &Page, canonical: &str, site: &str, inner: Markup) -> Markup {
    let lang = reader.lang;
    let full_title = if site.is_empty() || page.title == site {
        page.title.clone()
    } else {
        format!("{} · {site}", page.title)
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (full_title) }
                meta name="description" content=(page.description);
                @if !page.index { meta name="robots" content="noindex, follow"; }
                link rel="canonical" href=(canonical);
                link rel="stylesheet" href="/site.css";
                link rel="icon" href="/favicon.svg" type="image/svg+xml";
                @for (kind, title, href) in alternates(&page.path, lang) {
                    link rel="alternate" type=(kind) title=(title) href=(href);
                }
                meta property="og:type" content="website";
                meta property="og:title" content=(page.title);
                meta property="og:description" content=(page.description);
                meta property="og:url" content=(canonical);
                @if !site.is_empty() { meta property="og:site_name" content=(site); }
                meta property="og:locale" content=(lang.pick("id_ID", "en_GB"));
                @if let Some(schema) = &page.schema {
                    script type="application/ld+json" { (PreEscaped(json_for_script(schema))) }
                }
            }
            body {
                a.skip href="#main" { (lang.pick("Langsung ke isi", "Skip to content")) }
                (inner)
            }
        }
    }
}

/// JSON safe inside `<script>`: `<` escaped so no text in it can close the element.
fn json_for_script(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// The search box (header and home page).
pub fn search_form(lang: Lang, query: &str, id: &str) -> Markup {
    html! {
        form.search role="search" action="/search" method="get" {
            label.visually-hidden for=(id) { (lang.pick("Cari di katalog", "Search the catalogue")) }
            input #(id) type="search" name="q" value=(query)
                placeholder=(lang.pick("Judul, pengarang, subjek, ISBN", "Title, author, subject, ISBN"));
            @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
            button type="submit" { (lang.pick("Cari", "Search")) }
        }
    }
}

/// A link to the same page in the other language.
fn language_switch(reader: &Reader, path: &str) -> Markup {
    let (other, label, name) = match reader.lang {
        Lang::Id => ("en", "English", "en"),
        Lang::En => ("id", "Bahasa Indonesia", "id"),
    };
    let sep = if path.contains('?') { '&' } else { '?' };
    html! { a.lang href=(format!("{path}{sep}lang={other}")) hreflang=(name) lang=(name) { (label) } }
}

/// The response with its headers: HTML, no caching of personal pages by shared caches, and
/// the language cookie when chosen (the security headers come from [`security_headers`]).
pub fn respond(status: StatusCode, reader: &Reader, html: Markup) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    reader.remember_on(headers);
    response
}

/// Every answer of the web, pages and errors alike (a 404 for an unknown address, a 500, a
/// 413, a CSV): a strict content policy (no scripts at all), no type sniffing, no referrer
/// beyond the site, and over HTTPS, HSTS for a year. A handler's own header of the same name
/// is kept.
pub async fn security_headers(
    axum::extract::State(https): axum::extract::State<bool>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut default = |name: header::HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    default(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    );
    default(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    default(header::REFERRER_POLICY, "same-origin");
    if https {
        default(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    response
}

/// A file's size as readers say it ("1.4 MB", "12 KB").
pub fn file_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}
