//! The webhook worker: claims due rows, POSTs them with reqwest (5 s timeout, no
//! redirects), and records the outcome. 2xx is delivered; 408, 425, 429 and 5xx, timeouts
//! and connection errors are retried with backoff for 48 hours; any other answer (a
//! redirect, 4xx) or a URL that is no longer acceptable is dead-lettered.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::clock::Clock;
use crate::db::DbPool;
use crate::notifications::backoff;
use crate::schema::{outbox_webhooks, suppliers};

/// Rows claimed per pass.
pub const BATCH: i64 = 10;
/// Per-request timeout.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// A claimed row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_webhooks, check_for_backend(diesel::pg::Pg))]
struct Due {
    id: uuid::Uuid,
    supplier_id: uuid::Uuid,
    url: String,
    event: String,
    body: String,
    attempts: i32,
    retry_window_started_at: DateTime<Utc>,
}

enum Failure {
    Transient(String, Option<u16>),
    Permanent(String, Option<u16>),
}

/// Resolves webhook host names to public addresses only (loopback too when allowed), so a
/// name pointing at the platform's own network is refused at connect time, whatever it
/// resolved to when the URL was registered. The same check as at registration
/// ([`super::address`]).
struct PublicOnly {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let usable: Vec<std::net::SocketAddr> = found
                .into_iter()
                .filter(|a| super::address::allowed_ip(a.ip(), allow_loopback))
                .collect();
            if usable.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(usable.into_iter());
            Ok(addrs)
        })
    }
}

/// Sends webhook rows.
#[derive(Clone)]
pub struct Worker {
    pool: DbPool,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    allow_loopback: bool,
}

impl Worker {
    /// A worker; `allow_loopback` as `COPROCURE_ALLOW_LOOPBACK_WEBHOOKS`.
    pub fn new(pool: DbPool, clock: Arc<dyn Clock>, allow_loopback: bool) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(PublicOnly { allow_loopback }))
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("coprocure-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            pool,
            clock,
            http,
            allow_loopback,
        })
    }

    /// One pass: claims, sends and records up to [`BATCH`] rows; returns how many.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| anyhow::anyhow!("webhook worker: {e}"))?;
        let now = self.clock.now();
        conn.transaction(async |conn| -> anyhow::Result<usize> {
            let due: Vec<Due> = outbox_webhooks::table
                .filter(outbox_webhooks::status.eq("pending"))
                .filter(outbox_webhooks::next_attempt_at.le(now))
                .order(outbox_webhooks::next_attempt_at.asc())
                .limit(BATCH)
                .select(Due::as_select())
                .for_update()
                .skip_locked()
                .load(conn)
                .await?;
            let ids: Vec<uuid::Uuid> = due.iter().map(|d| d.supplier_id).collect();
            let current: Vec<(uuid::Uuid, Vec<u8>, Option<String>)> = suppliers::table
                .filter(suppliers::id.eq_any(&ids))
                .select((
                    suppliers::id,
                    suppliers::webhook_secret,
                    suppliers::webhook_url,
                ))
                .load(conn)
                .await?;
            // Sent to the supplier's URL as it is now: a changed URL takes the retries with
            // it, a removed one ends them.
            let rows: Vec<(Due, Vec<u8>)> = due
                .into_iter()
                .map(|mut d| {
                    let (secret, url) = current
                        .iter()
                        .find(|(id, _, _)| *id == d.supplier_id)
                        .map(|(_, s, u)| (s.clone(), u.clone()))
                        .unwrap_or_default();
                    d.url = url.unwrap_or_default();
                    (d, secret)
                })
                .collect();
            let outcomes = futures_util::future::join_all(
                rows.iter()
                    .map(|(row, secret)| async move { (row, self.deliver(row, secret).await) }),
            )
            .await;
            for (row, outcome) in outcomes {
                record(conn, row, outcome, now, self.clock.now()).await?;
            }
            Ok(rows.len())
        })
        .await
    }

    async fn deliver(&self, row: &Due, secret: &[u8]) -> Result<u16, Failure> {
        if row.url.is_empty() {
            return Err(Failure::Permanent(
                "the supplier no longer has a webhook URL".to_owned(),
                None,
            ));
        }
        if let Err(e) = super::address::url("webhook_url", &row.url, self.allow_loopback) {
            return Err(Failure::Permanent(
                format!("URL no longer acceptable: {}", e.message),
                None,
            ));
        }
        let response = self
            .http
            .post(&row.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                super::SIGNATURE_HEADER,
                super::signature(secret, row.body.as_bytes()),
            )
            .header(super::EVENT_HEADER, &row.event)
            .header(super::DELIVERY_HEADER, row.id.to_string())
            .body(row.body.clone())
            .send()
            .await;
        match response {
            Ok(r) => {
                let status = r.status().as_u16();
                match status {
                    200..=299 => Ok(status),
                    408 | 425 | 429 | 500..=599 => {
                        Err(Failure::Transient(format!("HTTP {status}"), Some(status)))
                    }
                    _ => Err(Failure::Permanent(format!("HTTP {status}"), Some(status))),
                }
            }
            Err(e) => Err(Failure::Transient(crate::error::chain(&e), None)),
        }
    }

    /// Runs passes until `shutdown` flips to true.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            let pause = match self.run_once().await {
                Ok(n) if n > 0 => Duration::ZERO,
                Ok(_) => crate::notifications::worker::IDLE_POLL,
                Err(e) => {
                    tracing::warn!(error = format!("{e:#}"), "webhook pass failed");
                    Duration::from_secs(2)
                }
            };
            if crate::background::pause_or_stop(&mut shutdown, pause).await {
                return;
            }
        }
    }
}

