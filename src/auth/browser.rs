//! Browser sessions of the portal, on the same `sessions` rows as the API's.
//!
//! - Sign-in goes through [`service::login`] (the same throttling, audit and checks as
//!   `POST /auth/login`), then binds a new opaque cookie token (256 random bits, stored
//!   only as its SHA-256) to the session it created and shortens the session to the
//!   browser's absolute lifetime. Every sign-in gets a new token.
//! - Each request ([`authenticate`]) applies the API's rules — revoked (logout, password
//!   change, refresh-token reuse), expired, disabled account — plus an idle timeout:
//!   a session unused for [`IDLE_TIMEOUT`] is revoked. `last_seen_at` is written at most
//!   once per [`SEEN_GRANULARITY`], so browsing costs no write per page.
//! - Sign-out revokes the session (its API tokens die with it).

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use super::jwt::JwtKeys;
use super::models::{Session, User};
use super::principal::Principal;
use super::service::{self, ClientMeta};
use super::{cache, repo, tokens, Locale};
use crate::audit::{self, Actor, Event};
use crate::context::Ctx;
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::schema::{sessions, users};

/// A browser session ends after this long without a request.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(60);
/// A browser session ends this long after sign-in, however active.
pub const ABSOLUTE_LIFETIME: Duration = Duration::hours(12);
/// `last_seen_at` is refreshed when it is at least this old.
pub const SEEN_GRANULARITY: Duration = Duration::minutes(1);

/// Why a cookie does not (or no longer) name a usable session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No session has this token.
    Unknown,
    /// Signed out, password changed elsewhere, disabled, or revoked for idleness earlier.
    Revoked,
    /// Past the absolute lifetime.
    Expired,
    /// Unused for longer than [`IDLE_TIMEOUT`] (revoked now).
    Idle,
    /// The account is disabled.
    Disabled,
}

/// Signs in with email and password through the API's login use case and returns the new
/// cookie token with the signed-in principal.
pub async fn sign_in(
    ctx: &Ctx,
    jwt: &JwtKeys,
    email: &str,
    password: String,
    meta: ClientMeta,
) -> Result<(String, Principal), AppError> {
    let pair = service::login(ctx, jwt, email, password, meta).await?;
    let now = ctx.clock.now();
    let claims = jwt
        .verify(&pair.access_token, now)
        .map_err(|e| anyhow::anyhow!("a token just issued does not verify: {}", e.code()))?;
    let token = tokens::generate()?;
    let mut conn = db::conn(&ctx.pool).await?;
    let bound = diesel::update(
        sessions::table
            .find(claims.sid)
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::web_token_hash.is_null()),
    )
    .set((
        sessions::web_token_hash.eq(tokens::digest(&token)),
        sessions::last_seen_at.eq(now),
        sessions::expires_at.eq(now + ABSOLUTE_LIFETIME),
    ))
    .execute(&mut conn)
    .await?;
    if bound != 1 {
        return Err(AppError::unauthenticated(
            ErrorCode::SessionRevoked,
            "The session ended while signing in.",
        ));
    }
    match authenticate_on(&mut conn, &token, now).await? {
        Ok(p) => Ok((token, p)),
        Err(_) => Err(AppError::unauthenticated(
            ErrorCode::SessionRevoked,
            "The session ended while signing in.",
        )),
    }
}

/// The principal of a browser session token, or why there is none.
pub async fn authenticate(ctx: &Ctx, token: &str) -> Result<Result<Principal, Refusal>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    authenticate_on(&mut conn, token, ctx.clock.now()).await
}

/// The rules of one request (see the module documentation), pure.
pub fn check(
    session: &Session,
    user: &User,
    last_seen: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    if session.revoked_at.is_some() {
        return Err(Refusal::Revoked);
    }
    if session.expires_at <= now {
        return Err(Refusal::Expired);
    }
    if user.disabled {
        return Err(Refusal::Disabled);
    }
    match last_seen {
        Some(seen) if seen + IDLE_TIMEOUT > now => Ok(()),
        _ => Err(Refusal::Idle),
    }
}

