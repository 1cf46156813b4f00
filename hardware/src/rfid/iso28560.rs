//! Library tag data: ISO 28560-3 (fixed-length basic block, also the older Danish model) and
//! ISO 28560-2 (object identifiers with compaction), decoded into one [`TagData`].

use crate::crc::crc16_ccitt_false;
use serde::Serialize;

/// Which data model a tag's memory follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DataModel {
    #[serde(rename = "iso28560-3")]
    Iso28560_3,
    #[serde(rename = "iso28560-2")]
    Iso28560_2,
}

/// Type of usage 8: a patron card, not an item.
pub const USAGE_PATRON_CARD: u8 = 8;

/// What a library tag says about the thing it is stuck on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagData {
    pub model: DataModel,
    /// Primary item identifier (the item barcode, or a patron card number).
    pub item_id: String,
    /// Owner library (ISIL), e.g. `ID-TTK`.
    pub isil: Option<String>,
    /// Type of usage (main code): 1 circulating item, 2 not for circulation, 8 patron card, ...
    pub usage: u8,
    /// Sub-code of the type of usage where the tag has one (28560-2 `1/3`: not for issue offline).
    pub usage_sub: Option<u8>,
    /// Parts in the set (a book + CD is 2); 1 for a single item.
    pub parts: u8,
    /// This tag's part number, 1-based.
    pub part: u8,
    /// For 28560-3, whether the stored CRC matches; 28560-2 has no CRC and always reports true.
    pub crc_ok: bool,
    /// Data model version (28560-3 byte 0 high nibble).
    pub version: u8,
    /// Shelf location (28560-2 OID 6), where the tag carries one.
    pub shelf_location: Option<String>,
    /// Content parameter (28560-2 OID 2): which other data elements the tag holds.
    pub content_parameter: Option<String>,
}

/// Why tag memory could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagDataError {
    #[error("a 28560-3 block is 32 or 34 bytes, this is {0}")]
    WrongLength(usize),
    #[error("the tag memory is empty (all zero)")]
    Empty,
    #[error("part {part} of {parts}: a part number above the parts count means corrupt data")]
    BadPart { part: u8, parts: u8 },
    #[error("the item identifier is not printable text")]
    BadIdentifier,
    #[error("28560-2 element at byte {offset}: {reason}")]
    Element { offset: usize, reason: String },
    #[error("28560-2 data has no primary item identifier (OID 1)")]
    NoItemId,
    #[error("{0}")]
    Encode(String),
}

/// Decodes tag memory, choosing the model: a 32- or 34-byte block whose first nibble is 1
/// is 28560-3 (0x11 is also a valid 28560-2 start, so the length decides); anything else is
/// tried as 28560-2.
pub fn decode(memory: &[u8]) -> Result<TagData, TagDataError> {
    if matches!(memory.len(), 32 | 34) && memory[0] >> 4 == 1 {
        decode_28560_3(memory)
    } else {
        decode_28560_2(memory)
    }
}

/// Decodes with a given model.
pub fn decode_as(memory: &[u8], model: DataModel) -> Result<TagData, TagDataError> {
    match model {
        DataModel::Iso28560_3 => decode_28560_3(memory),
        DataModel::Iso28560_2 => decode_28560_2(memory),
    }
}

fn trim_zero(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    &bytes[..end]
}

fn printable(bytes: &[u8]) -> Result<String, TagDataError> {
    if bytes.iter().all(|b| (0x20..0x7F).contains(b)) {
        Ok(String::from_utf8_lossy(bytes).into_owned())
    } else {
        Err(TagDataError::BadIdentifier)
    }
}

/// The CRC of a 28560-3 block: bytes 0–18, then 21–end, zero padded to 32 bytes.
fn crc_28560_3(block: &[u8]) -> u16 {
    let mut input = Vec::with_capacity(32);
    input.extend_from_slice(&block[..19]);
    input.extend_from_slice(&block[21..]);
    input.resize(input.len().max(32), 0);
    crc16_ccitt_false(&input)
}

pub fn decode_28560_3(block: &[u8]) -> Result<TagData, TagDataError> {
    if !matches!(block.len(), 32 | 34) {
        return Err(TagDataError::WrongLength(block.len()));
    }
    if block.iter().all(|&b| b == 0) {
        return Err(TagDataError::Empty);
    }
    let (parts, part) = (block[1], block[2]);
    if part > parts {
        return Err(TagDataError::BadPart { part, parts });
    }
    let stored = u16::from_le_bytes([block[19], block[20]]);
    let isil = printable(trim_zero(&block[21..]))
        .ok()
        .filter(|s| !s.is_empty());
    Ok(TagData {
        model: DataModel::Iso28560_3,
        item_id: printable(trim_zero(&block[3..19]))?,
        isil,
        usage: block[0] & 0x0F,
        usage_sub: None,
        parts,
        part,
        crc_ok: stored == crc_28560_3(block),
        version: block[0] >> 4,
        shelf_location: None,
        content_parameter: None,
    })
}

