//! Landed cost and scoring of offers (DESIGN rules 4–6): pure, exact Decimal arithmetic,
//! no rounding (the caller rounds money only when it shows or stores it). Every step is
//! checked: values within [`crate::bounds`] always compute, anything else is an
//! [`Overflow`], never a panic.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::optimise::{Offer as OptOffer, Tier};
use crate::bounds::{add, div, mul, Overflow};

/// What an offer says about one line, with what the comparison knows about it.
#[derive(Debug, Clone)]
pub struct OfferTerms {
    /// The line's unit price in the quote's currency.
    pub unit_price: Decimal,
    /// `(min_quantity, unit_price)` price breaks, increasing `min_quantity`.
    pub breaks: Vec<(Decimal, Decimal)>,
    pub freight_per_unit: Decimal,
    pub insurance_per_unit: Decimal,
    pub min_quantity: Decimal,
    pub max_quantity: Option<Decimal>,
    /// Base-currency units per unit of the quote's currency.
    pub fx: Decimal,
    /// Duty applies: an overseas supplier and an Incoterm other than DDP.
    pub dutiable: bool,
    /// Duty rate of the line, percent.
    pub duty_rate: Decimal,
    /// The RFQ's logistics adder for the quote's Incoterm, base currency per unit.
    pub adder_per_unit: Decimal,
}

/// The landed cost of an offer at a quantity, in the base currency, unrounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Landed {
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub goods_base: Decimal,
    pub charges_base: Decimal,
    pub duty_base: Decimal,
    pub adder_base: Decimal,
    pub total: Decimal,
}

impl Landed {
    /// Landed cost per unit (0 for a zero quantity).
    pub fn unit(&self) -> Result<Decimal, Overflow> {
        if self.quantity.is_zero() {
            Ok(Decimal::ZERO)
        } else {
            div(self.total, self.quantity)
        }
    }
}

/// Rule 4: the price of the break with the largest `min_quantity ≤ q`, else the unit price.
pub fn tier_price(unit_price: Decimal, breaks: &[(Decimal, Decimal)], q: Decimal) -> Decimal {
    breaks
        .iter()
        .filter(|(min, _)| *min <= q)
        .max_by_key(|(min, _)| *min)
        .map_or(unit_price, |(_, p)| *p)
}

/// Whether import duty applies (rule 5).
pub fn dutiable(overseas: bool, incoterm: &str) -> bool {
    overseas && incoterm != "DDP"
}

/// Duty on `cif` at the offer's rate, if dutiable.
fn duty(t: &OfferTerms, cif: Decimal) -> Result<Decimal, Overflow> {
    if t.dutiable {
        mul(div(t.duty_rate, Decimal::ONE_HUNDRED)?, cif)
    } else {
        Ok(Decimal::ZERO)
    }
}

/// Rule 5 at quantity `q`.
pub fn landed(t: &OfferTerms, q: Decimal) -> Result<Landed, Overflow> {
    let price = tier_price(t.unit_price, &t.breaks, q);
    let goods = mul(price, q)?;
    let charges = mul(add(t.freight_per_unit, t.insurance_per_unit)?, q)?;
    let cif = mul(t.fx, add(goods, charges)?)?;
    let duty = duty(t, cif)?;
    let adder = mul(t.adder_per_unit, q)?;
    Ok(Landed {
        quantity: q,
        unit_price: price,
        goods_base: mul(t.fx, goods)?,
        charges_base: mul(t.fx, charges)?,
        duty_base: duty,
        adder_base: adder,
        total: add(add(cif, duty)?, adder)?,
    })
}

/// The quantity an offer is priced at for a line of `line_quantity`: min(line, max).
pub fn priced_quantity(t: &OfferTerms, line_quantity: Decimal) -> Decimal {
    t.max_quantity
        .map_or(line_quantity, |m| m.min(line_quantity))
}

/// The offer as the optimiser sees it: per-unit landed cost per tier. Because every part
/// of the landed cost is linear in q within a tier, `landed(q) = q × unit_cost(tier(q))`.
pub fn optimiser_offer(t: &OfferTerms) -> Result<OptOffer, Overflow> {
    let unit = |price: Decimal| -> Result<Decimal, Overflow> {
        let cif = mul(
            t.fx,
            add(add(price, t.freight_per_unit)?, t.insurance_per_unit)?,
        )?;
        add(add(cif, duty(t, cif)?)?, t.adder_per_unit)
    };
    let mut tiers = vec![Tier {
        from: Decimal::ZERO,
        unit_cost: unit(t.unit_price)?,
    }];
    for (min, price) in &t.breaks {
        tiers.push(Tier {
            from: *min,
            unit_cost: unit(*price)?,
        });
    }
    Ok(OptOffer {
        min_quantity: t.min_quantity,
        max_quantity: t.max_quantity,
        tiers,
    })
}

/// Whether delivery `lead_time_days` after `from` meets `required_by`.
pub fn meets_required_by(from: NaiveDate, lead_time_days: i32, required_by: NaiveDate) -> bool {
    from + chrono::Duration::days(i64::from(lead_time_days)) <= required_by
}

