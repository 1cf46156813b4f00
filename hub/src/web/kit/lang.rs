//! The reader's language: `?lang=id|en` on any page switches it and a cookie remembers it;
//! without either, Bahasa Indonesia.

use super::WebState;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Uri};
use swalayan_core::reason::Lang;

/// The cookie that keeps the choice.
pub const COOKIE_NAME: &str = "lang";

/// Who is reading, as far as pages need to know before signing in.
#[derive(Debug, Clone)]
pub struct Reader {
    pub lang: Lang,
    /// Set when `?lang=` chose the language: the response carries the cookie.
    pub remember: Option<HeaderValue>,
}

impl Reader {
    /// `path` with this reader's `?lang=` when it is not the default, for canonical links.
    pub fn localized(&self, path: &str) -> String {
        match self.lang {
            Lang::Id => path.to_string(),
            Lang::En if path.contains('?') => format!("{path}&lang=en"),
            Lang::En => format!("{path}?lang=en"),
        }
    }

    /// Adds the language cookie to a response when the reader just chose.
    pub fn remember_on(&self, headers: &mut axum::http::HeaderMap) {
        if let Some(cookie) = &self.remember {
            headers.append(SET_COOKIE, cookie.clone());
        }
    }
}

/// The value of query parameter `name` in `uri`, percent-decoded.
pub fn query_param(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| {
            let spaced = value.replace('+', " ");
            percent_encoding::percent_decode_str(&spaced)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// The value of cookie `name` in the request's Cookie headers.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_string())
        })
}

impl FromRequestParts<WebState> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Reader, Self::Rejection> {
        if let Some(lang) = query_param(&parts.uri, "lang").and_then(|c| Lang::from_code(&c)) {
            let secure = if state.https { "; Secure" } else { "" };
            let cookie = format!(
                "{COOKIE_NAME}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}",
                lang.code()
            );
            return Ok(Reader {
                lang,
                remember: HeaderValue::from_str(&cookie).ok(),
            });
        }
        let lang = cookie(parts, COOKIE_NAME)
            .and_then(|c| Lang::from_code(&c))
            .unwrap_or_default();
        Ok(Reader {
            lang,
            remember: None,
        })
    }
}
