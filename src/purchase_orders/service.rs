//! Use cases of purchase orders: list and read per role, acknowledge, export.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde_json::json;

use super::models::{AllocationOut, PoLineOut, PurchaseOrder, PurchaseOrderOut};
use super::repo::{self, PoScope};
use crate::audit::{self, Event};
use crate::auth::{Principal, Role};
use crate::context::Ctx;
use crate::cooperatives::models::show_business_number;
use crate::cooperatives::repo as coop_repo;
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::ids::{MemberId, PurchaseOrderId};
use crate::materials::repo as material_repo;
use crate::quotes::repo as quote_repo;
use crate::rfqs::repo as rfq_repo;
use crate::suppliers::repo as supplier_repo;

/// Whose allocations a caller sees: the cooperative's side all, a member user only its own
/// member's, a supplier none (who buys what, and at which share, is the cooperative's).
#[derive(Debug, Clone, Copy)]
pub enum AllocationView {
    All,
    Member(MemberId),
    None,
}

fn allocation_view(who: &Principal) -> Result<AllocationView, AppError> {
    match who.role {
        Role::Member => Ok(AllocationView::Member(
            who.member_id.ok_or(AppError::Forbidden)?,
        )),
        Role::Supplier => Ok(AllocationView::None),
        _ => Ok(AllocationView::All),
    }
}

/// The PO if the caller may see it: the cooperative's admins (and platform admins), its
/// supplier, and members with an allocation on it. Everyone else: 404.
async fn po_in_scope(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: PurchaseOrderId,
) -> Result<PurchaseOrder, AppError> {
    let po = repo::find(conn, id).await?.ok_or(AppError::NotFound)?;
    let visible = match who.role {
        Role::PlatformAdmin => true,
        Role::CoopAdmin => who.cooperative_id == Some(po.cooperative_id),
        Role::Supplier => who.supplier_id == Some(po.supplier_id),
        Role::Member => match who.member_id {
            Some(m) => repo::member_has(conn, id, m).await?,
            None => false,
        },
    };
    if visible {
        Ok(po)
    } else {
        Err(AppError::NotFound)
    }
}

