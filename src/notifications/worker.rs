//! The outbox worker's step (the background runner, [`crate::background`], runs it in
//! `serve` and in `coprocure worker`).
//!
//! Each pass claims up to [`BATCH`] due rows with `FOR UPDATE SKIP LOCKED` in one
//! transaction, sends them, and records each outcome before committing. A crash mid-batch
//! rolls the claim back; the rows are sent again with the same Message-ID (derived from the
//! row id), which receivers use to drop duplicates.

use std::sync::Arc;

use diesel_async::AsyncConnection;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::Message;

use super::backoff::{self, AfterFailure};
use super::mailer::{Mailer, SendError};
use super::repo::{self, OutboxEmail};
use super::templates;
use crate::auth::Locale;
use crate::clock::Clock;
use crate::db::DbPool;

/// Rows claimed per pass.
pub const BATCH: i64 = 20;

/// Sends outbox rows.
#[derive(Clone)]
pub struct Worker {
    pool: DbPool,
    mailer: Mailer,
    clock: Arc<dyn Clock>,
    from: Mailbox,
    domain: String,
}

impl Worker {
    /// A worker sending as `mail_from` (`Name <address>` or a bare address).
    pub fn new(
        pool: DbPool,
        mailer: Mailer,
        clock: Arc<dyn Clock>,
        mail_from: &str,
    ) -> anyhow::Result<Self> {
        let from: Mailbox = mail_from.parse().map_err(|e| {
            anyhow::anyhow!("COPROCURE_MAIL_FROM `{mail_from}` is not a mailbox: {e}")
        })?;
        let domain = from.email.domain().to_owned();
        Ok(Self {
            pool,
            mailer,
            clock,
            from,
            domain,
        })
    }

    /// The Message-ID of a row: stable across retries and restarts.
    pub fn message_id(&self, row_id: uuid::Uuid) -> String {
        format!("<{row_id}@{}>", self.domain)
    }

    /// One pass: claims, sends and records up to [`BATCH`] rows; returns how many.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| anyhow::anyhow!("outbox worker: {e}"))?;
        let now = self.clock.now();
        conn.transaction(async |conn| -> anyhow::Result<usize> {
            let rows = repo::claim_due(conn, now, BATCH).await?;
            // The batch is sent concurrently (the SMTP transport pools connections), then
            // every outcome is recorded before the claim commits.
            let outcomes = futures_util::future::join_all(rows.iter().map(|row| async move {
                let message_id = self.message_id(row.id);
                let outcome = self.deliver(row, &message_id).await;
                (row, message_id, outcome)
            }))
            .await;
            for (row, message_id, outcome) in outcomes {
                let (permanent, error) = match outcome {
                    Ok(reply) => {
                        repo::mark_sent(conn, row.id, &message_id, &reply, self.clock.now())
                            .await?;
                        continue;
                    }
                    Err(SendError::Permanent(error)) => (true, error),
                    Err(SendError::Transient(error)) => (false, error),
                };
                let failures = u32::try_from(row.attempts).unwrap_or(0) + 1;
                match backoff::after_failure(
                    permanent,
                    failures,
                    row.retry_window_started_at,
                    now,
                    error,
                ) {
                    AfterFailure::Retry { at, error } => {
                        repo::mark_failed(conn, row.id, Some(&message_id), &error, Some(at))
                            .await?;
                    }
                    AfterFailure::Dead { error } => {
                        tracing::warn!(outbox_id = %row.id, %error, "email dead-lettered");
                        repo::mark_failed(conn, row.id, Some(&message_id), &error, None).await?;
                    }
                }
            }
            Ok(rows.len())
        })
        .await
    }

    async fn deliver(&self, row: &OutboxEmail, message_id: &str) -> Result<String, SendError> {
        let locale = Locale::parse(&row.locale).unwrap_or(Locale::Ko);
        let rendered = templates::render(&row.template, locale, &row.payload)
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        let to: Mailbox = row.recipient.parse().map_err(|e| {
            SendError::Permanent(format!(
                "recipient `{}` is not an address: {e}",
                row.recipient
            ))
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(message_id.to_owned()))
            .header(ContentLanguage(locale.as_str().to_owned()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(rendered.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(rendered.html),
                    ),
            )
            .map_err(|e| SendError::Permanent(format!("cannot build the message: {e}")))?;
        self.mailer.send(&message, &row.id.to_string()).await
    }
}

/// `Content-Language` (RFC 3282), so mail clients know which language the body is in.
#[derive(Debug, Clone)]
struct ContentLanguage(String);

impl lettre::message::header::Header for ContentLanguage {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().to_owned()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}
