//! Housekeeping, once an hour across all instances: expired idempotency keys, login
//! failures and sources no throttle still uses ([`crate::auth::repo::prune_login_failures`]),
//! and `job_runs` rows older than [`RUNS_KEPT`].

use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as Span;

use super::{periods, Job, Schedule, Step};
use crate::auth::repo as auth_repo;
use crate::clock::Clock;
use crate::db::DbPool;
use crate::idempotency::repo as idempotency_repo;

/// How often housekeeping runs.
pub const EVERY: Duration = Duration::from_secs(3600);
/// How long a run may hold its period before another instance takes it over.
pub const LEASE: Duration = Duration::from_secs(600);
/// How long the record of periodic job runs is kept.
pub const RUNS_KEPT: Span = Span::days(30);

/// The housekeeping job.
pub struct Housekeeping {
    pool: DbPool,
    clock: Arc<dyn Clock>,
}

impl Housekeeping {
    pub fn new(pool: DbPool, clock: Arc<dyn Clock>) -> Self {
        Self { pool, clock }
    }

    /// Deletes what has expired at `now`; returns how many rows.
    async fn prune(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let now = self.clock.now();
        let keys = idempotency_repo::prune(&mut conn, now).await?;
        let failures = auth_repo::prune_login_failures(&mut conn, now).await?;
        let runs = periods::prune(&mut conn, now - RUNS_KEPT).await?;
        tracing::debug!(keys, failures, runs, "housekeeping");
        Ok(keys + failures + runs)
    }
}

impl Job for Housekeeping {
    fn name(&self) -> &'static str {
        "housekeeping"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Periodic {
            every: EVERY,
            lease: LEASE,
        }
    }

    fn run_once(&self) -> Step<'_> {
        Box::pin(self.prune())
    }
}
