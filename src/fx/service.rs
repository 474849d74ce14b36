//! Use cases of FX rates: manual entry, the rates in force on a date, and the provider
//! refresh (on demand and daily in the background).
//!
//! A manual rate belongs to a scope ([`Scope`]): a coop admin's to its cooperative, a
//! platform admin's to the cooperative it names or else to everyone (shared), like the feed's.
//! A cooperative's comparisons, awards and POs read its own rates over the shared ones, so
//! no other cooperative can move them.
//!
//! A refresh fetches the configured feed with reqwest (timeout, no redirects), parses it
//! ([`super::feeds`]), and stores each rate under the date the feed states for every base
//! currency a cooperative uses, as shared rates — except rates more than 20 % away from the
//! previous shared one, which are refused unless forced. A failed fetch changes no rate and
//! is visible: a warning in the log, an `fx.refresh_failed` audit event, and the refresh
//! response.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::feeds::{self, FeedRates};
use super::repo::{self, FxRate, Scope};
use crate::audit::{self, Actor, Event};
use crate::auth::{Principal, Role};
use crate::config::{FxProvider, Settings};
use crate::context::Ctx;
use crate::cooperatives::repo as coop_repo;
use crate::error::{self, AppError, ErrorCode, FieldError};
use crate::ids::{CooperativeId, RfqId};
use crate::rfqs::models::{Rfq, RfqStatus};
use crate::rfqs::repo::{self as rfq_repo, RfqScope};
use crate::validation::Collect;
use crate::{bounds, db, decimal, reference, validation};

/// Largest accepted move against the previous stored rate, unless forced.
pub const MAX_CHANGE: Decimal = Decimal::from_parts(20, 0, 0, false, 2);

/// `POST /fx-rates` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFxRate {
    pub date: NaiveDate,
    /// The base currency (ISO 4217), e.g. `KRW`.
    pub base: String,
    /// The priced currency, e.g. `USD`.
    pub currency: String,
    /// Units of `base` per 1 unit of `currency` (> 0).
    #[serde(deserialize_with = "decimal::exact")]
    #[schema(value_type = String, example = "1386.8")]
    pub rate: Decimal,
    /// The cooperative the rate is for. A coop admin's rate is always its own
    /// cooperative's (only that id may be given); a platform admin's is shared with every
    /// cooperative unless it names one here.
    pub cooperative_id: Option<CooperativeId>,
}

/// Whom a rate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RateScope {
    /// One cooperative's manual rate: only its own comparisons use it, and only its users see
    /// it.
    Cooperative,
    /// A feed rate or a platform admin's manual rate for everyone.
    Shared,
}

/// A rate as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FxRateOut {
    pub currency: String,
    pub base: String,
    #[schema(value_type = String)]
    pub rate: Decimal,
    /// The date the rate was published for (on or before the requested date).
    pub date: NaiveDate,
    /// `manual`, `ecb` or `koreaexim`.
    pub source: String,
    /// `cooperative` (that cooperative's own manual rate) or `shared`.
    pub scope: RateScope,
    /// The cooperative of a `cooperative` rate; null when shared.
    pub cooperative_id: Option<CooperativeId>,
}

impl From<FxRate> for FxRateOut {
    fn from(r: FxRate) -> Self {
        Self {
            currency: r.currency,
            base: r.base,
            rate: r.rate.normalize(),
            date: r.date,
            source: r.source,
            scope: match r.cooperative_id {
                Some(_) => RateScope::Cooperative,
                None => RateScope::Shared,
            },
            cooperative_id: r.cooperative_id,
        }
    }
}

/// `GET /fx-rates`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatesInForce {
    pub base: String,
    pub date: NaiveDate,
    /// Whose rates these are: a cooperative's (its own over the shared ones), or null for
    /// the shared rates alone.
    pub cooperative_id: Option<CooperativeId>,
    pub rates: Vec<FxRateOut>,
}

/// A rate a refresh refused.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Refused {
    pub base: String,
    pub currency: String,
    #[schema(value_type = String)]
    pub rate: Decimal,
    #[schema(value_type = String)]
    pub previous: Decimal,
    pub previous_date: NaiveDate,
    /// Relative change, e.g. `0.35` for 35 %.
    #[schema(value_type = String)]
    pub change: Decimal,
}

