//! The store behind `Idempotency-Key` (DESIGN rule 13): per user and key, the hash of the
//! request it was first used for and, once that request committed, its answer; kept
//! [`RETENTION`]. A request's transaction begins with [`claim`] and ends with [`commit`] or
//! [`rollback`]. The HTTP middleware that reads the header, runs the request in that
//! transaction and replays stored answers is `api::idempotency`; expired keys are pruned by
//! housekeeping ([`repo::prune`]).

pub mod repo;

use chrono::{DateTime, Duration, Utc};
use diesel::QueryResult;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, TransactionManager};

use crate::error::AppError;
use crate::ids::UserId;

/// How long keys are kept.
pub const RETENTION: Duration = Duration::hours(24);

/// A stored answer.
pub struct Answer {
    pub status: i32,
    pub body: Vec<u8>,
    pub location: Option<String>,
    pub content_type: Option<String>,
}

/// What a key holds for a request.
pub enum Claim {
    /// The key's row is inserted (uncommitted) in the open transaction: run the request.
    Fresh,
    /// The key holds an answer to this same request (the transaction is rolled back).
    Replay(Answer),
    /// The key was used for a different request (the transaction is rolled back).
    Mismatch,
}

/// Begins the request's transaction and claims the key in it.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Claim, AppError> {
    AnsiTransactionManager::begin_transaction(conn).await?;
    // Twice at most: the row we conflicted with can be pruned (or forgotten by a 401) before
    // we read it.
    for _ in 0..2 {
        // Waits for a concurrent uncommitted insert of the same key (its request running).
        if repo::insert(conn, user, key, hash, now).await? {
            return Ok(Claim::Fresh);
        }
        let Some(row) = repo::find_for_update(conn, user, key).await? else {
            continue;
        };
        match row.response_status {
            // An expired key (not pruned yet) is free again.
            Some(status) if row.created_at > now - RETENTION => {
                AnsiTransactionManager::rollback_transaction(conn).await?;
                return Ok(if row.request_hash != hash {
                    Claim::Mismatch
                } else {
                    Claim::Replay(Answer {
                        status,
                        body: row.response_body.unwrap_or_default(),
                        location: row.response_location,
                        content_type: row.response_content_type,
                    })
                });
            }
            // Expired, or a row without an answer (none is committed any more): take it.
            _ => {
                repo::take_over(conn, user, key, hash, now).await?;
                return Ok(Claim::Fresh);
            }
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "the idempotency key kept changing under the request"
    )))
}

/// Commits the request's transaction: its effects and the key's answer together.
pub async fn commit(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    AnsiTransactionManager::commit_transaction(conn).await
}

/// Rolls the request's transaction back.
pub async fn rollback(conn: &mut AsyncPgConnection) {
    // On failure the connection is left in a transaction: the pool discards it.
    if let Err(e) = AnsiTransactionManager::rollback_transaction(conn).await {
        tracing::warn!(error = %e, "cannot roll back an idempotent request");
    }
}
