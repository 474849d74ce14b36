//! Units of measure (DESIGN rule 1): UN/CEFACT Recommendation 20 codes with exact decimal
//! factors to one reference unit per dimension. Conversion is only within a dimension, and
//! only when the result is exact in `Decimal` (LBR → KGM is exact: 1 LBR = 0.45359237 KGM by
//! definition; KGM → LBR is not, and is refused rather than rounded). Each count unit is a
//! dimension of its own: a piece converts only to a piece.

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Mass,
    Volume,
    Length,
    Area,
    /// One unit (`C62`).
    CountOne,
    /// Piece (`H87`).
    CountPiece,
}

/// A supported unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// UN/CEFACT Rec 20 code.
    pub code: &'static str,
    /// English name.
    pub name: &'static str,
    /// Dimension.
    pub dimension: Dimension,
    /// How many reference units one of this unit is, as (mantissa, scale): value =
    /// mantissa × 10^-scale.
    factor: (i64, u32),
    /// Reference unit of the dimension.
    pub reference: &'static str,
    /// Largest number of decimal places a quantity in this unit may carry.
    pub precision: u32,
}

impl Unit {
    /// The exact factor to the reference unit.
    pub fn factor(&self) -> Decimal {
        Decimal::new(self.factor.0, self.factor.1)
    }
}

macro_rules! unit {
    ($code:literal, $name:literal, $dim:ident, $m:literal, $s:literal, $ref:literal, $p:literal) => {
        Unit {
            code: $code,
            name: $name,
            dimension: Dimension::$dim,
            factor: ($m, $s),
            reference: $ref,
            precision: $p,
        }
    };
}

/// Every supported unit.
pub const UNITS: &[Unit] = &[
    unit!("GRM", "gram", Mass, 1, 3, "KGM", 3),
    unit!("KGM", "kilogram", Mass, 1, 0, "KGM", 6),
    unit!("TNE", "tonne (metric ton)", Mass, 1000, 0, "KGM", 6),
    unit!("LBR", "pound", Mass, 45359237, 8, "KGM", 6),
    unit!("ONZ", "ounce", Mass, 28349523125, 12, "KGM", 6),
    unit!("MLT", "millilitre", Volume, 1, 3, "LTR", 3),
    unit!("LTR", "litre", Volume, 1, 0, "LTR", 6),
    unit!("MTQ", "cubic metre", Volume, 1000, 0, "LTR", 6),
    unit!("MMT", "millimetre", Length, 1, 3, "MTR", 3),
    unit!("CMT", "centimetre", Length, 1, 2, "MTR", 4),
    unit!("MTR", "metre", Length, 1, 0, "MTR", 6),
    unit!("KMT", "kilometre", Length, 1000, 0, "MTR", 6),
    unit!("CMK", "square centimetre", Area, 1, 4, "MTK", 2),
    unit!("MTK", "square metre", Area, 1, 0, "MTK", 6),
    unit!("C62", "one (unit)", CountOne, 1, 0, "C62", 0),
    unit!("H87", "piece", CountPiece, 1, 0, "H87", 0),
];

/// Looks a unit up by code (case-insensitive).
pub fn unit(code: &str) -> Option<&'static Unit> {
    let code = code.trim();
    UNITS.iter().find(|u| u.code.eq_ignore_ascii_case(code))
}

/// Codes of the units whose quantities convert exactly to `base` (its own included), in
/// table order: what a demand form offers for a material of that unit. Empty for an
/// unknown unit.
pub fn convertible_to(base: &str) -> Vec<&'static str> {
    let Some(b) = unit(base) else {
        return Vec::new();
    };
    UNITS
        .iter()
        .filter(|u| u.dimension == b.dimension && convert(Decimal::ONE, u, b).is_ok())
        .map(|u| u.code)
        .collect()
}

/// Why a conversion is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("unknown unit `{0}`")]
    Unknown(String),
    #[error("{from} ({from_dim:?}) cannot be converted to {to} ({to_dim:?})")]
    Incompatible {
        from: &'static str,
        from_dim: Dimension,
        to: &'static str,
        to_dim: Dimension,
    },
    #[error("{from} → {to} is not exact in decimal; enter the quantity in {to} or a unit that converts exactly")]
    Inexact {
        from: &'static str,
        to: &'static str,
    },
    #[error("quantity out of range")]
    Overflow,
}

/// Converts `quantity` from one unit to another of the same dimension, exactly.
pub fn convert(quantity: Decimal, from: &Unit, to: &Unit) -> Result<Decimal, UnitError> {
    if from.dimension != to.dimension {
        return Err(UnitError::Incompatible {
            from: from.code,
            from_dim: from.dimension,
            to: to.code,
            to_dim: to.dimension,
        });
    }
    if from.code == to.code {
        return Ok(quantity);
    }
    let in_reference = quantity
        .checked_mul(from.factor())
        .ok_or(UnitError::Overflow)?;
    let inexact = UnitError::Inexact {
        from: from.code,
        to: to.code,
    };
    // a / b terminates in decimal iff, in lowest terms, b's mantissa has no prime factor
    // other than 2 and 5.
    if !terminates(in_reference.mantissa(), to.factor().mantissa()) {
        return Err(inexact);
    }
    let result = in_reference
        .checked_div(to.factor())
        .ok_or(UnitError::Overflow)?;
    // A terminating quotient longer than 28 digits would still be rounded: refuse it too.
    if result.checked_mul(to.factor()) != Some(in_reference) {
        return Err(inexact);
    }
    Ok(result.normalize())
}

