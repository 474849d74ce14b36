//! `GET /rfqs/{id}/award-report`: how an award was decided, for the cooperative's members
//! and admins once the RFQ is awarded (never before, never to suppliers).
//!
//! The figures are the comparison's ([`comparison::compute_at`] at the award's time, so
//! expiry flags are those the buyer saw) and the award's as stored; the member allocations
//! are the viewing member's only (every other member's as totals), all for admins; the audit
//! events of the RFQ, its quotes and its POs come with their chain positions, and
//! [`verify`] recomputes the cooperative's chain.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::{self, repo::list_events, Verification};
use crate::auth::{Principal, Role};
use crate::comparison::service::{
    self as comparison, money, Comparison, OfferOut, RateUsed, SuggestionOut,
};
use crate::context::Ctx;
use crate::cooperatives::repo as coop_repo;
use crate::csv::field as f;
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::ids::{
    AwardId, CooperativeId, MaterialId, MemberId, PoLineId, PurchaseOrderId, QuoteId, RfqId,
    RfqLineId, SupplierId, UserId,
};
use crate::purchase_orders::models::{MemberAllocation, PoLine, PurchaseOrder, PurchaseOrderOut};
use crate::purchase_orders::repo as po_repo;
use crate::purchase_orders::service::{render as render_pos, AllocationView};
use crate::quotes::repo::{self as quote_repo, Reader};
use crate::rfqs::models::{Rfq, RfqStatus, Weights};
use crate::rfqs::repo as rfq_repo;
use crate::schema::{award_allocations, awards, purchase_orders, users};

/// A logistics adder of the published rules.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AdderOut {
    pub incoterm: String,
    /// Base-currency cost per base unit the buyer bears.
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// An import duty rate of the published rules.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DutyOut {
    pub rfq_line_id: RfqLineId,
    pub material_code: String,
    /// Percent.
    #[schema(value_type = String)]
    pub duty_rate: Decimal,
}

/// The rules published with the RFQ and the FX basis of the comparison.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RulesOut {
    pub weights: Weights,
    pub logistics_adders: Vec<AdderOut>,
    pub duty_rates: Vec<DutyOut>,
    pub base_currency: String,
    /// The deadline's date in the cooperative's zone: rates in force on it were used.
    pub fx_date: NaiveDate,
    pub rates: Vec<RateUsed>,
}

/// What the award gave one offer on a line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AwardedShare {
    pub quote_id: QuoteId,
    pub supplier_id: SupplierId,
    pub supplier_name: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub landed_total_base: Decimal,
}

/// A line: every offer ranked with its landed figures, the optimal suggestion, the award.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportLine {
    pub rfq_line_id: RfqLineId,
    pub material_id: MaterialId,
    pub material_code: String,
    pub material_name: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub unit: String,
    pub required_by: NaiveDate,
    /// Usable offers by rank, then the others (as in the comparison).
    pub offers: Vec<OfferOut>,
    pub suggestion: SuggestionOut,
    pub awarded: Vec<AwardedShare>,
}

/// The award as made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AwardMade {
    pub award_id: AwardId,
    pub decided_at: DateTime<Utc>,
    pub decided_by: String,
    pub partial: bool,
    /// Landed cost of the award, base currency.
    #[schema(value_type = String)]
    pub total_base: Decimal,
    /// The optimum for the same quantities.
    #[schema(value_type = String)]
    pub optimum_base: Decimal,
    /// `total_base - optimum_base` (0 when the award is the optimum).
    #[schema(value_type = String)]
    pub difference_base: Decimal,
    /// Why, when the award is not the optimum.
    pub rationale: Option<String>,
}

/// A member's share of a PO line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberShareOut {
    pub po_id: PurchaseOrderId,
    pub po_number: String,
    pub po_line_id: PoLineId,
    pub rfq_line_id: RfqLineId,
    pub material_code: String,
    pub member_id: MemberId,
    pub member_name: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub unit: String,
    #[schema(value_type = String)]
    pub amount_base: Decimal,
}

