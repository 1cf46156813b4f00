//! Signed-in patrons, forms that cannot be forged, and the sign-in rate limit.
//!
//! - A session is a random 256-bit id in an `HttpOnly; SameSite=Lax` cookie (`Secure` over
//!   HTTPS) naming a card held here in memory; 30 minutes without a request end it, so does
//!   `[web] session_max_hours` (default 8) whatever the activity, and so does a hub restart
//!   (patrons sign in again; nothing else is lost). The card never appears in a URL, a page
//!   address or a log line. A staff session also remembers which password it began under:
//!   a changed password ends it at its next request.
//! - Every form carries a CSRF token bound to the visitor: an HMAC, under a key this process
//!   drew at start, of a random pre-session cookie and of the session cookies the request
//!   carries. A token read off one visitor's page is worth nothing to another, and one from
//!   before a sign-in is worth nothing after it. A POST whose token does not match is refused
//!   before anything is read.
//! - Over HTTPS the cookies are named `__Host-…` (the browser then refuses them unless they
//!   are Secure, for the whole site and from this host alone), and pages carry HSTS.
//! - Sign-in attempts are limited per client address (10 in 5 minutes); guessing one card's
//!   PIN from many addresses is slowed and then paused by [`super::pin_guard`].

use axum::http::HeaderValue;
use axum::http::request::Parts;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie (over plain HTTP; see [`CookieNames`]).
pub const SESSION_COOKIE: &str = "sid";
/// The pre-session cookie CSRF tokens are bound to (over plain HTTP).
pub const CSRF_COOKIE: &str = "csrf";
/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(30 * 60);
/// A session ends after this long whatever the activity, unless `[web] session_max_hours`
/// says otherwise.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(8 * 60 * 60);

/// The cookies' names: `__Host-` prefixed over HTTPS (Secure, `Path=/`, no domain: the
/// browser enforces all three), plain over HTTP, where browsers refuse the prefix.
#[derive(Debug, Clone, Copy)]
pub struct CookieNames {
    pub session: &'static str,
    pub csrf: &'static str,
    pub staff: &'static str,
}

impl CookieNames {
    pub fn for_site(https: bool) -> CookieNames {
        if https {
            CookieNames {
                session: "__Host-sid",
                csrf: "__Host-csrf",
                staff: "__Host-staff_sid",
            }
        } else {
            CookieNames {
                session: SESSION_COOKIE,
                csrf: CSRF_COOKIE,
                staff: STAFF_COOKIE,
            }
        }
    }
}

/// The key CSRF tokens are made with, drawn when the process starts (a restart ends sessions
/// anyway, so forms from before it are stale either way).
pub struct FormKey(ring::hmac::Key);

impl Default for FormKey {
    fn default() -> FormKey {
        let mut secret = [0u8; 32];
        rand::fill(&mut secret);
        FormKey(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret))
    }
}

impl FormKey {
    /// The form token for a visitor: the HMAC of their pre-session cookie and the session
    /// cookies their request carries (empty when absent), 64 hex digits.
    pub fn token(&self, pre_session: &str, session: &str, staff_session: &str) -> String {
        let mut context = ring::hmac::Context::with_key(&self.0);
        for part in [pre_session, session, staff_session] {
            // Length-prefixed, so no two lists of parts make the same input.
            context.update(&(part.len() as u64).to_be_bytes());
            context.update(part.as_bytes());
        }
        hex::encode(context.sign().as_ref())
    }
}
/// Sign-in attempts allowed per client address within [`ATTEMPT_WINDOW`].
pub const MAX_ATTEMPTS: usize = 10;
pub const ATTEMPT_WINDOW: Duration = Duration::from_secs(5 * 60);

/// A signed-in patron or staff member (each kind in its own [`Sessions`]).
#[derive(Debug, Clone)]
pub struct Session {
    /// The patron's card, or the staff member's name.
    pub who: String,
    /// What the credential was when the session began (a staff member's password hash's
    /// fingerprint; empty for patrons): a change ends the session.
    pub credential: String,
    started: Instant,
    last_seen: Instant,
}

pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
    attempts: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
    /// The longest a session lives, however active.
    max_age: Duration,
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions::with_max_age(DEFAULT_MAX_AGE)
    }
}

impl Sessions {
    /// Sessions that end after `max_age` whatever the activity.
    pub fn with_max_age(max_age: Duration) -> Sessions {
        Sessions {
            by_id: Mutex::default(),
            attempts: Mutex::default(),
            max_age,
        }
    }

