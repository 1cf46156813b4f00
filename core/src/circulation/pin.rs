//! PIN hashing and checking: argon2id with parameters sized for a Raspberry Pi.
//!
//! A 4–6 digit PIN has at most a million values: no hash makes it strong against someone
//! holding the database. What protects patrons is the lockout after a few wrong tries and
//! the database file being readable by the service user only (0600). The hash only has to
//! make a stolen file costlier than a trivial lookup table, and stay cheap enough that a
//! patron waits well under 100 ms on a Pi 4 and that 50,000 patrons import in minutes.
//!
//! Chosen: argon2id, 4 MiB of memory, 2 passes, 1 lane. Measured with `cargo bench --bench
//! circulation -- pin` (docs/PERFORMANCE.md): a few milliseconds on this machine's cores,
//! which a Pi 4 (about 4–6x slower per core) keeps far below 100 ms.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use jiff::{SignedDuration, Timestamp};

/// Memory cost in KiB.
pub const MEMORY_KIB: u32 = 4 * 1024;
/// Passes over the memory.
pub const PASSES: u32 = 2;

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a PIN with a fresh random salt into a PHC string (`$argon2id$v=19$...`).
pub fn hash_pin(pin: &str) -> String {
    let mut salt_bytes = [0u8; 16];
    rand::fill(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).expect("16 bytes make a valid salt");
    hasher()
        .hash_password(pin.as_bytes(), &salt)
        .expect("hashing a short PIN cannot fail")
        .to_string()
}

/// Whether `text` is already an argon2 PHC hash (imports may carry hashes, never PINs).
pub fn is_pin_hash(text: &str) -> bool {
    text.starts_with("$argon2") && PasswordHash::new(text).is_ok()
}

/// Whether `text` is a bcrypt hash (`$2y$…`, `$2b$…`, `$2a$…`): what PHP's
/// `password_hash` makes, so a library system's member password (SLiMS) can be the PIN.
pub fn is_bcrypt_hash(text: &str) -> bool {
    ["$2y$", "$2b$", "$2a$"]
        .iter()
        .any(|prefix| text.starts_with(prefix))
        && text.len() == 60
}

/// Checks a PIN against a stored hash: argon2 (the hub's and the stations' own), or bcrypt
/// (a library system's member password). A hash that cannot be parsed never matches; no
/// unsalted or fast hash (MD5, SHA-1) is ever accepted.
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    if is_bcrypt_hash(hash) {
        return bcrypt::verify(pin, hash).unwrap_or(false);
    }
    match PasswordHash::new(hash) {
        Ok(parsed) => hasher().verify_password(pin.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// The result of presenting (or not presenting) a PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCheck {
    /// The patron has no PIN, or gave the right one.
    Accepted,
    /// The patron has a PIN and gave none.
    Required,
    /// A wrong PIN; `failures` counts the wrong tries in a row, including this one.
    Incorrect {
        failures: u32,
        locked_until: Option<Timestamp>,
    },
    /// Locked out until then: the PIN was not even checked.
    Locked { until: Timestamp },
}

/// The lockout rule around [`verify_pin`]. Pure apart from the hash's CPU time: the caller
/// stores the new failure count and lockout.
pub fn check_pin(
    pin_hash: Option<&str>,
    given: Option<&str>,
    failures: u32,
    locked_until: Option<Timestamp>,
    now: Timestamp,
    max_attempts: u32,
    lockout_minutes: u32,
) -> PinCheck {
    let Some(hash) = pin_hash else {
        return PinCheck::Accepted;
    };
    if let Some(until) = locked_until
        && until > now
    {
        return PinCheck::Locked { until };
    }
    let Some(given) = given.filter(|g| !g.is_empty()) else {
        return PinCheck::Required;
    };
    if verify_pin(given, hash) {
        return PinCheck::Accepted;
    }
    let (failures, locked_until) =
        after_wrong_pin(failures, locked_until, now, max_attempts, lockout_minutes);
    PinCheck::Incorrect {
        failures,
        locked_until,
    }
}

/// The count and lockout after one more wrong PIN at `now`: the rule every station and the
/// hub apply, so three wrong PINs lock a card wherever they were entered.
pub fn after_wrong_pin(
    failures: u32,
    locked_until: Option<Timestamp>,
    now: Timestamp,
    max_attempts: u32,
    lockout_minutes: u32,
) -> (u32, Option<Timestamp>) {
    // A lockout that has passed starts a fresh count; one still running keeps its end.
    match locked_until {
        Some(until) if until > now => return (failures, Some(until)),
        Some(_) => return after_wrong_pin(0, None, now, max_attempts, lockout_minutes),
        None => {}
    }
    let failures = failures + 1;
    let locked_until = (failures >= max_attempts.max(1)).then(|| {
        now.checked_add(SignedDuration::from_mins(i64::from(lockout_minutes)))
            .unwrap_or(now)
    });
    (failures, locked_until)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    /// SLiMS's sample members' OPAC password `1234`, as PHP's `password_hash` wrote it.
    #[test]
    fn a_php_bcrypt_password_is_a_pin_and_md5_never_is() {
        let slims = "$2y$10$0Kz/Q55qEZYM4C7O8NgaPOU7DF.oae8T9xFSFkrjyHpN1k.ZlHdyK";
        assert!(is_bcrypt_hash(slims));
        assert!(verify_pin("1234", slims));
        assert!(!verify_pin("1235", slims));
        // The same password as SLiMS's legacy MD5: never accepted.
        assert!(!verify_pin("1234", "81dc9bdb52d04dc20036dbd8313ed055"));
    }

    #[test]
    fn hash_verifies_only_the_right_pin() {
        let hash = hash_pin("1234");
        assert!(hash.starts_with("$argon2id$"));
        assert!(is_pin_hash(&hash));
        assert!(verify_pin("1234", &hash));
        assert!(!verify_pin("1235", &hash));
        assert!(!verify_pin("1234", "not a hash"));
        assert_ne!(hash, hash_pin("1234"), "salts differ");
    }

    #[test]
    fn lockout_after_three_wrong_pins_for_fifteen_minutes() {
        let hash = hash_pin("4321");
        let h = Some(hash.as_str());
        assert_eq!(
            check_pin(None, None, 0, None, at(0), 3, 15),
            PinCheck::Accepted
        );
        assert_eq!(
            check_pin(h, None, 0, None, at(0), 3, 15),
            PinCheck::Required
        );
        assert_eq!(
            check_pin(h, Some(""), 0, None, at(0), 3, 15),
            PinCheck::Required
        );
        assert_eq!(
            check_pin(h, Some("0000"), 0, None, at(0), 3, 15),
            PinCheck::Incorrect {
                failures: 1,
                locked_until: None
            }
        );
        assert_eq!(
            check_pin(h, Some("0000"), 2, None, at(0), 3, 15),
            PinCheck::Incorrect {
                failures: 3,
                locked_until: Some(at(15 * 60))
            }
        );
        // While locked even the right PIN is refused, unchecked.
        assert_eq!(
            check_pin(h, Some("4321"), 3, Some(at(900)), at(899), 3, 15),
            PinCheck::Locked { until: at(900) }
        );
        // After the lockout the right PIN works again.
        assert_eq!(
            check_pin(h, Some("4321"), 3, Some(at(900)), at(900), 3, 15),
            PinCheck::Accepted
        );
        // And a wrong one after the lockout starts counting from one.
        assert_eq!(
            check_pin(h, Some("1"), 3, Some(at(900)), at(901), 3, 15),
            PinCheck::Incorrect {
                failures: 1,
                locked_until: None
            }
        );
    }
}
