//! Queries on FX rates.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use crate::ids::UserId;
use crate::schema::fx_rates;

/// A rate row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = fx_rates, check_for_backend(diesel::pg::Pg))]
pub struct FxRate {
    pub id: uuid::Uuid,
    pub date: NaiveDate,
    pub base: String,
    pub currency: String,
    pub rate: Decimal,
    pub source: String,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

/// Stores a manual rate, replacing whatever the day had; returns the previous rate.
pub async fn put_manual(conn: &mut AsyncPgConnection, r: &FxRate) -> QueryResult<Option<FxRate>> {
    let previous = fx_rates::table
        .filter(fx_rates::base.eq(&r.base))
        .filter(fx_rates::currency.eq(&r.currency))
        .filter(fx_rates::date.eq(r.date))
        .select(FxRate::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?;
    diesel::insert_into(fx_rates::table)
        .values(r)
        .on_conflict((fx_rates::base, fx_rates::currency, fx_rates::date))
        .do_update()
        .set((
            fx_rates::rate.eq(excluded(fx_rates::rate)),
            fx_rates::source.eq(excluded(fx_rates::source)),
            fx_rates::created_by.eq(excluded(fx_rates::created_by)),
            fx_rates::created_at.eq(excluded(fx_rates::created_at)),
        ))
        .execute(conn)
        .await?;
    Ok(previous)
}

/// Stores a feed's rate unless the day has a manual one; true when stored or updated.
pub async fn put_feed(conn: &mut AsyncPgConnection, r: &FxRate) -> QueryResult<bool> {
    let existing: Option<String> = fx_rates::table
        .filter(fx_rates::base.eq(&r.base))
        .filter(fx_rates::currency.eq(&r.currency))
        .filter(fx_rates::date.eq(r.date))
        .select(fx_rates::source)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    if existing.as_deref() == Some("manual") {
        return Ok(false);
    }
    diesel::insert_into(fx_rates::table)
        .values(r)
        .on_conflict((fx_rates::base, fx_rates::currency, fx_rates::date))
        .do_update()
        .set((
            fx_rates::rate.eq(excluded(fx_rates::rate)),
            fx_rates::source.eq(excluded(fx_rates::source)),
            fx_rates::created_at.eq(excluded(fx_rates::created_at)),
        ))
        .execute(conn)
        .await?;
    Ok(true)
}

/// The rates in force on `date`: per currency, the latest on or before it.
pub async fn in_force(
    conn: &mut AsyncPgConnection,
    base: &str,
    date: NaiveDate,
) -> QueryResult<Vec<FxRate>> {
    fx_rates::table
        .filter(fx_rates::base.eq(base))
        .filter(fx_rates::date.le(date))
        .order((fx_rates::currency, fx_rates::date.desc()))
        .distinct_on(fx_rates::currency)
        .select(FxRate::as_select())
        .load(conn)
        .await
}

/// The rate of one currency in force on `date` (also the refresh's sanity reference).
pub async fn rate_on(
    conn: &mut AsyncPgConnection,
    base: &str,
    currency: &str,
    date: NaiveDate,
) -> QueryResult<Option<FxRate>> {
    fx_rates::table
        .filter(fx_rates::base.eq(base))
        .filter(fx_rates::currency.eq(currency))
        .filter(fx_rates::date.le(date))
        .order(fx_rates::date.desc())
        .select(FxRate::as_select())
        .first(conn)
        .await
        .optional()
}

/// Base currencies in use (the cooperatives').
pub async fn bases(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    crate::schema::cooperatives::table
        .select(crate::schema::cooperatives::base_currency)
        .distinct()
        .load(conn)
        .await
}
