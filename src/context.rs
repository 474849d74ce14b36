//! What a use case can reach: the connection pool, the settings, the clock and the round
//! cache. Every service takes a `&Ctx`. The HTTP state wraps one (and adds what only
//! requests need: access-token keys, the per-IP limiter, work started after answering);
//! the command line, the demo and the background jobs build their own with [`Ctx::new`].

use std::sync::Arc;

use crate::auth::cache::{self as session_cache, SessionCache};
use crate::clock::Clock;
use crate::comparison::cache::{self as comparison_cache, ComparisonCache};
use crate::config::Settings;
use crate::db::listen::{self, Listener, Subscriber};
use crate::db::DbPool;
use crate::rounds::cache::RoundCache;
use crate::tls;

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
    /// Live API sessions (served while [`Ctx::listen`] runs).
    pub sessions: Arc<SessionCache>,
    /// Computed comparisons (served while [`Ctx::listen`] runs).
    pub comparisons: Arc<ComparisonCache>,
}

impl Ctx {
    /// A context with an empty round cache.
    pub fn new(pool: DbPool, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        // Outgoing TLS (SMTP, the FX feed, webhooks) needs the crypto provider first.
        tls::install();
        Self {
            pool,
            settings: Arc::new(settings),
            clock,
            rounds: Arc::default(),
            sessions: Arc::new(session_cache::new()),
            comparisons: Arc::new(comparison_cache::new()),
        }
    }

    /// Starts keeping the caches in step with the database; until then (and while the
    /// listener is disconnected) they serve nothing. Stops when the result is dropped.
    pub fn listen(&self) -> Listener {
        listen::spawn(self.pool.clone(), self.subscribers())
    }

    /// Applies to this instance's caches what a finished request changed (see
    /// [`listen::collecting`]).
    pub fn notice_local(&self, payloads: &[String]) {
        for s in self.subscribers() {
            for p in payloads {
                s.notice(p);
            }
        }
    }

    fn subscribers(&self) -> Vec<Arc<dyn Subscriber>> {
        vec![self.sessions.clone(), self.comparisons.clone()]
    }
}
