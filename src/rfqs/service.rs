//! Use cases of RFQs: create from a closed round, publish, cancel, change the deadline,
//! read and list.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::input::{
    choose_materials, duty_rates, incoterm, lines, logistics_adders, validate_list, weights,
};
pub use super::input::{NewRfq, WeightsIn};
use super::models::{OwnQuote, Rfq, RfqLineOut, RfqOut, RfqStatus, Weights};
use super::notify::{self, Announcement};
use super::repo::{self, RfqScope};
use super::INCOTERMS;
use crate::audit::{self, Event};
use crate::auth::{Principal, Role};
use crate::context::Ctx;
use crate::cooperatives::models::Cooperative;
use crate::cooperatives::repo as coop_repo;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::ids::{CooperativeId, RfqId, RfqLineId, RoundId, SupplierId};
use crate::quotes::repo as quote_repo;
use crate::rounds::models::RoundStatus;
use crate::rounds::repo as round_repo;
use crate::suppliers::repo as supplier_repo;
use crate::validation::Collect;
use crate::{bounds, db, reference, validation};

/// `PATCH /rfqs/{id}` body. A draft may change any of these; a published RFQ only its
/// deadline, and only to a later one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RfqPatch {
    pub deadline: Option<DateTime<Utc>>,
    pub title: Option<String>,
    pub delivery_place: Option<String>,
    pub supplier_ids: Option<Vec<SupplierId>>,
}

/// `POST /rfqs/{id}/cancel` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRfq {
    /// Told to the invited suppliers and kept in the audit trail.
    pub reason: String,
}

/// The RFQ if the caller may see it: the cooperative's admins (and platform admins), and
/// invited suppliers once it is published. Everyone else: 404 (members: 403).
pub async fn rfq_in_scope(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: RfqId,
) -> Result<Rfq, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Supplier])?;
    let rfq = repo::find_rfq(conn, id).await?.ok_or(AppError::NotFound)?;
    match who.role {
        Role::Supplier => {
            let supplier = who.supplier_id.ok_or(AppError::NotFound)?;
            if rfq.published_at.is_none() || !repo::is_invited(conn, id, supplier).await? {
                return Err(AppError::NotFound);
            }
        }
        _ => who.in_cooperative(rfq.cooperative_id, &[Role::CoopAdmin])?,
    }
    Ok(rfq)
}

