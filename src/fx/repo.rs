//! Queries on FX rates.
//!
//! Every rate has a scope: shared (feed rates and the platform admins' manual rates,
//! `cooperative_id` NULL) or one cooperative's (its manual rates). A cooperative sees its own
//! rates over the shared ones: per currency, the latest date on or before the one asked for,
//! and on that date its own rate if it has one.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::upsert::{excluded, on_constraint};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use crate::ids::{CooperativeId, RfqId, UserId};
use crate::schema::{cooperatives, fx_rates, rfq_fx_rates};

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
    /// The cooperative whose manual rate it is; `None`: shared.
    pub cooperative_id: Option<CooperativeId>,
}

/// A scope of rates: the shared ones, or one cooperative's. Reading in a cooperative's scope
/// sees its own rates over the shared ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Shared,
    Cooperative(CooperativeId),
}

impl Scope {
    /// The scope of a row's `cooperative_id`.
    pub fn of(cooperative_id: Option<CooperativeId>) -> Self {
        cooperative_id.map_or(Self::Shared, Self::Cooperative)
    }

    /// The `cooperative_id` of a row in this scope.
    pub fn cooperative(self) -> Option<CooperativeId> {
        match self {
            Self::Shared => None,
            Self::Cooperative(id) => Some(id),
        }
    }
}

type Filter = Box<dyn BoxableExpression<fx_rates::table, Pg, SqlType = diesel::sql_types::Bool>>;

/// The rows of exactly `scope`.
fn of_scope(scope: Scope) -> Filter {
    match scope {
        Scope::Shared => Box::new(fx_rates::cooperative_id.is_null()),
        Scope::Cooperative(id) => Box::new(fx_rates::cooperative_id.assume_not_null().eq(id)),
    }
}

/// The rows `scope` sees: the shared ones, and a cooperative's own.
fn seen_by(scope: Scope) -> Filter {
    match scope {
        Scope::Shared => of_scope(scope),
        Scope::Cooperative(id) => Box::new(
            fx_rates::cooperative_id
                .is_null()
                .or(fx_rates::cooperative_id.assume_not_null().eq(id)),
        ),
    }
}

