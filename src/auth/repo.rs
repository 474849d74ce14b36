//! Queries on users, sessions, refresh tokens and login failures. Each takes a connection
//! so services can compose them inside one transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{NewLoginFailure, NewUser, RefreshToken, Session, User};
use super::{cache, throttle};
use crate::ids::{SessionId, UserId};
use crate::schema::{login_failures, login_sources, refresh_tokens, sessions, users};

/// The user with this (normalised) email.
pub async fn find_user_by_email(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// The user with this id.
pub async fn find_user(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// Inserts a user.
pub async fn insert_user(conn: &mut AsyncPgConnection, new: &NewUser) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Replaces a user's password hash.
pub async fn set_password(
    conn: &mut AsyncPgConnection,
    id: UserId,
    hash: &str,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    cache::user_changed(id);
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::password_changed_at.eq(at),
            users::updated_at.eq(at),
        ))
        .execute(conn)
        .await
}

/// Inserts a session.
pub async fn insert_session(conn: &mut AsyncPgConnection, s: &Session) -> QueryResult<usize> {
    diesel::insert_into(sessions::table)
        .values(s)
        .execute(conn)
        .await
}

/// A session with its user, by primary keys (the per-request revocation check).
pub async fn session_with_user(
    conn: &mut AsyncPgConnection,
    sid: SessionId,
    user: UserId,
) -> QueryResult<Option<(Session, User)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(sid))
        .filter(sessions::user_id.eq(user))
        .select((Session::as_select(), User::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Revokes one session if it is live; returns whether it was.
pub async fn revoke_session(
    conn: &mut AsyncPgConnection,
    sid: SessionId,
    at: DateTime<Utc>,
    reason: &str,
) -> QueryResult<bool> {
    cache::session_changed(sid);
    let n = diesel::update(
        sessions::table
            .find(sid)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(at),
        sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Revokes every live session of a user except `keep`; returns how many.
pub async fn revoke_user_sessions(
    conn: &mut AsyncPgConnection,
    user: UserId,
    keep: Option<SessionId>,
    at: DateTime<Utc>,
    reason: &str,
) -> QueryResult<usize> {
    cache::user_changed(user);
    let mut q = diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        q = q.filter(sessions::id.ne(keep));
    }
    q.set((
        sessions::revoked_at.eq(at),
        sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)
    .await
}

/// Inserts a refresh token.
pub async fn insert_refresh_token(
    conn: &mut AsyncPgConnection,
    t: &RefreshToken,
) -> QueryResult<usize> {
    diesel::insert_into(refresh_tokens::table)
        .values(t)
        .execute(conn)
        .await
}

/// A refresh token and its session, locking both rows so two concurrent refreshes of
/// one token are serialised (the second then sees it used).
pub async fn refresh_token_for_update(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> QueryResult<Option<(RefreshToken, Session)>> {
    refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(hash))
        .select((RefreshToken::as_select(), Session::as_select()))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Marks a refresh token as rotated.
pub async fn mark_refresh_token_used(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .find(hash)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(at))
    .execute(conn)
    .await
}

/// Times of this account key's failed logins from every source at or after `since`,
/// newest first, at most `limit`.
pub async fn account_login_failures(
    conn: &mut AsyncPgConnection,
    email: &str,
    since: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<DateTime<Utc>>> {
    login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::at.ge(since))
        .order(login_failures::at.desc())
        .limit(limit)
        .select(login_failures::at)
        .load(conn)
        .await
}

/// How many failed logins this account key has from `source` at or after `since`, and
/// the newest one's time.
pub async fn source_login_failures(
    conn: &mut AsyncPgConnection,
    email: &str,
    source: &str,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::source.eq(source))
        .filter(login_failures::at.ge(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(login_failures::at),
        ))
        .first(conn)
        .await
}

/// Records a failed login.
pub async fn record_login_failure(
    conn: &mut AsyncPgConnection,
    f: &NewLoginFailure,
) -> QueryResult<usize> {
    diesel::insert_into(login_failures::table)
        .values(f)
        .execute(conn)
        .await
}

/// After a successful login from `source`: forgets that source's failures on the account
/// (other sources' failures stay) and remembers the source as the account's.
pub async fn record_login_success(
    conn: &mut AsyncPgConnection,
    email: &str,
    source: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(
        login_failures::table
            .filter(login_failures::email.eq(email))
            .filter(login_failures::source.eq(source)),
    )
    .execute(conn)
    .await?;
    diesel::insert_into(login_sources::table)
        .values((
            login_sources::email.eq(email),
            login_sources::source.eq(source),
            login_sources::last_login_at.eq(at),
        ))
        .on_conflict((login_sources::email, login_sources::source))
        .do_update()
        .set(login_sources::last_login_at.eq(at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the account key has logged in successfully from `source` at or after `since`.
pub async fn is_known_login_source(
    conn: &mut AsyncPgConnection,
    email: &str,
    source: &str,
    since: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        login_sources::table
            .filter(login_sources::email.eq(email))
            .filter(login_sources::source.eq(source))
            .filter(login_sources::last_login_at.ge(since)),
    ))
    .get_result(conn)
    .await
}

/// Forgets every failed login of an account, from every source (after its password was
/// reset through the emailed link).
pub async fn clear_account_login_failures(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email)))
        .execute(conn)
        .await
}

/// Deletes throttle state no limit looks at any more: failures older than
/// [`throttle::RETENTION`] and sources not used to log in within [`throttle::TRUSTED_FOR`].
/// Returns the number of rows deleted.
pub async fn prune_login_failures(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let failures = diesel::delete(
        login_failures::table.filter(login_failures::at.lt(now - throttle::RETENTION)),
    )
    .execute(conn)
    .await?;
    let sources = diesel::delete(
        login_sources::table.filter(login_sources::last_login_at.lt(now - throttle::TRUSTED_FOR)),
    )
    .execute(conn)
    .await?;
    Ok(failures + sources)
}
