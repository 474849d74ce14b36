//! Is a rendered text in one language? The check the email tests apply to every rendering
//! (subject, text and HTML parts), in both locales.
//!
//! The rule, applied to a rendered part and the payload it was rendered from:
//!
//! 1. An HTML part loses its tags (`<…>`, which holds the markup, attributes and styles) and
//!    its character references are decoded.
//! 2. The strings the payload supplies as data — the values under the keys in
//!    [`SUPPLIED_KEYS`]: proper names (people, companies, materials, places), titles and
//!    reasons typed by users, codes, units, currency codes, PO numbers, addresses and links
//!    — are removed wherever they stand as whole tokens (not preceded or followed by an
//!    ASCII letter or digit), longest first. Any other payload string (a pre-rendered
//!    sentence, a status code) counts as the template's own words. What is left is what the
//!    template and the formatters wrote.
//! 3. Korean: every run of ASCII letters left must be one of [`ALLOWED_IN_KOREAN`] (the
//!    product's name, the acronym RFQ that the Korean text glosses, and the time-zone
//!    abbreviations the date formatter prints). So no English word at all, let alone a
//!    sentence.
//! 4. English: no Hangul character (syllables or jamo) is left.

use crate::auth::Locale;

/// ASCII words a Korean email may contain besides what its payload supplies.
pub const ALLOWED_IN_KOREAN: &[&str] = &["coprocure", "RFQ", "KST", "UTC"];

/// Payload keys whose string values (or arrays of strings) are data: names, user-typed
/// titles and reasons, codes, units, currencies, numbers of documents, addresses, links.
pub const SUPPLIED_KEYS: &[&str] = &[
    "name",
    "name_ko",
    "email",
    "organisation",
    "inviter",
    "cooperative",
    "member",
    "supplier",
    "rfq_title",
    "round_title",
    "delivery_place",
    "named_place",
    "reason",
    "rationale",
    "code",
    "unit",
    "currency",
    "currencies",
    "base_currency",
    "incoterm",
    "incoterms",
    "number",
    "link",
    "claim_link",
];

/// The words of `rendered` that are not in `locale`'s language, each with some context;
/// empty when the text passes. `html` says whether `rendered` is an HTML part.
pub fn foreign_words(
    locale: Locale,
    rendered: &str,
    html: bool,
    payload: &serde_json::Value,
) -> Vec<String> {
    let mut text = if html {
        decode_entities(&strip_tags(rendered))
    } else {
        rendered.to_owned()
    };
    let mut supplied = Vec::new();
    strings(payload, false, &mut supplied);
    supplied.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    for s in supplied.iter().filter(|s| !s.trim().is_empty()) {
        text = remove_token(&text, s);
    }
    match locale {
        Locale::Ko => runs(&text, |c| c.is_ascii_alphabetic())
            .filter(|(_, w)| !ALLOWED_IN_KOREAN.contains(w))
            .map(|(at, w)| format!("{w:?} in …{}…", context(&text, at, w.len())))
            .collect(),
        Locale::En => runs(&text, is_hangul)
            .map(|(at, w)| format!("{w:?} in …{}…", context(&text, at, w.len())))
            .collect(),
    }
}

/// Whether `c` is Hangul: a syllable or a jamo (conjoining, compatibility or extended).
pub fn is_hangul(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'
        | '\u{3130}'..='\u{318F}'
        | '\u{A960}'..='\u{A97F}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{D7B0}'..='\u{D7FF}')
}

/// The string values of `v` that stand under a key of [`SUPPLIED_KEYS`] (`supplied`: the
/// enclosing key is one).
fn strings(v: &serde_json::Value, supplied: bool, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if supplied => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| strings(i, supplied, out)),
        serde_json::Value::Object(map) => map
            .iter()
            .for_each(|(k, i)| strings(i, SUPPLIED_KEYS.contains(&k.as_str()), out)),
        _ => {}
    }
}

