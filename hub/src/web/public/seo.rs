//! `robots.txt` and `sitemap.xml`: what search engines may read, and every title's address.
//!
//! The sitemap protocol wants absolute URLs, and the hub knows its own address only from
//! `[library] public_url`: without it there is no sitemap (404), and robots.txt says why.

use crate::web::kit::{WebState, title_path};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;

/// The sitemap protocol's limit per file.
const MAX_URLS: usize = 50_000;

pub async fn robots(State(state): State<WebState>) -> Response {
    let mut text = String::from(
        "User-agent: *\nDisallow: /account\nDisallow: /staff\nDisallow: /v1/\nAllow: /\n",
    );
    if state.library.public_url.is_some() {
        let _ = writeln!(text, "Sitemap: {}", state.library.url("/sitemap.xml"));
    } else {
        text.push_str(
            "# No sitemap: the sitemap protocol needs absolute addresses; set [library] public_url in hub.toml.\n",
        );
    }
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// The home page, the events (listed and each one) and every title (up to 50,000 addresses in
/// all; more need a sitemap index), as absolute URLs; none (404) without `public_url`.
pub async fn sitemap(
    State(state): State<WebState>,
    reader: crate::web::kit::lang::Reader,
) -> Response {
    if state.library.public_url.is_none() {
        return crate::web::kit::PageError::not_found(reader).into_response();
    }
    let view = state.clone();
    let keys = tokio::task::spawn_blocking(move || {
        view.view
            .refresh(view.storage.as_ref())
            .map(|()| (view.view.title_keys(), view.view.event_ids()))
    })
    .await;
    let (keys, events) = match keys {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "sitemap");
            return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "sitemap");
            return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut url = |path: &str| {
        let _ = writeln!(
            xml,
            "<url><loc>{}</loc></url>",
            escape_xml(&state.library.url(path))
        );
    };
    url("/");
    url("/events");
    for id in events.iter().take(MAX_URLS / 10) {
        url(&super::events::event_path(id));
    }
    let room = MAX_URLS - 2 - events.len().min(MAX_URLS / 10);
    for key in keys.iter().take(room) {
        url(&title_path(key));
    }
    xml.push_str("</urlset>\n");
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