    /// Starts a session for `who` (a card, a staff name) under `credential`; returns its id
    /// (for the cookie).
    pub fn start(&self, who: &str, credential: &str) -> String {
        let id = random_token();
        let now = Instant::now();
        let session = Session {
            who: who.to_string(),
            credential: credential.to_string(),
            started: now,
            last_seen: now,
        };
        let mut all = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        // Forget the ones that ended, so the map never grows without bound.
        all.retain(|_, s| self.is_live(s));
        all.insert(id.clone(), session);
        id
    }

    fn is_live(&self, session: &Session) -> bool {
        session.last_seen.elapsed() < IDLE && session.started.elapsed() < self.max_age
    }

    /// The live session with this id, its idle clock restarted.
    pub fn get(&self, id: &str) -> Option<Session> {
        let mut all = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        let session = all.get(id)?;
        if !self.is_live(session) {
            all.remove(id);
            return None;
        }
        let session = all.get_mut(id)?;
        session.last_seen = Instant::now();
        Some(session.clone())
    }

    pub fn end(&self, id: &str) {
        let mut all = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        all.remove(id);
    }

    /// Counts a sign-in attempt from `from`; false when it is over the limit (not counted).
    pub fn may_attempt(&self, from: IpAddr) -> bool {
        let mut attempts = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
        attempts.retain(|_, times| {
            times.retain(|t| t.elapsed() < ATTEMPT_WINDOW);
            !times.is_empty()
        });
        let times = attempts.entry(from).or_default();
        if times.len() >= MAX_ATTEMPTS {
            return false;
        }
        times.push_back(Instant::now());
        true
    }
}

/// 256 random bits as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

/// The staff pages' session cookie: sent only to `/staff` and never with a request another
/// site starts (`SameSite=Strict`).
pub const STAFF_COOKIE: &str = "staff_sid";

/// A `Set-Cookie` value for the staff session cookie: `Path=/staff` over HTTP, and over
/// HTTPS `__Host-staff_sid` for the whole site (the prefix demands `Path=/`; `SameSite=Strict`
/// still keeps it from every request another site starts).
pub fn staff_cookie(value: &str, secure: bool, max_age: Option<u64>) -> HeaderValue {
    let (name, path, secure) = if secure {
        (CookieNames::for_site(true).staff, "/", "; Secure")
    } else {
        (STAFF_COOKIE, "/staff", "")
    };
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Strict{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` value for a cookie only the server reads.
pub fn cookie(name: &str, value: &str, secure: bool, max_age: Option<u64>) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The client's address as the connection shows it (no proxy headers trusted: a header is
/// the client's to forge).
pub fn client_address(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_start_and_end() {
        let sessions = Sessions::default();
        let id = sessions.start("P1", "");
        let session = sessions.get(&id).unwrap();
        assert_eq!(session.who, "P1");
        assert!(sessions.get("not-a-session").is_none());
        sessions.end(&id);
        assert!(sessions.get(&id).is_none());
    }

    #[test]
    fn the_eleventh_attempt_from_one_address_waits() {
        let sessions = Sessions::default();
        let here = IpAddr::from([127, 0, 0, 1]);
        for _ in 0..MAX_ATTEMPTS {
            assert!(sessions.may_attempt(here));
        }
        assert!(!sessions.may_attempt(here));
        assert!(sessions.may_attempt(IpAddr::from([127, 0, 0, 2])));
    }

    /// A session ends at its maximum age however active it is (fails if the age is not
    /// checked: the idle clock alone would keep this one alive).
    #[test]
    fn sessions_end_at_their_maximum_age_whatever_the_activity() {
        let sessions = Sessions::with_max_age(Duration::ZERO);
        let id = sessions.start("ana", "");
        assert!(sessions.get(&id).is_none());
        let sessions = Sessions::with_max_age(DEFAULT_MAX_AGE);
        let id = sessions.start("ana", "");
        assert!(sessions.get(&id).is_some());
    }

    #[test]
    fn form_tokens_are_bound_to_the_visitor_and_the_session() {
        let key = FormKey::default();
        let signed_out = key.token("pre", "", "");
        assert_eq!(signed_out.len(), 64);
        assert_eq!(signed_out, key.token("pre", "", ""));
        assert_ne!(signed_out, key.token("other", "", ""));
        assert_ne!(signed_out, key.token("pre", "sid", ""));
        assert_ne!(key.token("pre", "sid", ""), key.token("pre", "", "sid"));
        assert_ne!(signed_out, FormKey::default().token("pre", "", ""));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
    }
}
