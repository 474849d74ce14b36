//! One line of a comparison, decided (DESIGN rules 5–7): the offers' terms in; their landed
//! costs, flags, scores, ranks and the cost-optimal allocation out. Pure, so the rules are
//! tested here; the service reads the offers and shapes the answer, and rounds money only
//! when it shows it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::landed::{self, Landed, OfferTerms};
use super::optimise::{self, Limits};
use super::reason::NoSuggestion;
use crate::bounds::Overflow;
use crate::quotes::models::QuoteLine;
use crate::rfqs::models::Weights;

/// Flag of an offer whose minimum quantity is above the line's: it cannot be used.
pub const MIN_ABOVE_QUANTITY: &str = "min_above_quantity";
/// Flag of an offer whose validity ended before the comparison's date: it cannot be used.
pub const EXPIRED: &str = "expired";

/// A rate into the base currency and its own date (`None`: the base currency itself).
pub type Rate = (Decimal, Option<NaiveDate>);

/// The rate for each quote's currency: 1 for the base currency, else the one locked for the
/// RFQ. `Err` names the first currency (in the quotes' order) without a rate.
pub fn rates_for<'a>(
    currencies: impl IntoIterator<Item = &'a str>,
    base: &str,
    locked: &BTreeMap<String, (Decimal, NaiveDate)>,
) -> Result<BTreeMap<String, Rate>, String> {
    let mut rates = BTreeMap::new();
    for currency in currencies {
        let rate = if currency == base {
            (Decimal::ONE, None)
        } else {
            let (r, d) = locked.get(currency).ok_or_else(|| currency.to_owned())?;
            (*r, Some(*d))
        };
        rates.insert(currency.to_owned(), rate);
    }
    Ok(rates)
}

/// An offer's terms on a line: its quote line and price breaks, converted at `fx`, with duty
/// when the supplier is `overseas` and the Incoterm is not DDP (rule 5), and the RFQ's
/// logistics adder for its Incoterm (0 when the RFQ sets none).
pub fn terms(
    line: &QuoteLine,
    breaks: Vec<(Decimal, Decimal)>,
    fx: Decimal,
    overseas: bool,
    incoterm: &str,
    duty_rate: Decimal,
    adders: &HashMap<String, Decimal>,
) -> OfferTerms {
    OfferTerms {
        unit_price: line.unit_price,
        breaks,
        freight_per_unit: line.freight_per_unit,
        insurance_per_unit: line.insurance_per_unit,
        min_quantity: line.min_quantity,
        max_quantity: line.max_quantity,
        fx,
        dutiable: landed::dutiable(overseas, incoterm),
        duty_rate,
        adder_per_unit: adders.get(incoterm).copied().unwrap_or_default(),
    }
}

/// An offer on a line, as the scoring takes it.
#[derive(Debug, Clone)]
pub struct Bid {
    pub terms: OfferTerms,
    pub lead_time_days: i32,
    pub valid_until: NaiveDate,
    /// The last tie-break of the ranking: the earlier submission first.
    pub submitted_at: DateTime<Utc>,
}

/// The line being compared and the dates its offers are judged at.
#[derive(Debug, Clone, Copy)]
pub struct LineBasis {
    pub quantity: Decimal,
    pub required_by: NaiveDate,
    /// The RFQ's FX date (the deadline's local date): delivery is counted from it.
    pub fx_date: NaiveDate,
    /// The local date of the comparison: an offer valid only until before it has expired.
    pub today: NaiveDate,
}

/// One offer priced on its line, unrounded; `score` and `rank` only for usable offers.
#[derive(Debug, Clone)]
pub struct Priced {
    /// The quantity the offer is priced at: min(line quantity, its max).
    pub quantity: Decimal,
    pub landed: Landed,
    pub landed_unit: Decimal,
    pub covers_full_quantity: bool,
    pub meets_required_by: bool,
    /// Why the offer cannot be used ([`MIN_ABOVE_QUANTITY`], [`EXPIRED`]): listed, not ranked.
    pub flags: Vec<&'static str>,
    /// Σ weightᵢ·scoreᵢ / Σ weightᵢ (rule 6).
    pub score: Option<Decimal>,
    /// 1 = best.
    pub rank: Option<usize>,
}

impl Priced {
    /// An offer without flags is scored, ranked and may be allocated.
    pub fn usable(&self) -> bool {
        self.flags.is_empty()
    }
}