/// What [`encode_28560_3`] writes.
#[derive(Debug, Clone)]
pub struct EncodeRequest<'a> {
    pub item_id: &'a str,
    pub isil: Option<&'a str>,
    pub usage: u8,
    pub parts: u8,
    pub part: u8,
    /// 32 or 34.
    pub size: usize,
}

pub fn encode_28560_3(request: &EncodeRequest<'_>) -> Result<Vec<u8>, TagDataError> {
    let err = |m: &str| Err(TagDataError::Encode(m.to_string()));
    if !matches!(request.size, 32 | 34) {
        return err("size must be 32 or 34");
    }
    let id = request.item_id.as_bytes();
    if id.is_empty() || id.len() > 16 || !id.iter().all(|b| (0x20..0x7F).contains(b)) {
        return err("the item id must be 1 to 16 printable ASCII characters");
    }
    let isil = request.isil.unwrap_or("").as_bytes();
    if isil.len() > request.size - 21 || !isil.iter().all(|b| (0x20..0x7F).contains(b)) {
        return err(&format!(
            "the ISIL must be at most {} printable ASCII characters",
            request.size - 21
        ));
    }
    if request.usage > 15 {
        return err("the type of usage is a number from 0 to 15");
    }
    if request.parts == 0 || request.part == 0 || request.part > request.parts {
        return err("parts must be at least 1 and part between 1 and parts");
    }
    let mut block = vec![0u8; request.size];
    block[0] = 0x10 | request.usage;
    block[1] = request.parts;
    block[2] = request.part;
    block[3..3 + id.len()].copy_from_slice(id);
    block[21..21 + isil.len()].copy_from_slice(isil);
    let crc = crc_28560_3(&block);
    block[19..21].copy_from_slice(&crc.to_le_bytes());
    Ok(block)
}