/// What a refresh did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefreshReport {
    pub provider: String,
    /// The date the feed states.
    pub date: Option<NaiveDate>,
    pub stored: usize,
    /// Days that already had a shared manual rate (kept). Cooperatives' own manual rates are
    /// never touched by a refresh.
    pub kept_manual: usize,
    pub refused: Vec<Refused>,
    /// Rates not stored because they are outside the accepted range (`USD/KRW 12345678`):
    /// at least 10^7 or with more than 10 decimals.
    pub out_of_range: Vec<String>,
    /// Why the fetch failed (no rate changed), if it did.
    pub error: Option<String>,
}

/// The scope a caller asks for with an optional `cooperative_id`: a platform admin's is the
/// cooperative named (which must exist), else the shared one; a cooperative's user's is its
/// own cooperative's (only its id may be named); a supplier's the shared one (none may be
/// named). Another cooperative is unknown, the same as one that does not exist.
async fn scope_for(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    asked: Option<CooperativeId>,
) -> diesel::QueryResult<Result<Scope, FieldError>> {
    let unknown = || {
        FieldError::new(
            "cooperative_id",
            ErrorCode::UnknownCooperative,
            "is not a cooperative whose rates you may use",
        )
    };
    Ok(match (who.role, who.cooperative_id, asked) {
        (Role::PlatformAdmin, _, None) => Ok(Scope::Shared),
        (Role::PlatformAdmin, _, Some(id)) => coop_repo::find_cooperative(conn, id)
            .await?
            .map(|c| Scope::Cooperative(c.id))
            .ok_or_else(unknown),
        (_, Some(own), None) => Ok(Scope::Cooperative(own)),
        (_, Some(own), Some(id)) if id == own => Ok(Scope::Cooperative(own)),
        (Role::Supplier, None, None) => Ok(Scope::Shared),
        _ => Err(unknown()),
    })
}

