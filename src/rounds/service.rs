//! Use cases of rounds and demand lines.

use chrono::{DateTime, SubsecRound, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;

pub use super::input::{DemandPatch, NewDemand, NewRound};

use super::input::{demand_member, new_line, new_round, patched_line, RoundFields};
use super::models::{DemandLine, DemandOut, Round, RoundOut, RoundStatus};
use super::repo;
use crate::audit::{self, Event};
use crate::auth::{Principal, Role};
use crate::context::Ctx;
use crate::cooperatives::repo as coop_repo;
use crate::cooperatives::service::cooperative_in_scope;
use crate::error::{AppError, ErrorCode};
use crate::ids::{CooperativeId, DemandLineId, MaterialId, MemberId, RoundId};
use crate::materials::repo as material_repo;
use crate::{bounds, db};

fn round_not_open(status: RoundStatus) -> AppError {
    AppError::conflict(
        ErrorCode::RoundNotOpen,
        format!(
            "The round is {}; demand can be changed only while it is open.",
            status.as_str()
        ),
    )
}

/// The round if the caller may see it: the cooperative's admins, and its members once the
/// round is no longer a draft.
async fn round_in_scope(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: RoundId,
) -> Result<Round, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Member])?;
    let r = repo::find_round(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    who.in_cooperative(r.cooperative_id, &[Role::CoopAdmin, Role::Member])?;
    if who.role == Role::Member && r.status == "draft" {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

async fn round_out(
    conn: &mut AsyncPgConnection,
    r: Round,
    now: DateTime<Utc>,
) -> Result<RoundOut, AppError> {
    let ids = repo::materials_of(conn, &[r.id])
        .await?
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    Ok(RoundOut::new(r, ids, now))
}

/// Creates a draft round (the cooperative's admins).
pub async fn create_round(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    input: NewRound,
) -> Result<RoundOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = cooperative_in_scope(&mut conn, who, coop_id, &[Role::CoopAdmin]).await?;
    let now = ctx.clock.now();
    let catalog = material_repo::ids_of(&mut conn, coop.id).await?;
    let RoundFields {
        title,
        closes_at,
        materials,
    } = new_round(input, catalog, now)?;
    let round = Round {
        id: RoundId::new(),
        cooperative_id: coop.id,
        title,
        status: "draft".into(),
        closes_at,
        opened_at: None,
        closed_at: None,
        cancelled_at: None,
        reminder_sent_at: None,
        created_by: who.user_id,
        created_at: now,
        updated_at: now,
    };
    let round = conn
        .transaction(async |conn| -> Result<Round, AppError> {
            let r = repo::insert_round(conn, &round, &materials).await?;
            let data =
                json!({"title": r.title, "closes_at": r.closes_at, "materials": materials.len()});
            audit::record(
                conn,
                now,
                Event::platform(who.actor(), "round.created", "round", r.id, data)
                    .in_cooperative(Some(coop.id)),
            )
            .await?;
            Ok(r)
        })
        .await?;
    Ok(RoundOut::new(round, materials, now))
}

/// `GET /rounds/{id}`.
pub async fn get_round(ctx: &Ctx, who: &Principal, id: RoundId) -> Result<RoundOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let r = round_in_scope(&mut conn, who, id).await?;
    round_out(&mut conn, r, ctx.clock.now()).await
}

/// `GET /cooperatives/{id}/rounds` (members do not see drafts).
pub async fn list_rounds(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<RoundOut>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let coop =
        cooperative_in_scope(&mut conn, who, coop_id, &[Role::CoopAdmin, Role::Member]).await?;
    let rounds =
        repo::list_rounds(&mut conn, coop.id, who.role != Role::Member, after, limit).await?;
    let ids: Vec<RoundId> = rounds.iter().map(|r| r.id).collect();
    let mats = repo::materials_of(&mut conn, &ids).await?;
    let now = ctx.clock.now();
    Ok(rounds
        .into_iter()
        .map(|r| {
            let m = mats
                .iter()
                .filter(|(rid, _)| *rid == r.id)
                .map(|(_, m)| *m)
                .collect();
            RoundOut::new(r, m, now)
        })
        .collect())
}

/// A lifecycle transition.
#[derive(Debug, Clone, Copy)]
pub enum Transition {
    Open,
    Close,
    Cancel,
}

