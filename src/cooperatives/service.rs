//! Use cases of cooperatives and members.

use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::models::{Cooperative, CooperativeOut, Member, MemberOut, MemberUpdateForm};
use super::repo;
use crate::audit::{self, Event};
use crate::auth::{Principal, Role};
use crate::context::Ctx;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::ids::{CooperativeId, MemberId};
use crate::users::repo as user_repo;
use crate::validation::Collect;
use crate::{db, reference, validation};

/// `POST /cooperatives` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCooperative {
    pub name: String,
    /// Korean business registration number for KR (with or without dashes), else a tax id.
    pub business_number: String,
    /// ISO 3166-1 alpha-2 (default `KR`).
    #[serde(default = "default_country")]
    pub country: String,
    /// ISO 4217 (default `KRW`).
    #[serde(default = "default_currency")]
    pub base_currency: String,
    /// IANA time zone (default `Asia/Seoul`).
    #[serde(default = "default_timezone")]
    pub timezone: String,
}

fn default_country() -> String {
    "KR".into()
}
fn default_currency() -> String {
    "KRW".into()
}
fn default_timezone() -> String {
    "Asia/Seoul".into()
}

/// An IANA time zone name known to the bundled tz database (`Asia/Seoul`, `UTC`…).
fn timezone(field: &str, raw: &str) -> Result<String, FieldError> {
    let t = raw.trim();
    match t.parse::<chrono_tz::Tz>() {
        Ok(tz) => Ok(tz.name().to_owned()),
        Err(_) => Err(FieldError::new(
            field,
            ErrorCode::InvalidTimezone,
            "is not an IANA time zone such as Asia/Seoul",
        )),
    }
}

/// A business number for an organisation in `country`: the Korean check-digit rule for KR,
/// else a tax id.
pub fn business_number(field: &str, country: &str, raw: &str) -> Result<String, FieldError> {
    if country == "KR" {
        reference::kr_business_number(field, raw)
    } else {
        reference::tax_id(field, raw)
    }
}

