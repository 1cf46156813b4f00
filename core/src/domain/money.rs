//! Amounts of money in hundredths of the library's currency.
//!
//! Rupiah has no cents in practice, but the SIP2 world and other libraries write `12.50`:
//! storing hundredths as an integer keeps both exact and avoids floating point.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_hundredths(hundredths: i64) -> Money {
        Money(hundredths)
    }

    pub fn from_units(units: i64) -> Money {
        Money(units.saturating_mul(100))
    }

    pub fn hundredths(self) -> i64 {
        self.0
    }

    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    pub fn saturating_mul(self, factor: i64) -> Money {
        Money(self.0.saturating_mul(factor))
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        if abs.is_multiple_of(100) {
            write!(f, "{sign}{}", abs / 100)
        } else {
            write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
        }
    }
}

/// JSON carries money as a number in currency units (`12.5`, `5000`).
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            serializer.serialize_i64(self.0 / 100)
        } else {
            serializer.serialize_f64(self.0 as f64 / 100.0)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an amount of money (write it like 5000 or 12.50)")]
pub struct MoneyParseError(String);

impl FromStr for Money {
    type Err = MoneyParseError;

    /// Accepts `5000`, `12.5`, `12.50`, `-3`; an empty string is zero.
    fn from_str(text: &str) -> Result<Money, MoneyParseError> {
        let err = || MoneyParseError(text.to_string());
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(Money::ZERO);
        }
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
        {
            return Err(err());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| err())?
        };
        let frac: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| err())? * 10,
            _ => frac.parse().map_err(|_| err())?,
        };
        let value = whole
            .checked_mul(100)
            .and_then(|v| v.checked_add(frac))
            .ok_or_else(err)?;
        Ok(Money(if negative { -value } else { value }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_whole_and_decimal_amounts() {
        assert_eq!("5000".parse::<Money>(), Ok(Money::from_units(5000)));
        assert_eq!("12.5".parse::<Money>(), Ok(Money::from_hundredths(1250)));
        assert_eq!("12.50".parse::<Money>(), Ok(Money::from_hundredths(1250)));
        assert_eq!("".parse::<Money>(), Ok(Money::ZERO));
        assert_eq!("-3".parse::<Money>(), Ok(Money::from_units(-3)));
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["abc", "1.234", "1,5", ".", "--1", "1e3"] {
            assert!(bad.parse::<Money>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn displays_without_needless_decimals() {
        assert_eq!(Money::from_units(5000).to_string(), "5000");
        assert_eq!(Money::from_hundredths(1250).to_string(), "12.50");
        assert_eq!(
            serde_json::to_string(&Money::from_hundredths(1250)).unwrap(),
            "12.5"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsing_any_text_never_panics(text in "\\PC{0,24}") {
            let _ = text.parse::<Money>();
        }

        #[test]
        fn display_parses_back(hundredths in -1_000_000_000_000i64..1_000_000_000_000) {
            let money = Money::from_hundredths(hundredths);
            prop_assert_eq!(money.to_string().parse::<Money>(), Ok(money));
        }
    }
}