/// `POST /rounds/{id}/open|close|cancel` (the cooperative's admins). Takes the round's row
/// lock, so an early close waits for submissions in flight and every later one sees it.
pub async fn transition(
    ctx: &Ctx,
    who: &Principal,
    id: RoundId,
    t: Transition,
) -> Result<RoundOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let r = round_in_scope(&mut conn, who, id).await?;
    who.in_cooperative(r.cooperative_id, &[Role::CoopAdmin])?;
    let public_url = ctx.settings.public_url.clone();
    let round = conn
        .transaction(async |conn| -> Result<Round, AppError> {
            let r = repo::lock_round(conn, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let now = ctx.clock.now();
            let current = r.status_at(now);
            let (to, action) = match (t, current) {
                (Transition::Open, RoundStatus::Draft) if r.closes_at > now => {
                    ("open", "round.opened")
                }
                (Transition::Open, RoundStatus::Draft) => {
                    return Err(AppError::conflict(
                        ErrorCode::ClosesAtPassed,
                        "The closing time has passed; create a new round.",
                    ))
                }
                (Transition::Close, RoundStatus::Open) => ("closed", "round.closed"),
                (Transition::Cancel, RoundStatus::Draft | RoundStatus::Open) => {
                    ("cancelled", "round.cancelled")
                }
                (_, status) => {
                    return Err(AppError::conflict(
                        ErrorCode::InvalidTransition,
                        format!("The round is {}.", status.as_str()),
                    ));
                }
            };
            let updated = repo::set_status(conn, id, to, now).await?;
            let mut data = json!({"from": r.status, "to": to});
            if let Transition::Open = t {
                let coop = coop_repo::find_cooperative(conn, r.cooperative_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                data["emails"] = json!(
                    super::reminders::notify_opened(conn, &coop, &updated, &public_url, now)
                        .await?
                );
            }
            audit::record(
                conn,
                now,
                Event::platform(who.actor(), action, "round", id, data)
                    .in_cooperative(Some(r.cooperative_id)),
            )
            .await?;
            Ok(updated)
        })
        .await?;
    round_out(&mut conn, round, ctx.clock.now()).await
}

/// `POST /rounds/{id}/demand`. Validates everything first (422); then one statement
/// locks the round against transitions, checks that it is open and that neither the server clock nor the
/// database clock has reached `closes_at`, inserts the line and its audit event, and
/// commits — so a line that commits was entered before the close, and an early close
/// (which takes the round's row lock) waits for it. (Inside an `Idempotency-Key` request
/// the commit is the request's, which checks the close again just before it.) When the
/// insert finds the round not open, the slow path works out the exact answer (404 for what
/// the caller may not see, else 409 `round_not_open`).
pub async fn submit_demand(
    ctx: &Ctx,
    who: &Principal,
    round_id: RoundId,
    input: NewDemand,
) -> Result<DemandOut, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Member])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let facts = ctx
        .rounds
        .get(&mut conn, round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    who.in_cooperative(facts.cooperative_id, &[Role::CoopAdmin, Role::Member])?;
    let member_id = demand_member(who, input.member_id)?;
    // An admin names the member: checked in the insert itself (one round trip), and here
    // first only when the answer is an error anyway, so that the member's error still
    // comes before the fields'.
    let check_member = who.role != Role::Member;
    let base_unit = facts.materials.get(&input.material_id).cloned();
    let q = match new_line(&input, base_unit.as_deref(), facts.close_date) {
        Ok(q) => q,
        Err(e) => {
            if check_member {
                active_member(&mut conn, member_id, facts.cooperative_id).await?;
            }
            return Err(e);
        }
    };
    let now = ctx.clock.now().trunc_subsecs(6);
    let line = DemandLine {
        id: DemandLineId::new(),
        round_id,
        cooperative_id: facts.cooperative_id,
        member_id,
        material_id: input.material_id,
        quantity: q.quantity,
        unit: q.unit,
        quantity_base: q.quantity_base,
        required_by: q.required_by,
        delivery_site: q.delivery_site,
        created_by: who.user_id,
        created_at: now,
        updated_at: now,
    };
    let data = json!({"member_id": member_id, "material_id": line.material_id, "quantity": line.quantity, "unit": line.unit, "quantity_base": line.quantity_base});
    if repo::insert_line_if_open(&mut conn, &line, who.user_id, &data, check_member).await? {
        // Inside an idempotent request the statement's commit is the request's: the close
        // is checked again, by both clocks, just before that commit.
        db::request::commit_before(db::request::CommitDeadline {
            at: facts.closes_at,
            database_clock: true,
            error: || round_not_open(RoundStatus::Closed),
        });
        return Ok(DemandOut::new(line, base_unit.unwrap_or_default()));
    }
    // Not inserted: say exactly why.
    if check_member {
        active_member(&mut conn, member_id, facts.cooperative_id).await?;
    }
    let round = round_in_scope(&mut conn, who, round_id).await?;
    let status = match round.status_at(ctx.clock.now()) {
        // Still reads open by our clock: the database's clock had reached `closes_at`.
        RoundStatus::Open => RoundStatus::Closed,
        other => other,
    };
    Err(round_not_open(status))
}

