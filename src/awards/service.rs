//! `POST /rfqs/{id}/award`.

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::notify;
use crate::audit::{self, Event};
use crate::auth::{Principal, Role};
use crate::bounds;
use crate::comparison::landed::{self, OfferTerms};
use crate::comparison::optimise::{self, Limits};
use crate::comparison::service::{self as comparison, money, Computed, ComputedLine};
use crate::context::Ctx;
use crate::cooperatives::repo as coop_repo;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::ids::{
    AwardId, MaterialId, MemberId, PoLineId, PurchaseOrderId, QuoteId, RfqId, RfqLineId, RoundId,
    SupplierId,
};
use crate::materials::units;
use crate::purchase_orders::allocation::largest_remainder;
use crate::purchase_orders::models::{MemberAllocation, PoLine, PurchaseOrder};
use crate::purchase_orders::repo as po_repo;
use crate::quotes::models::Quote;
use crate::quotes::repo::{self as quote_repo, Reader};
use crate::rfqs::models::RfqStatus;
use crate::rfqs::repo as rfq_repo;
use crate::schema::{award_allocations, awards, demand_lines};
use crate::{db, reference, validation};

/// One allocation in a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationIn {
    pub quote_id: QuoteId,
    #[serde(deserialize_with = "crate::decimal::exact")]
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

/// A PO of the award response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AwardedPo {
    pub id: PurchaseOrderId,
    pub number: String,
    pub supplier_id: SupplierId,
    pub currency: String,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub total_base: Decimal,
}

/// `POST /rfqs/{id}/award` response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AwardOut {
    pub rfq_id: RfqId,
    pub award_id: AwardId,
    pub status: RfqStatus,
    /// Landed cost of the award in the base currency.
    #[schema(value_type = String)]
    pub total_base: Decimal,
    /// The optimum for the same quantities.
    #[schema(value_type = String)]
    pub optimum_base: Decimal,
    pub purchase_orders: Vec<AwardedPo>,
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

fn rfq_figures(c: &Computed) -> AppError {
    bounds::overflow(format_args!("the RFQ {}", c.rfq.title))
}

