//! Use cases of organisation users.

use chrono::{DateTime, Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::repo::{self, Owner};
use crate::audit::{self, Actor, Event};
use crate::auth::models::{NewUser, User};
use crate::auth::repo as auth_repo;
use crate::auth::{password, tokens, Locale, Principal, Role};
use crate::context::Ctx;
use crate::cooperatives::repo as coop_repo;
use crate::cooperatives::repo::timezone_of;
use crate::cooperatives::service::cooperative_in_scope;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::ids::{CooperativeId, MemberId, SupplierId, UserId};
use crate::notifications::templates::{Invitation, ZonedTime};
use crate::notifications::{self, Email};
use crate::suppliers::repo as supplier_repo;
use crate::validation::Collect;
use crate::{db, validation};

/// How long an invitation link works.
pub const INVITATION_TTL: Duration = Duration::days(7);

/// A user as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub cooperative_id: Option<CooperativeId>,
    pub member_id: Option<MemberId>,
    pub supplier_id: Option<SupplierId>,
    pub locale: Locale,
    pub disabled: bool,
    /// True until an invited user has set a password.
    pub invitation_pending: bool,
    /// A supplier user who may invite colleagues and manage the company's webhook.
    pub supplier_admin: bool,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self {
            invitation_pending: u.password_hash.is_none(),
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role,
            cooperative_id: u.cooperative_id,
            member_id: u.member_id,
            supplier_id: u.supplier_id,
            locale: u.locale,
            disabled: u.disabled,
            supplier_admin: u.supplier_admin,
            created_at: u.created_at,
        }
    }
}

/// `POST /cooperatives/{id}/users` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCoopUser {
    pub email: String,
    pub name: String,
    /// `coop_admin` or `member`.
    pub role: Role,
    /// Required for `member`: a member of this cooperative.
    pub member_id: Option<MemberId>,
    /// Without a password, an invitation email with a one-time link is sent.
    pub password: Option<String>,
    /// `ko` (default) or `en`.
    pub locale: Option<Locale>,
}

/// `POST /suppliers/{id}/users` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSupplierUser {
    pub email: String,
    pub name: String,
    /// Without a password, an invitation email with a one-time link is sent.
    pub password: Option<String>,
    /// Default: the supplier's locale.
    pub locale: Option<Locale>,
    /// May invite colleagues and manage the company's webhook. Default: true when a
    /// platform admin creates the user (the supplier's first account), false when a
    /// supplier admin invites a colleague.
    pub supplier_admin: Option<bool>,
}

struct Draft {
    email: String,
    name: String,
    role: Role,
    cooperative_id: Option<CooperativeId>,
    member_id: Option<MemberId>,
    supplier_id: Option<SupplierId>,
    locale: Locale,
    password: Option<String>,
    organisation: String,
    supplier_admin: bool,
}

fn validate_common(
    email: &str,
    name: &str,
    password: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> (Option<String>, Option<String>) {
    let email = validation::email("email", email).collect_into(errors);
    let name = validation::text("name", name, 200).collect_into(errors);
    if let Some(p) = password {
        if let Err(e) = password::check_policy("password", p, email.as_deref()) {
            errors.push(e);
        }
    }
    (email, name)
}

/// Creates a coop admin or member user in a cooperative (its admins, platform admins).
pub async fn create_coop_user(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    input: NewCoopUser,
) -> Result<UserOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = cooperative_in_scope(&mut conn, who, coop_id, &[Role::CoopAdmin]).await?;
    let mut errors = Vec::new();
    let (email, name) = validate_common(
        &input.email,
        &input.name,
        input.password.as_deref(),
        &mut errors,
    );
    match (input.role, input.member_id) {
        (Role::CoopAdmin, None) => {}
        (Role::CoopAdmin, Some(_)) => errors.push(FieldError::new(
            "member_id",
            ErrorCode::NotAllowed,
            "is only for member users",
        )),
        (Role::Member, None) => errors.push(FieldError::new(
            "member_id",
            ErrorCode::Required,
            "is required for member users",
        )),
        (Role::Member, Some(m)) => match coop_repo::find_member(&mut conn, m).await? {
            Some(member) if member.cooperative_id == coop.id && !member.disabled => {}
            _ => errors.push(FieldError::new(
                "member_id",
                ErrorCode::UnknownMember,
                "is not an active member of this cooperative",
            )),
        },
        (_, _) => errors.push(FieldError::new(
            "role",
            ErrorCode::InvalidRole,
            "must be `coop_admin` or `member`",
        )),
    }
    let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let draft = Draft {
        email,
        name,
        role: input.role,
        cooperative_id: Some(coop.id),
        member_id: input.member_id,
        supplier_id: None,
        locale: input.locale.unwrap_or(Locale::Ko),
        password: input.password,
        organisation: coop.name,
        supplier_admin: false,
    };
    create(ctx, &mut conn, who, draft).await
}

