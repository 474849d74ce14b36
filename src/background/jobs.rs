//! The jobs every instance runs, each one step of an existing use case: the modules that do
//! the work know nothing of loops or schedules.

use std::sync::Arc;
use std::time::Duration;

use super::{Job, Schedule, Step};
use crate::audit::{self, Actor};
use crate::clock::Clock;
use crate::context::Ctx;
use crate::db::{DbConn, DbPool};
use crate::fx;
use crate::notifications;
use crate::rounds::reminders;
use crate::webhooks;

/// Pause of the outboxes when they find nothing to do: new rows go out within this.
pub const QUEUE_IDLE: Duration = Duration::from_millis(250);
/// The audit sealer's pause between steps: often enough that its batches stay short (a few
/// hundred events under a heavy load, not one long transaction competing with requests),
/// seldom enough that a batch is more than a handful of events.
pub const SEAL_EVERY: Duration = Duration::from_millis(100);
/// Pause of the reminder check when no round is due.
pub const REMINDERS_IDLE: Duration = Duration::from_secs(30);
/// Lease of an FX refresh: far above its worst case (7 feed requests of at most
/// `COPROCURE_FX_TIMEOUT_MS` each, and one transaction).
pub const FX_LEASE: Duration = Duration::from_secs(600);

async fn conn(pool: &DbPool) -> anyhow::Result<DbConn> {
    pool.get()
        .await
        .map(DbConn::from)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Delivers due outbox emails ([`notifications::worker::Worker::run_once`]).
pub struct EmailOutbox(pub notifications::worker::Worker);

impl Job for EmailOutbox {
    fn name(&self) -> &'static str {
        "email_outbox"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Queue { idle: QUEUE_IDLE }
    }

    fn run_once(&self) -> Step<'_> {
        Box::pin(self.0.run_once())
    }
}

/// Delivers due webhooks ([`webhooks::worker::Worker::run_once`]).
pub struct WebhookOutbox(pub webhooks::worker::Worker);

impl Job for WebhookOutbox {
    fn name(&self) -> &'static str {
        "webhook_outbox"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Queue { idle: QUEUE_IDLE }
    }

    fn run_once(&self) -> Step<'_> {
        Box::pin(self.0.run_once())
    }
}

/// Chains committed audit events ([`audit::seal_pending`]); each event once, whichever
/// instance gets its chain's head lock.
pub struct AuditSealer {
    pool: DbPool,
    clock: Arc<dyn Clock>,
}

impl AuditSealer {
    pub fn new(pool: DbPool, clock: Arc<dyn Clock>) -> Self {
        Self { pool, clock }
    }
}

impl Job for AuditSealer {
    fn name(&self) -> &'static str {
        "audit_sealer"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Gathered { every: SEAL_EVERY }
    }

    fn run_once(&self) -> Step<'_> {
        Box::pin(async move {
            let mut conn = conn(&self.pool).await?;
            audit::seal_pending(&mut conn, self.clock.now()).await
        })
    }
}

/// Queues the 24-hour reminders of rounds that are due ([`reminders::send_due_reminders`]);
/// each round once, whichever instance locks it first.
pub struct Reminders {
    pool: DbPool,
    clock: Arc<dyn Clock>,
    public_url: String,
}

impl Reminders {
    pub fn new(pool: DbPool, clock: Arc<dyn Clock>, public_url: String) -> Self {
        Self {
            pool,
            clock,
            public_url,
        }
    }
}

impl Job for Reminders {
    fn name(&self) -> &'static str {
        "round_reminders"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Queue {
            idle: REMINDERS_IDLE,
        }
    }

    fn run_once(&self) -> Step<'_> {
        Box::pin(async move {
            let mut conn = conn(&self.pool).await?;
            reminders::send_due_reminders(&mut conn, &self.public_url, self.clock.now()).await
        })
    }
}

/// Fetches the FX feed once per `COPROCURE_FX_REFRESH_HOURS` across all instances
/// ([`fx::service::refresh`]); returns the rates stored. A feed that fails is recorded
/// (`fx.refresh_failed`) and not retried before the next period, as before.
pub struct FxRefresh {
    ctx: Ctx,
    every: Duration,
}

impl FxRefresh {
    pub fn new(ctx: Ctx, every: Duration) -> Self {
        Self { ctx, every }
    }
}

impl Job for FxRefresh {
    fn name(&self) -> &'static str {
        "fx_refresh"
    }

    fn schedule(&self) -> Schedule {
        Schedule::Periodic {
            every: self.every,
            lease: FX_LEASE,
        }
    }

    fn run_once(&self) -> Step<'_> {
        Box::pin(async move {
            let r = fx::service::refresh(&self.ctx, Actor::System, false).await?;
            if r.error.is_none() {
                tracing::info!(stored = r.stored, refused = r.refused.len(), date = ?r.date, "FX rates refreshed");
            }
            Ok(r.stored)
        })
    }
}
