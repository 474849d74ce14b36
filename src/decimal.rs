//! Exact decimals in requests (API.md: "requests accept strings or JSON numbers, parsed
//! exactly"). A JSON string is parsed digit for digit; so is a JSON number, from its text
//! as the client wrote it (serde_json's `RawValue`, never through an `f64`), exponent
//! included (`1e3` is 1000).
//!
//! Nothing is ever rounded here: a value with more digits than a `Decimal` keeps (28
//! significant digits) is refused as `too_precise`, one beyond its range as
//! `out_of_range`. Whether a value is within the bounds of its field (quantity, price,
//! rate) is the field's validator's business ([`crate::bounds`]).

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::str::FromStr;

use crate::error::ErrorCode;

/// Why a decimal text is refused. Its `Display` starts with the stable code and a colon
/// (`too_precise: …`), which [`error_code`] recognises when the message comes back from
/// serde inside a body error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("invalid_decimal: `{0}` is not a decimal number")]
    NotANumber(String),
    #[error("too_precise: `{0}` has more digits than can be kept exactly (at most 28 significant digits); it would be rounded")]
    TooPrecise(String),
    #[error("out_of_range: `{0}` is outside the range of accepted numbers")]
    OutOfRange(String),
}

/// The stable code of a decimal parse error inside a (serde) error message, if it is one.
pub fn error_code(message: &str) -> Option<ErrorCode> {
    [
        ErrorCode::InvalidDecimal,
        ErrorCode::TooPrecise,
        ErrorCode::OutOfRange,
    ]
    .into_iter()
    .find(|code| {
        message
            .strip_prefix(code.as_str())
            .is_some_and(|rest| rest.starts_with(": "))
    })
}

/// The canonical text of a plain decimal (sign, digits, at most one dot): no `+`, no
/// leading zeros, no trailing fractional zeros, `0` for any zero.
fn canonical(t: &str) -> String {
    let (negative, unsigned) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    if int.is_empty() && frac.is_empty() {
        return "0".to_owned();
    }
    let mut out = String::with_capacity(t.len());
    if negative {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// Parses a decimal string exactly (no exponent, optional sign, one dot). A value that
/// `Decimal` could only hold rounded is refused, never rounded.
pub fn parse(s: &str) -> Result<Decimal, ParseError> {
    let t = s.trim();
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return Err(ParseError::NotANumber(s.to_owned()));
    }
    let significant = format!("{int}{frac}");
    let significant = significant.trim_start_matches('0');
    let d = match Decimal::from_str(t) {
        Ok(d) => d,
        // The integer part alone does not fit: a magnitude problem. Otherwise too many
        // digits for the 96-bit mantissa.
        Err(_) if int.trim_start_matches('0').len() > 28 => {
            return Err(ParseError::OutOfRange(s.to_owned()))
        }
        Err(_) if significant.len() > 28 => return Err(ParseError::TooPrecise(s.to_owned())),
        Err(_) => return Err(ParseError::OutOfRange(s.to_owned())),
    };
    if canonical(&d.to_string()) != canonical(t) {
        return Err(ParseError::TooPrecise(s.to_owned()));
    }
    Ok(d)
}

/// Parses the text of a JSON number exactly (`-12.5`, `1e3`, `2.5E-4`).
pub fn parse_json_number(text: &str) -> Result<Decimal, ParseError> {
    let t = text.trim();
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => return parse(t),
    };
    let not_a_number = || ParseError::NotANumber(text.to_owned());
    let exponent: i64 = exponent.parse().map_err(|_| not_a_number())?;
    let negative = mantissa.starts_with('-');
    let unsigned = mantissa.strip_prefix(['-', '+']).unwrap_or(mantissa);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if int.is_empty() || !(int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit()) {
        return Err(not_a_number());
    }
    let digits = format!("{int}{frac}");
    if digits.bytes().all(|b| b == b'0') {
        return Ok(Decimal::ZERO);
    }
    // Where the decimal point lands once the exponent is applied; far outside ±60 places
    // nothing can be held exactly (and no string of a million zeros is built).
    let point = i64::try_from(int.len())
        .unwrap_or(i64::MAX)
        .saturating_add(exponent);
    if point > 60 {
        return Err(ParseError::OutOfRange(text.to_owned()));
    }
    if point < -60 {
        return Err(ParseError::TooPrecise(text.to_owned()));
    }
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let zeros = |n: i64| "0".repeat(usize::try_from(n).unwrap_or(0));
    let plain = if point <= 0 {
        format!("0.{}{digits}", zeros(-point))
    } else if point >= len {
        format!("{digits}{}", zeros(point - len))
    } else {
        let at = usize::try_from(point).unwrap_or(0);
        format!("{}.{}", &digits[..at], &digits[at..])
    };
    let sign = if negative { "-" } else { "" };
    parse(&format!("{sign}{plain}")).map_err(|e| match e {
        ParseError::NotANumber(_) => ParseError::NotANumber(text.to_owned()),
        ParseError::TooPrecise(_) => ParseError::TooPrecise(text.to_owned()),
        ParseError::OutOfRange(_) => ParseError::OutOfRange(text.to_owned()),
    })
}

