//! MARC-8 text in the default character sets (ASCII + ANSEL extended Latin) to UTF-8.
//!
//! mrrc 0.9.2's MARC-8 table has the ANSEL combining marks off by one (it maps 0xE2, the
//! acute accent, to a circumflex) and lacks several, so Latin-script text — all Indonesian
//! catalog text — is decoded here, from the Library of Congress MARC-8 to Unicode mapping.
//! Text that switches character sets with escape sequences (Arabic, Cyrillic, CJK, ...) is
//! left to mrrc.

use unicode_normalization::UnicodeNormalization;

/// (MARC-8 byte, Unicode scalar, is a combining mark) for the ANSEL set (G1 default).
const ANSEL: &[(u8, u32, bool)] = &[
    (0x88, 0x98, false),
    (0x89, 0x9C, false),
    (0x8D, 0x200D, false),
    (0x8E, 0x200C, false),
    (0xA1, 0x141, false),
    (0xA2, 0xD8, false),
    (0xA3, 0x110, false),
    (0xA4, 0xDE, false),
    (0xA5, 0xC6, false),
    (0xA6, 0x152, false),
    (0xA7, 0x2B9, false),
    (0xA8, 0xB7, false),
    (0xA9, 0x266D, false),
    (0xAA, 0xAE, false),
    (0xAB, 0xB1, false),
    (0xAC, 0x1A0, false),
    (0xAD, 0x1AF, false),
    (0xAE, 0x2BC, false),
    (0xB0, 0x2BB, false),
    (0xB1, 0x142, false),
    (0xB2, 0xF8, false),
    (0xB3, 0x111, false),
    (0xB4, 0xFE, false),
    (0xB5, 0xE6, false),
    (0xB6, 0x153, false),
    (0xB7, 0x2BA, false),
    (0xB8, 0x131, false),
    (0xB9, 0xA3, false),
    (0xBA, 0xF0, false),
    (0xBC, 0x1A1, false),
    (0xBD, 0x1B0, false),
    (0xC0, 0xB0, false),
    (0xC1, 0x2113, false),
    (0xC2, 0x2117, false),
    (0xC3, 0xA9, false),
    (0xC4, 0x266F, false),
    (0xC5, 0xBF, false),
    (0xC6, 0xA1, false),
    (0xC7, 0xDF, false),
    (0xC8, 0x20AC, false),
    (0xE0, 0x309, true),
    (0xE1, 0x300, true),
    (0xE2, 0x301, true),
    (0xE3, 0x302, true),
    (0xE4, 0x303, true),
    (0xE5, 0x304, true),
    (0xE6, 0x306, true),
    (0xE7, 0x307, true),
    (0xE8, 0x308, true),
    (0xE9, 0x30C, true),
    (0xEA, 0x30A, true),
    (0xEB, 0xFE20, true),
    (0xEC, 0xFE21, true),
    (0xED, 0x315, true),
    (0xEE, 0x30B, true),
    (0xEF, 0x310, true),
    (0xF0, 0x327, true),
    (0xF1, 0x328, true),
    (0xF2, 0x323, true),
    (0xF3, 0x324, true),
    (0xF4, 0x325, true),
    (0xF5, 0x333, true),
    (0xF6, 0x332, true),
    (0xF7, 0x326, true),
    (0xF8, 0x31C, true),
    (0xF9, 0x32E, true),
    (0xFA, 0xFE22, true),
    (0xFB, 0xFE23, true),
    (0xFE, 0x313, true),
];

/// Decodes ASCII + ANSEL text into NFC UTF-8; `None` when the text uses escape sequences.
///
/// MARC-8 writes a combining mark before its base letter, Unicode after it: marks are held
/// until the next base character. An unknown byte becomes U+FFFD rather than failing.
pub fn decode_latin(bytes: &[u8]) -> Option<String> {
    if bytes.contains(&0x1B) {
        return None;
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut pending_marks: Vec<char> = Vec::new();
    for &b in bytes {
        let (ch, combining) = if b < 0x80 {
            (b as char, false)
        } else {
            match ANSEL.iter().find(|(code, _, _)| *code == b) {
                Some(&(_, scalar, combining)) => {
                    (char::from_u32(scalar).unwrap_or('\u{FFFD}'), combining)
                }
                None => ('\u{FFFD}', false),
            }
        };
        if combining {
            pending_marks.push(ch);
        } else {
            out.push(ch);
            out.extend(pending_marks.drain(..));
        }
    }
    out.extend(pending_marks);
    Some(out.nfc().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansel_marks_follow_their_letter_and_compose() {
        assert_eq!(decode_latin(b"Caf\xE2e").as_deref(), Some("Café"));
        assert_eq!(decode_latin(b"\xE8uber").as_deref(), Some("über"));
        assert_eq!(decode_latin(b"\xF0Sao Paulo").as_deref(), Some("Şao Paulo"));
        assert_eq!(decode_latin(b"\xA1od\xB6").as_deref(), Some("Łodœ"));
        assert_eq!(decode_latin(b"plain").as_deref(), Some("plain"));
        assert_eq!(decode_latin(b"\x1B(3Arabic"), None);
    }
}