/// `unknown_member` unless `member` is an active member of `cooperative`.
async fn active_member(
    conn: &mut AsyncPgConnection,
    member: MemberId,
    cooperative: CooperativeId,
) -> Result<(), AppError> {
    match coop_repo::find_member(conn, member).await? {
        Some(m) if m.cooperative_id == cooperative && !m.disabled => Ok(()),
        _ => Err(AppError::invalid(
            "member_id",
            ErrorCode::UnknownMember,
            "is not an active member of this cooperative",
        )),
    }
}

/// A line the caller may change or see: the member's own users, the cooperative's admins.
async fn line_in_scope(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: DemandLineId,
) -> Result<DemandLine, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Member])?;
    let line = repo::find_line(conn, id).await?.ok_or(AppError::NotFound)?;
    who.in_cooperative(line.cooperative_id, &[Role::CoopAdmin, Role::Member])?;
    if who.role == Role::Member && who.member_id != Some(line.member_id) {
        return Err(AppError::NotFound);
    }
    Ok(line)
}

/// `PATCH /demand/{id}` while the round is open.
pub async fn update_demand(
    ctx: &Ctx,
    who: &Principal,
    id: DemandLineId,
    patch: DemandPatch,
) -> Result<DemandOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let line = line_in_scope(&mut conn, who, id).await?;
    let facts = ctx
        .rounds
        .get(&mut conn, line.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let base_unit = facts
        .materials
        .get(&line.material_id)
        .cloned()
        .unwrap_or_default();
    let q = patched_line(&line, &patch, &base_unit, facts.close_date)?;
    let updated = conn
        .transaction(async |conn| -> Result<DemandLine, AppError> {
            let round = repo::share_round(conn, line.round_id).await?.ok_or(AppError::NotFound)?;
            let now = ctx.clock.now();
            let status = round.status_at(now);
            if status != RoundStatus::Open {
                return Err(round_not_open(status));
            }
            let changed = DemandLine {
                quantity: q.quantity,
                unit: q.unit,
                quantity_base: q.quantity_base,
                required_by: q.required_by,
                delivery_site: q.delivery_site,
                updated_at: now,
                ..line.clone()
            };
            let updated = repo::update_line(conn, &changed).await?;
            let data = json!({"before": {"quantity": line.quantity, "unit": line.unit, "required_by": line.required_by, "delivery_site": line.delivery_site},
                              "after": {"quantity": updated.quantity, "unit": updated.unit, "required_by": updated.required_by, "delivery_site": updated.delivery_site}});
            audit::record(conn, now, Event::platform(who.actor(), "demand.updated", "demand_line", id, data).in_cooperative(Some(round.cooperative_id)))
                .await?;
            if round.status_at(ctx.clock.now()) != RoundStatus::Open {
                return Err(round_not_open(RoundStatus::Closed));
            }
            Ok(updated)
        })
        .await?;
    Ok(DemandOut::new(updated, base_unit))
}

/// `DELETE /demand/{id}` while the round is open.
pub async fn delete_demand(ctx: &Ctx, who: &Principal, id: DemandLineId) -> Result<(), AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let line = line_in_scope(&mut conn, who, id).await?;
    conn.transaction(async |conn| -> Result<(), AppError> {
        let round = repo::share_round(conn, line.round_id).await?.ok_or(AppError::NotFound)?;
        let now = ctx.clock.now();
        let status = round.status_at(now);
        if status != RoundStatus::Open {
            return Err(round_not_open(status));
        }
        repo::delete_line(conn, id).await?;
        let data = json!({"member_id": line.member_id, "material_id": line.material_id, "quantity": line.quantity, "unit": line.unit});
        audit::record(conn, now, Event::platform(who.actor(), "demand.deleted", "demand_line", id, data).in_cooperative(Some(round.cooperative_id))).await?;
        Ok(())
    })
    .await
}

