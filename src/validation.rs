//! Field validators shared by every request type. Each returns the normalised value or a
//! [`FieldError`] naming the field, so handlers can collect all errors of a body at once.

use chrono::{DateTime, NaiveDate, Utc};
use unicode_normalization::UnicodeNormalization;

use crate::error::{ErrorCode, FieldError};
use crate::ids::MaterialId;

/// Gathers field errors so a request is answered with all of them at once.
pub trait Collect<T> {
    /// The value if valid; otherwise the error goes into `errors` and the result is `None`.
    fn collect_into(self, errors: &mut Vec<FieldError>) -> Option<T>;
}

impl<T> Collect<T> for Result<T, FieldError> {
    fn collect_into(self, errors: &mut Vec<FieldError>) -> Option<T> {
        self.map_err(|e| errors.push(e)).ok()
    }
}

/// Longest accepted email address (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Normalises an email — Unicode NFKC (so fullwidth and other compatibility look-alikes
/// such as `ａｄｍｉｎ＠example.coop` become `admin@example.coop`), lower-cased, NFKC again
/// (lower-casing can denormalise), trimmed — and checks its shape: one `@`, a non-empty
/// local part, a dotted domain, no whitespace or control characters. Every email taken in
/// goes through here, so look-alikes collide with the account they imitate.
pub fn email(field: &str, raw: &str) -> Result<String, FieldError> {
    let e: String = raw
        .nfkc()
        .collect::<String>()
        .to_lowercase()
        .nfkc()
        .collect();
    let e = e.trim().to_owned();
    let bad = |m: &str| Err(FieldError::new(field, ErrorCode::InvalidEmail, m));
    if e.is_empty() {
        return Err(FieldError::new(field, ErrorCode::Required, "is required"));
    }
    if e.len() > MAX_EMAIL_LEN {
        return bad("is longer than 254 characters");
    }
    if e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must not contain spaces");
    }
    let mut parts = e.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return bad("must contain exactly one @");
    };
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return bad("is not an email address");
    }
    Ok(e)
}

/// Earliest date accepted anywhere (required-by, validity, deadlines, FX dates).
pub const MIN_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// Latest date accepted anywhere.
pub const MAX_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2100, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// A date within [`MIN_DATE`]–[`MAX_DATE`] (422 `out_of_range` otherwise: chrono and
/// PostgreSQL would take year 10000, but no procurement date is that far out).
pub fn date(field: &str, d: NaiveDate) -> Result<(), FieldError> {
    if (MIN_DATE..=MAX_DATE).contains(&d) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            ErrorCode::OutOfRange,
            format!("must be between {MIN_DATE} and {MAX_DATE}"),
        ))
    }
}

/// A point in time whose UTC date is within [`MIN_DATE`]–[`MAX_DATE`].
pub fn timestamp(field: &str, t: DateTime<Utc>) -> Result<(), FieldError> {
    date(field, t.date_naive())
}

/// A required single-line text of at most `max` characters, trimmed.
pub fn text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, ErrorCode::Required, "is required"));
    }
    if t.chars().count() > max {
        return Err(FieldError::new(
            field,
            ErrorCode::TooLong,
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            ErrorCode::InvalidCharacters,
            "must not contain control characters",
        ));
    }
    Ok(t.to_owned())
}

/// The materials a body names in `material_ids`: sorted, each once; an empty list is an
/// error (`empty`). Whether each one may be named is the caller's to check.
pub fn material_ids(mut ids: Vec<MaterialId>, errors: &mut Vec<FieldError>) -> Vec<MaterialId> {
    if ids.is_empty() {
        errors.push(FieldError::new(
            "material_ids",
            ErrorCode::Empty,
            "must name at least one material",
        ));
    }
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_materials_come_sorted_once_and_an_empty_list_is_refused() {
        let (a, b) = (MaterialId::new(), MaterialId::new());
        let mut errors = Vec::new();
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        assert_eq!(material_ids(vec![hi, lo, hi], &mut errors), [lo, hi]);
        assert!(errors.is_empty());
        assert!(material_ids(vec![], &mut errors).is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, ErrorCode::Empty);
        assert_eq!(errors[0].field, "material_ids");
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(email("email", "  Kim@Coop.KR ").unwrap(), "kim@coop.kr");
        for bad in [
            "",
            "kim",
            "kim@",
            "@coop.kr",
            "kim@coop",
            "kim@@coop.kr",
            "k im@coop.kr",
            "kim@.kr",
            "kim@coop.kr.",
        ] {
            assert!(email("email", bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(email("email", "").unwrap_err().code, "required");
        assert_eq!(email("owner_email", "x").unwrap_err().field, "owner_email");
    }

    #[test]
    fn look_alike_emails_collide() {
        // Fullwidth letters and at sign (U+FF41…, U+FF20) are NFKC-equivalent to ASCII.
        assert_eq!(
            email("email", "ａｄｍｉｎ@example.coop").unwrap(),
            "admin@example.coop"
        );
        assert_eq!(
            email("email", "ＡＤＭＩＮ＠ＥＸＡＭＰＬＥ.ＣＯＯＰ").unwrap(),
            "admin@example.coop"
        );
        // Ligatures and other compatibility forms too (ﬁ → fi); ideographic space is
        // whitespace once normalised.
        assert_eq!(email("email", "ﬁnance@coop.kr").unwrap(), "finance@coop.kr");
        assert!(email("email", "kim\u{3000}lee@coop.kr").is_err());
        // Already-normal addresses (Korean included) are unchanged.
        assert_eq!(
            email("email", "구매@협동조합.kr").unwrap(),
            "구매@협동조합.kr"
        );
    }

    #[test]
    fn dates_are_within_a_sane_range() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert!(date("required_by", d(2027, 3, 1)).is_ok());
        assert!(date("required_by", MIN_DATE).is_ok());
        assert!(date("required_by", MAX_DATE).is_ok());
        for bad in [d(10000, 1, 1), d(2101, 1, 1), d(1999, 12, 31), d(-5, 1, 1)] {
            let e = date("required_by", bad).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code.as_str()),
                ("required_by", "out_of_range")
            );
        }
        let far = d(10000, 1, 1).and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert_eq!(timestamp("deadline", far).unwrap_err().code, "out_of_range");
        let near = d(2027, 1, 1).and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert!(timestamp("deadline", near).is_ok());
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("name", "  대한구리  ", 10).unwrap(), "대한구리");
        assert_eq!(text("name", "   ", 10).unwrap_err().code, "required");
        assert_eq!(
            text("name", "abcdefghijk", 10).unwrap_err().code,
            "too_long"
        );
        assert_eq!(
            text("name", "a\u{0}b", 10).unwrap_err().code,
            "invalid_characters"
        );
    }
}