/// Creates a supplier user (platform admins and the supplier's own users; a cooperative
/// must not be able to mint credentials for a platform-wide supplier).
pub async fn create_supplier_user(
    ctx: &Ctx,
    who: &Principal,
    supplier_id: SupplierId,
    input: NewSupplierUser,
) -> Result<UserOut, AppError> {
    who.require(&[Role::PlatformAdmin, Role::Supplier])?;
    if who.role == Role::Supplier && who.supplier_id != Some(supplier_id) {
        return Err(AppError::NotFound);
    }
    let mut conn = db::conn(&ctx.pool).await?;
    let supplier = supplier_repo::find(&mut conn, supplier_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Of a supplier's users, only its admins invite colleagues.
    if who.role == Role::Supplier
        && !auth_repo::find_user(&mut conn, who.user_id)
            .await?
            .is_some_and(|u| u.supplier_admin)
    {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    let (email, name) = validate_common(
        &input.email,
        &input.name,
        input.password.as_deref(),
        &mut errors,
    );
    let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let draft = Draft {
        email,
        name,
        role: Role::Supplier,
        cooperative_id: None,
        member_id: None,
        supplier_id: Some(supplier.id),
        locale: input
            .locale
            .unwrap_or(Locale::parse(&supplier.locale).unwrap_or(Locale::En)),
        password: input.password,
        organisation: supplier.name,
        supplier_admin: input
            .supplier_admin
            .unwrap_or(who.role == Role::PlatformAdmin),
    };
    create(ctx, &mut conn, who, draft).await
}

async fn create(
    ctx: &Ctx,
    conn: &mut AsyncPgConnection,
    who: &Principal,
    d: Draft,
) -> Result<UserOut, AppError> {
    let now = ctx.clock.now();
    let hash = match d.password.clone() {
        Some(p) => Some(password::hash_blocking(p).await?),
        None => None,
    };
    let invitation = if hash.is_none() {
        Some(tokens::generate()?)
    } else {
        None
    };
    let new = NewUser {
        id: UserId::new(),
        email: d.email,
        name: d.name,
        password_hash: hash,
        role: d.role,
        cooperative_id: d.cooperative_id,
        member_id: d.member_id,
        supplier_id: d.supplier_id,
        locale: d.locale,
        password_changed_at: d.password.as_ref().map(|_| now),
        created_at: now,
        updated_at: now,
    };
    let public_url = ctx.settings.public_url.clone();
    let user = conn
        .transaction(async |conn| -> Result<User, AppError> {
            let mut user = auth_repo::insert_user(conn, &new).await?;
            if d.supplier_admin {
                user = repo::set_supplier_admin(conn, user.id, true, now).await?;
            }
            if let Some(token) = &invitation {
                let expires = now + INVITATION_TTL;
                repo::insert_invitation(conn, &tokens::digest(token), user.id, now, expires).await?;
                let zone = timezone_of(conn, user.cooperative_id).await?;
                let template = Invitation {
                    name: user.name.clone(),
                    email: user.email.clone(),
                    organisation: d.organisation.clone(),
                    role: user.role,
                    inviter: who.name.clone(),
                    link: format!("{public_url}/invite/{token}"),
                    expires_at: ZonedTime::new(expires, &zone),
                };
                notifications::enqueue(
                    conn,
                    now,
                    Email { to: &user.email, locale: user.locale, template: &template, dedupe_key: Some(format!("invitation:{}", user.id)) },
                )
                .await?;
            }
            let data = json!({"email": user.email, "role": user.role, "invited": invitation.is_some(), "member_id": user.member_id, "supplier_id": user.supplier_id});
            audit::record(conn, now, Event::platform(who.actor(), "user.created", "user", user.id, data).in_cooperative(user.cooperative_id))
                .await?;
            Ok(user)
        })
        .await?;
    Ok(user.into())
}

/// `POST /auth/accept-invite` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvite {
    /// The token from the invitation link.
    pub token: String,
    /// The new password.
    pub password: String,
}

fn invalid_invitation() -> AppError {
    AppError::invalid(
        "token",
        ErrorCode::InvalidInvitation,
        "this invitation link is unknown, already used or expired",
    )
}

/// Sets the password of an invited user; the link works once, for 7 days.
pub async fn accept_invite(ctx: &Ctx, input: AcceptInvite) -> Result<(), AppError> {
    let now = ctx.clock.now();
    let hash = tokens::digest(input.token.trim());
    let user = {
        let mut conn = db::conn(&ctx.pool).await?;
        let Some((user_id, expires, used)) = repo::invitation_for_update(&mut conn, &hash).await?
        else {
            return Err(invalid_invitation());
        };
        if used.is_some() || expires <= now {
            return Err(invalid_invitation());
        }
        auth_repo::find_user(&mut conn, user_id)
            .await?
            .ok_or_else(invalid_invitation)?
    };
    if user.disabled {
        return Err(invalid_invitation());
    }
    password::check_policy("password", &input.password, Some(&user.email))
        .map_err(|e| AppError::Validation(vec![e]))?;
    let password_hash = password::hash_blocking(input.password).await?;
    let mut conn = db::conn(&ctx.pool).await?;
    conn.transaction(async |conn| -> Result<(), AppError> {
        // Re-checked under the row lock: two concurrent accepts cannot both succeed.
        match repo::invitation_for_update(conn, &hash).await? {
            Some((_, expires, None)) if expires > now => {}
            _ => return Err(invalid_invitation()),
        }
        match auth_repo::find_user(conn, user.id).await? {
            Some(u) if !u.disabled => {}
            _ => return Err(invalid_invitation()),
        }
        repo::use_invitation(conn, &hash, now).await?;
        auth_repo::set_password(conn, user.id, &password_hash, now).await?;
        audit::record(
            conn,
            now,
            Event::platform(
                Actor::User(user.id),
                "user.invitation_accepted",
                "user",
                user.id,
                json!({}),
            )
            .in_cooperative(user.cooperative_id),
        )
        .await?;
        Ok(())
    })
    .await
}

/// A user the caller may manage: platform admins any; coop admins their cooperative's
/// users; supplier users their supplier's users.
async fn user_in_scope(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: UserId,
) -> Result<User, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Supplier])?;
    let user = auth_repo::find_user(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let visible = match who.role {
        Role::PlatformAdmin => true,
        Role::CoopAdmin => {
            user.cooperative_id.is_some() && user.cooperative_id == who.cooperative_id
        }
        Role::Supplier => user.supplier_id.is_some() && user.supplier_id == who.supplier_id,
        Role::Member => false,
    };
    if visible {
        Ok(user)
    } else {
        Err(AppError::NotFound)
    }
}

