//! The award plan, checked and priced without I/O: the allocations of an [`AwardIn`]
//! against the comparison's offers (DESIGN rule 8), the optimum for the same quantities,
//! the purchase orders' figures and the members' shares (rule 9).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::comparison::landed::{self, OfferTerms};
use crate::comparison::optimise::{self, Limits};
use crate::comparison::service::{money, Computed, ComputedLine};
use crate::error::{AppError, ErrorCode, FieldError};
use crate::ids::{
    CooperativeId, MaterialId, MemberId, PoLineId, PurchaseOrderId, QuoteId, RfqId, RfqLineId,
    SupplierId,
};
use crate::materials::units;
use crate::purchase_orders::allocation::largest_remainder;
use crate::purchase_orders::models::{MemberAllocation, PoLine, PurchaseOrder};
use crate::quotes::models::Quote;
use crate::reference;
use crate::rfqs::models::RfqStatus;
use crate::{bounds, decimal};

/// One allocation in a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationIn {
    pub quote_id: QuoteId,
    #[serde(deserialize_with = "decimal::exact")]
    #[schema(value_type = String, example = "60")]
    pub quantity: Decimal,
}

/// One line in a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardLineIn {
    pub rfq_line_id: RfqLineId,
    pub allocations: Vec<AllocationIn>,
}

/// `POST /rfqs/{id}/award` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardIn {
    pub lines: Vec<AwardLineIn>,
    /// Required when the award costs more than 1 base-currency unit above the optimum for
    /// the same quantities.
    pub rationale: Option<String>,
    /// Allow lines (or parts of lines) to stay unawarded.
    #[serde(default)]
    pub partial: bool,
}

/// A validated allocation.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub line: RfqLineId,
    pub quote: QuoteId,
    pub supplier: SupplierId,
    pub quantity: Decimal,
    pub terms: OfferTerms,
    pub landed: Decimal,
}

fn line_figures(cl: &ComputedLine) -> AppError {
    bounds::overflow(format_args!("the RFQ line {}", cl.line.id))
}

/// Whether an award of landed cost `total` needs a rationale: it costs more than 1
/// base-currency unit above `optimum`, the optimum for the same quantities.
pub fn rationale_required(total: Decimal, optimum: Decimal) -> bool {
    total - optimum > Decimal::ONE
}

fn rfq_figures(c: &Market) -> AppError {
    bounds::overflow(format_args!("the RFQ {}", c.rfq_title))
}

/// Checks an award against the comparison (rule 8); returns the allocations, the award's
/// landed total and the optimum for the same quantities.
pub fn validate(
    c: &Computed,
    input: &AwardIn,
) -> Result<(Vec<Chosen>, Decimal, Decimal), AppError> {
    check(&Market::from(c), input)
}

/// What an award is checked against: the comparison's lines and its base currency.
#[derive(Clone, Copy)]
pub struct Market<'a> {
    pub rfq_title: &'a str,
    pub base_currency: &'a str,
    /// Decimal places of the base currency.
    pub minor_unit: u32,
    pub lines: &'a [ComputedLine],
}

impl<'a> From<&'a Computed> for Market<'a> {
    fn from(c: &'a Computed) -> Self {
        Self {
            rfq_title: &c.rfq.title,
            base_currency: &c.base_currency,
            minor_unit: c.minor_unit,
            lines: &c.lines,
        }
    }
}