/// Creates a cooperative (platform admins).
pub async fn create_cooperative(
    ctx: &Ctx,
    who: &Principal,
    input: NewCooperative,
) -> Result<CooperativeOut, AppError> {
    who.require(&[Role::PlatformAdmin])?;
    let mut errors = Vec::new();
    let name = validation::text("name", &input.name, 200).collect_into(&mut errors);
    let country = reference::country("country", &input.country).collect_into(&mut errors);
    let number = country.as_deref().and_then(|c| {
        business_number("business_number", c, &input.business_number).collect_into(&mut errors)
    });
    let currency =
        reference::currency("base_currency", &input.base_currency).collect_into(&mut errors);
    let tz = timezone("timezone", &input.timezone).collect_into(&mut errors);
    let (Some(name), Some(country), Some(number), Some(currency), Some(tz), true) =
        (name, country, number, currency, tz, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let now = ctx.clock.now();
    let coop = Cooperative {
        id: CooperativeId::new(),
        name,
        business_number: number,
        country,
        base_currency: currency,
        timezone: tz,
        created_at: now,
        updated_at: now,
    };
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = conn
        .transaction(async |conn| -> Result<Cooperative, AppError> {
            let coop = repo::insert_cooperative(conn, &coop)
                .await?;
            audit::record(
                conn,
                now,
                Event::platform(who.actor(), "cooperative.created", "cooperative", coop.id, json!({"name": coop.name, "country": coop.country, "base_currency": coop.base_currency}))
                    .in_cooperative(Some(coop.id)),
            )
            .await?;
            Ok(coop)
        })
        .await?;
    Ok(coop.into())
}

/// The cooperative, if the caller may see it (its own staff and members, platform admins).
pub async fn get_cooperative(
    ctx: &Ctx,
    who: &Principal,
    id: CooperativeId,
) -> Result<CooperativeOut, AppError> {
    who.in_cooperative(id, &[Role::CoopAdmin, Role::Member])?;
    let mut conn = db::conn(&ctx.pool).await?;
    Ok(repo::find_cooperative(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?
        .into())
}

/// Looks up a cooperative the caller may act in with `roles`.
pub async fn cooperative_in_scope(
    conn: &mut diesel_async::AsyncPgConnection,
    who: &Principal,
    id: CooperativeId,
    roles: &[Role],
) -> Result<Cooperative, AppError> {
    who.in_cooperative(id, roles)?;
    repo::find_cooperative(conn, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Cooperatives visible to the caller.
pub async fn list_cooperatives(
    ctx: &Ctx,
    who: &Principal,
    q: Option<&str>,
    after: Option<(chrono::DateTime<chrono::Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<CooperativeOut>, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Member])?;
    let only = if who.role == Role::PlatformAdmin {
        None
    } else {
        who.cooperative_id
    };
    let mut conn = db::conn(&ctx.pool).await?;
    let rows = repo::list_cooperatives(&mut conn, only, q, after, limit).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// `POST /cooperatives/{id}/members` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub name: String,
    pub business_number: String,
    /// `regular` or `associate`.
    pub membership: String,
    pub contact_email: String,
}

fn membership(field: &str, raw: &str) -> Result<String, FieldError> {
    match raw.trim() {
        m @ ("regular" | "associate") => Ok(m.to_owned()),
        _ => Err(FieldError::new(
            field,
            ErrorCode::InvalidMembership,
            "must be `regular` or `associate`",
        )),
    }
}

/// Adds a member company (the cooperative's admins).
pub async fn create_member(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    input: NewMember,
) -> Result<MemberOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = cooperative_in_scope(&mut conn, who, coop_id, &[Role::CoopAdmin]).await?;
    let mut errors = Vec::new();
    let name = validation::text("name", &input.name, 200).collect_into(&mut errors);
    let number = business_number("business_number", &coop.country, &input.business_number)
        .collect_into(&mut errors);
    let membership = membership("membership", &input.membership).collect_into(&mut errors);
    let email = validation::email("contact_email", &input.contact_email).collect_into(&mut errors);
    let (Some(name), Some(number), Some(membership), Some(email), true) =
        (name, number, membership, email, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let now = ctx.clock.now();
    let member = Member {
        id: MemberId::new(),
        cooperative_id: coop.id,
        name,
        business_number: number,
        membership,
        contact_email: email,
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    let member = conn
        .transaction(async |conn| -> Result<Member, AppError> {
            let m = repo::insert_member(conn, &member).await?;
            audit::record(
                conn,
                now,
                Event::platform(
                    who.actor(),
                    "member.created",
                    "member",
                    m.id,
                    json!({"name": m.name, "membership": m.membership}),
                )
                .in_cooperative(Some(coop.id)),
            )
            .await?;
            Ok(m)
        })
        .await?;
    Ok(MemberOut::new(member, &coop.country))
}

/// A member the caller may see: its cooperative's admins, platform admins, and the member's
/// own users.
async fn member_in_scope(
    conn: &mut diesel_async::AsyncPgConnection,
    who: &Principal,
    id: MemberId,
) -> Result<(Member, Cooperative), AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Member])?;
    let member = repo::find_member(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    who.in_cooperative(member.cooperative_id, &[Role::CoopAdmin, Role::Member])?;
    if who.role == Role::Member && who.member_id != Some(member.id) {
        return Err(AppError::NotFound);
    }
    let coop = repo::find_cooperative(conn, member.cooperative_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((member, coop))
}

/// `GET /members/{id}`.
pub async fn get_member(ctx: &Ctx, who: &Principal, id: MemberId) -> Result<MemberOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let (m, coop) = member_in_scope(&mut conn, who, id).await?;
    Ok(MemberOut::new(m, &coop.country))
}

/// Members of a cooperative (a member user sees only its own).
pub async fn list_members(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    q: Option<&str>,
    after: Option<(chrono::DateTime<chrono::Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<MemberOut>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let coop =
        cooperative_in_scope(&mut conn, who, coop_id, &[Role::CoopAdmin, Role::Member]).await?;
    let only = if who.role == Role::Member {
        who.member_id
    } else {
        None
    };
    let rows = repo::list_members(&mut conn, coop.id, only, q, after, limit).await?;
    Ok(rows
        .into_iter()
        .map(|m| MemberOut::new(m, &coop.country))
        .collect())
}

/// `PATCH /members/{id}` body; absent fields are left alone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    pub name: Option<String>,
    pub membership: Option<String>,
    pub contact_email: Option<String>,
    /// Disabling a member disables its users and ends their sessions.
    pub disabled: Option<bool>,
}

/// Updates a member (the cooperative's admins).
pub async fn update_member(
    ctx: &Ctx,
    who: &Principal,
    id: MemberId,
    patch: MemberPatch,
) -> Result<MemberOut, AppError> {
    // A role that may never change members is 403 before anything is looked up.
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let (member, coop) = member_in_scope(&mut conn, who, id).await?;
    let mut errors = Vec::new();
    let now = ctx.clock.now();
    let form = MemberUpdateForm {
        name: patch
            .name
            .as_deref()
            .and_then(|n| validation::text("name", n, 200).collect_into(&mut errors)),
        membership: patch
            .membership
            .as_deref()
            .and_then(|m| membership("membership", m).collect_into(&mut errors)),
        contact_email: patch
            .contact_email
            .as_deref()
            .and_then(|e| validation::email("contact_email", e).collect_into(&mut errors)),
        disabled: patch.disabled,
        updated_at: Some(now),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let updated = conn
        .transaction(async |conn| -> Result<Member, AppError> {
            let updated = repo::update_member(conn, member.id, &form).await?;
            let mut data = json!({
                "name": form.name, "membership": form.membership,
                "contact_email_changed": form.contact_email.is_some(), "disabled": form.disabled,
            });
            if patch.disabled == Some(true) && !member.disabled {
                let (users, sessions) =
                    user_repo::disable_member_users(conn, member.id, now).await?;
                data["users_disabled"] = json!(users);
                data["sessions_revoked"] = json!(sessions);
            }
            audit::record(
                conn,
                now,
                Event::platform(who.actor(), "member.updated", "member", member.id, data)
                    .in_cooperative(Some(coop.id)),
            )
            .await?;
            Ok(updated)
        })
        .await?;
    Ok(MemberOut::new(updated, &coop.country))
}
