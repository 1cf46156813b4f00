//! The building blocks of message bodies: fixed fields read and written by position and width,
//! variable fields (`<id><value>|`) by id. Used by the message table in `messages`.

use crate::date::SipDate;

/// Why a message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("{0}: a date is required here (blank dates make servers drop the connection)")]
    BlankDate(&'static str),
}

/// Why received bytes are not a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the checksum does not add up")]
    BadChecksum,
    #[error("the frame has no checksum, and this connection requires one")]
    NoChecksum,
    #[error("a frame of {0} bytes is longer than any SIP2 message")]
    TooLong(usize),
    #[error("'{0}' is not a SIP2 message this station knows")]
    UnknownCommand(String),
    #[error("message {code}: too short for its field '{field}'")]
    Short {
        code: &'static str,
        field: &'static str,
    },
}

/// Reads a body from left to right.
pub struct Cursor<'a> {
    rest: &'a str,
    code: &'static str,
}

impl<'a> Cursor<'a> {
    pub fn new(rest: &'a str, code: &'static str) -> Cursor<'a> {
        Cursor { rest, code }
    }

    /// The next `width` characters.
    pub fn take(&mut self, width: usize, field: &'static str) -> Result<&'a str, DecodeError> {
        let end = self
            .rest
            .char_indices()
            .nth(width)
            .map(|(at, _)| at)
            .or_else(|| (self.rest.chars().count() == width).then_some(self.rest.len()))
            .ok_or(DecodeError::Short {
                code: self.code,
                field,
            })?;
        let (taken, rest) = self.rest.split_at(end);
        self.rest = rest;
        Ok(taken)
    }

    /// The variable fields after the fixed part, in order: `(id, value)`.
    pub fn fields(self) -> Vec<(String, String)> {
        self.rest
            .split('|')
            .filter(|piece| piece.chars().count() >= 2)
            .map(|piece| {
                let at = piece.char_indices().nth(2).map_or(piece.len(), |(i, _)| i);
                (piece[..at].to_string(), piece[at..].to_string())
            })
            .collect()
    }
}

/// A value made safe for a field: the delimiter and line ends would cut the frame.
pub fn clean(value: &str) -> String {
    value.replace(['|', '\r', '\n'], " ")
}

pub fn push_field(out: &mut String, id: &str, value: &str) {
    out.push_str(id);
    out.push_str(&clean(value));
    out.push('|');
}

/// Removes and returns the first field with `id`.
pub fn take_one(fields: &mut Vec<(String, String)>, id: &str) -> Option<String> {
    let at = fields.iter().position(|(f, _)| f == id)?;
    Some(fields.remove(at).1)
}

/// Removes and returns every field with `id`, in order.
pub fn take_all(fields: &mut Vec<(String, String)>, id: &str) -> Vec<String> {
    let mut values = Vec::new();
    fields.retain(|(f, v)| {
        if f == id {
            values.push(v.clone());
            false
        } else {
            true
        }
    });
    values
}

pub fn yes_no(value: bool) -> char {
    if value { 'Y' } else { 'N' }
}

pub fn encode_date(date: &SipDate, field: &'static str) -> Result<String, EncodeError> {
    date.encode().ok_or(EncodeError::BlankDate(field))
}

/// `value` in exactly `width` characters: cut, or padded with spaces on the right.
pub fn fixed_text(value: &str, width: usize) -> String {
    format!("{:<width$.width$}", clean(value))
}

/// `value` in `width` digits, zero-padded (the largest value that fits when too big).
pub fn fixed_number(value: u32, width: usize) -> String {
    let max = 10u64.pow(width as u32) - 1;
    format!("{:0width$}", u64::from(value).min(max))
}

/// A count as servers send it: digits, maybe space-padded; anything else is 0.
pub fn parse_number(text: &str) -> u32 {
    text.trim().parse().unwrap_or(0)
}
