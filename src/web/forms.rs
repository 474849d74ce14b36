//! What people type into forms, made into what the services take.
//!
//! Numbers: people write `1,250.5`, `9,420.50`, ` 1 000 ` or fullwidth digits; the services
//! parse exact decimals (`crate::decimal`). [`number`] accepts thousands separators only
//! where they group digits by three (so `1,25` is not silently read as 125) and hands the
//! rest to the service's own validation, which names the field.
//!
//! Times: a `datetime-local` field is read and filled in the cooperative's time zone
//! ([`local_time`], [`local_value`]).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// The fields of a urlencoded form body, in order (repeated names kept: checkboxes).
pub fn fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of `name`, or empty.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Every value of `name`.
pub fn all<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// An optional text field: `None` when left blank, else as typed.
pub fn optional(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_owned())
}

/// A `datetime-local` value (`2026-12-04T15:00`) read in the cooperative's zone `tz`.
/// `None` when it is not a date and time (or names a time the zone skips).
pub fn local_time(raw: &str, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// An instant as a `datetime-local` value in `tz`.
pub fn local_value(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// The decimal text of a form number: commas or spaces between groups of three digits
/// before the point are dropped, fullwidth digits and separators become ASCII, the rest is
/// kept as typed (the service reports what is wrong with it). `None` when empty.
pub fn number(raw: &str) -> Option<String> {
    let ascii: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '，' => ',',
            '．' => '.',
            '\u{a0}' | '\u{202f}' | '\u{2009}' => ' ',
            c => c,
        })
        .collect();
    let ascii = ascii.trim();
    if ascii.is_empty() {
        return None;
    }
    let (int, frac) = match ascii.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (ascii, None),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", int),
    };
    let grouped = digits.contains([',', ' ']);
    let int = if grouped && well_grouped(digits) {
        digits.replace([',', ' '], "")
    } else {
        digits.to_owned()
    };
    Some(match frac {
        Some(f) => format!("{sign}{int}.{f}"),
        None => format!("{sign}{int}"),
    })
}

/// `1,234,567` / `1 234 567`: a first group of 1–3 digits, then groups of exactly three,
/// one separator kind throughout.
fn well_grouped(digits: &str) -> bool {
    let sep = if digits.contains(',') { ',' } else { ' ' };
    if digits.contains(',') && digits.contains(' ') {
        return false;
    }
    let mut groups = digits.split(sep);
    let first = groups.next().unwrap_or("");
    (1..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_digit())
        && groups.all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn thousands_separators_are_dropped_only_where_they_group_by_three() {
        assert_eq!(number("1,250.5").as_deref(), Some("1250.5"));
        assert_eq!(number(" 9,420.50 ").as_deref(), Some("9420.50"));
        assert_eq!(number("1,234,567").as_deref(), Some("1234567"));
        assert_eq!(number("1 234 567,").as_deref(), Some("1 234 567,"));
        assert_eq!(number("1 000").as_deref(), Some("1000"));
        assert_eq!(number("１，２５０．５").as_deref(), Some("1250.5"));
        assert_eq!(number("-1,000").as_deref(), Some("-1000"));
        assert_eq!(number("42").as_deref(), Some("42"));
        assert_eq!(number("   ").as_deref(), None);
        // Not a grouping: left for the service to refuse, never read as 125.
        assert_eq!(number("1,25").as_deref(), Some("1,25"));
        assert_eq!(number("12,34,567").as_deref(), Some("12,34,567"));
        assert_eq!(number("1,000 000").as_deref(), Some("1,000 000"));
        assert_eq!(number("1.000,5").as_deref(), Some("1.000,5"));
    }
}
