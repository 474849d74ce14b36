//! `Idempotency-Key` on creating POSTs (DESIGN rule 13), as middleware over `/api/v1`.
//!
//! For an authenticated POST carrying the header: the first request with a key runs and
//! its response (status, body, `Location`) is stored; a replay with the same key and the
//! same request (method, path, body) returns the stored response with
//! `Idempotent-Replayed: true` and runs nothing; the same key with a different request is a
//! 422 `idempotency_key_reused`. Keys are scoped per user and kept 24 hours. An
//! unauthenticated request gets its 401 before anything looks at the key.
//!
//! **The key and the effect commit together.** The middleware takes a connection, begins a
//! transaction, inserts the key's row, and runs the handler inside a
//! [`RequestTx`](crate::db::request::RequestTx) scope, so every `db::conn` of the
//! handler (authentication included) is lent that connection and the services' own
//! transactions become savepoints of it. It then stores the response in the key's row and
//! commits: the effect and its stored answer become visible in one `COMMIT`, or neither
//! does. So after any failure — a crash (`kill -9`), a lost database connection, a server
//! error — a retry with the same key either finds the stored answer and replays it, or finds
//! no key and runs once; there is no window in which both can happen, and no "in flight"
//! state is ever committed (a crashed request leaves nothing to wait for).
//!
//! - A second request with the same key while the first is running blocks on the key's
//!   unique index until the first commits (then it replays the answer) or rolls back (then
//!   it runs).
//! - A server error the handler failed with (an error answered 5xx, e.g. a database
//!   failure) rolls everything back and stores nothing: the retry runs afresh.
//! - Answers about the caller's credentials or rate (401, 403, 408, 429), and a 5xx the
//!   handler chose to answer (the FX refresh's 502 report of a failed feed), commit their
//!   effects — a failed login is still counted, a reused refresh token's session stays
//!   revoked, the failed feed is still audited — but are not stored, so the retry runs.
//! - A check that must hold when the write commits (quotes before the RFQ's deadline, demand
//!   before the round's close) registers itself with
//!   [`commit_before`](crate::db::request::commit_before), since the service's commit is only
//!   a savepoint release here; it is re-checked just before `COMMIT` (the application's clock,
//!   and the database's in the statement that stores the answer) and a late write is rolled
//!   back with the service's own error.
//!
//! Why one transaction rather than a key state machine: any scheme that commits "in flight"
//! and "done" separately from the effect has a crash window between the two commits in
//! which the retry cannot know whether the effect happened. Deferring the services' commit
//! to the middleware closes that window for every endpoint without per-service code.
//! Requests without the header take the plain path (a pooled connection per use case, no
//! extra statements).

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::auth::principal::bearer_token;
use crate::auth::service::authenticate;
use crate::config::BODY_LIMIT;
use crate::db::request::RequestTx;
use crate::error::{AppError, ErrorCode};
use crate::idempotency::{claim, commit, repo as keys, rollback, Answer, Claim};
use crate::ids::UserId;
use crate::state::AppState;

const HEADER: &str = "idempotency-key";

fn problem(req: ServiceRequest, err: AppError) -> ServiceResponse<BoxBody> {
    let res = ResponseError::error_response(&err);
    req.into_response(res)
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.chars().all(|c| c.is_ascii_graphic())
}

