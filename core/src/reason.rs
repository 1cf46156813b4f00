//! Stable reason codes for refusals, and the sentence a patron reads for each.
//!
//! The engine returns a [`Reason`], never display text. The codes are a contract with other
//! tools (CLI JSON, the touchscreen, the hub); the sentences are plain language in Bahasa
//! Indonesia and English. `docs/cli.md` carries the same table (a test keeps them equal).

use serde::Serialize;
use std::fmt;

/// The language a patron or staff member reads.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    Id,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the text in this language.
    pub fn pick<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

/// Why the rules refused (or, for a return, flagged) a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    PatronNotFound,
    PatronExpired,
    PatronBlocked,
    FinesOverLimit,
    PinRequired,
    PinIncorrect,
    PinLocked,
    LoanLimitReached {
        limit: u32,
    },
    ItemNotFound,
    OnLoanToOther,
    AlreadyOnLoanToPatron,
    OnHoldForAnother,
    ItemLost,
    ItemMissing,
    ItemWithdrawn,
    ItemDamaged,
    NotForLoan,
    InTransit,
    PartsMissing {
        expected: u32,
        seen: u32,
    },
    RenewalLimitReached,
    HasHolds,
    OverdueTooLong,
    NotOnLoan,
    NoHoldsWaiting,
    HoldAlreadyPlaced,
    TitleNotFound,
    WrongLibrary,
    TagUnreadable,
    StaffOnly,
    /// Checked in, but the tag's security could not be re-armed (and read back).
    SecurityNotArmed,
    /// The item's bin is full and no other bin could take it.
    BinFull,
    /// Checked in, but the diverter did not send it to its bin.
    NotDiverted,
    /// The library's own system (over SIP2) said no; its words travel beside the code.
    CentralRefused,
    /// The library's own system does not answer and its offline policy forbids deciding here.
    CentralUnreachable,
}

