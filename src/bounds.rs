//! Bounds on every quantity, price, rate and line count the API accepts, and the checked
//! arithmetic that computes with them.
//!
//! `Decimal` holds magnitudes below 2⁹⁶ ≈ 7.92 × 10²⁸; a product beyond that is an
//! overflow (a panic with `*`), whereas precision beyond 28 significant digits is only
//! rounded. The bounds are chosen so that no accepted value can overflow anywhere:
//!
//! | value | bound | where checked |
//! |---|---|---|
//! | quantity (demand as entered and in the base unit, RFQ line = a round's aggregate, quote min/max and break thresholds, award allocation) | `Q ≤ 10⁹` | demand POST/PATCH, RFQ creation, quotes, award |
//! | price per unit (unit price, break price, freight, insurance; logistics adder in the base currency) | `P ≤ 10⁹` | quotes, RFQ creation |
//! | FX rate (base units per unit of the quote currency) | `R < 10⁷`, ≤ 10 decimals | manual entry, feed refresh |
//! | duty rate | `0 ≤ D ≤ 100` % | RFQ creation |
//! | lines of an RFQ | `N ≤ 1000` | RFQ creation |
//!
//! The chain, with every factor at its bound:
//!
//! - unit conversion: the entered quantity and the converted one are both `≤ Q`
//!   (a conversion that would overflow is refused as `too_large`);
//! - landed unit cost `u = R·(p + f + i)·(1 + D/100) + a ≤ 10⁷ · 3·10⁹ · 2 + 10⁹
//!   = 6·10¹⁶ + 10⁹`;
//! - landed cost of one allocation or offer `u·q ≤ (6·10¹⁶ + 10⁹) · 10⁹ ≈ 6.000_000_1·10²⁵`;
//!   the allocations of one line share its quantity (`Σq ≤ Q`), so their sum — and every
//!   partial sum of the optimiser, which never holds more than the line's quantity — is
//!   bounded by the same figure;
//! - totals over the lines of an RFQ (suggested total, award total and optimum, a PO's
//!   `total_base`): `N · 6.000_000_1·10²⁵ ≈ 6.000_000_1·10²⁸ < 7.92·10²⁸`;
//! - a PO line in the quote currency `(p + f + i)·q ≤ 3·10¹⁸`, in the base currency
//!   `≤ 3·10²⁵`, a PO's totals `≤ 3·10²⁸`;
//! - member allocation (largest remainder) works on integers: the amount in minor units
//!   `≤ 3·10²⁸ · 10³` and the weights (members' demand, summing to the line quantity
//!   `≤ 10⁹`, at most 28 decimals) `≤ 10³⁷` both fit `u128` (3.4·10³⁸), and their product
//!   is taken in 256 bits (`purchase_orders::allocation`);
//! - scores are ratios `≤ 1` times weights `< 10¹²`;
//! - the round aggregate sums demand lines of `≤ 10⁹` each: to reach 7.92·10²⁸ a round
//!   would need 7.9·10¹⁹ lines, while a PostgreSQL table holds at most 32 TB (fewer than
//!   4·10¹¹ such rows).
//!
//! [`tests::the_whole_chain_fits_at_the_bounds`] runs the real functions at these maxima.
//! Values stored before the bounds existed can still be out of range: every step uses
//! checked arithmetic and answers [`overflow`] (409 `amount_out_of_range`) instead of
//! panicking.

use rust_decimal::Decimal;

use crate::error::{AppError, ErrorCode, FieldError};

/// Largest quantity (in the unit entered and in the base unit): 10⁹.
pub const MAX_QUANTITY: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// Largest price, charge or adder per unit: 10⁹.
pub const MAX_PRICE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// FX rates must be below this: 10⁷ base units per unit of the quoted currency.
pub const RATE_LIMIT: Decimal = Decimal::from_parts(10_000_000, 0, 0, false, 0);
/// Most decimal places of an FX rate.
pub const MAX_RATE_SCALE: u32 = 10;
/// Most lines of one RFQ.
pub const MAX_RFQ_LINES: usize = 1000;

