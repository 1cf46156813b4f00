//! SIP2 dates: `YYYYMMDDZZZZHHMMSS`, 18 characters. `ZZZZ` is four spaces for the ACS's local
//! time or a zone such as `   Z` (UTC). Servers send blanks where they have no date; a client
//! must never send them (several servers drop the connection), so a blank can be decoded but
//! not encoded (`Message::encode` refuses it).

use jiff::civil::DateTime;

/// A date as a SIP2 frame carries it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SipDate {
    /// A wall-clock time with its zone field (`"    "` local, `"   Z"` UTC, ...).
    At { time: DateTime, zone: String },
    /// Eighteen spaces (or nothing usable): no date.
    #[default]
    Blank,
}

impl SipDate {
    pub const WIDTH: usize = 18;

    /// Local time of the ACS (the zone field left blank), as self-checks send it.
    pub fn local(time: DateTime) -> SipDate {
        SipDate::At {
            time,
            zone: "    ".into(),
        }
    }

    /// The 18 characters, or None for a blank (never sent).
    pub fn encode(&self) -> Option<String> {
        match self {
            SipDate::At { time, zone } => Some(format!(
                "{}{:>4.4}{}",
                time.strftime("%Y%m%d"),
                zone,
                time.strftime("%H%M%S")
            )),
            SipDate::Blank => None,
        }
    }

    /// Reads 18 characters; anything that is not a date is a blank (servers vary).
    pub fn decode(text: &str) -> SipDate {
        let chars: Vec<char> = text.chars().collect();
        if chars.len() != Self::WIDTH {
            return SipDate::Blank;
        }
        let part = |range: std::ops::Range<usize>| chars[range].iter().collect::<String>();
        let number = |range: std::ops::Range<usize>| part(range).parse::<i16>().ok();
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            number(0..4),
            number(4..6),
            number(6..8),
            number(12..14),
            number(14..16),
            number(16..18),
        ) else {
            return SipDate::Blank;
        };
        match DateTime::new(
            year,
            month as i8,
            day as i8,
            hour as i8,
            minute as i8,
            second as i8,
            0,
        ) {
            Ok(time) => SipDate::At {
                time,
                zone: part(8..12),
            },
            Err(_) => SipDate::Blank,
        }
    }

    pub fn time(&self) -> Option<DateTime> {
        match self {
            SipDate::At { time, .. } => Some(*time),
            SipDate::Blank => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn round_trip_and_blanks() {
        let at = SipDate::local(date(2026, 12, 1).at(14, 5, 9, 0));
        assert_eq!(at.encode().as_deref(), Some("20261201    140509"));
        assert_eq!(SipDate::decode("20261201    140509"), at);
        let utc = SipDate::decode("20261201   Z070509");
        assert_eq!(utc.encode().as_deref(), Some("20261201   Z070509"));
        assert_eq!(SipDate::decode("                  "), SipDate::Blank);
        assert_eq!(SipDate::decode("20261341    140509"), SipDate::Blank);
        assert_eq!(SipDate::Blank.encode(), None);
    }
}
