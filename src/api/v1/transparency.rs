//! Handlers of API.md "Transparency": the award report and the OCDS export.

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api;
use crate::api::extract::Authed;
use crate::auth::Principal;
use crate::awards::report::{self, AwardReport, ReportVerification};
use crate::error::{AppError, ErrorCode, Problem};
use crate::ids::{CooperativeId, RfqId};
use crate::ocds::service::{self as ocds, OcdsSettings};
use crate::ocds::to_json;
use crate::state::AppState;

/// `?format=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`).
    pub format: Option<String>,
}

/// How an award was decided: the published rules, every offer ranked with its landed
/// figures, the optimal suggestion, the award as made and its difference from the optimum,
/// the POs, the viewing member's own allocations (others as totals; admins see all) and
/// the audit events with their chain positions. Members and admins of the cooperative
/// (and platform admins), once the RFQ is awarded; suppliers 404.
#[utoipa::path(get, path = "/api/v1/rfqs/{id}/award-report", tag = "transparency", params(("id" = uuid::Uuid, Path), ReportQuery),
    security(("bearer" = [])), responses((status = 200, body = AwardReport, description = "JSON, or CSV (UTF-8 with BOM) for `?format=csv`"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`not_awarded`", body = Problem, content_type = "application/problem+json")))]
pub async fn award_report(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RfqId>,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let wants_csv = api::wants_csv(query.format.as_deref(), &req)?;
    let id = id.into_inner();
    let r = report::report(&state, &who, id).await?;
    if wants_csv {
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"rfq-{id}-award-report.csv\""),
            ))
            .body(report::csv(&r)))
    } else {
        Ok(HttpResponse::Ok().json(r))
    }
}

/// Recomputes the cooperative's audit chain from its first link and checks that every
/// event of the award report is in its verified part (same readers as the report).
#[utoipa::path(get, path = "/api/v1/rfqs/{id}/award-report/verify", tag = "transparency", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = ReportVerification),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`not_awarded`", body = Problem, content_type = "application/problem+json")))]
pub async fn verify_report(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(report::verify(&state, &who, id.into_inner()).await?))
}

fn ocds_json(body: &serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(to_json(body))
}

/// OCDS 1.1.5 release package of one RFQ: a release per stage (tender, amendments, bids
/// opened, cancellation, award, a contract per PO, contract updates). Without sign-in when
/// the cooperative made its export public; otherwise its members and admins. Nothing about
/// quotes before the deadline. 503 `ocds_prefix_missing` without `COPROCURE_OCDS_PREFIX`.
#[utoipa::path(get, path = "/api/v1/rfqs/{id}/ocds/releases", tag = "transparency", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, description = "OCDS release package (amounts are JSON numbers)", content_type = "application/json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "`ocds_prefix_missing`", body = Problem, content_type = "application/problem+json")))]
pub async fn rfq_releases(
    state: web::Data<AppState>,
    who: Option<Principal>,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    let p = ocds::rfq_releases(&state, who.as_ref(), id.into_inner()).await?;
    Ok(ocds_json(&p))
}

/// OCDS 1.1.5 record package of one RFQ: its releases linked and the compiled release.
#[utoipa::path(get, path = "/api/v1/rfqs/{id}/ocds/record", tag = "transparency", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, description = "OCDS record package", content_type = "application/json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "`ocds_prefix_missing`", body = Problem, content_type = "application/problem+json")))]
pub async fn rfq_record(
    state: web::Data<AppState>,
    who: Option<Principal>,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    let p = ocds::rfq_record(&state, who.as_ref(), id.into_inner()).await?;
    Ok(ocds_json(&p))
}

/// `?since=&limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FeedQuery {
    /// Releases dated at or after this instant (RFC 3339) or day (`YYYY-MM-DD`, UTC).
    pub since: Option<String>,
    /// Releases per page, 1–500 (default 100).
    pub limit: Option<usize>,
    /// From `links.next` of the previous page.
    pub cursor: Option<String>,
}

fn parse_since(s: &str) -> Result<DateTime<Utc>, AppError> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Ok(d.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .ok_or_else(|| {
            AppError::invalid(
                "since",
                ErrorCode::InvalidDate,
                "must be an RFC 3339 date-time or a date (YYYY-MM-DD)",
            )
        })
}

/// The cooperative's OCDS feed for harvesters: one release package of the releases of all
/// its published RFQs dated at or after `since`, oldest first, paged (`links.next`).
#[utoipa::path(get, path = "/api/v1/cooperatives/{id}/ocds/releases", tag = "transparency", params(("id" = uuid::Uuid, Path), FeedQuery),
    responses((status = 200, description = "OCDS release package with `links.next` while more pages follow", content_type = "application/json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`invalid_date`, `out_of_range`, `invalid_cursor`", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "`ocds_prefix_missing`", body = Problem, content_type = "application/problem+json")))]
pub async fn feed(
    state: web::Data<AppState>,
    who: Option<Principal>,
    id: web::Path<CooperativeId>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, AppError> {
    let since = query.since.as_deref().map(parse_since).transpose()?;
    let p = ocds::feed(
        &state,
        who.as_ref(),
        id.into_inner(),
        since,
        query.limit,
        query.cursor.as_deref(),
    )
    .await?;
    Ok(ocds_json(&p))
}

/// The cooperative's OCDS export settings (its admins, platform admins).
#[utoipa::path(get, path = "/api/v1/cooperatives/{id}/ocds-settings", tag = "transparency", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = OcdsSettings)))]
pub async fn get_settings(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CooperativeId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(ocds::get_settings(&state, &who, id.into_inner()).await?))
}

/// Sets whether the export is public and whether it withholds losing offers' prices.
#[utoipa::path(put, path = "/api/v1/cooperatives/{id}/ocds-settings", tag = "transparency", params(("id" = uuid::Uuid, Path)),
    request_body = OcdsSettings, security(("bearer" = [])), responses((status = 200, body = OcdsSettings)))]
pub async fn put_settings(
    state: web::Data<AppState>,
    id: web::Path<CooperativeId>,
    Authed { who, body }: Authed<OcdsSettings>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(ocds::put_settings(&state, &who, id.into_inner(), body).await?))
}