async fn cooperative(conn: &mut AsyncPgConnection, rfq: &Rfq) -> Result<Cooperative, AppError> {
    coop_repo::find_cooperative(conn, rfq.cooperative_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Renders RFQs for the caller (one query per related table, whatever the page size).
async fn render(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    rfqs: Vec<Rfq>,
    now: DateTime<Utc>,
) -> Result<Vec<RfqOut>, AppError> {
    let ids: Vec<RfqId> = rfqs.iter().map(|r| r.id).collect();
    let mut lines: HashMap<RfqId, Vec<RfqLineOut>> = HashMap::new();
    for (l, code, name) in repo::lines_of(conn, &ids).await? {
        lines.entry(l.rfq_id).or_default().push(RfqLineOut {
            id: l.id,
            material_id: l.material_id,
            material_code: code,
            material_name: name,
            quantity: l.quantity.normalize(),
            unit: l.unit,
            required_by: l.required_by,
            duty_rate: l.duty_rate.normalize(),
        });
    }
    let mut adders: HashMap<RfqId, BTreeMap<String, Decimal>> = HashMap::new();
    for (rfq, term, amount) in repo::adders_of(conn, &ids).await? {
        adders
            .entry(rfq)
            .or_default()
            .insert(term, amount.normalize());
    }
    let buyer = who.role != Role::Supplier;
    let mut suppliers: HashMap<RfqId, Vec<SupplierId>> = HashMap::new();
    let mut counts: HashMap<RfqId, i64> = HashMap::new();
    let mut own: HashMap<RfqId, OwnQuote> = HashMap::new();
    if buyer {
        for (rfq, s) in repo::suppliers_of(conn, &ids).await? {
            suppliers.entry(rfq).or_default().push(s);
        }
        counts.extend(repo::submitted_counts(conn, &ids).await?);
    } else if let Some(s) = who.supplier_id {
        for q in quote_repo::own_quotes(conn, s, &ids).await? {
            own.insert(
                q.rfq_id,
                OwnQuote {
                    id: q.id,
                    status: q.status,
                    revision: q.revision,
                    digest: q.digest,
                },
            );
        }
    }
    let mut coops: HashMap<CooperativeId, Cooperative> = HashMap::new();
    let mut out = Vec::with_capacity(rfqs.len());
    for r in rfqs {
        if !coops.contains_key(&r.cooperative_id) {
            let c = cooperative(conn, &r).await?;
            coops.insert(c.id, c);
        }
        let coop = &coops[&r.cooperative_id];
        out.push(RfqOut {
            status: r.status_at(now),
            cooperative_name: coop.name.clone(),
            base_currency: coop.base_currency.clone(),
            lines: lines.remove(&r.id).unwrap_or_default(),
            logistics_adders: adders.remove(&r.id).unwrap_or_default(),
            supplier_ids: buyer.then(|| suppliers.remove(&r.id).unwrap_or_default()),
            submitted_count: buyer.then(|| counts.get(&r.id).copied().unwrap_or(0)),
            my_quote: own.remove(&r.id),
            weights: Weights {
                price: r.weight_price.normalize(),
                lead_time: r.weight_lead_time.normalize(),
            },
            id: r.id,
            cooperative_id: r.cooperative_id,
            round_id: r.round_id,
            title: r.title,
            deadline: r.deadline,
            delivery_place: r.delivery_place,
            currencies: r.currencies.into_iter().flatten().collect(),
            incoterms: r.incoterms.into_iter().flatten().collect(),
            published_at: r.published_at,
            cancelled_at: r.cancelled_at,
            cancel_reason: r.cancel_reason,
            created_at: r.created_at,
        });
    }
    Ok(out)
}

async fn render_one(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    rfq: Rfq,
    now: DateTime<Utc>,
) -> Result<RfqOut, AppError> {
    render(conn, who, vec![rfq], now)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Validates invited suppliers; returns them sorted with their default currencies.
async fn validate_suppliers(
    conn: &mut AsyncPgConnection,
    ids: &[SupplierId],
    errors: &mut Vec<FieldError>,
) -> Result<(Vec<SupplierId>, Vec<String>), AppError> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    if ids.len() > 200 {
        errors.push(FieldError::new(
            "supplier_ids",
            ErrorCode::TooMany,
            "at most 200 suppliers per RFQ",
        ));
        return Ok((ids, vec![]));
    }
    let known = supplier_repo::find_many(conn, &ids).await?;
    if let Some(bad) = ids.iter().find(|id| !known.iter().any(|k| k.id == **id)) {
        errors.push(FieldError::new(
            "supplier_ids",
            ErrorCode::UnknownSupplier,
            format!("{bad} is not a registered supplier"),
        ));
    }
    Ok((ids, known.into_iter().map(|s| s.default_currency).collect()))
}

/// `POST /rounds/{id}/rfqs` (the cooperative's admins; the round must be closed).
pub async fn create_rfq(
    ctx: &Ctx,
    who: &Principal,
    round_id: RoundId,
    input: NewRfq,
) -> Result<RfqOut, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let round = round_repo::find_round(&mut conn, round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    who.in_cooperative(round.cooperative_id, &[Role::CoopAdmin])?;
    let coop = coop_repo::find_cooperative(&mut conn, round.cooperative_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = ctx.clock.now();
    let status = round.status_at(now);
    if status != RoundStatus::Closed {
        return Err(AppError::conflict(
            ErrorCode::RoundNotClosed,
            format!(
                "The round is {}; RFQs are created from a closed round.",
                status.as_str()
            ),
        ));
    }
    let mut errors = Vec::new();
    let title = validation::text("title", &input.title, 200).collect_into(&mut errors);
    let place =
        validation::text("delivery_place", &input.delivery_place, 300).collect_into(&mut errors);
    if let Err(e) = validation::timestamp("deadline", input.deadline) {
        errors.push(e);
    } else if input.deadline <= now {
        errors.push(FieldError::new(
            "deadline",
            ErrorCode::InThePast,
            "must be in the future",
        ));
    }
    let (supplier_ids, supplier_currencies) =
        validate_suppliers(&mut conn, &input.supplier_ids, &mut errors).await?;
    let mut default_currencies = vec![coop.base_currency.clone()];
    for c in supplier_currencies {
        if !default_currencies.contains(&c) {
            default_currencies.push(c);
        }
    }
    let currencies = validate_list(
        "currencies",
        input.currencies,
        default_currencies,
        |c| reference::currency("currencies", c),
        &mut errors,
    );
    let incoterms = validate_list(
        "incoterms",
        input.incoterms,
        INCOTERMS.iter().map(|s| (*s).to_owned()).collect(),
        |t| incoterm("incoterms", t),
        &mut errors,
    );
    let weights = weights(input.weights, &mut errors);
    // Lines: the round's demand per material.
    // A line's quantity is the round's aggregate for its material: each demand line is
    // bounded, their sum need not be (crate::bounds). Sums above the bound are found in
    // SQL and never loaded.
    let above = repo::demand_above(&mut conn, round.id, bounds::MAX_QUANTITY).await?;
    let demand = repo::demand_by_material(&mut conn, round.id, &above).await?;
    let round_materials = round_repo::round_materials(&mut conn, round.id).await?;
    let chosen = choose_materials(
        input.material_ids,
        &round_materials,
        &above,
        &demand,
        &mut errors,
    );
    let duty_rates = duty_rates(input.duty_rates, &chosen, &mut errors);
    let adders = logistics_adders(input.logistics_adders, &incoterms, &mut errors);
    let (Some(title), Some(place), true) = (title, place, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let rfq = Rfq {
        id: RfqId::new(),
        cooperative_id: coop.id,
        round_id: round.id,
        title,
        status: "draft".into(),
        deadline: input.deadline,
        delivery_place: place,
        currencies: currencies.into_iter().map(Some).collect(),
        incoterms: incoterms.iter().cloned().map(Some).collect(),
        weight_price: weights.price.normalize(),
        weight_lead_time: weights.lead_time.normalize(),
        published_at: None,
        cancelled_at: None,
        cancel_reason: None,
        created_by: who.user_id,
        created_at: now,
    };
    let lines = lines(&rfq, &round_materials, &chosen, &demand, &duty_rates);
    let rfq = conn
        .transaction(async |conn| -> Result<Rfq, AppError> {
            // The round is closed for good (closed rounds never reopen), so its demand
            // cannot change under this snapshot.
            let r = repo::insert_rfq(conn, &rfq, &lines, &supplier_ids, &adders).await?;
            let data = json!({"title": r.title, "round_id": round.id, "deadline": r.deadline,
                "lines": lines.len(), "suppliers": supplier_ids.len(),
                "currencies": r.currencies, "incoterms": r.incoterms,
                "weights": {"price": r.weight_price, "lead_time": r.weight_lead_time}});
            audit::record(
                conn,
                now,
                Event::platform(who.actor(), "rfq.created", "rfq", r.id, data)
                    .in_cooperative(Some(coop.id)),
            )
            .await?;
            Ok(r)
        })
        .await?;
    render_one(&mut conn, who, rfq, now).await
}

/// `GET /rfqs/{id}`.
pub async fn get_rfq(ctx: &Ctx, who: &Principal, id: RfqId) -> Result<RfqOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let rfq = rfq_in_scope(&mut conn, who, id).await?;
    render_one(&mut conn, who, rfq, ctx.clock.now()).await
}

/// `GET /rfqs`: a cooperative's (its admins), all (platform admins), or those a supplier is
/// invited to (published or later).
pub async fn list_rfqs(
    ctx: &Ctx,
    who: &Principal,
    round: Option<RoundId>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<RfqOut>, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Supplier])?;
    let scope = match who.role {
        Role::PlatformAdmin => RfqScope::All,
        Role::Supplier => RfqScope::Supplier(who.supplier_id.ok_or(AppError::Forbidden)?),
        _ => RfqScope::Cooperative(who.cooperative_id.ok_or(AppError::Forbidden)?),
    };
    let mut conn = db::conn(&ctx.pool).await?;
    let rfqs = repo::list(&mut conn, scope, round, after, limit).await?;
    render(&mut conn, who, rfqs, ctx.clock.now()).await
}

/// `POST /rfqs/{id}/publish`: a draft with a future deadline and at least one supplier
/// becomes published; invitations (email, webhooks) are queued in the same transaction.
pub async fn publish(ctx: &Ctx, who: &Principal, id: RfqId) -> Result<RfqOut, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let rfq = rfq_in_scope(&mut conn, who, id).await?;
    who.in_cooperative(rfq.cooperative_id, &[Role::CoopAdmin])?;
    let coop = cooperative(&mut conn, &rfq).await?;
    let public_url = ctx.settings.public_url.clone();
    let rfq = conn
        .transaction(async |conn| -> Result<Rfq, AppError> {
            let r = repo::lock_rfq(conn, id).await?.ok_or(AppError::NotFound)?;
            let now = ctx.clock.now();
            match r.status_at(now) {
                RfqStatus::Draft => {}
                other => {
                    return Err(AppError::conflict(
                        ErrorCode::InvalidTransition,
                        format!("The RFQ is {}; only a draft can be published.", other.as_str()),
                    ))
                }
            }
            if r.deadline <= now {
                return Err(AppError::conflict(
                    ErrorCode::DeadlinePassed,
                    "The deadline has passed; set a later one (PATCH) before publishing.",
                ));
            }
            if repo::suppliers_of(conn, &[id]).await?.is_empty() {
                return Err(AppError::conflict(
                    ErrorCode::NoSuppliers,
                    "Invite at least one supplier (PATCH supplier_ids) before publishing.",
                ));
            }
            let updated = repo::set_status(conn, id, "published", now, None).await?;
            let queued =
                notify::announce(conn, &coop, &updated, &Announcement::Published, &public_url, now)
                    .await?;
            audit::record(
                conn,
                now,
                Event::platform(who.actor(), "rfq.published", "rfq", id,
                    json!({"deadline": updated.deadline, "emails": queued.emails, "webhooks": queued.webhooks}))
                .in_cooperative(Some(r.cooperative_id)),
            )
            .await?;
            Ok(updated)
        })
        .await?;
    render_one(&mut conn, who, rfq, ctx.clock.now()).await
}

