//! The character encoding of a SIP2 connection: agreed per connection, since the protocol has
//! no way to say it (Koha: ASCII or UTF-8 per login; FOLIO edge-sip2: IBM850 by default). Text
//! a server cannot take is replaced (`?`), never sent as bytes it would misread.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    Utf8,
    /// IBM code page 850 (DOS Latin-1), the default of many library systems.
    #[default]
    Cp850,
    /// ISO 8859-1.
    Latin1,
}

impl Encoding {
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            Encoding::Cp850 => {
                oem_cp::encode_string_lossy(text, &oem_cp::code_table::ENCODING_TABLE_CP850)
            }
            Encoding::Latin1 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
        }
    }

    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Cp850 => oem_cp::decode_string_complete_table(
                bytes,
                &oem_cp::code_table::DECODING_TABLE_CP850,
            ),
            Encoding::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        }
    }

    /// The longest start of `text` whose encoding fits in `max_bytes`, cut between characters
    /// (a long title must never end in half a character).
    pub fn truncate(self, text: &str, max_bytes: usize) -> String {
        let mut used = 0;
        let mut end = 0;
        for (at, c) in text.char_indices() {
            let size = match self {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Cp850 | Encoding::Latin1 => 1,
            };
            if used + size > max_bytes {
                return text[..at].to_string();
            }
            used += size;
            end = at + c.len_utf8();
        }
        text[..end].to_string()
    }
}

impl FromStr for Encoding {
    type Err = String;
    fn from_str(name: &str) -> Result<Encoding, String> {
        match name.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "cp850" | "ibm850" => Ok(Encoding::Cp850),
            "latin-1" | "latin1" | "iso-8859-1" => Ok(Encoding::Latin1),
            _ => Err(format!(
                "'{name}' is not an encoding here: use \"utf-8\", \"cp850\" or \"latin-1\""
            )),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Cp850 => "cp850",
            Encoding::Latin1 => "latin-1",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indonesian_and_european_titles_in_each_encoding() {
        let title = "Café Ñusantara — über";
        for encoding in [Encoding::Utf8, Encoding::Cp850, Encoding::Latin1] {
            let back = encoding.decode(&encoding.encode(title));
            // The dash is not in cp850 or latin-1: replaced, the rest kept.
            let expected = match encoding {
                Encoding::Utf8 => title.to_string(),
                _ => title.replace('—', "?"),
            };
            assert_eq!(back, expected, "{encoding}");
        }
        // cp850 puts é at 0x82, latin-1 at 0xE9.
        assert_eq!(Encoding::Cp850.encode("é"), [0x82]);
        assert_eq!(Encoding::Latin1.encode("é"), [0xE9]);
    }

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(Encoding::Utf8.truncate("añb", 2), "a");
        assert_eq!(Encoding::Utf8.truncate("añb", 3), "añ");
        assert_eq!(Encoding::Cp850.truncate("añb", 2), "añ");
        assert_eq!(Encoding::Utf8.truncate("abc", 10), "abc");
    }

    #[test]
    fn names() {
        assert_eq!("UTF-8".parse::<Encoding>(), Ok(Encoding::Utf8));
        assert_eq!("cp850".parse::<Encoding>(), Ok(Encoding::Cp850));
        assert!("ebcdic".parse::<Encoding>().is_err());
    }
}
