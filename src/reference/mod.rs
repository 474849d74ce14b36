//! Reference data shipped with the binary: ISO 3166-1 countries, ISO 4217 currencies with
//! their minor units, and Korean business registration numbers.

mod countries;
mod currencies;

pub use countries::COUNTRIES;
pub use currencies::CURRENCIES;

use crate::error::{ErrorCode, FieldError};

/// The name of an ISO 3166-1 alpha-2 country code (upper case).
pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| COUNTRIES[i].1)
}

/// The minor unit (decimal places) of an ISO 4217 currency code (upper case).
pub fn currency_minor_unit(code: &str) -> Option<u32> {
    CURRENCIES
        .binary_search_by(|(c, _, _)| (*c).cmp(code))
        .ok()
        .map(|i| CURRENCIES[i].1)
}

/// Validates and normalises (upper case) a country code.
pub fn country(field: &str, raw: &str) -> Result<String, FieldError> {
    let code = raw.trim().to_ascii_uppercase();
    match country_name(&code) {
        Some(_) => Ok(code),
        None => Err(FieldError::new(
            field,
            ErrorCode::InvalidCountry,
            "is not an ISO 3166-1 alpha-2 country code",
        )),
    }
}

/// Validates and normalises (upper case) a currency code.
pub fn currency(field: &str, raw: &str) -> Result<String, FieldError> {
    let code = raw.trim().to_ascii_uppercase();
    match currency_minor_unit(&code) {
        Some(_) => Ok(code),
        None => Err(FieldError::new(
            field,
            ErrorCode::InvalidCurrency,
            "is not an ISO 4217 currency code",
        )),
    }
}

/// Checks a Korean business registration number (사업자등록번호): 10 digits, with or
/// without dashes, whose last digit is the check digit of the official algorithm
/// (weights 1 3 7 1 3 7 1 3 5, plus the tens of 5 × the ninth digit). Returns the 10
/// digits.
pub fn kr_business_number(field: &str, raw: &str) -> Result<String, FieldError> {
    let bad = |m: &str| Err(FieldError::new(field, ErrorCode::InvalidBusinessNumber, m));
    let trimmed = raw.trim();
    if !trimmed.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return bad("must be 10 digits, e.g. 123-45-67890");
    }
    let digits: Vec<u32> = trimmed.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 {
        return bad("must be 10 digits, e.g. 123-45-67890");
    }
    let b = trimmed.as_bytes();
    if trimmed.contains('-') && !(b.len() == 12 && b[3] == b'-' && b[6] == b'-') {
        return bad("dashes go as in 123-45-67890");
    }
    if kr_check_digit(&digits[..9]) != digits[9] {
        return bad("has a wrong check digit");
    }
    Ok(digits
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
        .collect())
}

/// The check digit of the first nine digits of a Korean business number.
pub fn kr_check_digit(first_nine: &[u32]) -> u32 {
    const WEIGHTS: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = first_nine.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    sum += (first_nine[8] * 5) / 10;
    (10 - sum % 10) % 10
}

/// Shows 10 stored digits as `123-45-67890`.
pub fn format_kr_business_number(digits: &str) -> String {
    if digits.len() == 10 && digits.chars().all(|c| c.is_ascii_digit()) {
        format!("{}-{}-{}", &digits[..3], &digits[3..5], &digits[5..])
    } else {
        digits.to_owned()
    }
}

/// A foreign tax id: 2–40 letters, digits, spaces, dots, slashes or dashes.
pub fn tax_id(field: &str, raw: &str) -> Result<String, FieldError> {
    let t = raw.trim().to_ascii_uppercase();
    if (2..=40).contains(&t.len())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || " ./-".contains(c))
        && t.chars().any(|c| c.is_ascii_alphanumeric())
    {
        Ok(t)
    } else {
        Err(FieldError::new(
            field,
            ErrorCode::InvalidTaxId,
            "must be 2–40 letters, digits, spaces, dots, slashes or dashes",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_check(first_nine: [u32; 9]) -> String {
        let mut s: String = first_nine
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap())
            .collect();
        s.push(char::from_digit(kr_check_digit(&first_nine), 10).unwrap());
        s
    }

    #[test]
    fn tables_are_sorted_and_complete_enough() {
        assert!(COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(COUNTRIES.len(), 249);
        assert!(CURRENCIES.len() >= 150);
        assert_eq!(currency_minor_unit("KRW"), Some(0));
        assert_eq!(currency_minor_unit("USD"), Some(2));
        assert_eq!(currency_minor_unit("JPY"), Some(0));
        assert_eq!(currency_minor_unit("KWD"), Some(3));
        assert_eq!(currency_minor_unit("XAU"), None);
        assert_eq!(country_name("KR"), Some("Korea, Republic of"));
        assert_eq!(country("c", " vn ").unwrap(), "VN");
        assert!(country("c", "XX").is_err());
        assert!(currency("c", "usd").is_ok());
        assert!(currency("c", "KRWW").is_err());
    }

    #[test]
    fn known_business_numbers() {
        // Computed by hand: 1×1+2×3+3×7+4×1+5×3+6×7+7×1+8×3+9×5 = 165, + (9×5)/10 = 4 → 169 → check 1.
        assert_eq!(
            kr_business_number("b", "123-45-67891").unwrap(),
            "1234567891"
        );
        assert_eq!(kr_business_number("b", "1234567891").unwrap(), "1234567891");
        assert_eq!(
            kr_business_number("b", "123-45-67890").unwrap_err().code,
            "invalid_business_number"
        );
        for bad in [
            "",
            "123456789",
            "12345678901",
            "123-45-6789a",
            "12-345-67891",
            "1234-5-67891",
            "１２３４５６７８９１",
        ] {
            assert!(kr_business_number("b", bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(format_kr_business_number("1234567891"), "123-45-67891");
    }

    proptest! {
        #[test]
        fn every_number_made_by_the_algorithm_is_accepted_with_and_without_dashes(d in proptest::array::uniform9(0u32..10)) {
            let n = with_check(d);
            prop_assert_eq!(kr_business_number("b", &n).unwrap(), n.clone());
            let dashed = format_kr_business_number(&n);
            prop_assert_eq!(kr_business_number("b", &dashed).unwrap(), n);
        }

        #[test]
        fn every_wrong_check_digit_is_refused(d in proptest::array::uniform9(0u32..10), wrong in 1u32..10) {
            let mut n = with_check(d);
            let last = n.pop().unwrap().to_digit(10).unwrap();
            n.push(char::from_digit((last + wrong) % 10, 10).unwrap());
            prop_assert!(kr_business_number("b", &n).is_err());
        }
    }
}