async fn pass(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// The middleware (`middleware::from_fn(idempotency::handle)`).
pub async fn handle(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::POST || !req.headers().contains_key(HEADER) {
        return pass(req, next).await;
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return pass(req, next).await;
    };
    // Only authenticated requests are scoped to a user; others go on and get their 401.
    let Some((token, user)) = bearer_token(req.request()).ok().and_then(|t| {
        let sub = state.jwt.verify(&t, state.clock.now()).ok()?.sub;
        Some((t, sub))
    }) else {
        return pass(req, next).await;
    };
    let key = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_owned();
    if !valid_key(&key) {
        // A token that verifies can still name a revoked session: that is a 401 first.
        if let Err(unauthenticated) = authenticate(&state, &state.jwt, &token).await {
            return Ok(problem(req, unauthenticated));
        }
        return Ok(problem(
            req,
            AppError::invalid(
                "Idempotency-Key",
                ErrorCode::InvalidIdempotencyKey,
                "must be 1–255 visible ASCII characters",
            ),
        ));
    }

    // Read the body (bounded), then hand it back to the handler.
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Ok(problem(
                req,
                AppError::PayloadTooLarge { limit: BODY_LIMIT },
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
    let mut conn = match state.pool.get().await {
        Ok(c) => c,
        Err(e) => return Ok(problem(req, e.into())),
    };
    match claim(&mut conn, user, &key, &hash, now).await {
        Err(e) => Ok(problem(req, e)),
        Ok(Claim::Mismatch) => Ok(problem(
            req,
            AppError::invalid(
                "Idempotency-Key",
                ErrorCode::IdempotencyKeyReused,
                "this key was used for a different request",
            ),
        )),
        Ok(Claim::Replay(stored)) => {
            let mut res = HttpResponse::build(
                u16::try_from(stored.status)
                    .ok()
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(StatusCode::OK),
            );
            if let Some(l) = stored.location {
                res.insert_header((header::LOCATION, l));
            }
            if let Some(ct) = stored.content_type {
                res.insert_header((header::CONTENT_TYPE, ct));
            }
            res.insert_header((
                HeaderName::from_static("idempotent-replayed"),
                HeaderValue::from_static("true"),
            ));
            Ok(req.into_response(res.body(stored.body)))
        }
        Ok(Claim::Fresh) => run(req, next, RequestTx::new(conn), &state, user, &key).await,
    }
}

/// Runs the handler in the request's transaction, then stores its answer and commits (or
/// rolls back); see the module doc.
async fn run(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    tx: RequestTx,
    state: &AppState,
    user: UserId,
    key: &str,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let outcome = tx
        .scope(async {
            let res = next.call(req).await?;
            let failed = res.status().is_server_error() && res.response().error().is_some();
            let (http_req, http_res) = res.into_parts();
            let (head, body) = http_res.into_parts();
            let bytes = body::to_bytes(body)
                .await
                .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
            Ok::<_, actix_web::Error>((http_req, head, bytes, failed))
        })
        .await;
    let mut conn = tx.conn()?;
    let (http_req, head, bytes, failed) = match outcome {
        Ok(o) => o,
        Err(e) => {
            rollback(&mut conn).await;
            return Err(e);
        }
    };
    let answer = |head: HttpResponse<()>, bytes: web::Bytes| {
        ServiceResponse::new(http_req.clone(), head.set_body(bytes).map_into_boxed_body())
    };
    let refuse = |err: AppError| ServiceResponse::new(http_req.clone(), err.error_response());
    if failed {
        rollback(&mut conn).await;
        return Ok(answer(head, bytes));
    }

    let deadlines = tx.deadlines();
    if let Some(late) = deadlines.iter().find(|d| state.clock.now() >= d.at) {
        rollback(&mut conn).await;
        return Ok(refuse((late.error)()));
    }
    let by_database = deadlines
        .iter()
        .filter(|d| d.database_clock)
        .min_by_key(|d| d.at);
    let status = head.status();
    // Answers about the caller's credentials or rate, not about the request, are not
    // replayed: the retry after logging in again must run. Nor are server errors.
    let keep = !status.is_server_error() && !matches!(status.as_u16(), 401 | 403 | 408 | 429);
    let written = if keep {
        let stored = Answer {
            status: i32::from(status.as_u16()),
            body: bytes.to_vec(),
            location: header_text(&head, header::LOCATION),
            content_type: header_text(&head, header::CONTENT_TYPE),
        };
        keys::store(&mut conn, user, key, &stored, by_database.map(|d| d.at)).await
    } else {
        keys::forget(&mut conn, user, key, by_database.map(|d| d.at)).await
    };
    match written {
        Ok(1) => {}
        Ok(_) => {
            // The database's clock reached the deadline: the write was late.
            rollback(&mut conn).await;
            let late = by_database.map_or_else(
                || AppError::Internal(anyhow::anyhow!("the idempotency key's row is gone")),
                |d| (d.error)(),
            );
            return Ok(refuse(late));
        }
        Err(e) => {
            rollback(&mut conn).await;
            return Ok(refuse(e.into()));
        }
    }
    // A COMMIT that fails with the connection lost may or may not have happened; the
    // client's retry with the same key tells (a replay, or a first run).
    if let Err(e) = commit(&mut conn).await {
        return Ok(refuse(e.into()));
    }
    Ok(answer(head, bytes))
}

fn header_text(res: &HttpResponse<()>, name: HeaderName) -> Option<String> {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
