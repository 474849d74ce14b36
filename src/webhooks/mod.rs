//! Signed webhooks to suppliers' systems, delivered through an outbox like email (DESIGN
//! rule 11): a use case inserts a row in its own transaction; the [`worker`] claims due rows
//! with `FOR UPDATE SKIP LOCKED`, POSTs the stored body with
//! `X-Coprocure-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`, and retries
//! transient failures on the email schedule ([`crate::notifications::backoff`]). Platform
//! admins list the rows and re-queue dead ones ([`list`], [`retry`]).

pub mod address;
pub mod repo;
pub mod worker;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

use crate::audit::{self, Actor, Event};
use crate::error::{AppError, ErrorCode};
use crate::ids::SupplierId;
use crate::notifications::OutboxStatus;
use crate::schema::outbox_webhooks;

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Coprocure-Signature";
/// Header naming the event (`rfq.published`…).
pub const EVENT_HEADER: &str = "X-Coprocure-Event";
/// Header carrying the delivery id (the same on every retry: receivers drop duplicates).
pub const DELIVERY_HEADER: &str = "X-Coprocure-Delivery";

/// `sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Queues a webhook inside the caller's transaction. The body is serialised now and sent
/// byte for byte, so the signature covers exactly what the receiver gets. Returns false
/// when the dedupe key was used already.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    supplier: SupplierId,
    url: &str,
    event: &str,
    body: &Value,
    dedupe_key: String,
) -> QueryResult<bool> {
    let n = diesel::insert_into(outbox_webhooks::table)
        .values((
            outbox_webhooks::id.eq(uuid::Uuid::now_v7()),
            outbox_webhooks::supplier_id.eq(supplier),
            outbox_webhooks::url.eq(url),
            outbox_webhooks::event.eq(event),
            outbox_webhooks::body.eq(body.to_string()),
            outbox_webhooks::dedupe_key.eq(dedupe_key),
            outbox_webhooks::next_attempt_at.eq(now),
            outbox_webhooks::created_at.eq(now),
            outbox_webhooks::retry_window_started_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Lists webhook outbox rows (operations view), newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    status: Option<OutboxStatus>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<repo::OutboxWebhook>> {
    repo::list(conn, status.map(OutboxStatus::as_str), after, limit).await
}

/// Puts a dead (or waiting) webhook back in the queue for an immediate attempt with a fresh
/// 48-hour retry window, to the supplier's current URL. A delivered one is a 409
/// `already_sent`.
pub async fn retry(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    actor: Actor,
    id: uuid::Uuid,
) -> Result<repo::OutboxWebhook, AppError> {
    conn.transaction(async |conn| {
        let row = repo::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if row.status == "sent" {
            return Err(AppError::conflict(
                ErrorCode::AlreadySent,
                "This webhook was already delivered.",
            ));
        }
        let row = repo::requeue(conn, id, now).await?;
        audit::record(
            conn,
            now,
            Event::platform(
                actor,
                "webhook.retried",
                "outbox_webhook",
                id,
                json!({"event": row.event, "supplier_id": row.supplier_id, "attempts": row.attempts}),
            ),
        )
        .await?;
        Ok(row)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_rfc_4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