/// [`validate`] against a [`Market`].
pub fn check(c: &Market, input: &AwardIn) -> Result<(Vec<Chosen>, Decimal, Decimal), AppError> {
    let mut errors = Vec::new();
    let mut chosen = Vec::new();
    let mut seen_lines = Vec::new();
    let mut optimum = Decimal::ZERO;
    for (i, l) in input.lines.iter().enumerate() {
        let f = |s: &str| format!("lines[{i}].{s}");
        let Some(cl) = c.lines.iter().find(|x| x.line.id == l.rfq_line_id) else {
            errors.push(FieldError::new(
                f("rfq_line_id"),
                ErrorCode::UnknownLine,
                "is not a line of this RFQ",
            ));
            continue;
        };
        if seen_lines.contains(&l.rfq_line_id) {
            errors.push(FieldError::new(
                f("rfq_line_id"),
                ErrorCode::DuplicateLine,
                "appears more than once",
            ));
            continue;
        }
        seen_lines.push(l.rfq_line_id);
        let mut sum = Decimal::ZERO;
        let mut used: Vec<QuoteId> = Vec::new();
        for (j, a) in l.allocations.iter().enumerate() {
            if let Some(one) = allocation(i, j, a, cl, &mut used, &mut errors)? {
                // Each allocation is at most 10^9 and they are refused above the line
                // quantity (also at most 10^9) below, so the sum stays small.
                sum = bounds::add(sum, one.quantity).map_err(|_| line_figures(cl))?;
                chosen.push(one);
            }
        }
        if sum > cl.line.quantity {
            errors.push(FieldError::new(
                f("allocations"),
                ErrorCode::AboveLineQuantity,
                format!(
                    "allocations sum to {}, above the line quantity {}",
                    sum.normalize(),
                    cl.line.quantity.normalize()
                ),
            ));
        } else if sum < cl.line.quantity && !input.partial {
            errors.push(FieldError::new(
                f("allocations"),
                ErrorCode::NotLineQuantity,
                format!(
                    "allocations sum to {}, not the line quantity {}; set `partial` to award less",
                    sum.normalize(),
                    cl.line.quantity.normalize()
                ),
            ));
        }
        // The optimum for the awarded quantity of this line, over its usable offers.
        if sum > Decimal::ZERO {
            optimum = bounds::add(optimum, line_optimum(cl, sum)?).map_err(|_| rfq_figures(c))?;
        }
    }
    let missing: Vec<String> = c
        .lines
        .iter()
        .filter(|l| !seen_lines.contains(&l.line.id))
        .map(|l| l.line.id.to_string())
        .collect();
    if !missing.is_empty() && !input.partial {
        errors.push(FieldError::new(
            "lines",
            ErrorCode::LinesMissing,
            format!(
                "every line needs allocations unless `partial` is set; missing {}",
                missing.join(", ")
            ),
        ));
    }
    if chosen.is_empty() && errors.is_empty() {
        errors.push(FieldError::new(
            "lines",
            ErrorCode::Empty,
            "award at least one quantity",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let total = bounds::sum(chosen.iter().map(|c| c.landed)).map_err(|_| rfq_figures(c))?;
    let rationale = input
        .rationale
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if rationale_required(total, optimum) && rationale.is_none() {
        return Err(AppError::Validation(vec![FieldError::new(
            "rationale",
            ErrorCode::RationaleRequired,
            format!(
                "this award costs {} {} more than the optimum for the same quantities; explain why",
                money(total - optimum, c.minor_unit),
                c.base_currency
            ),
        )]));
    }
    Ok((chosen, total, optimum))
}

/// Checks allocation `j` of line `i` against the line's offers; the allocation when it is
/// acceptable (`used`: the quotes already allocated on the line).
fn allocation(
    i: usize,
    j: usize,
    a: &AllocationIn,
    cl: &ComputedLine,
    used: &mut Vec<QuoteId>,
    errors: &mut Vec<FieldError>,
) -> Result<Option<Chosen>, AppError> {
    let af = |s: &str| format!("lines[{i}].allocations[{j}].{s}");
    let Some(offer) = cl.offers.iter().find(|o| o.quote == a.quote_id) else {
        errors.push(FieldError::new(
            af("quote_id"),
            ErrorCode::NotAnOffer,
            "is not a submitted offer on this line (withdrawn quotes cannot win)",
        ));
        return Ok(None);
    };
    let (supplier, terms) = (&offer.supplier, &offer.terms);
    if !offer.usable {
        errors.push(FieldError::new(
            af("quote_id"),
            ErrorCode::OfferUnusable,
            "this offer cannot be used (expired, or its minimum is above the line quantity)",
        ));
        return Ok(None);
    }
    if used.contains(&a.quote_id) {
        errors.push(FieldError::new(
            af("quote_id"),
            ErrorCode::DuplicateOffer,
            "appears more than once on this line",
        ));
        return Ok(None);
    }
    used.push(a.quote_id);
    if a.quantity <= Decimal::ZERO {
        errors.push(FieldError::new(
            af("quantity"),
            ErrorCode::NotPositive,
            "must be greater than 0",
        ));
        return Ok(None);
    }
    if let Err(e) = bounds::quantity(&af("quantity"), a.quantity) {
        errors.push(e);
        return Ok(None);
    }
    let precision = units::unit(&cl.line.unit).map_or(6, |u| u.precision);
    if a.quantity.normalize().scale() > precision {
        errors.push(FieldError::new(
            af("quantity"),
            ErrorCode::TooPrecise,
            format!("{} takes at most {precision} decimal places", cl.line.unit),
        ));
        return Ok(None);
    }
    if a.quantity < terms.min_quantity || terms.max_quantity.is_some_and(|m| a.quantity > m) {
        errors.push(FieldError::new(
            af("quantity"),
            ErrorCode::OutsideOfferRange,
            format!(
                "must be within the offer's minimum {} and maximum {}",
                terms.min_quantity.normalize(),
                terms
                    .max_quantity
                    .map_or("(none)".to_owned(), |m| m.normalize().to_string())
            ),
        ));
        return Ok(None);
    }
    Ok(Some(Chosen {
        line: cl.line.id,
        quote: a.quote_id,
        supplier: *supplier,
        quantity: a.quantity.normalize(),
        terms: terms.clone(),
        landed: landed::landed(terms, a.quantity)
            .map_err(|_| line_figures(cl))?
            .total,
    }))
}

/// The least landed cost of `quantity` of a line over its usable offers.
fn line_optimum(cl: &ComputedLine, quantity: Decimal) -> Result<Decimal, AppError> {
    let offers: Vec<optimise::Offer> = cl
        .offers
        .iter()
        .filter(|o| o.usable)
        .map(|o| landed::optimiser_offer(&o.terms))
        .collect::<Result<_, _>>()
        .map_err(|_| line_figures(cl))?;
    let best =
        optimise::suggest(&offers, quantity, &Limits::default()).map_err(|_| line_figures(cl))?;
    Ok(best.total_cost)
}

/// Demand per (material, member) of the round, in base units.
pub type Share = (MaterialId, MemberId, Option<Decimal>);

/// The allocations per winning quote (one purchase order each), in the order of each
/// quote's first appearance.
pub fn by_quote(chosen: &[Chosen]) -> Vec<(QuoteId, Vec<&Chosen>)> {
    let mut by_quote: BTreeMap<(usize, QuoteId), Vec<&Chosen>> = BTreeMap::new();
    let mut order: Vec<QuoteId> = Vec::new();
    for c in chosen {
        if !order.contains(&c.quote) {
            order.push(c.quote);
        }
        let k = order.iter().position(|q| *q == c.quote).unwrap_or(0);
        by_quote.entry((k, c.quote)).or_default().push(c);
    }
    by_quote.into_iter().map(|((_, q), v)| (q, v)).collect()
}

/// What every purchase order of an award shares.
#[derive(Clone, Copy)]
pub struct PoContext<'a> {
    pub rfq_id: RfqId,
    pub cooperative_id: CooperativeId,
    pub fx_date: NaiveDate,
    /// Decimal places of the base currency.
    pub base_minor: u32,
    pub now: DateTime<Utc>,
    /// The comparison's lines (for each allocation's RFQ line).
    pub lines: &'a [ComputedLine],
    /// The round's demand per material and member.
    pub shares: &'a [Share],
}

/// A purchase order ready to be stored: its lines and their members' shares.
#[derive(Debug, Clone)]
pub struct PoPlan {
    pub po: PurchaseOrder,
    pub lines: Vec<PoLine>,
    pub members: Vec<MemberAllocation>,
}

/// The purchase order `number` for the allocations `allocs` of quote `q`: each line's price
/// (its price break), amount in the quote's currency and in the base currency (rounded to
/// each currency's minor unit), and the members' shares of quantity and cost (rule 9).
pub fn purchase_order(
    cx: &PoContext,
    number: String,
    q: &Quote,
    allocs: &[&Chosen],
) -> Result<PoPlan, AppError> {
    let minor = reference::currency_minor_unit(&q.currency).unwrap_or(2);
    let po_id = PurchaseOrderId::new();
    let fx = <[&Chosen]>::first(allocs).map_or(Decimal::ONE, |c| c.terms.fx);
    let mut lines = Vec::new();
    let mut member_rows = Vec::new();
    for (pos_i, c) in allocs.iter().enumerate() {
        let cl = cx
            .lines
            .iter()
            .find(|l| l.line.id == c.line)
            .ok_or(AppError::NotFound)?;
        let price = landed::tier_price(c.terms.unit_price, &c.terms.breaks, c.quantity);
        let po_figures = || bounds::overflow(format_args!("purchase order {number}"));
        let per_unit = bounds::add(
            bounds::add(price, c.terms.freight_per_unit).map_err(|_| po_figures())?,
            c.terms.insurance_per_unit,
        )
        .map_err(|_| po_figures())?;
        let amount = money(
            bounds::mul(per_unit, c.quantity).map_err(|_| po_figures())?,
            minor,
        );
        let amount_base = money(
            bounds::mul(amount, fx).map_err(|_| po_figures())?,
            cx.base_minor,
        );
        let line_id = PoLineId::new();
        lines.push(PoLine {
            id: line_id,
            po_id,
            rfq_line_id: c.line,
            material_id: cl.line.material_id,
            position: i32::try_from(pos_i).unwrap_or(i32::MAX),
            quantity: c.quantity,
            unit: cl.line.unit.clone(),
            unit_price: price,
            freight_per_unit: c.terms.freight_per_unit,
            insurance_per_unit: c.terms.insurance_per_unit,
            amount,
            amount_base,
            required_by: cl.line.required_by,
        });
        // Rule 9: quantities at the unit's precision, cost shares at the base
        // currency's minor unit, both by largest remainder.
        let members: Vec<(MemberId, Decimal)> = cx
            .shares
            .iter()
            .filter(|(m, _, _)| *m == cl.line.material_id)
            .map(|(_, member, q)| (*member, q.unwrap_or_default()))
            .filter(|(_, q)| *q > Decimal::ZERO)
            .collect();
        if !members.is_empty() {
            let weights: Vec<Decimal> = members.iter().map(|(_, q)| *q).collect();
            let precision = units::unit(&cl.line.unit).map_or(6, |u| u.precision);
            let qty =
                largest_remainder(c.quantity, &weights, precision).map_err(|_| po_figures())?;
            let cost = largest_remainder(amount_base, &weights, cx.base_minor)
                .map_err(|_| po_figures())?;
            for (k, (member, _)) in members.iter().enumerate() {
                member_rows.push(MemberAllocation {
                    po_line_id: line_id,
                    member_id: *member,
                    po_id,
                    cooperative_id: cx.cooperative_id,
                    quantity: qty[k],
                    amount_base: cost[k],
                });
            }
        }
    }
    let po_figures = || bounds::overflow(format_args!("purchase order {number}"));
    let total_amount = bounds::sum(lines.iter().map(|l| l.amount)).map_err(|_| po_figures())?;
    let total_base = bounds::sum(lines.iter().map(|l| l.amount_base)).map_err(|_| po_figures())?;
    let po = PurchaseOrder {
        id: po_id,
        cooperative_id: cx.cooperative_id,
        supplier_id: q.supplier_id,
        rfq_id: cx.rfq_id,
        quote_id: q.id,
        number: number.clone(),
        status: "issued".into(),
        currency: q.currency.clone(),
        incoterm: q.incoterm.clone(),
        named_place: q.named_place.clone(),
        fx_rate: fx,
        fx_date: cx.fx_date,
        total: total_amount,
        total_base,
        issued_at: cx.now,
        acknowledged_at: None,
    };
    Ok(PoPlan {
        po,
        lines,
        members: member_rows,
    })
}

/// Whether an RFQ in `status` may be awarded: only once closed, and only once.
pub fn awardable(status: RfqStatus) -> Result<(), AppError> {
    match status {
        RfqStatus::Closed => Ok(()),
        RfqStatus::Awarded => Err(AppError::conflict(
            ErrorCode::AlreadyAwarded,
            "This RFQ has been awarded already.",
        )),
        RfqStatus::Published | RfqStatus::Draft => Err(AppError::conflict(
            ErrorCode::Sealed,
            "The deadline has not passed.",
        )),
        RfqStatus::Cancelled => Err(AppError::conflict(
            ErrorCode::InvalidTransition,
            "The RFQ was cancelled.",
        )),
    }
}

/// The quotes must be exactly the revisions the comparison priced (a write that straddled
/// the deadline could otherwise slip in between): each offer's quote still submitted with
/// the same digest.
pub fn quotes_unchanged(
    lines: &[ComputedLine],
    quotes: &HashMap<QuoteId, Quote>,
) -> Result<(), AppError> {
    for cl in lines {
        for offer in &cl.offers {
            let now_digest = quotes
                .get(&offer.quote)
                .filter(|q| q.status == "submitted")
                .map(|q| q.digest.as_str());
            if now_digest != Some(offer.digest.as_str()) {
                return Err(AppError::conflict(
                    ErrorCode::QuotesChanged,
                    "A quote changed while the award was prepared; review the comparison and try again.",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::service::ComputedOffer;
    use crate::ids::RoundId;
    use crate::rfqs::models::RfqLine;
    use chrono::TimeZone;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn terms(price: &str, min: &str, max: Option<&str>) -> OfferTerms {
        OfferTerms {
            unit_price: dec(price),
            breaks: vec![(dec("100"), dec(price) - Decimal::ONE)],
            freight_per_unit: dec("0.5"),
            insurance_per_unit: Decimal::ZERO,
            min_quantity: dec(min),
            max_quantity: max.map(dec),
            fx: dec("1300"),
            dutiable: false,
            duty_rate: Decimal::ZERO,
            adder_per_unit: Decimal::ZERO,
        }
    }

    fn offer(price: &str, usable: bool) -> ComputedOffer {
        ComputedOffer {
            quote: QuoteId::new(),
            supplier: SupplierId::new(),
            terms: terms(price, "0", Some("150")),
            usable,
            digest: format!("d{price}"),
        }
    }

    fn line(quantity: &str, offers: Vec<ComputedOffer>) -> ComputedLine {
        ComputedLine {
            line: RfqLine {
                id: RfqLineId::new(),
                rfq_id: RfqId::new(),
                cooperative_id: CooperativeId::new(),
                round_id: RoundId::new(),
                material_id: MaterialId::new(),
                position: 0,
                quantity: dec(quantity),
                unit: "KGM".into(),
                required_by: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
                duty_rate: Decimal::ZERO,
                live: true,
            },
            offers,
        }
    }

    fn market(lines: &[ComputedLine]) -> Market<'_> {
        Market {
            rfq_title: "Copper",
            base_currency: "KRW",
            minor_unit: 0,
            lines,
        }
    }

    fn award(lines: Vec<(RfqLineId, Vec<(QuoteId, &str)>)>, partial: bool) -> AwardIn {
        AwardIn {
            lines: lines
                .into_iter()
                .map(|(id, a)| AwardLineIn {
                    rfq_line_id: id,
                    allocations: a
                        .into_iter()
                        .map(|(quote_id, q)| AllocationIn {
                            quote_id,
                            quantity: dec(q),
                        })
                        .collect(),
                })
                .collect(),
            rationale: None,
            partial,
        }
    }

    fn codes(r: Result<(Vec<Chosen>, Decimal, Decimal), AppError>) -> Vec<(String, ErrorCode)> {
        match r {
            Err(AppError::Validation(e)) => e.into_iter().map(|e| (e.field, e.code)).collect(),
            other => panic!("not a 422: {:?}", other.map(|o| o.1)),
        }
    }

    #[test]
    fn the_optimal_award_needs_no_rationale_and_a_dearer_one_does() {
        let (cheap, dear) = (offer("10", true), offer("12", true));
        let lines = vec![line("100", vec![cheap.clone(), dear.clone()])];
        let id = lines[0].line.id;
        let (chosen, total, optimum) = check(
            &market(&lines),
            &award(vec![(id, vec![(cheap.quote, "100")])], false),
        )
        .unwrap();
        assert_eq!(chosen.len(), 1);
        assert_eq!(total, optimum, "the cheapest offer is the optimum");
        // 100 at the break price 9 + 0.5 freight, at 1300 KRW.
        assert_eq!(total, dec("1235000"));
        let dearer = award(vec![(id, vec![(dear.quote, "100")])], false);
        assert_eq!(
            codes(check(&market(&lines), &dearer)),
            [("rationale".to_owned(), ErrorCode::RationaleRequired)]
        );
        let explained = AwardIn {
            rationale: Some("faster delivery".into()),
            ..dearer
        };
        let (_, total, optimum) = check(&market(&lines), &explained).unwrap();
        assert!(total > optimum);
    }

    #[test]
    fn each_bad_allocation_has_its_field_and_code() {
        let (good, unusable) = (offer("10", true), offer("9", false));
        let lines = vec![
            line("100", vec![good.clone(), unusable.clone()]),
            line("5", vec![]),
        ];
        let (id, other) = (lines[0].line.id, lines[1].line.id);
        let m = market(&lines);
        let f = |s: &str| s.to_owned();
        for (input, expected) in [
            (
                award(
                    vec![(RfqLineId::new(), vec![]), (id, vec![(good.quote, "100")])],
                    true,
                ),
                vec![(f("lines[0].rfq_line_id"), ErrorCode::UnknownLine)],
            ),
            (
                award(vec![(id, vec![(good.quote, "100")]), (id, vec![])], true),
                vec![(f("lines[1].rfq_line_id"), ErrorCode::DuplicateLine)],
            ),
            (
                award(vec![(id, vec![(QuoteId::new(), "100")])], true),
                vec![(f("lines[0].allocations[0].quote_id"), ErrorCode::NotAnOffer)],
            ),
            (
                award(vec![(id, vec![(unusable.quote, "100")])], true),
                vec![(
                    f("lines[0].allocations[0].quote_id"),
                    ErrorCode::OfferUnusable,
                )],
            ),
            (
                award(
                    vec![(id, vec![(good.quote, "50"), (good.quote, "50")])],
                    true,
                ),
                vec![(
                    f("lines[0].allocations[1].quote_id"),
                    ErrorCode::DuplicateOffer,
                )],
            ),
            (
                award(vec![(id, vec![(good.quote, "0")])], true),
                vec![(
                    f("lines[0].allocations[0].quantity"),
                    ErrorCode::NotPositive,
                )],
            ),
            (
                award(vec![(id, vec![(good.quote, "1.0000001")])], true),
                vec![(f("lines[0].allocations[0].quantity"), ErrorCode::TooPrecise)],
            ),
            (
                award(vec![(id, vec![(good.quote, "151")])], true),
                vec![(
                    f("lines[0].allocations[0].quantity"),
                    ErrorCode::OutsideOfferRange,
                )],
            ),
            (
                award(vec![(id, vec![(good.quote, "90")]), (other, vec![])], false),
                vec![
                    (f("lines[0].allocations"), ErrorCode::NotLineQuantity),
                    (f("lines[1].allocations"), ErrorCode::NotLineQuantity),
                ],
            ),
            (
                award(vec![(id, vec![(good.quote, "100")])], false),
                vec![(f("lines"), ErrorCode::LinesMissing)],
            ),
            (award(vec![], true), vec![(f("lines"), ErrorCode::Empty)]),
        ] {
            assert_eq!(codes(check(&m, &input)), expected);
        }
        // Above the line quantity, with two offers within their ranges.
        let second = offer("11", true);
        let lines = vec![line("100", vec![good.clone(), second.clone()])];
        let id = lines[0].line.id;
        let input = award(
            vec![(id, vec![(good.quote, "60"), (second.quote, "60")])],
            true,
        );
        assert_eq!(
            codes(check(&market(&lines), &input)),
            [(f("lines[0].allocations"), ErrorCode::AboveLineQuantity)]
        );
    }

    #[test]
    fn only_a_closed_rfq_can_be_awarded() {
        assert!(awardable(RfqStatus::Closed).is_ok());
        for (status, code) in [
            (RfqStatus::Awarded, ErrorCode::AlreadyAwarded),
            (RfqStatus::Published, ErrorCode::Sealed),
            (RfqStatus::Draft, ErrorCode::Sealed),
            (RfqStatus::Cancelled, ErrorCode::InvalidTransition),
        ] {
            assert_eq!(awardable(status).unwrap_err().problem().code, code);
        }
    }

    #[test]
    fn purchase_orders_group_by_quote_and_split_among_members() {
        let (a, b) = (offer("10", true), offer("20", true));
        let lines = vec![
            line("150", vec![a.clone(), b.clone()]),
            line("3", vec![a.clone()]),
        ];
        let chosen = |l: &ComputedLine, o: &ComputedOffer, q: &str| Chosen {
            line: l.line.id,
            quote: o.quote,
            supplier: o.supplier,
            quantity: dec(q),
            terms: o.terms.clone(),
            landed: Decimal::ZERO,
        };
        let all = vec![
            chosen(&lines[0], &b, "50"),
            chosen(&lines[0], &a, "100"),
            chosen(&lines[1], &b, "3"),
        ];
        let groups = by_quote(&all);
        let order: Vec<(QuoteId, usize)> = groups.iter().map(|(q, v)| (*q, v.len())).collect();
        assert_eq!(
            order,
            [(b.quote, 2), (a.quote, 1)],
            "first appearance first"
        );

        let (m1, m2) = (MemberId::new(), MemberId::new());
        let material = lines[0].line.material_id;
        let shares = vec![
            (material, m1, Some(dec("1"))),
            (material, m2, Some(dec("2"))),
        ];
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let cx = PoContext {
            rfq_id: RfqId::new(),
            cooperative_id: CooperativeId::new(),
            fx_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            base_minor: 0,
            now: at,
            lines: &lines,
            shares: &shares,
        };
        let quote = Quote {
            id: a.quote,
            rfq_id: cx.rfq_id,
            cooperative_id: cx.cooperative_id,
            supplier_id: a.supplier,
            status: "submitted".into(),
            revision: 1,
            currency: "USD".into(),
            incoterm: "CIF".into(),
            named_place: None,
            valid_until: cx.fx_date,
            lead_time_days: 10,
            payment_terms: None,
            notes: None,
            digest: a.digest.clone(),
            submitted_at: at,
            withdrawn_at: None,
        };
        let plan = purchase_order(&cx, "PO-2026-0001".into(), &quote, &groups[1].1).unwrap();
        // 100 at the break price 9 plus 0.5 freight: 950.00 USD, 1 235 000 KRW.
        assert_eq!(plan.po.total, dec("950"));
        assert_eq!(plan.po.total_base, dec("1235000"));
        assert_eq!(
            (plan.po.fx_rate, plan.lines[0].unit_price),
            (dec("1300"), dec("9"))
        );
        let split: Vec<(MemberId, Decimal, Decimal)> = plan
            .members
            .iter()
            .map(|m| (m.member_id, m.quantity, m.amount_base))
            .collect();
        assert_eq!(
            split,
            [
                (m1, dec("33.333333"), dec("411667")),
                (m2, dec("66.666667"), dec("823333")),
            ]
        );
        let quantity: Decimal = plan.members.iter().map(|m| m.quantity).sum();
        let cost: Decimal = plan.members.iter().map(|m| m.amount_base).sum();
        assert_eq!(
            (quantity, cost),
            (dec("100"), plan.po.total_base),
            "shares add up"
        );
    }
}
