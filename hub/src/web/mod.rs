//! The library's public web, served by the hub: server-rendered pages in Bahasa Indonesia
//! first and English, working without JavaScript, phone-friendly, found by search engines.
//!
//! # Layout
//!
//! - [`words`]: the word index (titles, authors, subjects, ISBNs).
//! - [`catalog_view`]: titles, copies, loans, holds and promotions in memory, current from the
//!   change feed — what every page reads.
//! - [`lang`]: the reader's language (`?lang=`, remembered in a cookie).
//! - [`layout`]: the page around every page: head (title, description, canonical URL, Open
//!   Graph, schema.org), header, footer, the security headers.
//! - [`home`], [`search`], [`title`]: the pages; [`seo`]: `robots.txt` and `sitemap.xml`.
//! - [`session`]: signed-in patrons, CSRF tokens, the sign-in rate limit; [`pin_guard`]: the
//!   web's own brake on one card's wrong PINs (never the kiosks' lockout); [`account`]: sign
//!   in and out, the patron's loans, reservations and fines, reserving and cancelling;
//!   [`renew`]: renewing by the kiosks' rule, recorded through the ledger; [`feedback`]: the
//!   feedback form.
//! - [`events`]: the events and literacy programmes, registration and the waiting list;
//!   [`throttle`]: how often one address may register guests and post feedback.
//! - [`staff`]: the staff's pages under `/staff` (their own sign-in, stations, audit log);
//!   [`conflicts`]: conflicts resolved with a note;
//!   [`insight`]: their report pages (visitors, circulation, feedback, the monthly
//!   summary); [`programmes`]: events' registrations and attendance, the check-in at the
//!   door; [`publishing`]: promotions and events written, changed and withdrawn; [`chart`]:
//!   bar charts, SVG drawn on the server.
//!
//! Addresses are a contract (issue #16): `/`, `/search?q=WORDS`, `/title/{id}`, `/account`
//! (fields `card` and `pin` when signed out), `/events`, `/events/{id}`, `/feedback`,
//! `/sitemap.xml`, `/robots.txt`; `?lang=en` on
//! any of them.

pub mod account;
pub mod catalog_view;
pub mod chart;
pub mod conflicts;
pub mod events;
pub mod feedback;
pub mod home;
pub mod insight;
pub mod lang;
pub mod layout;
pub mod pin_guard;
pub mod programmes;
pub mod publishing;
pub mod renew;
pub mod search;
pub mod seo;
pub mod session;
pub mod staff;
pub mod throttle;
pub mod title;
pub mod words;

use crate::config::Library;
use crate::storage::{HubError, Storage};
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use catalog_view::CatalogView;
use lang::Reader;
use std::sync::Arc;

/// What every page handler shares.
#[derive(Clone)]
pub struct WebState {
    pub storage: Arc<dyn Storage>,
    pub library: Arc<Library>,
    pub view: Arc<CatalogView>,
    pub sessions: Arc<session::Sessions>,
    /// Signed-in staff (names), apart from patrons' sessions.
    pub staff_sessions: Arc<session::Sessions>,
    /// The key the forms' CSRF tokens are made with.
    pub form_key: Arc<session::FormKey>,
    /// The web's own count of wrong PINs per card (never the kiosks' lockout).
    pub pin_guard: Arc<pin_guard::PinGuard>,
    /// How often one address may register guests and post feedback.
    pub throttles: Arc<Throttles>,
    /// Served over HTTPS (here, or behind a proxy at an https `public_url`): cookies are
    /// then marked Secure.
    pub https: bool,
}

impl WebState {
    /// Loads the catalogue view (every title, copy, loan and live hold) once.
    pub fn new(
        storage: Arc<dyn Storage>,
        library: Library,
        tls: bool,
    ) -> Result<WebState, HubError> {
        let view = Arc::new(CatalogView::load(storage.as_ref())?);
        let https = tls
            || library
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"));
        let max_age = library.session_max;
        Ok(WebState {
            storage,
            library: Arc::new(library),
            view,
            sessions: Arc::new(session::Sessions::with_max_age(max_age)),
            staff_sessions: Arc::new(session::Sessions::with_max_age(max_age)),
            form_key: Arc::default(),
            pin_guard: Arc::default(),
            throttles: Arc::default(),
            https,
        })
    }
}

/// What one address may do on the public web without a card or a session.
pub struct Throttles {
    /// Guest registrations per address and event: 3 a day.
    pub guests_per_event: throttle::Throttle,
    /// Guest registrations per address, all events: 10 an hour.
    pub guests_per_address: throttle::Throttle,
    /// Feedback posts per address: 10 an hour.
    pub feedback_posts: throttle::Throttle,
    /// Which addresses gave feedback today (the first counts; the rest are marked).
    pub feedback_firsts: throttle::FirstOfTheDay,
}

impl Default for Throttles {
    fn default() -> Throttles {
        use std::time::Duration;
        Throttles {
            guests_per_event: throttle::Throttle::new(3, Duration::from_secs(24 * 3600)),
            guests_per_address: throttle::Throttle::new(10, Duration::from_secs(3600)),
            feedback_posts: throttle::Throttle::new(10, Duration::from_secs(3600)),
            feedback_firsts: throttle::FirstOfTheDay::default(),
        }
    }
}

