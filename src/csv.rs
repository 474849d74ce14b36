//! CSV exports (aggregate, comparison, purchase orders): UTF-8 with a BOM and CRLF, so that
//! spreadsheet programs open Korean text correctly.
//!
//! Every text cell goes through [`field`], which also neutralises formula injection
//! (OWASP "CSV Injection"): a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return — or their fullwidth forms, which some spreadsheet programs also take as formula
//! starts — is prefixed with `'`, so it is shown as text and never evaluated. Numbers the
//! product writes itself (quantities, amounts, rates) are written as they are and stay
//! numbers; names, codes, sites and every other text a user entered are text cells.

use std::borrow::Cow;

/// Characters that make a spreadsheet treat a cell as a formula.
const FORMULA_STARTS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/// A text cell: neutralised if it could start a formula, then quoted when it holds a
/// comma, quote or line break.
pub fn field(s: &str) -> String {
    let s: Cow<str> = if s.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        assert_eq!(
            field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("+1+1"), "'+1+1");
        assert_eq!(field("-2+3"), "'-2+3");
        assert_eq!(field("\tcmd"), "'\tcmd");
        assert_eq!(field("\r=1"), "\"'\r=1\"");
        assert_eq!(field("＝1+1"), "'＝1+1");
    }

    #[test]
    fn ordinary_text_is_unchanged_or_quoted() {
        assert_eq!(field("대성금속"), "대성금속");
        assert_eq!(field("CU-1"), "CU-1");
        assert_eq!(field("a=b"), "a=b");
        assert_eq!(field("Busan, Gate 3"), "\"Busan, Gate 3\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field(""), "");
    }
}
