//! Handlers of API.md "Cooperatives, members, users", "Suppliers" and "Materials".

use crate::api::extract::Authed;
use actix_web::{web, HttpResponse};

use crate::api::created;
use crate::api::extract::AuthRateLimit;
use crate::api::pagination::{ListQuery, Page};
use crate::auth::Principal;
use crate::cooperatives::models::{CooperativeOut, MemberOut};
use crate::cooperatives::service::{
    self as coops, CooperativePatch, MemberPatch, NewCooperative, NewMember,
};
use crate::error::{AppError, Problem};
use crate::ids::{CooperativeId, MaterialId, MemberId, SupplierId, UserId};
use crate::materials::service::{
    self as materials, MaterialOut, MaterialPatch, NewMaterial, UnitOut,
};
use crate::state::AppState;
use crate::suppliers::service::{self as suppliers, NewSupplier, SupplierOut};
use crate::users::claim::{self, ClaimAccount, Claimed};
use crate::users::service::{
    self as users, AcceptInvite, NewCoopUser, NewSupplierUser, UserOut, UserPatch,
};

fn page<T>(
    items: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> (chrono::DateTime<chrono::Utc>, uuid::Uuid),
) -> HttpResponse
where
    T: serde::Serialize,
{
    HttpResponse::Ok().json(Page::new(items, limit, key))
}

/// Creates a cooperative.
#[utoipa::path(post, path = "/api/v1/cooperatives", tag = "organisations", request_body = NewCooperative,
    security(("bearer" = [])), responses(
    (status = 201, body = CooperativeOut),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`invalid_business_number`, `invalid_country`, `taken`…", body = Problem, content_type = "application/problem+json"),
))]
pub async fn create_cooperative(
    state: web::Data<AppState>,
    Authed { who, body }: Authed<NewCooperative>,
) -> Result<HttpResponse, AppError> {
    let c = coops::create_cooperative(&state, &who, body).await?;
    Ok(created(format!("/api/v1/cooperatives/{}", c.id), &c))
}

/// Cooperatives visible to the caller.
#[utoipa::path(get, path = "/api/v1/cooperatives", tag = "organisations", params(ListQuery),
    security(("bearer" = [])), responses((status = 200, body = inline(Page<CooperativeOut>))))]
pub async fn list_cooperatives(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (q, after, limit) = query.parts()?;
    let items = coops::list_cooperatives(&state, &who, q, after, limit).await?;
    Ok(page(items, limit, |c| (c.created_at, c.id.0)))
}

/// One cooperative.
#[utoipa::path(get, path = "/api/v1/cooperatives/{id}", tag = "organisations", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = CooperativeOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_cooperative(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CooperativeId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(coops::get_cooperative(&state, &who, id.into_inner()).await?))
}

/// Renames a cooperative (platform admins). Business number, country, base currency and
/// time zone are fixed: past prices, FX dates and PO numbers depend on them.
#[utoipa::path(patch, path = "/api/v1/cooperatives/{id}", tag = "organisations", params(("id" = uuid::Uuid, Path)), request_body = CooperativePatch,
    security(("bearer" = [])), responses((status = 200, body = CooperativeOut), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_cooperative(
    state: web::Data<AppState>,
    id: web::Path<CooperativeId>,
    Authed { who, body }: Authed<CooperativePatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .json(coops::update_cooperative(&state, &who, id.into_inner(), body).await?))
}

/// Adds a member company.
#[utoipa::path(post, path = "/api/v1/cooperatives/{id}/members", tag = "organisations", params(("id" = uuid::Uuid, Path)),
    request_body = NewMember, security(("bearer" = [])), responses(
    (status = 201, body = MemberOut),
    (status = 422, description = "`invalid_business_number` (10 digits with the official check digit)…", body = Problem, content_type = "application/problem+json"),
))]
pub async fn create_member(
    state: web::Data<AppState>,
    id: web::Path<CooperativeId>,
    Authed { who, body }: Authed<NewMember>,
) -> Result<HttpResponse, AppError> {
    let m = coops::create_member(&state, &who, id.into_inner(), body).await?;
    Ok(created(format!("/api/v1/members/{}", m.id), &m))
}

/// Members of a cooperative (a member user sees only its own).
#[utoipa::path(get, path = "/api/v1/cooperatives/{id}/members", tag = "organisations", params(("id" = uuid::Uuid, Path), ListQuery),
    security(("bearer" = [])), responses((status = 200, body = inline(Page<MemberOut>))))]