async fn authenticate_on(
    conn: &mut AsyncPgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<Principal, Refusal>, AppError> {
    let found: Option<(Session, User, Option<DateTime<Utc>>)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::web_token_hash.eq(tokens::digest(token)))
        .select((
            Session::as_select(),
            User::as_select(),
            sessions::last_seen_at,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some((session, user, last_seen)) = found else {
        return Ok(Err(Refusal::Unknown));
    };
    if let Err(refusal) = check(&session, &user, last_seen, now) {
        if refusal == Refusal::Idle
            && repo::revoke_session(conn, session.id, now, "idle_timeout").await?
        {
            audit::record(
                conn,
                now,
                Event::platform(
                    Actor::System,
                    "auth.session_revoked",
                    "session",
                    session.id,
                    json!({"reason": "idle_timeout", "user_id": user.id}),
                )
                .in_cooperative(user.cooperative_id),
            )
            .await?;
        }
        return Ok(Err(refusal));
    }
    if last_seen.is_some_and(|seen| now - seen >= SEEN_GRANULARITY) {
        diesel::update(sessions::table.find(session.id))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)
            .await?;
    }
    Ok(Ok(Principal {
        user_id: user.id,
        session_id: session.id,
        email: user.email,
        name: user.name,
        role: user.role,
        cooperative_id: user.cooperative_id,
        member_id: user.member_id,
        supplier_id: user.supplier_id,
        locale: user.locale,
    }))
}

/// Signs out: revokes the token's session (unknown or ended ones: nothing to do).
pub async fn sign_out(ctx: &Ctx, token: &str) -> Result<(), AppError> {
    let now = ctx.clock.now();
    let mut conn = db::conn(&ctx.pool).await?;
    conn.transaction(async |conn| -> Result<(), AppError> {
        let found: Option<(Session, User)> = sessions::table
            .inner_join(users::table)
            .filter(sessions::web_token_hash.eq(tokens::digest(token)))
            .select((Session::as_select(), User::as_select()))
            .first(conn)
            .await
            .optional()?;
        let Some((session, user)) = found else {
            return Ok(());
        };
        if repo::revoke_session(conn, session.id, now, "logout").await? {
            audit::record(
                conn,
                now,
                Event::platform(
                    Actor::User(user.id),
                    "auth.logout",
                    "session",
                    session.id,
                    json!({"browser": true}),
                )
                .in_cooperative(user.cooperative_id),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

/// Stores the caller's language (the portal's switch); every role may set its own.
pub async fn set_locale(ctx: &Ctx, who: &Principal, locale: Locale) -> Result<(), AppError> {
    if who.locale == locale {
        return Ok(());
    }
    let now = ctx.clock.now();
    let mut conn = db::conn(&ctx.pool).await?;
    conn.transaction(async |conn| -> Result<(), AppError> {
        cache::user_changed(who.user_id);
        diesel::update(users::table.find(who.user_id))
            .set((users::locale.eq(locale.as_str()), users::updated_at.eq(now)))
            .execute(conn)
            .await?;
        audit::record(
            conn,
            now,
            Event::platform(
                who.actor(),
                "user.locale_changed",
                "user",
                who.user_id,
                json!({"locale": locale}),
            )
            .in_cooperative(who.cooperative_id),
        )
        .await?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::ids::{SessionId, UserId};

    fn fixture(now: DateTime<Utc>) -> (Session, User) {
        let user = User {
            id: UserId::new(),
            email: "kim@coop.kr".into(),
            name: "Kim".into(),
            password_hash: None,
            role: Role::Member,
            cooperative_id: None,
            member_id: None,
            supplier_id: None,
            locale: Locale::Ko,
            disabled: false,
            password_changed_at: None,
            created_at: now,
            updated_at: now,
            supplier_admin: false,
        };
        let session = Session {
            id: SessionId::new(),
            user_id: user.id,
            created_at: now,
            expires_at: now + ABSOLUTE_LIFETIME,
            revoked_at: None,
            revoked_reason: None,
            ip: None,
            user_agent: None,
        };
        (session, user)
    }

    #[test]
    fn idle_absolute_revoked_and_disabled_sessions_are_refused() {
        let t0 = Utc::now();
        let (mut s, mut u) = fixture(t0);
        let seen = Some(t0);
        assert_eq!(check(&s, &u, seen, t0 + Duration::minutes(59)), Ok(()));
        assert_eq!(
            check(&s, &u, seen, t0 + IDLE_TIMEOUT),
            Err(Refusal::Idle),
            "idle for exactly the timeout"
        );
        // Active all along, still ends at the absolute lifetime.
        let recent = Some(t0 + ABSOLUTE_LIFETIME - Duration::minutes(1));
        assert_eq!(
            check(&s, &u, recent, t0 + ABSOLUTE_LIFETIME),
            Err(Refusal::Expired)
        );
        assert_eq!(
            check(&s, &u, None, t0),
            Err(Refusal::Idle),
            "an API session"
        );
        u.disabled = true;
        assert_eq!(check(&s, &u, seen, t0), Err(Refusal::Disabled));
        s.revoked_at = Some(t0);
        assert_eq!(check(&s, &u, seen, t0), Err(Refusal::Revoked));
    }
}