/// Checks an award against the comparison (rule 8); returns the allocations, the award's
/// landed total and the optimum for the same quantities.
pub fn validate(
    c: &Computed,
    input: &AwardIn,
) -> Result<(Vec<Chosen>, Decimal, Decimal), AppError> {
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
            let af = |s: &str| format!("lines[{i}].allocations[{j}].{s}");
            let Some(offer) = cl.offers.iter().find(|o| o.quote == a.quote_id) else {
                errors.push(FieldError::new(
                    af("quote_id"),
                    ErrorCode::NotAnOffer,
                    "is not a submitted offer on this line (withdrawn quotes cannot win)",
                ));
                continue;
            };
            let (supplier, terms) = (&offer.supplier, &offer.terms);
            if !offer.usable {
                errors.push(FieldError::new(af("quote_id"), ErrorCode::OfferUnusable, "this offer cannot be used (expired, or its minimum is above the line quantity)"));
                continue;
            }
            if used.contains(&a.quote_id) {
                errors.push(FieldError::new(
                    af("quote_id"),
                    ErrorCode::DuplicateOffer,
                    "appears more than once on this line",
                ));
                continue;
            }
            used.push(a.quote_id);
            if a.quantity <= Decimal::ZERO {
                errors.push(FieldError::new(
                    af("quantity"),
                    ErrorCode::NotPositive,
                    "must be greater than 0",
                ));
                continue;
            }
            if let Err(e) = bounds::quantity(&af("quantity"), a.quantity) {
                errors.push(e);
                continue;
            }
            let precision = units::unit(&cl.line.unit).map_or(6, |u| u.precision);
            if a.quantity.normalize().scale() > precision {
                errors.push(FieldError::new(
                    af("quantity"),
                    ErrorCode::TooPrecise,
                    format!("{} takes at most {precision} decimal places", cl.line.unit),
                ));
                continue;
            }
            if a.quantity < terms.min_quantity || terms.max_quantity.is_some_and(|m| a.quantity > m)
            {
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
                continue;
            }
            // Each allocation is at most 10^9 and they are refused above the line
            // quantity (also at most 10^9) below, so the sum stays small.
            sum = bounds::add(sum, a.quantity).map_err(|_| line_figures(cl))?;
            chosen.push(Chosen {
                line: cl.line.id,
                quote: a.quote_id,
                supplier: *supplier,
                quantity: a.quantity.normalize(),
                terms: terms.clone(),
                landed: landed::landed(terms, a.quantity)
                    .map_err(|_| line_figures(cl))?
                    .total,
            });
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
            let offers: Vec<optimise::Offer> = cl
                .offers
                .iter()
                .filter(|o| o.usable)
                .map(|o| landed::optimiser_offer(&o.terms))
                .collect::<Result<_, _>>()
                .map_err(|_| line_figures(cl))?;
            let best = optimise::suggest(&offers, sum, &Limits::default())
                .map_err(|_| line_figures(cl))?;
            optimum = bounds::add(optimum, best.total_cost).map_err(|_| rfq_figures(c))?;
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

/// Whether an award of landed cost `total` needs a rationale: it costs more than 1
/// base-currency unit above `optimum`, the optimum for the same quantities.
pub fn rationale_required(total: Decimal, optimum: Decimal) -> bool {
    total - optimum > Decimal::ONE
}

/// Demand per (material, member) of a round, in base units.
async fn demand_shares(
    conn: &mut AsyncPgConnection,
    round: RoundId,
) -> QueryResult<Vec<(MaterialId, MemberId, Option<Decimal>)>> {
    demand_lines::table
        .filter(demand_lines::round_id.eq(round))
        .group_by((demand_lines::material_id, demand_lines::member_id))
        .select((
            demand_lines::material_id,
            demand_lines::member_id,
            diesel::dsl::sum(demand_lines::quantity_base),
        ))
        .order((demand_lines::material_id, demand_lines::member_id))
        .load(conn)
        .await
}

/// `POST /rfqs/{id}/award`.
pub async fn award(
    ctx: &Ctx,
    who: &Principal,
    rfq_id: RfqId,
    input: AwardIn,
) -> Result<AwardOut, AppError> {
    let computed = comparison::compute(ctx, who, rfq_id).await?;
    who.in_cooperative(computed.rfq.cooperative_id, &[Role::CoopAdmin])?;
    let rationale = match input.rationale.as_deref() {
        Some(r) if !r.trim().is_empty() => Some(
            validation::text("rationale", r, 4000).map_err(|e| AppError::Validation(vec![e]))?,
        ),
        _ => None,
    };
    let (chosen, total, optimum) = validate(&computed, &input)?;
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = coop_repo::find_cooperative(&mut conn, computed.rfq.cooperative_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let public_url = ctx.settings.public_url.clone();
    let out = conn
        .transaction(async |conn| -> Result<AwardOut, AppError> {
            let rfq = rfq_repo::lock_rfq(conn, rfq_id).await?.ok_or(AppError::NotFound)?;
            let now = ctx.clock.now();
            match rfq.status_at(now) {
                RfqStatus::Closed => {}
                RfqStatus::Awarded => {
                    return Err(AppError::conflict(ErrorCode::AlreadyAwarded, "This RFQ has been awarded already."))
                }
                RfqStatus::Published | RfqStatus::Draft => {
                    return Err(AppError::conflict(ErrorCode::Sealed, "The deadline has not passed."))
                }
                RfqStatus::Cancelled => {
                    return Err(AppError::conflict(ErrorCode::InvalidTransition, "The RFQ was cancelled."))
                }
            }
            let award_id = AwardId::new();
            diesel::insert_into(awards::table)
                .values((
                    awards::id.eq(award_id),
                    awards::rfq_id.eq(rfq_id),
                    awards::cooperative_id.eq(rfq.cooperative_id),
                    awards::partial.eq(input.partial),
                    awards::rationale.eq(&rationale),
                    awards::total_base.eq(total),
                    awards::optimum_base.eq(optimum),
                    awards::fx_date.eq(computed.fx_date),
                    awards::decided_by.eq(who.user_id),
                    awards::decided_at.eq(now),
                ))
                .execute(conn)
                .await?;
            let rows: Vec<_> = chosen
                .iter()
                .map(|c| (
                    award_allocations::award_id.eq(award_id),
                    award_allocations::rfq_line_id.eq(c.line),
                    award_allocations::quote_id.eq(c.quote),
                    award_allocations::quantity.eq(c.quantity),
                    award_allocations::landed_total_base.eq(c.landed),
                ))
                .collect();
            diesel::insert_into(award_allocations::table).values(&rows).execute(conn).await?;

            // Member demand per material, for rule 9.
            let shares = demand_shares(conn, rfq.round_id).await?;
            let year = coop.local_date(now).year();
            let base_minor = computed.minor_unit;
            // One PO per winning quote (= supplier), in the order of first appearance.
            let mut by_quote: BTreeMap<(usize, QuoteId), Vec<&Chosen>> = BTreeMap::new();
            let mut order: Vec<QuoteId> = Vec::new();
            for c in &chosen {
                if !order.contains(&c.quote) {
                    order.push(c.quote);
                }
                let k = order.iter().position(|q| *q == c.quote).unwrap_or(0);
                by_quote.entry((k, c.quote)).or_default().push(c);
            }
            let quotes: HashMap<QuoteId, Quote> =
                quote_repo::list_for_rfq(conn, rfq_id, Reader::Buyer { cooperative: Some(rfq.cooperative_id), now })
                    .await?
                    .into_iter()
                    .map(|q| (q.id, q.into_inner()))
                    .collect();
            // The quotes must be exactly the revisions the comparison priced (a write that
            // straddled the deadline could otherwise slip in between).
            for cl in &computed.lines {
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
            let mut pos = Vec::new();
            let mut issued: Vec<notify::IssuedPo> = Vec::new();
            for ((_, quote_id), allocs) in &by_quote {
                let q = quotes.get(quote_id).ok_or(AppError::NotFound)?;
                let minor = reference::currency_minor_unit(&q.currency).unwrap_or(2);
                let seq = po_repo::next_number(conn, rfq.cooperative_id, year).await?;
                let po_id = PurchaseOrderId::new();
                let number = format!("PO-{year}-{seq:04}");
                let fx = <[&Chosen]>::first(allocs).map_or(Decimal::ONE, |c| c.terms.fx);
                let mut lines = Vec::new();
                let mut member_rows = Vec::new();
                for (pos_i, c) in allocs.iter().enumerate() {
                    let cl = computed.lines.iter().find(|l| l.line.id == c.line).ok_or(AppError::NotFound)?;
                    let price = landed::tier_price(c.terms.unit_price, &c.terms.breaks, c.quantity);
                    let po_figures = || bounds::overflow(format_args!("purchase order {number}"));
                    let per_unit = bounds::add(bounds::add(price, c.terms.freight_per_unit).map_err(|_| po_figures())?, c.terms.insurance_per_unit).map_err(|_| po_figures())?;
                    let amount = money(bounds::mul(per_unit, c.quantity).map_err(|_| po_figures())?, minor);
                    let amount_base = money(bounds::mul(amount, fx).map_err(|_| po_figures())?, base_minor);
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
                    let members: Vec<(MemberId, Decimal)> = shares
                        .iter()
                        .filter(|(m, _, _)| *m == cl.line.material_id)
                        .map(|(_, member, q)| (*member, q.unwrap_or_default()))
                        .filter(|(_, q)| *q > Decimal::ZERO)
                        .collect();
                    if !members.is_empty() {
                        let weights: Vec<Decimal> = members.iter().map(|(_, q)| *q).collect();
                        let precision = units::unit(&cl.line.unit).map_or(6, |u| u.precision);
                        let qty = largest_remainder(c.quantity, &weights, precision)
                            .map_err(|_| po_figures())?;
                        let cost = largest_remainder(amount_base, &weights, base_minor)
                            .map_err(|_| po_figures())?;
                        for (k, (member, _)) in members.iter().enumerate() {
                            member_rows.push(MemberAllocation {
                                po_line_id: line_id,
                                member_id: *member,
                                po_id,
                                cooperative_id: rfq.cooperative_id,
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
                    cooperative_id: rfq.cooperative_id,
                    supplier_id: q.supplier_id,
                    rfq_id,
                    quote_id: q.id,
                    number: number.clone(),
                    status: "issued".into(),
                    currency: q.currency.clone(),
                    incoterm: q.incoterm.clone(),
                    named_place: q.named_place.clone(),
                    fx_rate: fx,
                    fx_date: computed.fx_date,
                    total: total_amount,
                    total_base,
                    issued_at: now,
                    acknowledged_at: None,
                };
                po_repo::insert(conn, &po, &lines, &member_rows).await?;
                audit::record(
                    conn,
                    now,
                    Event::platform(who.actor(), "po.issued", "purchase_order", po_id, json!({
                        "number": number, "supplier_id": q.supplier_id, "currency": q.currency,
                        "total": total_amount, "total_base": total_base, "fx_rate": fx, "lines": lines.len(),
                    }))
                    .in_cooperative(Some(rfq.cooperative_id)),
                )
                .await?;
                pos.push(AwardedPo {
                    id: po_id,
                    number,
                    supplier_id: q.supplier_id,
                    currency: q.currency.clone(),
                    total: total_amount.normalize(),
                    total_base: total_base.normalize(),
                });
                issued.push(notify::IssuedPo { po, lines, allocations: member_rows });
            }
            rfq_repo::set_status(conn, rfq_id, "awarded", now, None).await?;
            let award = notify::Award {
                coop: &coop,
                rfq: &rfq,
                computed: &computed,
                issued: &issued,
                total_base: total,
                rationale: rationale.as_deref(),
                public_url: &public_url,
                now,
            };
            let emails = notify::announce(conn, &award).await?;
            audit::record(
                conn,
                now,
                Event::platform(who.actor(), "rfq.awarded", "rfq", rfq_id, json!({
                    "award_id": award_id, "partial": input.partial, "rationale": rationale,
                    "total_base": total, "optimum_base": optimum,
                    "allocations": chosen.iter().map(|c| json!({"rfq_line_id": c.line, "quote_id": c.quote, "quantity": c.quantity})).collect::<Vec<_>>(),
                    "purchase_orders": pos.iter().map(|p| &p.number).collect::<Vec<_>>(),
                    "emails": emails,
                }))
                .in_cooperative(Some(rfq.cooperative_id)),
            )
            .await?;
            Ok(AwardOut {
                rfq_id,
                award_id,
                status: RfqStatus::Awarded,
                total_base: money(total, base_minor),
                optimum_base: money(optimum, base_minor),
                purchase_orders: pos,
            })
        })
        .await?;
    Ok(out)
}

/// One line of a PO an award would issue.
#[derive(Debug, Clone)]
pub struct PreviewLine {
    pub material_code: String,
    pub material_name: String,
    pub quantity: Decimal,
    pub unit: String,
    /// Landed cost of the allocation in the base currency, rounded to its minor unit.
    pub landed_total_base: Decimal,
}

/// A PO an award would issue (one per winning quote).
#[derive(Debug, Clone)]
pub struct PreviewPo {
    pub supplier_name: String,
    pub currency: String,
    pub incoterm: String,
    pub lines: Vec<PreviewLine>,
    pub landed_total_base: Decimal,
    /// The supplier's users who get the PO by email.
    pub emails: Vec<String>,
}

/// What an award would do, checked as the award checks it but without writing anything.
#[derive(Debug, Clone)]
pub struct AwardPreview {
    pub base_currency: String,
    pub total_base: Decimal,
    pub optimum_base: Decimal,
    pub rationale_required: bool,
    pub purchase_orders: Vec<PreviewPo>,
    /// The other suppliers that quoted (each gets a regret with its own rank and cost):
    /// name and addresses.
    pub regrets: Vec<(String, Vec<String>)>,
}

/// The award `input` would make, validated by the rules of [`award`] (rule 8) — except
/// that a missing rationale is reported in `rationale_required` rather than refused — and
/// nothing written: the POs and the suppliers' emails it would send.
pub async fn preview(
    ctx: &Ctx,
    who: &Principal,
    rfq_id: RfqId,
    input: &AwardIn,
) -> Result<AwardPreview, AppError> {
    let computed = comparison::compute(ctx, who, rfq_id).await?;
    who.in_cooperative(computed.rfq.cooperative_id, &[Role::CoopAdmin])?;
    let lenient = AwardIn {
        lines: input.lines.clone(),
        rationale: Some("-".into()),
        partial: input.partial,
    };
    let (chosen, total, optimum) = validate(&computed, &lenient)?;
    let minor = computed.minor_unit;
    let out = &computed.out;
    let offer = |q: QuoteId| {
        out.lines
            .iter()
            .flat_map(|l| &l.offers)
            .find(|o| o.quote_id == q)
    };
    let mut pos: Vec<(QuoteId, PreviewPo)> = Vec::new();
    for c in &chosen {
        let Some(line) = out.lines.iter().find(|l| l.rfq_line_id == c.line) else {
            continue;
        };
        let Some(o) = offer(c.quote) else { continue };
        let k = match pos.iter().position(|(q, _)| *q == c.quote) {
            Some(k) => k,
            None => {
                pos.push((
                    c.quote,
                    PreviewPo {
                        supplier_name: o.supplier_name.clone(),
                        currency: o.currency.clone(),
                        incoterm: o.incoterm.clone(),
                        lines: vec![],
                        landed_total_base: Decimal::ZERO,
                        emails: vec![],
                    },
                ));
                pos.len() - 1
            }
        };
        let po = &mut pos[k].1;
        po.lines.push(PreviewLine {
            material_code: line.material_code.clone(),
            material_name: line.material_name.clone(),
            quantity: c.quantity,
            unit: line.unit.clone(),
            landed_total_base: money(c.landed, minor),
        });
        po.landed_total_base =
            bounds::add(po.landed_total_base, c.landed).map_err(|_| rfq_figures(&computed))?;
    }
    let winners: Vec<SupplierId> = chosen.iter().map(|c| c.supplier).collect();
    let mut conn = db::conn(&ctx.pool).await?;
    let addresses =
        async |conn: &mut AsyncPgConnection, s: SupplierId| -> Result<Vec<String>, AppError> {
            Ok(crate::suppliers::repo::recipients(conn, s)
                .await?
                .map(|(_, r)| r.into_iter().map(|r| r.email).collect())
                .unwrap_or_default())
        };
    for (q, po) in &mut pos {
        po.landed_total_base = money(po.landed_total_base, minor);
        if let Some(o) = offer(*q) {
            po.emails = addresses(&mut conn, o.supplier_id).await?;
        }
    }
    let mut regrets: Vec<(String, Vec<String>)> = Vec::new();
    let mut seen: Vec<SupplierId> = Vec::new();
    for o in out.lines.iter().flat_map(|l| &l.offers) {
        if winners.contains(&o.supplier_id) || seen.contains(&o.supplier_id) {
            continue;
        }
        seen.push(o.supplier_id);
        regrets.push((
            o.supplier_name.clone(),
            addresses(&mut conn, o.supplier_id).await?,
        ));
    }
    Ok(AwardPreview {
        base_currency: computed.base_currency.clone(),
        total_base: money(total, minor),
        optimum_base: money(optimum, minor),
        rationale_required: rationale_required(total, optimum),
        purchase_orders: pos.into_iter().map(|(_, p)| p).collect(),
        regrets,
    })
}
