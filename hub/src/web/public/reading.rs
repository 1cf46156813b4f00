//! Reading a title online (issue #31), without JavaScript:
//!
//! - `/title/{id}/read` → its first part; `/title/{id}/read/{n}`: part `n` of the title's
//!   files — a scanned page with previous/next and a zoomed view (`?zoom=1`, the picture at
//!   its own size), a PDF inline (the browser's viewer in a frame, and a link to open it), an
//!   EPUB to download, audio in the browser's player.
//! - `/title/{id}/file/{hash}`: a file's bytes, with range requests (seeking audio, a PDF
//!   viewer's pages), `ETag` (the content hash) and caching; `public` files for any cache,
//!   `members`/`onsite` ones for the reader's browser only.
//! - `/title/{id}/cover/{hash}.jpg`: a cover, public and cached for good (its name is its
//!   content).
//!
//! Who may read is [`crate::digital::may_read`]'s: a refusal is a page that says why and
//! what to do (sign in; read it in the library).

use crate::digital::{Refusal, may_read};
use crate::web::kit::forms::Visitor;
use crate::web::kit::lang::Reader;
use crate::web::kit::layout::{self, Message, Page, file_size};
use crate::web::kit::{PageError, WebState, read_view, title_path};
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use swalayan_core::contract::documents::{DigitalDoc, DigitalFile, Media};
use swalayan_core::reason::Lang;
use tower::ServiceExt;

/// `/title/{id}/read`: to the first part.
pub async fn start(reader: Reader, Path(key): Path<String>) -> Response {
    crate::web::kit::forms::see_other(&reader.localized(&format!("{}/read/1", title_path(&key))))
}

#[derive(serde::Deserialize, Default)]
pub struct ReadQuery {
    #[serde(default)]
    zoom: Option<String>,
}

/// `/title/{id}/read/{n}`: one part of a title's files.
pub async fn part(
    State(state): State<WebState>,
    visitor: Visitor,
    Path((key, number)): Path<(String, String)>,
    Query(query): Query<ReadQuery>,
) -> Result<Response, PageError> {
    let reader = visitor.reader.clone();
    let lookup = key.clone();
    let found = read_view(&state, &reader, move |state| {
        Ok(state.view.title(&lookup).zip(state.view.digital(&lookup)))
    })
    .await?;
    let Some((title, digital)) = found else {
        return Err(PageError::not_found(reader));
    };
    let count = digital.files.len();
    let Some(n) = number
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=count).contains(n))
    else {
        return Err(PageError::not_found(reader));
    };
    if let Err(refusal) = may_read_here(&state, &visitor, &digital) {
        return Ok(visitor.finish(refused(&state, &reader, &key, refusal)));
    }
    let lang = reader.lang;
    let file = &digital.files[n - 1];
    let base = format!("{}/read", title_path(&key));
    let file_url = file_path(&key, &file.hash);
    let zoom = query.zoom.is_some() && file.media == Media::Image;
    let all_pages = digital.files.iter().all(|f| f.media == Media::Image);
    let place = match (lang, all_pages) {
        (Lang::Id, true) => format!("Halaman {n} dari {count}"),
        (Lang::En, true) => format!("Page {n} of {count}"),
        (Lang::Id, false) => format!("Bagian {n} dari {count}"),
        (Lang::En, false) => format!("Part {n} of {count}"),
    };
    let body = html! {
        p { a href=(reader.localized(&title_path(&key))) { "← " (title.doc.title) } }
        h1 { (title.doc.title) }
        p.muted { (place) @if let Some(label) = &file.label { " · " (label) } }
        (pager(&reader, &base, n, count))
        (shown(&reader, file, &file_url, &title.doc.title, n, zoom, &base))
        (pager(&reader, &base, n, count))
        @if let Some(rights) = &digital.rights {
            p.muted { (lang.pick("Hak: ", "Rights: ")) (rights) }
        }
        @if count > 1 {
            h2 { (lang.pick("Semua bagian", "All parts")) }
            ol.parts { @for (i, f) in digital.files.iter().enumerate() {
                li { @if i + 1 == n {
                    strong aria-current="page" { (part_name(f, i + 1, lang)) }
                } @else {
                    a href=(reader.localized(&format!("{base}/{}", i + 1))) { (part_name(f, i + 1, lang)) }
                } }
            } }
        }
    };
    let page = Page {
        title: format!("{} — {place}", title.doc.title),
        description: String::new(),
        path: format!("{base}/{n}"),
        // Members' and in-library reading is not for search engines; public pages are
        // reached through the title page, which is indexed.
        index: false,
        schema: None,
    };
    Ok(visitor.finish(layout::render(&state, &reader, &page, body)))
}

