//! Authentication use cases. Each is one transaction (where it writes) and enforces the
//! rules of API.md "Auth".

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::cache::LiveSession;
use super::jwt::JwtKeys;
use super::models::{Locale, NewLoginFailure, NewUser, RefreshToken, Role, Session, User};
use super::principal::Principal;
use super::throttle::{self, retry_after_secs};
use super::{password, repo, tokens};
use crate::audit::{self, Actor, Event};
use crate::context::Ctx;
use crate::cooperatives::repo::timezone_of;
use crate::db;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::ids::{SessionId, UserId};
use crate::notifications::templates::{PasswordChanged, ZonedTime};
use crate::notifications::{self, Email};
use crate::validation;
use crate::validation::Collect;

/// Absolute lifetime of a session, however often it is refreshed.
pub const SESSION_TTL: Duration = Duration::days(30);
/// Lifetime of one refresh token (each use issues a new one).
pub const REFRESH_TTL: Duration = Duration::days(14);

/// Where a request came from (recorded on sessions and failures).
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    /// Peer IP address.
    pub ip: Option<String>,
    /// `User-Agent` header.
    pub user_agent: Option<String>,
}

/// The answer to a login or refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// JWT for `Authorization: Bearer`, valid `expires_in` seconds.
    pub access_token: String,
    /// Opaque token for `POST /auth/refresh`; single use.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Lifetime of `access_token` in seconds.
    pub expires_in: i64,
}

fn invalid_credentials() -> AppError {
    AppError::unauthenticated(
        ErrorCode::InvalidCredentials,
        "The email or password is incorrect.",
    )
}

fn throttled(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    AppError::RateLimited {
        code: ErrorCode::TooManyFailedLogins,
        retry_after_secs: retry_after_secs(until, now),
    }
}

