//! Queries of the outbox.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::outbox::{outbox_queries, stored_error};
use crate::auth::Locale;
use crate::schema::outbox_emails;

/// An outbox row.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = outbox_emails, check_for_backend(diesel::pg::Pg))]
pub struct OutboxEmail {
    pub id: uuid::Uuid,
    pub recipient: String,
    pub locale: String,
    pub template: String,
    #[serde(skip)]
    pub payload: Value,
    pub dedupe_key: Option<String>,
    pub message_id: Option<String>,
    /// `pending`, `sent` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub smtp_response: Option<String>,
    pub created_at: DateTime<Utc>,
    pub retry_window_started_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Inserts a row; `None` when the dedupe key exists already.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    to: &str,
    locale: Locale,
    template: &str,
    payload: Value,
    dedupe_key: Option<String>,
) -> QueryResult<Option<uuid::Uuid>> {
    let id = uuid::Uuid::now_v7();
    let n = diesel::insert_into(outbox_emails::table)
        .values((
            outbox_emails::id.eq(id),
            outbox_emails::recipient.eq(to),
            outbox_emails::locale.eq(locale.as_str()),
            outbox_emails::template.eq(template),
            outbox_emails::payload.eq(payload),
            outbox_emails::dedupe_key.eq(dedupe_key),
            outbox_emails::next_attempt_at.eq(now),
            outbox_emails::created_at.eq(now),
            outbox_emails::retry_window_started_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok((n == 1).then_some(id))
}

outbox_queries!(outbox_emails, row: OutboxEmail, due: OutboxEmail);

/// Claims up to `limit` due rows, locking them until the transaction ends; rows locked by
/// another worker are skipped.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<OutboxEmail>> {
    lock_due(conn, now, limit).await
}

/// Records a successful send. One-time secrets in the payload (an invitation's or a password
/// reset's link with its token) are removed once delivered: the outbox must not keep a usable credential.
pub async fn mark_sent(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    message_id: &str,
    response: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(outbox_emails::table.find(id))
        .set((
            outbox_emails::status.eq("sent"),
            outbox_emails::attempts.eq(outbox_emails::attempts + 1),
            outbox_emails::message_id.eq(message_id),
            outbox_emails::smtp_response.eq(response),
            outbox_emails::sent_at.eq(now),
            outbox_emails::payload.eq(diesel::dsl::sql::<diesel::sql_types::Jsonb>(
                "CASE WHEN template IN ('invitation', 'password_reset') THEN payload - 'link' ELSE payload END",
            )),
        ))
        .execute(conn)
        .await
}

/// Records a failed attempt: retry at `next` (`None`: dead-letter).
pub async fn mark_failed(
    conn: &mut AsyncPgConnection,
    id: uuid::Uuid,
    message_id: Option<&str>,
    error: &str,
    next: Option<DateTime<Utc>>,
) -> QueryResult<usize> {
    let error = stored_error(error);
    let q = diesel::update(outbox_emails::table.find(id));
    match next {
        Some(at) => {
            q.set((
                outbox_emails::attempts.eq(outbox_emails::attempts + 1),
                outbox_emails::message_id.eq(message_id),
                outbox_emails::last_error.eq(error),
                outbox_emails::next_attempt_at.eq(at),
            ))
            .execute(conn)
            .await
        }
        None => {
            q.set((
                outbox_emails::status.eq("dead"),
                outbox_emails::attempts.eq(outbox_emails::attempts + 1),
                outbox_emails::message_id.eq(message_id),
                outbox_emails::last_error.eq(error),
            ))
            .execute(conn)
            .await
        }
    }
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
}

/// Dead emails of a cooperative, newest first: those about one of its RFQs or rounds (by
/// their dedupe key, `rfq:<id>:…`, `award:<rfq id>:…`, `round:<id>:…`) and those to one
/// of its users (invitations, password resets).
pub async fn dead_of_cooperative(
    conn: &mut AsyncPgConnection,
    cooperative: uuid::Uuid,
    limit: i64,
) -> QueryResult<Vec<OutboxEmail>> {
    let ids: Vec<IdRow> = diesel::sql_query(
        "SELECT o.id FROM outbox_emails o WHERE o.status = 'dead' AND ( \
           (split_part(o.dedupe_key, ':', 1) IN ('rfq', 'award') \
             AND split_part(o.dedupe_key, ':', 2) IN (SELECT id::text FROM rfqs WHERE cooperative_id = $1)) \
           OR (split_part(o.dedupe_key, ':', 1) = 'round' \
             AND split_part(o.dedupe_key, ':', 2) IN (SELECT id::text FROM demand_rounds WHERE cooperative_id = $1)) \
           OR lower(o.recipient) IN (SELECT lower(email) FROM users WHERE cooperative_id = $1)) \
         ORDER BY o.created_at DESC, o.id DESC LIMIT $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(cooperative)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await?;
    let ids: Vec<uuid::Uuid> = ids.into_iter().map(|r| r.id).collect();
    outbox_emails::table
        .filter(outbox_emails::id.eq_any(ids))
        .select(OutboxEmail::as_select())
        .order((outbox_emails::created_at.desc(), outbox_emails::id.desc()))
        .load(conn)
        .await
}
