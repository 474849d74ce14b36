//! Award decisions (DESIGN rules 8–10): one transaction writes the award and its
//! allocations, one purchase order per winning supplier with gap-free numbers, every PO
//! line's member allocations, the audit events and the outbox emails.

pub mod notify;
pub mod service;

use rust_decimal::Decimal;

/// `1288928000.5` → `1,288,928,000.5` (for emails).
pub fn group_thousands(v: Decimal) -> String {
    let s = v.normalize().to_string();
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let (int, frac) = digits
        .split_once('.')
        .map_or((digits, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(group_thousands(d("1288928000")), "1,288,928,000");
        assert_eq!(group_thousands(d("999")), "999");
        assert_eq!(group_thousands(d("1000.50")), "1,000.5");
        assert_eq!(group_thousands(d("-12345.67")), "-12,345.67");
    }
}
