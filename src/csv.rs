//! CSV exports (aggregate, comparison, purchase orders): UTF-8 with a BOM and CRLF, so that
//! spreadsheet programs open Korean text correctly.

/// A field, quoted when it holds a comma, quote or line break.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
