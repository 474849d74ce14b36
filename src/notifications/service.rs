//! The operators' use case of the email outbox: retry an email.

use diesel_async::AsyncConnection;
use serde_json::json;

use super::repo;
use crate::audit::{self, Actor, Event};
use crate::auth::{Principal, Role};
use crate::context::Ctx;
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::ids::CooperativeId;
use crate::webhooks::repo as hooks;

/// Puts a dead (or waiting) email back in the queue for an immediate attempt with a fresh
/// 48-hour retry window. A sent email is a 409 `already_sent`.
pub async fn retry(ctx: &Ctx, actor: Actor, id: uuid::Uuid) -> Result<repo::OutboxEmail, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let now = ctx.clock.now();
    conn.transaction(async |conn| {
        let row = repo::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if row.status == "sent" {
            return Err(AppError::conflict(
                ErrorCode::AlreadySent,
                "This email was already delivered.",
            ));
        }
        let row = repo::requeue(conn, id, now).await?;
        audit::record(
            conn,
            now,
            Event::platform(
                actor,
                "outbox.retried",
                "outbox_email",
                id,
                json!({"template": row.template, "attempts": row.attempts}),
            ),
        )
        .await?;
        Ok(row)
    })
    .await
}

/// Pending and dead rows of both outboxes (the platform admin's home).
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboxCounts {
    pub emails_pending: i64,
    pub emails_dead: i64,
    pub webhooks_pending: i64,
    pub webhooks_dead: i64,
}

/// [`OutboxCounts`] (platform admins).
pub async fn outbox_counts(ctx: &Ctx, who: &Principal) -> Result<OutboxCounts, AppError> {
    who.require(&[Role::PlatformAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    Ok(OutboxCounts {
        emails_pending: repo::count_by_status(&mut conn, "pending").await?,
        emails_dead: repo::count_by_status(&mut conn, "dead").await?,
        webhooks_pending: hooks::count_by_status(&mut conn, "pending").await?,
        webhooks_dead: hooks::count_by_status(&mut conn, "dead").await?,
    })
}

/// Dead emails of a cooperative, newest first, at most `limit` (its admins): about its RFQs
/// and rounds, or to its users.
pub async fn dead_of_cooperative(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    limit: i64,
) -> Result<Vec<repo::OutboxEmail>, AppError> {
    who.in_cooperative(coop_id, &[Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    Ok(repo::dead_of_cooperative(&mut conn, coop_id.0, limit).await?)
}