/// Rule 6 for the ranked offers of a line: `(landed unit cost, lead time)` in, scores out.
pub fn scores(
    offers: &[(Decimal, i32)],
    weight_price: Decimal,
    weight_lead: Decimal,
) -> Result<Vec<Decimal>, Overflow> {
    let best_unit = offers.iter().map(|o| o.0).min();
    let best_lead = offers.iter().map(|o| o.1).min();
    let total = add(weight_price, weight_lead)?;
    offers
        .iter()
        .map(|(unit, lead)| {
            let price_score = match best_unit {
                Some(b) if !unit.is_zero() => div(b, *unit)?,
                _ => Decimal::ONE,
            };
            let lead_score = match best_lead {
                _ if *lead == 0 => Decimal::ONE,
                Some(b) => div(Decimal::from(b), Decimal::from(*lead))?,
                None => Decimal::ONE,
            };
            if total.is_zero() {
                Ok(price_score)
            } else {
                div(
                    add(
                        mul(weight_price, price_score)?,
                        mul(weight_lead, lead_score)?,
                    )?,
                    total,
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn terms() -> OfferTerms {
        OfferTerms {
            unit_price: d("8500"),
            breaks: vec![(d("100"), d("8300")), (d("500"), d("8100"))],
            freight_per_unit: d("120"),
            insurance_per_unit: d("15.5"),
            min_quantity: d("10"),
            max_quantity: Some(d("800")),
            fx: d("1386.8"),
            dutiable: true,
            duty_rate: d("3"),
            adder_per_unit: d("35000"),
        }
    }

    #[test]
    fn tier_price_takes_the_largest_break_not_above_q() {
        let t = terms();
        assert_eq!(tier_price(t.unit_price, &t.breaks, d("99.999")), d("8500"));
        assert_eq!(tier_price(t.unit_price, &t.breaks, d("100")), d("8300"));
        assert_eq!(tier_price(t.unit_price, &t.breaks, d("499")), d("8300"));
        assert_eq!(tier_price(t.unit_price, &t.breaks, d("500")), d("8100"));
    }

    #[test]
    fn landed_cost_by_hand() {
        // q = 200: price 8300; goods 1,660,000 USD; charges 27,100 USD;
        // cif = 1386.8 × 1,687,100 = 2,339,670,280 KRW; duty 3 % = 70,190,108.4;
        // adder 35,000 × 200 = 7,000,000; landed = 2,416,860,388.4.
        let l = landed(&terms(), d("200")).unwrap();
        assert_eq!(l.goods_base, d("2302088000"));
        assert_eq!(l.charges_base, d("37582280"));
        assert_eq!(l.duty_base, d("70190108.4"));
        assert_eq!(l.adder_base, d("7000000"));
        assert_eq!(l.total, d("2416860388.4"));
        assert_eq!(l.unit().unwrap(), d("12084301.942"));
    }

    #[test]
    fn domestic_and_ddp_pay_no_duty() {
        assert!(!dutiable(false, "FOB"));
        assert!(!dutiable(true, "DDP"));
        assert!(dutiable(true, "CIF"));
        let mut t = terms();
        t.dutiable = false;
        assert_eq!(landed(&t, d("1")).unwrap().duty_base, Decimal::ZERO);
    }

    #[test]
    fn the_optimiser_sees_the_same_costs() {
        let t = terms();
        let o = optimiser_offer(&t).unwrap();
        for q in ["10", "99", "100", "250.5", "500", "800"] {
            let q = d(q);
            assert_eq!(
                super::super::optimise::cost(&o, q),
                landed(&t, q).unwrap().total,
                "q = {q}"
            );
        }
    }

    #[test]
    fn scores_follow_rule_6() {
        let s = scores(
            &[(d("100"), 10), (d("125"), 20), (d("200"), 0)],
            d("0.8"),
            d("0.2"),
        )
        .unwrap();
        // Best unit 100, best lead 0: lead scores 0/10 = 0, 0/20 = 0, and 1 for the 0 one.
        assert_eq!(s[0], d("0.8"));
        assert_eq!(s[1], d("0.64"));
        assert_eq!(s[2], d("0.6"));
        let only_price =
            scores(&[(d("80"), 5), (d("100"), 5)], Decimal::ONE, Decimal::ZERO).unwrap();
        assert_eq!(only_price, vec![d("1"), d("0.8")]);
    }

    #[test]
    fn required_by_counts_calendar_days() {
        let from = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let by = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        assert!(meets_required_by(from, 30, by));
        assert!(!meets_required_by(from, 31, by));
    }

    #[test]
    fn out_of_range_values_are_an_error_not_a_panic() {
        // The reproduction: a quantity of Decimal::MAX.
        let t = terms();
        assert_eq!(landed(&t, Decimal::MAX), Err(Overflow));
        let mut big = terms();
        big.fx = Decimal::MAX;
        assert_eq!(optimiser_offer(&big).map(|_| ()), Err(Overflow));
        assert_eq!(
            scores(&[(d("1"), 0)], Decimal::MAX, Decimal::MAX),
            Err(Overflow)
        );
        let tiny = Landed {
            quantity: Decimal::new(1, 28),
            total: Decimal::MAX,
            ..landed(&t, d("1")).unwrap()
        };
        assert_eq!(tiny.unit(), Err(Overflow));
    }
}
