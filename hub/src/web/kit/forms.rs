//! Who sent a request and the forms they post: the visitor (language, session, the form
//! token bound to their cookies), the redirect after a POST, the page for a forged form.

use super::WebState;
use super::lang::{Reader, cookie as read_cookie};
use super::layout;
use super::session::{CookieNames, Session, client_address, cookie, random_token, same_token};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use std::net::IpAddr;

/// Whoever sent the request: their language, their session if signed in, the form token.
pub struct Visitor {
    pub reader: Reader,
    /// The session id and the session.
    pub session: Option<(String, Session)>,
    /// The token this page's forms carry, bound to this visitor's cookies.
    pub csrf: String,
    /// Set when the visitor had no pre-session cookie yet: the response sets it.
    set_csrf: Option<HeaderValue>,
    pub from: IpAddr,
}

impl FromRequestParts<WebState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Visitor, Self::Rejection> {
        let reader = Reader::from_request_parts(parts, state).await?;
        let names = CookieNames::for_site(state.https);
        let session_cookie = read_cookie(parts, names.session).unwrap_or_default();
        let session = state
            .sessions
            .get(&session_cookie)
            .map(|s| (session_cookie.clone(), s));
        let (pre_session, set_csrf) = match read_cookie(parts, names.csrf).filter(|t| t.len() == 64)
        {
            Some(token) => (token, None),
            None => {
                let token = random_token();
                let set = cookie(names.csrf, &token, state.https, None);
                (token, Some(set))
            }
        };
        let staff_cookie = read_cookie(parts, names.staff).unwrap_or_default();
        let csrf = state
            .form_key
            .token(&pre_session, &session_cookie, &staff_cookie);
        Ok(Visitor {
            reader,
            session,
            csrf,
            set_csrf,
            from: client_address(parts),
        })
    }
}

impl Visitor {
    /// Whether a posted form's token is the one this visitor's cookies make (a page of
    /// another site can make the browser send the cookies, never read the token into a form).
    pub fn form_is_genuine(&self, posted: &str) -> bool {
        if self.set_csrf.is_some() || !same_token(posted, &self.csrf) {
            return false;
        }
        true
    }

    /// The hidden field every form carries.
    pub fn token_field(&self) -> Markup {
        html! { input type="hidden" name="csrf" value=(self.csrf); }
    }

    /// A response with the CSRF cookie when it was new.
    pub fn finish(&self, mut response: Response) -> Response {
        if let Some(set) = &self.set_csrf {
            response
                .headers_mut()
                .append(header::SET_COOKIE, set.clone());
        }
        response
    }

    pub fn card(&self) -> Option<&str> {
        self.session.as_ref().map(|(_, s)| s.who.as_str())
    }
}

/// A redirect after a POST (the browser then GETs the page).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// A refused form: the forged-request page, nothing done.
pub fn forged(state: &WebState, visitor: &Visitor) -> Response {
    let lang = visitor.reader.lang;
    let page = layout::Message {
        status: StatusCode::FORBIDDEN,
        title: lang.pick("Formulir kedaluwarsa", "Form expired"),
        sentence: lang.pick(
            "Formulir ini sudah tidak berlaku. Muat ulang halaman lalu coba lagi.",
            "This form is no longer valid. Reload the page and try again.",
        ),
        alert: false,
        path: "/account",
        onward: ("/account", lang.pick("Ke akun saya", "To my account")),
    };
    visitor.finish(layout::message(state, &visitor.reader, page))
}