/// `POST /rfqs/{id}/cancel`: from draft, published or closed; quotes are kept (and stay
/// sealed if the deadline has not passed). Invited suppliers of a published RFQ are told.
pub async fn cancel(
    ctx: &Ctx,
    who: &Principal,
    id: RfqId,
    input: CancelRfq,
) -> Result<RfqOut, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let reason = validation::text("reason", &input.reason, 1000)
        .map_err(|e| AppError::Validation(vec![e]))?;
    let mut conn = db::conn(&ctx.pool).await?;
    let rfq = rfq_in_scope(&mut conn, who, id).await?;
    who.in_cooperative(rfq.cooperative_id, &[Role::CoopAdmin])?;
    let coop = cooperative(&mut conn, &rfq).await?;
    let public_url = ctx.settings.public_url.clone();
    let rfq = conn
        .transaction(async |conn| -> Result<Rfq, AppError> {
            let r = repo::lock_rfq(conn, id).await?.ok_or(AppError::NotFound)?;
            let now = ctx.clock.now();
            let was = r.status_at(now);
            if matches!(was, RfqStatus::Awarded | RfqStatus::Cancelled) {
                return Err(AppError::conflict(
                    ErrorCode::InvalidTransition,
                    format!("The RFQ is {}.", was.as_str()),
                ));
            }
            let updated = repo::set_status(conn, id, "cancelled", now, Some(&reason)).await?;
            let queued = if was == RfqStatus::Draft {
                notify::Queued::default()
            } else {
                let what = Announcement::Cancelled { reason: reason.clone() };
                notify::announce(conn, &coop, &updated, &what, &public_url, now).await?
            };
            audit::record(
                conn,
                now,
                Event::platform(who.actor(), "rfq.cancelled", "rfq", id,
                    json!({"from": was.as_str(), "reason": reason, "emails": queued.emails, "webhooks": queued.webhooks}))
                .in_cooperative(Some(r.cooperative_id)),
            )
            .await?;
            Ok(updated)
        })
        .await?;
    render_one(&mut conn, who, rfq, ctx.clock.now()).await
}

