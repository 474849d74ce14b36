//! What a use case can reach: the connection pool, the settings, the clock and the round
//! cache. Every service takes a `&Ctx`. The HTTP state wraps one (and adds what only
//! requests need: access-token keys, the per-IP limiter, work started after answering);
//! the command line, the demo and the background jobs build their own with [`Ctx::new`].

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::DbPool;
use crate::rounds::cache::RoundCache;

/// The context of the use cases (cheap to clone).
#[derive(Clone)]
pub struct Ctx {
    /// PostgreSQL connection pool.
    pub pool: DbPool,
    /// Validated configuration.
    pub settings: Arc<Settings>,
    /// Source of "now".
    pub clock: Arc<dyn Clock>,
    /// Immutable facts of demand rounds (hot path of demand entry).
    pub rounds: Arc<RoundCache>,
}

impl Ctx {
    /// A context with an empty round cache.
    pub fn new(pool: DbPool, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        Self {
            pool,
            settings: Arc::new(settings),
            clock,
            rounds: Arc::default(),
        }
    }
}
