//! The authenticated caller, extracted from `Authorization: Bearer <access token>`.
//! Extraction verifies the JWT and then checks its session and user in the database, so a
//! revoked session or a disabled account is refused at once.

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::audit::Actor;
use crate::auth::service;
use crate::auth::{Locale, Role};
use crate::error::{AppError, ErrorCode};
use crate::ids::{CooperativeId, MemberId, SessionId, SupplierId, UserId};
use crate::state::AppState;

/// The caller of an authenticated request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub cooperative_id: Option<CooperativeId>,
    pub member_id: Option<MemberId>,
    pub supplier_id: Option<SupplierId>,
    pub locale: Locale,
}

impl Principal {
    /// May the caller act within cooperative `id` in one of `roles`? Platform admins always
    /// may; a role that never may is 403; another cooperative's object is 404 (the same as
    /// a missing one).
    pub fn in_cooperative(&self, id: CooperativeId, roles: &[Role]) -> Result<(), AppError> {
        if self.role == Role::PlatformAdmin {
            return Ok(());
        }
        self.require(roles)?;
        if self.cooperative_id == Some(id) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// The audit actor for this caller.
    pub fn actor(&self) -> Actor {
        Actor::User(self.user_id)
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer_token(req: &HttpRequest) -> Result<String, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(AppError::unauthenticated(
            ErrorCode::MissingToken,
            "Send `Authorization: Bearer <access token>`.",
        ));
    };
    let value = value.to_str().map_err(|_| {
        AppError::unauthenticated(
            ErrorCode::InvalidToken,
            "The Authorization header is not valid text.",
        )
    })?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AppError::unauthenticated(
            ErrorCode::InvalidToken,
            "Use the Bearer scheme with an access token.",
        ));
    }
    Ok(token.trim().to_owned())
}

impl FromRequest for Principal {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("AppState is not registered"))?;
            service::authenticate(&state, &state.jwt, &token?).await
        })
    }
}
