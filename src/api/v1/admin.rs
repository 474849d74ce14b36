//! Operations endpoints: the email and webhook outboxes, and audit-chain verification.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::pagination::{Page, PageQuery, SortKey};
use crate::audit::repo::EventOut;
use crate::audit::{self, Actor, Verification};
use crate::auth::{Principal, Role};
use crate::db;
use crate::error::{AppError, Problem};
use crate::ids::CooperativeId;
use crate::notifications::{self, repo::OutboxEmail, OutboxStatus};
use crate::state::AppState;
use crate::webhooks::{self, repo::OutboxWebhook};

/// `GET /admin/outbox` and `GET /admin/webhooks` filter.
#[derive(Debug, Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// `pending`, `sent` or `dead` (default: all).
    pub status: Option<OutboxStatus>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl OutboxQuery {
    /// `(status, after, limit)`, validated (the limit first).
    fn parts(self) -> Result<(Option<OutboxStatus>, Option<SortKey>, i64), AppError> {
        let page = PageQuery {
            limit: self.limit,
            cursor: self.cursor,
        };
        let limit = page.limit()?;
        Ok((self.status, page.after()?, limit))
    }
}

/// Lists outbox emails, newest first.
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "operations", params(OutboxQuery),
    security(("bearer" = [])), responses(
    (status = 200, body = inline(Page<OutboxEmail>)),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list_outbox(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::PlatformAdmin])?;
    let (status, after, limit) = query.into_inner().parts()?;
    let mut conn = db::conn(&state.pool).await?;
    let items = notifications::list(&mut conn, status, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, limit, |e| (e.created_at, e.id))))
}

/// Re-queues a pending or dead email for an immediate attempt.
#[utoipa::path(post, path = "/api/v1/admin/outbox/{id}/retry", tag = "operations",
    params(("id" = uuid::Uuid, Path, description = "Outbox row")),
    security(("bearer" = [])), responses(
    (status = 200, body = OutboxEmail),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`already_sent`", body = Problem, content_type = "application/problem+json"),
))]
pub async fn retry_outbox(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::PlatformAdmin])?;
    let row =
        notifications::service::retry(&state, Actor::User(who.user_id), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(row))
}

/// Lists outbox webhooks, newest first (bodies are not shown).
#[utoipa::path(get, path = "/api/v1/admin/webhooks", tag = "operations", params(OutboxQuery),
    security(("bearer" = [])), responses(
    (status = 200, body = inline(Page<OutboxWebhook>)),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::PlatformAdmin])?;
    let (status, after, limit) = query.into_inner().parts()?;
    let mut conn = db::conn(&state.pool).await?;
    let items = webhooks::list(&mut conn, status, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, limit, |e| (e.created_at, e.id))))
}

/// Re-queues a pending or dead webhook for an immediate attempt (to the supplier's current
/// URL).
#[utoipa::path(post, path = "/api/v1/admin/webhooks/{id}/retry", tag = "operations",
    params(("id" = uuid::Uuid, Path, description = "Webhook outbox row")),
    security(("bearer" = [])), responses(
    (status = 200, body = OutboxWebhook),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`already_sent`", body = Problem, content_type = "application/problem+json"),
))]
pub async fn retry_webhook(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::PlatformAdmin])?;
    let mut conn = db::conn(&state.pool).await?;
    let row = webhooks::retry(
        &mut conn,
        state.clock.now(),
        Actor::User(who.user_id),
        id.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(row))
}

/// Verifies the platform's audit chain.
#[utoipa::path(get, path = "/api/v1/admin/audit/verify", tag = "operations",
    security(("bearer" = [])), responses(
    (status = 200, body = Verification),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
pub async fn verify_platform_audit(
    state: web::Data<AppState>,
    who: Principal,
) -> Result<HttpResponse, AppError> {
    who.require(&[Role::PlatformAdmin])?;
    let mut conn = db::conn(&state.pool).await?;
    Ok(HttpResponse::Ok().json(audit::verify(&mut conn, audit::PLATFORM_CHAIN).await?))
}

/// Verifies a cooperative's audit chain (its coop_admins and platform admins).
#[utoipa::path(get, path = "/api/v1/cooperatives/{id}/audit/verify", tag = "operations",
    params(("id" = uuid::Uuid, Path, description = "Cooperative")),
    security(("bearer" = [])), responses(
    (status = 200, body = Verification),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn verify_cooperative_audit(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CooperativeId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .json(audit::service::verify_cooperative(&state, &who, id.into_inner()).await?))
}

/// `GET /cooperatives/{id}/audit` filter.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Entity kind, e.g. `round`, `demand_line`, `member`.
    pub entity: Option<String>,
    /// Entity id (with `entity`).
    pub entity_id: Option<String>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A cooperative's audit trail, newest first, with each event's chain link. Events of a
/// quote (`entity=quote`) are withheld until its RFQ's deadline: their time and digest are
/// the revision's (sealed quotes); the chain holds them all along and `…/audit/verify`
/// covers them.
#[utoipa::path(get, path = "/api/v1/cooperatives/{id}/audit", tag = "operations",
    params(("id" = uuid::Uuid, Path, description = "Cooperative"), AuditQuery),
    security(("bearer" = [])), responses(
    (status = 200, body = inline(Page<EventOut>)),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
pub async fn list_cooperative_audit(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CooperativeId>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (page.limit()?, page.after()?);
    let items = audit::service::list_cooperative(
        &state,
        &who,
        id.into_inner(),
        query.entity.as_deref(),
        query.entity_id.as_deref(),
        None,
        after,
        limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, limit, |e| (e.at, e.id))))
}
