//! The library's staff on the hub's own pages: accounts with a role, generated passwords
//! kept as argon2id hashes, and the audit log of every change staff make.
//!
//! Passwords are generated, never chosen: 20 characters from an alphabet without look-alikes
//! (about 100 bits), shown once by `staff add` or `staff passwd`. The hash is argon2id with
//! the crate's defaults (19 MiB, 2 passes: OWASP's recommendation) — stronger than the kiosks'
//! PIN hash, since a staff password guards every patron's data and is checked rarely.

use crate::storage::{AuditLine, HubError, Result, StaffAccount, Storage};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jiff::Timestamp;

pub use crate::storage::StaffRole;

/// The actor of changes made with `swalayan-hub` commands.
pub const COMMAND_LINE: &str = "command line";

/// Letters and digits without 0/O, 1/l/I: read aloud or copied by hand without mistakes.
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const PASSWORD_LENGTH: usize = 20;

/// A fresh password, in groups of five for reading out: `abcde-fghij-...`.
pub fn new_password() -> String {
    let mut bytes = [0u8; PASSWORD_LENGTH];
    let mut out = String::with_capacity(PASSWORD_LENGTH + 3);
    let mut filled = 0;
    // Rejection sampling: bytes past the largest multiple of the alphabet's size are drawn
    // again, so every character is equally likely.
    let limit = 256 - 256 % ALPHABET.len();
    while filled < PASSWORD_LENGTH {
        rand::fill(&mut bytes);
        for b in bytes {
            if filled == PASSWORD_LENGTH {
                break;
            }
            if usize::from(b) < limit {
                if filled > 0 && filled % 5 == 0 {
                    out.push('-');
                }
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
                filled += 1;
            }
        }
    }
    out
}

/// The argon2id PHC string of a password, with a fresh salt.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("hashing a password cannot fail with the default parameters")
        .to_string()
}

/// Whether `password` is the one `hash` was made from; a damaged hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A staff member's account, if there is one with this name.
pub fn account(storage: &dyn Storage, name: &str) -> Result<Option<StaffAccount>> {
    Ok(storage
        .staff_accounts()?
        .into_iter()
        .find(|a| a.staff == name))
}

/// The account when `password` is its password. The hash is checked even for an unknown
/// name (against a fixed hash), so the time taken does not tell which names exist.
pub fn sign_in(storage: &dyn Storage, name: &str, password: &str) -> Result<Option<StaffAccount>> {
    let found = account(storage, name)?;
    let hash = found
        .as_ref()
        .map_or(DUMMY_HASH.as_str(), |a| a.password_hash.as_str());
    let right = verify_password(password, hash);
    Ok(found.filter(|_| right))
}

/// The hash of a password nobody was told (checking against it costs what a real one does).
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&new_password()));

/// Adds an account and returns its first password.
pub fn add(
    storage: &dyn Storage,
    actor: &str,
    name: &str,
    role: StaffRole,
    now: Timestamp,
) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        return Err(HubError::Invalid(
            "a staff name is 1 to 64 characters, no control characters".into(),
        ));
    }
    let password = new_password();
    if !storage.add_staff(name, role, &hash_password(&password), now)? {
        return Err(HubError::Invalid(format!("staff '{name}' exists already")));
    }
    audit(
        storage,
        actor,
        "staff add",
        &format!("{name} ({})", role.code()),
        now,
    )?;
    Ok(password)
}

/// Gives an account a new password (the old one stops working) and returns it.
pub fn new_password_for(
    storage: &dyn Storage,
    actor: &str,
    name: &str,
    now: Timestamp,
) -> Result<String> {
    let password = new_password();
    if !storage.set_staff_password(name, &hash_password(&password))? {
        return Err(HubError::NotFound(format!("no staff named '{name}'")));
    }
    audit(storage, actor, "staff passwd", name, now)?;
    Ok(password)
}

/// Removes an account; its sessions end at their next request.
pub fn remove(storage: &dyn Storage, actor: &str, name: &str, now: Timestamp) -> Result<()> {
    if !storage.remove_staff(name)? {
        return Err(HubError::NotFound(format!("no staff named '{name}'")));
    }
    audit(storage, actor, "staff remove", name, now)
}

/// Keeps a line of the audit log.
pub fn audit(
    storage: &dyn Storage,
    actor: &str,
    action: &str,
    detail: &str,
    now: Timestamp,
) -> Result<()> {
    storage.record_audit(&AuditLine {
        at: now.to_string(),
        staff: actor.to_string(),
        action: action.to_string(),
        detail: detail.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_unambiguous_and_different() {
        let a = new_password();
        let b = new_password();
        assert_ne!(a, b);
        assert_eq!(a.len(), 23, "{a}");
        assert_eq!(a.matches('-').count(), 3);
        assert!(
            a.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))),
            "{a}"
        );
    }

    #[test]
    fn a_password_matches_only_its_own_hash() {
        let hash = hash_password("abcde-fghij");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("abcde-fghij", &hash));
        assert!(!verify_password("abcde-fghik", &hash));
        assert!(!verify_password("abcde-fghij", "not a hash"));
        assert!(PasswordHash::new(&DUMMY_HASH).is_ok() && !verify_password("", &DUMMY_HASH));
    }
}