impl Reason {
    /// One example of every reason, in the order of the documentation table.
    pub const ALL: [Reason; 34] = [
        Reason::PatronNotFound,
        Reason::PatronExpired,
        Reason::PatronBlocked,
        Reason::FinesOverLimit,
        Reason::PinRequired,
        Reason::PinIncorrect,
        Reason::PinLocked,
        Reason::LoanLimitReached { limit: 5 },
        Reason::ItemNotFound,
        Reason::OnLoanToOther,
        Reason::AlreadyOnLoanToPatron,
        Reason::OnHoldForAnother,
        Reason::ItemLost,
        Reason::ItemMissing,
        Reason::ItemWithdrawn,
        Reason::ItemDamaged,
        Reason::NotForLoan,
        Reason::InTransit,
        Reason::PartsMissing {
            expected: 2,
            seen: 1,
        },
        Reason::RenewalLimitReached,
        Reason::HasHolds,
        Reason::OverdueTooLong,
        Reason::NotOnLoan,
        Reason::NoHoldsWaiting,
        Reason::HoldAlreadyPlaced,
        Reason::TitleNotFound,
        Reason::WrongLibrary,
        Reason::TagUnreadable,
        Reason::StaffOnly,
        Reason::SecurityNotArmed,
        Reason::BinFull,
        Reason::NotDiverted,
        Reason::CentralRefused,
        Reason::CentralUnreachable,
    ];

    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Reason::PatronNotFound => "patron_not_found",
            Reason::PatronExpired => "patron_expired",
            Reason::PatronBlocked => "patron_blocked",
            Reason::FinesOverLimit => "fines_over_limit",
            Reason::PinRequired => "pin_required",
            Reason::PinIncorrect => "pin_incorrect",
            Reason::PinLocked => "pin_locked",
            Reason::LoanLimitReached { .. } => "loan_limit_reached",
            Reason::ItemNotFound => "item_not_found",
            Reason::OnLoanToOther => "on_loan_to_other",
            Reason::AlreadyOnLoanToPatron => "already_on_loan_to_patron",
            Reason::OnHoldForAnother => "on_hold_for_another",
            Reason::ItemLost => "item_lost",
            Reason::ItemMissing => "item_missing",
            Reason::ItemWithdrawn => "item_withdrawn",
            Reason::ItemDamaged => "item_damaged",
            Reason::NotForLoan => "not_for_loan",
            Reason::InTransit => "in_transit",
            Reason::PartsMissing { .. } => "parts_missing",
            Reason::RenewalLimitReached => "renewal_limit_reached",
            Reason::HasHolds => "has_holds",
            Reason::OverdueTooLong => "overdue_too_long",
            Reason::NotOnLoan => "not_on_loan",
            Reason::NoHoldsWaiting => "no_holds_waiting",
            Reason::HoldAlreadyPlaced => "hold_already_placed",
            Reason::TitleNotFound => "title_not_found",
            Reason::WrongLibrary => "wrong_library",
            Reason::TagUnreadable => "tag_unreadable",
            Reason::StaffOnly => "staff_only",
            Reason::SecurityNotArmed => "security_not_armed",
            Reason::BinFull => "bin_full",
            Reason::NotDiverted => "not_diverted",
            Reason::CentralRefused => "central_refused",
            Reason::CentralUnreachable => "central_unreachable",
        }
    }

    /// The numbers a sentence carries, as `{0}` and `{1}` in its template.
    pub fn numbers(self) -> (u32, u32) {
        match self {
            Reason::LoanLimitReached { limit } => (limit, 0),
            Reason::PartsMissing { expected, seen } => (seen, expected),
            _ => (0, 0),
        }
    }

    /// What the patron reads: what happened and what to do next.
    pub fn sentence(self, lang: Lang) -> String {
        let (n0, n1) = self.numbers();
        self.template(lang)
            .replace("{0}", &n0.to_string())
            .replace("{1}", &n1.to_string())
    }

    /// The sentence with `{0}`/`{1}` where its numbers go: the form translations use
    /// (the touchscreen's `@tr`, the gettext catalogue).
    pub fn template(self, lang: Lang) -> String {
        let fixed = |id: &str, en: &str| lang.pick(id, en).to_string();
        match self {
            Reason::PatronNotFound => fixed(
                "Kartu anggota ini tidak dikenal. Silakan hubungi petugas di meja layanan.",
                "We do not recognise this library card. Please ask at the desk.",
            ),
            Reason::PatronExpired => fixed(
                "Masa berlaku keanggotaan Anda sudah habis. Silakan perpanjang di meja layanan.",
                "Your membership has expired. Please renew it at the desk.",
            ),
            Reason::PatronBlocked => fixed(
                "Kartu Anda sedang diblokir. Silakan hubungi petugas di meja layanan.",
                "Your card is blocked. Please speak to staff at the desk.",
            ),
            Reason::FinesOverLimit => fixed(
                "Denda Anda melebihi batas. Silakan lunasi di meja layanan agar dapat meminjam lagi.",
                "Your fines are over the limit. Please pay at the desk to borrow again.",
            ),
            Reason::PinRequired => fixed("Silakan masukkan PIN Anda.", "Please enter your PIN."),
            Reason::PinIncorrect => fixed(
                "PIN tidak cocok. Silakan coba lagi.",
                "That PIN is not right. Please try again.",
            ),
            Reason::PinLocked => fixed(
                "Terlalu banyak PIN yang salah. Silakan coba lagi nanti atau minta bantuan petugas.",
                "Too many wrong PINs. Please try again later or ask staff for help.",
            ),
            Reason::LoanLimitReached { .. } => fixed(
                "Anda sudah mencapai batas pinjaman ({0}). Kembalikan buku lain dulu untuk meminjam lagi.",
                "You have reached your loan limit ({0}). Return an item to borrow more.",
            ),
            Reason::ItemNotFound => fixed(
                "Buku ini tidak dikenal sistem. Silakan serahkan ke petugas.",
                "This item is not in our catalogue. Please hand it to staff.",
            ),
            Reason::OnLoanToOther => fixed(
                "Buku ini tercatat sedang dipinjam orang lain. Silakan serahkan ke petugas.",
                "This item is recorded as on loan to someone else. Please hand it to staff.",
            ),
            Reason::AlreadyOnLoanToPatron => fixed(
                "Buku ini sudah Anda pinjam. Anda dapat memperpanjangnya.",
                "You already have this item on loan. You can renew it instead.",
            ),
            Reason::OnHoldForAnother => fixed(
                "Buku ini dipesan untuk pembaca lain — silakan tinggalkan di meja layanan.",
                "This book is reserved for another reader — please leave it at the desk.",
            ),
            Reason::ItemLost => fixed(
                "Buku ini tercatat hilang. Silakan serahkan ke petugas.",
                "This item is recorded as lost. Please hand it to staff.",
            ),
            Reason::ItemMissing => fixed(
                "Buku ini tercatat tidak ada di rak. Silakan serahkan ke petugas.",
                "This item is recorded as missing. Please hand it to staff.",
            ),
            Reason::ItemWithdrawn => fixed(
                "Buku ini sudah tidak diedarkan. Silakan serahkan ke petugas.",
                "This item has been withdrawn. Please hand it to staff.",
            ),
            Reason::ItemDamaged => fixed(
                "Buku ini perlu diperbaiki dan belum dapat dipinjam. Silakan serahkan ke petugas.",
                "This item needs repair and cannot be borrowed. Please hand it to staff.",
            ),
            Reason::NotForLoan => fixed(
                "Buku ini hanya untuk dibaca di perpustakaan.",
                "This item is for use in the library only.",
            ),
            Reason::InTransit => fixed(
                "Buku ini sedang dikirim antarcabang. Silakan serahkan ke petugas.",
                "This item is in transit between branches. Please hand it to staff.",
            ),
            Reason::PartsMissing { .. } => fixed(
                "Ada bagian dari set ini yang belum ada ({0} dari {1}). Letakkan semua bagiannya bersama-sama.",
                "A part of this set is missing ({0} of {1}). Please put all the parts together.",
            ),
            Reason::RenewalLimitReached => fixed(
                "Buku ini sudah diperpanjang sebanyak batas maksimal. Silakan kembalikan sebelum jatuh tempo.",
                "This item has been renewed as often as allowed. Please return it by the due date.",
            ),
            Reason::HasHolds => fixed(
                "Buku ini tidak dapat diperpanjang karena dipesan pembaca lain. Mohon kembalikan sebelum jatuh tempo.",
                "This item cannot be renewed because another reader has reserved it. Please return it by the due date.",
            ),
            Reason::OverdueTooLong => fixed(
                "Buku ini sudah terlalu lama terlambat untuk diperpanjang. Silakan kembalikan.",
                "This item is overdue for too long to be renewed. Please return it.",
            ),
            Reason::NotOnLoan => fixed(
                "Buku ini tidak tercatat sebagai pinjaman Anda.",
                "This item is not on loan to you.",
            ),
            Reason::NoHoldsWaiting => fixed(
                "Belum ada pesanan yang siap diambil.",
                "Nothing is waiting for you to pick up yet.",
            ),
            Reason::HoldAlreadyPlaced => fixed(
                "Anda sudah memesan judul ini.",
                "You have already reserved this title.",
            ),
            Reason::TitleNotFound => fixed(
                "Judul ini tidak ada di katalog.",
                "This title is not in the catalogue.",
            ),
            Reason::WrongLibrary => fixed(
                "Buku ini milik perpustakaan lain. Silakan serahkan ke petugas.",
                "This item belongs to another library. Please hand it to staff.",
            ),
            Reason::TagUnreadable => fixed(
                "Label buku ini tidak dapat dibaca atau ditulis. Letakkan lagi di atas pad dengan rata, atau minta bantuan petugas.",
                "This book's tag could not be read or written. Lay it flat on the pad again, or ask staff for help.",
            ),
            Reason::StaffOnly => fixed(
                "Bagian ini hanya untuk petugas perpustakaan.",
                "This is for library staff only.",
            ),
            Reason::SecurityNotArmed => fixed(
                "Buku ini sudah dikembalikan, tetapi pengamannya belum aktif. Petugas akan memeriksanya.",
                "This item is returned, but its security could not be switched back on. Staff will check it.",
            ),
            Reason::BinFull => fixed(
                "Tempat pengembalian penuh. Silakan kembalikan di meja petugas.",
                "The return bins are full. Please return your items at the desk.",
            ),
            Reason::NotDiverted => fixed(
                "Buku ini sudah dikembalikan, tetapi tidak masuk ke kotak yang benar. Petugas akan memeriksanya.",
                "This item is returned, but it did not reach the right bin. Staff will check it.",
            ),
            Reason::CentralRefused => fixed(
                "Sistem perpustakaan menolak permintaan ini. Silakan tanya petugas.",
                "The library system refused this. Please ask staff.",
            ),
            Reason::CentralUnreachable => fixed(
                "Sistem perpustakaan sedang tidak dapat dihubungi. Silakan coba lagi nanti atau tanya petugas.",
                "The library system cannot be reached just now. Please try again later or ask staff.",
            ),
        }
    }

    /// The reason table of `docs/cli.md`, generated from the code above.
    pub fn markdown_table() -> String {
        let mut out = String::from("| code | Bahasa Indonesia | English |\n|---|---|---|\n");
        for reason in Reason::ALL {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                reason.code(),
                reason.sentence(Lang::Id),
                reason.sentence(Lang::En)
            ));
        }
        out
    }
}