/// Serialises the decisions on one account key until the transaction ends, so parallel
/// guesses cannot all pass the throttle before any of their failures is recorded.
async fn lock_account_key(conn: &mut AsyncPgConnection, key: &str) -> Result<(), AppError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))")
        .bind::<diesel::sql_types::Text, _>(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// The throttle of [`throttle`](super::throttle) for one attempt on account `key` from
/// `source`: 429 if the source must still wait, or — when `account_wide` — if the
/// account's budget is spent and `source` has not logged in to it before.
async fn check_throttle(
    conn: &mut AsyncPgConnection,
    key: &str,
    source: &str,
    now: DateTime<Utc>,
    account_wide: bool,
) -> Result<(), AppError> {
    let (count, newest) =
        repo::source_login_failures(conn, key, source, now - throttle::SOURCE_WINDOW).await?;
    if let Some(until) = throttle::source_wait(count, newest, now) {
        return Err(throttled(until, now));
    }
    if !account_wide {
        return Ok(());
    }
    let failures = repo::account_login_failures(
        conn,
        key,
        now - throttle::ACCOUNT_WINDOW,
        throttle::ACCOUNT_BUDGET as i64,
    )
    .await?;
    if let Some(until) = throttle::account_wait(&failures, now) {
        if !repo::is_known_login_source(conn, key, source, now - throttle::TRUSTED_FOR).await? {
            return Err(throttled(until, now));
        }
    }
    Ok(())
}

/// Creates a session with its first refresh token and an access token.
async fn start_session(
    jwt: &JwtKeys,
    conn: &mut AsyncPgConnection,
    user: &User,
    meta: &ClientMeta,
    now: DateTime<Utc>,
) -> Result<(TokenPair, SessionId), AppError> {
    let session = Session {
        id: SessionId::new(),
        user_id: user.id,
        created_at: now,
        expires_at: now + SESSION_TTL,
        revoked_at: None,
        revoked_reason: None,
        ip: meta.ip.clone(),
        user_agent: meta
            .user_agent
            .as_deref()
            .map(|ua| ua.chars().take(400).collect()),
    };
    repo::insert_session(conn, &session).await?;
    let refresh_token = issue_refresh_token(conn, &session, now).await?;
    let (access_token, expires_in) = jwt.issue(user.id, user.role, session.id, now)?;
    Ok((
        TokenPair {
            access_token,
            refresh_token,
            token_type: "Bearer",
            expires_in,
        },
        session.id,
    ))
}

async fn issue_refresh_token(
    conn: &mut AsyncPgConnection,
    session: &Session,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let token = tokens::generate()?;
    repo::insert_refresh_token(
        conn,
        &RefreshToken {
            token_hash: tokens::digest(&token),
            session_id: session.id,
            issued_at: now,
            expires_at: (now + REFRESH_TTL).min(session.expires_at),
            used_at: None,
        },
    )
    .await?;
    Ok(token)
}

/// `POST /auth/login`. Unknown email, wrong password and disabled account all answer the
/// same 401 after the same amount of hashing work; a throttled attempt (module
/// [`throttle`](super::throttle)) answers 429 whatever the password (and, when it was
/// throttled before it began, without the password being hashed).
pub async fn login(
    ctx: &Ctx,
    jwt: &JwtKeys,
    email: &str,
    password: String,
    meta: ClientMeta,
) -> Result<TokenPair, AppError> {
    let now = ctx.clock.now();
    // A malformed email cannot belong to an account: it is treated as unknown (not a 422,
    // so the answer does not depend on what exists), and only its hash is ever stored —
    // people type passwords into the email field.
    let (key, shown_email) = match validation::email("email", email) {
        Ok(e) => (e.clone(), Some(e)),
        Err(_) => {
            use sha2::{Digest, Sha256};
            (
                format!(
                    "sha256:{}",
                    hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()))
                ),
                None,
            )
        }
    };

    let source = throttle::source_key(meta.ip.as_deref());

    // First a short read, no lock held: an attempt the throttle refuses already costs no
    // argon2 work, and the account's hash is read for the verification.
    let mut conn = db::conn(&ctx.pool).await?;
    check_throttle(&mut conn, &key, &source, now, true).await?;
    let read = match &shown_email {
        Some(e) => repo::find_user_by_email(&mut conn, e).await?,
        None => None,
    };
    let read_hash = read.as_ref().and_then(|u| u.password_hash.clone());
    // The verification holds no pooled connection: fifty people signing in at once wait
    // for the argon2 threads, not for connections that other requests need.
    drop(conn);
    let password_matches = password::verify_blocking(password, read_hash.clone()).await?;

    // Then one transaction per attempt, serialised per account key (see
    // `lock_account_key`): the throttle is checked again, so attempts verified in parallel
    // are counted exactly, and the account is read again — a password changed meanwhile
    // makes this attempt a failure.
    // The throttle is checked at the attempt's arrival (`now`): thirty guesses that arrive
    // together are thirty attempts at that instant, however long the hashing queue makes
    // them wait. What the attempt records is stamped when it is decided (`decided`), so a
    // source's wait runs from the answer to its failure, not from its arrival.
    let decided = ctx.clock.now();
    let mut conn = db::conn(&ctx.pool).await?;
    let outcome = conn
        .transaction(async |conn| -> Result<Result<TokenPair, AppError>, AppError> {
            lock_account_key(conn, &key).await?;
            if let Err(refused) = check_throttle(conn, &key, &source, now, true).await {
                return Ok(Err(refused));
            }
            let user = match &shown_email {
                Some(e) => repo::find_user_by_email(conn, e).await?,
                None => None,
            };
            let verified = password_matches
                && user.as_ref().map(|u| (u.id, &u.password_hash)) == read.as_ref().map(|u| (u.id, &read_hash));
            match user {
                Some(user) if verified && !user.disabled => {
                    repo::record_login_success(conn, &key, &source, decided).await?;
                    let (pair, session_id) = start_session(jwt, conn, &user, &meta, decided).await?;
                    audit::record(
                        conn,
                        decided,
                        Event::platform(Actor::User(user.id), "auth.login", "user", user.id, json!({"session_id": session_id, "ip": meta.ip}))
                            .in_cooperative(user.cooperative_id),
                    )
                    .await?;
                    Ok(Ok(pair))
                }
                user => {
                    let reason = match &user {
                        None => "unknown_email",
                        Some(u) if u.disabled => "account_disabled",
                        Some(u) if u.password_hash.is_none() => "no_password_set",
                        Some(_) => "wrong_password",
                    };
                    let event = match &user {
                        Some(u) => Event::platform(Actor::User(u.id), "auth.login_failed", "user", u.id, json!({"reason": reason, "ip": meta.ip}))
                            .in_cooperative(u.cooperative_id),
                        None => Event {
                            cooperative_id: None,
                            actor: Actor::System,
                            action: "auth.login_failed",
                            entity: "user",
                            entity_id: None,
                            data: match &shown_email {
                                Some(e) => json!({"reason": reason, "email": e, "ip": meta.ip}),
                                None => json!({"reason": "malformed_email", "email_sha256": key.trim_start_matches("sha256:"), "ip": meta.ip}),
                            },
                        },
                    };
                    repo::record_login_failure(conn, &NewLoginFailure { email: key.clone(), at: decided, ip: meta.ip.clone(), source: source.clone() }).await?;
                    audit::record(conn, decided, event).await?;
                    Ok(Err(invalid_credentials()))
                }
            }
        })
        .await?;
    outcome
}

