//! SQL of the idempotency keys (`idempotency_keys`).

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::{Bool, Nullable, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{Answer, RETENTION};
use crate::ids::UserId;
use crate::schema::idempotency_keys;

/// A key's row.
#[derive(Debug, Queryable)]
pub struct KeyRow {
    pub request_hash: Vec<u8>,
    pub response_status: Option<i32>,
    pub response_body: Option<Vec<u8>>,
    pub response_location: Option<String>,
    pub response_content_type: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Inserts the key for a request; false when the user has the key already. Waits for a
/// concurrent uncommitted insert of the same key.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(hash),
            idempotency_keys::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// The key's row, locked until the transaction ends.
pub async fn find_for_update(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
) -> QueryResult<Option<KeyRow>> {
    idempotency_keys::table
        .find((user, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_status,
            idempotency_keys::response_body,
            idempotency_keys::response_location,
            idempotency_keys::response_content_type,
            idempotency_keys::created_at,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Gives the key to a new request: its hash, no answer, created `now`.
pub async fn take_over(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(idempotency_keys::table.find((user, key)))
        .set((
            idempotency_keys::request_hash.eq(hash),
            idempotency_keys::response_status.eq(None::<i32>),
            idempotency_keys::response_body.eq(None::<Vec<u8>>),
            idempotency_keys::response_location.eq(None::<String>),
            idempotency_keys::response_content_type.eq(None::<String>),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn)
        .await
}

/// `clock_timestamp() < deadline` (true without one): the database's clock at the statement
/// that stores the answer, just before `COMMIT`.
fn before(deadline: Option<DateTime<Utc>>) -> SqlLiteral<Bool, impl QueryFragment<Pg>> {
    sql::<Bool>("clock_timestamp() < coalesce(")
        .bind::<Nullable<Timestamptz>, _>(deadline)
        .sql(", 'infinity'::timestamptz)")
}

/// Stores the answer in the key's row; 0 rows when the database clock has reached `deadline`.
pub async fn store(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    answer: &Answer,
    deadline: Option<DateTime<Utc>>,
) -> QueryResult<usize> {
    diesel::update(
        idempotency_keys::table
            .find((user, key))
            .filter(before(deadline)),
    )
    .set((
        idempotency_keys::response_status.eq(Some(answer.status)),
        idempotency_keys::response_body.eq(Some(&answer.body)),
        idempotency_keys::response_location.eq(answer.location.as_deref()),
        idempotency_keys::response_content_type.eq(answer.content_type.as_deref()),
    ))
    .execute(conn)
    .await
}

/// Releases the key (the effects commit, the answer is not kept); 0 rows when the database
/// clock has reached `deadline`.
pub async fn forget(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    deadline: Option<DateTime<Utc>>,
) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table
            .find((user, key))
            .filter(before(deadline)),
    )
    .execute(conn)
    .await
}

/// Deletes keys past retention.
pub async fn prune(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(now - RETENTION)))
        .execute(conn)
        .await
}