/// A PO line's allocations in total, and the part of it the viewer does not see in detail.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationTotal {
    pub po_number: String,
    pub po_line_id: PoLineId,
    pub rfq_line_id: RfqLineId,
    pub material_code: String,
    pub unit: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub amount_base: Decimal,
    /// Other members' shares together (0 for admins, who see every member).
    #[schema(value_type = String)]
    pub others_quantity: Decimal,
    #[schema(value_type = String)]
    pub others_amount_base: Decimal,
}

/// An audit event of the RFQ, its quotes or its POs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditLink {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// Position in the cooperative's chain (`null` until sealed, within a second).
    pub position: Option<i64>,
    /// Hex SHA-256 of the link.
    pub hash: Option<String>,
    /// The event in the audit API (admins only; `null` for members).
    pub href: Option<String>,
}

/// The report's audit section.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditOut {
    /// The chain (the cooperative's id).
    pub chain: String,
    /// Oldest first.
    pub events: Vec<AuditLink>,
    /// `GET` it to recompute the chain and check these events are in it.
    pub verify: String,
}

/// `GET /rfqs/{id}/award-report`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AwardReport {
    pub rfq_id: RfqId,
    pub title: String,
    pub cooperative_id: CooperativeId,
    pub cooperative_name: String,
    pub published_at: Option<DateTime<Utc>>,
    pub deadline: DateTime<Utc>,
    pub delivery_place: String,
    pub rules: RulesOut,
    pub lines: Vec<ReportLine>,
    /// Σ of the lines' suggested totals.
    #[schema(value_type = String)]
    pub suggested_total_base: Decimal,
    /// True when every line's suggestion was proved optimal.
    pub suggestion_proved_optimal: bool,
    pub award: AwardMade,
    pub purchase_orders: Vec<PurchaseOrderOut>,
    /// The viewing member's own shares (every member's for admins).
    pub member_allocations: Vec<MemberShareOut>,
    pub allocation_totals: Vec<AllocationTotal>,
    pub audit: AuditOut,
}

/// `GET /rfqs/{id}/award-report/verify`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportVerification {
    pub verification: Verification,
    /// The report's events found in the verified part of the chain, at their positions.
    pub events_verified: usize,
    /// Events of the report not (yet) in the verified part.
    pub events_unverified: Vec<uuid::Uuid>,
    /// True when the chain verifies and holds every event of the report.
    pub ok: bool,
}

/// What a viewer is.
#[derive(Debug, Clone, Copy)]
enum Viewer {
    Admin,
    Member(MemberId),
}

