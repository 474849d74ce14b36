//! Use cases of the OCDS export: who may read it (a cooperative's members and admins, and
//! anyone when the cooperative made its export public), loading a process through the
//! sealing gate, the per-RFQ release and record packages, the cooperative-wide feed, and
//! the cooperative's export settings.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use super::{
    record_package, release_package, releases, Audience, AwardDecision, Bid, Item, Process,
    StageEvent,
};
use crate::audit::{self, repo::list_events, Event};
use crate::auth::{Principal, Role};
use crate::awards::report::{award_allocations_of, award_of, pos_of_rfq};
use crate::context::Ctx;
use crate::cooperatives::models::{Cooperative, Member};
use crate::cooperatives::repo as coop_repo;
use crate::cooperatives::service::cooperative_in_scope;
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::ids::{CooperativeId, MaterialId, MemberId, RfqId, SupplierId};
use crate::materials::repo as material_repo;
use crate::purchase_orders::repo as po_repo;
use crate::quotes::repo::{self as quote_repo, Reader};
use crate::rfqs::models::Rfq;
use crate::rfqs::repo as rfq_repo;
use crate::schema::{cooperative_ocds_settings as s, demand_lines, rfqs};
use crate::suppliers::repo as supplier_repo;

/// A cooperative's export settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OcdsSettings {
    /// `true`: anyone may read the export without signing in; `false` (default): members
    /// and admins of the cooperative only.
    pub public: bool,
    /// In the public export, keep back the prices of offers that were not awarded (default
    /// `true`); each release that does so says it in `withheldInformation`.
    #[serde(default = "yes")]
    pub withhold_losing_prices: bool,
}

fn yes() -> bool {
    true
}

impl Default for OcdsSettings {
    fn default() -> Self {
        Self {
            public: false,
            withhold_losing_prices: true,
        }
    }
}

async fn settings_of(
    conn: &mut AsyncPgConnection,
    coop: CooperativeId,
) -> QueryResult<OcdsSettings> {
    Ok(s::table
        .find(coop)
        .select((s::public, s::withhold_losing_prices))
        .first::<(bool, bool)>(conn)
        .await
        .optional()?
        .map_or_else(OcdsSettings::default, |(public, withhold_losing_prices)| {
            OcdsSettings {
                public,
                withhold_losing_prices,
            }
        }))
}

/// `GET /cooperatives/{id}/ocds-settings` (the cooperative's admins, platform admins).
pub async fn get_settings(
    ctx: &Ctx,
    who: &Principal,
    id: CooperativeId,
) -> Result<OcdsSettings, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    cooperative_in_scope(&mut conn, who, id, &[Role::CoopAdmin]).await?;
    Ok(settings_of(&mut conn, id).await?)
}