/// Renders POs with lines, materials and (visible) allocations.
pub async fn render(
    conn: &mut AsyncPgConnection,
    pos: Vec<PurchaseOrder>,
    view: AllocationView,
) -> Result<Vec<PurchaseOrderOut>, AppError> {
    let ids: Vec<PurchaseOrderId> = pos.iter().map(|p| p.id).collect();
    let lines = repo::lines_of(conn, &ids).await?;
    let allocations = match view {
        AllocationView::All => repo::allocations_of(conn, &ids, None).await?,
        AllocationView::Member(m) => repo::allocations_of(conn, &ids, Some(m)).await?,
        AllocationView::None => vec![],
    };
    let mut names: HashMap<uuid::Uuid, (String, String)> = HashMap::new();
    for l in &lines {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(l.material_id.0) {
            if let Some(m) = material_repo::find(conn, l.material_id).await? {
                e.insert((m.code, m.name));
            }
        }
    }
    let mut members: HashMap<MemberId, String> = HashMap::new();
    for a in &allocations {
        if let std::collections::hash_map::Entry::Vacant(e) = members.entry(a.member_id) {
            let m = coop_repo::find_member(conn, a.member_id).await?;
            e.insert(m.map(|m| m.name).unwrap_or_default());
        }
    }
    let mut out = Vec::with_capacity(pos.len());
    // One lookup per distinct supplier, cooperative and RFQ, however long the page.
    let supplier_ids: Vec<_> = pos.iter().map(|p| p.supplier_id).collect();
    let suppliers: HashMap<_, String> = supplier_repo::find_many(conn, &supplier_ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut base_currencies = HashMap::new();
    let mut places = HashMap::new();
    for po in &pos {
        if let std::collections::hash_map::Entry::Vacant(e) =
            base_currencies.entry(po.cooperative_id)
        {
            let coop = coop_repo::find_cooperative(conn, po.cooperative_id)
                .await?
                .ok_or(AppError::NotFound)?;
            e.insert(coop.base_currency);
        }
        if let std::collections::hash_map::Entry::Vacant(e) = places.entry(po.rfq_id) {
            let rfq = rfq_repo::find_rfq(conn, po.rfq_id)
                .await?
                .ok_or(AppError::NotFound)?;
            e.insert(rfq.delivery_place);
        }
    }
    for po in pos {
        let supplier = suppliers.get(&po.supplier_id).cloned().unwrap_or_default();
        let my_lines: Vec<PoLineOut> = lines
            .iter()
            .filter(|l| l.po_id == po.id)
            .map(|l| {
                let (code, name) = names.get(&l.material_id.0).cloned().unwrap_or_default();
                PoLineOut {
                    id: l.id,
                    rfq_line_id: l.rfq_line_id,
                    material_id: l.material_id,
                    material_code: code,
                    material_name: name,
                    quantity: l.quantity.normalize(),
                    unit: l.unit.clone(),
                    unit_price: l.unit_price.normalize(),
                    freight_per_unit: l.freight_per_unit.normalize(),
                    insurance_per_unit: l.insurance_per_unit.normalize(),
                    amount: l.amount.normalize(),
                    amount_base: l.amount_base.normalize(),
                    required_by: l.required_by,
                }
            })
            .collect();
        let my_allocations = allocations
            .iter()
            .filter(|a| a.po_id == po.id)
            .map(|a| AllocationOut {
                po_line_id: a.po_line_id,
                member_id: a.member_id,
                member_name: members.get(&a.member_id).cloned().unwrap_or_default(),
                quantity: a.quantity.normalize(),
                amount_base: a.amount_base.normalize(),
            })
            .collect();
        out.push(PurchaseOrderOut {
            id: po.id,
            number: po.number,
            cooperative_id: po.cooperative_id,
            supplier_id: po.supplier_id,
            supplier_name: supplier,
            rfq_id: po.rfq_id,
            quote_id: po.quote_id,
            status: po.status,
            currency: po.currency,
            base_currency: base_currencies
                .get(&po.cooperative_id)
                .cloned()
                .unwrap_or_default(),
            incoterm: po.incoterm,
            named_place: po.named_place,
            delivery_place: places.get(&po.rfq_id).cloned().unwrap_or_default(),
            fx_rate: po.fx_rate.normalize(),
            fx_date: po.fx_date,
            lines: my_lines,
            total: po.total.normalize(),
            total_base: po.total_base.normalize(),
            allocations: my_allocations,
            issued_at: po.issued_at,
            acknowledged_at: po.acknowledged_at,
        });
    }
    Ok(out)
}

/// `GET /purchase-orders`: a coop admin's cooperative's, a supplier's own, those allocating
/// to a member, or all (platform admins).
pub async fn list(
    ctx: &Ctx,
    who: &Principal,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<PurchaseOrderOut>, AppError> {
    let scope = match who.role {
        Role::PlatformAdmin => PoScope::All,
        Role::CoopAdmin => PoScope::Cooperative(who.cooperative_id.ok_or(AppError::Forbidden)?),
        Role::Supplier => PoScope::Supplier(who.supplier_id.ok_or(AppError::Forbidden)?),
        Role::Member => PoScope::Member(who.member_id.ok_or(AppError::Forbidden)?),
    };
    let mut conn = db::conn(&ctx.pool).await?;
    let pos = repo::list(&mut conn, scope, after, limit).await?;
    render(&mut conn, pos, allocation_view(who)?).await
}

/// `GET /purchase-orders/{id}`.
pub async fn get(
    ctx: &Ctx,
    who: &Principal,
    id: PurchaseOrderId,
) -> Result<PurchaseOrderOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let po = po_in_scope(&mut conn, who, id).await?;
    render(&mut conn, vec![po], allocation_view(who)?)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// A party named on a purchase order's document.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub name: String,
    /// Business registration number (or tax id abroad), if known.
    pub registration: Option<String>,
    /// ISO 3166 country code (suppliers).
    pub country: Option<String>,
}

/// A purchase order as its document (발주서) shows it: the PO as [`get`] returns it to the
/// caller, both parties, and the terms of the awarded quote.
#[derive(Debug, Clone, Serialize)]
pub struct PoDocument {
    pub po: PurchaseOrderOut,
    pub buyer: Party,
    pub supplier: Party,
    pub payment_terms: Option<String>,
    pub lead_time_days: Option<i32>,
    pub valid_until: Option<chrono::NaiveDate>,
}

/// The document of a PO, for whoever may see the PO ([`get`]'s rules and allocations).
pub async fn document(
    ctx: &Ctx,
    who: &Principal,
    id: PurchaseOrderId,
) -> Result<PoDocument, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let po = po_in_scope(&mut conn, who, id).await?;
    let coop = coop_repo::find_cooperative(&mut conn, po.cooperative_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let supplier = supplier_repo::find(&mut conn, po.supplier_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The awarded quote: its RFQ's deadline has passed, so the buyer's reading shows it.
    let quote = quote_repo::find(
        &mut conn,
        po.quote_id,
        quote_repo::Reader::Buyer {
            cooperative: Some(po.cooperative_id),
            now: ctx.clock.now(),
        },
    )
    .await?;
    let po = render(&mut conn, vec![po], allocation_view(who)?)
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok(PoDocument {
        po,
        buyer: Party {
            name: coop.name,
            registration: Some(show_business_number(&coop.country, &coop.business_number)),
            country: None,
        },
        supplier: Party {
            name: supplier.name,
            registration: supplier
                .business_number
                .map(|b| show_business_number(&supplier.country, &b))
                .or(supplier.tax_id),
            country: Some(supplier.country),
        },
        payment_terms: quote.as_ref().and_then(|q| q.payment_terms.clone()),
        lead_time_days: quote.as_ref().map(|q| q.lead_time_days),
        valid_until: quote.as_ref().map(|q| q.valid_until),
    })
}

/// `POST /purchase-orders/{id}/acknowledge` (its supplier): issued → acknowledged.
pub async fn acknowledge(
    ctx: &Ctx,
    who: &Principal,
    id: PurchaseOrderId,
) -> Result<PurchaseOrderOut, AppError> {
    who.require(&[Role::Supplier])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let po = po_in_scope(&mut conn, who, id).await?;
    let now = ctx.clock.now();
    let updated = conn
        .transaction(async |conn| -> Result<PurchaseOrder, AppError> {
            let Some(updated) = repo::acknowledge(conn, id, now).await? else {
                return Err(AppError::conflict(
                    ErrorCode::InvalidTransition,
                    format!(
                        "The purchase order is {}; only an issued one can be acknowledged.",
                        po.status
                    ),
                ));
            };
            audit::record(
                conn,
                now,
                Event::platform(
                    who.actor(),
                    "po.acknowledged",
                    "purchase_order",
                    id,
                    json!({"number": updated.number}),
                )
                .in_cooperative(Some(updated.cooperative_id)),
            )
            .await?;
            Ok(updated)
        })
        .await?;
    render(&mut conn, vec![updated], AllocationView::None)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Header of the PO CSV.
pub const CSV_HEADER: &str = "\u{feff}po_number,supplier,currency,incoterm,fx_rate,fx_date,line,material_code,material_name,quantity,unit,unit_price,freight_per_unit,insurance_per_unit,amount,amount_base,required_by,member,member_quantity,member_amount_base\r\n";

/// A PO as CSV for the cooperative's accounting: one row per line and member allocation
/// (a line without allocations has one row with empty member columns).
pub fn csv(po: &PurchaseOrderOut) -> String {
    csv_list(std::slice::from_ref(po))
}

/// Several POs (a page of `GET /purchase-orders?format=csv`) in one table.
pub fn csv_list(pos: &[PurchaseOrderOut]) -> String {
    let mut out = String::from(CSV_HEADER);
    for po in pos {
        csv_rows(po, &mut out);
    }
    out
}

fn csv_rows(po: &PurchaseOrderOut, out: &mut String) {
    use crate::csv::field as f;
    for (n, l) in po.lines.iter().enumerate() {
        let head = [
            f(&po.number),
            f(&po.supplier_name),
            f(&po.currency),
            f(&po.incoterm),
            po.fx_rate.to_string(),
            po.fx_date.to_string(),
            (n + 1).to_string(),
            f(&l.material_code),
            f(&l.material_name),
            l.quantity.to_string(),
            f(&l.unit),
            l.unit_price.to_string(),
            l.freight_per_unit.to_string(),
            l.insurance_per_unit.to_string(),
            l.amount.to_string(),
            l.amount_base.to_string(),
            l.required_by.to_string(),
        ]
        .join(",");
        let mine: Vec<&AllocationOut> = po
            .allocations
            .iter()
            .filter(|a| a.po_line_id == l.id)
            .collect();
        if mine.is_empty() {
            out.push_str(&format!("{head},,,\r\n"));
        }
        for a in mine {
            out.push_str(&format!(
                "{head},{},{},{}\r\n",
                f(&a.member_name),
                a.quantity,
                a.amount_base
            ));
        }
    }
}
