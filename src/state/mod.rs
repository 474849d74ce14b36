//! What every request handler can reach: the pool, settings, clock and keys.

pub mod detached;

use std::sync::Arc;

use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::IpRateLimiter;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::DbPool;
pub use detached::Detached;

/// Shared application state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// PostgreSQL connection pool.
    pub pool: DbPool,
    /// Validated configuration.
    pub settings: Arc<Settings>,
    /// Source of "now".
    pub clock: Arc<dyn Clock>,
    /// Access-token keys.
    pub jwt: Arc<JwtKeys>,
    /// Per-IP limiter of `/auth/*`.
    pub auth_limiter: Arc<IpRateLimiter>,
    /// Immutable facts of demand rounds (hot path of demand entry).
    pub rounds: Arc<crate::rounds::cache::RoundCache>,
    /// Work requests start after answering.
    pub detached: Arc<Detached>,
}