/// Rule 5 for one offer at the quantity it can supply, with its flags.
pub fn price(bid: &Bid, line: &LineBasis) -> Result<Priced, Overflow> {
    let t = &bid.terms;
    let quantity = landed::priced_quantity(t, line.quantity);
    let landed = landed::landed(t, quantity)?;
    let landed_unit = landed.unit()?;
    let mut flags = Vec::new();
    if t.min_quantity > line.quantity {
        flags.push(MIN_ABOVE_QUANTITY);
    }
    if bid.valid_until < line.today {
        flags.push(EXPIRED);
    }
    Ok(Priced {
        quantity,
        landed,
        landed_unit,
        covers_full_quantity: quantity == line.quantity,
        meets_required_by: landed::meets_required_by(
            line.fx_date,
            bid.lead_time_days,
            line.required_by,
        ),
        flags,
        score: None,
        rank: None,
    })
}

/// Rule 6 over the usable offers: scores them, then ranks them by score (highest first),
/// then landed unit cost (lowest first), then submission time (earliest first). Returns
/// their indices, best first.
pub fn rank(
    bids: &[Bid],
    priced: &mut [Priced],
    weights: &Weights,
) -> Result<Vec<usize>, Overflow> {
    let usable: Vec<usize> = (0..priced.len()).filter(|&i| priced[i].usable()).collect();
    let inputs: Vec<(Decimal, i32)> = usable
        .iter()
        .map(|&i| (priced[i].landed_unit, bids[i].lead_time_days))
        .collect();
    let scores = landed::scores(&inputs, weights.price, weights.lead_time)?;
    for (&i, score) in usable.iter().zip(scores) {
        priced[i].score = Some(score);
    }
    let mut order = usable;
    order.sort_by(|&a, &b| {
        priced[b]
            .score
            .cmp(&priced[a].score)
            .then(priced[a].landed_unit.cmp(&priced[b].landed_unit))
            .then(bids[a].submitted_at.cmp(&bids[b].submitted_at))
    });
    for (r, &i) in order.iter().enumerate() {
        priced[i].rank = Some(r + 1);
    }
    Ok(order)
}

/// A quantity the suggestion gives one offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    /// The offer's index in the line's bids.
    pub offer: usize,
    pub quantity: Decimal,
    /// Landed cost of that quantity, unrounded.
    pub landed_total: Decimal,
}

/// The cost-optimal allocation of a line (rule 7).
#[derive(Debug, Clone)]
pub struct Suggested {
    /// The offers given a quantity, best-ranked first.
    pub allocations: Vec<Allocation>,
    pub total: Decimal,
    /// The quantity covered: the line's, or the most that can be covered.
    pub covered: Decimal,
    pub covers_full_quantity: bool,
    /// Proved optimal, and feasible.
    pub optimal: bool,
    /// Why there is no feasible suggestion (`None` when there is one).
    pub reason: Option<NoSuggestion>,
}

/// Rule 7 over the usable offers in rank order (`order`), so that cost ties go to the
/// better-ranked offer.
pub fn suggest(
    bids: &[Bid],
    priced: &[Priced],
    order: &[usize],
    quantity: Decimal,
) -> Result<Suggested, Overflow> {
    let offers: Vec<optimise::Offer> = order
        .iter()
        .map(|&i| landed::optimiser_offer(&bids[i].terms))
        .collect::<Result<_, _>>()?;
    let s = optimise::suggest(&offers, quantity, &Limits::default())?;
    let allocations = order
        .iter()
        .zip(&s.quantities)
        .filter(|(_, q)| !q.is_zero())
        .map(|(&i, &q)| {
            Ok(Allocation {
                offer: i,
                quantity: q,
                landed_total: landed::landed(&bids[i].terms, q)?.total,
            })
        })
        .collect::<Result<Vec<_>, Overflow>>()?;
    let flags: Vec<&[&'static str]> = priced.iter().map(|p| p.flags.as_slice()).collect();
    let reason = NoSuggestion::of(&flags, order.len(), s.covered);
    Ok(Suggested {
        allocations,
        total: s.total_cost,
        covered: s.covered,
        covers_full_quantity: s.covers_full_quantity,
        optimal: s.optimal && reason.is_none(),
        reason,
    })
}

/// A line decided: every offer priced (in the bids' order), the ranking and the suggestion.
#[derive(Debug, Clone)]
pub struct ScoredLine {
    pub priced: Vec<Priced>,
    /// The usable offers' indices, best first.
    pub order: Vec<usize>,
    pub suggestion: Suggested,
}

impl ScoredLine {
    /// The order offers are listed in: the usable ones by rank, then the others as given.
    pub fn listing(&self) -> impl Iterator<Item = usize> + '_ {
        let unusable = (0..self.priced.len()).filter(|&i| !self.priced[i].usable());
        self.order.iter().copied().chain(unusable)
    }
}

