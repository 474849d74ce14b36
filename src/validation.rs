//! Field validators shared by every request type. Each returns the normalised value or a
//! [`FieldError`] naming the field, so handlers can collect all errors of a body at once.

use crate::error::FieldError;

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

/// Normalises an email (trimmed, lower-cased) and checks its shape: one `@`, a non-empty
/// local part, a dotted domain, no whitespace or control characters.
pub fn email(field: &str, raw: &str) -> Result<String, FieldError> {
    let e = raw.trim().to_lowercase();
    let bad = |m: &str| Err(FieldError::new(field, "invalid_email", m));
    if e.is_empty() {
        return Err(FieldError::new(field, "required", "is required"));
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

/// A required single-line text of at most `max` characters, trimmed.
pub fn text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required", "is required"));
    }
    if t.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

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
