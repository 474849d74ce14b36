//! What people type into forms, made into what the services take.
//!
//! Numbers: people write `1,250.5`, `9,420.50`, ` 1 000 ` or fullwidth digits; the services
//! parse exact decimals (`crate::decimal`). [`number`] accepts thousands separators only
//! where they group digits by three (so `1,25` is not silently read as 125) and hands the
//! rest to the service's own validation, which names the field.

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
