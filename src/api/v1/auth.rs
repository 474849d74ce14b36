//! Handlers of API.md "Auth".

use crate::api::extract::Authed;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::AuthRateLimit;
use crate::auth::reset::{self, ForgotPassword, ResetPassword};
use crate::auth::service::{self, ClientMeta, TokenPair};
use crate::auth::{Locale, Principal, Role};
use crate::error::{AppError, Problem};
use crate::ids::{CooperativeId, MemberId, SupplierId, UserId};
use crate::state::AppState;

/// `POST /auth/login` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Account email (case-insensitive).
    pub email: String,
    /// Password.
    pub password: String,
}

/// Body of `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token of the last login or refresh.
    pub refresh_token: String,
}

/// `POST /auth/password` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new password: 8–128 characters, not a common password.
    pub new_password: String,
}

/// `GET /me` answer.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub cooperative_id: Option<CooperativeId>,
    pub member_id: Option<MemberId>,
    pub supplier_id: Option<SupplierId>,
    pub locale: Locale,
}

/// Logs in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = TokenPair),
    (status = 401, description = "`invalid_credentials` (unknown email and wrong password alike)", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "`too_many_failed_logins` (this source's progressive delay, or the account-wide budget for sources the account has not logged in from) or `rate_limited` (per IP); see `Retry-After`", body = Problem, content_type = "application/problem+json"),
))]
pub async fn login(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    meta: ClientMeta,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let pair = service::login(&state, &state.jwt, &body.email, body.password, meta).await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// Exchanges a refresh token for a new pair; the old refresh token dies.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = TokenPair),
    (status = 401, description = "`invalid_refresh_token`, or `refresh_token_reused` (the session is then revoked)", body = Problem, content_type = "application/problem+json"),
))]
pub async fn refresh(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(service::refresh(&state, &state.jwt, &body.refresh_token).await?))
}

/// Ends the refresh token's session; its access tokens are refused from then on.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest, responses(
    (status = 204, description = "Logged out (also for an unknown token)"),
))]
pub async fn logout(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    service::logout(&state, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes the caller's password and revokes every other session.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePasswordRequest,
    security(("bearer" = [])), responses(
    (status = 204, description = "Changed"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`current_password` incorrect, or `new_password` too short/long/common", body = Problem, content_type = "application/problem+json"),
))]
pub async fn change_password(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    meta: ClientMeta,
    Authed { who, body }: Authed<ChangePasswordRequest>,
) -> Result<HttpResponse, AppError> {
    service::change_password(
        &state,
        &who,
        body.current_password,
        body.new_password,
        &meta,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = Me),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
pub async fn me(who: Principal) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        id: who.user_id,
        email: who.email,
        name: who.name,
        role: who.role,
        cooperative_id: who.cooperative_id,
        member_id: who.member_id,
        supplier_id: who.supplier_id,
        locale: who.locale,
    })
}

/// Sends a one-time password reset link to the address if it belongs to an active account.
/// The answer is the same, and comes as fast, whether or not it does: the work happens
/// after it.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "auth",
    request_body = ForgotPassword, responses(
    (status = 202, description = "Accepted (also for an unknown address). The email's link `/reset-password/{token}` works once, for 30 minutes; at most 3 links per account and hour"),
    (status = 429, description = "`rate_limited` (per IP)", body = Problem, content_type = "application/problem+json"),
))]
pub async fn forgot_password(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    meta: ClientMeta,
    body: web::Json<ForgotPassword>,
) -> HttpResponse {
    state.detached.spawn(reset::request_logged(
        state.ctx.clone(),
        body.into_inner().email,
        meta,
    ));
    HttpResponse::Accepted().finish()
}

/// Sets a new password with the token of a reset link; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "auth",
    request_body = ResetPassword, responses(
    (status = 204, description = "Changed; every session of the account is revoked"),
    (status = 422, description = "`invalid_reset_token` (unknown, used or expired), or `new_password` too short/long/common", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "`rate_limited` (per IP)", body = Problem, content_type = "application/problem+json"),
))]
pub async fn reset_password(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    body: web::Json<ResetPassword>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    reset::reset(&state, &body.token, body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}