/// A computation left `Decimal`'s range (only reachable with values stored before the
/// bounds were enforced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a computed amount is outside the supported numeric range")]
pub struct Overflow;

/// `a × b`, or [`Overflow`].
pub fn mul(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_mul(b).ok_or(Overflow)
}

/// `a + b`, or [`Overflow`].
pub fn add(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_add(b).ok_or(Overflow)
}

/// `a ÷ b`, or [`Overflow`] (also for `b = 0`).
pub fn div(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    a.checked_div(b).ok_or(Overflow)
}

/// The sum of `values`, or [`Overflow`].
pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Result<Decimal, Overflow> {
    values.into_iter().try_fold(Decimal::ZERO, add)
}

/// The answer when figures of `what` cannot be computed (409 `amount_out_of_range`).
pub fn overflow(what: impl std::fmt::Display) -> AppError {
    AppError::conflict(
        ErrorCode::AmountOutOfRange,
        format!(
            "The figures of {what} are outside the supported range (quantities and prices up to 10^9, FX rates below 10^7) and cannot be computed; correct the stored values."
        ),
    )
}

/// `too_large` unless `v ≤ max`.
pub fn at_most(field: &str, v: Decimal, max: Decimal) -> Result<(), FieldError> {
    if v > max {
        Err(FieldError::new(
            field,
            ErrorCode::TooLarge,
            format!("must be at most {max}"),
        ))
    } else {
        Ok(())
    }
}

/// A quantity within [`MAX_QUANTITY`].
pub fn quantity(field: &str, v: Decimal) -> Result<(), FieldError> {
    at_most(field, v, MAX_QUANTITY)
}

/// A price, charge or adder within [`MAX_PRICE`].
pub fn price(field: &str, v: Decimal) -> Result<(), FieldError> {
    at_most(field, v, MAX_PRICE)
}