/// Reads bits MSB first from bytes.
struct Bits<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn take(&mut self, n: usize) -> Option<u32> {
        if self.pos + n > self.bytes.len() * 8 {
            return None;
        }
        let mut value = 0u32;
        for _ in 0..n {
            let bit = (self.bytes[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            value = (value << 1) | u32::from(bit);
            self.pos += 1;
        }
        Some(value)
    }
}

/// Decompresses one 28560-2 / ISO 15962 data object.
fn decompact(scheme: u8, data: &[u8]) -> Result<String, String> {
    Ok(match scheme {
        // Integer: an unsigned big-endian number.
        1 => {
            if data.len() > 16 {
                return Err("integer longer than 16 bytes".into());
            }
            data.iter()
                .fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
                .to_string()
        }
        // Numeric: digits in 4-bit nibbles, 0xF pads an odd count.
        2 => {
            let mut digits = String::new();
            for nibble in data.iter().flat_map(|b| [b >> 4, b & 0x0F]) {
                match nibble {
                    0..=9 => digits.push(char::from(b'0' + nibble)),
                    0xF => break,
                    _ => return Err(format!("nibble {nibble:X} is not a digit")),
                }
            }
            digits
        }
        // 5-bit: upper case letters and @[\]^_ (code + 0x40).
        3 => {
            let mut bits = Bits {
                bytes: data,
                pos: 0,
            };
            let mut out = String::new();
            while let Some(v) = bits.take(5) {
                out.push(char::from(0x40 + v as u8));
            }
            out.trim_end_matches('@').to_string()
        }
        // 6-bit: 0x20–0x5F (codes below 0x20 are 0x40–0x5F).
        4 => {
            let mut bits = Bits {
                bytes: data,
                pos: 0,
            };
            let mut out = String::new();
            while let Some(v) = bits.take(6) {
                let v = v as u8;
                out.push(char::from(if v < 0x20 { v + 0x40 } else { v }));
            }
            out.trim_end_matches(' ').to_string()
        }
        // 7-bit ASCII.
        5 => {
            let mut bits = Bits {
                bytes: data,
                pos: 0,
            };
            let mut out = String::new();
            while let Some(v) = bits.take(7) {
                if v == 0x7F {
                    break;
                }
                out.push(char::from(v as u8));
            }
            out
        }
        // Octets (ISO 8859-1) and application-defined data.
        0 | 6 => data.iter().map(|&b| char::from(b)).collect(),
        7 => String::from_utf8(data.to_vec()).map_err(|_| "invalid UTF-8".to_string())?,
        _ => return Err(format!("unknown compaction scheme {scheme}")),
    })
}

pub fn decode_28560_2(memory: &[u8]) -> Result<TagData, TagDataError> {
    if memory.iter().all(|&b| b == 0) {
        return Err(TagDataError::Empty);
    }
    let mut data = TagData {
        model: DataModel::Iso28560_2,
        item_id: String::new(),
        isil: None,
        usage: 1,
        usage_sub: None,
        parts: 1,
        part: 1,
        crc_ok: true,
        version: 2,
        shelf_location: None,
        content_parameter: None,
    };
    let mut seen_item = false;
    let mut at = 0;
    while at < memory.len() && memory[at] != 0 {
        let offset = at;
        let fail = |reason: &str| TagDataError::Element {
            offset,
            reason: reason.to_string(),
        };
        let precursor = memory[at];
        at += 1;
        let has_offset = precursor & 0x80 != 0;
        let scheme = (precursor >> 4) & 0x07;
        let mut oid = u16::from(precursor & 0x0F);
        if oid == 0x0F {
            let extension = *memory
                .get(at)
                .ok_or_else(|| fail("missing OID extension"))?;
            oid = 15 + u16::from(extension);
            at += 1;
        }
        let padding = if has_offset {
            let p = *memory.get(at).ok_or_else(|| fail("missing offset byte"))?;
            at += 1;
            usize::from(p)
        } else {
            0
        };
        let length = usize::from(*memory.get(at).ok_or_else(|| fail("missing length"))?);
        at += 1;
        let bytes = memory
            .get(at..at + length)
            .ok_or_else(|| fail("data runs past the end of memory"))?;
        at += length + padding;
        let value = decompact(scheme, bytes).map_err(|r| fail(&r))?;
        match oid {
            1 => {
                data.item_id = value;
                seen_item = true;
            }
            2 => data.content_parameter = Some(value),
            3 => data.isil = Some(value),
            6 => data.shelf_location = Some(value),
            4 => {
                let digits: Vec<u8> = value
                    .bytes()
                    .filter(u8::is_ascii_digit)
                    .map(|b| b - b'0')
                    .collect();
                let (parts, part) = match digits.as_slice() {
                    [p, q] => (*p, *q),
                    [a, b, c, d] => (a * 10 + b, c * 10 + d),
                    _ => return Err(fail("set information is not 2 or 4 digits")),
                };
                if part > parts {
                    return Err(TagDataError::BadPart { part, parts });
                }
                (data.parts, data.part) = (parts, part);
            }
            5 => {
                let digits: Vec<u8> = value.bytes().filter(u8::is_ascii_hexdigit).collect();
                let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
                match digits.as_slice() {
                    [main] => data.usage = hex(*main),
                    [main, sub, ..] => {
                        data.usage = hex(*main);
                        data.usage_sub = Some(hex(*sub));
                    }
                    [] => return Err(fail("empty type of usage")),
                }
            }
            _ => {} // other OIDs (media formats, order numbers, ILL, ...) are not needed at a kiosk
        }
    }
    if !seen_item {
        return Err(TagDataError::NoItemId);
    }
    Ok(data)
}

/// Parses hex in either case, with optional spaces or colons between bytes.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let clean: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | ':' | '-'))
        .collect();
    if !clean.len().is_multiple_of(2) {
        return Err("hex needs an even number of digits".into());
    }
    (0..clean.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&clean[i..i + 2], 16)
                .map_err(|_| format!("'{}' is not hex", &clean[i..i + 2]))
        })
        .collect()
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR: &str = "11010133313030303030303030310000000000C76349442D54544B0000000000";

    #[test]
    fn decodes_the_public_28560_3_vector() {
        let data = decode(&parse_hex(VECTOR).unwrap()).unwrap();
        assert_eq!(data.model, DataModel::Iso28560_3);
        assert_eq!(data.item_id, "31000000001");
        assert_eq!(data.isil.as_deref(), Some("ID-TTK"));
        assert_eq!(
            (data.usage, data.parts, data.part, data.crc_ok),
            (1, 1, 1, true)
        );
    }

    #[test]
    fn encodes_the_public_vector_byte_for_byte() {
        let block = encode_28560_3(&EncodeRequest {
            item_id: "31000000001",
            isil: Some("ID-TTK"),
            usage: 1,
            parts: 1,
            part: 1,
            size: 32,
        })
        .unwrap();
        assert_eq!(to_hex(&block), VECTOR);
    }

    #[test]
    fn a_changed_byte_fails_the_crc_but_still_decodes() {
        let mut block = parse_hex(VECTOR).unwrap();
        block[5] = b'9';
        let data = decode(&block).unwrap();
        assert!(!data.crc_ok);
        assert_eq!(data.item_id, "31900000001");
    }

    #[test]
    fn thirty_four_byte_blocks_round_trip() {
        let block = encode_28560_3(&EncodeRequest {
            item_id: "B1",
            isil: Some("ID-TTK-0001"),
            usage: 8,
            parts: 2,
            part: 2,
            size: 34,
        })
        .unwrap();
        let data = decode(&block).unwrap();
        assert_eq!(
            (data.usage, data.parts, data.part, data.crc_ok),
            (8, 2, 2, true)
        );
        assert_eq!(data.isil.as_deref(), Some("ID-TTK-0001"));
    }

    #[test]
    fn part_above_parts_is_corrupt() {
        let mut block = parse_hex(VECTOR).unwrap();
        block[2] = 3;
        assert_eq!(
            decode(&block),
            Err(TagDataError::BadPart { part: 3, parts: 1 })
        );
    }

    #[test]
    fn decodes_28560_2_with_each_compaction() {
        // OID 1 numeric "31000000001" (odd digit count, 0xF pad), OID 3 octets "ID-TTK",
        // OID 4 numeric "0201" (part 1 of 2), OID 5 octets "13".
        let mut memory = vec![0x21, 6, 0x31, 0x00, 0x00, 0x00, 0x00, 0x1F];
        memory.extend([0x63, 6]);
        memory.extend(b"ID-TTK");
        memory.extend([0x24, 2, 0x02, 0x01]);
        memory.extend([0x65, 2, b'1', b'3']);
        memory.extend([0x66, 4]);
        memory.extend(b"R3-2");
        memory.extend([0x00, 0x00]);
        let data = decode_28560_2(&memory).unwrap();
        assert_eq!(data.item_id, "31000000001");
        assert_eq!(data.isil.as_deref(), Some("ID-TTK"));
        assert_eq!((data.parts, data.part), (2, 1));
        assert_eq!((data.usage, data.usage_sub), (1, Some(3)));
        assert_eq!(data.shelf_location.as_deref(), Some("R3-2"));
        // Integer compaction with an offset (padding) byte.
        let memory = [0x91, 1, 2, 0x01, 0x2C, 0, 0x00];
        assert_eq!(decode_28560_2(&memory).unwrap().item_id, "300");
        // 6-bit "AB12": A=0x01, B=0x02, '1'=0x31, '2'=0x32 -> 000001 000010 110001 110010
        let memory = [0x41, 3, 0b0000_0100, 0b0010_1100, 0b0111_0010];
        assert_eq!(decode_28560_2(&memory).unwrap().item_id, "AB12");
        // 7-bit "Hi": 1001000 1101001 + padding 11 -> 0x91 0xA7
        let memory = [0x51, 2, 0x91, 0xA7];
        assert_eq!(decode_28560_2(&memory).unwrap().item_id, "Hi");
        // 5-bit "ABC": 00001 00010 00011 + 0 -> 0x08 0x86
        let memory = [0x31, 2, 0x08, 0x86];
        assert_eq!(decode_28560_2(&memory).unwrap().item_id, "ABC");
        // UTF-8
        let memory = [0x71, 3, b'K', 0xC3, 0xA9];
        assert_eq!(decode_28560_2(&memory).unwrap().item_id, "Ké");
    }

    #[test]
    fn broken_28560_2_is_an_error_not_a_panic() {
        assert!(matches!(
            decode_28560_2(&[0x61, 9, b'a']),
            Err(TagDataError::Element { .. })
        ));
        assert_eq!(
            decode_28560_2(&[0x63, 1, b'x']),
            Err(TagDataError::NoItemId)
        );
        assert_eq!(decode(&[0; 32]), Err(TagDataError::Empty));
    }

    #[test]
    fn an_oid_extension_of_255_does_not_overflow() {
        // Found by proptest: 15 + 0xFF overflowed a u8.
        assert!(decode_28560_2(&[0x0F, 0xFF, 0x01, b'x']).is_err());
    }

    #[test]
    fn hex_parsing_accepts_either_case_and_separators() {
        assert_eq!(parse_hex("0aFF"), Ok(vec![0x0A, 0xFF]));
        assert_eq!(parse_hex("0a:ff 10"), Ok(vec![0x0A, 0xFF, 0x10]));
        assert!(parse_hex("abc").is_err());
        assert!(parse_hex("zz").is_err());
    }
}
