//! Handlers of API.md "RFQs" and "Quotes".

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::created;
use crate::api::extract::Authed;
use crate::api::pagination::{Page, PageQuery};
use crate::auth::Principal;
use crate::error::{AppError, Problem};
use crate::ids::{QuoteId, RfqId, RoundId};
use crate::quotes::models::{QuoteOut, RevisionOut};
use crate::quotes::service::{self as quotes, QuoteIn, QuoteList};
use crate::rfqs::models::RfqOut;
use crate::rfqs::service::{self as rfqs, CancelRfq, NewRfq, RfqPatch};
use crate::state::AppState;

/// Creates a draft RFQ from a closed round.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/rfqs", tag = "rfqs", params(("id" = uuid::Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays return the stored response")),
    request_body = NewRfq, security(("bearer" = [])), responses(
    (status = 201, body = RfqOut),
    (status = 409, description = "`round_not_closed`, `material_in_live_rfq`", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_rfq(
    state: web::Data<AppState>,
    id: web::Path<RoundId>,
    Authed { who, body }: Authed<NewRfq>,
) -> Result<HttpResponse, AppError> {
    let r = rfqs::create_rfq(&state, &who, id.into_inner(), body).await?;
    Ok(created(format!("/api/v1/rfqs/{}", r.id), &r))
}

/// `?round_id=&limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RfqListQuery {
    /// Only this round's RFQs.
    pub round_id: Option<RoundId>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// RFQs: a coop admin's cooperative's; a supplier's invitations (published or later); all
/// for platform admins.
#[utoipa::path(get, path = "/api/v1/rfqs", tag = "rfqs", params(RfqListQuery),
    security(("bearer" = [])), responses((status = 200, body = inline(Page<RfqOut>))))]
pub async fn list_rfqs(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<RfqListQuery>,
) -> Result<HttpResponse, AppError> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let (after, limit) = (page.after()?, page.limit()?);
    let items = rfqs::list_rfqs(&state, &who, query.round_id, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, limit, |r| (r.created_at, r.id.0))))
}

/// One RFQ; `status` is derived from the clock (closed from the deadline on).
#[utoipa::path(get, path = "/api/v1/rfqs/{id}", tag = "rfqs", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = RfqOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_rfq(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(rfqs::get_rfq(&state, &who, id.into_inner()).await?))
}

/// Changes a draft, or extends a published RFQ's deadline (invited suppliers are told).
#[utoipa::path(patch, path = "/api/v1/rfqs/{id}", tag = "rfqs", params(("id" = uuid::Uuid, Path)), request_body = RfqPatch,
    security(("bearer" = [])), responses((status = 200, body = RfqOut),
    (status = 409, description = "`rfq_closed`, `rfq_published`, `invalid_transition`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`not_later`, `in_the_past`", body = Problem, content_type = "application/problem+json")))]
pub async fn update_rfq(
    state: web::Data<AppState>,
    id: web::Path<RfqId>,
    Authed { who, body }: Authed<RfqPatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(rfqs::update(&state, &who, id.into_inner(), body).await?))
}

/// Publishes a draft: invitation emails and signed webhooks are queued.
#[utoipa::path(post, path = "/api/v1/rfqs/{id}/publish", tag = "rfqs", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = RfqOut),
    (status = 409, description = "`invalid_transition`, `deadline_passed`, `no_suppliers`", body = Problem, content_type = "application/problem+json")))]
pub async fn publish_rfq(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(rfqs::publish(&state, &who, id.into_inner()).await?))
}

/// Cancels an RFQ with a reason; quotes are kept.
#[utoipa::path(post, path = "/api/v1/rfqs/{id}/cancel", tag = "rfqs", params(("id" = uuid::Uuid, Path)), request_body = CancelRfq,
    security(("bearer" = [])), responses((status = 200, body = RfqOut), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn cancel_rfq(
    state: web::Data<AppState>,
    id: web::Path<RfqId>,
    Authed { who, body }: Authed<CancelRfq>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(rfqs::cancel(&state, &who, id.into_inner(), body).await?))
}

