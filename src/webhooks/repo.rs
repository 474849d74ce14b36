//! Queries of the webhook outbox.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;

use crate::notifications::backoff::AfterFailure;
use crate::notifications::outbox::{outbox_queries, stored_error};
use crate::schema::{outbox_webhooks, suppliers};

/// A webhook outbox row, as the operations list shows it (without the body).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = outbox_webhooks, check_for_backend(diesel::pg::Pg))]
pub struct OutboxWebhook {
    pub id: uuid::Uuid,
    pub supplier_id: uuid::Uuid,
    /// The URL at enqueue time (deliveries go to the supplier's current URL).
    pub url: String,
    /// `rfq.published`, `rfq.deadline_extended`, `rfq.cancelled`.
    pub event: String,
    /// `pending`, `sent` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// The receiver's HTTP status on the last attempt, if it answered.
    pub response_status: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub retry_window_started_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A claimed row, with what the worker needs to send it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_webhooks, check_for_backend(diesel::pg::Pg))]
pub struct Due {
    pub id: uuid::Uuid,
    pub supplier_id: uuid::Uuid,
    pub url: String,
    pub event: String,
    pub body: String,
    pub attempts: i32,
    pub retry_window_started_at: DateTime<Utc>,
}

outbox_queries!(outbox_webhooks, row: OutboxWebhook, due: Due);

/// Claims up to `limit` due rows, locking them until the transaction ends (rows locked by
/// another worker are skipped), each with its supplier's current secret and URL: a changed
/// URL takes the retries with it, a removed one (empty URL here) ends them.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(Due, Vec<u8>)>> {
    let due = lock_due(conn, now, limit).await?;
    let ids: Vec<uuid::Uuid> = due.iter().map(|d| d.supplier_id).collect();
    let current: Vec<(uuid::Uuid, Vec<u8>, Option<String>)> = suppliers::table
        .filter(suppliers::id.eq_any(&ids))
        .select((
            suppliers::id,
            suppliers::webhook_secret,
            suppliers::webhook_url,
        ))
        .load(conn)
        .await?;
    Ok(due
        .into_iter()
        .map(|mut d| {
            let (secret, url) = current
                .iter()
                .find(|(id, _, _)| *id == d.supplier_id)
                .map(|(_, s, u)| (s.clone(), u.clone()))
                .unwrap_or_default();
            d.url = url.unwrap_or_default();
            (d, secret)
        })
        .collect())
}

/// Records a delivery the receiver accepted with `status`.
pub async fn mark_sent(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    status: u16,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(outbox_webhooks::table.find(id))
        .set((
            outbox_webhooks::status.eq("sent"),
            outbox_webhooks::attempts.eq(outbox_webhooks::attempts + 1),
            outbox_webhooks::response_status.eq(i32::from(status)),
            outbox_webhooks::last_error.eq(None::<String>),
            outbox_webhooks::sent_at.eq(now),
        ))
        .execute(conn)
        .await
}

/// Records a failed attempt (the receiver's status, if it answered): retried or dead.
pub async fn mark_failed(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    status: Option<u16>,
    after: AfterFailure,
) -> QueryResult<usize> {
    let target = outbox_webhooks::table.find(id);
    let attempts = outbox_webhooks::attempts.eq(outbox_webhooks::attempts + 1);
    let status = outbox_webhooks::response_status.eq(status.map(i32::from));
    match after {
        AfterFailure::Retry { at, error } => {
            diesel::update(target)
                .set((
                    attempts,
                    status,
                    outbox_webhooks::next_attempt_at.eq(at),
                    outbox_webhooks::last_error.eq(stored_error(&error)),
                ))
                .execute(conn)
                .await
        }
        AfterFailure::Dead { error } => {
            diesel::update(target)
                .set((
                    outbox_webhooks::status.eq("dead"),
                    attempts,
                    status,
                    outbox_webhooks::last_error.eq(stored_error(&error)),
                ))
                .execute(conn)
                .await
        }
    }
}