enum Rotation {
    Rotated(TokenPair),
    Reused,
    Invalid,
}

/// `POST /auth/refresh`: rotates the refresh token. A token that was already rotated is
/// evidence of theft: its whole session is revoked (and stays revoked: the revocation
/// commits even though the request fails).
pub async fn refresh(ctx: &Ctx, jwt: &JwtKeys, refresh_token: &str) -> Result<TokenPair, AppError> {
    let now = ctx.clock.now();
    let hash = tokens::digest(refresh_token);
    let mut conn = db::conn(&ctx.pool).await?;
    let outcome = conn
        .transaction(async |conn| -> Result<Rotation, AppError> {
            let Some((token, session)) = repo::refresh_token_for_update(conn, &hash).await? else {
                return Ok(Rotation::Invalid);
            };
            if token.used_at.is_some() {
                if repo::revoke_session(conn, session.id, now, "refresh_token_reuse").await? {
                    tracing::warn!(session = %session.id, user = %session.user_id, "refresh token reuse: session revoked");
                    let coop = repo::find_user(conn, session.user_id).await?.and_then(|u| u.cooperative_id);
                    audit::record(
                        conn,
                        now,
                        Event::platform(Actor::System, "auth.session_revoked", "session", session.id, json!({"reason": "refresh_token_reuse", "user_id": session.user_id}))
                            .in_cooperative(coop),
                    )
                    .await?;
                }
                return Ok(Rotation::Reused);
            }
            if session.revoked_at.is_some() || session.expires_at <= now || token.expires_at <= now {
                return Ok(Rotation::Invalid);
            }
            let Some(user) = repo::find_user(conn, session.user_id).await?.filter(|u| !u.disabled) else {
                return Ok(Rotation::Invalid);
            };
            repo::mark_refresh_token_used(conn, &hash, now).await?;
            let refresh_token = issue_refresh_token(conn, &session, now).await?;
            audit::record(
                conn,
                now,
                Event::platform(Actor::User(user.id), "auth.token_refreshed", "session", session.id, json!({}))
                    .in_cooperative(user.cooperative_id),
            )
            .await?;
            let (access_token, expires_in) = jwt.issue(user.id, user.role, session.id, now)?;
            Ok(Rotation::Rotated(TokenPair {
                access_token,
                refresh_token,
                token_type: "Bearer",
                expires_in,
            }))
        })
        .await?;
    match outcome {
        Rotation::Rotated(pair) => Ok(pair),
        Rotation::Reused => Err(AppError::unauthenticated(
            ErrorCode::RefreshTokenReused,
            "This refresh token was already used; the session has been revoked. Log in again.",
        )),
        Rotation::Invalid => Err(AppError::unauthenticated(
            ErrorCode::InvalidRefreshToken,
            "The refresh token is unknown, expired or revoked. Log in again.",
        )),
    }
}

