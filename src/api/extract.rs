//! Request extractors shared by handlers: client metadata and the per-IP auth limiter.

use std::future::{ready, Ready};
use std::net::IpAddr;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use crate::auth::service::ClientMeta;
use crate::auth::Principal;
use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

/// The client's IP: the TCP peer, or — with `COPROCURE_TRUST_FORWARDED=1`, behind a
/// proxy — the address the proxy reports in `Forwarded` / `X-Forwarded-For`.
fn peer_ip(req: &HttpRequest) -> Option<IpAddr> {
    let trust = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.trust_forwarded);
    if trust {
        if let Some(ip) = req.connection_info().realip_remote_addr().and_then(|a| {
            a.parse::<IpAddr>()
                .ok()
                .or_else(|| a.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        }) {
            return Some(ip);
        }
    }
    req.peer_addr().map(|a| a.ip())
}

impl FromRequest for ClientMeta {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientMeta {
            ip: peer_ip(req).map(|ip| ip.to_string()),
            user_agent: req
                .headers()
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }))
    }
}

/// Present in a handler's arguments, spends one token of the caller IP's `/auth/*` budget
/// (429 `rate_limited` with `Retry-After` when it is exhausted).
#[derive(Debug, Clone, Copy)]
pub struct AuthRateLimit;

impl FromRequest for AuthRateLimit {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match (req.app_data::<web::Data<AppState>>(), peer_ip(req)) {
            (Some(state), Some(ip)) => state
                .auth_limiter
                .check(ip)
                .map(|()| AuthRateLimit)
                .map_err(|retry_after_secs| AppError::RateLimited {
                    code: ErrorCode::RateLimited,
                    retry_after_secs,
                }),
            (Some(_), None) => Ok(AuthRateLimit), // no peer address (unix socket): nothing to key on
            (None, _) => Err(AppError::Internal(anyhow::anyhow!(
                "AppState is not registered"
            ))),
        };
        ready(result)
    }
}

/// The authenticated caller and a JSON body, extracted in that order: a missing, invalid or
/// revoked token answers 401 whatever the body holds (actix would otherwise poll both
/// extractors at once, and a malformed body could answer first).
pub struct Authed<T> {
    /// The caller.
    pub who: Principal,
    /// The parsed body.
    pub body: T,
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Authed<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let who = Principal::from_request(req, &mut Payload::None);
        let body = web::Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let who = who.await?;
            let body = body.await?;
            Ok(Authed {
                who,
                body: body.into_inner(),
            })
        })
    }
}