/// `PUT /cooperatives/{id}/ocds-settings` (the cooperative's admins, platform admins).
pub async fn put_settings(
    ctx: &Ctx,
    who: &Principal,
    id: CooperativeId,
    input: OcdsSettings,
) -> Result<OcdsSettings, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    cooperative_in_scope(&mut conn, who, id, &[Role::CoopAdmin]).await?;
    let now = ctx.clock.now();
    use diesel_async::AsyncConnection;
    conn.transaction(async |conn| -> Result<(), AppError> {
        diesel::insert_into(s::table)
            .values((
                s::cooperative_id.eq(id),
                s::public.eq(input.public),
                s::withhold_losing_prices.eq(input.withhold_losing_prices),
                s::updated_by.eq(who.user_id),
                s::updated_at.eq(now),
            ))
            .on_conflict(s::cooperative_id)
            .do_update()
            .set((
                s::public.eq(input.public),
                s::withhold_losing_prices.eq(input.withhold_losing_prices),
                s::updated_by.eq(who.user_id),
                s::updated_at.eq(now),
            ))
            .execute(conn)
            .await?;
        audit::record(
            conn,
            now,
            Event::platform(
                who.actor(),
                "ocds.settings_updated",
                "cooperative",
                id,
                json!({"public": input.public, "withhold_losing_prices": input.withhold_losing_prices}),
            )
            .in_cooperative(Some(id)),
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(input)
}

/// Who reads the export of a cooperative: its members and admins (and platform admins)
/// get the members' export; anyone else the public one if the cooperative chose it, else 404.
async fn audience(
    conn: &mut AsyncPgConnection,
    who: Option<&Principal>,
    coop: CooperativeId,
) -> Result<Audience, AppError> {
    let inside = who.is_some_and(|w| match w.role {
        Role::PlatformAdmin => true,
        Role::CoopAdmin | Role::Member => w.cooperative_id == Some(coop),
        Role::Supplier => false,
    });
    if inside {
        return Ok(Audience::Members);
    }
    let settings = settings_of(conn, coop).await?;
    if settings.public {
        Ok(Audience::Public {
            withhold_losing_prices: settings.withhold_losing_prices,
        })
    } else {
        Err(AppError::NotFound)
    }
}

/// The configured OCID prefix, or the problem naming the setting.
fn prefix(ctx: &Ctx) -> Result<String, AppError> {
    ctx.settings.ocds_prefix.clone().ok_or_else(|| AppError::Unavailable {
        code: ErrorCode::OcdsPrefixMissing,
        detail: "The OCDS export needs an OCID prefix: set COPROCURE_OCDS_PREFIX to the prefix the Open Contracting Partnership registered for this installation (`ocds-` and 6 lower-case letters or digits; see docs/operations.md).".into(),
    })
}

/// Members with demand on the RFQ's materials in its round.
async fn buyers(
    conn: &mut AsyncPgConnection,
    rfq: &Rfq,
    materials: &[MaterialId],
) -> Result<Vec<Member>, AppError> {
    let ids: Vec<MemberId> = demand_lines::table
        .filter(demand_lines::round_id.eq(rfq.round_id))
        .filter(demand_lines::material_id.eq_any(materials))
        .select(demand_lines::member_id)
        .distinct()
        .order(demand_lines::member_id)
        .load(conn)
        .await?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(m) = coop_repo::find_member(conn, id).await? {
            out.push(m);
        }
    }
    Ok(out)
}

/// Loads one process as of `now`. Quotes are read through the sealing gate: before the
/// deadline there are none, and nothing about them is loaded.
async fn load(
    conn: &mut AsyncPgConnection,
    prefix: &str,
    coop: &Cooperative,
    rfq: Rfq,
    audience: Audience,
    now: DateTime<Utc>,
) -> Result<Process, AppError> {
    let mut items = Vec::new();
    for (line, code, name) in rfq_repo::lines_of(conn, &[rfq.id]).await? {
        let m = material_repo::find(conn, line.material_id).await?;
        items.push(Item {
            code,
            name,
            name_ko: m.as_ref().and_then(|m| m.name_ko.clone()),
            hs_code: m.and_then(|m| m.hs_code),
            line,
        });
    }
    let materials: Vec<_> = items.iter().map(|i| i.line.material_id).collect();
    let members = buyers(conn, &rfq, &materials).await?;
    let pos = pos_of_rfq(conn, rfq.id).await?;
    let po_ids: Vec<_> = pos.iter().map(|p| p.id).collect();
    let po_lines = po_repo::lines_of(conn, &po_ids).await?;
    let chain = audit::chain_of(Some(rfq.cooperative_id));
    let mut events = Vec::new();
    let mut entities = vec![("rfq", rfq.id.to_string())];
    entities.extend(po_ids.iter().map(|p| ("purchase_order", p.to_string())));
    for (entity, id) in entities {
        for e in list_events(conn, &chain, Some(entity), Some(&id), None, None, 500, now).await? {
            events.push(StageEvent {
                id: e.id,
                at: e.at,
                action: e.action,
                entity_id: e.entity_id,
                data: e.data,
            });
        }
    }
    let mut bids = Vec::new();
    if now >= rfq.deadline {
        let reader = Reader::Buyer {
            cooperative: Some(rfq.cooperative_id),
            now,
        };
        let quotes = quote_repo::list_for_rfq(conn, rfq.id, reader).await?;
        let (lines, breaks) = quote_repo::content_of(conn, &quotes).await?;
        let ids: Vec<SupplierId> = quotes.iter().map(|q| q.supplier_id).collect();
        let suppliers = supplier_repo::find_many(conn, &ids).await?;
        for q in quotes {
            let q = q.into_inner();
            let Some(supplier) = suppliers.iter().find(|s| s.id == q.supplier_id).cloned() else {
                continue;
            };
            bids.push(Bid {
                lines: lines
                    .iter()
                    .filter(|l| l.quote_id == q.id)
                    .cloned()
                    .collect(),
                breaks: breaks
                    .iter()
                    .filter(|b| b.quote_id == q.id)
                    .cloned()
                    .collect(),
                supplier,
                quote: q,
            });
        }
    }
    let award = match award_of(conn, rfq.id).await? {
        Some(a) => Some(AwardDecision {
            id: a.id,
            decided_at: a.decided_at,
            rationale: a.rationale,
            allocations: award_allocations_of(conn, a.id)
                .await?
                .into_iter()
                .map(|(l, q, qty, _)| (l, q, qty))
                .collect(),
        }),
        None => None,
    };
    let purchase_orders = pos
        .into_iter()
        .map(|po| {
            let lines = po_lines
                .iter()
                .filter(|l| l.po_id == po.id)
                .cloned()
                .collect();
            (po, lines)
        })
        .collect();
    Ok(Process {
        prefix: prefix.to_owned(),
        cooperative: coop.clone(),
        rfq,
        items,
        members,
        events,
        bids,
        award,
        purchase_orders,
        now,
        audience,
    })
}

/// The RFQ and its process, if the reader may see it (published RFQs only).
async fn process_of(
    ctx: &Ctx,
    who: Option<&Principal>,
    id: RfqId,
) -> Result<(Cooperative, Process), AppError> {
    let prefix = prefix(ctx)?;
    let mut conn = db::conn(&ctx.pool).await?;
    let rfq = rfq_repo::find_rfq(&mut conn, id)
        .await?
        .filter(|r| r.published_at.is_some())
        .ok_or(AppError::NotFound)?;
    let audience = audience(&mut conn, who, rfq.cooperative_id).await?;
    let coop = coop_repo::find_cooperative(&mut conn, rfq.cooperative_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = load(&mut conn, &prefix, &coop, rfq, audience, ctx.clock.now()).await?;
    Ok((coop, p))
}

/// `GET /rfqs/{id}/ocds/releases`: a release package, one release per stage.
pub async fn rfq_releases(
    ctx: &Ctx,
    who: Option<&Principal>,
    id: RfqId,
) -> Result<Value, AppError> {
    let (coop, p) = process_of(ctx, who, id).await?;
    let uri = format!("{}/api/v1/rfqs/{id}/ocds/releases", ctx.settings.public_url);
    Ok(release_package(&uri, super::publisher(&coop), releases(&p)))
}

/// `GET /rfqs/{id}/ocds/record`: a record package with the compiled release.
pub async fn rfq_record(ctx: &Ctx, who: Option<&Principal>, id: RfqId) -> Result<Value, AppError> {
    let (coop, p) = process_of(ctx, who, id).await?;
    let base = format!("{}/api/v1/rfqs/{id}/ocds", ctx.settings.public_url);
    Ok(record_package(
        &format!("{base}/record"),
        &format!("{base}/releases"),
        super::publisher(&coop),
        &p,
    ))
}

/// Largest feed page.
pub const MAX_FEED_LIMIT: usize = 500;

/// A feed position: the release's date, its ocid and its place in its process (releases of
/// one process at the same instant keep their stage order).
type FeedKey = (String, String, usize);

fn cursor_of(k: &FeedKey) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}\n{}\n{}", k.0, k.1, k.2))
}

