//! A code from a peer that may be newer than us: known, or kept as the text it sent.
//!
//! The rule for every enum on the wire (transaction kinds, document kinds): a code this build
//! knows becomes its variant; any other code is kept verbatim as [`Wire::Unknown`], so the
//! receiver can decide what to do with it (the hub keeps such a transaction as a conflict for
//! staff; a station skips a document kind it has no use for) — it is never mistaken for a
//! known one, and it never makes the whole message unreadable.

use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A known code `T`, or an unknown one as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Wire<T> {
    Known(T),
    Unknown(String),
}

impl<T> Wire<T> {
    /// The known value, if it is one.
    pub fn known(&self) -> Option<&T> {
        match self {
            Wire::Known(value) => Some(value),
            Wire::Unknown(_) => None,
        }
    }
}

impl<T: DeserializeOwned> Wire<T> {
    /// Reads a code: `T` if it names one of its variants, else kept as unknown.
    pub fn parse(code: &str) -> Wire<T> {
        let deserializer: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            code.into_deserializer();
        match T::deserialize(deserializer) {
            Ok(value) => Wire::Known(value),
            Err(_) => Wire::Unknown(code.to_string()),
        }
    }
}

impl<T> From<T> for Wire<T> {
    fn from(value: T) -> Wire<T> {
        Wire::Known(value)
    }
}

impl<T: Serialize> Wire<T> {
    /// The code as it travels.
    pub fn code(&self) -> String {
        match self {
            Wire::Known(value) => match serde_json::to_value(value) {
                Ok(serde_json::Value::String(code)) => code,
                // Only unit-variant enums are used as wire codes.
                other => other.map(|v| v.to_string()).unwrap_or_default(),
            },
            Wire::Unknown(code) => code.clone(),
        }
    }
}

impl<T: Serialize> fmt::Display for Wire<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl<T: Serialize> Serialize for Wire<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Wire::Known(value) => value.serialize(serializer),
            Wire::Unknown(code) => serializer.serialize_str(code),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Wire<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Wire<T>, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(Wire::parse(&code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Colour {
        DeepRed,
    }

    #[test]
    fn known_codes_become_variants_and_others_are_kept_verbatim() {
        assert_eq!(
            Wire::<Colour>::parse("deep_red"),
            Wire::Known(Colour::DeepRed)
        );
        assert_eq!(
            Wire::<Colour>::parse("DeepRed"),
            Wire::Unknown("DeepRed".into())
        );
        let json =
            serde_json::to_string(&[Wire::Known(Colour::DeepRed), Wire::Unknown("x".into())])
                .unwrap();
        assert_eq!(json, r#"["deep_red","x"]"#);
        let back: Vec<Wire<Colour>> = serde_json::from_str(&json).unwrap();
        assert_eq!(back[1].code(), "x");
        assert_eq!(back[0].known(), Some(&Colour::DeepRed));
    }
}