pub async fn list_members(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CooperativeId>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (q, after, limit) = query.parts()?;
    let items = coops::list_members(&state, &who, id.into_inner(), q, after, limit).await?;
    Ok(page(items, limit, |m| (m.created_at, m.id.0)))
}

/// One member.
#[utoipa::path(get, path = "/api/v1/members/{id}", tag = "organisations", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = MemberOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_member(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<MemberId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(coops::get_member(&state, &who, id.into_inner()).await?))
}

/// Updates (or disables) a member.
#[utoipa::path(patch, path = "/api/v1/members/{id}", tag = "organisations", params(("id" = uuid::Uuid, Path)), request_body = MemberPatch,
    security(("bearer" = [])), responses((status = 200, body = MemberOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn update_member(
    state: web::Data<AppState>,
    id: web::Path<MemberId>,
    Authed { who, body }: Authed<MemberPatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(coops::update_member(&state, &who, id.into_inner(), body).await?))
}

/// Creates a coop admin or member user; without a password, an invitation email is sent.
#[utoipa::path(post, path = "/api/v1/cooperatives/{id}/users", tag = "organisations", params(("id" = uuid::Uuid, Path)),
    request_body = NewCoopUser, security(("bearer" = [])), responses((status = 201, body = UserOut), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_coop_user(
    state: web::Data<AppState>,
    id: web::Path<CooperativeId>,
    Authed { who, body }: Authed<NewCoopUser>,
) -> Result<HttpResponse, AppError> {
    let u = users::create_coop_user(&state, &who, id.into_inner(), body).await?;
    Ok(created(format!("/api/v1/users/{}", u.id), &u))
}

/// Users of a cooperative.
#[utoipa::path(get, path = "/api/v1/cooperatives/{id}/users", tag = "organisations", params(("id" = uuid::Uuid, Path), ListQuery),
    security(("bearer" = [])), responses((status = 200, body = inline(Page<UserOut>))))]
pub async fn list_coop_users(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CooperativeId>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (q, after, limit) = query.parts()?;
    let items = users::list_coop_users(&state, &who, id.into_inner(), q, after, limit).await?;
    Ok(page(items, limit, |u| (u.created_at, u.id.0)))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "organisations", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = UserOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_user(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users::get_user(&state, &who, id.into_inner()).await?))
}

/// Updates or disables a user (disabling ends its sessions at once).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "organisations", params(("id" = uuid::Uuid, Path)), request_body = UserPatch,
    security(("bearer" = [])), responses((status = 200, body = UserOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn update_user(
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    Authed { who, body }: Authed<UserPatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(users::update_user(&state, &who, id.into_inner(), body).await?))
}

/// Sets the password of an invited user (the link's token works once, for 7 days).
#[utoipa::path(post, path = "/api/v1/auth/accept-invite", tag = "auth", request_body = AcceptInvite, responses(
    (status = 204, description = "Password set; log in with it"),
    (status = 422, description = "`invalid_invitation` (unknown, used or expired) or a password rule", body = Problem, content_type = "application/problem+json"),
))]
pub async fn accept_invite(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    body: web::Json<AcceptInvite>,
) -> Result<HttpResponse, AppError> {
    users::accept_invite(&state, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Claims a supplier's account from the one-time link of an RFQ invitation (sent to the
/// contact address of a supplier without an active user): creates a supplier admin for that
/// address with this password. The link works once, until the RFQ's deadline.
#[utoipa::path(post, path = "/api/v1/auth/claim", tag = "auth", request_body = ClaimAccount, responses(
    (status = 201, body = Claimed, description = "The account; log in with it. `Location` is the RFQ"),
    (status = 422, description = "`invalid_claim` (unknown, used or expired) or a password rule", body = Problem, content_type = "application/problem+json"),
))]
pub async fn claim_account(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    body: web::Json<ClaimAccount>,
) -> Result<HttpResponse, AppError> {
    let claimed = claim::claim(&state, body.into_inner()).await?;
    Ok(created(
        format!("/api/v1/rfqs/{}", claimed.rfq_id),
        &claimed,
    ))
}

/// Registers a supplier.
#[utoipa::path(post, path = "/api/v1/suppliers", tag = "organisations", request_body = NewSupplier,
    security(("bearer" = [])), responses((status = 201, body = SupplierOut), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_supplier(
    state: web::Data<AppState>,
    Authed { who, body }: Authed<NewSupplier>,
) -> Result<HttpResponse, AppError> {
    let s = suppliers::create(&state, &who, body).await?;
    Ok(created(format!("/api/v1/suppliers/{}", s.id), &s))
}

/// The supplier directory (a supplier user sees only itself).
#[utoipa::path(get, path = "/api/v1/suppliers", tag = "organisations", params(ListQuery),
    security(("bearer" = [])), responses((status = 200, body = inline(Page<SupplierOut>))))]
