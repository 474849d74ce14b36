//! Background jobs of an instance, run by one runner.
//!
//! A [`Job`] implements one step ([`Job::run_once`]: handle what is due, say how much it
//! handled). The [`Runner`] owns the rest: the loop, the pause between steps, the backoff
//! after a failed step, the shutdown, and for periodic jobs the claim of the period.
//!
//! Two schedules ([`Schedule`]):
//! - **Queue** jobs drain rows that instances claim one at a time (`FOR UPDATE SKIP LOCKED`,
//!   or the audit chain's head lock), so every instance polls and each row is handled once:
//!   the email and webhook outboxes, the audit sealer, the round reminders. A step that
//!   found work is followed at once by the next; an idle one by a pause.
//! - **Periodic** jobs run once per period across all instances: the FX refresh and
//!   housekeeping. Before a step the runner claims `(job, period)` in `job_runs`
//!   ([`periods`]); one instance wins and the others skip the period. If the winner crashes,
//!   its lease runs out and the next instance to ask runs the period; a failed step is
//!   retried (by any instance) after a delay.
//!
//! `serve` runs the loops beside the HTTP server and `coprocure worker` runs them alone.
//! Tests start no loop: they call [`Runner::run_until_idle`].

pub mod housekeeping;
pub mod jobs;
pub mod periods;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::context::Ctx;
use crate::db::{DbConn, DbPool};
use crate::notifications::mailer::Mailer;
use crate::{notifications, webhooks};

/// The future of one step: how many items it handled.
pub type Step<'a> = Pin<Box<dyn Future<Output = anyhow::Result<usize>> + Send + 'a>>;

/// When a job's steps run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Every instance drains the queue: the next step at once after one that found work,
    /// after `idle` otherwise.
    Queue {
        /// Pause after a step that found nothing to do.
        idle: Duration,
    },
    /// Every instance takes what has gathered, every `every`: for a job whose step already
    /// takes everything there is (the audit sealer chains every committed event, however
    /// many batches that needs), so a step that found work does not mean more is waiting.
    /// Run again at once, the sealer chained a handful of events per transaction under a
    /// steady load — nine statements for every few events, on the database the requests
    /// wait for; after a pause it chains them a thousand at a time.
    Gathered {
        /// Pause after every step.
        every: Duration,
    },
    /// Once per period across all instances. Periods are aligned on the Unix epoch (a day
    /// starts at 00:00 UTC).
    Periodic {
        /// Length of a period.
        every: Duration,
        /// How long a claim holds before another instance may take the period over; longer
        /// than any step takes.
        lease: Duration,
    },
}

/// A background job: one step of work.
pub trait Job: Send + Sync + 'static {
    /// Name in logs and in `job_runs` (`snake_case`).
    fn name(&self) -> &'static str;
    /// When its steps run.
    fn schedule(&self) -> Schedule;
    /// Handles what is due now; returns how many items it handled (0: nothing to do).
    fn run_once(&self) -> Step<'_>;
}

/// A schedule's duration on the clock (durations here are minutes to days: the cap only
/// keeps the arithmetic from overflowing).
fn span(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d.min(Duration::from_secs(366 * 86_400)))
        .unwrap_or(chrono::Duration::days(366))
}

/// Pause after a failed step: 1 s doubling to 60 s.
fn error_pause(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.saturating_sub(1).min(6)).min(Duration::from_secs(60))
}

/// The longest a periodic job sleeps before checking its period again (the clock can jump,
/// and a failed period becomes due again before the next one starts).
pub const PERIODIC_POLL: Duration = Duration::from_secs(30);

/// Rounds after which [`Runner::run_until_idle`] gives up (a job that never gets idle).
const MAX_ROUNDS: usize = 1000;

/// The jobs of one instance.
#[derive(Clone)]
pub struct Runner {
    pool: DbPool,
    clock: Arc<dyn Clock>,
    instance: Arc<str>,
    jobs: Vec<Arc<dyn Job>>,
}

