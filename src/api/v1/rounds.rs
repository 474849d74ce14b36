//! Handlers of API.md "Demand rounds".

use crate::api::extract::Authed;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::pagination::{Page, PageQuery};
use crate::api::{self, created};
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::ids::{CooperativeId, DemandLineId, RoundId};
use crate::rounds::aggregate::{self, Aggregate};
use crate::rounds::models::{DemandOut, RoundOut};
use crate::rounds::service::{self, DemandPatch, NewDemand, NewRound, Transition};
use crate::state::AppState;

/// Creates a draft round.
#[utoipa::path(post, path = "/api/v1/cooperatives/{id}/rounds", tag = "demand", params(("id" = uuid::Uuid, Path)),
    request_body = NewRound, security(("bearer" = [])), responses(
    (status = 201, body = RoundOut), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_round(
    state: web::Data<AppState>,
    id: web::Path<CooperativeId>,
    Authed { who, body }: Authed<NewRound>,
) -> Result<HttpResponse, AppError> {
    let r = service::create_round(&state, &who, id.into_inner(), body).await?;
    Ok(created(format!("/api/v1/rounds/{}", r.id), &r))
}

/// Rounds of a cooperative (members do not see drafts).
#[utoipa::path(get, path = "/api/v1/cooperatives/{id}/rounds", tag = "demand", params(("id" = uuid::Uuid, Path), PageQuery),
    security(("bearer" = [])), responses((status = 200, body = inline(Page<RoundOut>))))]
pub async fn list_rounds(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CooperativeId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (after, limit) = (query.after()?, query.limit()?);
    let items = service::list_rounds(&state, &who, id.into_inner(), after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, limit, |r| (r.created_at, r.id.0))))
}

/// One round; its `status` is derived from the clock (closed from `closes_at` on).
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "demand", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = RoundOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_round(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(service::get_round(&state, &who, id.into_inner()).await?))
}

async fn transition(
    state: web::Data<AppState>,
    who: Principal,
    id: RoundId,
    t: Transition,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(service::transition(&state, &who, id, t).await?))
}

/// Opens a draft round; every member user is emailed.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/open", tag = "demand", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = RoundOut), (status = 409, description = "`invalid_transition`, `closes_at_passed`", body = Problem, content_type = "application/problem+json")))]
pub async fn open_round(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    transition(state, who, id.into_inner(), Transition::Open).await
}

/// Closes an open round early.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/close", tag = "demand", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = RoundOut), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn close_round(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    transition(state, who, id.into_inner(), Transition::Close).await
}

/// Cancels a draft or open round.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/cancel", tag = "demand", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = RoundOut), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn cancel_round(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    transition(state, who, id.into_inner(), Transition::Cancel).await
}

/// Enters a demand line (a member for itself, a coop admin for any member).
#[utoipa::path(post, path = "/api/v1/rounds/{id}/demand", tag = "demand", params(("id" = uuid::Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays return the stored response")),
    request_body = NewDemand, security(("bearer" = [])), responses(
    (status = 201, body = DemandOut),
    (status = 409, description = "`round_not_open`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "unit of another dimension, too many decimals, required_by too early…", body = Problem, content_type = "application/problem+json")))]
pub async fn submit_demand(
    state: web::Data<AppState>,
    id: web::Path<RoundId>,
    Authed { who, body }: Authed<NewDemand>,
) -> Result<HttpResponse, AppError> {
    let d = service::submit_demand(&state, &who, id.into_inner(), body).await?;
    Ok(created(format!("/api/v1/demand/{}", d.id), &d))
}

/// Demand lines of a round (a member sees only its own).
#[utoipa::path(get, path = "/api/v1/rounds/{id}/demand", tag = "demand", params(("id" = uuid::Uuid, Path), PageQuery),
    security(("bearer" = [])), responses((status = 200, body = inline(Page<DemandOut>))))]
pub async fn list_demand(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RoundId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (after, limit) = (query.after()?, query.limit()?);
    let items = service::list_demand(&state, &who, id.into_inner(), after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, limit, |d| (d.created_at, d.id.0))))
}

/// Changes a demand line while the round is open.
#[utoipa::path(patch, path = "/api/v1/demand/{id}", tag = "demand", params(("id" = uuid::Uuid, Path)), request_body = DemandPatch,
    security(("bearer" = [])), responses((status = 200, body = DemandOut), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn update_demand(
    state: web::Data<AppState>,
    id: web::Path<DemandLineId>,
    Authed { who, body }: Authed<DemandPatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(service::update_demand(&state, &who, id.into_inner(), body).await?))
}

/// Deletes a demand line while the round is open.
#[utoipa::path(delete, path = "/api/v1/demand/{id}", tag = "demand", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 204, description = "Deleted"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_demand(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<DemandLineId>,
) -> Result<HttpResponse, AppError> {
    service::delete_demand(&state, &who, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `?format=csv`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AggregateQuery {
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`).
    pub format: Option<String>,
}

/// Demand aggregated per material, with per-member and per-site breakdowns.
#[utoipa::path(get, path = "/api/v1/rounds/{id}/aggregate", tag = "demand", params(("id" = uuid::Uuid, Path), AggregateQuery),
    security(("bearer" = [])), responses(
    (status = 200, body = Aggregate, description = "JSON, or CSV (UTF-8 with BOM) for `?format=csv` / `Accept: text/csv`")))]
pub async fn aggregate(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RoundId>,
    query: web::Query<AggregateQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let wants_csv = api::wants_csv(query.format.as_deref(), &req)?;
    let format = if wants_csv {
        aggregate::Format::Csv
    } else {
        aggregate::Format::Json
    };
    let id = id.into_inner();
    let body = service::aggregate(&state, &who, id, format).await?;
    let mut res = HttpResponse::Ok();
    if wants_csv {
        res.insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"round-{id}-aggregate.csv\""),
            ));
    } else {
        res.insert_header((header::CONTENT_TYPE, "application/json"));
    }
    Ok(res.streaming(body))
}
