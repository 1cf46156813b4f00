//! The page machinery both sides of the web share, depending on neither: the state every
//! handler gets ([`WebState`]), errors as pages ([`PageError`]), the page around every page
//! ([`layout`]), the reader's language ([`lang`]), the visitor and their forms ([`forms`]),
//! sessions and form tokens ([`session`]), CSV downloads ([`csv`]), how often one address may
//! act ([`throttle`]), the web's own brake on wrong PINs ([`pin_guard`]), and the catalogue
//! held in memory ([`catalog_view`], [`words`]).

pub mod catalog_view;
pub mod csv;
pub mod forms;
pub mod lang;
pub mod layout;
pub mod pin_guard;
pub mod session;
pub mod throttle;
pub mod words;

use crate::config::Library;
use crate::storage::{HubError, Storage};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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
    /// `[digital]`: file sizes, the library's own networks.
    pub digital: Arc<crate::digital::DigitalSettings>,
    /// The digital files on disk; `None` when the hub has nowhere to keep them (the staff's
    /// upload says which setting to add) or the folder could not be made (logged).
    pub files: Option<crate::digital::FileStore>,
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
            digital: Arc::new(crate::digital::DigitalSettings::defaults("")),
            files: None,
        })
    }

    /// With `[digital]`: its settings and the file store in its folder (made if missing).
    pub fn with_digital(mut self, settings: crate::digital::DigitalSettings) -> WebState {
        self.files = settings.dir.as_deref().and_then(|dir| {
            crate::digital::FileStore::open(dir)
                .map_err(|e| tracing::error!("digital files: {e}"))
                .ok()
        });
        self.digital = Arc::new(settings);
        self
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

/// A cover's address: under its title, named by the picture's hash (so it never changes
/// and may be cached for good).
pub fn cover_path(key: &str, hash: &str) -> String {
    format!("{}/cover/{hash}.jpg", title_path(key))
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