/// The rate of `r`'s pair, day and scope, locked.
async fn locked_day(conn: &mut AsyncPgConnection, r: &FxRate) -> QueryResult<Option<FxRate>> {
    fx_rates::table
        .filter(fx_rates::base.eq(&r.base))
        .filter(fx_rates::currency.eq(&r.currency))
        .filter(fx_rates::date.eq(r.date))
        .filter(of_scope(Scope::of(r.cooperative_id)))
        .select(FxRate::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Stores a manual rate, replacing its scope's rate of the day; returns the previous one.
pub async fn put_manual(conn: &mut AsyncPgConnection, r: &FxRate) -> QueryResult<Option<FxRate>> {
    let previous = locked_day(conn, r).await?;
    diesel::insert_into(fx_rates::table)
        .values(r)
        .on_conflict(on_constraint("fx_rates_one_per_day"))
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

/// Stores a feed's (shared) rate unless the day has a shared manual one; true when stored
/// or updated. One statement, so a manual rate entered concurrently is not overwritten
/// either. Cooperatives' manual rates are another scope: they stay, and stay in force for
/// their cooperative.
pub async fn put_feed(conn: &mut AsyncPgConnection, r: &FxRate) -> QueryResult<bool> {
    use diesel::query_dsl::methods::FilterDsl;
    let upsert = diesel::insert_into(fx_rates::table)
        .values(r)
        .on_conflict(on_constraint("fx_rates_one_per_day"))
        .do_update()
        .set((
            fx_rates::rate.eq(excluded(fx_rates::rate)),
            fx_rates::source.eq(excluded(fx_rates::source)),
            fx_rates::created_at.eq(excluded(fx_rates::created_at)),
        ));
    // ON CONFLICT … DO UPDATE … WHERE: the existing row is left alone when it is manual.
    let written = FilterDsl::filter(upsert, fx_rates::source.ne("manual"))
        .execute(conn)
        .await?;
    Ok(written == 1)
}

/// The rates `scope` sees in force on `date`: per currency, the latest on or before it (a
/// cooperative's own before a shared one of the same day).
pub async fn in_force(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    base: &str,
    date: NaiveDate,
) -> QueryResult<Vec<FxRate>> {
    fx_rates::table
        .filter(fx_rates::base.eq(base))
        .filter(fx_rates::date.le(date))
        .filter(seen_by(scope))
        .order((
            fx_rates::currency,
            fx_rates::date.desc(),
            fx_rates::cooperative_id.asc().nulls_last(),
        ))
        .distinct_on(fx_rates::currency)
        .select(FxRate::as_select())
        .load(conn)
        .await
}

/// The rate of one currency `scope` sees in force on `date` (the refresh's sanity
/// reference in the shared scope).
pub async fn rate_on(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    base: &str,
    currency: &str,
    date: NaiveDate,
) -> QueryResult<Option<FxRate>> {
    fx_rates::table
        .filter(fx_rates::base.eq(base))
        .filter(fx_rates::currency.eq(currency))
        .filter(fx_rates::date.le(date))
        .filter(seen_by(scope))
        .order((
            fx_rates::date.desc(),
            fx_rates::cooperative_id.asc().nulls_last(),
        ))
        .select(FxRate::as_select())
        .first(conn)
        .await
        .optional()
}

/// Base currencies in use (the cooperatives').
pub async fn bases(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    cooperatives::table
        .select(cooperatives::base_currency)
        .distinct()
        .load(conn)
        .await
}

/// The currencies whose rate is fixed for an RFQ already (`rfq_fx_rates`).
pub async fn fixed_currencies(
    conn: &mut AsyncPgConnection,
    rfq: RfqId,
) -> QueryResult<Vec<String>> {
    rfq_fx_rates::table
        .filter(rfq_fx_rates::rfq_id.eq(rfq))
        .select(rfq_fx_rates::currency)
        .load(conn)
        .await
}

/// `(currency, rate, rate date)` of each rate fixed for an RFQ.
pub async fn fixed_rates(
    conn: &mut AsyncPgConnection,
    rfq: RfqId,
) -> QueryResult<Vec<(String, Decimal, NaiveDate)>> {
    rfq_fx_rates::table
        .filter(rfq_fx_rates::rfq_id.eq(rfq))
        .select((
            rfq_fx_rates::currency,
            rfq_fx_rates::rate,
            rfq_fx_rates::rate_date,
        ))
        .load(conn)
        .await
}

/// Fixes `rate` as an RFQ's rate of its currency at `now`, unless one is fixed already.
pub async fn fix_rate(
    conn: &mut AsyncPgConnection,
    rfq: RfqId,
    rate: &FxRate,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::insert_into(rfq_fx_rates::table)
        .values((
            rfq_fx_rates::rfq_id.eq(rfq),
            rfq_fx_rates::currency.eq(&rate.currency),
            rfq_fx_rates::rate.eq(rate.rate),
            rfq_fx_rates::rate_date.eq(rate.date),
            rfq_fx_rates::source.eq(&rate.source),
            rfq_fx_rates::locked_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
}

/// The rates `scope` sees dated from `from` to `to` (a cooperative's own and the shared
/// ones), newest first, then by currency; at most `limit`.
pub async fn history(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    base: &str,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<FxRate>> {
    fx_rates::table
        .filter(fx_rates::base.eq(base))
        .filter(fx_rates::date.ge(from))
        .filter(fx_rates::date.le(to))
        .filter(seen_by(scope))
        .order((
            fx_rates::date.desc(),
            fx_rates::currency.asc(),
            fx_rates::cooperative_id.asc().nulls_last(),
        ))
        .limit(limit)
        .select(FxRate::as_select())
        .load(conn)
        .await
}