/// `POST /fx-rates` (platform admins, coop admins): replaces its scope's rate of that day.
pub async fn create_manual(
    ctx: &Ctx,
    who: &Principal,
    input: NewFxRate,
) -> Result<FxRateOut, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let mut errors = Vec::new();
    let scope = scope_for(&mut conn, who, input.cooperative_id)
        .await?
        .collect_into(&mut errors);
    let base = reference::currency("base", &input.base).collect_into(&mut errors);
    let currency = reference::currency("currency", &input.currency).collect_into(&mut errors);
    if base.is_some() && base == currency {
        errors.push(FieldError::new(
            "currency",
            ErrorCode::SameAsBase,
            "must differ from base",
        ));
    }
    if let Err(e) = bounds::rate("rate", input.rate) {
        errors.push(e);
    }
    if let Err(e) = validation::date("date", input.date) {
        errors.push(e);
    }
    let (Some(base), Some(currency), Some(scope), true) =
        (base, currency, scope, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let now = ctx.clock.now();
    let row = FxRate {
        id: uuid::Uuid::now_v7(),
        date: input.date,
        base,
        currency,
        rate: input.rate.normalize(),
        source: "manual".into(),
        created_by: Some(who.user_id),
        created_at: now,
        cooperative_id: scope.cooperative(),
    };
    conn.transaction(async |conn| -> Result<(), AppError> {
        let previous = repo::put_manual(conn, &row).await?;
        // In the chain of the cooperative the rate is for; a shared rate in the platform's.
        audit::record(
            conn,
            now,
            Event::platform(
                who.actor(),
                "fx.rate_set",
                "fx_rate",
                format!("{}/{}/{}", row.base, row.currency, row.date),
                json!({
                    "rate": row.rate,
                    "scope": if row.cooperative_id.is_some() { "cooperative" } else { "shared" },
                    "previous": previous.map(|p| json!({"rate": p.rate, "source": p.source})),
                }),
            )
            .in_cooperative(row.cooperative_id),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(row.into())
}

/// `GET /fx-rates?base=&date=&cooperative_id=` (any signed-in user): the rates in force for
/// the caller — a cooperative's users see their cooperative's own rates over the shared
/// ones, suppliers the shared ones, a platform admin the shared ones or those in force for
/// the cooperative it names. Nobody sees another cooperative's rates.
pub async fn in_force(
    ctx: &Ctx,
    who: &Principal,
    base: Option<&str>,
    date: Option<NaiveDate>,
    cooperative_id: Option<CooperativeId>,
) -> Result<RatesInForce, AppError> {
    let base = reference::currency("base", base.unwrap_or("KRW"))
        .map_err(|e| AppError::Validation(vec![e]))?;
    let date = date.unwrap_or_else(|| ctx.clock.now().date_naive());
    validation::date("date", date).map_err(|e| AppError::Validation(vec![e]))?;
    let mut conn = db::conn(&ctx.pool).await?;
    let scope = scope_for(&mut conn, who, cooperative_id)
        .await?
        .map_err(|e| AppError::Validation(vec![e]))?;
    let rates = repo::in_force(&mut conn, scope, &base, date).await?;
    Ok(RatesInForce {
        base,
        date,
        cooperative_id: scope.cooperative(),
        rates: rates.into_iter().map(Into::into).collect(),
    })
}

/// The rates the caller sees dated in the `days` days up to `date` (its cooperative's own and
/// the shared ones; a platform admin's and a supplier's: the shared ones), newest first; at
/// most 500.
pub async fn history(
    ctx: &Ctx,
    who: &Principal,
    base: Option<&str>,
    date: Option<NaiveDate>,
    days: i64,
) -> Result<Vec<FxRateOut>, AppError> {
    let base = reference::currency("base", base.unwrap_or("KRW"))
        .map_err(|e| AppError::Validation(vec![e]))?;
    let to = date.unwrap_or_else(|| ctx.clock.now().date_naive());
    validation::date("date", to).map_err(|e| AppError::Validation(vec![e]))?;
    let from = to - chrono::Duration::days(days.clamp(1, 366) - 1);
    let mut conn = db::conn(&ctx.pool).await?;
    let scope = scope_for(&mut conn, who, None)
        .await?
        .map_err(|e| AppError::Validation(vec![e]))?;
    let rows = repo::history(&mut conn, scope, &base, from, to, 500).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The rates an RFQ is compared and awarded at (see the `rfq_fx_rates` migration): per
/// allowed currency, the rate fixed at the first buyer-side read after the deadline, fixing
/// now what is in force for the RFQ's cooperative (its own rates over the shared ones) on
/// `fx_date` for currencies not fixed yet.
pub async fn rfq_rates(
    conn: &mut AsyncPgConnection,
    rfq: &Rfq,
    base: &str,
    fx_date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, (Decimal, NaiveDate)>, AppError> {
    let mut locked = repo::fixed_rates(conn, rfq.id).await?;
    let mut added = false;
    for currency in rfq.currency_list() {
        if currency == base || locked.iter().any(|(c, ..)| *c == currency) {
            continue;
        }
        let scope = Scope::Cooperative(rfq.cooperative_id);
        if let Some(r) = repo::rate_on(conn, scope, base, &currency, fx_date).await? {
            repo::fix_rate(conn, rfq.id, &r, now).await?;
            added = true;
        }
    }
    if added {
        locked = repo::fixed_rates(conn, rfq.id).await?;
    }
    Ok(locked.into_iter().map(|(c, r, d)| (c, (r, d))).collect())
}

/// Fixes an RFQ's rates if its deadline has passed (called by the buyer-side quote reads).
pub async fn fix_rfq_rates(
    conn: &mut AsyncPgConnection,
    rfq: &Rfq,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if rfq.sealed_at(now) {
        return Ok(());
    }
    let coop = coop_repo::find_cooperative(conn, rfq.cooperative_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let fx_date = coop.local_date(rfq.deadline);
    rfq_rates(conn, rfq, &coop.base_currency, fx_date, now).await?;
    Ok(())
}

/// Fetches and parses the configured feed: one [`FeedRates`] per base currency.
pub async fn fetch(
    settings: &Settings,
    bases: &[String],
    today: NaiveDate,
) -> Result<Vec<FeedRates>, String> {
    let client = reqwest::Client::builder()
        .timeout(settings.fx_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("coprocure/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let url = settings
        .fx_url
        .clone()
        .unwrap_or_else(|| settings.fx_provider.default_url().to_owned());
    let get = async |url: &str, query: &[(&str, String)]| -> Result<String, String> {
        let mut url = url::Url::parse(url).map_err(|e| format!("bad feed URL: {e}"))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let response = client
            .get(url)
            .send()
            .await
            .map_err(|e| format!("request failed: {}", error::chain(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the feed answered HTTP {}", status.as_u16()));
        }
        response
            .text()
            .await
            .map_err(|e| format!("reading the feed failed: {}", error::chain(&e)))
    };
    match settings.fx_provider {
        FxProvider::Ecb => {
            let xml = get(&url, &[]).await?;
            let mut out = Vec::new();
            for base in bases {
                out.push(feeds::parse_ecb(&xml, base).map_err(|e| e.to_string())?);
            }
            Ok(out)
        }
        FxProvider::KoreaExim => {
            // Published on business days from about 11:00 KST: walk back to the last one.
            let key = settings.fx_key.clone().unwrap_or_default();
            let mut last = String::new();
            for back in 0..7 {
                let date = today - chrono::Duration::days(back);
                let body = get(
                    &url,
                    &[
                        ("authkey", key.clone()),
                        ("searchdate", date.format("%Y%m%d").to_string()),
                        ("data", "AP01".to_owned()),
                    ],
                )
                .await?;
                match feeds::parse_koreaexim(&body, date) {
                    Ok(rates) => return Ok(vec![rates]),
                    Err(feeds::FeedError::NoRates { .. }) => {
                        last = format!("no rates published from {date} back")
                    }
                    Err(e) => return Err(e.to_string()),
                }
            }
            Err(last)
        }
    }
}

/// Fetches the feed and stores its rates (see the module doc). `actor` is the platform
/// admin of `POST /fx-rates/refresh` or the system for the daily task.
pub async fn refresh(ctx: &Ctx, actor: Actor, force: bool) -> Result<RefreshReport, AppError> {
    let settings = &ctx.settings;
    let now = ctx.clock.now();
    let mut conn = db::conn(&ctx.pool).await?;
    let mut bases = repo::bases(&mut conn).await?;
    if bases.is_empty() {
        bases.push("KRW".to_owned());
    }
    if settings.fx_provider == FxProvider::KoreaExim {
        bases.retain(|b| b == feeds::KOREAEXIM_BASE);
    }
    let provider = settings.fx_provider.as_str().to_owned();
    let today = now.with_timezone(&chrono_tz::Asia::Seoul).date_naive();
    let feeds = match fetch(settings, &bases, today).await {
        Ok(f) => f,
        Err(error) => {
            tracing::warn!(%provider, %error, "FX refresh failed; the last good rates stay in force");
            audit::record(
                &mut conn,
                now,
                Event::platform(
                    actor,
                    "fx.refresh_failed",
                    "fx_feed",
                    &provider,
                    json!({"error": error}),
                ),
            )
            .await?;
            return Ok(RefreshReport {
                provider,
                date: None,
                stored: 0,
                kept_manual: 0,
                refused: vec![],
                out_of_range: vec![],
                error: Some(error),
            });
        }
    };
    let report = conn
        .transaction(async |conn| -> Result<RefreshReport, AppError> {
            let mut report = RefreshReport {
                provider: provider.clone(),
                date: feeds.first().map(|f| f.date),
                stored: 0,
                kept_manual: 0,
                refused: vec![],
                out_of_range: vec![],
                error: None,
            };
            for feed in &feeds {
                for r in &feed.rates {
                    // Korea Eximbank quotes the yuan only as offshore CNH: it stands for CNY
                    // unless the feed also has CNY.
                    let mut r = r.clone();
                    if r.currency == "CNH" && feed.rate("CNY").is_none() {
                        r.currency = "CNY".to_owned();
                    }
                    if reference::currency_minor_unit(&r.currency).is_none() {
                        continue; // not a currency anyone quotes in (e.g. a retired code)
                    }
                    if bounds::rate("rate", r.rate).is_err() {
                        // Outside what the comparison can compute with (crate::bounds).
                        report.out_of_range.push(format!("{}/{} {}", r.currency, feed.base, r.rate));
                        continue;
                    }
                    // Against the shared rates only: no cooperative's own rate can hold back
                    // (or let through) everyone's.
                    if let Some(prev) = repo::rate_on(conn, Scope::Shared, &feed.base, &r.currency, feed.date).await? {
                        let change = ((r.rate - prev.rate) / prev.rate).abs();
                        if change > MAX_CHANGE && !force {
                            report.refused.push(Refused {
                                base: feed.base.clone(),
                                currency: r.currency.clone(),
                                rate: r.rate,
                                previous: prev.rate.normalize(),
                                previous_date: prev.date,
                                change: change.round_dp(4).normalize(),
                            });
                            continue;
                        }
                    }
                    let row = FxRate {
                        id: uuid::Uuid::now_v7(),
                        date: feed.date,
                        base: feed.base.clone(),
                        currency: r.currency.clone(),
                        rate: r.rate.normalize(),
                        source: provider.clone(),
                        created_by: None,
                        created_at: now,
                        cooperative_id: None,
                    };
                    if repo::put_feed(conn, &row).await? {
                        report.stored += 1;
                    } else {
                        report.kept_manual += 1;
                    }
                }
            }
            audit::record(
                conn,
                now,
                Event::platform(actor, "fx.refreshed", "fx_feed", &provider, json!({
                    "date": report.date, "stored": report.stored, "kept_manual": report.kept_manual,
                    "refused": report.refused.iter().map(|r| format!("{}/{}", r.currency, r.base)).collect::<Vec<_>>(),
                    "out_of_range": report.out_of_range,
                    "forced": force,
                })),
            )
            .await?;
            Ok(report)
        })
        .await?;
    if !report.refused.is_empty() {
        tracing::warn!(
            refused = report.refused.len(),
            "FX refresh refused implausible rates"
        );
    }
    Ok(report)
}

/// `POST /fx-rates/refresh` (platform admins).
pub async fn refresh_now(
    ctx: &Ctx,
    who: &Principal,
    force: bool,
) -> Result<RefreshReport, AppError> {
    who.require(&[Role::PlatformAdmin])?;
    refresh(ctx, who.actor(), force).await
}

/// A currency an RFQ past its deadline allows but no rate is in force for (nor fixed):
/// offers in it cannot be compared until one is entered.
#[derive(Debug, Clone)]
pub struct MissingRate {
    pub rfq_id: RfqId,
    pub rfq_title: String,
    pub currency: String,
    /// The FX date of the RFQ (its deadline's date in the cooperative's zone).
    pub date: NaiveDate,
}

/// The [`MissingRate`]s of a cooperative's RFQs that are past their deadline and not yet
/// awarded (its admins). Reads only: nothing is fixed.
pub async fn missing_rfq_rates(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
) -> Result<Vec<MissingRate>, AppError> {
    who.in_cooperative(coop_id, &[Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = coop_repo::find_cooperative(&mut conn, coop_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = ctx.clock.now();
    let rfqs = rfq_repo::list(&mut conn, RfqScope::Cooperative(coop.id), None, None, 200).await?;
    let mut missing = Vec::new();
    for rfq in rfqs
        .iter()
        .filter(|r| r.status_at(now) == RfqStatus::Closed)
    {
        let fixed = repo::fixed_currencies(&mut conn, rfq.id).await?;
        let date = coop.local_date(rfq.deadline);
        for currency in rfq.currency_list() {
            if currency == coop.base_currency || fixed.contains(&currency) {
                continue;
            }
            let scope = Scope::Cooperative(coop.id);
            if repo::rate_on(&mut conn, scope, &coop.base_currency, &currency, date)
                .await?
                .is_none()
            {
                missing.push(MissingRate {
                    rfq_id: rfq.id,
                    rfq_title: rfq.title.clone(),
                    currency,
                    date,
                });
            }
        }
    }
    Ok(missing)
}