/// `GET /rounds/{id}/demand`: a member sees only its own lines.
pub async fn list_demand(
    ctx: &Ctx,
    who: &Principal,
    round_id: RoundId,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<DemandOut>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let round = round_in_scope(&mut conn, who, round_id).await?;
    let only = visible_member(who)?;
    let facts = ctx
        .rounds
        .get(&mut conn, round.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = repo::list_lines(&mut conn, round.id, only, after, limit).await?;
    Ok(lines
        .into_iter()
        .map(|l| {
            let base = facts
                .materials
                .get(&l.material_id)
                .cloned()
                .unwrap_or_default();
            DemandOut::new(l, base)
        })
        .collect())
}

/// Whose entries a caller may see in demand lists and breakdowns: a member user only its
/// own member's, everyone else all.
fn visible_member(who: &Principal) -> Result<Option<MemberId>, AppError> {
    match who.role {
        Role::Member => Ok(Some(who.member_id.ok_or(AppError::Forbidden)?)),
        _ => Ok(None),
    }
}

/// `GET /rounds/{id}/aggregate`: checks visibility, then streams the aggregate (a member
/// sees the totals and only its own entries).
pub async fn aggregate(
    ctx: &Ctx,
    who: &Principal,
    round_id: RoundId,
    format: super::aggregate::Format,
) -> Result<
    impl futures_util::Stream<Item = Result<actix_web::web::Bytes, actix_web::Error>>,
    AppError,
> {
    let mut conn = db::conn(&ctx.pool).await?;
    let round = round_in_scope(&mut conn, who, round_id).await?;
    let only = visible_member(who)?;
    let materials = repo::round_materials(&mut conn, round.id).await?;
    // Settle everything that could fail before the stream starts (its status is final).
    let prelude = checked_prelude(&mut conn, &round, &materials).await?;
    drop(conn);
    Ok(super::aggregate::stream(
        ctx.pool.clone(),
        round.id,
        round.status_at(ctx.clock.now()),
        materials,
        prelude,
        only,
        format,
    ))
}

/// The aggregate's prelude, or 409 naming the materials whose total is out of range.
async fn checked_prelude(
    conn: &mut AsyncPgConnection,
    round: &Round,
    materials: &[(MaterialId, String, String, String)],
) -> Result<super::aggregate::Prelude, AppError> {
    let prelude = super::aggregate::prelude(conn, round.id, round.cooperative_id).await?;
    if prelude.beyond.is_empty() {
        return Ok(prelude);
    }
    let codes: Vec<&str> = materials
        .iter()
        .filter(|(id, ..)| prelude.beyond.contains(id))
        .map(|(_, code, ..)| code.as_str())
        .collect();
    Err(bounds::overflow(format_args!(
        "the demand for {}",
        codes.join(", ")
    )))
}

/// The aggregate of `GET /rounds/{id}/aggregate` as data (the portal's table): the same
/// visibility as [`aggregate`] (a member sees the totals and only its own entries).
pub async fn aggregate_table(
    ctx: &Ctx,
    who: &Principal,
    round_id: RoundId,
) -> Result<super::aggregate::Aggregate, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let round = round_in_scope(&mut conn, who, round_id).await?;
    let only = visible_member(who)?;
    let materials = repo::round_materials(&mut conn, round.id).await?;
    let mut prelude = checked_prelude(&mut conn, &round, &materials).await?;
    let mut out = Vec::with_capacity(materials.len());
    for m in &materials {
        out.push(super::aggregate::material(&mut conn, round.id, m, &mut prelude, only).await?);
    }
    Ok(super::aggregate::Aggregate {
        round_id: round.id,
        status: round.status_at(ctx.clock.now()),
        materials: out,
    })
}

/// How far demand collection has got: per round, the members who have entered at least one
/// line, out of the cooperative's active members (the home page's progress bars).
#[derive(Debug, Clone, Default)]
pub struct Participation {
    /// Active (not disabled) members of the cooperative.
    pub members: i64,
    /// Per round, the members with at least one demand line.
    pub entered: Vec<(RoundId, i64)>,
}

impl Participation {
    /// Members who have entered demand in `round`.
    pub fn entered_in(&self, round: RoundId) -> i64 {
        self.entered
            .iter()
            .find(|(r, _)| *r == round)
            .map_or(0, |(_, n)| *n)
    }
}

/// [`Participation`] of `rounds` of a cooperative (its admins).
pub async fn participation(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    rounds: &[RoundId],
) -> Result<Participation, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = cooperative_in_scope(&mut conn, who, coop_id, &[Role::CoopAdmin]).await?;
    Ok(Participation {
        members: coop_repo::count_active_members(&mut conn, coop.id).await?,
        entered: repo::members_entered(&mut conn, coop.id, rounds).await?,
    })
}