/// The RFQ if the caller may read its report: the cooperative's members and admins and
/// platform admins; suppliers and other cooperatives 404.
async fn report_scope(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: RfqId,
) -> Result<(Rfq, Viewer), AppError> {
    if who.role == Role::Supplier {
        return Err(AppError::NotFound);
    }
    let rfq = rfq_repo::find_rfq(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = match who.role {
        Role::PlatformAdmin => Viewer::Admin,
        Role::CoopAdmin if who.cooperative_id == Some(rfq.cooperative_id) => Viewer::Admin,
        Role::Member if who.cooperative_id == Some(rfq.cooperative_id) => {
            Viewer::Member(who.member_id.ok_or(AppError::NotFound)?)
        }
        _ => return Err(AppError::NotFound),
    };
    Ok((rfq, viewer))
}

fn not_awarded() -> AppError {
    AppError::conflict(
        ErrorCode::NotAwarded,
        "The award report is available once the RFQ has been awarded.",
    )
}

/// The award row of an RFQ.
#[derive(Debug, Clone, Queryable)]
pub struct AwardRow {
    pub id: AwardId,
    pub partial: bool,
    pub rationale: Option<String>,
    pub total_base: Decimal,
    pub optimum_base: Decimal,
    pub decided_by: UserId,
    pub decided_at: DateTime<Utc>,
}

/// The award of an RFQ, if any.
pub async fn award_of(conn: &mut AsyncPgConnection, rfq: RfqId) -> QueryResult<Option<AwardRow>> {
    awards::table
        .filter(awards::rfq_id.eq(rfq))
        .select((
            awards::id,
            awards::partial,
            awards::rationale,
            awards::total_base,
            awards::optimum_base,
            awards::decided_by,
            awards::decided_at,
        ))
        .first(conn)
        .await
        .optional()
}

/// The allocations of an award: (line, quote, quantity, landed total).
pub async fn award_allocations_of(
    conn: &mut AsyncPgConnection,
    award: AwardId,
) -> QueryResult<Vec<(RfqLineId, QuoteId, Decimal, Decimal)>> {
    award_allocations::table
        .filter(award_allocations::award_id.eq(award))
        .order((award_allocations::rfq_line_id, award_allocations::quote_id))
        .select((
            award_allocations::rfq_line_id,
            award_allocations::quote_id,
            award_allocations::quantity,
            award_allocations::landed_total_base,
        ))
        .load(conn)
        .await
}

/// The POs of an RFQ, by number.
pub async fn pos_of_rfq(
    conn: &mut AsyncPgConnection,
    rfq: RfqId,
) -> QueryResult<Vec<PurchaseOrder>> {
    purchase_orders::table
        .filter(purchase_orders::rfq_id.eq(rfq))
        .order(purchase_orders::number.asc())
        .select(PurchaseOrder::as_select())
        .load(conn)
        .await
}

/// The audit events of an RFQ, its quotes and its POs, oldest first.
async fn events_of(
    conn: &mut AsyncPgConnection,
    rfq: &Rfq,
    pos: &[PurchaseOrderId],
    now: DateTime<Utc>,
    admin: bool,
) -> Result<Vec<AuditLink>, AppError> {
    let chain = audit::chain_of(Some(rfq.cooperative_id));
    let reader = Reader::Buyer {
        cooperative: Some(rfq.cooperative_id),
        now,
    };
    let quotes = quote_repo::list_for_rfq(conn, rfq.id, reader).await?;
    let mut entities: Vec<(&str, String)> = vec![("rfq", rfq.id.to_string())];
    entities.extend(quotes.iter().map(|q| ("quote", q.id.to_string())));
    entities.extend(pos.iter().map(|p| ("purchase_order", p.to_string())));
    let mut out = Vec::new();
    for (entity, id) in entities {
        let events =
            list_events(conn, &chain, Some(entity), Some(&id), None, None, 500, now).await?;
        out.extend(events.into_iter().map(|e| AuditLink {
            href: admin.then(|| {
                format!(
                    "/api/v1/cooperatives/{}/audit?entity={}&entity_id={}",
                    rfq.cooperative_id, e.entity, id
                )
            }),
            id: e.id,
            at: e.at,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            position: e.position,
            hash: e.hash,
        }));
    }
    out.sort_by(|a, b| {
        (a.position.is_none(), a.position, a.at).cmp(&(b.position.is_none(), b.position, b.at))
    });
    Ok(out)
}

/// What the report reads from the database besides the comparison.
struct Loaded {
    award: AwardRow,
    cooperative_name: String,
    decided_by: String,
    /// (line, quote, quantity, landed total) of the award.
    allocations: Vec<(RfqLineId, QuoteId, Decimal, Decimal)>,
    adders: Vec<(RfqId, String, Decimal)>,
    po_numbers: BTreeMap<PurchaseOrderId, String>,
    po_lines: Vec<PoLine>,
    /// Every member's shares; only those of `member_names` are shown in detail.
    shares: Vec<MemberAllocation>,
    pos_out: Vec<PurchaseOrderOut>,
    events: Vec<AuditLink>,
    /// The members the viewer sees in detail, with their names.
    member_names: BTreeMap<MemberId, String>,
}

/// Reads the award (409 `not_awarded` before it) and everything around it.
async fn load(
    conn: &mut AsyncPgConnection,
    rfq: &Rfq,
    viewer: Viewer,
    now: DateTime<Utc>,
) -> Result<Loaded, AppError> {
    if rfq.status_at(now) != RfqStatus::Awarded {
        return Err(not_awarded());
    }
    let award = award_of(conn, rfq.id).await?.ok_or_else(not_awarded)?;
    let coop = coop_repo::find_cooperative(conn, rfq.cooperative_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let decided_by: String = users::table
        .find(award.decided_by)
        .select(users::name)
        .first(conn)
        .await
        .optional()?
        .unwrap_or_default();
    let allocations = award_allocations_of(conn, award.id).await?;
    let adders = rfq_repo::adders_of(conn, &[rfq.id]).await?;
    let pos = pos_of_rfq(conn, rfq.id).await?;
    let po_ids: Vec<PurchaseOrderId> = pos.iter().map(|p| p.id).collect();
    let po_numbers = pos.iter().map(|p| (p.id, p.number.clone())).collect();
    let po_lines = po_repo::lines_of(conn, &po_ids).await?;
    let shares = po_repo::allocations_of(conn, &po_ids, None).await?;
    let pos_out = render_pos(conn, pos, AllocationView::None).await?;
    let admin = matches!(viewer, Viewer::Admin);
    let events = events_of(conn, rfq, &po_ids, now, admin).await?;
    let member_names = visible_member_names(conn, &shares, viewer).await?;
    Ok(Loaded {
        award,
        cooperative_name: coop.name,
        decided_by,
        allocations,
        adders,
        po_numbers,
        po_lines,
        shares,
        pos_out,
        events,
        member_names,
    })
}

/// The names of the members whose shares the viewer sees: every one for admins, a member
/// only itself.
async fn visible_member_names(
    conn: &mut AsyncPgConnection,
    shares: &[MemberAllocation],
    viewer: Viewer,
) -> Result<BTreeMap<MemberId, String>, AppError> {
    let mut names: BTreeMap<MemberId, String> = BTreeMap::new();
    for a in shares {
        let visible = match viewer {
            Viewer::Admin => true,
            Viewer::Member(m) => a.member_id == m,
        };
        if visible && !names.contains_key(&a.member_id) {
            let name = coop_repo::find_member(conn, a.member_id)
                .await?
                .map(|m| m.name)
                .unwrap_or_default();
            names.insert(a.member_id, name);
        }
    }
    Ok(names)
}

/// `GET /rfqs/{id}/award-report`.
pub async fn report(ctx: &Ctx, who: &Principal, id: RfqId) -> Result<AwardReport, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let (rfq, viewer) = report_scope(&mut conn, who, id).await?;
    let loaded = load(&mut conn, &rfq, viewer, ctx.clock.now()).await?;
    drop(conn);
    let computed = comparison::compute_at(ctx, rfq.clone(), loaded.award.decided_at).await?;
    Ok(assemble(rfq, &computed.out, computed.minor_unit, loaded))
}

/// The report from what was read and the comparison as at the award (`minor`: the base
/// currency's decimal places).
fn assemble(rfq: Rfq, c: &Comparison, minor: u32, l: Loaded) -> AwardReport {
    let member_allocations = member_allocations(c, &l);
    let allocation_totals = allocation_totals(c, &l);
    AwardReport {
        rfq_id: rfq.id,
        title: rfq.title,
        cooperative_id: rfq.cooperative_id,
        cooperative_name: l.cooperative_name,
        published_at: rfq.published_at,
        deadline: rfq.deadline,
        delivery_place: rfq.delivery_place,
        rules: rules(c, l.adders),
        suggested_total_base: c.suggested_total_base,
        suggestion_proved_optimal: c.lines.iter().all(|line| line.suggestion.optimal),
        lines: report_lines(c, &l.allocations, minor),
        award: AwardMade {
            award_id: l.award.id,
            decided_at: l.award.decided_at,
            decided_by: l.decided_by,
            partial: l.award.partial,
            total_base: money(l.award.total_base, minor),
            optimum_base: money(l.award.optimum_base, minor),
            difference_base: money(l.award.total_base - l.award.optimum_base, minor),
            rationale: l.award.rationale,
        },
        purchase_orders: l.pos_out,
        member_allocations,
        allocation_totals,
        audit: AuditOut {
            chain: audit::chain_of(Some(rfq.cooperative_id)),
            events: l.events,
            verify: format!("/api/v1/rfqs/{}/award-report/verify", rfq.id),
        },
    }
}

/// The rules the comparison applied: weights, adders, duty rates and the FX basis.
fn rules(c: &Comparison, adders: Vec<(RfqId, String, Decimal)>) -> RulesOut {
    RulesOut {
        weights: c.weights.clone(),
        logistics_adders: adders
            .into_iter()
            .map(|(_, incoterm, amount)| AdderOut {
                incoterm,
                amount: amount.normalize(),
            })
            .collect(),
        duty_rates: c
            .lines
            .iter()
            .map(|l| DutyOut {
                rfq_line_id: l.rfq_line_id,
                material_code: l.material_code.clone(),
                duty_rate: l.duty_rate,
            })
            .collect(),
        base_currency: c.base_currency.clone(),
        fx_date: c.fx_date,
        rates: c.rates.clone(),
    }
}

/// The comparison's lines, each with what the award gave its offers.
fn report_lines(
    c: &Comparison,
    allocations: &[(RfqLineId, QuoteId, Decimal, Decimal)],
    minor: u32,
) -> Vec<ReportLine> {
    c.lines
        .iter()
        .map(|l| ReportLine {
            rfq_line_id: l.rfq_line_id,
            material_id: l.material_id,
            material_code: l.material_code.clone(),
            material_name: l.material_name.clone(),
            quantity: l.quantity,
            unit: l.unit.clone(),
            required_by: l.required_by,
            offers: l.offers.clone(),
            suggestion: l.suggestion.clone(),
            awarded: allocations
                .iter()
                .filter(|(line, ..)| *line == l.rfq_line_id)
                .filter_map(|(_, quote, qty, landed)| {
                    // The award was checked against this very comparison (same quotes,
                    // same day), so every awarded quote is among the offers.
                    let offer = l.offers.iter().find(|o| o.quote_id == *quote)?;
                    Some(AwardedShare {
                        quote_id: *quote,
                        supplier_id: offer.supplier_id,
                        supplier_name: offer.supplier_name.clone(),
                        quantity: qty.normalize(),
                        landed_total_base: money(*landed, minor),
                    })
                })
                .collect(),
        })
        .collect()
}

/// The material code of a line of the comparison ("" if it has none).
fn code_of(c: &Comparison, line: RfqLineId) -> String {
    c.lines
        .iter()
        .find(|l| l.rfq_line_id == line)
        .map(|l| l.material_code.clone())
        .unwrap_or_default()
}

/// The shares of the members the viewer sees in detail.
fn member_allocations(c: &Comparison, l: &Loaded) -> Vec<MemberShareOut> {
    l.shares
        .iter()
        .filter(|a| l.member_names.contains_key(&a.member_id))
        .filter_map(|a| {
            let line = l.po_lines.iter().find(|pl| pl.id == a.po_line_id)?;
            Some(MemberShareOut {
                po_id: a.po_id,
                po_number: l.po_numbers.get(&a.po_id).cloned().unwrap_or_default(),
                po_line_id: a.po_line_id,
                rfq_line_id: line.rfq_line_id,
                material_code: code_of(c, line.rfq_line_id),
                member_id: a.member_id,
                member_name: l
                    .member_names
                    .get(&a.member_id)
                    .cloned()
                    .unwrap_or_default(),
                quantity: a.quantity.normalize(),
                unit: line.unit.clone(),
                amount_base: a.amount_base.normalize(),
            })
        })
        .collect()
}

/// Per PO line, every member's shares together and the part the viewer does not see.
fn allocation_totals(c: &Comparison, l: &Loaded) -> Vec<AllocationTotal> {
    l.po_lines
        .iter()
        .map(|line| {
            let (mut q, mut a, mut oq, mut oa) =
                (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
            for share in l.shares.iter().filter(|s| s.po_line_id == line.id) {
                q += share.quantity;
                a += share.amount_base;
                if !l.member_names.contains_key(&share.member_id) {
                    oq += share.quantity;
                    oa += share.amount_base;
                }
            }
            AllocationTotal {
                po_number: l.po_numbers.get(&line.po_id).cloned().unwrap_or_default(),
                po_line_id: line.id,
                rfq_line_id: line.rfq_line_id,
                material_code: code_of(c, line.rfq_line_id),
                unit: line.unit.clone(),
                quantity: q.normalize(),
                amount_base: a.normalize(),
                others_quantity: oq.normalize(),
                others_amount_base: oa.normalize(),
            }
        })
        .collect()
}

/// `GET /rfqs/{id}/award-report/verify`: recomputes the cooperative's chain from its first
/// link and checks that every event of the report is in its verified part.
pub async fn verify(ctx: &Ctx, who: &Principal, id: RfqId) -> Result<ReportVerification, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let (rfq, viewer) = report_scope(&mut conn, who, id).await?;
    let now = ctx.clock.now();
    if rfq.status_at(now) != RfqStatus::Awarded {
        return Err(not_awarded());
    }
    let po_ids: Vec<PurchaseOrderId> = pos_of_rfq(&mut conn, rfq.id)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    let events = events_of(
        &mut conn,
        &rfq,
        &po_ids,
        now,
        matches!(viewer, Viewer::Admin),
    )
    .await?;
    let verification = audit::verify(&mut conn, &audit::chain_of(Some(rfq.cooperative_id))).await?;
    let verified_up_to = match &verification.first_broken {
        Some(b) => b.position - 1,
        None => verification.events,
    };
    let (inside, outside): (Vec<_>, Vec<_>) = events
        .iter()
        .partition(|e| e.position.is_some_and(|p| p >= 1 && p <= verified_up_to));
    Ok(ReportVerification {
        ok: verification.ok && outside.is_empty(),
        events_verified: inside.len(),
        events_unverified: outside.iter().map(|e| e.id).collect(),
        verification,
    })
}

/// Header of the report CSV.
pub const CSV_HEADER: &str = "\u{feff}section,line,material_code,material_name,rank,supplier,currency,incoterm,quantity,unit,unit_price,fx_rate,landed_total_base,landed_unit_base,score,suggested_quantity,awarded_quantity,awarded_landed_total_base,reference,value,note\r\n";

/// One CSV row: the columns of [`CSV_HEADER`].
type Row = [String; 21];

/// The report as CSV (UTF-8 with BOM, CRLF): one row per rule, offer, award figure, PO,
/// visible member share, allocation total and audit event; `section` says which.
pub fn csv(r: &AwardReport) -> String {
    let mut out = String::from(CSV_HEADER);
    let sections = [
        rule_rows(r),
        line_rows(r),
        award_rows(r),
        purchase_order_rows(r),
        member_allocation_rows(r),
        allocation_total_rows(r),
        audit_rows(r),
    ];
    for row in sections.iter().flatten() {
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A row with only its section, a reference, a value and a note (the other cells empty).
fn kv(section: &str, reference: &str, value: String, note: &str) -> Row {
    let mut row = Row::default();
    row[0] = section.to_owned();
    row[18] = f(reference);
    row[19] = value;
    row[20] = f(note);
    row
}

/// The published rules and the FX basis.
fn rule_rows(r: &AwardReport) -> Vec<Row> {
    let mut rows = vec![
        kv(
            "rule",
            "weight_price",
            r.rules.weights.price.to_string(),
            "",
        ),
        kv(
            "rule",
            "weight_lead_time",
            r.rules.weights.lead_time.to_string(),
            "",
        ),
        kv(
            "rule",
            "fx_date",
            r.rules.fx_date.to_string(),
            &r.rules.base_currency,
        ),
    ];
    rows.extend(r.rules.rates.iter().map(|rate| {
        kv(
            "rule",
            &format!("fx_rate_{}", rate.currency),
            rate.rate.to_string(),
            &rate.date.to_string(),
        )
    }));
    rows.extend(r.rules.logistics_adders.iter().map(|a| {
        kv(
            "rule",
            &format!("logistics_adder_{}", a.incoterm),
            a.amount.to_string(),
            "",
        )
    }));
    rows.extend(r.rules.duty_rates.iter().map(|d| {
        kv(
            "rule",
            &format!("duty_rate_{}", d.material_code),
            d.duty_rate.to_string(),
            "",
        )
    }));
    rows
}

/// Per line, every offer, then the line's suggestion.
fn line_rows(r: &AwardReport) -> Vec<Row> {
    let mut rows = Vec::new();
    for (n, l) in r.lines.iter().enumerate() {
        rows.extend(l.offers.iter().map(|o| offer_row(n + 1, l, o)));
        let mut s = kv(
            "suggestion",
            &l.material_code,
            l.suggestion.total_base.to_string(),
            if l.suggestion.optimal {
                "optimal"
            } else {
                "not_proved_optimal"
            },
        );
        s[1] = (n + 1).to_string();
        rows.push(s);
    }
    rows
}

/// An offer of line number `n`, with what the suggestion and the award gave it.
fn offer_row(n: usize, l: &ReportLine, o: &OfferOut) -> Row {
    let suggested = l.suggestion.quantity_text(o.quote_id);
    let awarded = l.awarded.iter().find(|a| a.quote_id == o.quote_id);
    [
        "offer".into(),
        n.to_string(),
        f(&l.material_code),
        f(&l.material_name),
        o.rank.map(|r| r.to_string()).unwrap_or_default(),
        f(&o.supplier_name),
        f(&o.currency),
        f(&o.incoterm),
        o.quantity.to_string(),
        f(&l.unit),
        o.unit_price.to_string(),
        o.fx_rate.to_string(),
        o.landed_total_base.to_string(),
        o.landed_unit_base.to_string(),
        o.score.map(|s| s.to_string()).unwrap_or_default(),
        suggested,
        awarded.map(|a| a.quantity.to_string()).unwrap_or_default(),
        awarded
            .map(|a| a.landed_total_base.to_string())
            .unwrap_or_default(),
        o.quote_id.to_string(),
        String::new(),
        f(&o.flags.join(" ")),
    ]
}

/// The award's totals against the suggestion and the optimum.
fn award_rows(r: &AwardReport) -> Vec<Row> {
    vec![
        kv(
            "award",
            "suggested_total_base",
            r.suggested_total_base.to_string(),
            "",
        ),
        kv(
            "award",
            "total_base",
            r.award.total_base.to_string(),
            &r.award.decided_at.to_rfc3339(),
        ),
        kv(
            "award",
            "optimum_base",
            r.award.optimum_base.to_string(),
            "",
        ),
        kv(
            "award",
            "difference_base",
            r.award.difference_base.to_string(),
            r.award.rationale.as_deref().unwrap_or(""),
        ),
    ]
}

fn purchase_order_rows(r: &AwardReport) -> Vec<Row> {
    r.purchase_orders
        .iter()
        .map(|p| {
            let mut cells = kv("purchase_order", &p.number, p.total.to_string(), &p.status);
            cells[5] = f(&p.supplier_name);
            cells[6] = f(&p.currency);
            cells[7] = f(&p.incoterm);
            cells[11] = p.fx_rate.to_string();
            cells[12] = p.total_base.to_string();
            cells
        })
        .collect()
}

fn member_allocation_rows(r: &AwardReport) -> Vec<Row> {
    r.member_allocations
        .iter()
        .map(|a| {
            let mut cells = kv(
                "member_allocation",
                &a.po_number,
                a.amount_base.to_string(),
                &a.member_name,
            );
            cells[2] = f(&a.material_code);
            cells[8] = a.quantity.to_string();
            cells[9] = f(&a.unit);
            cells
        })
        .collect()
}

fn allocation_total_rows(r: &AwardReport) -> Vec<Row> {
    r.allocation_totals
        .iter()
        .map(|t| {
            let mut cells = kv(
                "allocation_total",
                &t.po_number,
                t.amount_base.to_string(),
                &format!(
                    "others {} {} / {}",
                    t.others_quantity, t.unit, t.others_amount_base
                ),
            );
            cells[2] = f(&t.material_code);
            cells[8] = t.quantity.to_string();
            cells[9] = f(&t.unit);
            cells
        })
        .collect()
}

fn audit_rows(r: &AwardReport) -> Vec<Row> {
    r.audit
        .events
        .iter()
        .map(|ev| {
            kv(
                "audit",
                &ev.action,
                ev.position.map(|p| p.to_string()).unwrap_or_default(),
                ev.hash.as_deref().unwrap_or(""),
            )
        })
        .collect()
}
