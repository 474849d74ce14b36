//! `Idempotency-Key` on creating POSTs (DESIGN rule 13), as middleware over `/api/v1`.
//!
//! For an authenticated POST carrying the header: the first request with a key runs and
//! its response (status, body, `Location`) is stored; a replay with the same key and the
//! same request (method, path, body) returns the stored response with
//! `Idempotent-Replayed: true` and runs nothing; the same key with a different request is a
//! 422 `idempotency_key_reused`; the same key while the first is still running is a 409
//! `idempotency_key_in_flight`. Keys are scoped per user and kept 24 hours. Server errors
//! (5xx) and answers about credentials or rate (401, 403, 408, 429) are not stored, so
//! the request can be retried with the same key.

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::ids::UserId;
use crate::schema::idempotency_keys;
use crate::state::AppState;

/// How long keys are kept.
pub const RETENTION: Duration = Duration::hours(24);
/// A request still "in flight" after this long is taken to have died with its instance.
pub const ABANDONED_AFTER: Duration = Duration::seconds(60);

const HEADER: &str = "idempotency-key";

enum Begin {
    Fresh,
    Replay {
        status: i32,
        body: Vec<u8>,
        location: Option<String>,
        content_type: Option<String>,
    },
    InFlight,
    Mismatch,
}

async fn begin(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    hash: &[u8],
    now: DateTime<Utc>,
) -> anyhow::Result<Begin> {
    conn.transaction(async |conn| -> anyhow::Result<Begin> {
        let inserted = diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::user_id.eq(user),
                idempotency_keys::key.eq(key),
                idempotency_keys::request_hash.eq(hash),
                idempotency_keys::created_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 1 {
            return Ok(Begin::Fresh);
        }
        type Stored = (
            Vec<u8>,
            String,
            Option<i32>,
            Option<Vec<u8>>,
            Option<String>,
            Option<String>,
            DateTime<Utc>,
        );
        let (stored_hash, state, status, body, location, content_type, created_at): Stored =
            idempotency_keys::table
                .find((user, key))
                .select((
                    idempotency_keys::request_hash,
                    idempotency_keys::state,
                    idempotency_keys::response_status,
                    idempotency_keys::response_body,
                    idempotency_keys::response_location,
                    idempotency_keys::response_content_type,
                    idempotency_keys::created_at,
                ))
                .for_update()
                .first(conn)
                .await?;
        let expired = created_at <= now - RETENTION;
        let abandoned = state == "in_flight" && created_at <= now - ABANDONED_AFTER;
        if expired || abandoned {
            diesel::update(idempotency_keys::table.find((user, key)))
                .set((
                    idempotency_keys::request_hash.eq(hash),
                    idempotency_keys::state.eq("in_flight"),
                    idempotency_keys::response_status.eq(None::<i32>),
                    idempotency_keys::response_body.eq(None::<Vec<u8>>),
                    idempotency_keys::created_at.eq(now),
                ))
                .execute(conn)
                .await?;
            return Ok(Begin::Fresh);
        }
        if stored_hash != hash {
            return Ok(Begin::Mismatch);
        }
        match (state.as_str(), status) {
            ("done", Some(status)) => Ok(Begin::Replay {
                status,
                body: body.unwrap_or_default(),
                location,
                content_type,
            }),
            _ => Ok(Begin::InFlight),
        }
    })
    .await
}

async fn finish(
    conn: &mut AsyncPgConnection,
    user: UserId,
    key: &str,
    status: u16,
    body: &[u8],
    location: Option<&str>,
    content_type: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(idempotency_keys::table.find((user, key)))
        .set((
            idempotency_keys::state.eq("done"),
            idempotency_keys::response_status.eq(Some(i32::from(status))),
            idempotency_keys::response_body.eq(Some(body)),
            idempotency_keys::response_location.eq(location),
            idempotency_keys::response_content_type.eq(content_type),
        ))
        .execute(conn)
        .await
}

