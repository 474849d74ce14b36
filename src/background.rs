//! Background tasks of an instance: the outbox worker, the audit sealer, and the round
//! reminders (with housekeeping of expired idempotency keys). `serve` runs
//! them beside the HTTP server; `coprocure worker` runs them alone.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::DbPool;
use crate::notifications::mailer::Mailer;
use crate::notifications::worker::Worker;

/// Waits `pause` (none when zero) or until shutdown is requested; true when the task should
/// stop. Every background loop ends its pass with this.
pub async fn pause_or_stop(shutdown: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    if !pause.is_zero() && !*shutdown.borrow() {
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => {}
        }
    }
    *shutdown.borrow()
}

/// Running background tasks.
pub struct Background {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts the outbox worker and the audit sealer.
    pub fn spawn(pool: DbPool, settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let mailer = Mailer::from_settings(settings.smtp_url.as_deref(), &settings.data_dir)?;
        if let Mailer::Files(dir) = &mailer {
            tracing::info!(dir = %dir.display(), "no COPROCURE_SMTP_URL: emails are written as .eml files");
        }
        let worker = Worker::new(pool.clone(), mailer, clock.clone(), &settings.mail_from)?;
        let (shutdown, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        if let Some(period) = settings.fx_refresh {
            tasks.push(tokio::spawn(crate::fx::service::run_daily(
                pool.clone(),
                Arc::new(settings.clone()),
                clock.clone(),
                period,
                rx.clone(),
            )));
        }
        tasks.extend([
            tokio::spawn(worker.run(rx.clone())),
            tokio::spawn(crate::audit::run_sealer(
                pool.clone(),
                clock.clone(),
                rx.clone(),
            )),
            tokio::spawn(
                crate::webhooks::worker::Worker::new(
                    pool.clone(),
                    clock.clone(),
                    settings.allow_loopback_webhooks,
                )?
                .run(rx.clone()),
            ),
            tokio::spawn(crate::rounds::reminders::run(
                pool,
                clock,
                settings.public_url.clone(),
                rx,
            )),
        ]);
        Ok(Self { shutdown, tasks })
    }

    /// Asks the tasks to stop after their current pass and waits up to 30 s.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            if tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .is_err()
            {
                tracing::warn!("a background task did not stop within 30 s");
            }
        }
    }
}
