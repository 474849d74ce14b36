//! Queries on cooperatives and members.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{Cooperative, Member, MemberUpdateForm};
use crate::db::like_pattern;
use crate::i18n::format::HOME_ZONE;
use crate::ids::{CooperativeId, MemberId};
use crate::schema::{cooperatives, members};

pub async fn insert_cooperative(
    conn: &mut AsyncPgConnection,
    c: &Cooperative,
) -> QueryResult<Cooperative> {
    diesel::insert_into(cooperatives::table)
        .values(c)
        .returning(Cooperative::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_cooperative(
    conn: &mut AsyncPgConnection,
    id: CooperativeId,
) -> QueryResult<Option<Cooperative>> {
    cooperatives::table
        .find(id)
        .select(Cooperative::as_select())
        .first(conn)
        .await
        .optional()
}

/// The time zone (IANA name) a user's emails show times in: their cooperative's, or
/// Korea's for users outside any cooperative (suppliers, platform administrators).
pub async fn timezone_of(
    conn: &mut AsyncPgConnection,
    cooperative: Option<CooperativeId>,
) -> QueryResult<String> {
    let Some(id) = cooperative else {
        return Ok(HOME_ZONE.to_owned());
    };
    Ok(cooperatives::table
        .find(id)
        .select(cooperatives::timezone)
        .first::<String>(conn)
        .await
        .optional()?
        .unwrap_or_else(|| HOME_ZONE.to_owned()))
}

/// A page of cooperatives, newest first; `only` restricts to one.
pub async fn list_cooperatives(
    conn: &mut AsyncPgConnection,
    only: Option<CooperativeId>,
    q: Option<&str>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Cooperative>> {
    let mut query = cooperatives::table
        .select(Cooperative::as_select())
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(cooperatives::id.eq(id));
    }
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        query = query.filter(cooperatives::name.ilike(like_pattern(q)));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            cooperatives::created_at.lt(at).or(cooperatives::created_at
                .eq(at)
                .and(cooperatives::id.lt(CooperativeId(id)))),
        );
    }
    query
        .order((cooperatives::created_at.desc(), cooperatives::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}

pub async fn insert_member(conn: &mut AsyncPgConnection, m: &Member) -> QueryResult<Member> {
    diesel::insert_into(members::table)
        .values(m)
        .returning(Member::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_member(
    conn: &mut AsyncPgConnection,
    id: MemberId,
) -> QueryResult<Option<Member>> {
    members::table
        .find(id)
        .select(Member::as_select())
        .first(conn)
        .await
        .optional()
}

/// A page of a cooperative's members, newest first; `only` restricts to one member.
pub async fn list_members(
    conn: &mut AsyncPgConnection,
    cooperative: CooperativeId,
    only: Option<MemberId>,
    q: Option<&str>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Member>> {
    let mut query = members::table
        .filter(members::cooperative_id.eq(cooperative))
        .select(Member::as_select())
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(members::id.eq(id));
    }
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        let p = like_pattern(q);
        query = query.filter(
            members::name
                .ilike(p.clone())
                .or(members::business_number.ilike(p)),
        );
    }
    if let Some((at, id)) = after {
        query = query.filter(
            members::created_at
                .lt(at)
                .or(members::created_at.eq(at).and(members::id.lt(MemberId(id)))),
        );
    }
    query
        .order((members::created_at.desc(), members::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}

pub async fn update_member(
    conn: &mut AsyncPgConnection,
    id: MemberId,
    form: &MemberUpdateForm,
) -> QueryResult<Member> {
    diesel::update(members::table.find(id))
        .set(form)
        .returning(Member::as_returning())
        .get_result(conn)
        .await
}

/// Renames a cooperative.
pub async fn rename_cooperative(
    conn: &mut AsyncPgConnection,
    id: CooperativeId,
    name: &str,
    now: DateTime<Utc>,
) -> QueryResult<Cooperative> {
    diesel::update(cooperatives::table.find(id))
        .set((
            cooperatives::name.eq(name),
            cooperatives::updated_at.eq(now),
        ))
        .returning(Cooperative::as_returning())
        .get_result(conn)
        .await
}

/// How many members of a cooperative are not disabled.
pub async fn count_active_members(
    conn: &mut AsyncPgConnection,
    cooperative: CooperativeId,
) -> QueryResult<i64> {
    members::table
        .filter(members::cooperative_id.eq(cooperative))
        .filter(members::disabled.eq(false))
        .count()
        .get_result(conn)
        .await
}