async fn forget(conn: &mut AsyncPgConnection, user: UserId, key: &str) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.find((user, key)))
        .execute(conn)
        .await
}

/// Deletes keys past retention.
pub async fn prune(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(now - RETENTION)))
        .execute(conn)
        .await
}

fn problem(req: ServiceRequest, err: AppError) -> ServiceResponse<BoxBody> {
    let res = actix_web::ResponseError::error_response(&err);
    req.into_response(res)
}

/// The middleware (`middleware::from_fn(idempotency::handle)`).
pub async fn handle(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::POST || !req.headers().contains_key(HEADER) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let key = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_owned();
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Ok(problem(
            req,
            AppError::invalid(
                "Idempotency-Key",
                "invalid_idempotency_key",
                "must be 1–255 visible ASCII characters",
            ),
        ));
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // Only authenticated requests are scoped to a user; others go on and get their 401.
    let user = crate::auth::principal::bearer_token(req.request())
        .ok()
        .and_then(|t| state.jwt.verify(&t, state.clock.now()).ok())
        .map(|c| c.sub);
    let Some(user) = user else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };

    // Read the body (bounded), then hand it back to the handler.
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > super::BODY_LIMIT {
            return Ok(problem(
                req,
                AppError::PayloadTooLarge {
                    limit: super::BODY_LIMIT,
                },
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update([0]);
    hasher.update(req.uri().to_string());
    hasher.update([0]);
    hasher.update(&body);
    let hash = hasher.finalize().to_vec();
    req.set_payload(actix_web::dev::Payload::from(body));

    let now = state.clock.now();
    let outcome = match state.pool.get().await {
        Ok(mut conn) => begin(&mut conn, user, &key, &hash, now)
            .await
            .map_err(AppError::Internal),
        Err(e) => Err(AppError::from(e)),
    };
    match outcome {
        Err(e) => Ok(problem(req, e)),
        Ok(Begin::Mismatch) => Ok(problem(
            req,
            AppError::invalid(
                "Idempotency-Key",
                "idempotency_key_reused",
                "this key was used for a different request",
            ),
        )),
        Ok(Begin::InFlight) => Ok(problem(
            req,
            AppError::conflict(
                "idempotency_key_in_flight",
                "A request with this Idempotency-Key is still being processed.",
            ),
        )),
        Ok(Begin::Replay {
            status,
            body,
            location,
            content_type,
        }) => {
            let mut res = HttpResponse::build(
                StatusCode::from_u16(u16::try_from(status).unwrap_or(500))
                    .unwrap_or(StatusCode::OK),
            );
            if let Some(l) = location {
                res.insert_header((header::LOCATION, l));
            }
            if let Some(ct) = content_type {
                res.insert_header((header::CONTENT_TYPE, ct));
            }
            res.insert_header((
                HeaderName::from_static("idempotent-replayed"),
                HeaderValue::from_static("true"),
            ));
            Ok(req.into_response(res.body(body)))
        }
        Ok(Begin::Fresh) => {
            let res = next.call(req).await?;
            let status = res.status();
            let location = res
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let content_type = res
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let (http_req, http_res) = res.into_parts();
            let (head, body) = http_res.into_parts();
            let bytes = body::to_bytes(body)
                .await
                .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
            if let Ok(mut conn) = state.pool.get().await {
                // Answers about the caller's credentials or rate, not about the request, are
                // not replayed: the retry after logging in again must run.
                let transient =
                    status.is_server_error() || matches!(status.as_u16(), 401 | 403 | 408 | 429);
                let stored = if transient {
                    forget(&mut conn, user, &key).await
                } else {
                    finish(
                        &mut conn,
                        user,
                        &key,
                        status.as_u16(),
                        &bytes,
                        location.as_deref(),
                        content_type.as_deref(),
                    )
                    .await
                };
                if let Err(e) = stored {
                    tracing::error!(error = %e, "cannot store the idempotent response");
                }
            }
            let res = head.set_body(bytes).map_into_boxed_body();
            Ok(ServiceResponse::new(http_req, res))
        }
    }
}
