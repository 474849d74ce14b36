//! Queries on RFQs, their lines, invitations and logistics adders.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{count_star, min, sum};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::models::{Rfq, RfqLine};
use crate::ids::{CooperativeId, MaterialId, RfqId, RfqLineId, RoundId, SupplierId};
use crate::schema::{
    demand_lines, materials, outbox_emails, outbox_webhooks, quotes, rfq_lines,
    rfq_logistics_adders, rfq_suppliers, rfqs,
};

/// Demand of a round per material: (material, total base quantity, earliest required-by).
pub async fn demand_by_material(
    conn: &mut AsyncPgConnection,
    round: RoundId,
    except: &[MaterialId],
) -> QueryResult<Vec<(MaterialId, Option<Decimal>, Option<NaiveDate>)>> {
    demand_lines::table
        .filter(demand_lines::round_id.eq(round))
        .filter(demand_lines::material_id.ne_all(except))
        .group_by(demand_lines::material_id)
        .select((
            demand_lines::material_id,
            sum(demand_lines::quantity_base),
            min(demand_lines::required_by),
        ))
        .load(conn)
        .await
}

/// Materials of a round whose demand sums above `bound`, compared in SQL (so a sum beyond
/// `Decimal`'s range is found, not a load error).
pub async fn demand_above(
    conn: &mut AsyncPgConnection,
    round: RoundId,
    bound: Decimal,
) -> QueryResult<Vec<MaterialId>> {
    demand_lines::table
        .filter(demand_lines::round_id.eq(round))
        .group_by(demand_lines::material_id)
        .having(sum(demand_lines::quantity_base).gt(bound))
        .select(demand_lines::material_id)
        .load(conn)
        .await
}