fn key(r: &Value, seq: usize) -> FeedKey {
    let f = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
    (f("date"), f("ocid"), seq)
}

/// `GET /cooperatives/{id}/ocds/releases?since=&limit=&cursor=`: every release of the
/// cooperative's published RFQs dated at or after `since`, oldest first, `limit` a page,
/// `links.next` the next page (absent on the last).
pub async fn feed(
    ctx: &Ctx,
    who: Option<&Principal>,
    id: CooperativeId,
    since: Option<DateTime<Utc>>,
    limit: Option<usize>,
    cursor: Option<&str>,
) -> Result<Value, AppError> {
    let limit = match limit {
        None => 100,
        Some(n) if (1..=MAX_FEED_LIMIT).contains(&n) => n,
        Some(_) => {
            return Err(AppError::invalid(
                "limit",
                ErrorCode::OutOfRange,
                format!("must be from 1 to {MAX_FEED_LIMIT}"),
            ))
        }
    };
    let after = match cursor {
        None => None,
        Some(c) => {
            let bad = || {
                AppError::invalid(
                    "cursor",
                    ErrorCode::InvalidCursor,
                    "is not a cursor of this feed",
                )
            };
            let raw = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
            let text = String::from_utf8(raw).map_err(|_| bad())?;
            let parts: Vec<&str> = text.split('\n').collect();
            match parts.as_slice() {
                [d, o, i] => Some((
                    (*d).to_owned(),
                    (*o).to_owned(),
                    i.parse::<usize>().map_err(|_| bad())?,
                )),
                _ => return Err(bad()),
            }
        }
    };
    let prefix = prefix(ctx)?;
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = coop_repo::find_cooperative(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let audience = audience(&mut conn, who, id).await?;
    let now = ctx.clock.now();
    let list: Vec<Rfq> = rfqs::table
        .filter(rfqs::cooperative_id.eq(id))
        .filter(rfqs::published_at.is_not_null())
        .order(rfqs::published_at.asc())
        .select(Rfq::as_select())
        .load(&mut conn)
        .await?;
    let since = since.map(super::date);
    let mut all = Vec::new();
    for rfq in list {
        let p = load(&mut conn, &prefix, &coop, rfq, audience, now).await?;
        all.extend(
            releases(&p)
                .into_iter()
                .enumerate()
                .map(|(i, r)| (key(&r, i), r))
                .filter(|(k, _)| since.as_deref().is_none_or(|s| k.0.as_str() >= s)),
        );
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(a) = &after {
        all.retain(|(k, _)| k > a);
    }
    let more = all.len() > limit;
    all.truncate(limit);
    let last_key = all.last().map(|(k, _)| k.clone());
    let all: Vec<Value> = all.into_iter().map(|(_, r)| r).collect();
    let base = format!(
        "{}/api/v1/cooperatives/{id}/ocds/releases",
        ctx.settings.public_url
    );
    let mut query = vec![format!("limit={limit}")];
    if let Some(s) = &since {
        query.push(format!("since={s}"));
    }
    let uri = format!("{base}?{}", query.join("&"));
    let next = if more {
        last_key.map(|k| format!("{uri}&cursor={}", cursor_of(&k)))
    } else {
        None
    };
    let mut package = release_package(&uri, super::publisher(&coop), all);
    if let Some(n) = next {
        package["links"] = json!({"next": n});
    }
    Ok(package)
}