/// An FX rate: positive, below [`RATE_LIMIT`], at most [`MAX_RATE_SCALE`] decimals.
pub fn rate(field: &str, v: Decimal) -> Result<(), FieldError> {
    if v <= Decimal::ZERO {
        Err(FieldError::new(
            field,
            ErrorCode::NotPositive,
            "must be greater than 0",
        ))
    } else if v >= RATE_LIMIT {
        Err(FieldError::new(
            field,
            ErrorCode::TooLarge,
            format!("must be below {RATE_LIMIT}"),
        ))
    } else if v.normalize().scale() > MAX_RATE_SCALE {
        Err(FieldError::new(
            field,
            ErrorCode::TooPrecise,
            format!("may have at most {MAX_RATE_SCALE} decimal places"),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::landed::{self, OfferTerms};
    use crate::comparison::optimise::{self, Limits};
    use crate::purchase_orders::allocation::largest_remainder;
    use proptest::prelude::*;

    /// The largest value with `scale` decimals not above `max`.
    fn just_below(max: Decimal, scale: u32) -> Decimal {
        max - Decimal::new(1, scale)
    }

    fn terms(price: Decimal, charge: Decimal, fx: Decimal, adder: Decimal) -> OfferTerms {
        OfferTerms {
            unit_price: price,
            breaks: vec![(Decimal::ONE, price)],
            freight_per_unit: charge,
            insurance_per_unit: charge,
            min_quantity: Decimal::ZERO,
            max_quantity: None,
            fx,
            dutiable: true,
            duty_rate: Decimal::ONE_HUNDRED,
            adder_per_unit: adder,
        }
    }

    /// Everything the comparison, award and PO compute for one line of quantity `q`
    /// split between two offers, `lines` times over.
    fn chain(
        q: Decimal,
        price: Decimal,
        fx: Decimal,
        adder: Decimal,
        lines: usize,
    ) -> Result<(Decimal, Decimal), Overflow> {
        let t = terms(price, price, fx, adder);
        let landed = landed::landed(&t, q)?;
        landed.unit()?;
        let offers = [landed::optimiser_offer(&t)?, landed::optimiser_offer(&t)?];
        let s = optimise::suggest(&offers, q, &Limits::default())?;
        assert!(s.covers_full_quantity);
        landed::scores(
            &[(landed.unit()?, 30), (landed.unit()?, 0)],
            MAX_PRICE,
            MAX_PRICE,
        )?;
        // PO line: quote-currency amount, base amount, member split at the base's minor
        // unit and at the unit's precision, over three members with 18-decimal weights.
        let amount = mul(add(add(price, price)?, price)?, q)?;
        let amount_base = mul(amount, fx)?.round_dp(3);
        let third = div(q, Decimal::from(3))?.trunc_with_scale(18);
        let weights = [third, third, q - third - third];
        let parts = largest_remainder(amount_base, &weights, 3).map_err(|_| Overflow)?;
        assert_eq!(sum(parts)?, amount_base);
        let parts = largest_remainder(q, &weights, 6).map_err(|_| Overflow)?;
        assert_eq!(sum(parts)?, q);
        // Totals over the lines of the RFQ.
        let total = sum(std::iter::repeat_n(landed.total, lines))?;
        let total_base = sum(std::iter::repeat_n(amount_base, lines))?;
        Ok((total, total_base))
    }

    #[test]
    fn the_whole_chain_fits_at_the_bounds() {
        let fx = just_below(RATE_LIMIT, MAX_RATE_SCALE);
        let (total, total_base) =
            chain(MAX_QUANTITY, MAX_PRICE, fx, MAX_PRICE, MAX_RFQ_LINES).expect("fits");
        assert!(total > Decimal::from_i128_with_scale(6 * 10i128.pow(28), 0));
        assert!(total_base > Decimal::ZERO);
        // The bounds are tight enough to matter: ten times the rate no longer fits.
        assert_eq!(
            chain(
                MAX_QUANTITY,
                MAX_PRICE,
                fx * Decimal::TEN,
                MAX_PRICE,
                MAX_RFQ_LINES
            ),
            Err(Overflow)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_accepted_values_compute(
            q in 1i64..=1_000_000_000_000_000i64,
            p in 1i64..=1_000_000_000_000_000i64,
            r in 1i64..100_000_000_000_000_000i64,
            a in 0i64..=1_000_000_000_000_000i64,
        ) {
            // Quantities and prices with 6 decimals up to 10^9, rates with 10 up to 10^7.
            let q = Decimal::new(q, 6);
            let p = Decimal::new(p, 6);
            let a = Decimal::new(a, 6);
            let r = Decimal::new(r, 10);
            prop_assume!(q <= MAX_QUANTITY && p <= MAX_PRICE && r < RATE_LIMIT);
            prop_assert!(chain(q, p, r, a, MAX_RFQ_LINES).is_ok());
        }
    }

    #[test]
    fn validators_state_the_limit() {
        let e = quantity("quantity", Decimal::from(1_000_000_001)).unwrap_err();
        assert_eq!(e.code, "too_large");
        assert!(e.message.contains("1000000000"), "{}", e.message);
        assert!(quantity("quantity", MAX_QUANTITY).is_ok());
        assert!(price("unit_price", MAX_PRICE).is_ok());
        assert_eq!(rate("rate", RATE_LIMIT).unwrap_err().code, "too_large");
        assert_eq!(
            rate("rate", Decimal::new(1, 11)).unwrap_err().code,
            "too_precise"
        );
        assert_eq!(
            rate("rate", Decimal::ZERO).unwrap_err().code,
            "not_positive"
        );
        assert!(rate("rate", just_below(RATE_LIMIT, 10)).is_ok());
    }
}
