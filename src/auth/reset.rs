//! "Forgot password": an emailed one-time link sets a new password.
//!
//! - [`request`] runs after the answer (the handler spawns [`request_logged`] and answers
//!   at once), so the response is the same, in content and in time, whether or not the
//!   address has an account. For an active account it stores the SHA-256 of a new 256-bit
//!   token valid [`RESET_TTL`] and queues the email (the worker drops the link from the
//!   stored payload once sent). At most [`MAX_RESETS_PER_HOUR`] links per account and hour
//!   are sent.
//! - [`reset`] checks the token (unknown, used, expired and disabled accounts are all the
//!   same 422 `invalid_reset_token`), applies the password policy, and in one transaction
//!   stores the password, spends this and every other open link of the account, revokes
//!   every session of the account, forgets its failed logins, audits, and tells the owner
//!   by email.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::models::User;
use super::service::{tell_password_changed, ClientMeta};
use super::{password, repo, tokens};
use crate::audit::{self, Actor, Event};
use crate::context::Ctx;
use crate::cooperatives::repo::timezone_of;
use crate::error::{self, AppError, ErrorCode};
use crate::ids::UserId;
use crate::notifications::templates::{PasswordReset, ZonedTime};
use crate::notifications::{self, Email};
use crate::schema::password_resets;
use crate::{db, validation};

/// How long a reset link works.
pub const RESET_TTL: Duration = Duration::minutes(30);
/// Links sent per account per hour at most (further requests are answered the same way and
/// send nothing).
pub const MAX_RESETS_PER_HOUR: i64 = 3;

/// `POST /auth/forgot-password` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotPassword {
    /// The account's email address.
    pub email: String,
}

/// `POST /auth/reset-password` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// The token of the emailed link (`/reset-password/{token}`).
    pub token: String,
    /// 8–128 characters, not a common password, not the email address.
    pub new_password: String,
}

/// [`request`] as work started after the answer (the handler spawns it): owns its inputs
/// and logs a failure, since nobody is waiting for the result.
pub async fn request_logged(ctx: Ctx, email: String, meta: ClientMeta) {
    if let Err(e) = request(&ctx, &email, &meta).await {
        tracing::error!(error = %error::chain(&e), "password reset request failed");
    }
}

/// Sends a reset link to `email` if it is an active account's (see the module docs).
/// Returns whether a link was queued.
pub async fn request(ctx: &Ctx, email: &str, meta: &ClientMeta) -> Result<bool, AppError> {
    let Ok(email) = validation::email("email", email) else {
        return Ok(false);
    };
    let now = ctx.clock.now();
    let mut conn = db::conn(&ctx.pool).await?;
    let public_url = ctx.settings.public_url.clone();
    conn.transaction(async |conn| -> Result<bool, AppError> {
        let Some(user) = repo::find_user_by_email(conn, &email).await? else {
            return Ok(false);
        };
        if user.disabled {
            return Ok(false);
        }
        // Serialises requests of one account, so the hourly cap holds under concurrency.
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 11))")
            .bind::<diesel::sql_types::Text, _>(user.id.to_string())
            .execute(conn)
            .await?;
        let recent: i64 = password_resets::table
            .filter(password_resets::user_id.eq(user.id))
            .filter(password_resets::created_at.gt(now - Duration::hours(1)))
            .count()
            .get_result(conn)
            .await?;
        if recent >= MAX_RESETS_PER_HOUR {
            tracing::info!(user = %user.id, "password reset not sent: hourly cap reached");
            return Ok(false);
        }
        let token = tokens::generate()?;
        let expires = now + RESET_TTL;
        diesel::insert_into(password_resets::table)
            .values((
                password_resets::token_hash.eq(tokens::digest(&token)),
                password_resets::user_id.eq(user.id),
                password_resets::created_at.eq(now),
                password_resets::expires_at.eq(expires),
            ))
            .execute(conn)
            .await?;
        let zone = timezone_of(conn, user.cooperative_id).await?;
        notifications::enqueue(
            conn,
            now,
            Email {
                to: &user.email,
                locale: user.locale,
                template: &PasswordReset {
                    name: user.name.clone(),
                    email: user.email.clone(),
                    link: format!("{public_url}/reset-password/{token}"),
                    expires_at: ZonedTime::new(expires, &zone),
                },
                dedupe_key: None,
            },
        )
        .await?;
        audit::record(
            conn,
            now,
            Event::platform(
                Actor::User(user.id),
                "auth.password_reset_requested",
                "user",
                user.id,
                json!({"ip": meta.ip}),
            )
            .in_cooperative(user.cooperative_id),
        )
        .await?;
        Ok(true)
    })
    .await
}

fn invalid_token() -> AppError {
    AppError::invalid(
        "token",
        ErrorCode::InvalidResetToken,
        "this reset link is unknown, already used or expired",
    )
}

/// The active account a reset token is for, if the token is open (unused, not expired).
pub async fn account_of(ctx: &Ctx, token: &str) -> Result<Option<User>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    open_account(&mut conn, token, ctx.clock.now(), false).await
}

async fn open_account(
    conn: &mut AsyncPgConnection,
    token: &str,
    now: DateTime<Utc>,
    lock: bool,
) -> Result<Option<User>, AppError> {
    let q = password_resets::table
        .find(tokens::digest(token.trim()))
        .select((
            password_resets::user_id,
            password_resets::expires_at,
            password_resets::used_at,
        ));
    let row: Option<(UserId, DateTime<Utc>, Option<DateTime<Utc>>)> = if lock {
        q.for_update().first(conn).await.optional()?
    } else {
        q.first(conn).await.optional()?
    };
    match row {
        Some((user_id, expires, None)) if expires > now => Ok(repo::find_user(conn, user_id)
            .await?
            .filter(|u| !u.disabled)),
        _ => Ok(None),
    }
}

/// Sets a new password with a reset token (see the module docs).
pub async fn reset(ctx: &Ctx, token: &str, new_password: String) -> Result<(), AppError> {
    let now = ctx.clock.now();
    let user = account_of(ctx, token).await?.ok_or_else(invalid_token)?;
    password::check_policy("new_password", &new_password, Some(&user.email))
        .map_err(|e| AppError::Validation(vec![e]))?;
    let hash = password::hash_blocking(new_password).await?;
    let digest = tokens::digest(token.trim());
    let mut conn = db::conn(&ctx.pool).await?;
    conn.transaction(async |conn| -> Result<(), AppError> {
        // Re-checked under the row lock: two concurrent resets cannot both succeed.
        match open_account(conn, token, now, true).await? {
            Some(u) if u.id == user.id => {}
            _ => return Err(invalid_token()),
        }
        diesel::update(password_resets::table.find(&digest))
            .set(password_resets::used_at.eq(now))
            .execute(conn)
            .await?;
        diesel::update(
            password_resets::table
                .filter(password_resets::user_id.eq(user.id))
                .filter(password_resets::used_at.is_null()),
        )
        .set(password_resets::used_at.eq(now))
        .execute(conn)
        .await?;
        repo::set_password(conn, user.id, &hash, now).await?;
        let revoked =
            repo::revoke_user_sessions(conn, user.id, None, now, "password_reset").await?;
        repo::clear_account_login_failures(conn, &user.email).await?;
        audit::record(
            conn,
            now,
            Event::platform(
                Actor::User(user.id),
                "auth.password_reset",
                "user",
                user.id,
                json!({"sessions_revoked": revoked}),
            )
            .in_cooperative(user.cooperative_id),
        )
        .await?;
        tell_password_changed(conn, &user, revoked, now).await
    })
    .await
}