/// `PATCH /rfqs/{id}`: a draft's title, place, suppliers or deadline; a published RFQ's
/// deadline, extended only (later than now and than the current one), before it passes.
pub async fn update(
    ctx: &Ctx,
    who: &Principal,
    id: RfqId,
    patch: RfqPatch,
) -> Result<RfqOut, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let rfq = rfq_in_scope(&mut conn, who, id).await?;
    who.in_cooperative(rfq.cooperative_id, &[Role::CoopAdmin])?;
    let coop = cooperative(&mut conn, &rfq).await?;
    let mut errors = Vec::new();
    let title = patch
        .title
        .as_deref()
        .map(|t| validation::text("title", t, 200).collect_into(&mut errors));
    let place = patch
        .delivery_place
        .as_deref()
        .map(|p| validation::text("delivery_place", p, 300).collect_into(&mut errors));
    let suppliers = match &patch.supplier_ids {
        Some(ids) => Some(validate_suppliers(&mut conn, ids, &mut errors).await?.0),
        None => None,
    };
    if let Some(Err(e)) = patch.deadline.map(|d| validation::timestamp("deadline", d)) {
        errors.push(e);
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let public_url = ctx.settings.public_url.clone();
    let rfq = conn
        .transaction(async |conn| -> Result<Rfq, AppError> {
            let r = repo::lock_rfq(conn, id).await?.ok_or(AppError::NotFound)?;
            let now = ctx.clock.now();
            let status = r.status_at(now);
            let deadline = patch.deadline.unwrap_or(r.deadline);
            match status {
                RfqStatus::Draft => {
                    if patch.deadline.is_some() && deadline <= now {
                        return Err(AppError::invalid("deadline", ErrorCode::InThePast, "must be in the future"));
                    }
                }
                RfqStatus::Published => {
                    if patch.title.is_some() || patch.delivery_place.is_some() || patch.supplier_ids.is_some() {
                        return Err(AppError::conflict(
                            ErrorCode::RfqPublished,
                            "A published RFQ can only have its deadline extended.",
                        ));
                    }
                    if deadline <= r.deadline || deadline <= now {
                        return Err(AppError::invalid(
                            "deadline",
                            ErrorCode::NotLater,
                            format!("must be later than now and than the current deadline {}", r.deadline.to_rfc3339()),
                        ));
                    }
                }
                RfqStatus::Closed => {
                    return Err(AppError::conflict(
                        ErrorCode::RfqClosed,
                        "The deadline has passed and quotes are open; it can no longer change.",
                    ))
                }
                other => {
                    return Err(AppError::conflict(
                        ErrorCode::InvalidTransition,
                        format!("The RFQ is {}.", other.as_str()),
                    ))
                }
            }
            let title = title.flatten().unwrap_or_else(|| r.title.clone());
            let place = place.flatten().unwrap_or_else(|| r.delivery_place.clone());
            let updated = repo::update_fields(conn, id, &title, deadline, &place).await?;
            if let Some(s) = &suppliers {
                repo::replace_suppliers(conn, &updated, s, now).await?;
            }
            let mut data = json!({"before": {"deadline": r.deadline, "title": r.title, "delivery_place": r.delivery_place},
                                  "after": {"deadline": updated.deadline, "title": updated.title, "delivery_place": updated.delivery_place}});
            if let Some(s) = &suppliers {
                data["suppliers"] = json!(s.len());
            }
            let action = if status == RfqStatus::Published {
                let what = Announcement::Extended { previous: r.deadline };
                let queued = notify::announce(conn, &coop, &updated, &what, &public_url, now).await?;
                data["emails"] = json!(queued.emails);
                data["webhooks"] = json!(queued.webhooks);
                "rfq.deadline_extended"
            } else {
                "rfq.updated"
            };
            audit::record(
                conn,
                now,
                Event::platform(who.actor(), action, "rfq", id, data)
                    .in_cooperative(Some(r.cooperative_id)),
            )
            .await?;
            Ok(updated)
        })
        .await?;
    render_one(&mut conn, who, rfq, ctx.clock.now()).await
}