/// Parses the raw text of one JSON value: a string holding a decimal, or a number.
fn from_raw(raw: &str) -> Result<Decimal, String> {
    let t = raw.trim();
    if t.starts_with('"') {
        let s: String = serde_json::from_str(t).map_err(|e| e.to_string())?;
        parse(&s).map_err(|e| e.to_string())
    } else if t.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) {
        parse_json_number(t).map_err(|e| e.to_string())
    } else {
        Err(format!(
            "invalid_decimal: expected a decimal number as a string or a JSON number, found `{}`",
            t.chars().take(40).collect::<String>()
        ))
    }
}

/// `#[serde(deserialize_with = "crate::decimal::exact")]` for `Decimal` fields.
pub fn exact<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
    from_raw(raw.get()).map_err(de::Error::custom)
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
    fn strings_and_numbers_are_exact() {
        assert_eq!(q(r#"{"q":"1385.20"}"#).unwrap().to_string(), "1385.20");
        assert_eq!(q(r#"{"q":0.1}"#).unwrap().to_string(), "0.1");
        assert_eq!(q(r#"{"q":12.345678}"#).unwrap().to_string(), "12.345678");
        assert_eq!(q(r#"{"q":250}"#).unwrap().to_string(), "250");
        assert_eq!(q(r#"{"q":-2.50}"#).unwrap().to_string(), "-2.50");
        assert_eq!(
            q(r#"{"q":"0.30000000000000004441"}"#).unwrap().to_string(),
            "0.30000000000000004441"
        );
        // A number is read from its text, not through an f64.
        assert_eq!(
            q(r#"{"q":0.30000000000000004}"#).unwrap().to_string(),
            "0.30000000000000004"
        );
        assert_eq!(q(r#"{"q":1e3}"#).unwrap(), Decimal::from(1000));
        assert_eq!(q(r#"{"q":2.5E-4}"#).unwrap().to_string(), "0.00025");
        assert_eq!(
            q(r#"{"q":1e20}"#).unwrap().to_string(),
            "100000000000000000000"
        );
        assert_eq!(q(r#"{"q":0e999999}"#).unwrap(), Decimal::ZERO);
        assert!(q(r#"{"q":"1e3"}"#).is_err(), "no exponent in strings");
        assert!(q(r#"{"q":"abc"}"#).is_err());
        assert!(q(r#"{"q":"1.2.3"}"#).is_err());
        assert!(q(r#"{"q":true}"#).is_err());
        assert!(q(r#"{"q":null}"#).is_err());
        assert!(q(r#"{"q":[1]}"#).is_err());
    }

    #[test]
    fn nothing_is_rounded() {
        let code = |json: &str| error_code(&q(json).unwrap_err());
        // 31 decimal places: `Decimal` would round this to 1.
        for json in [
            r#"{"q":"1.000000000000000000000000000001"}"#,
            r#"{"q":1.000000000000000000000000000001}"#,
            r#"{"q":"0.00000000000000000000000000001"}"#,
            r#"{"q":1e-40}"#,
            r#"{"q":"7922816251426433759354395033.51"}"#,
        ] {
            assert_eq!(code(json), Some(ErrorCode::TooPrecise), "{json}");
        }
        for json in [
            r#"{"q":"79228162514264337593543950336"}"#,
            r#"{"q":"-79228162514264337593543950336"}"#,
            r#"{"q":1e29}"#,
            r#"{"q":1e999999999999}"#,
        ] {
            assert_eq!(code(json), Some(ErrorCode::OutOfRange), "{json}");
        }
        assert_eq!(code(r#"{"q":"x"}"#), Some(ErrorCode::InvalidDecimal));
        // The largest representable value and 28 decimal places are exact.
        assert_eq!(
            q(r#"{"q":"79228162514264337593543950335"}"#).unwrap(),
            Decimal::MAX
        );
        assert_eq!(
            q(r#"{"q":"0.0000000000000000000000000001"}"#).unwrap(),
            Decimal::new(1, 28)
        );
        assert_eq!(parse("+0012.3400").unwrap().to_string(), "12.3400");
        assert_eq!(parse("-0.000").unwrap(), Decimal::ZERO);
    }

    #[test]
    fn codes_are_recognised_only_at_the_start() {
        assert_eq!(
            error_code("too_precise: x at line 1"),
            Some(ErrorCode::TooPrecise)
        );
        assert_eq!(error_code("invalid type: too_precise: x"), None);
        assert_eq!(error_code("out_of_rangeX: y"), None);
    }
}
