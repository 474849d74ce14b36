//! The audit trail's use cases for a cooperative's admins: verify its chain, page through
//! its events.

use chrono::{DateTime, Utc};

use super::repo::{self, EventOut};
use super::{chain_of, verify, Verification};
use crate::auth::{Principal, Role};
use crate::context::Ctx;
use crate::cooperatives::service::cooperative_in_scope;
use crate::db;
use crate::error::AppError;
use crate::ids::CooperativeId;

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

/// `GET /cooperatives/{id}/audit`: a page of the cooperative's events, newest first; events
/// of quotes still sealed are withheld until their RFQ's deadline ([`repo::list_events`]).
pub async fn list_cooperative(
    ctx: &Ctx,
    who: &Principal,
    id: CooperativeId,
    entity: Option<&str>,
    entity_id: Option<&str>,
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
        after,
        limit,
        ctx.clock.now(),
    )
    .await?;
    Ok(events)
}
