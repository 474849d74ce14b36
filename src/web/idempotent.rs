//! Idempotent form posts: each creating form carries a key rendered with the page (`_key`),
//! and its POST runs through the same store and the same request-wide transaction as the
//! API's `Idempotency-Key` (see [`crate::api::idempotency`]). A double click, a resubmit
//! after a lost answer, or a reload of the POST stores one effect; the repeats get the first
//! answer's redirect.
//!
//! Only redirects (the success of a POST + redirect form) are stored. An error — a 422 with
//! the form to correct, a 409 — rolls back and releases the key, so the corrected form
//! (rendered with a fresh key) runs.

use std::future::Future;

use actix_web::http::header;
use actix_web::HttpResponse;
use sha2::{Digest, Sha256};

use crate::auth::Principal;
use crate::db::request::RequestTx;
use crate::error::AppError;
use crate::idempotency::{claim, commit, repo as keys, rollback, Answer, Claim};
use crate::state::AppState;

/// A fresh key for one rendered form.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Runs `run` once for `key`: the first POST with the key runs it and, when it answers
/// with a redirect, stores that answer in the same transaction as its effects; a repeat of
/// the same request replays the redirect without running anything. `request` names what is
/// submitted (path and fields, not the CSRF token): the same key with other fields is a 409.
pub async fn once<F, Fut>(
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
    let key = key.trim();
    if !valid_key(key) {
        return Err(AppError::invalid(
            "_key",
            "invalid_idempotency_key",
            "the form's key is missing; reload the page",
        ));
    }
    // Form keys live beside API keys of the same user, apart by their prefix.
    let key = format!("form:{key}");
    let mut hasher = Sha256::new();
    hasher.update("POST form");
    for (name, value) in request {
        hasher.update([0]);
        hasher.update(name);
        hasher.update([1]);
        hasher.update(value);
    }
    let hash = hasher.finalize().to_vec();
    let now = state.clock.now();
    let conn = state.pool.get().await?;
    let mut conn = conn;
    match claim(&mut conn, who.user_id, &key, &hash, now).await? {
        Claim::Mismatch => Err(AppError::conflict(
            "idempotency_key_reused",
            "This form was already sent with other values; reload the page.",
        )),
        Claim::Replay(stored) => Ok(match stored.location {
            Some(l) => crate::web::render::see_other(&l),
            None => HttpResponse::SeeOther().finish(),
        }),
        Claim::Fresh => {
            let tx = RequestTx::new(conn);
            let outcome = tx.scope(run()).await;
            let mut conn = tx.conn()?;
            let res = match outcome {
                Ok(res) if res.status().is_redirection() => res,
                other => {
                    rollback(&mut conn).await;
                    return other;
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
            let stored = Answer {
                status: i32::from(res.status().as_u16()),
                body: Vec::new(),
                location: res
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                content_type: None,
            };
            match keys::store(
                &mut conn,
                who.user_id,
                &key,
                &stored,
                by_database.map(|d| d.at),
            )
            .await
            {
                Ok(1) => {}
                Ok(_) => {
                    rollback(&mut conn).await;
                    return Err(by_database.map_or_else(
                        || AppError::Internal(anyhow::anyhow!("the form key's row is gone")),
                        |d| (d.error)(),
                    ));
                }
                Err(e) => {
                    rollback(&mut conn).await;
                    return Err(e.into());
                }
            }
            commit(&mut conn).await?;
            Ok(res)
        }
    }
}