/// The public pages.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/", get(home::page))
        .route("/search", get(search::page))
        .route("/title/{id}", get(title::page))
        .route("/title/{id}/reserve", post(account::reserve))
        .route("/account", get(account::page))
        .route("/account/sign-in", post(account::sign_in))
        .route("/account/sign-out", post(account::sign_out))
        .route("/account/holds/{id}/cancel", post(account::cancel_hold))
        .route("/account/loans/renew", post(account::renew))
        .route("/events", get(events::list))
        .route("/events/{id}", get(events::page))
        .route("/events/{id}/register", post(events::register))
        .route("/events/{id}/cancel", post(events::cancel))
        .route("/staff", get(staff::home))
        .route("/staff/login", get(staff::login_page).post(staff::login))
        .route("/staff/logout", post(staff::logout))
        .route("/staff/audit", get(staff::audit))
        .route("/staff/circulation", get(insight::circulation))
        .route("/staff/visitors", get(insight::visitors))
        .route("/staff/feedback", get(insight::feedback))
        .route("/staff/monthly", get(insight::monthly))
        .route("/staff/conflicts", get(conflicts::page))
        .route("/staff/conflicts/{id}/resolve", post(conflicts::resolve))
        .route("/staff/events", get(programmes::list))
        .route(
            "/staff/events/new",
            get(publishing::new_event).post(publishing::create_event),
        )
        .route(
            "/staff/events/{id}/edit",
            get(publishing::edit_event).post(publishing::update_event),
        )
        .route("/staff/events/{id}/remove", post(publishing::remove_event))
        .route(
            "/staff/promotions",
            get(publishing::promotions).post(publishing::create_promotion),
        )
        .route(
            "/staff/promotions/{id}",
            get(publishing::promotion).post(publishing::update_promotion),
        )
        .route(
            "/staff/promotions/{id}/remove",
            post(publishing::remove_promotion),
        )
        .route("/staff/events/{id}", get(programmes::page))
        .route("/staff/events/{id}/check-in", post(programmes::check_in))
        .route("/staff/events/{id}/undo", post(programmes::undo))
        .route("/feedback", get(feedback::page).post(feedback::submit))
        .route("/robots.txt", get(seo::robots))
        .route("/sitemap.xml", get(seo::sitemap))
        .route("/site.css", get(layout::stylesheet))
        .route("/favicon.svg", get(layout::icon))
        .route("/favicon.ico", get(layout::icon))
        .fallback(no_such_page)
        .layer(axum::middleware::from_fn_with_state(
            state.https,
            layout::security_headers,
        ))
        .with_state(state)
}

/// Any address the site does not have: the site's own 404 page, in the reader's language.
async fn no_such_page(reader: Reader) -> PageError {
    PageError::not_found(reader)
}

/// A page that could not be made: the reader gets a plain sentence, the log the detail.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub reader: Reader,
    pub detail: String,
}

impl PageError {
    pub fn not_found(reader: Reader) -> PageError {
        PageError {
            status: StatusCode::NOT_FOUND,
            reader,
            detail: "not found".into(),
        }
    }

    pub fn internal(reader: Reader, error: impl std::fmt::Display) -> PageError {
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            reader,
            detail: error.to_string(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let lang = self.reader.lang;
        let sentence = if self.status == StatusCode::NOT_FOUND {
            lang.pick(
                "Halaman ini tidak ada. Coba cari di katalog.",
                "There is no such page. Try searching the catalogue.",
            )
        } else {
            tracing::error!(status = %self.status, detail = %self.detail, "page failed");
            lang.pick(
                "Maaf, halaman ini sedang tidak dapat ditampilkan. Coba lagi sebentar lagi.",
                "Sorry, this page cannot be shown right now. Please try again shortly.",
            )
        };
        let body = maud::html! {
            h1 { (lang.pick("Maaf", "Sorry")) }
            p { (sentence) }
            p { a href="/" { (lang.pick("Ke beranda", "To the home page")) } }
        };
        let page = layout::Page {
            title: lang.pick("Maaf", "Sorry").to_string(),
            description: sentence.to_string(),
            path: "/".into(),
            index: false,
            schema: None,
        };
        // The page is rendered without the library's settings on purpose: an error page
        // must not itself fail.
        let html = layout::bare(&self.reader, &page, body);
        (self.status, html).into_response()
    }
}

/// Runs blocking storage work (SQLite, the synchronous PostgreSQL client) off the async
/// workers, bringing the catalogue view up to date first.
pub async fn read_view<T: Send + 'static>(
    state: &WebState,
    reader: &Reader,
    work: impl FnOnce(&WebState) -> Result<T, HubError> + Send + 'static,
) -> Result<T, PageError> {
    let state = state.clone();
    let failed = reader.clone();
    tokio::task::spawn_blocking(move || {
        state.view.refresh(state.storage.as_ref())?;
        work(&state)
    })
    .await
    .map_err(|e| PageError::internal(failed.clone(), e))?
    .map_err(|e| PageError::internal(failed, e))
}

/// The `/title/{id}` address of a title key: the key with everything but letters, digits
/// and `-._~:` percent-encoded, so any key makes one stable, URL-safe segment.
pub fn title_path(key: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b':');
    format!(
        "/title/{}",
        percent_encoding::utf8_percent_encode(key, KEEP)
    )
}

#[cfg(test)]
mod tests {
    use super::title_path;

    #[test]
    fn title_addresses_are_one_url_safe_segment() {
        assert_eq!(title_path("001:12345"), "/title/001:12345");
        assert_eq!(
            title_path("title:Laskar Pelangi|Andrea/Hirata"),
            "/title/title:Laskar%20Pelangi%7CAndrea%2FHirata"
        );
    }
}