/// Where a line's figures left the supported range: one offer's own (its index), or the
/// line's scoring or suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineOverflow {
    Offer(usize),
    Line,
}

/// Rules 5–7 for one line: prices every bid, ranks the usable ones, suggests the award.
pub fn score_line(
    line: &LineBasis,
    bids: &[Bid],
    weights: &Weights,
) -> Result<ScoredLine, LineOverflow> {
    let mut priced = bids
        .iter()
        .enumerate()
        .map(|(i, b)| price(b, line).map_err(|_| LineOverflow::Offer(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let order = rank(bids, &mut priced, weights).map_err(|_| LineOverflow::Line)?;
    let suggestion =
        suggest(bids, &priced, &order, line.quantity).map_err(|_| LineOverflow::Line)?;
    Ok(ScoredLine {
        priced,
        order,
        suggestion,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{QuoteId, RfqId, RfqLineId};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, n).unwrap()
    }

    fn basis(quantity: &str) -> LineBasis {
        LineBasis {
            quantity: d(quantity),
            required_by: day(31),
            fx_date: day(1),
            today: day(10),
        }
    }

    fn weights(price: &str, lead_time: &str) -> Weights {
        Weights {
            price: d(price),
            lead_time: d(lead_time),
        }
    }

    /// A domestic offer in the base currency at `unit_price`, no charges, any quantity.
    fn bid(unit_price: &str, lead_time_days: i32) -> Bid {
        Bid {
            terms: OfferTerms {
                unit_price: d(unit_price),
                breaks: vec![],
                freight_per_unit: Decimal::ZERO,
                insurance_per_unit: Decimal::ZERO,
                min_quantity: Decimal::ZERO,
                max_quantity: None,
                fx: Decimal::ONE,
                dutiable: false,
                duty_rate: Decimal::ZERO,
                adder_per_unit: Decimal::ZERO,
            },
            lead_time_days,
            valid_until: day(20),
            submitted_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        }
    }

    fn quote_line() -> QuoteLine {
        QuoteLine {
            quote_id: QuoteId::new(),
            rfq_line_id: RfqLineId::new(),
            rfq_id: RfqId::new(),
            unit_price: d("8500"),
            freight_per_unit: d("120"),
            insurance_per_unit: d("15.5"),
            min_quantity: d("10"),
            max_quantity: Some(d("800")),
        }
    }

    #[test]
    fn rates_are_one_for_the_base_currency_and_locked_for_the_others() {
        let locked = BTreeMap::from([("USD".to_owned(), (d("1386.8"), day(1)))]);
        let rates = rates_for(["KRW", "USD", "KRW"], "KRW", &locked).unwrap();
        assert_eq!(rates["KRW"], (Decimal::ONE, None));
        assert_eq!(rates["USD"], (d("1386.8"), Some(day(1))));
        assert_eq!(rates.len(), 2);
        assert_eq!(
            rates_for(["USD", "EUR", "JPY"], "KRW", &locked),
            Err("EUR".to_owned())
        );
    }

    #[test]
    fn terms_carry_duty_and_the_adder_of_their_incoterm() {
        let adders = HashMap::from([("FOB".to_owned(), d("35000"))]);
        let fob = terms(
            &quote_line(),
            vec![],
            d("1386.8"),
            true,
            "FOB",
            d("3"),
            &adders,
        );
        assert!(fob.dutiable);
        assert_eq!(fob.adder_per_unit, d("35000"));
        assert_eq!(fob.fx, d("1386.8"));
        assert_eq!(fob.max_quantity, Some(d("800")));
        let ddp = terms(
            &quote_line(),
            vec![],
            d("1386.8"),
            true,
            "DDP",
            d("3"),
            &adders,
        );
        assert!(!ddp.dutiable);
        assert_eq!(ddp.adder_per_unit, Decimal::ZERO);
        let domestic = terms(
            &quote_line(),
            vec![],
            Decimal::ONE,
            false,
            "FOB",
            d("3"),
            &adders,
        );
        assert!(!domestic.dutiable);
    }

    #[test]
    fn landed_cost_is_price_times_fx_plus_charges_duty_and_adder() {
        let adders = HashMap::from([("FOB".to_owned(), d("35000"))]);
        let breaks = vec![(d("100"), d("8300"))];
        let b = Bid {
            terms: terms(
                &quote_line(),
                breaks,
                d("1386.8"),
                true,
                "FOB",
                d("3"),
                &adders,
            ),
            ..bid("0", 10)
        };
        // q = 200 (under the max of 800): tier price 8300 USD.
        let p = price(&b, &basis("200")).unwrap();
        let cif = d("1386.8") * (d("8300") + d("120") + d("15.5")) * d("200");
        let duty = cif * d("0.03");
        assert_eq!(p.landed.goods_base, d("1386.8") * d("8300") * d("200"));
        assert_eq!(p.landed.duty_base, duty);
        assert_eq!(p.landed.adder_base, d("35000") * d("200"));
        assert_eq!(p.landed.total, cif + duty + d("7000000"));
        assert_eq!(p.landed_unit, p.landed.total / d("200"));
        assert!(p.covers_full_quantity && p.usable());
        // Above the max, the offer is priced at its max and does not cover the line.
        let p = price(&b, &basis("1000")).unwrap();
        assert_eq!(p.quantity, d("800"));
        assert!(!p.covers_full_quantity);
    }

    #[test]
    fn offers_below_their_minimum_or_expired_are_flagged_not_dropped() {
        let mut b = bid("10", 5);
        b.terms.min_quantity = d("50");
        b.valid_until = day(9);
        let p = price(&b, &basis("40")).unwrap();
        assert_eq!(p.flags, [MIN_ABOVE_QUANTITY, EXPIRED]);
        assert!(!p.usable());
        // Valid through the comparison's date itself; a minimum equal to the line is fine.
        b.valid_until = day(10);
        assert!(price(&b, &basis("50")).unwrap().usable());
    }

    #[test]
    fn required_by_counts_from_the_fx_date() {
        assert!(price(&bid("1", 30), &basis("1")).unwrap().meets_required_by);
        assert!(!price(&bid("1", 31), &basis("1")).unwrap().meets_required_by);
    }

    #[test]
    fn ranking_breaks_score_ties_by_landed_cost_then_submission() {
        // Price weight only: equal prices tie on score and on landed cost.
        let mut early = bid("100", 9);
        early.submitted_at -= chrono::Duration::seconds(1);
        let bids = [bid("100", 3), bid("80", 40), early, bid("120", 1)];
        let s = score_line(&basis("10"), &bids, &weights("1", "0")).unwrap();
        assert_eq!(s.order, [1, 2, 0, 3]);
        let ranks: Vec<_> = s.priced.iter().map(|p| p.rank).collect();
        assert_eq!(ranks, [Some(3), Some(1), Some(2), Some(4)]);
        assert_eq!(s.priced[1].score, Some(Decimal::ONE));
        assert_eq!(s.priced[0].score, Some(d("0.8")));
    }

    #[test]
    fn weights_trade_price_against_lead_time() {
        let bids = [bid("100", 10), bid("125", 5)];
        let by_price = score_line(&basis("10"), &bids, &weights("1", "0")).unwrap();
        assert_eq!(by_price.order, [0, 1]);
        // 0.5·1 + 0.5·0.5 = 0.75 against 0.5·0.8 + 0.5·1 = 0.9.
        let even = score_line(&basis("10"), &bids, &weights("0.5", "0.5")).unwrap();
        assert_eq!(even.order, [1, 0]);
        assert_eq!(even.priced[0].score, Some(d("0.75")));
        assert_eq!(even.priced[1].score, Some(d("0.9")));
    }

    #[test]
    fn unusable_offers_are_listed_last_unranked_and_never_allocated() {
        let mut expired = bid("1", 1);
        expired.valid_until = day(1);
        let bids = [expired, bid("100", 3), bid("90", 3)];
        let s = score_line(&basis("10"), &bids, &weights("1", "0")).unwrap();
        assert_eq!(s.listing().collect::<Vec<_>>(), [2, 1, 0]);
        assert_eq!((s.priced[0].score, s.priced[0].rank), (None, None));
        assert_eq!(
            s.suggestion.allocations,
            [Allocation {
                offer: 2,
                quantity: d("10"),
                landed_total: d("900")
            }]
        );
        assert!(s.suggestion.optimal && s.suggestion.covers_full_quantity);
        assert_eq!(s.suggestion.reason, None);
    }

    #[test]
    fn a_line_without_usable_offers_has_no_feasible_suggestion() {
        let s = score_line(&basis("10"), &[], &weights("1", "0")).unwrap();
        assert_eq!(s.suggestion.reason, Some(NoSuggestion::NoOffers));
        assert!(!s.suggestion.optimal);
        let mut big = bid("1", 1);
        big.terms.min_quantity = d("11");
        let s = score_line(&basis("10"), &[big], &weights("1", "0")).unwrap();
        assert_eq!(s.suggestion.reason, Some(NoSuggestion::MinAboveQuantity));
        assert!(s.suggestion.allocations.is_empty() && !s.suggestion.optimal);
    }

    #[test]
    fn overflow_says_whether_an_offer_or_the_line_is_out_of_range() {
        let huge = bid(&Decimal::MAX.to_string(), 1);
        assert_eq!(
            score_line(&basis("10"), &[bid("1", 1), huge], &weights("1", "0")).unwrap_err(),
            LineOverflow::Offer(1)
        );
        let w = Weights {
            price: Decimal::MAX,
            lead_time: Decimal::MAX,
        };
        assert_eq!(
            score_line(&basis("10"), &[bid("1", 1)], &w).unwrap_err(),
            LineOverflow::Line
        );
    }

    /// Bids of small whole figures: (price, freight, min, max, lead, valid offset, second).
    fn bids() -> impl Strategy<Value = Vec<Bid>> {
        let one = (
            1u32..1_000,
            0u32..50,
            0u32..60,
            prop::option::of(1u32..500),
            0i32..60,
            -2i64..5,
            0i64..3,
        );
        prop::collection::vec(one, 0..5).prop_map(|v| {
            v.into_iter()
                .map(|(price, freight, min, max, lead, valid, second)| {
                    let mut b = bid(&price.to_string(), lead);
                    b.terms.freight_per_unit = freight.into();
                    b.terms.min_quantity = min.into();
                    b.terms.max_quantity = max.map(Decimal::from);
                    b.terms.fx = d("1386.8");
                    b.terms.dutiable = price % 2 == 0;
                    b.terms.duty_rate = d("8");
                    b.valid_until = day(10) + chrono::Duration::days(valid);
                    b.submitted_at += chrono::Duration::seconds(second);
                    b
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// The usable offers hold ranks 1..=n in descending score order; the others none.
        #[test]
        fn ranks_follow_scores(bids in bids(), q in 1u32..400, wl in 0u32..3) {
            let w = Weights { price: Decimal::ONE, lead_time: wl.into() };
            let s = score_line(&basis(&q.to_string()), &bids, &w).unwrap();
            let usable = s.priced.iter().filter(|p| p.usable()).count();
            prop_assert_eq!(s.order.len(), usable);
            for (r, &i) in s.order.iter().enumerate() {
                prop_assert_eq!(s.priced[i].rank, Some(r + 1));
                let score = s.priced[i].score.unwrap();
                prop_assert!(score > Decimal::ZERO && score <= Decimal::ONE);
                if r > 0 {
                    prop_assert!(s.priced[s.order[r - 1]].score >= Some(score));
                }
            }
            for p in s.priced.iter().filter(|p| !p.usable()) {
                prop_assert_eq!((p.score, p.rank), (None, None));
            }
            prop_assert_eq!(s.listing().count(), bids.len());
        }

        /// The parts of a landed cost add up to it, and its goods are price × FX × quantity.
        #[test]
        fn landed_parts_add_up(bids in bids(), q in 1u32..400) {
            for b in &bids {
                let p = price(b, &basis(&q.to_string())).unwrap();
                let l = p.landed;
                prop_assert_eq!(
                    l.total,
                    l.goods_base + l.charges_base + l.duty_base + l.adder_base
                );
                prop_assert_eq!(l.goods_base, b.terms.fx * b.terms.unit_price * p.quantity);
                prop_assert!(p.quantity <= Decimal::from(q));
            }
        }

        /// The suggestion allocates only usable offers, covers what it says, and costs the
        /// sum of its allocations.
        #[test]
        fn the_suggestion_adds_up(bids in bids(), q in 1u32..400) {
            let s = score_line(&basis(&q.to_string()), &bids, &weights("1", "0")).unwrap();
            let g = &s.suggestion;
            let covered: Decimal = g.allocations.iter().map(|a| a.quantity).sum();
            let total: Decimal = g.allocations.iter().map(|a| a.landed_total).sum();
            prop_assert_eq!(covered, g.covered);
            prop_assert_eq!(total, g.total);
            prop_assert!(g.covered <= Decimal::from(q));
            prop_assert!(g.allocations.iter().all(|a| s.priced[a.offer].usable()));
            prop_assert_eq!(g.reason.is_none(), g.covered > Decimal::ZERO);
        }
    }
}