/// `text` with every whole-token occurrence of `token` replaced by a space.
fn remove_token(text: &str, token: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(token) {
        let before = rest[..i].chars().next_back().or(out.chars().next_back());
        let after = rest[i + token.len()..].chars().next();
        let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        // A token that starts or ends with a letter or digit must not be part of a longer word.
        let first = token.chars().next();
        let last = token.chars().next_back();
        let glued = (alnum(first) && alnum(before)) || (alnum(last) && alnum(after));
        out.push_str(&rest[..i]);
        if glued {
            out.push_str(token);
        } else {
            out.push(' ');
        }
        rest = &rest[i + token.len()..];
    }
    out.push_str(rest);
    out
}

/// Maximal runs of characters matching `f`, with their byte offsets.
fn runs(text: &str, f: impl Fn(char) -> bool) -> impl Iterator<Item = (usize, &str)> {
    let mut found = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (f(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                found.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        found.push((s, &text[s..]));
    }
    found.into_iter()
}

/// About 30 characters around `text[at..at + len]`, on one line.
fn context(text: &str, at: usize, len: usize) -> String {
    let before: String = text[..at]
        .chars()
        .rev()
        .take(30)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = text[at + len..].chars().take(30).collect();
    format!("{before}{}{after}", &text[at..at + len]).replace(['\n', '\r'], " ")
}

/// `html` without its tags (each replaced by a space).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (c, in_tag) {
            ('<', false) => in_tag = true,
            ('>', true) => {
                in_tag = false;
                out.push(' ');
            }
            (c, false) => out.push(c),
            _ => {}
        }
    }
    out
}

/// Decodes `&lt;`-style and numeric character references.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let decoded = match name {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn korean_text_may_hold_only_payload_words_and_the_allowed_ones() {
        let payload = json!({
            "name": "Pacific Metals Inc.",
            "material": {"code": "AL-ADC12", "name": "Aluminium ingot ADC12"},
            "unit": "TNE",
            "role": "member",
            "link": "https://coop.example/rfqs/1",
        });
        let ok = "Pacific Metals Inc.님, Aluminium ingot ADC12 (AL-ADC12) 20 TNE, \
                  2027. 3. 31. (수) 15:00 KST (06:00 UTC) 견적 요청(RFQ) coprocure https://coop.example/rfqs/1";
        assert_eq!(
            foreign_words(Locale::Ko, ok, false, &payload),
            Vec::<String>::new()
        );
        let bad = "Aluminium ingot ADC12 (AL-ADC12): 20 TNE, required by 2027-03-31";
        let found = foreign_words(Locale::Ko, bad, false, &payload);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("\"required\""), "{found:?}");
        // A code is not a payload-supplied word: the template must translate it; nor is a
        // pre-rendered sentence.
        assert_eq!(
            foreign_words(Locale::Ko, "역할: member", false, &payload).len(),
            1
        );
        let sentence = json!({"lines": ["CU (CU): 2 TNE, required by 2027-03-31"]});
        assert_eq!(
            foreign_words(
                Locale::Ko,
                "CU (CU): 2 TNE, required by 2027-03-31",
                false,
                &sentence
            )
            .len(),
            5
        );
        // A payload word inside a longer word does not hide it.
        assert_eq!(
            foreign_words(Locale::Ko, "TNEs", false, &payload),
            vec!["\"TNEs\" in …TNEs…".to_owned()]
        );
    }

    #[test]
    fn english_text_may_hold_hangul_only_from_the_payload() {
        let payload = json!({"cooperative": "경기다이캐스팅협동조합", "name": "김구매"});
        let ok = "Hello 김구매, 경기다이캐스팅협동조합 has awarded the RFQ.";
        assert!(foreign_words(Locale::En, ok, false, &payload).is_empty());
        let bad = "Hello 김구매님, deadline 2027. 3. 31. (수)";
        let found = foreign_words(Locale::En, bad, false, &payload);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("\"님\""), "{found:?}");
    }

    #[test]
    fn html_is_read_without_tags_and_with_references_decoded() {
        let payload = json!({"name": "김 <Kim>"});
        let html = "<!DOCTYPE html><html lang=\"ko\"><p style=\"color:#1f2933\">김 &#60;Kim&#62;님 &amp; 안녕하세요.</p></html>";
        assert!(foreign_words(Locale::Ko, html, true, &payload).is_empty());
        let html = "<p>김 &lt;Kim&gt;님 Total</p>";
        assert_eq!(foreign_words(Locale::Ko, html, true, &payload).len(), 1);
    }
}