/// The specification of each line's material, for whoever may read the RFQ (an invited
/// supplier quotes against it): lines without one are absent.
pub async fn line_specs(
    ctx: &Ctx,
    who: &Principal,
    id: RfqId,
) -> Result<HashMap<RfqLineId, String>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let rfq = rfq_in_scope(&mut conn, who, id).await?;
    Ok(repo::line_specs(&mut conn, rfq.id)
        .await?
        .into_iter()
        .collect())
}

/// How far the messages of one channel got: queued, sent (accepted), given up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub pending: usize,
    pub sent: usize,
    pub dead: usize,
}

impl Delivery {
    fn count(&mut self, status: &str) {
        match status {
            "sent" => self.sent += 1,
            "dead" => self.dead += 1,
            _ => self.pending += 1,
        }
    }
}

/// An invited supplier as the buyer sees it: who will be (or was) told, and how the
/// announcements of this RFQ were delivered. Nothing of any quote.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub supplier_id: SupplierId,
    pub name: String,
    pub country: String,
    /// The supplier's country differs from the cooperative's.
    pub overseas: bool,
    /// The addresses the announcements go to (the supplier's active users and its contact
    /// address, deduplicated).
    pub recipients: Vec<String>,
    /// Whether the supplier has a webhook (its URL is not shown to cooperatives).
    pub webhook: bool,
    /// The emails of this RFQ's announcements to this supplier.
    pub emails: Delivery,
    /// Its webhook deliveries.
    pub webhooks: Delivery,
}

