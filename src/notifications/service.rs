//! The operators' use case of the email outbox: retry an email.

use diesel_async::AsyncConnection;
use serde_json::json;

use super::repo;
use crate::audit::{self, Actor, Event};
use crate::context::Ctx;
use crate::db;
use crate::error::{AppError, ErrorCode};

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
