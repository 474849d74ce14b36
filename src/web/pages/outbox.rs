//! The outboxes for platform admins (`/admin/outbox`): emails and webhooks, filtered by
//! status, newest first, and "send again" on a waiting or dead-lettered row — the same list
//! and retry functions the operations API calls.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::Fmt;
use crate::api::pagination::{encode, PageQuery};
use crate::auth::Role;
use crate::db;
use crate::error::AppError;
use crate::i18n::operations::{self, OpsMsgs};
use crate::notifications::{self, repo::OutboxEmail, OutboxStatus};
use crate::state::AppState;
use crate::web::render::{page, see_other};
use crate::web::session::Page;
use crate::web::Routes;
use crate::webhooks::{self, repo::OutboxWebhook};

/// Rows per table.
const PER_PAGE: u32 = 50;

/// The outbox pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/admin/outbox").get(index))
        .service(Routes::at("/admin/outbox/emails/{id}/retry").post(retry_email))
        .service(Routes::at("/admin/outbox/webhooks/{id}/retry").post(retry_webhook));
}

/// `?status=&emails=&webhooks=&retried=` (the two cursors page each table).
#[derive(Debug, Default, serde::Deserialize)]
pub struct OutboxQuery {
    status: Option<String>,
    emails: Option<String>,
    webhooks: Option<String>,
    retried: Option<String>,
}

fn status_of(s: Option<&str>) -> Option<OutboxStatus> {
    match s {
        Some("pending") => Some(OutboxStatus::Pending),
        Some("sent") => Some(OutboxStatus::Sent),
        Some("dead") => Some(OutboxStatus::Dead),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "web/outbox/index.html")]
struct OutboxPage<'a> {
    page: &'a Page,
    m: &'static OpsMsgs,
    f: Fmt,
    status: &'static str,
    emails: Vec<OutboxEmail>,
    webhooks: Vec<OutboxWebhook>,
    next_emails: Option<String>,
    next_webhooks: Option<String>,
    retried: bool,
}

impl OutboxPage<'_> {
    /// The filter chosen.
    fn is_status(&self, s: &str) -> bool {
        self.status == s
    }

    /// A row may be sent again unless it was delivered.
    fn retriable(&self, status: &str) -> bool {
        status != "sent"
    }
}

/// `GET /admin/outbox` (platform admins).
pub async fn index(
    state: web::Data<AppState>,
    p: Page,
    q: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::PlatformAdmin])?;
    let q = q.into_inner();
    let status = status_of(q.status.as_deref());
    let cursor = |c: &Option<String>| PageQuery {
        limit: Some(PER_PAGE),
        cursor: c.clone().filter(|c| !c.is_empty()),
    };
    let (eq, wq) = (cursor(&q.emails), cursor(&q.webhooks));
    let limit = eq.limit()?;
    let mut conn = db::conn(&state.pool).await?;
    let emails = notifications::list(&mut conn, status, eq.after()?, limit).await?;
    let webhooks = webhooks::list(&mut conn, status, wq.after()?, limit).await?;
    drop(conn);
    let status_str = status.map_or("", OutboxStatus::as_str);
    let next = |key: &str, last: Option<(chrono::DateTime<chrono::Utc>, uuid::Uuid)>, n: usize| {
        (n as i64 == limit).then_some(()).and(last).map(|k| {
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("status", status_str)
                .append_pair(key, &encode(k))
                .finish()
        })
    };
    let next_emails = next(
        "emails",
        emails.last().map(|e| (e.created_at, e.id)),
        emails.len(),
    );
    let next_webhooks = next(
        "webhooks",
        webhooks.last().map(|e| (e.created_at, e.id)),
        webhooks.len(),
    );
    let f = Fmt::of(&state, &p, &who).await?;
    page(&OutboxPage {
        m: operations::msgs(p.locale),
        page: &p,
        f,
        status: status_str,
        emails,
        webhooks,
        next_emails,
        next_webhooks,
        retried: q.retried.is_some(),
    })
}

/// `status` of the retry forms (where to come back to).
#[derive(Debug, Default, serde::Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    status: String,
}

fn back(form: &RetryForm) -> String {
    let status = status_of(Some(form.status.as_str())).map_or("", OutboxStatus::as_str);
    format!("/admin/outbox?status={status}&retried=1")
}

/// `POST /admin/outbox/emails/{id}/retry`.
pub async fn retry_email(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<uuid::Uuid>,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::PlatformAdmin])?;
    notifications::service::retry(&state, who.actor(), id.into_inner()).await?;
    Ok(see_other(&back(&form)))
}

/// `POST /admin/outbox/webhooks/{id}/retry`.
pub async fn retry_webhook(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<uuid::Uuid>,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::PlatformAdmin])?;
    let mut conn = db::conn(&state.pool).await?;
    webhooks::retry(&mut conn, state.clock.now(), who.actor(), id.into_inner()).await?;
    Ok(see_other(&back(&form)))
}
