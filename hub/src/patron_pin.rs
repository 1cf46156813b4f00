//! A patron's PIN presented at the hub: by a station acting for a patron (the holds API), or
//! on the public web's sign-in.
//!
//! Two rules keep this from being a tool for attackers:
//!
//! - **One verifier run per attempt, whatever the card.** An unknown card, or one without a
//!   PIN, is checked against a stand-in verifier of the same cost, so the answer's time does
//!   not tell which cards exist or have a PIN. The verifier (argon2id, ~19 MiB) runs outside
//!   the storage's write lock: a burst of sign-ins never stalls a station's push.
//! - **The web's wrong PINs are the web's.** A wrong PIN from a station counts towards the
//!   library-wide lockout (the rule every kiosk applies); a wrong PIN on the web does not, or
//!   anyone could lock a patron out of every kiosk from a browser. The web slows a card's
//!   sign-ins down and then pauses them on its own ([`crate::web::kit::pin_guard`]). A lockout
//!   in force refuses both.

use crate::catalog::policy;
use crate::storage::{Result, Storage};
use jiff::Timestamp;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use swalayan_core::circulation::pin::{after_wrong_pin, hash_pin, verify_pin};
use swalayan_core::contract::documents::PatronDoc;

/// What a PIN presented at the hub proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinProof {
    Accepted,
    /// Wrong (or the card is unknown, or has no PIN: neither proves anything).
    Refused,
    /// The card is locked after too many wrong PINs at the stations.
    Locked,
}

/// Who presented the PIN, which decides whether a wrong one counts library-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOrigin {
    /// A station's token acting for a patron: counts towards the library-wide lockout.
    Station,
    /// The public web's sign-in: counted by the web alone.
    Web,
}

/// Verifier runs since the process started (tests count them; so could metrics).
static VERIFIER_RUNS: AtomicU64 = AtomicU64::new(0);

/// How many PIN verifiers this process has run.
pub fn verifier_runs() -> u64 {
    VERIFIER_RUNS.load(Ordering::Relaxed)
}

/// A verifier no PIN matches in practice, of the same cost as a patron's: made once.
fn stand_in_verifier() -> &'static str {
    static STAND_IN: OnceLock<String> = OnceLock::new();
    STAND_IN.get_or_init(|| {
        let mut random = [0u8; 16];
        rand::fill(&mut random);
        hash_pin(&hex::encode(random))
    })
}

/// Runs exactly one verifier: the card's, or the stand-in.
fn run_verifier(pin: &str, hash: Option<&str>) -> bool {
    VERIFIER_RUNS.fetch_add(1, Ordering::Relaxed);
    let right = verify_pin(pin, hash.unwrap_or(stand_in_verifier()));
    right && hash.is_some()
}

/// Checks a patron's PIN under the library's lockout.
pub fn check_patron_pin(
    storage: &dyn Storage,
    card: &str,
    pin: &str,
    now: Timestamp,
    origin: PinOrigin,
) -> Result<PinProof> {
    let doc = patron(storage, card)?;
    let hash = doc.as_ref().and_then(|d| d.pin_hash.clone());
    let locked = doc
        .as_ref()
        .and_then(|d| d.pin_locked_until)
        .is_some_and(|until| until > now);
    // Always one verifier, locked or not, known or not: the time says nothing.
    let right = run_verifier(pin, hash.as_deref());
    if locked {
        return Ok(PinProof::Locked);
    }
    if hash.is_none() {
        return Ok(PinProof::Refused);
    }
    if origin == PinOrigin::Web {
        return Ok(if right {
            PinProof::Accepted
        } else {
            PinProof::Refused
        });
    }
    // A station's attempt counts library-wide: applied to the document as it is now (a
    // station's push may have changed it while the verifier ran), by the policy's rule (read
    // only here: the web's attempts never need it).
    let (max_attempts, minutes) = {
        let policy = policy(storage)?;
        (policy.pin_max_attempts, policy.pin_lockout_minutes)
    };
    let mut proof = PinProof::Refused;
    storage.write(&mut |tx| {
        let Some(mut doc) = tx.doc::<PatronDoc>(card)? else {
            return Ok(());
        };
        proof = if doc.pin_locked_until.is_some_and(|until| until > now) {
            PinProof::Locked
        } else if right {
            doc.pin_failures = 0;
            doc.pin_locked_until = None;
            PinProof::Accepted
        } else {
            (doc.pin_failures, doc.pin_locked_until) = after_wrong_pin(
                doc.pin_failures,
                doc.pin_locked_until,
                now,
                max_attempts,
                minutes,
            );
            if doc.pin_locked_until.is_some() {
                PinProof::Locked
            } else {
                PinProof::Refused
            }
        };
        // An unchanged document takes no revision: a right PIN costs the stations nothing.
        tx.put_doc(card, Some(&doc))?;
        Ok(())
    })?;
    Ok(proof)
}