/// `POST /auth/logout`: revokes the refresh token's session, so its access tokens stop
/// working at once. Unknown tokens are accepted silently (logout is idempotent).
pub async fn logout(ctx: &Ctx, refresh_token: &str) -> Result<(), AppError> {
    let now = ctx.clock.now();
    let hash = tokens::digest(refresh_token);
    let mut conn = db::conn(&ctx.pool).await?;
    conn.transaction(async |conn| -> Result<(), AppError> {
        if let Some((_, session)) = repo::refresh_token_for_update(conn, &hash).await? {
            if repo::revoke_session(conn, session.id, now, "logout").await? {
                let coop = repo::find_user(conn, session.user_id)
                    .await?
                    .and_then(|u| u.cooperative_id);
                audit::record(
                    conn,
                    now,
                    Event::platform(
                        Actor::User(session.user_id),
                        "auth.logout",
                        "session",
                        session.id,
                        json!({}),
                    )
                    .in_cooperative(coop),
                )
                .await?;
            }
        }
        Ok(())
    })
    .await
}

/// Verifies an access token and its session; the per-request check behind [`Principal`].
pub async fn authenticate(ctx: &Ctx, jwt: &JwtKeys, token: &str) -> Result<Principal, AppError> {
    let now = ctx.clock.now();
    let claims = jwt
        .verify(token, now)
        .map_err(|e| AppError::unauthenticated(e.code(), "The access token is not valid."))?;
    if let Some(live) = ctx.sessions.get(&claims.sid) {
        if live.principal.user_id == claims.sub && live.expires_at > now {
            return Ok(Principal::clone(&live.principal));
        }
        ctx.sessions.remove(&claims.sid);
    }
    let ticket = ctx.sessions.ticket();
    let mut conn = db::conn(&ctx.pool).await?;
    let Some((session, user)) = repo::session_with_user(&mut conn, claims.sid, claims.sub).await?
    else {
        return Err(AppError::unauthenticated(
            ErrorCode::SessionRevoked,
            "The session no longer exists.",
        ));
    };
    if session.revoked_at.is_some() {
        return Err(AppError::unauthenticated(
            ErrorCode::SessionRevoked,
            "The session has been revoked. Log in again.",
        ));
    }
    if session.expires_at <= now {
        return Err(AppError::unauthenticated(
            ErrorCode::SessionExpired,
            "The session has expired. Log in again.",
        ));
    }
    if user.disabled {
        return Err(AppError::unauthenticated(
            ErrorCode::AccountDisabled,
            "This account is disabled.",
        ));
    }
    let principal = Principal {
        user_id: user.id,
        session_id: session.id,
        email: user.email,
        name: user.name,
        role: user.role,
        cooperative_id: user.cooperative_id,
        member_id: user.member_id,
        supplier_id: user.supplier_id,
        locale: user.locale,
    };
    ctx.sessions.put(
        ticket,
        session.id,
        LiveSession {
            principal: Arc::new(principal.clone()),
            expires_at: session.expires_at,
        },
    );
    Ok(principal)
}

