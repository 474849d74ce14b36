//! Handlers of API.md "Comparison and award" (the award) and "Purchase orders".

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::extract::Authed;
use crate::api::pagination::{Page, PageQuery};
use crate::api::{self, created};
use crate::auth::Principal;
use crate::awards::service::{self as awards, AwardIn, AwardOut};
use crate::error::{AppError, Problem};
use crate::ids::{PurchaseOrderId, RfqId};
use crate::purchase_orders::models::PurchaseOrderOut;
use crate::purchase_orders::service as pos;
use crate::state::AppState;

/// Awards a closed RFQ, whole or split: in one transaction the award, one PO per winning
/// supplier (`PO-<year>-<seq>`, gap-free per cooperative), member allocations, audit events
/// and the emails to winners, other bidders, members and the cooperative's admins.
#[utoipa::path(post, path = "/api/v1/rfqs/{id}/award", tag = "comparison", params(("id" = uuid::Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays return the stored response")),
    request_body = AwardIn, security(("bearer" = [])), responses(
    (status = 201, body = AwardOut),
    (status = 409, description = "`sealed` (before the deadline), `already_awarded`, `fx_rate_missing`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`rationale_required`, `not_line_quantity`, `outside_offer_range`, `offer_unusable`…", body = Problem, content_type = "application/problem+json")))]
pub async fn award(
    state: web::Data<AppState>,
    id: web::Path<RfqId>,
    Authed { who, body }: Authed<AwardIn>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let out = awards::award(&state, &who, id, body).await?;
    Ok(created(
        format!("/api/v1/purchase-orders?rfq_id={id}"),
        &out,
    ))
}

/// `?limit=&cursor=&format=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PoListQuery {
    /// Items per page, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`): the page's POs as one
    /// table, the next page's cursor in a `Link: <…>; rel="next"` header.
    pub format: Option<String>,
}

/// Purchase orders: a coop admin's cooperative's, a supplier's own, those allocating to a
/// member (with only its own allocations).
#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "purchase-orders", params(PoListQuery),
    security(("bearer" = [])), responses((status = 200, body = inline(Page<PurchaseOrderOut>),
        description = "JSON, or CSV (UTF-8 with BOM) for `?format=csv` / `Accept: text/csv`")))]
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<PoListQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let wants_csv = api::wants_csv(query.format.as_deref(), &req)?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (after, limit) = (page.after()?, page.limit()?);
    let items = pos::list(&state, &who, after, limit).await?;
    let page = Page::new(items, limit, |p| (p.issued_at, p.id.0));
    if !wants_csv {
        return Ok(HttpResponse::Ok().json(page));
    }
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"purchase-orders.csv\"",
        ));
    if let Some(next) = &page.next_cursor {
        res.insert_header((
            header::LINK,
            format!(
                "</api/v1/purchase-orders?format=csv&limit={limit}&cursor={next}>; rel=\"next\""
            ),
        ));
    }
    Ok(res.body(pos::csv_list(&page.items)))
}

/// `?format=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PoQuery {
    /// `json` (default) or `csv` (also chosen by `Accept: text/csv`).
    pub format: Option<String>,
}

/// One purchase order; `?format=csv` for accounting.
#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}", tag = "purchase-orders", params(("id" = uuid::Uuid, Path), PoQuery),
    security(("bearer" = [])), responses((status = 200, body = PurchaseOrderOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<PurchaseOrderId>,
    query: web::Query<PoQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let wants_csv = api::wants_csv(query.format.as_deref(), &req)?;
    let po = pos::get(&state, &who, id.into_inner()).await?;
    if wants_csv {
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.csv\"", po.number),
            ))
            .body(pos::csv(&po)))
    } else {
        Ok(HttpResponse::Ok().json(po))
    }
}

/// The supplier acknowledges its purchase order.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/acknowledge", tag = "purchase-orders", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = PurchaseOrderOut),
    (status = 409, description = "`invalid_transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn acknowledge(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<PurchaseOrderId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(pos::acknowledge(&state, &who, id.into_inner()).await?))
}