/// Escapes text for a Slint string literal or a gettext entry (both use backslash escapes).
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Reason {
    /// `ui/globals/reasons.slint`: the touchscreen's sentence for each code, through `@tr`.
    /// Generated from this table (`cargo run --example ui_translations`), checked by a test.
    pub fn slint_global() -> String {
        let mut out = String::from(
            "// Generated from src/reason.rs by `cargo run --example ui_translations -- slint`: do not edit.\n\
             // The patron-facing sentence of every reason code, translated through @tr.\n\n\
             export global Reasons {\n    public pure function sentence(code: string, n0: int, n1: int) -> string {\n",
        );
        for reason in Reason::ALL {
            let template = reason.template(Lang::En);
            let call = match template.matches('{').count() {
                0 => format!("@tr({})", quote(&template)),
                1 => format!("@tr({}, n0)", quote(&template)),
                _ => format!("@tr({}, n0, n1)", quote(&template)),
            };
            out.push_str(&format!(
                "        if (code == \"{}\") {{ return {call}; }}\n",
                reason.code()
            ));
        }
        out.push_str("        return code;\n    }\n}\n");
        out
    }

    /// The gettext entries (English -> Indonesian) of every reason sentence.
    pub fn po_entries() -> String {
        let mut out = String::new();
        for reason in Reason::ALL {
            out.push_str(&format!(
                "#. reason {}\nmsgid {}\nmsgstr {}\n\n",
                reason.code(),
                quote(&reason.template(Lang::En)),
                quote(&reason.template(Lang::Id))
            ));
        }
        out
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl Reason {
    /// The reason a code names, if this build knows it.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|reason| reason.code() == code)
    }
}

/// Read from its code; an unknown code is an error (on the wire, a reason a newer station may
/// send travels as [`crate::contract::wire::Wire<Reason>`], which keeps it verbatim).
impl<'de> serde::Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Reason, D::Error> {
        let code = String::deserialize(deserializer)?;
        Reason::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown reason code '{code}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A reason travels as exactly its code, both ways; a code from a newer station stays
    /// the text it was (a drop box's exception reason on the wire).
    #[test]
    fn reasons_travel_as_their_codes_and_unknown_codes_are_kept() {
        use crate::contract::wire::Wire;
        for reason in Reason::ALL {
            let wire: Wire<Reason> = reason.into();
            let text = serde_json::to_string(&wire).unwrap();
            assert_eq!(text, format!("\"{}\"", reason.code()));
            assert_eq!(serde_json::from_str::<Wire<Reason>>(&text).unwrap(), wire);
        }
        let newer: Wire<Reason> = serde_json::from_str("\"chute_jammed\"").unwrap();
        assert_eq!(newer, Wire::Unknown("chute_jammed".into()));
        assert_eq!(serde_json::to_string(&newer).unwrap(), "\"chute_jammed\"");
    }

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = HashSet::new();
        for reason in Reason::ALL {
            let code = reason.code();
            assert!(seen.insert(code), "duplicate code {code}");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }

    #[test]
    fn every_reason_has_two_different_sentences() {
        for reason in Reason::ALL {
            let id = reason.sentence(Lang::Id);
            let en = reason.sentence(Lang::En);
            assert!(!id.is_empty() && !en.is_empty());
            assert_ne!(id, en, "{reason} is not translated");
        }
    }

    #[test]
    fn docs_carry_the_same_table_as_the_code() {
        let doc = include_str!("../../docs/cli.md");
        assert!(
            doc.contains(&Reason::markdown_table()),
            "docs/cli.md is out of date: paste the output of Reason::markdown_table()"
        );
    }
}
