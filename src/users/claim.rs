//! Self-onboarding of suppliers: when an RFQ is published to a supplier that has no active
//! user, the invitation email to its contact address carries a one-time link to claim an
//! account for that address. The link works once, expires with the RFQ's deadline, and
//! makes a user of that supplier only (its first supplier admin). Only the SHA-256 of the
//! token is stored (`supplier_claims`).

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::repo::{self, NewClaim};
use super::service::UserOut;
use crate::audit::{self, Actor, Event};
use crate::auth::models::{NewUser, User};
use crate::auth::repo as auth_repo;
use crate::auth::{password, tokens, Locale, Role};
use crate::context::Ctx;
use crate::error::{AppError, ErrorCode};
use crate::ids::{RfqId, UserId};
use crate::suppliers::repo::{self as supplier_repo, Supplier};
use crate::{db, validation};

/// In the publishing transaction: a claim token for `supplier`'s contact address if the
/// supplier has no active user and no account uses that address yet (an invited user has
/// its own link); `None` otherwise. Expires at `deadline`.
pub async fn issue(
    conn: &mut AsyncPgConnection,
    supplier: &Supplier,
    rfq: RfqId,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    if deadline <= now || repo::supplier_has_active_user(conn, supplier.id).await? {
        return Ok(None);
    }
    let email = supplier.contact_email.to_lowercase();
    if auth_repo::find_user_by_email(conn, &email).await?.is_some() {
        return Ok(None);
    }
    let token = tokens::generate()?;
    repo::insert_claim(
        conn,
        &NewClaim {
            token_hash: tokens::digest(&token),
            supplier_id: supplier.id,
            rfq_id: rfq,
            email,
            created_at: now,
            expires_at: deadline,
        },
    )
    .await?;
    Ok(Some(token))
}

/// What an open claim link is for.
#[derive(Debug, Clone)]
pub struct Claimable {
    pub email: String,
    pub supplier: String,
    pub rfq_id: RfqId,
}

/// The claim of `token` if it is open (unused, before the deadline, its address unused).
pub async fn open(ctx: &Ctx, token: &str) -> Result<Option<Claimable>, AppError> {
    let now = ctx.clock.now();
    let mut conn = db::conn(&ctx.pool).await?;
    let Some(c) = repo::find_claim(&mut conn, &tokens::digest(token.trim()), false).await? else {
        return Ok(None);
    };
    if c.used_at.is_some() || c.expires_at <= now {
        return Ok(None);
    }
    if auth_repo::find_user_by_email(&mut conn, &c.email)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let Some(s) = supplier_repo::find(&mut conn, c.supplier_id).await? else {
        return Ok(None);
    };
    Ok(Some(Claimable {
        email: c.email,
        supplier: s.name,
        rfq_id: c.rfq_id,
    }))
}

/// `POST /auth/claim` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimAccount {
    /// The token from the RFQ invitation's claim link.
    pub token: String,
    /// The new account's password.
    pub password: String,
    /// The person's name (default: the supplier's name).
    pub name: Option<String>,
}

/// The account made from a claim.
#[derive(Debug, Serialize, ToSchema)]
pub struct Claimed {
    pub user: UserOut,
    /// The RFQ whose invitation carried the link (where to go next).
    pub rfq_id: RfqId,
}

fn invalid_claim() -> AppError {
    AppError::invalid(
        "token",
        ErrorCode::InvalidClaim,
        "this account link is unknown, already used or expired",
    )
}

/// Creates the supplier's account for the claimed address (a supplier admin, in the
/// supplier's language) with `password`; the link works once, until the RFQ's deadline.
pub async fn claim(ctx: &Ctx, input: ClaimAccount) -> Result<Claimed, AppError> {
    let now = ctx.clock.now();
    let hash = tokens::digest(input.token.trim());
    let (c, supplier) = {
        let mut conn = db::conn(&ctx.pool).await?;
        let c = repo::find_claim(&mut conn, &hash, false)
            .await?
            .filter(|c| c.used_at.is_none() && c.expires_at > now)
            .ok_or_else(invalid_claim)?;
        let s = supplier_repo::find(&mut conn, c.supplier_id)
            .await?
            .ok_or_else(invalid_claim)?;
        (c, s)
    };
    let name = match input.name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => {
            validation::text("name", n, 200).map_err(|e| AppError::Validation(vec![e]))?
        }
        _ => supplier.name.clone(),
    };
    password::check_policy("password", &input.password, Some(&c.email))
        .map_err(|e| AppError::Validation(vec![e]))?;
    let password_hash = password::hash_blocking(input.password).await?;
    let mut conn = db::conn(&ctx.pool).await?;
    let user = conn
        .transaction(async |conn| -> Result<User, AppError> {
            // Re-checked under the row lock: two concurrent claims cannot both succeed.
            match repo::find_claim(conn, &hash, true).await? {
                Some(r) if r.used_at.is_none() && r.expires_at > now => {}
                _ => return Err(invalid_claim()),
            }
            let new = NewUser {
                id: UserId::new(),
                email: c.email.clone(),
                name: name.clone(),
                password_hash: Some(password_hash.clone()),
                role: Role::Supplier,
                cooperative_id: None,
                member_id: None,
                supplier_id: Some(supplier.id),
                locale: Locale::parse(&supplier.locale).unwrap_or(Locale::En),
                password_changed_at: Some(now),
                created_at: now,
                updated_at: now,
            };
            // An account made for the address meanwhile (an invitation) wins.
            let user = auth_repo::insert_user(conn, &new)
                .await
                .map_err(AppError::from)
                .map_err(|e| match e {
                    AppError::Validation(_) => invalid_claim(),
                    other => other,
                })?;
            let user = repo::set_supplier_admin(conn, user.id, true, now).await?;
            repo::use_claim(conn, &hash, user.id, now).await?;
            let data = json!({"email": user.email, "supplier_id": supplier.id, "rfq_id": c.rfq_id});
            audit::record(
                conn,
                now,
                Event::platform(Actor::User(user.id), "user.claimed", "user", user.id, data),
            )
            .await?;
            Ok(user)
        })
        .await?;
    Ok(Claimed {
        user: user.into(),
        rfq_id: c.rfq_id,
    })
}
