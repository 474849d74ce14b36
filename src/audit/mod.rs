//! The tamper-evident audit trail (DESIGN rule 12).
//!
//! - [`record`] inserts an event inside the caller's transaction: no chain-wide lock, so
//!   thousands of writes per second in one cooperative do not queue behind each other.
//! - [`seal_pending`] (a background task in every instance) chains committed events per
//!   chain in a fixed order (`at`, then id), under a per-chain row lock held only by
//!   sealers. Each event is chained exactly once (primary key on `audit_chain.event_id`,
//!   unique `(chain, position)`), and none is skipped (the pending queue is filled in the
//!   event's own transaction).
//! - [`verify`] recomputes every link from the stored events and reports the first break.
//! - The database refuses UPDATE, DELETE and TRUNCATE on `audit_events` and `audit_chain`.

pub mod chain;
pub mod repo;
pub mod service;

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::ids::{CooperativeId, UserId};
pub use chain::Break;

/// Name of the platform's chain (events with no cooperative).
pub const PLATFORM_CHAIN: &str = "platform";

/// Who did it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in (or identified) user.
    User(UserId),
    /// The system itself (jobs, the command line).
    System,
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct Event {
    /// The cooperative whose chain it joins (`None`: the platform chain).
    pub cooperative_id: Option<CooperativeId>,
    /// Who did it.
    pub actor: Actor,
    /// `domain.verb`, e.g. `auth.login`, `user.created`.
    pub action: &'static str,
    /// Kind of the entity acted on, e.g. `user`, `session`.
    pub entity: &'static str,
    /// Its id.
    pub entity_id: Option<String>,
    /// Details. Never secrets: no passwords, tokens or hashes.
    pub data: Value,
}

impl Event {
    /// A platform-chain event.
    pub fn platform(
        actor: Actor,
        action: &'static str,
        entity: &'static str,
        entity_id: impl ToString,
        data: Value,
    ) -> Self {
        Self {
            cooperative_id: None,
            actor,
            action,
            entity,
            entity_id: Some(entity_id.to_string()),
            data,
        }
    }

    /// The same event in a cooperative's chain.
    pub fn in_cooperative(mut self, cooperative_id: Option<CooperativeId>) -> Self {
        self.cooperative_id = cooperative_id;
        self
    }
}

/// Records an event inside the caller's transaction (one statement, no lock).
pub async fn record(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
    event: Event,
) -> diesel::QueryResult<uuid::Uuid> {
    repo::insert_event(conn, at, &event).await
}

/// Chains every committed, not yet chained event; returns how many were chained.
/// Safe to run from several instances at once.
pub async fn seal_pending(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let chains = repo::pending_chains(conn).await?;
    let mut sealed = 0;
    for chain in chains {
        loop {
            let n = conn
                .transaction(async |conn| repo::seal_batch(conn, &chain, now, 1000).await)
                .await?;
            sealed += n;
            if n < 1000 {
                break;
            }
        }
    }
    Ok(sealed)
}

/// The outcome of verifying one chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    /// True when every link verifies and no committed event was left out.
    pub ok: bool,
    /// The chain (`platform` or a cooperative id).
    pub chain: String,
    /// Links verified (up to the first break).
    pub events: i64,
    /// Hex SHA-256 of the last verified link (`null` for an empty chain).
    pub head: Option<String>,
    /// The first link that fails, if any.
    pub first_broken: Option<Break>,
    /// Events committed but not yet chained (the sealer runs every second or so).
    pub pending: i64,
}

/// Verifies one chain from its first link.
pub async fn verify(
    conn: &mut AsyncPgConnection,
    chain_name: &str,
) -> anyhow::Result<Verification> {
    repo::verify_chain(conn, chain_name).await
}

/// The chain of a cooperative (or the platform's).
pub fn chain_of(cooperative_id: Option<CooperativeId>) -> String {
    cooperative_id.map_or_else(|| PLATFORM_CHAIN.to_owned(), |c| c.to_string())
}
