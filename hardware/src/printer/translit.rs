//! Text for a printer that only knows its code page: anything else is transliterated to
//! ASCII, never sent as garbage bytes.

use unicode_normalization::UnicodeNormalization;

/// ASCII for `text`: accents dropped (é -> e), typographic punctuation replaced, other
/// characters as `?`. Control characters become spaces.
pub fn to_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        match c {
            ' '..='~' => out.push(c),
            '\u{300}'..='\u{36F}' => {} // combining marks left over from decomposition
            '‘' | '’' | '‚' | '′' => out.push('\''),
            '“' | '”' | '„' | '″' => out.push('"'),
            '–' | '—' | '−' => out.push('-'),
            '…' => out.push_str("..."),
            '•' | '·' => out.push('*'),
            '×' => out.push('x'),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            'œ' => out.push_str("oe"),
            'Œ' => out.push_str("OE"),
            'ø' => out.push('o'),
            'Ø' => out.push('O'),
            'ł' => out.push('l'),
            'Ł' => out.push('L'),
            'đ' => out.push('d'),
            'Đ' => out.push('D'),
            '€' => out.push_str("EUR"),
            '\u{A0}' => out.push(' '),
            c if c.is_control() => out.push(' '),
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_punctuation_become_ascii() {
        assert_eq!(
            to_ascii("Café “Laskar” — Łódź…"),
            "Cafe \"Laskar\" - Lodz..."
        );
        assert_eq!(
            to_ascii("Di Bawah Lindungan Ka’bah"),
            "Di Bawah Lindungan Ka'bah"
        );
        assert_eq!(to_ascii("汉字"), "??");
        assert!(to_ascii("tab\there").is_ascii());
    }
}