/// `POST /auth/password`: checks the current password (a wrong one counts as a failed
/// login of the caller's source for throttling), stores the new one, and revokes every
/// other session.
pub async fn change_password(
    ctx: &Ctx,
    who: &Principal,
    current: String,
    new: String,
    meta: &ClientMeta,
) -> Result<(), AppError> {
    let now = ctx.clock.now();
    let mut errors: Vec<FieldError> = Vec::new();
    if let Err(e) = password::check_policy("new_password", &new, Some(&who.email)) {
        errors.push(e);
    } else if new == current {
        errors.push(FieldError::new(
            "new_password",
            ErrorCode::Unchanged,
            "must differ from the current password",
        ));
    }
    // The same per-source throttle as logins (a wrong current password counts as a failed
    // login), but not the account-wide budget: the caller holds a session of the account,
    // and strangers' failures must not stop its owner from changing the password.
    let source = throttle::source_key(meta.ip.as_deref());
    let mut conn = db::conn(&ctx.pool).await?;
    let (user, verified) = conn
        .transaction(async |conn| -> Result<(User, bool), AppError> {
            lock_account_key(conn, &who.email).await?;
            check_throttle(conn, &who.email, &source, now, false).await?;
            let user = repo::find_user(conn, who.user_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let verified = password::verify_blocking(current, user.password_hash.clone()).await?;
            if !verified {
                repo::record_login_failure(
                    conn,
                    &NewLoginFailure {
                        email: who.email.clone(),
                        at: now,
                        ip: meta.ip.clone(),
                        source: source.clone(),
                    },
                )
                .await?;
            }
            Ok((user, verified))
        })
        .await?;
    drop(conn);
    if !verified {
        errors.insert(
            0,
            FieldError::new(
                "current_password",
                ErrorCode::Incorrect,
                "is not your current password",
            ),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = password::hash_blocking(new).await?;
    let mut conn = db::conn(&ctx.pool).await?;
    conn.transaction(async |conn| -> Result<(), AppError> {
        repo::set_password(conn, user.id, &hash, now).await?;
        let revoked = repo::revoke_user_sessions(
            conn,
            user.id,
            Some(who.session_id),
            now,
            "password_changed",
        )
        .await?;
        audit::record(
            conn,
            now,
            Event::platform(
                Actor::User(user.id),
                "auth.password_changed",
                "user",
                user.id,
                json!({"other_sessions_revoked": revoked}),
            )
            .in_cooperative(user.cooperative_id),
        )
        .await?;
        tell_password_changed(conn, &user, revoked, now).await
    })
    .await
}

/// Queues the email that tells `user` its password changed at `now` and how many of its
/// other sessions were ended (after a change and after a reset alike).
pub(super) async fn tell_password_changed(
    conn: &mut AsyncPgConnection,
    user: &User,
    revoked: usize,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let zone = timezone_of(conn, user.cooperative_id).await?;
    notifications::enqueue(
        conn,
        now,
        Email {
            to: &user.email,
            locale: user.locale,
            template: &PasswordChanged {
                name: user.name.clone(),
                email: user.email.clone(),
                changed_at: ZonedTime::new(now, &zone),
                other_sessions_revoked: revoked,
            },
            dedupe_key: None,
        },
    )
    .await?;
    Ok(())
}

/// Input of [`create_user`].
#[derive(Debug, Clone)]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
    pub locale: Locale,
}

/// Creates a user with a password (the command line's `user create`). Validates every
/// field; a taken email is a 409 `email_taken`. Writes `user.created` to the audit trail.
pub async fn create_user(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    input: CreateUser,
    now: DateTime<Utc>,
) -> Result<User, AppError> {
    let mut errors = Vec::new();
    let email = validation::email("email", &input.email).collect_into(&mut errors);
    let name = validation::text("name", &input.name, 200).collect_into(&mut errors);
    if let Err(e) = password::check_policy("password", &input.password, email.as_deref()) {
        errors.push(e);
    }
    let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    if input.role != Role::PlatformAdmin {
        return Err(AppError::invalid(
            "role",
            ErrorCode::UnsupportedRole,
            "only platform_admin users are created here; others belong to an organisation",
        ));
    }
    let hash = password::hash_blocking(input.password).await?;
    let new = NewUser {
        id: UserId::new(),
        email,
        name,
        password_hash: Some(hash),
        role: input.role,
        cooperative_id: None,
        member_id: None,
        supplier_id: None,
        locale: input.locale,
        password_changed_at: Some(now),
        created_at: now,
        updated_at: now,
    };
    conn.transaction(async |conn| -> Result<User, AppError> {
        // The command line reports a taken email as a conflict, not as a form field.
        let user = repo::insert_user(conn, &new)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Validation(errors)
                    if errors.iter().any(|e| e.code == ErrorCode::Taken) =>
                {
                    AppError::conflict(
                        ErrorCode::EmailTaken,
                        "A user with this email already exists.",
                    )
                }
                other => other,
            })?;
        let data = json!({"email": user.email, "role": user.role, "locale": user.locale});
        audit::record(
            conn,
            now,
            Event::platform(actor, "user.created", "user", user.id, data)
                .in_cooperative(user.cooperative_id),
        )
        .await?;
        Ok(user)
    })
    .await
}