pub async fn list_suppliers(
    state: web::Data<AppState>,
    who: Principal,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (q, after, limit) = query.parts()?;
    let items = suppliers::list(&state, &who, q, after, limit).await?;
    Ok(page(items, limit, |s| (s.created_at, s.id.0)))
}

/// One supplier.
#[utoipa::path(get, path = "/api/v1/suppliers/{id}", tag = "organisations", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = SupplierOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_supplier(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SupplierId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(suppliers::get(&state, &who, id.into_inner()).await?))
}

/// Creates a supplier user; without a password, an invitation email is sent.
#[utoipa::path(post, path = "/api/v1/suppliers/{id}/users", tag = "organisations", params(("id" = uuid::Uuid, Path)),
    request_body = NewSupplierUser, security(("bearer" = [])), responses((status = 201, body = UserOut)))]
pub async fn create_supplier_user(
    state: web::Data<AppState>,
    id: web::Path<SupplierId>,
    Authed { who, body }: Authed<NewSupplierUser>,
) -> Result<HttpResponse, AppError> {
    let u = users::create_supplier_user(&state, &who, id.into_inner(), body).await?;
    Ok(created(format!("/api/v1/users/{}", u.id), &u))
}

/// Users of a supplier.
#[utoipa::path(get, path = "/api/v1/suppliers/{id}/users", tag = "organisations", params(("id" = uuid::Uuid, Path), ListQuery),
    security(("bearer" = [])), responses((status = 200, body = inline(Page<UserOut>))))]
pub async fn list_supplier_users(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SupplierId>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (q, after, limit) = query.parts()?;
    let items = users::list_supplier_users(&state, &who, id.into_inner(), q, after, limit).await?;
    Ok(page(items, limit, |u| (u.created_at, u.id.0)))
}

/// Adds a material to the catalog.
#[utoipa::path(post, path = "/api/v1/cooperatives/{id}/materials", tag = "catalog", params(("id" = uuid::Uuid, Path)),
    request_body = NewMaterial, security(("bearer" = [])), responses((status = 201, body = MaterialOut), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create_material(
    state: web::Data<AppState>,
    id: web::Path<CooperativeId>,
    Authed { who, body }: Authed<NewMaterial>,
) -> Result<HttpResponse, AppError> {
    let m = materials::create(&state, &who, id.into_inner(), body).await?;
    Ok(created(format!("/api/v1/materials/{}", m.id), &m))
}

/// The catalog of a cooperative.
#[utoipa::path(get, path = "/api/v1/cooperatives/{id}/materials", tag = "catalog", params(("id" = uuid::Uuid, Path), ListQuery),
    security(("bearer" = [])), responses((status = 200, body = inline(Page<MaterialOut>))))]
pub async fn list_materials(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<CooperativeId>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (q, after, limit) = query.parts()?;
    let items = materials::list(&state, &who, id.into_inner(), q, after, limit).await?;
    Ok(page(items, limit, |m| (m.created_at, m.id.0)))
}

/// One material.
#[utoipa::path(get, path = "/api/v1/materials/{id}", tag = "catalog", params(("id" = uuid::Uuid, Path)),
    security(("bearer" = [])), responses((status = 200, body = MaterialOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get_material(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<MaterialId>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(materials::get(&state, &who, id.into_inner()).await?))
}

/// Updates a material (code and unit are fixed).
#[utoipa::path(patch, path = "/api/v1/materials/{id}", tag = "catalog", params(("id" = uuid::Uuid, Path)), request_body = MaterialPatch,
    security(("bearer" = [])), responses((status = 200, body = MaterialOut), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn update_material(
    state: web::Data<AppState>,
    id: web::Path<MaterialId>,
    Authed { who, body }: Authed<MaterialPatch>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(materials::update(&state, &who, id.into_inner(), body).await?))
}

/// Supported units of measure with their exact factors.
#[utoipa::path(get, path = "/api/v1/units", tag = "catalog", responses((status = 200, body = Vec<UnitOut>)))]
pub async fn list_units() -> HttpResponse {
    HttpResponse::Ok().json(materials::list_units())
}
