//! Queries on purchase orders.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{MemberAllocation, PoLine, PurchaseOrder};
use crate::ids::{CooperativeId, MemberId, PurchaseOrderId, SupplierId};
use crate::schema::{po_counters, po_lines, po_member_allocations, purchase_orders};

/// The next sequence number of a cooperative's year (rule 10). Takes the counter row's
/// lock until the transaction ends: concurrent awards of one cooperative queue here, and a
/// rolled-back award gives its numbers back — unique and gap-free.
pub async fn next_number(
    conn: &mut AsyncPgConnection,
    coop: CooperativeId,
    year: i32,
) -> QueryResult<i32> {
    diesel::insert_into(po_counters::table)
        .values((
            po_counters::cooperative_id.eq(coop),
            po_counters::year.eq(year),
            po_counters::last.eq(1),
        ))
        .on_conflict((po_counters::cooperative_id, po_counters::year))
        .do_update()
        .set(po_counters::last.eq(po_counters::last + 1))
        .returning(po_counters::last)
        .get_result(conn)
        .await
}

/// Inserts a PO with its lines and allocations.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    po: &PurchaseOrder,
    lines: &[PoLine],
    allocations: &[MemberAllocation],
) -> QueryResult<()> {
    diesel::insert_into(purchase_orders::table)
        .values(po)
        .execute(conn)
        .await?;
    diesel::insert_into(po_lines::table)
        .values(lines)
        .execute(conn)
        .await?;
    if !allocations.is_empty() {
        diesel::insert_into(po_member_allocations::table)
            .values(allocations)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    id: PurchaseOrderId,
) -> QueryResult<Option<PurchaseOrder>> {
    purchase_orders::table
        .find(id)
        .select(PurchaseOrder::as_select())
        .first(conn)
        .await
        .optional()
}

/// Lines of POs, in order.
pub async fn lines_of(
    conn: &mut AsyncPgConnection,
    ids: &[PurchaseOrderId],
) -> QueryResult<Vec<PoLine>> {
    po_lines::table
        .filter(po_lines::po_id.eq_any(ids))
        .order((po_lines::po_id, po_lines::position))
        .select(PoLine::as_select())
        .load(conn)
        .await
}

/// Member allocations of POs (`only`: one member's).
pub async fn allocations_of(
    conn: &mut AsyncPgConnection,
    ids: &[PurchaseOrderId],
    only: Option<MemberId>,
) -> QueryResult<Vec<MemberAllocation>> {
    let mut q = po_member_allocations::table
        .filter(po_member_allocations::po_id.eq_any(ids))
        .select(MemberAllocation::as_select())
        .into_boxed();
    if let Some(m) = only {
        q = q.filter(po_member_allocations::member_id.eq(m));
    }
    q.order((
        po_member_allocations::po_line_id,
        po_member_allocations::member_id,
    ))
    .load(conn)
    .await
}

/// Whose POs a list shows.
#[derive(Debug, Clone, Copy)]
pub enum PoScope {
    All,
    Cooperative(CooperativeId),
    Supplier(SupplierId),
    Member(MemberId),
}

/// A page of POs, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: PoScope,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<PurchaseOrder>> {
    let mut q = purchase_orders::table
        .select(PurchaseOrder::as_select())
        .into_boxed();
    match scope {
        PoScope::All => {}
        PoScope::Cooperative(c) => q = q.filter(purchase_orders::cooperative_id.eq(c)),
        PoScope::Supplier(s) => q = q.filter(purchase_orders::supplier_id.eq(s)),
        PoScope::Member(m) => {
            q = q.filter(
                purchase_orders::id.eq_any(
                    po_member_allocations::table
                        .filter(po_member_allocations::member_id.eq(m))
                        .select(po_member_allocations::po_id),
                ),
            )
        }
    }
    if let Some((at, id)) = after {
        q = q.filter(
            purchase_orders::issued_at
                .lt(at)
                .or(purchase_orders::issued_at
                    .eq(at)
                    .and(purchase_orders::id.lt(id))),
        );
    }
    q.order((
        purchase_orders::issued_at.desc(),
        purchase_orders::id.desc(),
    ))
    .limit(limit)
    .load(conn)
    .await
}

/// Whether a member has an allocation on a PO.
pub async fn member_has(
    conn: &mut AsyncPgConnection,
    po: PurchaseOrderId,
    member: MemberId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        po_member_allocations::table
            .filter(po_member_allocations::po_id.eq(po))
            .filter(po_member_allocations::member_id.eq(member)),
    ))
    .get_result(conn)
    .await
}

/// Marks a PO acknowledged if it is issued; `None` when it was not.
pub async fn acknowledge(
    conn: &mut AsyncPgConnection,
    id: PurchaseOrderId,
    now: DateTime<Utc>,
) -> QueryResult<Option<PurchaseOrder>> {
    diesel::update(
        purchase_orders::table
            .find(id)
            .filter(purchase_orders::status.eq("issued")),
    )
    .set((
        purchase_orders::status.eq("acknowledged"),
        purchase_orders::acknowledged_at.eq(now),
    ))
    .returning(PurchaseOrder::as_returning())
    .get_result(conn)
    .await
    .optional()
}
