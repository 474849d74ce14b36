//! Queries of the audit trail.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use super::chain::{link_hash, HashedEvent, StoredLink, Verifier, GENESIS};
use super::{chain_of, Actor, Event, Verification};
use crate::schema::{audit_chain, audit_events, audit_heads, audit_pending, quotes, rfqs};

/// A stored event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    pub id: uuid::Uuid,
    pub cooperative_id: Option<uuid::Uuid>,
    pub chain: String,
    pub actor_kind: String,
    pub actor_id: Option<uuid::Uuid>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub at: DateTime<Utc>,
    pub data: Value,
}

impl From<EventRow> for HashedEvent {
    fn from(r: EventRow) -> Self {
        HashedEvent {
            id: r.id,
            chain: r.chain,
            cooperative_id: r.cooperative_id,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            at: r.at,
            data: r.data,
        }
    }
}

/// Inserts the event and its pending-queue entry.
pub async fn insert_event(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
    event: &Event,
) -> QueryResult<uuid::Uuid> {
    let id = uuid::Uuid::now_v7();
    let (actor_kind, actor_id) = match event.actor {
        Actor::User(u) => ("user", Some(u.0)),
        Actor::System => ("system", None),
    };
    let chain = chain_of(event.cooperative_id);
    // One round trip: the event and its pending-queue entry in a single statement.
    diesel::sql_query(
        "WITH e AS (INSERT INTO audit_events \
           (id, cooperative_id, chain, actor_kind, actor_id, action, entity, entity_id, at, data) \
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, chain) \
         INSERT INTO audit_pending (event_id, chain) SELECT id, chain FROM e",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(
        event.cooperative_id.map(|c| c.0),
    )
    .bind::<diesel::sql_types::Text, _>(&chain)
    .bind::<diesel::sql_types::Text, _>(actor_kind)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(actor_id)
    .bind::<diesel::sql_types::Text, _>(event.action)
    .bind::<diesel::sql_types::Text, _>(event.entity)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(event.entity_id.as_deref())
    .bind::<diesel::sql_types::Timestamptz, _>(at.trunc_subsecs(6))
    .bind::<diesel::sql_types::Jsonb, _>(&event.data)
    .execute(conn)
    .await?;
    Ok(id)
}

use chrono::SubsecRound;

/// Chains with events waiting to be chained.
pub async fn pending_chains(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    audit_pending::table
        .select(audit_pending::chain)
        .distinct()
        .load(conn)
        .await
}

/// Chains up to `limit` pending events of one chain; call inside a transaction.
pub async fn seal_batch(
    conn: &mut AsyncPgConnection,
    chain: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> anyhow::Result<usize> {
    diesel::insert_into(audit_heads::table)
        .values((
            audit_heads::chain.eq(chain),
            audit_heads::position.eq(0i64),
            audit_heads::hash.eq(GENESIS.to_vec()),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    // Serialises sealers of this chain (requests never take this lock).
    let (mut position, mut prev): (i64, Vec<u8>) = audit_heads::table
        .find(chain)
        .select((audit_heads::position, audit_heads::hash))
        .for_update()
        .first(conn)
        .await?;
    let events: Vec<EventRow> = audit_pending::table
        .inner_join(audit_events::table)
        .filter(audit_pending::chain.eq(chain))
        .order((audit_events::at.asc(), audit_events::id.asc()))
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
        .await?;
    if events.is_empty() {
        return Ok(0);
    }
    let mut links = Vec::with_capacity(events.len());
    let mut ids = Vec::with_capacity(events.len());
    for row in events {
        position += 1;
        ids.push(row.id);
        let event: HashedEvent = row.into();
        let hash = link_hash(&event, position, &prev).to_vec();
        links.push((
            audit_chain::event_id.eq(event.id),
            audit_chain::chain.eq(chain.to_owned()),
            audit_chain::position.eq(position),
            audit_chain::prev_hash.eq(prev.clone()),
            audit_chain::hash.eq(hash.clone()),
            audit_chain::sealed_at.eq(now),
        ));
        prev = hash;
    }
    diesel::insert_into(audit_chain::table)
        .values(&links)
        .execute(conn)
        .await?;
    diesel::delete(audit_pending::table.filter(audit_pending::event_id.eq_any(&ids)))
        .execute(conn)
        .await?;
    diesel::update(audit_heads::table.find(chain))
        .set((
            audit_heads::position.eq(position),
            audit_heads::hash.eq(prev),
        ))
        .execute(conn)
        .await?;
    Ok(ids.len())
}

/// `(event_id, position, prev_hash, hash)` of a stored link.
type LinkColumns = (uuid::Uuid, i64, Vec<u8>, Vec<u8>);

/// Walks a chain in position order, in pages, recomputing every link.
pub async fn verify_chain(
    conn: &mut AsyncPgConnection,
    chain: &str,
) -> anyhow::Result<Verification> {
    const PAGE: i64 = 5000;
    let mut verifier = Verifier::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<(LinkColumns, Option<EventRow>)> = audit_chain::table
            .left_join(audit_events::table)
            .filter(audit_chain::chain.eq(chain))
            .filter(audit_chain::position.gt(after))
            .order(audit_chain::position.asc())
            .limit(PAGE)
            .select((
                (
                    audit_chain::event_id,
                    audit_chain::position,
                    audit_chain::prev_hash,
                    audit_chain::hash,
                ),
                Option::<EventRow>::as_select(),
            ))
            .load(conn)
            .await?;
        let n = rows.len();
        for ((event_id, position, prev_hash, hash), event) in rows {
            after = position;
            let link = StoredLink {
                event_id,
                position,
                prev_hash,
                hash,
            };
            verifier.feed(&link, event.map(HashedEvent::from).as_ref());
        }
        if verifier.first_broken.is_some() || (n as i64) < PAGE {
            break;
        }
    }
    let pending: i64 = audit_pending::table
        .filter(audit_pending::chain.eq(chain))
        .count()
        .get_result(conn)
        .await?;
    // Every event of the chain must be either chained or pending.
    if verifier.first_broken.is_none() {
        let unchained: Option<uuid::Uuid> = audit_events::table
            .left_join(audit_chain::table)
            .left_join(audit_pending::table)
            .filter(audit_events::chain.eq(chain))
            .filter(audit_chain::event_id.nullable().is_null())
            .filter(audit_pending::event_id.nullable().is_null())
            .select(audit_events::id)
            .first(conn)
            .await
            .optional()?;
        if let Some(event_id) = unchained {
            verifier.first_broken = Some(super::Break {
                event_id,
                position: 0,
                reason: "unchained_event".into(),
            });
        }
    }
    Ok(Verification {
        ok: verifier.first_broken.is_none(),
        chain: chain.to_owned(),
        events: verifier.checked,
        head: verifier.head(),
        first_broken: verifier.first_broken,
        pending,
    })
}

/// The entity kinds a chain's events name, sorted.
pub async fn entities_of(conn: &mut AsyncPgConnection, chain: &str) -> QueryResult<Vec<String>> {
    audit_events::table
        .filter(audit_events::chain.eq(chain))
        .select(audit_events::entity)
        .distinct()
        .order(audit_events::entity.asc())
        .load(conn)
        .await
}

/// One event of a chain.
pub async fn find_event(
    conn: &mut AsyncPgConnection,
    chain: &str,
    id: uuid::Uuid,
) -> QueryResult<Option<EventRow>> {
    audit_events::table
        .filter(audit_events::chain.eq(chain))
        .filter(audit_events::id.eq(id))
        .select(EventRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every chain that has events.
pub async fn chains(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    audit_events::table
        .select(audit_events::chain)
        .distinct()
        .load(conn)
        .await
}

/// One event with its link (if sealed), as the audit list shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EventOut {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    /// `user` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<uuid::Uuid>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub data: Value,
    /// Position in the chain (`null` until the sealer has chained it, within a second).
    pub position: Option<i64>,
    /// Hex SHA-256 of the link.
    pub hash: Option<String>,
}

/// A page of one chain's events as of `now`, newest first, optionally for one entity.
///
/// Events of quotes whose RFQ's deadline is after `now` are left out (DESIGN rule 3): this
/// list is the buyer side's, and a quote event's time is the revision's submission time and
/// its data the revision's digest. They appear once the deadline has passed; the chain holds
/// them all along, and verification covers them.
// The filters of one list query, each optional; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn list_events(
    conn: &mut AsyncPgConnection,
    chain: &str,
    entity: Option<&str>,
    entity_id: Option<&str>,
    since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
    now: DateTime<Utc>,
) -> QueryResult<Vec<EventOut>> {
    let mut sealed_rfqs = rfqs::table
        .filter(rfqs::deadline.gt(now))
        .select(rfqs::id)
        .into_boxed();
    // A cooperative's chain is named by its id; only its own RFQs matter there.
    if let Ok(cooperative) = uuid::Uuid::parse_str(chain) {
        sealed_rfqs = sealed_rfqs.filter(rfqs::cooperative_id.eq(cooperative));
    }
    let sealed_quotes = quotes::table
        .filter(quotes::rfq_id.eq_any(sealed_rfqs))
        .select(sql::<Nullable<Text>>("quotes.id::text"));
    let mut q = audit_events::table
        .left_join(audit_chain::table)
        .filter(audit_events::chain.eq(chain))
        .filter(
            audit_events::entity
                .ne("quote")
                .or(audit_events::entity_id.is_null())
                .or(audit_events::entity_id.ne_all(sealed_quotes)),
        )
        .select((
            EventRow::as_select(),
            audit_chain::position.nullable(),
            audit_chain::hash.nullable(),
        ))
        .into_boxed();
    if let Some(e) = entity {
        q = q.filter(audit_events::entity.eq(e.to_owned()));
    }
    if let Some(id) = entity_id {
        q = q.filter(audit_events::entity_id.eq(id.to_owned()));
    }
    if let Some(since) = since {
        q = q.filter(audit_events::at.ge(since));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            audit_events::at
                .lt(at)
                .or(audit_events::at.eq(at).and(audit_events::id.lt(id))),
        );
    }
    let rows: Vec<(EventRow, Option<i64>, Option<Vec<u8>>)> = q
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(limit)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(e, position, hash)| EventOut {
            id: e.id,
            at: e.at,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            data: e.data,
            position,
            hash: hash.map(hex::encode),
        })
        .collect())
}