/// What one part shows.
fn shown(
    reader: &Reader,
    file: &DigitalFile,
    url: &str,
    title: &str,
    n: usize,
    zoom: bool,
    base: &str,
) -> Markup {
    let lang = reader.lang;
    let page_alt = match lang {
        Lang::Id => format!("{title}, halaman {n}"),
        Lang::En => format!("{title}, page {n}"),
    };
    html! {
        @match file.media {
            Media::Image if zoom => {
                p { a href=(reader.localized(&format!("{base}/{n}"))) { (lang.pick("Kembali ke ukuran layar", "Back to screen size")) } }
                div.zoomed { img src=(url) alt=(page_alt) width=[file.width] height=[file.height]; }
            }
            Media::Image => {
                figure.page {
                    a href=(reader.localized(&format!("{base}/{n}?zoom=1"))) {
                        img src=(url) alt=(page_alt) width=[file.width] height=[file.height];
                    }
                    figcaption { a href=(reader.localized(&format!("{base}/{n}?zoom=1"))) { (lang.pick("Perbesar halaman ini", "Zoom in on this page")) } }
                }
            }
            Media::Pdf => {
                iframe.pdf src=(url) title=(title) {}
                p { a href=(url) { (lang.pick("Buka PDF", "Open the PDF")) } " (" (file_size(file.bytes)) ")" }
            }
            Media::Epub => {
                p { (lang.pick("E-book EPUB: unduh lalu buka dengan aplikasi pembaca e-book di ponsel atau komputer.", "An EPUB e-book: download it and open it with an e-book reader on your phone or computer.")) }
                p { a href=(url) download { (lang.pick("Unduh EPUB", "Download the EPUB")) } " (" (file_size(file.bytes)) ")" }
            }
            Media::Audio => {
                audio controls preload="metadata" src=(url) {
                    a href=(url) { (lang.pick("Unduh rekaman", "Download the recording")) }
                }
                p { a href=(url) download { (lang.pick("Unduh rekaman", "Download the recording")) } " (" (file_size(file.bytes)) ")" }
            }
        }
    }
}

fn pager(reader: &Reader, base: &str, n: usize, count: usize) -> Markup {
    let lang = reader.lang;
    html! {
        @if count > 1 {
            nav.pager aria-label=(lang.pick("Halaman", "Pages")) {
                @if n > 1 {
                    a rel="prev" href=(reader.localized(&format!("{base}/{}", n - 1))) { "← " (lang.pick("Sebelumnya", "Previous")) }
                }
                @if n < count {
                    a rel="next" href=(reader.localized(&format!("{base}/{}", n + 1))) { (lang.pick("Berikutnya", "Next")) " →" }
                }
            }
        }
    }
}

/// A part in the list: its label, else what it is and its number.
pub fn part_name(file: &DigitalFile, n: usize, lang: Lang) -> String {
    let kind = media_name(file.media, lang);
    match &file.label {
        Some(label) => format!("{n}. {label} ({kind})"),
        None => format!("{n}. {kind}"),
    }
}

/// What a file is, for a reader.
pub fn media_name(media: Media, lang: Lang) -> &'static str {
    match media {
        Media::Pdf => "PDF",
        Media::Epub => "EPUB",
        Media::Image => lang.pick("halaman pindaian", "scanned page"),
        Media::Audio => lang.pick("rekaman suara", "audio"),
    }
}

/// Whether this visitor may read the title's files: signed in with card and PIN, from
/// where their connection comes.
fn may_read_here(state: &WebState, visitor: &Visitor, digital: &DigitalDoc) -> Result<(), Refusal> {
    may_read(
        digital.access,
        visitor.card().is_some(),
        visitor.from,
        &state.digital,
    )
}

/// The refusal: why, and what to do.
fn refused(state: &WebState, reader: &Reader, key: &str, refusal: Refusal) -> Response {
    let lang = reader.lang;
    let title_page = title_path(key);
    let (title, sentence, onward) = match refusal {
        Refusal::SignIn => (
            lang.pick("Khusus anggota", "For members"),
            lang.pick(
                "Bacaan ini khusus anggota perpustakaan. Masuk dengan nomor kartu anggota dan PIN Anda, lalu buka lagi halaman ini.",
                "This is for library members. Sign in with your library card number and PIN, then open this page again.",
            ),
            ("/account", lang.pick("Masuk", "Sign in")),
        ),
        Refusal::InLibrary => (
            lang.pick("Hanya di perpustakaan", "Only in the library"),
            lang.pick(
                "Bacaan ini hanya dapat dibaca di perpustakaan, melalui Wi-Fi atau komputer perpustakaan. Datanglah ke perpustakaan untuk membacanya.",
                "This can only be read in the library, on its Wi-Fi or its computers. Come to the library to read it.",
            ),
            (title_page.as_str(), lang.pick("Kembali ke judul ini", "Back to this title")),
        ),
    };
    layout::message(
        state,
        reader,
        Message {
            status: StatusCode::FORBIDDEN,
            title,
            sentence,
            alert: true,
            path: &title_page,
            onward,
        },
    )
}

/// A file's address under its title.
pub fn file_path(key: &str, hash: &str) -> String {
    format!("{}/file/{hash}", title_path(key))
}