/// `GET /users/{id}`.
pub async fn get_user(ctx: &Ctx, who: &Principal, id: UserId) -> Result<UserOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    Ok(user_in_scope(&mut conn, who, id).await?.into())
}

/// Users of a cooperative (its admins, platform admins).
pub async fn list_coop_users(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    q: Option<&str>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<UserOut>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = cooperative_in_scope(&mut conn, who, coop_id, &[Role::CoopAdmin]).await?;
    page_of(&mut conn, Owner::Cooperative(coop.id), q, after, limit).await
}

/// Users of a supplier (platform admins, the supplier's users).
pub async fn list_supplier_users(
    ctx: &Ctx,
    who: &Principal,
    supplier_id: SupplierId,
    q: Option<&str>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<UserOut>, AppError> {
    who.require(&[Role::PlatformAdmin, Role::Supplier])?;
    if who.role == Role::Supplier && who.supplier_id != Some(supplier_id) {
        return Err(AppError::NotFound);
    }
    let mut conn = db::conn(&ctx.pool).await?;
    supplier_repo::find(&mut conn, supplier_id)
        .await?
        .ok_or(AppError::NotFound)?;
    page_of(&mut conn, Owner::Supplier(supplier_id), q, after, limit).await
}

/// A page of `owner`'s users as the API shows them.
async fn page_of(
    conn: &mut AsyncPgConnection,
    owner: Owner,
    q: Option<&str>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<UserOut>, AppError> {
    let rows = repo::list(conn, owner, q, after, limit).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// `PATCH /users/{id}` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub name: Option<String>,
    pub locale: Option<Locale>,
    /// Disabling ends every session of the user at once.
    pub disabled: Option<bool>,
}

/// Updates or disables a user.
pub async fn update_user(
    ctx: &Ctx,
    who: &Principal,
    id: UserId,
    patch: UserPatch,
) -> Result<UserOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let user = user_in_scope(&mut conn, who, id).await?;
    if patch.disabled == Some(true) && user.id == who.user_id {
        return Err(AppError::conflict(
            ErrorCode::CannotDisableSelf,
            "You cannot disable your own account.",
        ));
    }
    let name = match patch.name.as_deref() {
        Some(n) => {
            Some(validation::text("name", n, 200).map_err(|e| AppError::Validation(vec![e]))?)
        }
        None => None,
    };
    let now = ctx.clock.now();
    let updated = conn
        .transaction(async |conn| -> Result<User, AppError> {
            let updated = repo::update(
                conn,
                user.id,
                name.as_deref(),
                patch.locale.map(Locale::as_str),
                patch.disabled,
                now,
            )
            .await?;
            let mut data =
                json!({"name": name, "locale": patch.locale, "disabled": patch.disabled});
            if patch.disabled == Some(true) && !user.disabled {
                data["sessions_revoked"] =
                    json!(repo::revoke_sessions_of(conn, &[user.id], now, "user_disabled").await?);
            }
            audit::record(
                conn,
                now,
                Event::platform(who.actor(), "user.updated", "user", user.id, data)
                    .in_cooperative(user.cooperative_id),
            )
            .await?;
            Ok(updated)
        })
        .await?;
    Ok(updated.into())
}

/// Users of one member company (its cooperative's admins, platform admins).
pub async fn list_member_users(
    ctx: &Ctx,
    who: &Principal,
    member_id: MemberId,
    limit: i64,
) -> Result<Vec<UserOut>, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let member = coop_repo::find_member(&mut conn, member_id)
        .await?
        .ok_or(AppError::NotFound)?;
    who.in_cooperative(member.cooperative_id, &[Role::CoopAdmin])?;
    page_of(&mut conn, Owner::Member(member.id), None, None, limit).await
}

/// A cooperative's admins (its admins, platform admins).
pub async fn list_coop_admins(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    limit: i64,
) -> Result<Vec<UserOut>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = cooperative_in_scope(&mut conn, who, coop_id, &[Role::CoopAdmin]).await?;
    page_of(&mut conn, Owner::CoopAdmins(coop.id), None, None, limit).await
}
