//! The library's public web, served by the hub: server-rendered pages in Bahasa Indonesia
//! first and English, working without JavaScript, phone-friendly, found by search engines.
//!
//! # Layout
//!
//! Two sides that do not know each other, on one kit:
//!
//! - [`kit`]: the shared page machinery — the state every handler gets, errors as pages, the
//!   layout and security headers, the reader's language, the visitor and form tokens,
//!   sessions, CSV, per-address throttles, the web's PIN brake, the catalogue in memory.
//! - [`public`]: the library's public site — home, search, titles, the patron's account,
//!   renewals, events, feedback, robots and sitemap.
//! - [`staff`]: the staff's pages under `/staff` — sign-in and the dashboard's home, report
//!   pages with charts, events' rosters and check-in, publishing, conflicts, notifications.
//!
//! This file only joins the two sides' addresses into one router: nothing in `kit` imports
//! `public` or `staff`, and neither side imports the other (a test reads the `use` lines).
//!
//! Addresses are a contract: `/`, `/search?q=WORDS`, `/title/{id}`, `/account`
//! (fields `card` and `pin` when signed out), `/events`, `/events/{id}`, `/feedback`,
//! `/sitemap.xml`, `/robots.txt`, and since issue #31 `/title/{id}/read/{n}`,
//! `/title/{id}/file/{hash}`, `/title/{id}/cover/{hash}.jpg`, `/new.atom`, `/events.ics`,
//! `/oai`; `?lang=en` on any of them.

pub mod kit;
pub mod public;
pub mod staff;

pub use kit::{PageError, WebState, read_view, title_path};

use axum::Router;
use axum::routing::{get, post};
use public::{
    account, events, feedback, feeds, home, kiosk_pin, mobile_library, notifications, oai, reading,
    search, seo, title,
};
use staff::notifications as staff_notifications;
use staff::{
    annual, conflicts, dashboard, digital, digital_uploads, event_forms, insight, programmes,
    promotions, routes,
};

