//! Splitting a joint purchase-order amount (money, freight, a quantity) across the members
//! of a cooperative in proportion to their weights, so that the parts add up to the total
//! exactly — the largest-remainder (Hamilton) method on exact decimals.
//!
//! The arithmetic is done on integers: the total is counted in units of `10^-scale`, each
//! member first receives `floor(units × wᵢ / Σw)`, and the few units left over go one each
//! to the members with the largest remainders. Ties are broken by the larger weight, then
//! by the lower index, so the result is fully deterministic.

use rust_decimal::Decimal;

/// Largest scale (decimal places) a [`Decimal`] can carry.
pub const MAX_SCALE: u32 = 28;

/// Why an allocation could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    /// There are no members to allocate to.
    #[error("cannot allocate across an empty list of weights")]
    NoWeights,
    /// A weight is below zero.
    #[error("weight #{index} is negative ({weight}); weights must be zero or more")]
    NegativeWeight {
        /// Zero-based position of the weight.
        index: usize,
        /// The offending weight.
        weight: Decimal,
    },
    /// Every weight is zero, so there is no proportion to split by.
    #[error("the weights sum to zero; at least one weight must be positive")]
    ZeroWeightSum,
    /// The total is below zero.
    #[error("the total to allocate is negative ({0}); it must be zero or more")]
    NegativeTotal(Decimal),
    /// The requested scale exceeds what a [`Decimal`] can hold.
    #[error("scale {0} exceeds the maximum of 28 decimal places")]
    ScaleTooLarge(u32),
    /// The exact integer arithmetic would exceed 128 bits, or a part would not fit in a
    /// [`Decimal`] at the chosen scale.
    #[error("allocation is outside the supported numeric range (total or weights too large or too precise)")]
    Overflow,
}

/// Splits `total` across `weights` in proportion, at `scale` decimal places, so that the
/// parts sum EXACTLY to `total` (largest-remainder / Hamilton method).
///
/// - Each part starts at `floor(total × wᵢ / Σw)` in units of `10^-scale`; the units left
///   over (always fewer than the number of members) go one each to the largest remainders,
///   ties broken by larger weight, then lower index. Every part is therefore within one unit
///   of its exact proportional share, never negative, and a zero weight gets exactly zero.
/// - If `total` has more significant decimal places than `scale` (trailing zeros do not
///   count), the total's own scale is used instead so the sum stays exact; every returned
///   part carries the scale actually used (e.g. `33.34`, `0.00`).
/// - Weights may have any scale; they only matter in proportion.
///
/// Errors (never panics): no weights, a negative weight, weights summing to zero, a
/// negative total, `scale` above 28, or a total or weight sum that does not fit 128 bits
/// in units of its scale ([`AllocationError::Overflow`]; everything within
/// [`crate::bounds`] fits). The products `total × wᵢ` are taken in 256 bits.
pub fn largest_remainder(
    total: Decimal,
    weights: &[Decimal],
    scale: u32,
) -> Result<Vec<Decimal>, AllocationError> {
    if scale > MAX_SCALE {
        return Err(AllocationError::ScaleTooLarge(scale));
    }
    if total < Decimal::ZERO {
        return Err(AllocationError::NegativeTotal(total));
    }
    if weights.is_empty() {
        return Err(AllocationError::NoWeights);
    }
    if let Some((index, weight)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| **w < Decimal::ZERO)
    {
        return Err(AllocationError::NegativeWeight {
            index,
            weight: *weight,
        });
    }

    let total = total.normalize();
    let scale = scale.max(total.scale());
    let total_units = to_units(total, scale)?;

    // Weights as integers at a common scale (only their proportions matter).
    let weights: Vec<Decimal> = weights.iter().map(|w| w.normalize()).collect();
    let weight_scale = weights.iter().map(Decimal::scale).max().unwrap_or(0);
    let weight_units = weights
        .iter()
        .map(|w| to_units(*w, weight_scale))
        .collect::<Result<Vec<u128>, _>>()?;
    let weight_sum = weight_units
        .iter()
        .try_fold(0u128, |acc, w| acc.checked_add(*w))
        .ok_or(AllocationError::Overflow)?;
    if weight_sum == 0 {
        return Err(AllocationError::ZeroWeightSum);
    }

    // floor and remainder of total_units × wᵢ / Σw, exactly.
    let mut parts = Vec::with_capacity(weight_units.len());
    let mut remainders = Vec::with_capacity(weight_units.len());
    for w in &weight_units {
        let (part, remainder) = mul_div(total_units, *w, weight_sum);
        parts.push(part);
        remainders.push(remainder);
    }
    let allocated = parts
        .iter()
        .try_fold(0u128, |acc, p| acc.checked_add(*p))
        .ok_or(AllocationError::Overflow)?;
    // Σ floor ≤ total, and the shortfall equals Σ remainders / Σw < number of members.
    let leftover = usize::try_from(total_units.saturating_sub(allocated))
        .map_err(|_| AllocationError::Overflow)?;

    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        remainders[b]
            .cmp(&remainders[a])
            .then(weight_units[b].cmp(&weight_units[a]))
            .then(a.cmp(&b))
    });
    for &i in order.iter().take(leftover) {
        parts[i] += 1;
    }

    parts
        .into_iter()
        .map(|units| {
            i128::try_from(units)
                .ok()
                .and_then(|m| Decimal::try_from_i128_with_scale(m, scale).ok())
                .ok_or(AllocationError::Overflow)
        })
        .collect()
}