/// Submits a quote (an invited supplier, before the deadline). The response is the receipt:
/// `digest = "sha256:" + hex(SHA-256(canonical JSON))` of
/// `{"nonce":"…","quote":{…},"revision":n,"rfq_id":"…","submitted_at":"…","supplier_id":"…"}`
/// with keys sorted at every level, no whitespace, decimals as normalised strings,
/// `submitted_at` with six fractional digits and `nonce` the receipt's secret random nonce
/// (256 bits, 64 lower-case hex digits, new for every revision), so that the digest
/// confirms nothing to anyone who lacks the nonce. The supplier rebuilds the document from
/// what it sent and the receipt's `nonce`, `revision` and `submitted_at`; before the
/// deadline the buyer side sees no digest, nonce or submission time (only the count of
/// quotes), and afterwards `GET /quotes/{id}/revisions` returns each revision's `nonce` and
/// canonical document, so anyone can recompute its digest (README "Quote receipts" gives
/// the full form).
#[utoipa::path(post, path = "/api/v1/rfqs/{id}/quotes", tag = "quotes", params(("id" = uuid::Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays return the stored response")),
    request_body = QuoteIn, security(("bearer" = [])), responses(
    (status = 201, body = QuoteOut),
    (status = 409, description = "`rfq_closed`, `rfq_cancelled`, `quote_exists`", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn submit_quote(
    state: web::Data<AppState>,
    id: web::Path<RfqId>,
    Authed { who, body }: Authed<QuoteIn>,
) -> Result<HttpResponse, AppError> {
    let q = quotes::submit(&state, &who, id.into_inner(), body).await?;
    Ok(created(format!("/api/v1/quotes/{}", q.id), &q))
}

/// Quotes of an RFQ (buyer side): before the deadline only `submitted_count`.
#[utoipa::path(get, path = "/api/v1/rfqs/{id}/quotes", tag = "quotes", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = QuoteList)))]
pub async fn list_quotes(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(quotes::list_for_rfq(&state, &who, id.into_inner()).await?))
}

/// One quote: its supplier any time; the buyer side after the deadline (409 `sealed` before).
#[utoipa::path(get, path = "/api/v1/quotes/{id}", tag = "quotes", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = QuoteOut),
    (status = 409, description = "`sealed`", body = Problem, content_type = "application/problem+json")))]
pub async fn get_quote(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<QuoteId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(quotes::get(&state, &who, id.into_inner()).await?))
}

/// Revises a quote: full replacement, revision + 1, a new nonce and digest (the response is
/// the new receipt).
#[utoipa::path(put, path = "/api/v1/quotes/{id}", tag = "quotes", params(("id" = uuid::Uuid, Path)), request_body = QuoteIn,
    security(("bearer" = [])), responses((status = 200, body = QuoteOut),
    (status = 409, description = "`rfq_closed`, `quote_withdrawn`", body = Problem, content_type = "application/problem+json")))]
pub async fn revise_quote(
    state: web::Data<AppState>,
    id: web::Path<QuoteId>,
    Authed { who, body }: Authed<QuoteIn>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(quotes::revise(&state, &who, id.into_inner(), body).await?))
}

/// Withdraws a quote before the deadline.
#[utoipa::path(post, path = "/api/v1/quotes/{id}/withdraw", tag = "quotes", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = QuoteOut),
    (status = 409, description = "`rfq_closed`, `quote_withdrawn`", body = Problem, content_type = "application/problem+json")))]
pub async fn withdraw_quote(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<QuoteId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(quotes::withdraw(&state, &who, id.into_inner()).await?))
}

/// `GET /quotes/{id}/revisions` answer.
#[derive(Serialize, ToSchema)]
pub struct Revisions {
    /// Oldest first.
    pub items: Vec<RevisionOut>,
}

/// Every revision of a quote with its nonce, canonical document and digest (the buyer side
/// after the deadline: `digest` = `"sha256:" + hex(SHA-256(canonical))`).
#[utoipa::path(get, path = "/api/v1/quotes/{id}/revisions", tag = "quotes", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = Revisions),
    (status = 409, description = "`sealed`", body = Problem, content_type = "application/problem+json")))]
pub async fn quote_revisions(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<QuoteId>,
) -> Result<HttpResponse, AppError> {
    let items = quotes::revisions(&state, &who, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Revisions { items }))
}