/// The public pages.
pub fn router(state: WebState) -> Router {
    // An upload of digital files carries one file of `[digital] max_file_mb` (or several
    // smaller), and the form around it.
    let uploads = axum::extract::DefaultBodyLimit::max(
        usize::try_from(state.digital.max_file_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(1024 * 1024),
    );
    Router::new()
        .route("/", get(home::page))
        .route("/search", get(search::page))
        .route("/title/{id}", get(title::page))
        .route("/title/{id}/reserve", post(account::reserve))
        .route("/title/{id}/read", get(reading::start))
        .route("/title/{id}/read/{n}", get(reading::part))
        .route("/title/{id}/file/{hash}", get(reading::file))
        .route("/title/{id}/cover/{name}", get(reading::cover))
        .route("/account", get(account::page))
        .route("/account/sign-in", post(account::sign_in))
        .route("/account/sign-out", post(account::sign_out))
        .route("/account/holds/{id}/cancel", post(account::cancel_hold))
        .route("/account/loans/renew", post(account::renew))
        .route("/account/kiosk-pin", post(kiosk_pin::set))
        .route(
            "/account/notifications",
            get(notifications::page).post(notifications::save),
        )
        .route("/events", get(events::list))
        .route("/events.ics", get(feeds::events_calendar))
        .route("/mobile-library", get(mobile_library::page))
        .route("/mobile-library/{route}", get(mobile_library::calendar))
        .route("/new.atom", get(feeds::new_acquisitions))
        .route("/oai", get(oai::get).post(oai::post))
        .route("/events/{id}", get(events::page))
        .route("/events/{id}/register", post(events::register))
        .route("/events/{id}/cancel", post(events::cancel))
        .route("/staff", get(dashboard::home))
        .route(
            "/staff/login",
            get(dashboard::login_page).post(dashboard::login),
        )
        .route("/staff/logout", post(dashboard::logout))
        .route("/staff/audit", get(dashboard::audit))
        .route("/staff/circulation", get(insight::circulation))
        .route("/staff/visitors", get(insight::visitors))
        .route("/staff/feedback", get(insight::feedback))
        .route("/staff/monthly", get(insight::monthly))
        .route("/staff/annual", get(annual::page))
        .route("/staff/routes", get(routes::page).post(routes::add))
        .route("/staff/routes/{id}/remove", post(routes::remove))
        .route("/staff/conflicts", get(conflicts::page))
        .route("/staff/conflicts/{id}/resolve", post(conflicts::resolve))
        .route("/staff/notifications", get(staff_notifications::page))
        .route("/staff/events", get(programmes::list))
        .route(
            "/staff/events/new",
            get(event_forms::new_event).post(event_forms::create_event),
        )
        .route(
            "/staff/events/{id}/edit",
            get(event_forms::edit_event).post(event_forms::update_event),
        )
        .route("/staff/events/{id}/remove", post(event_forms::remove_event))
        .route(
            "/staff/promotions",
            get(promotions::promotions).post(promotions::create_promotion),
        )
        .route(
            "/staff/promotions/{id}",
            get(promotions::promotion).post(promotions::update_promotion),
        )
        .route(
            "/staff/promotions/{id}/remove",
            post(promotions::remove_promotion),
        )
        .route("/staff/digital", get(digital::list))
        .route("/staff/digital/new", post(digital::create_local))
        .route(
            "/staff/digital/{key}",
            get(digital::title_page).post(digital::describe),
        )
        .route(
            "/staff/digital/{key}/files",
            post(digital_uploads::upload).layer(uploads),
        )
        .route(
            "/staff/digital/{key}/files/{hash}/{action}",
            post(digital::file_action),
        )
        .route(
            "/staff/digital/{key}/cover",
            post(digital_uploads::upload_cover).layer(uploads),
        )
        .route(
            "/staff/digital/{key}/cover/remove",
            post(digital::remove_cover),
        )
        .route("/staff/events/{id}", get(programmes::page))
        .route("/staff/events/{id}/check-in", post(programmes::check_in))
        .route("/staff/events/{id}/undo", post(programmes::undo))
        .route("/feedback", get(feedback::page).post(feedback::submit))
        .route("/robots.txt", get(seo::robots))
        .route("/sitemap.xml", get(seo::sitemap))
        .route("/site.css", get(kit::layout::stylesheet))
        .route("/favicon.svg", get(kit::layout::icon))
        .route("/favicon.ico", get(kit::layout::icon))
        .fallback(no_such_page)
        .layer(axum::middleware::from_fn_with_state(
            state.https,
            kit::layout::security_headers,
        ))
        .with_state(state)
}

/// Any address the site does not have: the site's own 404 page, in the reader's language.
async fn no_such_page(reader: kit::lang::Reader) -> PageError {
    PageError::not_found(reader)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `crate::web::…` and `super::…` path a folder's files name, with the file.
    fn paths_named(folder: &str) -> Vec<(String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/web")
            .join(folder);
        let mut named = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            // A file's own tests name `super::` for the file itself.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
                if word.starts_with("crate::web::") || word.starts_with("super::") {
                    named.push((file.clone(), word.to_string()));
                }
            }
        }
        named
    }

    /// The kit depends on neither side, and neither side on the other: the only place they
    /// meet is this file's router. (Fails when, say, a staff page imports a public one.)
    #[test]
    fn the_kit_and_the_two_sides_do_not_run_into_each_other() {
        for (file, path) in paths_named("kit") {
            let up = path.starts_with("crate::web::public")
                || path.starts_with("crate::web::staff")
                || (file == "mod.rs" && path.starts_with("super::"));
            assert!(!up, "kit/{file} names {path}");
        }
        for (side, other) in [("public", "staff"), ("staff", "public")] {
            for (file, path) in paths_named(side) {
                let crossing = path.starts_with(&format!("crate::web::{other}"))
                    || (file == "mod.rs" && path.starts_with("super::"))
                    || path.starts_with("super::super::");
                assert!(!crossing, "{side}/{file} names {path}");
                if let Some(rest) = path.strip_prefix("crate::web::") {
                    assert!(
                        rest.starts_with("kit") || rest.starts_with(side),
                        "{side}/{file} names {path}"
                    );
                }
            }
        }
        // Nothing of the hub below the server reaches up into the web.
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.extension().is_some_and(|e| e == "rs") && name != "server.rs" {
                let text = std::fs::read_to_string(&path).unwrap();
                let code: String = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect();
                assert!(!code.contains("crate::web"), "{name} reaches into the web");
            }
        }
    }
}