/// `/title/{id}/file/{hash}`: the bytes, if the reader may read them.
pub async fn file(
    State(state): State<WebState>,
    visitor: Visitor,
    Path((key, hash)): Path<(String, String)>,
    request: Request,
) -> Result<Response, PageError> {
    let reader = visitor.reader.clone();
    let lookup = key.clone();
    let digital = read_view(&state, &reader, move |state| {
        Ok(state.view.digital(&lookup))
    })
    .await?;
    let Some((digital, file)) = digital.and_then(|d| {
        let file = d.files.iter().find(|f| f.hash == hash)?.clone();
        Some((d, file))
    }) else {
        return Err(PageError::not_found(reader));
    };
    if let Err(refusal) = may_read_here(&state, &visitor, &digital) {
        return Ok(refused(&state, &reader, &key, refusal));
    }
    let cache = match digital.access {
        swalayan_core::contract::documents::DigitalAccess::Public => "public, max-age=86400",
        _ => "private, max-age=3600",
    };
    let disposition = match file.media {
        Media::Epub => "attachment",
        _ => "inline",
    };
    let name = download_name(&file, &key);
    send(
        &state,
        &reader,
        request,
        &file,
        cache,
        &format!("{disposition}; filename=\"{name}\""),
    )
    .await
}

/// `/title/{id}/cover/{hash}.jpg`: a title's cover (public whatever the files' access).
pub async fn cover(
    State(state): State<WebState>,
    reader: Reader,
    Path((key, name)): Path<(String, String)>,
    request: Request,
) -> Result<Response, PageError> {
    let lookup = key.clone();
    let digital = read_view(&state, &reader, move |state| {
        Ok(state.view.digital(&lookup))
    })
    .await?;
    let hash = name.strip_suffix(".jpg").unwrap_or_default().to_string();
    let is_cover = digital
        .and_then(|d| d.cover)
        .is_some_and(|c| c.large == hash || c.small == hash);
    if !is_cover {
        return Err(PageError::not_found(reader));
    }
    let file = DigitalFile {
        hash,
        media: Media::Image,
        mime: "image/jpeg".into(),
        bytes: 0,
        label: None,
        width: None,
        height: None,
        words: String::new(),
    };
    send(
        &state,
        &reader,
        request,
        &file,
        "public, max-age=31536000, immutable",
        "inline",
    )
    .await
}

/// The name a saved file gets: the label when it has the right ending, else the title key.
fn download_name(file: &DigitalFile, key: &str) -> String {
    let ending = match file.mime.as_str() {
        "application/pdf" => "pdf",
        "application/epub+zip" => "epub",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "audio/mpeg" => "mp3",
        "audio/ogg" => "ogg",
        _ => "bin",
    };
    let safe = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect()
    };
    match &file.label {
        Some(label) if label.to_ascii_lowercase().ends_with(&format!(".{ending}")) => safe(label),
        _ => format!("{}.{ending}", safe(key)),
    }
}

/// Sends a stored file: `304` when the reader has it (`If-None-Match`), else the file or the
/// range asked (tower-http's file service: `Range`, `206`, `416`), with its `ETag`, caching
/// and its own content policy (a PDF shown in the site's frame; nothing in it runs).
async fn send(
    state: &WebState,
    reader: &Reader,
    request: Request,
    file: &DigitalFile,
    cache: &'static str,
    disposition: &str,
) -> Result<Response, PageError> {
    let Some(path) = state.files.as_ref().and_then(|s| s.path(&file.hash)) else {
        return Err(PageError::not_found(reader.clone()));
    };
    let etag = format!("\"{}\"", file.hash);
    let (mut parts, body) = request.into_parts();
    let matches = |value: &HeaderValue| {
        value
            .to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    };
    let headers_for = |response: &mut Response| {
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"),
        );
    };
    if parts
        .headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(matches)
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        headers_for(&mut response);
        return Ok(response);
    }
    // A range is only for the file the reader has part of: another `If-Range` gets it whole.
    if parts
        .headers
        .get(header::IF_RANGE)
        .is_some_and(|v| v.as_bytes() != etag.as_bytes())
    {
        parts.headers.remove(header::RANGE);
        parts.headers.remove(header::IF_RANGE);
    }
    let mime: mime::Mime = file.mime.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let served = tower_http::services::ServeFile::new_with_mime(path, &mime)
        .oneshot(Request::from_parts(parts, body))
        .await;
    let mut response = match served {
        Ok(response) => response.map(Body::new),
        Err(e) => return Err(PageError::internal(reader.clone(), e)),
    };
    if response.status().is_success() {
        headers_for(&mut response);
        if let Ok(value) = HeaderValue::from_str(disposition) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
    } else if response.status() == StatusCode::NOT_FOUND {
        tracing::error!(hash = %file.hash, "a digital file the catalogue names is not on disk");
    }
    Ok(response)
}