/// The invited suppliers of an RFQ with their announcement delivery status (the
/// cooperative's admins and platform admins; 404 for anyone else, as `GET /rfqs/{id}`).
pub async fn invitations(
    ctx: &Ctx,
    who: &Principal,
    id: RfqId,
) -> Result<Vec<Invitation>, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let rfq = rfq_in_scope(&mut conn, who, id).await?;
    let coop = cooperative(&mut conn, &rfq).await?;
    let (emails, webhooks) = repo::announcement_deliveries(&mut conn, id).await?;
    let mut out = Vec::new();
    for (_, supplier_id) in repo::suppliers_of(&mut conn, &[id]).await? {
        let Some((s, recipients)) = supplier_repo::recipients(&mut conn, supplier_id).await? else {
            continue;
        };
        let addresses: Vec<String> = recipients.into_iter().map(|r| r.email).collect();
        let mut mail = Delivery::default();
        for (key, status) in &emails {
            let to = key.rsplit(':').next().unwrap_or("");
            if !key.contains(":webhook:") && addresses.iter().any(|a| a.eq_ignore_ascii_case(to)) {
                mail.count(status);
            }
        }
        let mut hooks = Delivery::default();
        let suffix = format!(":webhook:{supplier_id}");
        for (key, status) in &webhooks {
            if key.ends_with(&suffix) {
                hooks.count(status);
            }
        }
        out.push(Invitation {
            supplier_id,
            overseas: s.country != coop.country,
            name: s.name,
            country: s.country,
            recipients: addresses,
            webhook: s.webhook_url.is_some(),
            emails: mail,
            webhooks: hooks,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