fn terminates(numerator: i128, denominator: i128) -> bool {
    fn gcd(mut a: u128, mut b: u128) -> u128 {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }
    let (n, d) = (numerator.unsigned_abs(), denominator.unsigned_abs());
    if d == 0 {
        return false;
    }
    let mut rest = d / gcd(n, d).max(1);
    while rest % 2 == 0 {
        rest /= 2;
    }
    while rest % 5 == 0 {
        rest /= 5;
    }
    rest == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn u(c: &str) -> &'static Unit {
        unit(c).unwrap()
    }

    #[test]
    fn a_demand_form_offers_only_units_that_convert_exactly() {
        assert_eq!(convertible_to("TNE"), ["GRM", "KGM", "TNE", "LBR", "ONZ"]);
        // A kilogram is no exact number of pounds: LBR offers only itself and the ounce.
        assert!(!convertible_to("LBR").contains(&"KGM"));
        assert_eq!(convertible_to("H87"), ["H87"]);
        assert!(convertible_to("XYZ").is_empty());
    }

    #[test]
    fn required_units_exist_with_exact_factors() {
        for code in [
            "GRM", "KGM", "TNE", "LBR", "MLT", "LTR", "MTQ", "MMT", "MTR", "MTK", "C62",
        ] {
            assert!(unit(code).is_some(), "{code}");
        }
        assert_eq!(u("LBR").factor(), d("0.45359237"));
        assert_eq!(unit("kgm").unwrap().code, "KGM");
        assert!(unit("XYZ").is_none());
        let codes: std::collections::HashSet<_> = UNITS.iter().map(|u| u.code).collect();
        assert_eq!(codes.len(), UNITS.len());
    }

    #[test]
    fn conversions() {
        assert_eq!(convert(d("2.5"), u("TNE"), u("KGM")).unwrap(), d("2500"));
        assert_eq!(
            convert(d("1"), u("LBR"), u("KGM")).unwrap(),
            d("0.45359237")
        );
        assert_eq!(
            convert(d("1000"), u("LBR"), u("TNE")).unwrap(),
            d("0.45359237")
        );
        assert_eq!(convert(d("750"), u("MLT"), u("MTQ")).unwrap(), d("0.00075"));
        assert_eq!(convert(d("12"), u("C62"), u("C62")).unwrap(), d("12"));
        assert!(matches!(
            convert(d("1"), u("KGM"), u("LTR")),
            Err(UnitError::Incompatible { .. })
        ));
        assert!(matches!(
            convert(d("1"), u("C62"), u("H87")),
            Err(UnitError::Incompatible { .. })
        ));
        assert!(matches!(
            convert(d("1"), u("KGM"), u("LBR")),
            Err(UnitError::Inexact { .. })
        ));
        // …but a multiple of the pound converts exactly.
        assert_eq!(
            convert(d("0.45359237"), u("KGM"), u("LBR")).unwrap(),
            d("1")
        );
    }

    fn same_dimension_pair() -> impl Strategy<Value = (&'static Unit, &'static Unit, &'static Unit)>
    {
        (0..UNITS.len(), 0..UNITS.len(), 0..UNITS.len()).prop_filter_map(
            "same dimension",
            |(a, b, c)| {
                let (a, b, c) = (&UNITS[a], &UNITS[b], &UNITS[c]);
                (a.dimension == b.dimension && b.dimension == c.dimension).then_some((a, b, c))
            },
        )
    }

    proptest! {
        #[test]
        fn exact_conversions_round_trip((a, b, _) in same_dimension_pair(), mantissa in 1i64..10_000_000_000, scale in 0u32..7) {
            let q = Decimal::new(mantissa, scale);
            if let Ok(there) = convert(q, a, b) {
                prop_assert_eq!(convert(there, b, a).unwrap(), q.normalize());
            }
        }

        #[test]
        fn conversions_are_transitive((a, b, c) in same_dimension_pair(), mantissa in 1i64..10_000_000_000, scale in 0u32..7) {
            let q = Decimal::new(mantissa, scale);
            if let (Ok(ab), Ok(ac)) = (convert(q, a, b), convert(q, a, c)) {
                if let Ok(abc) = convert(ab, b, c) {
                    prop_assert_eq!(abc, ac);
                }
            }
        }

        #[test]
        fn conversion_into_a_larger_or_metric_unit_is_always_exact((a, b, _) in same_dimension_pair(), mantissa in 1i64..10_000_000_000, scale in 0u32..7) {
            // Every factor is a terminating decimal, so multiplying into the reference unit
            // never loses anything.
            let q = Decimal::new(mantissa, scale);
            let reference = unit(a.reference).unwrap();
            prop_assert!(convert(q, a, reference).is_ok());
            let _ = b;
        }
    }
}
