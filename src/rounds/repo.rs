//! Queries on rounds and demand lines.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{DemandLine, Round};
use crate::ids::{CooperativeId, DemandLineId, MaterialId, MemberId, RoundId, UserId};
use crate::schema::{demand_lines, demand_rounds, materials, round_materials};

pub async fn insert_round(
    conn: &mut AsyncPgConnection,
    r: &Round,
    materials: &[MaterialId],
) -> QueryResult<Round> {
    let round = diesel::insert_into(demand_rounds::table)
        .values(r)
        .returning(Round::as_returning())
        .get_result(conn)
        .await?;
    let rows: Vec<_> = materials
        .iter()
        .map(|m| {
            (
                round_materials::round_id.eq(round.id),
                round_materials::material_id.eq(*m),
                round_materials::cooperative_id.eq(round.cooperative_id),
            )
        })
        .collect();
    diesel::insert_into(round_materials::table)
        .values(&rows)
        .execute(conn)
        .await?;
    Ok(round)
}

pub async fn find_round(conn: &mut AsyncPgConnection, id: RoundId) -> QueryResult<Option<Round>> {
    demand_rounds::table
        .find(id)
        .select(Round::as_select())
        .first(conn)
        .await
        .optional()
}

/// The round, locked against transitions (`FOR UPDATE`).
pub async fn lock_round(conn: &mut AsyncPgConnection, id: RoundId) -> QueryResult<Option<Round>> {
    demand_rounds::table
        .find(id)
        .select(Round::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The round, locked against transitions (`FOR KEY SHARE`, which conflicts with the
/// `FOR UPDATE` of [`lock_round`] only): many submissions at once, but no transition until
/// they commit.
pub async fn share_round(conn: &mut AsyncPgConnection, id: RoundId) -> QueryResult<Option<Round>> {
    demand_rounds::table
        .find(id)
        .select(Round::as_select())
        .for_key_share()
        .first(conn)
        .await
        .optional()
}

/// The round's materials with their base units, by code.
pub async fn round_materials(
    conn: &mut AsyncPgConnection,
    id: RoundId,
) -> QueryResult<Vec<(MaterialId, String, String, String)>> {
    round_materials::table
        .inner_join(materials::table.on(materials::id.eq(round_materials::material_id)))
        .filter(round_materials::round_id.eq(id))
        .order(materials::code.asc())
        .select((
            materials::id,
            materials::code,
            materials::name,
            materials::unit,
        ))
        .load(conn)
        .await
}

/// A page of a cooperative's rounds, newest first (`include_drafts` false hides drafts).
pub async fn list_rounds(
    conn: &mut AsyncPgConnection,
    coop: CooperativeId,
    include_drafts: bool,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Round>> {
    let mut q = demand_rounds::table
        .filter(demand_rounds::cooperative_id.eq(coop))
        .select(Round::as_select())
        .into_boxed();
    if !include_drafts {
        q = q.filter(demand_rounds::status.ne("draft"));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            demand_rounds::created_at
                .lt(at)
                .or(demand_rounds::created_at
                    .eq(at)
                    .and(demand_rounds::id.lt(RoundId(id)))),
        );
    }
    q.order((demand_rounds::created_at.desc(), demand_rounds::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}

/// Material ids of several rounds.
pub async fn materials_of(
    conn: &mut AsyncPgConnection,
    rounds: &[RoundId],
) -> QueryResult<Vec<(RoundId, MaterialId)>> {
    round_materials::table
        .filter(round_materials::round_id.eq_any(rounds))
        .select((round_materials::round_id, round_materials::material_id))
        .load(conn)
        .await
}

/// Sets a round's status and the timestamp of that transition.
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: RoundId,
    status: &str,
    now: DateTime<Utc>,
) -> QueryResult<Round> {
    #[derive(AsChangeset)]
    #[diesel(table_name = demand_rounds)]
    struct Transition<'a> {
        status: &'a str,
        opened_at: Option<DateTime<Utc>>,
        closed_at: Option<DateTime<Utc>>,
        cancelled_at: Option<DateTime<Utc>>,
        updated_at: DateTime<Utc>,
    }
    let at = |s: &str| (status == s).then_some(now);
    diesel::update(demand_rounds::table.find(id))
        .set(Transition {
            status,
            opened_at: at("open"),
            closed_at: at("closed"),
            cancelled_at: at("cancelled"),
            updated_at: now,
        })
        .returning(Round::as_returning())
        .get_result(conn)
        .await
}

/// Inserts a line and its audit event in one statement, only if the round is open and
/// neither `now` (the server's clock) nor the database's clock has reached its close;
/// the round row is locked against transitions for the rest of the (implicit) transaction
/// (`FOR KEY SHARE`, the lock the line's foreign key takes anyway, so one lock instead of
/// two; a transition's `FOR UPDATE` waits for it, and a submission that waited for a
/// transition re-checks the round's new status before inserting). With
/// `check_member`, also only if the line's member is an active member of the round's
/// cooperative (so an admin's entry needs no separate lookup). Returns whether the line
/// was inserted.
pub async fn insert_line_if_open(
    conn: &mut AsyncPgConnection,
    l: &DemandLine,
    actor: UserId,
    audit_data: &serde_json::Value,
    check_member: bool,
) -> QueryResult<bool> {
    let n = InsertLineIfOpen {
        line: l,
        actor,
        event_id: uuid::Uuid::now_v7(),
        audit_data,
        check_member,
    }
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// The statement of [`insert_line_if_open`]. Unlike `sql_query`, which diesel never caches,
/// it is prepared once per connection: PostgreSQL plans this four-part statement in about
/// as long as it runs it, and demand entry is the hottest write. Each parameter is bound
/// once, in `p`, and named from there.
struct InsertLineIfOpen<'a> {
    line: &'a DemandLine,
    actor: UserId,
    event_id: uuid::Uuid,
    audit_data: &'a serde_json::Value,
    check_member: bool,
}

impl QueryId for InsertLineIfOpen<'_> {
    type QueryId = ();
    // Cached by its SQL text (see diesel's `StatementCacheKey::Sql`).
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for InsertLineIfOpen<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use diesel::sql_types::{Bool, Date, Jsonb, Numeric, Text, Timestamptz, Uuid};
        let l = self.line;
        out.push_sql("WITH p AS (SELECT ");
        out.push_bind_param::<Uuid, _>(&l.round_id)?;
        out.push_sql(" AS round_id, ");
        out.push_bind_param::<Timestamptz, _>(&l.created_at)?;
        out.push_sql(" AS at, ");
        out.push_bind_param::<Uuid, _>(&l.id)?;
        out.push_sql(" AS line_id, ");
        out.push_bind_param::<Uuid, _>(&l.member_id)?;
        out.push_sql(" AS member_id, ");
        out.push_bind_param::<Uuid, _>(&l.material_id)?;
        out.push_sql(" AS material_id, ");
        out.push_bind_param::<Numeric, _>(&l.quantity)?;
        out.push_sql(" AS quantity, ");
        out.push_bind_param::<Text, _>(&l.unit)?;
        out.push_sql(" AS unit, ");
        out.push_bind_param::<Numeric, _>(&l.quantity_base)?;
        out.push_sql(" AS quantity_base, ");
        out.push_bind_param::<Date, _>(&l.required_by)?;
        out.push_sql(" AS required_by, ");
        out.push_bind_param::<Text, _>(&l.delivery_site)?;
        out.push_sql(" AS delivery_site, ");
        out.push_bind_param::<Uuid, _>(&self.actor)?;
        out.push_sql(" AS actor, ");
        out.push_bind_param::<Uuid, _>(&self.event_id)?;
        out.push_sql(" AS event_id, ");
        out.push_bind_param::<Jsonb, _>(self.audit_data)?;
        out.push_sql(" AS data, ");
        out.push_bind_param::<Bool, _>(&self.check_member)?;
        out.push_sql(
            " AS check_member), \
             r AS (SELECT d.id, d.cooperative_id FROM demand_rounds d, p \
                   WHERE d.id = p.round_id AND d.status = 'open' \
                     AND d.closes_at > greatest(p.at, clock_timestamp()) \
                     AND (NOT p.check_member OR EXISTS (SELECT 1 FROM members m WHERE m.id = p.member_id \
                          AND m.cooperative_id = d.cooperative_id AND NOT m.disabled)) \
                   FOR KEY SHARE OF d), \
             l AS (INSERT INTO demand_lines (id, round_id, cooperative_id, member_id, material_id, quantity, unit, \
                     quantity_base, required_by, delivery_site, created_by, created_at, updated_at) \
                   SELECT p.line_id, r.id, r.cooperative_id, p.member_id, p.material_id, p.quantity, p.unit, \
                     p.quantity_base, p.required_by, p.delivery_site, p.actor, p.at, p.at FROM r, p \
                   RETURNING id, cooperative_id), \
             e AS (INSERT INTO audit_events (id, cooperative_id, chain, actor_kind, actor_id, action, entity, entity_id, at, data) \
                   SELECT p.event_id, l.cooperative_id, l.cooperative_id::text, 'user', p.actor, 'demand.submitted', \
                     'demand_line', l.id::text, p.at, p.data FROM l, p RETURNING id, chain) \
             INSERT INTO audit_pending (event_id, chain) SELECT id, chain FROM e",
        );
        Ok(())
    }
}

pub async fn find_line(
    conn: &mut AsyncPgConnection,
    id: DemandLineId,
) -> QueryResult<Option<DemandLine>> {
    demand_lines::table
        .find(id)
        .select(DemandLine::as_select())
        .first(conn)
        .await
        .optional()
}

/// Updates the editable fields of a line.
pub async fn update_line(conn: &mut AsyncPgConnection, l: &DemandLine) -> QueryResult<DemandLine> {
    diesel::update(demand_lines::table.find(l.id))
        .set((
            demand_lines::quantity.eq(l.quantity),
            demand_lines::unit.eq(&l.unit),
            demand_lines::quantity_base.eq(l.quantity_base),
            demand_lines::required_by.eq(l.required_by),
            demand_lines::delivery_site.eq(&l.delivery_site),
            demand_lines::updated_at.eq(l.updated_at),
        ))
        .returning(DemandLine::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete_line(conn: &mut AsyncPgConnection, id: DemandLineId) -> QueryResult<usize> {
    diesel::delete(demand_lines::table.find(id))
        .execute(conn)
        .await
}

/// A page of a round's lines (one member's, or all), newest first.
pub async fn list_lines(
    conn: &mut AsyncPgConnection,
    round: RoundId,
    member: Option<MemberId>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<DemandLine>> {
    let mut q = demand_lines::table
        .filter(demand_lines::round_id.eq(round))
        .select(DemandLine::as_select())
        .into_boxed();
    if let Some(m) = member {
        q = q.filter(demand_lines::member_id.eq(m));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            demand_lines::created_at.lt(at).or(demand_lines::created_at
                .eq(at)
                .and(demand_lines::id.lt(DemandLineId(id)))),
        );
    }
    q.order((demand_lines::created_at.desc(), demand_lines::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}

/// Per round of `rounds` (of `cooperative`), how many distinct members have entered at
/// least one demand line.
pub async fn members_entered(
    conn: &mut AsyncPgConnection,
    cooperative: CooperativeId,
    rounds: &[RoundId],
) -> QueryResult<Vec<(RoundId, i64)>> {
    demand_lines::table
        .filter(demand_lines::cooperative_id.eq(cooperative))
        .filter(demand_lines::round_id.eq_any(rounds))
        .group_by(demand_lines::round_id)
        .select((
            demand_lines::round_id,
            diesel::dsl::sql::<diesel::sql_types::BigInt>("count(DISTINCT member_id)"),
        ))
        .load(conn)
        .await
}
