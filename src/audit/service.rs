//! The audit trail's use cases for a cooperative's admins: verify its chain, page through
//! its events.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::repo::{self, EventOut};
use super::{chain_of, verify, Verification};
use crate::auth::repo::find_user;
use crate::auth::{Principal, Role};
use crate::context::Ctx;
use crate::cooperatives::repo::find_cooperative;
use crate::cooperatives::service::cooperative_in_scope;
use crate::db;
use crate::error::AppError;
use crate::ids::{CooperativeId, UserId};

/// `GET /cooperatives/{id}/audit/verify`: the cooperative's admins and platform admins.
pub async fn verify_cooperative(
    ctx: &Ctx,
    who: &Principal,
    id: CooperativeId,
) -> Result<Verification, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    cooperative_in_scope(&mut conn, who, id, &[Role::CoopAdmin]).await?;
    Ok(verify(&mut conn, &chain_of(Some(id))).await?)
}

/// The entity kinds of a cooperative's events (the audit page's filter).
pub async fn cooperative_entities(
    ctx: &Ctx,
    who: &Principal,
    id: CooperativeId,
) -> Result<Vec<String>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    cooperative_in_scope(&mut conn, who, id, &[Role::CoopAdmin]).await?;
    Ok(repo::entities_of(&mut conn, &chain_of(Some(id))).await?)
}

/// What a verification found, with the event of the first broken link when it still exists
/// (not for quote events: their existence and time stay with the chain, as in the list).
#[derive(Debug, Clone)]
pub struct ChainReport {
    pub verification: Verification,
    /// The first broken link's event.
    pub broken_event: Option<BrokenEvent>,
    /// The cooperative's name (`None`: the platform chain, or a cooperative gone).
    pub cooperative: Option<String>,
}

/// The event of a broken link.
#[derive(Debug, Clone)]
pub struct BrokenEvent {
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub at: DateTime<Utc>,
}

async fn report(
    conn: &mut diesel_async::AsyncPgConnection,
    chain: &str,
) -> Result<ChainReport, AppError> {
    let verification = verify(conn, chain).await?;
    let broken_event = match &verification.first_broken {
        Some(b) => repo::find_event(conn, chain, b.event_id)
            .await?
            .filter(|e| e.entity != "quote")
            .map(|e| BrokenEvent {
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
                at: e.at,
            }),
        None => None,
    };
    let cooperative = match uuid::Uuid::parse_str(chain) {
        Ok(id) => find_cooperative(conn, CooperativeId(id))
            .await?
            .map(|c| c.name),
        Err(_) => None,
    };
    Ok(ChainReport {
        verification,
        broken_event,
        cooperative,
    })
}

/// Verifies a cooperative's chain and names the first broken link's event (its admins and
/// platform admins).
pub async fn verify_cooperative_report(
    ctx: &Ctx,
    who: &Principal,
    id: CooperativeId,
) -> Result<ChainReport, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    cooperative_in_scope(&mut conn, who, id, &[Role::CoopAdmin]).await?;
    report(&mut conn, &chain_of(Some(id))).await
}

/// Verifies every chain (platform admins): the platform's first, then each cooperative's.
pub async fn verify_all(ctx: &Ctx, who: &Principal) -> Result<Vec<ChainReport>, AppError> {
    who.require(&[Role::PlatformAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let mut chains = repo::chains(&mut conn).await?;
    chains.sort_by_key(|c| (c != super::PLATFORM_CHAIN, c.clone()));
    let mut out = Vec::with_capacity(chains.len());
    for chain in chains {
        out.push(report(&mut conn, &chain).await?);
    }
    Ok(out)
}

/// `GET /cooperatives/{id}/audit`: a page of the cooperative's events (since an instant, if
/// given), newest first; events
/// of quotes still sealed are withheld until their RFQ's deadline ([`repo::list_events`]).
// The filters of one list query, each optional; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn list_cooperative(
    ctx: &Ctx,
    who: &Principal,
    id: CooperativeId,
    entity: Option<&str>,
    entity_id: Option<&str>,
    since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<EventOut>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    cooperative_in_scope(&mut conn, who, id, &[Role::CoopAdmin]).await?;
    let events = repo::list_events(
        &mut conn,
        &chain_of(Some(id)),
        entity,
        entity_id,
        since,
        after,
        limit,
        ctx.clock.now(),
    )
    .await?;
    Ok(events)
}

/// The names of the users who did `events` of a cooperative's trail (its admins and
/// platform admins), by user id.
pub async fn actor_names(
    ctx: &Ctx,
    who: &Principal,
    id: CooperativeId,
    events: &[EventOut],
) -> Result<HashMap<uuid::Uuid, String>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    cooperative_in_scope(&mut conn, who, id, &[Role::CoopAdmin]).await?;
    let mut names = HashMap::new();
    for actor in events.iter().filter_map(|e| e.actor_id) {
        if let Entry::Vacant(e) = names.entry(actor) {
            if let Some(u) = find_user(&mut conn, UserId(actor)).await? {
                e.insert(u.name);
            }
        }
    }
    Ok(names)
}
