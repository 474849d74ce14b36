//! Forms that must take effect once however often they are sent (a double click, a reload
//! of the answer, a retry after a lost connection): the portal's side of the API's
//! `Idempotency-Key` mechanism (DESIGN rule 13, [`crate::api::idempotency`]).
//!
//! Each render of such a form carries a fresh key in a hidden field ([`new_key`]). The
//! POST claims the key in the same store the API uses ([`crate::idempotency`], scoped per
//! user), runs the handler's work inside one request-wide transaction
//! ([`RequestTx`]) and, when the work succeeded, stores its answer — the redirect to what
//! it made — and commits the effect and the answer together. A second POST with the key
//! and the same body waits for the first and then gets the same redirect; nothing runs
//! twice. A form re-rendered with errors stores nothing (and gets a new key). The same key
//! with a different body (the old form, changed, sent again) is refused with 409.

use std::future::Future;

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use sha2::{Digest, Sha256};

use super::render::see_other;
use crate::auth::Principal;
use crate::db::request::RequestTx;
use crate::error::{AppError, ErrorCode};
use crate::idempotency::{claim, commit, repo as keys, rollback, Answer, Claim};
use crate::ids::UserId;
use crate::state::AppState;

/// The name of the hidden field.
pub const FIELD: &str = "idempotency_key";

/// A fresh key for one render of a form.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// What the work of a form came to.
pub enum Outcome {
    /// Done: redirect (303) here; stored, and answered again to a repeat.
    Done(String),
    /// Not done (the form again, with errors): answered as is, nothing kept.
    Again(HttpResponse),
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.chars().all(|c| c.is_ascii_graphic())
}

/// Runs `work` once for (`user`, `key`) and this request (`path` and `body`), as the module
/// documentation describes. Without a usable key the work runs unguarded (a form always
/// renders one; a hand-made request without it is its sender's business).
pub async fn once<F, Fut>(
    state: &AppState,
    user: UserId,
    key: Option<&str>,
    path: &str,
    body: &[u8],
    work: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Outcome, AppError>>,
{
    let Some(key) = key.map(str::trim).filter(|k| valid_key(k)) else {
        return Ok(match work().await? {
            Outcome::Done(to) => see_other(&to),
            Outcome::Again(res) => res,
        });
    };
    // Namespaced so a portal key can never answer an API request or the reverse.
    let key = format!("portal:{key}");
    let mut hasher = Sha256::new();
    hasher.update(b"POST\0");
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    let hash = hasher.finalize().to_vec();

    let mut conn = state.pool.get().await?;
    match claim(&mut conn, user, &key, &hash, state.clock.now()).await? {
        Claim::Replay(stored) => {
            return Ok(match stored.location {
                Some(to) => see_other(&to),
                None => see_other(path),
            })
        }
        Claim::Mismatch => {
            return Err(AppError::conflict(
                ErrorCode::IdempotencyKeyReused,
                "This form was sent already with other values; open it again.",
            ))
        }
        Claim::Fresh => {}
    }
    let tx = RequestTx::new(conn);
    let outcome = tx.scope(work()).await;
    let mut conn = tx.conn()?;
    let to = match outcome {
        Ok(Outcome::Done(to)) => to,
        Ok(Outcome::Again(res)) => {
            rollback(&mut conn).await;
            return Ok(res);
        }
        Err(e) => {
            rollback(&mut conn).await;
            return Err(e);
        }
    };
    let deadlines = tx.deadlines();
    if let Some(late) = deadlines.iter().find(|d| state.clock.now() >= d.at) {
        rollback(&mut conn).await;
        return Err((late.error)());
    }
    let by_database = deadlines
        .iter()
        .filter(|d| d.database_clock)
        .min_by_key(|d| d.at);
    let answer = Answer {
        status: 303,
        body: Vec::new(),
        location: Some(to.clone()),
        content_type: None,
    };
    match keys::store(&mut conn, user, &key, &answer, by_database.map(|d| d.at)).await {
        Ok(1) => {}
        Ok(_) => {
            rollback(&mut conn).await;
            return Err(by_database.map_or_else(
                || AppError::Internal(anyhow::anyhow!("the idempotency key's row is gone")),
                |d| (d.error)(),
            ));
        }
        Err(e) => {
            rollback(&mut conn).await;
            return Err(e.into());
        }
    }
    commit(&mut conn).await?;
    Ok(see_other(&to))
}

/// [`once`] for a form whose request is its fields (path included by the caller): `run`
/// answers the page's response; a redirect (303) is the success kept for repeats, anything
/// else (the form again with errors) is answered as is and keeps nothing. A missing or
/// malformed key is refused (422), since the page always renders one.
pub async fn once_fields<F, Fut>(
    state: &AppState,
    who: &Principal,
    key: &str,
    request: &[(&str, &str)],
    run: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<HttpResponse, AppError>>,
{
    if !valid_key(key.trim()) {
        return Err(AppError::invalid(
            "_key",
            ErrorCode::InvalidIdempotencyKey,
            "the form's key is missing; reload the page",
        ));
    }
    let mut body = Vec::new();
    for (name, value) in request {
        body.extend_from_slice(name.as_bytes());
        body.push(0);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    once(state, who.user_id, Some(key), "", &body, || async move {
        let res = run().await?;
        let to = (res.status() == StatusCode::SEE_OTHER)
            .then(|| res.headers().get(header::LOCATION))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(match to {
            Some(to) => Outcome::Done(to),
            None => Outcome::Again(res),
        })
    })
    .await
}
