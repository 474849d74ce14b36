//! `POST /rfqs/{id}/award`.

use std::collections::HashMap;

use chrono::Datelike;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::notify;
use super::plan::{
    awardable, by_quote, purchase_order, quotes_unchanged, rationale_required, PoContext, PoPlan,
};
pub use super::plan::{validate, AllocationIn, AwardIn, AwardLineIn, Chosen};
use crate::audit::{self, Event};
use crate::auth::{Principal, Role};
use crate::comparison::service::{self as comparison, money};
use crate::context::Ctx;
use crate::cooperatives::repo as coop_repo;
use crate::error::AppError;
use crate::ids::{
    AwardId, MaterialId, MemberId, PurchaseOrderId, QuoteId, RfqId, RoundId, SupplierId,
};
use crate::purchase_orders::repo as po_repo;
use crate::quotes::models::Quote;
use crate::quotes::repo::{self as quote_repo, Reader};
use crate::rfqs::models::RfqStatus;
use crate::rfqs::repo as rfq_repo;
use crate::schema::{award_allocations, awards, demand_lines};
use crate::suppliers::repo as supplier_repo;
use crate::{bounds, db, validation};

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
            awardable(rfq.status_at(now))?;
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
            let by_quote = by_quote(&chosen);
            let quotes: HashMap<QuoteId, Quote> =
                quote_repo::list_for_rfq(conn, rfq_id, Reader::Buyer { cooperative: Some(rfq.cooperative_id), now })
                    .await?
                    .into_iter()
                    .map(|q| (q.id, q.into_inner()))
                    .collect();
            // The quotes must be exactly the revisions the comparison priced (a write that
            // straddled the deadline could otherwise slip in between).
            quotes_unchanged(&computed.lines, &quotes)?;
            let po_context = PoContext {
                rfq_id,
                cooperative_id: rfq.cooperative_id,
                fx_date: computed.fx_date,
                base_minor,
                now,
                lines: &computed.lines,
                shares: &shares,
            };
            let mut pos = Vec::new();
            let mut issued: Vec<notify::IssuedPo> = Vec::new();
            for (quote_id, allocs) in &by_quote {
                let q = quotes.get(quote_id).ok_or(AppError::NotFound)?;
                let seq = po_repo::next_number(conn, rfq.cooperative_id, year).await?;
                let number = format!("PO-{year}-{seq:04}");
                let PoPlan { po, lines, members: member_rows } =
                    purchase_order(&po_context, number.clone(), q, allocs)?;
                let (po_id, fx, total_amount, total_base) = (po.id, po.fx_rate, po.total, po.total_base);
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
        po.landed_total_base = bounds::add(po.landed_total_base, c.landed)
            .map_err(|_| bounds::overflow(format_args!("the RFQ {}", computed.rfq.title)))?;
    }
    let winners: Vec<SupplierId> = chosen.iter().map(|c| c.supplier).collect();
    let mut conn = db::conn(&ctx.pool).await?;
    let addresses =
        async |conn: &mut AsyncPgConnection, s: SupplierId| -> Result<Vec<String>, AppError> {
            Ok(supplier_repo::recipients(conn, s)
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