/// Inserts an RFQ with its lines, invitations and adders.
pub async fn insert_rfq(
    conn: &mut AsyncPgConnection,
    rfq: &Rfq,
    lines: &[RfqLine],
    supplier_ids: &[SupplierId],
    adders: &[(String, Decimal)],
) -> QueryResult<Rfq> {
    let rfq = diesel::insert_into(rfqs::table)
        .values(rfq)
        .returning(Rfq::as_returning())
        .get_result(conn)
        .await?;
    diesel::insert_into(rfq_lines::table)
        .values(lines)
        .execute(conn)
        .await?;
    replace_suppliers(conn, &rfq, supplier_ids, rfq.created_at).await?;
    let rows: Vec<_> = adders
        .iter()
        .map(|(term, amount)| {
            (
                rfq_logistics_adders::rfq_id.eq(rfq.id),
                rfq_logistics_adders::incoterm.eq(term),
                rfq_logistics_adders::amount.eq(amount),
            )
        })
        .collect();
    diesel::insert_into(rfq_logistics_adders::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(rfq)
}

/// Sets the invited suppliers of a draft.
pub async fn replace_suppliers(
    conn: &mut AsyncPgConnection,
    rfq: &Rfq,
    supplier_ids: &[SupplierId],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(rfq_suppliers::table.filter(rfq_suppliers::rfq_id.eq(rfq.id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = supplier_ids
        .iter()
        .map(|s| {
            (
                rfq_suppliers::rfq_id.eq(rfq.id),
                rfq_suppliers::supplier_id.eq(*s),
                rfq_suppliers::cooperative_id.eq(rfq.cooperative_id),
                rfq_suppliers::invited_at.eq(now),
            )
        })
        .collect();
    diesel::insert_into(rfq_suppliers::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find_rfq(conn: &mut AsyncPgConnection, id: RfqId) -> QueryResult<Option<Rfq>> {
    rfqs::table
        .find(id)
        .select(Rfq::as_select())
        .first(conn)
        .await
        .optional()
}

/// The RFQ, locked against everything else (transitions, deadline changes, award).
pub async fn lock_rfq(conn: &mut AsyncPgConnection, id: RfqId) -> QueryResult<Option<Rfq>> {
    rfqs::table
        .find(id)
        .select(Rfq::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The RFQ, share-locked: quotes are written concurrently, but no deadline change,
/// cancellation or award until they commit.
pub async fn share_rfq(conn: &mut AsyncPgConnection, id: RfqId) -> QueryResult<Option<Rfq>> {
    rfqs::table
        .find(id)
        .select(Rfq::as_select())
        .for_share()
        .first(conn)
        .await
        .optional()
}

/// Lines of RFQs with their material's code and name, in order.
pub async fn lines_of(
    conn: &mut AsyncPgConnection,
    ids: &[RfqId],
) -> QueryResult<Vec<(RfqLine, String, String)>> {
    rfq_lines::table
        .inner_join(materials::table.on(materials::id.eq(rfq_lines::material_id)))
        .filter(rfq_lines::rfq_id.eq_any(ids))
        .order((rfq_lines::rfq_id, rfq_lines::position))
        .select((RfqLine::as_select(), materials::code, materials::name))
        .load(conn)
        .await
}

/// Invited suppliers of RFQs.
pub async fn suppliers_of(
    conn: &mut AsyncPgConnection,
    ids: &[RfqId],
) -> QueryResult<Vec<(RfqId, SupplierId)>> {
    rfq_suppliers::table
        .filter(rfq_suppliers::rfq_id.eq_any(ids))
        .order((rfq_suppliers::rfq_id, rfq_suppliers::supplier_id))
        .select((rfq_suppliers::rfq_id, rfq_suppliers::supplier_id))
        .load(conn)
        .await
}

/// Logistics adders of RFQs.
pub async fn adders_of(
    conn: &mut AsyncPgConnection,
    ids: &[RfqId],
) -> QueryResult<Vec<(RfqId, String, Decimal)>> {
    rfq_logistics_adders::table
        .filter(rfq_logistics_adders::rfq_id.eq_any(ids))
        .order((rfq_logistics_adders::rfq_id, rfq_logistics_adders::incoterm))
        .select((
            rfq_logistics_adders::rfq_id,
            rfq_logistics_adders::incoterm,
            rfq_logistics_adders::amount,
        ))
        .load(conn)
        .await
}

/// Whether `supplier` is invited to `rfq`.
pub async fn is_invited(
    conn: &mut AsyncPgConnection,
    rfq: RfqId,
    supplier: SupplierId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        rfq_suppliers::table
            .filter(rfq_suppliers::rfq_id.eq(rfq))
            .filter(rfq_suppliers::supplier_id.eq(supplier)),
    ))
    .get_result(conn)
    .await
}

/// Submitted (not withdrawn) quotes per RFQ: the only quote fact visible while sealed.
pub async fn submitted_counts(
    conn: &mut AsyncPgConnection,
    ids: &[RfqId],
) -> QueryResult<Vec<(RfqId, i64)>> {
    quotes::table
        .filter(quotes::rfq_id.eq_any(ids))
        .filter(quotes::status.eq("submitted"))
        .group_by(quotes::rfq_id)
        .select((quotes::rfq_id, count_star()))
        .load(conn)
        .await
}

/// Whose RFQs a list shows.
#[derive(Debug, Clone, Copy)]
pub enum RfqScope {
    /// Every cooperative's (platform admins).
    All,
    /// One cooperative's.
    Cooperative(CooperativeId),
    /// Those a supplier is invited to, published or later.
    Supplier(SupplierId),
}

/// A page of RFQs, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: RfqScope,
    round: Option<RoundId>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Rfq>> {
    let mut query = rfqs::table.select(Rfq::as_select()).into_boxed();
    match scope {
        RfqScope::All => {}
        RfqScope::Cooperative(c) => query = query.filter(rfqs::cooperative_id.eq(c)),
        RfqScope::Supplier(s) => {
            query = query.filter(rfqs::published_at.is_not_null()).filter(
                rfqs::id.eq_any(
                    rfq_suppliers::table
                        .filter(rfq_suppliers::supplier_id.eq(s))
                        .select(rfq_suppliers::rfq_id),
                ),
            )
        }
    }
    if let Some(r) = round {
        query = query.filter(rfqs::round_id.eq(r));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            rfqs::created_at
                .lt(at)
                .or(rfqs::created_at.eq(at).and(rfqs::id.lt(id))),
        );
    }
    query
        .order((rfqs::created_at.desc(), rfqs::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}

/// Moves an RFQ to `status`.
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: RfqId,
    status: &str,
    now: DateTime<Utc>,
    cancel_reason: Option<&str>,
) -> QueryResult<Rfq> {
    let target = rfqs::table.find(id);
    match status {
        "published" => {
            diesel::update(target)
                .set((rfqs::status.eq(status), rfqs::published_at.eq(now)))
                .returning(Rfq::as_returning())
                .get_result(conn)
                .await
        }
        "cancelled" => {
            diesel::update(rfq_lines::table.filter(rfq_lines::rfq_id.eq(id)))
                .set(rfq_lines::live.eq(false))
                .execute(conn)
                .await?;
            diesel::update(target)
                .set((
                    rfqs::status.eq(status),
                    rfqs::cancelled_at.eq(now),
                    rfqs::cancel_reason.eq(cancel_reason),
                ))
                .returning(Rfq::as_returning())
                .get_result(conn)
                .await
        }
        _ => {
            diesel::update(target)
                .set(rfqs::status.eq(status))
                .returning(Rfq::as_returning())
                .get_result(conn)
                .await
        }
    }
}

/// Changes a draft's or published RFQ's editable fields.
pub async fn update_fields(
    conn: &mut AsyncPgConnection,
    id: RfqId,
    title: &str,
    deadline: DateTime<Utc>,
    delivery_place: &str,
) -> QueryResult<Rfq> {
    diesel::update(rfqs::table.find(id))
        .set((
            rfqs::title.eq(title),
            rfqs::deadline.eq(deadline),
            rfqs::delivery_place.eq(delivery_place),
        ))
        .returning(Rfq::as_returning())
        .get_result(conn)
        .await
}

/// The specifications of the materials of an RFQ's lines (lines whose material has one).
pub async fn line_specs(
    conn: &mut AsyncPgConnection,
    id: RfqId,
) -> QueryResult<Vec<(RfqLineId, String)>> {
    rfq_lines::table
        .inner_join(materials::table.on(materials::id.eq(rfq_lines::material_id)))
        .filter(rfq_lines::rfq_id.eq(id))
        .filter(materials::spec.is_not_null())
        .select((rfq_lines::id, materials::spec.assume_not_null()))
        .load(conn)
        .await
}

/// `(dedupe_key, status)` of the emails and of the webhooks queued for an RFQ's
/// announcements (keys `rfq:{id}:{occasion}:{email}` and `rfq:{id}:{occasion}:webhook:{supplier}`).
pub async fn announcement_deliveries(
    conn: &mut AsyncPgConnection,
    rfq: RfqId,
) -> QueryResult<(Vec<(String, String)>, Vec<(String, String)>)> {
    let prefix = format!("rfq:{rfq}:%");
    let emails = outbox_emails::table
        .filter(outbox_emails::dedupe_key.like(prefix.clone()))
        .select((
            outbox_emails::dedupe_key.assume_not_null(),
            outbox_emails::status,
        ))
        .load(conn)
        .await?;
    let webhooks = outbox_webhooks::table
        .filter(outbox_webhooks::dedupe_key.like(prefix))
        .select((
            outbox_webhooks::dedupe_key.assume_not_null(),
            outbox_webhooks::status,
        ))
        .load(conn)
        .await?;
    Ok((emails, webhooks))
}
