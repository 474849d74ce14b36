//! Handlers of API.md "FX rates" and the comparison of "Comparison and award".

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::Authed;
use crate::api::{self, created};
use crate::auth::Principal;
use crate::comparison::service::{self as comparison, Comparison};
use crate::error::{AppError, Problem};
use crate::fx::service::{self as fx, FxRateOut, NewFxRate, RatesInForce, RefreshReport};
use crate::ids::{CooperativeId, RfqId};
use crate::state::AppState;

/// Enters a rate by hand, replacing that day's rate of the pair in the same scope. A coop
/// admin's rate is its cooperative's own: only that cooperative's comparisons, awards and
/// POs use it (over the shared rate), and only its users see it. A platform admin's rate is
/// shared with every cooperative, or one cooperative's when `cooperative_id` names it.
/// `cooperative_id` naming any other cooperative is a 422 `unknown_cooperative`.
#[utoipa::path(post, path = "/api/v1/fx-rates", tag = "fx", request_body = NewFxRate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays return the stored response")),
    security(("bearer" = [])), responses((status = 201, body = FxRateOut),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_rate(
    state: web::Data<AppState>,
    Authed { who, body }: Authed<NewFxRate>,
) -> Result<HttpResponse, AppError> {
    let r = fx::create_manual(&state, &who, body).await?;
    let mut location = format!("/api/v1/fx-rates?base={}&date={}", r.base, r.date);
    if let Some(c) = r.cooperative_id {
        location.push_str(&format!("&cooperative_id={c}"));
    }
    Ok(created(location, &r))
}

/// `?base=&date=&cooperative_id=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RatesQuery {
    /// Base currency (default `KRW`).
    pub base: Option<String>,
    /// Date (default today): each currency's latest rate on or before it.
    pub date: Option<NaiveDate>,
    /// Platform admins: the rates in force for this cooperative (default: the shared rates).
    /// Others may only name their own cooperative (the default for its users).
    pub cooperative_id: Option<CooperativeId>,
}

/// The rates in force on a date for the caller, with their own date, source and scope: a
/// cooperative's users get their cooperative's own manual rates over the shared ones (per
/// currency the latest date on or before `date`, and on that date the cooperative's own rate
/// if it has one — what its comparisons fix); suppliers get the shared rates; platform admins
/// the shared rates, or a cooperative's with `cooperative_id`. Another cooperative's own
/// rates are never shown (422 `unknown_cooperative` when named).
#[utoipa::path(get, path = "/api/v1/fx-rates", tag = "fx", params(RatesQuery),
    security(("bearer" = [])), responses((status = 200, body = RatesInForce),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list_rates(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<RatesQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    Ok(HttpResponse::Ok()
        .json(fx::in_force(&state, &who, q.base.as_deref(), q.date, q.cooperative_id).await?))
}

/// `?force=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RefreshQuery {
    /// Store rates even if they moved more than 20 % from the previous stored ones.
    pub force: Option<bool>,
}

/// Fetches the configured provider now (platform admins). A failed fetch changes nothing
/// and answers 502 with the report.
#[utoipa::path(post, path = "/api/v1/fx-rates/refresh", tag = "fx", params(RefreshQuery),
    security(("bearer" = [])), responses((status = 200, body = RefreshReport),
    (status = 502, description = "the feed failed; `error` says why", body = RefreshReport)))]
pub async fn refresh(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<RefreshQuery>,
) -> Result<HttpResponse, AppError> {
    let report = fx::refresh_now(&state, &who, query.force.unwrap_or(false)).await?;
    Ok(if report.error.is_some() {
        HttpResponse::BadGateway().json(report)
    } else {
        HttpResponse::Ok().json(report)
    })
}

/// `?format=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ComparisonQuery {
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`).
    pub format: Option<String>,
}

/// Offers of every line on one landed-cost basis in the base currency, scored and ranked,
/// with the cost-optimal award suggestion (after the deadline only).
#[utoipa::path(get, path = "/api/v1/rfqs/{id}/comparison", tag = "comparison", params(("id" = uuid::Uuid, Path), ComparisonQuery),
    security(("bearer" = [])), responses((status = 200, body = Comparison, description = "JSON, or CSV (UTF-8 with BOM) for `?format=csv`"),
    (status = 409, description = "`sealed`, `fx_rate_missing`", body = Problem, content_type = "application/problem+json")))]
pub async fn get_comparison(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RfqId>,
    query: web::Query<ComparisonQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let wants_csv = api::wants_csv(query.format.as_deref(), &req)?;
    let id = id.into_inner();
    let c = comparison::shared(&state, &who, id).await?;
    if wants_csv {
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"rfq-{id}-comparison.csv\""),
            ))
            .body(comparison::csv(&c)))
    } else {
        Ok(HttpResponse::Ok().json(&*c))
    }
}
