//! Queries on organisation users and invitations.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::cache;
use crate::auth::models::User;
use crate::auth::Locale;
use crate::db::like_pattern;
use crate::ids::{CooperativeId, MemberId, RfqId, SupplierId, UserId};
use crate::notifications::Recipient;
use crate::schema::{invitations, sessions, supplier_claims, users};

/// Who a list of users belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    Cooperative(CooperativeId),
    Supplier(SupplierId),
    /// The users of one member company.
    Member(MemberId),
    /// A cooperative's admins (buyers).
    CoopAdmins(CooperativeId),
}

/// `query` narrowed to the users of `owner`.
fn owned_by<'a, ST: 'a>(
    query: users::BoxedQuery<'a, Pg, ST>,
    owner: Owner,
) -> users::BoxedQuery<'a, Pg, ST> {
    match owner {
        Owner::Cooperative(c) => query.filter(users::cooperative_id.eq(c)),
        Owner::Supplier(s) => query.filter(users::supplier_id.eq(s)),
        Owner::Member(m) => query.filter(users::member_id.eq(m)),
        Owner::CoopAdmins(c) => query
            .filter(users::cooperative_id.eq(c))
            .filter(users::role.eq("coop_admin")),
    }
}

/// The active users of `owner` as email recipients, oldest account first, each in its own
/// locale (`fallback` where the stored one is unknown).
pub async fn active_recipients(
    conn: &mut AsyncPgConnection,
    owner: Owner,
    fallback: Locale,
) -> QueryResult<Vec<Recipient>> {
    let query = users::table
        .filter(users::disabled.eq(false))
        .select((users::email, users::name, users::locale))
        .into_boxed();
    let rows: Vec<(String, String, String)> = owned_by(query, owner)
        .order(users::created_at)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(email, name, locale)| Recipient {
            email,
            name,
            locale: Locale::parse(&locale).unwrap_or(fallback),
        })
        .collect())
}

/// A page of an organisation's users, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    owner: Owner,
    q: Option<&str>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let mut query = owned_by(users::table.select(User::as_select()).into_boxed(), owner);
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        let p = like_pattern(q);
        query = query.filter(users::name.ilike(p.clone()).or(users::email.ilike(p)));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            users::created_at
                .lt(at)
                .or(users::created_at.eq(at).and(users::id.lt(UserId(id)))),
        );
    }
    query
        .order((users::created_at.desc(), users::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}

/// Sets a user's fields.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: UserId,
    name: Option<&str>,
    locale: Option<&str>,
    disabled: Option<bool>,
    now: DateTime<Utc>,
) -> QueryResult<User> {
    #[derive(AsChangeset)]
    #[diesel(table_name = users)]
    struct Form<'a> {
        name: Option<&'a str>,
        locale: Option<&'a str>,
        disabled: Option<bool>,
        updated_at: DateTime<Utc>,
    }
    cache::user_changed(id);
    diesel::update(users::table.find(id))
        .set(Form {
            name,
            locale,
            disabled,
            updated_at: now,
        })
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Revokes every live session of the given users; returns how many.
pub async fn revoke_sessions_of(
    conn: &mut AsyncPgConnection,
    ids: &[UserId],
    now: DateTime<Utc>,
    reason: &str,
) -> QueryResult<usize> {
    for id in ids {
        cache::user_changed(*id);
    }
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq_any(ids))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(now),
        sessions::revoked_reason.eq(reason),
    ))
    .execute(conn)
    .await
}

/// Disables every user of a member and revokes their sessions: (users, sessions).
pub async fn disable_member_users(
    conn: &mut AsyncPgConnection,
    member: MemberId,
    now: DateTime<Utc>,
) -> QueryResult<(usize, usize)> {
    let ids: Vec<UserId> = diesel::update(
        users::table
            .filter(users::member_id.eq(member))
            .filter(users::disabled.eq(false)),
    )
    .set((users::disabled.eq(true), users::updated_at.eq(now)))
    .returning(users::id)
    .get_results(conn)
    .await?;
    let sessions = revoke_sessions_of(conn, &ids, now, "member_disabled").await?;
    Ok((ids.len(), sessions))
}

/// Makes a supplier user an admin of its supplier, or not.
pub async fn set_supplier_admin(
    conn: &mut AsyncPgConnection,
    id: UserId,
    admin: bool,
    now: DateTime<Utc>,
) -> QueryResult<User> {
    cache::user_changed(id);
    diesel::update(users::table.find(id))
        .set((users::supplier_admin.eq(admin), users::updated_at.eq(now)))
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

/// Stores an invitation token (hashed).
pub async fn insert_invitation(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    user: UserId,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::insert_into(invitations::table)
        .values((
            invitations::token_hash.eq(hash),
            invitations::user_id.eq(user),
            invitations::created_at.eq(now),
            invitations::expires_at.eq(expires),
        ))
        .execute(conn)
        .await
}

/// An invitation with its user, locked.
pub async fn invitation_for_update(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> QueryResult<Option<(UserId, DateTime<Utc>, Option<DateTime<Utc>>)>> {
    invitations::table
        .find(hash)
        .select((
            invitations::user_id,
            invitations::expires_at,
            invitations::used_at,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Marks an invitation used.
pub async fn use_invitation(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(invitations::table.find(hash))
        .set(invitations::used_at.eq(now))
        .execute(conn)
        .await
}

/// Whether a supplier has a user who can sign in (not disabled, with a password).
pub async fn supplier_has_active_user(
    conn: &mut AsyncPgConnection,
    supplier: SupplierId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::supplier_id.eq(supplier))
            .filter(users::disabled.eq(false))
            .filter(users::password_hash.is_not_null()),
    ))
    .get_result(conn)
    .await
}

/// A supplier's account claim (hashed token), as stored.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = supplier_claims)]
pub struct NewClaim {
    pub token_hash: Vec<u8>,
    pub supplier_id: SupplierId,
    pub rfq_id: RfqId,
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A stored claim.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = supplier_claims, check_for_backend(diesel::pg::Pg))]
pub struct ClaimRow {
    pub supplier_id: SupplierId,
    pub rfq_id: RfqId,
    pub email: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Stores a claim.
pub async fn insert_claim(conn: &mut AsyncPgConnection, c: &NewClaim) -> QueryResult<usize> {
    diesel::insert_into(supplier_claims::table)
        .values(c)
        .execute(conn)
        .await
}

/// The claim of a token hash (`lock`: for update).
pub async fn find_claim(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    lock: bool,
) -> QueryResult<Option<ClaimRow>> {
    let q = supplier_claims::table
        .find(hash)
        .select(ClaimRow::as_select());
    if lock {
        q.for_update().first(conn).await.optional()
    } else {
        q.first(conn).await.optional()
    }
}

/// Marks a claim used by `user`.
pub async fn use_claim(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    user: UserId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(supplier_claims::table.find(hash))
        .set((
            supplier_claims::used_at.eq(now),
            supplier_claims::user_id.eq(user),
        ))
        .execute(conn)
        .await
}