/// `(⌊a·b / c⌋, a·b mod c)` for `b ≤ c`, `c > 0`, with the product in 256 bits (the
/// quotient is then at most `a`, so it fits).
fn mul_div(a: u128, b: u128, c: u128) -> (u128, u128) {
    if let Some(p) = a.checked_mul(b) {
        return (p / c, p % c);
    }
    // a·b = hi·2¹²⁸ + lo, from 64-bit halves.
    let mask = u128::from(u64::MAX);
    let (a1, a0) = (a >> 64, a & mask);
    let (b1, b0) = (b >> 64, b & mask);
    let (ll, lh, hl, hh) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (ll >> 64) + (lh & mask) + (hl & mask);
    let lo = (ll & mask) | (mid << 64);
    let hi = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
    // Long division of (hi, lo) by c, one bit at a time; the running remainder stays
    // below c, and `carry` holds the bit shifted out of it.
    let (mut q, mut r) = (0u128, hi % c);
    for i in (0..128).rev() {
        let carry = r >> 127;
        r = (r << 1) | ((lo >> i) & 1);
        q <<= 1;
        if carry == 1 || r >= c {
            r = r.wrapping_sub(c);
            q |= 1;
        }
    }
    (q, r)
}

/// `value × 10^scale` as an integer; `value` must be non-negative, normalized, and have
/// at most `scale` decimal places.
fn to_units(value: Decimal, scale: u32) -> Result<u128, AllocationError> {
    let mantissa = u128::try_from(value.mantissa()).map_err(|_| AllocationError::Overflow)?;
    let shift = scale
        .checked_sub(value.scale())
        .ok_or(AllocationError::Overflow)?;
    10u128
        .checked_pow(shift)
        .and_then(|p| mantissa.checked_mul(p))
        .ok_or(AllocationError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn ds(xs: &[&str]) -> Vec<Decimal> {
        xs.iter().map(|x| d(x)).collect()
    }

    fn texts(parts: &[Decimal]) -> Vec<String> {
        parts.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn wide_products_divide_exactly() {
        // Small operands agree with plain u128 arithmetic.
        assert_eq!(mul_div(7, 5, 3), (11, 2));
        // (2^127 − 1)·(2^127 − 1) / 2^127 = 2^127 − 2 remainder 1.
        let m = (1u128 << 127) - 1;
        assert_eq!(mul_div(m, m, 1u128 << 127), (m - 1, 1));
        // 10^37 · 10^37 / 10^37 = 10^37 exactly.
        let t = 10u128.pow(37);
        assert_eq!(mul_div(t, t, t), (t, 0));
        assert_eq!(mul_div(u128::MAX, u128::MAX, u128::MAX), (u128::MAX, 0));
        assert_eq!(
            mul_div(u128::MAX, u128::MAX - 1, u128::MAX),
            (u128::MAX - 1, 0)
        );
    }

    #[test]
    fn amounts_and_weights_at_the_bounds_split_exactly() {
        // 3·10^28 in minor units × weights of 10^9 at 18 decimals: a 256-bit product.
        let total = d("30000000000000000000000000.000");
        let weights = ds(&[
            "333333333.333333333333333333",
            "333333333.333333333333333333",
            "333333333.333333333333333334",
        ]);
        let parts = largest_remainder(total, &weights, 3).expect("fits");
        assert_eq!(parts.iter().sum::<Decimal>(), total);
        // Each share is 10^25 × 0.333333333333333333333333333(4) / (1/3): within 0.01.
        for p in &parts {
            assert!(
                (*p - d("10000000000000000000000000")).abs() <= d("0.02"),
                "{p}"
            );
            assert_eq!(p.scale(), 3);
        }
    }

    #[test]
    fn three_equal_members_of_100() {
        let parts = largest_remainder(d("100"), &ds(&["1", "1", "1"]), 2).expect("ok");
        // 10000 units / 3 = 3333 r 1 each; the one leftover unit goes to the lowest index.
        assert_eq!(texts(&parts), ["33.34", "33.33", "33.33"]);
        assert_eq!(parts.iter().sum::<Decimal>(), d("100"));
    }

    #[test]
    fn krw_at_scale_zero() {
        let parts = largest_remainder(d("1000000"), &ds(&["1", "1", "1"]), 0).expect("ok");
        assert_eq!(texts(&parts), ["333334", "333333", "333333"]);

        // Shares 357142.857…, 214285.714…, 428571.428…: two leftover units go to the
        // two largest remainders (.857 and .714).
        let parts = largest_remainder(d("1000000"), &ds(&["2.5", "1.5", "3"]), 0).expect("ok");
        assert_eq!(texts(&parts), ["357143", "214286", "428571"]);

        // Quantities in kg that divide evenly: exact shares, no leftover.
        let parts =
            largest_remainder(d("2500000"), &ds(&["1250.5", "830", "419.5"]), 0).expect("ok");
        assert_eq!(texts(&parts), ["1250500", "830000", "419500"]);
    }

    #[test]
    fn zero_weight_gets_exactly_zero() {
        let parts = largest_remainder(d("1.01"), &ds(&["0", "1", "1"]), 2).expect("ok");
        assert_eq!(texts(&parts), ["0.00", "0.51", "0.50"]);
        let parts = largest_remainder(d("7"), &ds(&["0", "0.000", "3"]), 0).expect("ok");
        assert_eq!(texts(&parts), ["0", "0", "7"]);
    }

    #[test]
    fn ties_break_by_larger_weight_then_lower_index() {
        // Shares 0.5 and 1.5: equal remainders, the larger weight wins even at a higher index.
        let parts = largest_remainder(d("2"), &ds(&["1", "3"]), 0).expect("ok");
        assert_eq!(texts(&parts), ["0", "2"]);
        let parts = largest_remainder(d("2"), &ds(&["3", "1"]), 0).expect("ok");
        assert_eq!(texts(&parts), ["2", "0"]);
        // Five equal members, two units: the first two get them.
        let parts = largest_remainder(d("0.02"), &ds(&["1"; 5]), 2).expect("ok");
        assert_eq!(texts(&parts), ["0.01", "0.01", "0.00", "0.00", "0.00"]);
    }

    #[test]
    fn weights_scale_does_not_matter() {
        let a = largest_remainder(d("100"), &ds(&["1", "2", "3"]), 2).expect("ok");
        let b = largest_remainder(d("100"), &ds(&["0.001", "0.002", "0.0030"]), 2).expect("ok");
        assert_eq!(a, b);
        assert_eq!(texts(&a), ["16.67", "33.33", "50.00"]);
    }

    #[test]
    fn total_finer_than_scale_uses_total_scale() {
        let parts = largest_remainder(d("10.005"), &ds(&["1", "1"]), 2).expect("ok");
        assert_eq!(texts(&parts), ["5.003", "5.002"]);
        // Trailing zeros do not count as extra precision.
        let parts = largest_remainder(d("100.000"), &ds(&["1", "1", "1"]), 2).expect("ok");
        assert_eq!(texts(&parts), ["33.34", "33.33", "33.33"]);
    }

    #[test]
    fn zero_total_and_single_member() {
        let parts = largest_remainder(d("0"), &ds(&["1", "2"]), 2).expect("ok");
        assert_eq!(texts(&parts), ["0.00", "0.00"]);
        let parts = largest_remainder(d("123.45"), &ds(&["0.7"]), 2).expect("ok");
        assert_eq!(texts(&parts), ["123.45"]);
    }

    #[test]
    fn errors() {
        assert_eq!(
            largest_remainder(d("1"), &[], 2),
            Err(AllocationError::NoWeights)
        );
        assert_eq!(
            largest_remainder(d("1"), &ds(&["1", "-0.5"]), 2),
            Err(AllocationError::NegativeWeight {
                index: 1,
                weight: d("-0.5")
            })
        );
        assert_eq!(
            largest_remainder(d("1"), &ds(&["0", "0.00"]), 2),
            Err(AllocationError::ZeroWeightSum)
        );
        assert_eq!(
            largest_remainder(d("-1"), &ds(&["1"]), 2),
            Err(AllocationError::NegativeTotal(d("-1")))
        );
        assert_eq!(
            largest_remainder(d("1"), &ds(&["1"]), 29),
            Err(AllocationError::ScaleTooLarge(29))
        );
        // 7.9e28 at scale 28 cannot be counted in 128-bit units.
        assert_eq!(
            largest_remainder(Decimal::MAX, &ds(&["1", "1"]), 28),
            Err(AllocationError::Overflow)
        );
        // Fits in u128 but a part would not fit in a Decimal mantissa at scale 2.
        assert_eq!(
            largest_remainder(Decimal::MAX, &ds(&["1"]), 2),
            Err(AllocationError::Overflow)
        );
        assert!(AllocationError::ZeroWeightSum
            .to_string()
            .contains("at least one weight must be positive"));
    }

    #[test]
    fn negative_zero_total_is_zero() {
        let neg_zero = d("-0");
        let parts = largest_remainder(neg_zero, &ds(&["1", "1"]), 0).expect("ok");
        assert_eq!(parts, ds(&["0", "0"]));
        assert!(parts.iter().all(|p| !p.is_sign_negative()));
    }

    /// Integer units of `x` at `scale` (test-side, independent of the implementation).
    fn units_of(x: Decimal, scale: u32) -> u128 {
        let scaled = (x * Decimal::from(10u64.pow(scale))).normalize();
        assert_eq!(scaled.scale(), 0, "{x} has more than {scale} decimals");
        u128::try_from(scaled.mantissa()).expect("non-negative")
    }

    fn weight_strategy() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            // Small integers: many exact ties.
            (0u64..=4).prop_map(Decimal::from),
            // Quantities / money with up to 6 decimals.
            (0u64..=1_000_000_000, 0u32..=6).prop_map(|(m, s)| Decimal::new(m as i64, s)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn parts_sum_exactly_and_stay_within_one_unit(
            weights in prop::collection::vec(weight_strategy(), 1..=12)
                .prop_filter("positive sum", |ws| ws.iter().any(|w| !w.is_zero())),
            total_mantissa in 0u64..=1_000_000_000_000_000,
            total_scale in 0u32..=6,
            scale in 0u32..=6,
        ) {
            let total = Decimal::new(total_mantissa as i64, total_scale);
            let parts = largest_remainder(total, &weights, scale).expect("valid input");
            prop_assert_eq!(parts.len(), weights.len());

            // Exact sum.
            prop_assert_eq!(parts.iter().sum::<Decimal>(), total);

            // Deterministic.
            prop_assert_eq!(&largest_remainder(total, &weights, scale).expect("valid"), &parts);

            let eff = scale.max(total.normalize().scale());
            let unit = Decimal::new(1, eff);
            let weight_sum: Decimal = weights.iter().sum();
            for (p, w) in parts.iter().zip(&weights) {
                prop_assert!(*p >= Decimal::ZERO);
                prop_assert_eq!(p.scale(), eff);
                if w.is_zero() {
                    prop_assert_eq!(*p, Decimal::ZERO);
                }
                // Within one unit of the exact proportional share.
                let share = total * *w / weight_sum;
                prop_assert!((*p - share).abs() <= unit, "part {} share {} unit {}", p, share, unit);
            }

            // Hamilton property, checked in exact integers: whoever got a leftover unit has
            // a remainder (then weight, then index) ranking above whoever did not.
            let wscale = weights.iter().map(|w| w.normalize().scale()).max().unwrap_or(0);
            let t = units_of(total, eff);
            let wu: Vec<u128> = weights.iter().map(|w| units_of(*w, wscale)).collect();
            let ws: u128 = wu.iter().sum();
            let key = |i: usize| ((t * wu[i]) % ws, wu[i], std::cmp::Reverse(i));
            let bonus: Vec<bool> = parts
                .iter()
                .zip(&wu)
                .map(|(p, w)| units_of(*p, eff) > t * *w / ws)
                .collect();
            for i in 0..parts.len() {
                prop_assert!(units_of(parts[i], eff) - t * wu[i] / ws <= 1);
                for j in 0..parts.len() {
                    if bonus[i] && !bonus[j] {
                        prop_assert!(key(i) > key(j), "member {} got a unit before {}", i, j);
                    }
                }
            }
        }
    }
}
