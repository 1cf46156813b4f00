//! Value generators shared by the contract's property tests.

use jiff::civil::Date;
use proptest::prelude::*;

/// Short text with spaces, digits and a non-ASCII letter.
pub fn text() -> impl Strategy<Value = String> {
    "[0-9A-Za-z é-]{1,12}"
}

/// A calendar date this century.
pub fn date() -> impl Strategy<Value = Date> {
    (2000i16..2100, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| jiff::civil::date(y, m, d))
}
