//! Signed-in patrons, forms that cannot be forged, and the sign-in rate limit.
//!
//! - A session is a random 256-bit id in an `HttpOnly; SameSite=Lax` cookie (`Secure` over
//!   HTTPS) naming a card held here in memory; 30 minutes without a request end it, and so does
//!   a hub restart (patrons sign in again; nothing else is lost). The card never appears in a
//!   URL, a page address or a log line.
//! - Every form carries a CSRF token: the value of a random `csrf` cookie the page set
//!   (double submit; the cookie is `HttpOnly` and `SameSite=Lax`, so another site can neither
//!   read it nor, on a POST, send it). A POST whose token does not match is refused before
//!   anything is read.
//! - Sign-in attempts are limited per client address (10 in 5 minutes), on top of the
//!   library-wide PIN lockout (`catalog::check_patron_pin`): guessing PINs across cards from
//!   one place stops here, guessing one card's PIN from many places stops at the lockout.

use axum::http::HeaderValue;
use axum::http::request::Parts;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie.
pub const SESSION_COOKIE: &str = "sid";
/// The double-submit CSRF cookie.
pub const CSRF_COOKIE: &str = "csrf";
/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(30 * 60);
/// Sign-in attempts allowed per client address within [`ATTEMPT_WINDOW`].
pub const MAX_ATTEMPTS: usize = 10;
pub const ATTEMPT_WINDOW: Duration = Duration::from_secs(5 * 60);

/// A signed-in patron or staff member (each kind in its own [`Sessions`]).
#[derive(Debug, Clone)]
pub struct Session {
    /// The patron's card, or the staff member's name.
    pub who: String,
    last_seen: Instant,
}

#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
    attempts: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl Sessions {
    /// Starts a session for `who` (a card, a staff name); returns its id (for the cookie).
    pub fn start(&self, who: &str) -> String {
        let id = random_token();
        let session = Session {
            who: who.to_string(),
            last_seen: Instant::now(),
        };
        let mut all = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        // Forget the ones that timed out, so the map never grows without bound.
        all.retain(|_, s| s.last_seen.elapsed() < IDLE);
        all.insert(id.clone(), session);
        id
    }

    /// The live session with this id, its idle clock restarted.
    pub fn get(&self, id: &str) -> Option<Session> {
        let mut all = self.by_id.lock().unwrap_or_else(|p| p.into_inner());
        let session = all.get_mut(id)?;
        if session.last_seen.elapsed() >= IDLE {
            all.remove(id);
            return None;
        }
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

/// A `Set-Cookie` value for the staff session cookie.
pub fn staff_cookie(value: &str, secure: bool, max_age: Option<u64>) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{STAFF_COOKIE}={value}; Path=/staff; HttpOnly; SameSite=Strict{secure}{age}"
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
        let id = sessions.start("P1");
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

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
    }
}
