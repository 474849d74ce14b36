//! Queries on suppliers.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::Locale;
use crate::db::like_pattern;
use crate::ids::{SupplierId, UserId};
use crate::notifications::{self, Recipient};
use crate::schema::suppliers;
use crate::users::repo::{active_recipients, Owner};

/// A supplier row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = suppliers, check_for_backend(diesel::pg::Pg))]
pub struct Supplier {
    pub id: SupplierId,
    pub name: String,
    pub country: String,
    pub business_number: Option<String>,
    pub tax_id: Option<String>,
    pub default_currency: String,
    pub contact_email: String,
    pub locale: String,
    pub webhook_url: Option<String>,
    pub webhook_secret: Vec<u8>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AsyncPgConnection, s: &Supplier) -> QueryResult<Supplier> {
    diesel::insert_into(suppliers::table)
        .values(s)
        .returning(Supplier::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: SupplierId) -> QueryResult<Option<Supplier>> {
    suppliers::table
        .find(id)
        .select(Supplier::as_select())
        .first(conn)
        .await
        .optional()
}

/// A supplier and who hears from it by email: its active users (each in their own locale)
/// and its contact address (in the supplier's), each address once.
pub async fn recipients(
    conn: &mut AsyncPgConnection,
    id: SupplierId,
) -> QueryResult<Option<(Supplier, Vec<Recipient>)>> {
    let Some(s) = find(conn, id).await? else {
        return Ok(None);
    };
    let mut list = active_recipients(conn, Owner::Supplier(id), Locale::En).await?;
    list.push(Recipient {
        email: s.contact_email.clone(),
        name: s.name.clone(),
        locale: Locale::parse(&s.locale).unwrap_or(Locale::En),
    });
    Ok(Some((s, notifications::dedupe(list))))
}

/// Several suppliers at once.
pub async fn find_many(
    conn: &mut AsyncPgConnection,
    ids: &[SupplierId],
) -> QueryResult<Vec<Supplier>> {
    suppliers::table
        .filter(suppliers::id.eq_any(ids))
        .select(Supplier::as_select())
        .load(conn)
        .await
}

/// A page of suppliers, newest first; `only` restricts to one.
pub async fn list(
    conn: &mut AsyncPgConnection,
    only: Option<SupplierId>,
    q: Option<&str>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Supplier>> {
    let mut query = suppliers::table.select(Supplier::as_select()).into_boxed();
    if let Some(id) = only {
        query = query.filter(suppliers::id.eq(id));
    }
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        query = query.filter(suppliers::name.ilike(like_pattern(q)));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            suppliers::created_at.lt(at).or(suppliers::created_at
                .eq(at)
                .and(suppliers::id.lt(SupplierId(id)))),
        );
    }
    query
        .order((suppliers::created_at.desc(), suppliers::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}
