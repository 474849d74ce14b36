//! Exact decimals in requests (API.md: "requests accept strings or JSON numbers, parsed
//! exactly"). A JSON string is parsed digit for digit. A JSON number reaches us as an f64
//! (serde_json's default); its shortest round-trip representation equals the digits the
//! client wrote whenever they have at most 15 significant digits, so those are accepted
//! and anything longer is refused with a request to send a string.

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use std::str::FromStr;

/// Most significant digits accepted in a JSON number.
pub const MAX_NUMBER_DIGITS: u32 = 15;

/// Parses a decimal string exactly (no exponent, optional sign, one dot).
pub fn parse(s: &str) -> Result<Decimal, String> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+')
    {
        return Err(format!("`{s}` is not a decimal number"));
    }
    Decimal::from_str(t).map_err(|_| format!("`{s}` is not a decimal number"))
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a decimal number as a string or a JSON number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("is not a finite number"));
        }
        let shortest = format!("{v}");
        let d = Decimal::from_str(&shortest)
            .map_err(|_| E::custom("is out of range; send it as a string"))?;
        let digits = d
            .mantissa()
            .unsigned_abs()
            .to_string()
            .trim_end_matches('0')
            .len() as u32;
        if digits > MAX_NUMBER_DIGITS {
            return Err(E::custom(
                "has more than 15 significant digits; send it as a string to keep it exact",
            ));
        }
        Ok(d)
    }
}

/// `#[serde(deserialize_with = "crate::decimal::exact")]` for `Decimal` fields.
pub fn exact<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(DecimalVisitor)
}

/// Same for `Option<Decimal>` fields (absent or null → `None`).
pub fn exact_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    struct Opt;
    impl<'de> Visitor<'de> for Opt {
        type Value = Option<Decimal>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a decimal number or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            exact(d).map(Some)
        }
    }
    d.deserialize_option(Opt)
}

/// A `Decimal` parsed exactly, for places where a field attribute cannot reach (map values,
/// list items).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exact(pub Decimal);

impl<'de> serde::Deserialize<'de> for Exact {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        exact(d).map(Exact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Q {
        #[serde(deserialize_with = "exact")]
        q: Decimal,
    }

    fn q(json: &str) -> Result<Decimal, String> {
        serde_json::from_str::<Q>(json)
            .map(|x| x.q)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn strings_and_short_numbers_are_exact() {
        assert_eq!(q(r#"{"q":"1385.20"}"#).unwrap().to_string(), "1385.20");
        assert_eq!(q(r#"{"q":0.1}"#).unwrap().to_string(), "0.1");
        assert_eq!(q(r#"{"q":12.345678}"#).unwrap().to_string(), "12.345678");
        assert_eq!(q(r#"{"q":250}"#).unwrap().to_string(), "250");
        assert_eq!(
            q(r#"{"q":"0.30000000000000004441"}"#).unwrap().to_string(),
            "0.30000000000000004441"
        );
        assert!(
            q(r#"{"q":0.30000000000000004}"#).is_err(),
            "17 digits as a number are refused"
        );
        assert!(q(r#"{"q":"1e3"}"#).is_err());
        assert!(q(r#"{"q":"abc"}"#).is_err());
        assert!(q(r#"{"q":true}"#).is_err());
    }
}