impl Runner {
    /// A runner with no jobs, named after the host and the process (plus a random suffix,
    /// so two runners of one process are two instances).
    pub fn new(pool: DbPool, clock: Arc<dyn Clock>) -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_owned());
        let mut suffix = [0u8; 3];
        let _ = getrandom::fill(&mut suffix);
        let instance = format!("{host}:{}:{}", std::process::id(), hex::encode(suffix));
        Self {
            pool,
            clock,
            instance: instance.into(),
            jobs: Vec::new(),
        }
    }

    /// The jobs every instance runs, as the context's settings configure them: the FX
    /// refresh (when `COPROCURE_FX_REFRESH_HOURS` is not 0), housekeeping, round reminders,
    /// the email and webhook outboxes, and the audit sealer.
    pub fn from_settings(ctx: &Ctx) -> anyhow::Result<Self> {
        let (pool, settings, clock) = (ctx.pool.clone(), &ctx.settings, ctx.clock.clone());
        let mailer = Mailer::from_settings(settings.smtp_url.as_deref(), &settings.data_dir)?;
        if let Mailer::Files(dir) = &mailer {
            tracing::info!(dir = %dir.display(), "no COPROCURE_SMTP_URL: emails are written as .eml files");
        }
        let mut runner = Self::new(pool.clone(), clock.clone());
        if let Some(every) = settings.fx_refresh {
            runner.add(jobs::FxRefresh::new(ctx.clone(), every));
        }
        runner.add(housekeeping::Housekeeping::new(pool.clone(), clock.clone()));
        runner.add(jobs::Reminders::new(
            pool.clone(),
            clock.clone(),
            settings.public_url.clone(),
        ));
        runner.add(jobs::EmailOutbox(notifications::worker::Worker::new(
            pool.clone(),
            mailer,
            clock.clone(),
            &settings.mail_from,
        )?));
        runner.add(jobs::WebhookOutbox(webhooks::worker::Worker::new(
            pool.clone(),
            clock.clone(),
            settings.allow_loopback_webhooks,
        )?));
        runner.add(jobs::AuditSealer::new(pool, clock));
        Ok(runner)
    }

    /// Adds a job.
    pub fn add(&mut self, job: impl Job) {
        self.jobs.push(Arc::new(job));
    }

    /// This instance's name in `job_runs`.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The names of the jobs, in the order they run.
    pub fn job_names(&self) -> Vec<&'static str> {
        self.jobs.iter().map(|j| j.name()).collect()
    }

    async fn conn(&self) -> anyhow::Result<DbConn> {
        self.pool
            .get()
            .await
            .map(DbConn::from)
            .map_err(|e| anyhow::anyhow!("background jobs: {e}"))
    }

    /// One step of `job`: `None` when it is periodic and its current period is done or held
    /// by another instance, else how many items it handled.
    pub async fn step(&self, job: &dyn Job) -> anyhow::Result<Option<usize>> {
        let Schedule::Periodic { every, lease } = job.schedule() else {
            return job.run_once().await.map(Some);
        };
        let now = self.clock.now();
        let period = periods::period_start(now, every);
        let lease = span(lease);
        let claim = {
            let mut conn = self.conn().await?;
            periods::claim(
                &mut conn,
                job.name(),
                period,
                &self.instance,
                now,
                now + lease,
            )
            .await?
        };
        let Some(attempt) = claim else {
            return Ok(None);
        };
        let outcome = job.run_once().await;
        let mut conn = self.conn().await?;
        let now = self.clock.now();
        match outcome {
            Ok(items) => {
                periods::finish(
                    &mut conn,
                    job.name(),
                    period,
                    &self.instance,
                    attempt,
                    now,
                    items,
                )
                .await?;
                Ok(Some(items))
            }
            Err(e) => {
                let retry_at = now + periods::retry_delay(attempt);
                let error = format!("{e:#}");
                periods::fail(
                    &mut conn,
                    job.name(),
                    period,
                    &self.instance,
                    attempt,
                    retry_at,
                    &error,
                )
                .await?;
                Err(e)
            }
        }
    }

    /// Runs every job's step, round after round, until a round in which no job had work (a
    /// periodic job that ran counts as having had work, since what it did may give the
    /// others some); returns how many items were handled. Tests drive the jobs with this.
    pub async fn run_until_idle(&self) -> anyhow::Result<usize> {
        let mut total = 0;
        for _ in 0..MAX_ROUNDS {
            let mut busy = false;
            for job in &self.jobs {
                let ran = self
                    .step(job.as_ref())
                    .await
                    .with_context(|| format!("background job {}", job.name()))?;
                if let Some(items) = ran {
                    total += items;
                    busy |= items > 0 || matches!(job.schedule(), Schedule::Periodic { .. });
                }
            }
            if !busy {
                return Ok(total);
            }
        }
        anyhow::bail!("background jobs still had work after {MAX_ROUNDS} rounds")
    }

    /// How long a periodic job sleeps: until its next period starts, at most
    /// [`PERIODIC_POLL`].
    fn until_next_period(&self, every: Duration) -> Duration {
        let now = self.clock.now();
        let next = periods::period_start(now, every) + span(every);
        (next - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .clamp(Duration::from_millis(10), PERIODIC_POLL)
    }

    /// Starts one loop per job on the current Tokio runtime.
    pub fn spawn(self) -> Background {
        let (shutdown, rx) = watch::channel(false);
        let tasks = self
            .jobs
            .iter()
            .map(|job| tokio::spawn(run_loop(self.clone(), job.clone(), rx.clone())))
            .collect();
        Background { shutdown, tasks }
    }
}

/// The loop of one job until shutdown; a step in progress completes first.
async fn run_loop(runner: Runner, job: Arc<dyn Job>, mut shutdown: watch::Receiver<bool>) {
    let mut failures = 0u32;
    loop {
        let pause = match runner.step(job.as_ref()).await {
            Ok(ran) => {
                failures = 0;
                match job.schedule() {
                    Schedule::Queue { .. } if ran.unwrap_or(0) > 0 => Duration::ZERO,
                    Schedule::Queue { idle } => idle,
                    Schedule::Gathered { every } => every,
                    Schedule::Periodic { every, .. } => runner.until_next_period(every),
                }
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::warn!(
                    job = job.name(),
                    failures,
                    error = format!("{e:#}"),
                    "background job step failed"
                );
                error_pause(failures)
            }
        };
        if pause_or_stop(&mut shutdown, pause).await {
            break;
        }
    }
}

/// Waits `pause` (none when zero) or until shutdown is requested; true when the loop
/// should stop.
async fn pause_or_stop(shutdown: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    if !pause.is_zero() && !*shutdown.borrow() {
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => {}
        }
    }
    *shutdown.borrow()
}

/// Running background loops.
pub struct Background {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts the loops of the jobs the settings configure ([`Runner::from_settings`]).
    pub fn spawn(ctx: &Ctx) -> anyhow::Result<Self> {
        Ok(Runner::from_settings(ctx)?.spawn())
    }

    /// Asks the loops to stop after their current step and waits up to 30 s.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            if tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .is_err()
            {
                tracing::warn!("a background job did not stop within 30 s");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_pause_doubles_from_one_second_to_a_minute() {
        let secs: Vec<u64> = (1..=9).map(|f| error_pause(f).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(error_pause(u32::MAX).as_secs(), 60);
    }
}
