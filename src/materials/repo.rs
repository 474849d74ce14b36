//! Queries on materials.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::like_pattern;
use crate::ids::{CooperativeId, MaterialId};
use crate::schema::materials;

/// A material row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = materials, check_for_backend(diesel::pg::Pg))]
pub struct Material {
    pub id: MaterialId,
    pub cooperative_id: CooperativeId,
    pub code: String,
    pub name: String,
    pub name_ko: Option<String>,
    pub kind: String,
    pub hs_code: Option<String>,
    pub unit: String,
    pub spec: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Update form; `Some(None)` clears a nullable field.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = materials)]
pub struct MaterialUpdateForm {
    pub name: Option<String>,
    pub name_ko: Option<Option<String>>,
    pub kind: Option<String>,
    pub hs_code: Option<Option<String>>,
    pub spec: Option<Option<String>>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AsyncPgConnection, m: &Material) -> QueryResult<Material> {
    diesel::insert_into(materials::table)
        .values(m)
        .returning(Material::as_returning())
        .get_result(conn)
        .await
}

/// Every material id of a cooperative's catalog.
pub async fn ids_of(
    conn: &mut AsyncPgConnection,
    cooperative: CooperativeId,
) -> QueryResult<Vec<MaterialId>> {
    materials::table
        .filter(materials::cooperative_id.eq(cooperative))
        .select(materials::id)
        .load(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: MaterialId) -> QueryResult<Option<Material>> {
    materials::table
        .find(id)
        .select(Material::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: MaterialId,
    form: &MaterialUpdateForm,
) -> QueryResult<Material> {
    diesel::update(materials::table.find(id))
        .set(form)
        .returning(Material::as_returning())
        .get_result(conn)
        .await
}

/// A page of a cooperative's materials, newest first, searched on code and names.
pub async fn list(
    conn: &mut AsyncPgConnection,
    cooperative: CooperativeId,
    q: Option<&str>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Material>> {
    let mut query = materials::table
        .filter(materials::cooperative_id.eq(cooperative))
        .select(Material::as_select())
        .into_boxed();
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        let p = like_pattern(q);
        query = query.filter(
            materials::code
                .ilike(p.clone())
                .or(materials::name.ilike(p.clone()))
                .or(materials::name_ko.ilike(p)),
        );
    }
    if let Some((at, id)) = after {
        query = query.filter(
            materials::created_at.lt(at).or(materials::created_at
                .eq(at)
                .and(materials::id.lt(MaterialId(id)))),
        );
    }
    query
        .order((materials::created_at.desc(), materials::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}

/// Code, name and Korean name of materials (for emails, which name a material in the
/// recipient's language).
pub async fn labels(
    conn: &mut AsyncPgConnection,
    ids: &[MaterialId],
) -> QueryResult<Vec<(MaterialId, String, String, Option<String>)>> {
    materials::table
        .filter(materials::id.eq_any(ids))
        .select((
            materials::id,
            materials::code,
            materials::name,
            materials::name_ko,
        ))
        .load(conn)
        .await
}