/// The shortest and longest PIN a kiosk's pad takes.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

/// Sets a patron's PIN at the hub (staff at the desk; a library system whose members have
/// none): argon2id like every PIN the stations check, a fresh count of wrong tries. A PIN
/// set here outlives the library system's reads (`[ils] pins`). `None` draws six random
/// digits; returns the PIN set.
pub fn set_patron_pin(storage: &dyn Storage, card: &str, pin: Option<&str>) -> Result<String> {
    let pin = match pin {
        Some(pin) => {
            let pin = pin.trim();
            if !PIN_DIGITS.contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
                return Err(crate::storage::HubError::Invalid(format!(
                    "a PIN is {} to {} digits (the kiosk's keypad has digits only)",
                    PIN_DIGITS.start(),
                    PIN_DIGITS.end()
                )));
            }
            pin.to_string()
        }
        None => {
            let mut digits = [0u8; 6];
            rand::fill(&mut digits);
            digits.iter().map(|d| char::from(b'0' + d % 10)).collect()
        }
    };
    let hash = hash_pin(&pin);
    let mut found = false;
    storage.write(&mut |tx| {
        let Some(mut doc) = tx.doc::<PatronDoc>(card)? else {
            return Ok(());
        };
        found = true;
        doc.pin_hash = Some(hash.clone());
        doc.pin_failures = 0;
        doc.pin_locked_until = None;
        tx.put_doc(card, Some(&doc))?;
        Ok(())
    })?;
    if !found {
        return Err(crate::storage::HubError::NotFound(format!(
            "no patron with card {card}"
        )));
    }
    Ok(pin)
}

/// The patron's document as stored now (a read in a write transaction that writes nothing).
pub(crate) fn patron(storage: &dyn Storage, card: &str) -> Result<Option<PatronDoc>> {
    storage.one(card)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::HubSink;
    use crate::storage::sqlite::SqliteStorage;
    use swalayan_core::import::csv::{ImportContext, import_patrons};

    /// The verifier count is per process: these tests take turns.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn library(dir: &std::path::Path) -> SqliteStorage {
        let storage = SqliteStorage::open(&dir.join("hub.db")).unwrap();
        let csv = "card,name,category,expires,pin\nP1,Siti,adult,2030-01-31,1234\nP2,Budi,adult,2030-01-31,\n";
        let path = dir.join("patrons.csv");
        std::fs::write(&path, csv).unwrap();
        let policy = swalayan_core::domain::Policy::default_policy();
        let ctx = ImportContext {
            policy: &policy,
            default_branch: "pusat",
        };
        import_patrons(&path, &ctx, &mut HubSink::new(&storage).unwrap()).unwrap();
        storage
    }

    /// Each attempt runs exactly one verifier: a wrong PIN, a right one, an unknown card and
    /// a card without a PIN alike (without the stand-in, the last two would run none and
    /// answer sooner, telling which cards exist).
    #[test]
    fn every_attempt_runs_one_verifier_whatever_the_card() {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let storage = library(dir.path());
        let now = Timestamp::now();
        for (card, pin, expected) in [
            ("P1", "0000", PinProof::Refused),
            ("P1", "1234", PinProof::Accepted),
            ("NOBODY", "1234", PinProof::Refused),
            ("P2", "1234", PinProof::Refused),
        ] {
            for origin in [PinOrigin::Web, PinOrigin::Station] {
                let before = verifier_runs();
                let proof = check_patron_pin(&storage, card, pin, now, origin).unwrap();
                assert_eq!(proof, expected, "{card} {pin} {origin:?}");
                assert_eq!(verifier_runs(), before + 1, "{card} {origin:?}");
            }
        }
    }

    /// Wrong PINs on the web never lock the card for the stations; a station's do.
    #[test]
    fn the_webs_wrong_pins_do_not_count_library_wide() {
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let storage = library(dir.path());
        let now = Timestamp::now();
        for _ in 0..5 {
            let proof = check_patron_pin(&storage, "P1", "0000", now, PinOrigin::Web).unwrap();
            assert_eq!(proof, PinProof::Refused);
        }
        let doc = patron(&storage, "P1").unwrap().unwrap();
        assert_eq!((doc.pin_failures, doc.pin_locked_until), (0, None));
        for _ in 0..3 {
            check_patron_pin(&storage, "P1", "0000", now, PinOrigin::Station).unwrap();
        }
        let doc = patron(&storage, "P1").unwrap().unwrap();
        assert!(doc.pin_locked_until.is_some());
        // Locked by the stations: the web refuses too, even the right PIN.
        let proof = check_patron_pin(&storage, "P1", "1234", now, PinOrigin::Web).unwrap();
        assert_eq!(proof, PinProof::Locked);
    }
}
