//! A patron's contacts for notifications (issue #30): a phone number in one form
//! (`+62…`), an e-mail address, and the channel the patron consented to be told on. Kept by
//! the hub alone (the `contact` document no station role pulls); the same checks for a CSV
//! import, a library system's member record and the web account.
//!
//! Phone numbers: spaces, hyphens, dots and parentheses go; then a leading `0` (a national
//! number, `0812…`) or `62` becomes `+62`; what remains must be `+` and 8–15 digits.

use serde::{Deserialize, Serialize};

/// The channel a patron is told on; anything but `None` is consent to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notify {
    Whatsapp,
    Sms,
    Email,
    None,
}

impl Notify {
    pub const ALL: [Notify; 4] = [Notify::Whatsapp, Notify::Sms, Notify::Email, Notify::None];

    pub fn code(self) -> &'static str {
        match self {
            Notify::Whatsapp => "whatsapp",
            Notify::Sms => "sms",
            Notify::Email => "email",
            Notify::None => "none",
        }
    }

    pub fn parse(code: &str) -> Option<Notify> {
        let code = code.trim().to_ascii_lowercase();
        Notify::ALL.into_iter().find(|n| n.code() == code)
    }
}

/// What a patron may be told (issue #30's message kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    HoldReady,
    DueSoon,
    Overdue,
    HoldExpiring,
    EventReminder,
    WaitlistPlace,
    Receipt,
}

impl MessageKind {
    pub const ALL: [MessageKind; 7] = [
        MessageKind::HoldReady,
        MessageKind::DueSoon,
        MessageKind::Overdue,
        MessageKind::HoldExpiring,
        MessageKind::EventReminder,
        MessageKind::WaitlistPlace,
        MessageKind::Receipt,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MessageKind::HoldReady => "hold_ready",
            MessageKind::DueSoon => "due_soon",
            MessageKind::Overdue => "overdue",
            MessageKind::HoldExpiring => "hold_expiring",
            MessageKind::EventReminder => "event_reminder",
            MessageKind::WaitlistPlace => "waitlist_place",
            MessageKind::Receipt => "receipt",
        }
    }

    pub fn parse(code: &str) -> Option<MessageKind> {
        MessageKind::ALL
            .into_iter()
            .find(|k| k.code() == code.trim())
    }

    /// What it is, for the patron choosing.
    pub fn label(self, lang: crate::reason::Lang) -> &'static str {
        match self {
            MessageKind::HoldReady => lang.pick("Pesanan siap diambil", "A reservation is ready"),
            MessageKind::DueSoon => lang.pick("Batas pengembalian sudah dekat", "Due soon"),
            MessageKind::Overdue => lang.pick("Terlambat dikembalikan", "Overdue"),
            MessageKind::HoldExpiring => {
                lang.pick("Pesanan berakhir besok", "A reservation expires tomorrow")
            }
            MessageKind::EventReminder => lang.pick("Pengingat acara", "Event reminders"),
            MessageKind::WaitlistPlace => lang.pick(
                "Tempat kosong di acara yang saya tunggu",
                "A place frees at an event I wait for",
            ),
            MessageKind::Receipt => lang.pick("Struk kunjungan kios", "Kiosk visit receipts"),
        }
    }
}

/// A phone number in the one form the hub keeps (`+6281234567890`), or why not.
pub fn normalise_phone(text: &str) -> Result<String, String> {
    let kept: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let international = if let Some(rest) = kept.strip_prefix('+') {
        format!("+{rest}")
    } else if let Some(rest) = kept.strip_prefix("62") {
        format!("+62{rest}")
    } else if let Some(rest) = kept.strip_prefix('0') {
        format!("+62{rest}")
    } else {
        return Err(format!(
            "phone '{text}' is not a number like 0812-3456-7890 or +62 812 3456 7890"
        ));
    };
    let digits = &international[1..];
    if !(8..=15).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "phone '{text}' is not a number like 0812-3456-7890 or +62 812 3456 7890"
        ));
    }
    Ok(international)
}

/// An e-mail address as given (trimmed), or why it cannot be one.
pub fn check_email(text: &str) -> Result<String, String> {
    let text = text.trim();
    let valid = text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
    }) && !text.chars().any(char::is_whitespace);
    if valid {
        Ok(text.to_string())
    } else {
        Err(format!(
            "e-mail '{text}' is not an address like nama@contoh.id"
        ))
    }
}

/// A phone number as staff and patrons may see it: `+62 812-****-7890`.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.trim_start_matches('+');
    match digits.strip_prefix("62") {
        Some(national) if national.len() >= 7 => format!(
            "+62 {}-****-{}",
            &national[..3],
            &national[national.len() - 4..]
        ),
        _ if digits.len() > 4 => format!("****{}", &digits[digits.len() - 4..]),
        _ => "****".to_string(),
    }
}

/// An e-mail address as staff and patrons may see it: `n***@contoh.id`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

/// A number or an address as staff may see it ([`mask_phone`], [`mask_email`]).
pub fn mask_contact(contact: &str) -> String {
    if contact.contains('@') {
        mask_email(contact)
    } else {
        mask_phone(contact)
    }
}

/// Contacts as a record brings them (an import row, a library system's member).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactRecord {
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The channel consented to, when the record says (a CSV's `notify`); `None`: the
    /// record does not say (a library system's member), and what the patron chose stays.
    pub notify: Option<Notify>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_take_one_form() {
        for given in [
            "0812-3456-7890",
            "0812 3456 7890",
            "(0812) 3456.7890",
            "62 812 3456 7890",
            "+62 812-3456-7890",
            "6281234567890",
        ] {
            assert_eq!(normalise_phone(given).unwrap(), "+6281234567890", "{given}");
        }
        for bad in ["812345", "abc", "0812-ABCD-7890", "", "+62", "0800"] {
            assert!(normalise_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn addresses_and_masks() {
        assert_eq!(
            check_email(" siti@example.org ").unwrap(),
            "siti@example.org"
        );
        for bad in [
            "siti",
            "siti@",
            "@example.org",
            "siti@example",
            "si ti@example.org",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert_eq!(mask_phone("+6281234567890"), "+62 812-****-7890");
        assert_eq!(mask_email("siti@example.org"), "s***@example.org");
        assert_eq!(Notify::parse(" WhatsApp "), Some(Notify::Whatsapp));
        assert_eq!(Notify::parse("pigeon"), None);
    }
}
