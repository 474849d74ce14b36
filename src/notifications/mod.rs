//! Email through a transactional outbox (DESIGN rule 11).
//!
//! A use case calls [`enqueue`] inside its own transaction, so a rolled-back use case sends
//! nothing and a committed one cannot lose its email. The [`worker`] claims due rows with
//! `FOR UPDATE SKIP LOCKED` (several instances never send one row twice in normal
//! operation), renders the askama templates in the recipient's locale, sends, and records
//! the outcome: sent with the server's reply, retried with backoff, or dead-lettered.

pub mod backoff;
pub mod mailer;
pub mod outbox;
pub mod repo;
pub mod service;
pub mod templates;
pub mod worker;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Locale;
use crate::ids::MaterialId;
use crate::materials::repo::labels as material_labels;
pub use templates::EmailTemplate;
use templates::MaterialRef;

/// An email to enqueue.
#[derive(Debug, Clone)]
pub struct Email<'a, T: EmailTemplate> {
    /// Recipient address.
    pub to: &'a str,
    /// Language to render in.
    pub locale: Locale,
    /// The content.
    pub template: &'a T,
    /// Enqueuing twice with the same key keeps one email (e.g. `rfq:<id>:invite:<user>`).
    pub dedupe_key: Option<String>,
}

/// Inserts an email into the outbox within the caller's transaction. Returns the row id, or
/// `None` when the dedupe key was already used.
pub async fn enqueue<T: EmailTemplate>(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    email: Email<'_, T>,
) -> anyhow::Result<Option<uuid::Uuid>> {
    let payload = serde_json::to_value(email.template)?;
    Ok(repo::insert(
        conn,
        now,
        email.to,
        email.locale,
        T::NAME,
        payload,
        email.dedupe_key,
    )
    .await?)
}

/// Someone an email goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub locale: Locale,
}

/// Keeps the first recipient of each address (compared case-insensitively).
pub fn dedupe(list: Vec<Recipient>) -> Vec<Recipient> {
    let mut seen = std::collections::BTreeSet::new();
    list.into_iter()
        .filter(|r| seen.insert(r.email.to_lowercase()))
        .collect()
}

/// How emails name the materials `ids`: code, name and Korean name.
pub async fn material_refs(
    conn: &mut AsyncPgConnection,
    ids: &[MaterialId],
) -> diesel::QueryResult<std::collections::HashMap<MaterialId, MaterialRef>> {
    Ok(material_labels(conn, ids)
        .await?
        .into_iter()
        .map(|(id, code, name, name_ko)| {
            (
                id,
                MaterialRef {
                    code,
                    name,
                    name_ko,
                },
            )
        })
        .collect())
}

/// [`enqueue`] with a dedupe key; true when queued, false when the key was used already.
pub async fn enqueue_once<T: EmailTemplate>(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    to: &str,
    locale: Locale,
    template: &T,
    dedupe_key: String,
) -> anyhow::Result<bool> {
    let email = Email {
        to,
        locale,
        template,
        dedupe_key: Some(dedupe_key),
    };
    Ok(enqueue(conn, now, email).await?.is_some())
}

/// Delivery state of an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// Accepted by the SMTP server.
    Sent,
    /// Given up: permanent failure, or 48 h of transient ones.
    Dead,
}

impl OutboxStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }
}

/// Lists outbox rows (operations view).
pub async fn list(
    conn: &mut AsyncPgConnection,
    status: Option<OutboxStatus>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> diesel::QueryResult<Vec<repo::OutboxEmail>> {
    repo::list(conn, status.map(OutboxStatus::as_str), after, limit).await
}
