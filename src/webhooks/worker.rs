//! The webhook worker: claims due rows, POSTs them with reqwest (5 s timeout, no
//! redirects), and records the outcome. 2xx is delivered; 408, 425, 429 and 5xx, timeouts
//! and connection errors are retried with backoff for 48 hours; any other answer (a
//! redirect, 4xx) or a URL that is no longer acceptable is dead-lettered.

use std::sync::Arc;
use std::time::Duration;

use diesel_async::AsyncConnection;

use super::repo::{self, Due};
use crate::clock::Clock;
use crate::db::DbPool;
use crate::error;
use crate::notifications::backoff::{self, AfterFailure};

/// Rows claimed per pass.
pub const BATCH: i64 = 10;
/// Per-request timeout.
pub const TIMEOUT: Duration = Duration::from_secs(5);

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
            let rows = repo::claim_due(conn, now, BATCH).await?;
            let outcomes = futures_util::future::join_all(
                rows.iter()
                    .map(|(row, secret)| async move { (row, self.deliver(row, secret).await) }),
            )
            .await;
            for (row, outcome) in outcomes {
                let (permanent, error, status) = match outcome {
                    Ok(status) => {
                        repo::mark_sent(conn, row.id, status, self.clock.now()).await?;
                        continue;
                    }
                    Err(Failure::Permanent(error, status)) => (true, error, status),
                    Err(Failure::Transient(error, status)) => (false, error, status),
                };
                let failures = u32::try_from(row.attempts).unwrap_or(0) + 1;
                let after = backoff::after_failure(
                    permanent,
                    failures,
                    row.retry_window_started_at,
                    now,
                    error,
                );
                match &after {
                    AfterFailure::Retry { error, .. } => {
                        tracing::info!(webhook_id = %row.id, %error, attempt = failures, "webhook will be retried")
                    }
                    AfterFailure::Dead { error } => {
                        tracing::warn!(webhook_id = %row.id, supplier_id = %row.supplier_id, %error, "webhook dead-lettered")
                    }
                }
                repo::mark_failed(conn, row.id, status, after).await?;
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
            Err(e) => Err(Failure::Transient(error::chain(&e), None)),
        }
    }
}