async fn record(
    conn: &mut AsyncPgConnection,
    row: &Due,
    outcome: Result<u16, Failure>,
    claimed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let target = outbox_webhooks::table.find(row.id);
    let attempts = outbox_webhooks::attempts.eq(outbox_webhooks::attempts + 1);
    match outcome {
        Ok(status) => {
            diesel::update(target)
                .set((
                    outbox_webhooks::status.eq("sent"),
                    attempts,
                    outbox_webhooks::response_status.eq(i32::from(status)),
                    outbox_webhooks::last_error.eq(None::<String>),
                    outbox_webhooks::sent_at.eq(now),
                ))
                .execute(conn)
                .await
        }
        Err(Failure::Permanent(error, status)) => {
            tracing::warn!(webhook_id = %row.id, supplier_id = %row.supplier_id, %error, "webhook dead-lettered");
            diesel::update(target)
                .set((
                    outbox_webhooks::status.eq("dead"),
                    attempts,
                    outbox_webhooks::response_status.eq(status.map(i32::from)),
                    outbox_webhooks::last_error.eq(error),
                ))
                .execute(conn)
                .await
        }
        Err(Failure::Transient(error, status)) => {
            let tries = u32::try_from(row.attempts).unwrap_or(0) + 1;
            let (state, next, error) = if backoff::give_up(row.retry_window_started_at, claimed_at)
            {
                tracing::warn!(webhook_id = %row.id, %error, "webhook dead-lettered after 48 h of retries");
                ("dead", claimed_at, format!("gave up after 48 h: {error}"))
            } else {
                tracing::info!(webhook_id = %row.id, %error, attempt = tries, "webhook will be retried");
                (
                    "pending",
                    claimed_at + backoff::delay(tries, backoff::random_jitter()),
                    error,
                )
            };
            diesel::update(target)
                .set((
                    outbox_webhooks::status.eq(state),
                    attempts,
                    outbox_webhooks::next_attempt_at.eq(next),
                    outbox_webhooks::response_status.eq(status.map(i32::from)),
                    outbox_webhooks::last_error.eq(error),
                ))
                .execute(conn)
                .await
        }
    }
}
