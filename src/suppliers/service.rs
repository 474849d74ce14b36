//! Use cases of suppliers.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::repo::{self, Supplier};
use crate::audit::{self, Event};
use crate::auth::{Locale, Principal, Role};
use crate::context::Ctx;
use crate::cooperatives::repo as coop_repo;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::ids::SupplierId;
use crate::validation::Collect;
use crate::webhooks::address;
use crate::{db, reference, validation};

/// `POST /suppliers` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSupplier {
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Required for Korean suppliers (checked), not used for others.
    pub business_number: Option<String>,
    /// Required for suppliers outside Korea.
    pub tax_id: Option<String>,
    /// ISO 4217.
    pub default_currency: String,
    pub contact_email: String,
    /// Default `ko` for Korean suppliers, else `en`.
    pub locale: Option<Locale>,
    /// `https://` URL notified of RFQs (loopback `http://` only with
    /// `COPROCURE_ALLOW_LOOPBACK_WEBHOOKS=1`).
    pub webhook_url: Option<String>,
}

/// Whether the caller may see the webhook signing key.
fn shows_secret(who: &Principal, s: &Supplier) -> bool {
    who.role == Role::PlatformAdmin || who.supplier_id == Some(s.id)
}

/// Whether the caller may see a supplier's integration details: platform admins, the
/// supplier's own users, and the user who registered it.
fn shows_webhook(who: &Principal, s: &Supplier) -> bool {
    who.role == Role::PlatformAdmin
        || who.supplier_id == Some(s.id)
        || s.created_by == Some(who.user_id)
}

/// Whether the supplier is in the viewing cooperative's country.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Domestic,
    Overseas,
}

/// Origin of a supplier relative to a cooperative's country.
pub fn origin(supplier_country: &str, cooperative_country: &str) -> Origin {
    if supplier_country == cooperative_country {
        Origin::Domestic
    } else {
        Origin::Overseas
    }
}

/// A supplier as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierOut {
    pub id: SupplierId,
    pub name: String,
    pub country: String,
    /// `123-45-67890` (Korean suppliers).
    pub business_number: Option<String>,
    pub tax_id: Option<String>,
    pub default_currency: String,
    pub contact_email: String,
    pub locale: Locale,
    pub webhook_url: Option<String>,
    /// Hex key of the webhook signatures (`X-Coprocure-Signature: sha256=<hex HMAC-SHA256
    /// of the raw body>`); shown only to the supplier's own users (who verify) and platform
    /// admins — never to a cooperative, which could otherwise forge deliveries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// Relative to the caller's cooperative (absent for platform admins and suppliers).
    pub origin: Option<Origin>,
    pub created_at: DateTime<Utc>,
}

impl SupplierOut {
    fn new(s: Supplier, coop_country: Option<&str>, show_webhook: bool, show_secret: bool) -> Self {
        Self {
            webhook_url: if show_webhook {
                s.webhook_url.clone()
            } else {
                None
            },
            webhook_secret: (show_secret && s.webhook_url.is_some())
                .then(|| hex::encode(&s.webhook_secret)),
            origin: coop_country.map(|c| origin(&s.country, c)),
            business_number: s
                .business_number
                .as_deref()
                .map(reference::format_kr_business_number),
            id: s.id,
            name: s.name,
            country: s.country,
            tax_id: s.tax_id,
            default_currency: s.default_currency,
            contact_email: s.contact_email,
            locale: Locale::parse(&s.locale).unwrap_or(Locale::En),
            created_at: s.created_at,
        }
    }
}

async fn caller_country(
    conn: &mut diesel_async::AsyncPgConnection,
    who: &Principal,
) -> Result<Option<String>, AppError> {
    match (who.role, who.cooperative_id) {
        (Role::CoopAdmin | Role::Member, Some(c)) => Ok(coop_repo::find_cooperative(conn, c)
            .await?
            .map(|c| c.country)),
        _ => Ok(None),
    }
}

/// Registers a supplier (platform admins, coop admins).
pub async fn create(
    ctx: &Ctx,
    who: &Principal,
    input: NewSupplier,
) -> Result<SupplierOut, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let mut errors = Vec::new();
    let name = validation::text("name", &input.name, 200).collect_into(&mut errors);
    let country = reference::country("country", &input.country).collect_into(&mut errors);
    let currency =
        reference::currency("default_currency", &input.default_currency).collect_into(&mut errors);
    let email = validation::email("contact_email", &input.contact_email).collect_into(&mut errors);
    let webhook = match input
        .webhook_url
        .as_deref()
        .filter(|w| !w.trim().is_empty())
    {
        Some(w) => address::url("webhook_url", w, ctx.settings.allow_loopback_webhooks)
            .collect_into(&mut errors)
            .map(Some),
        None => Some(None),
    };
    let (business_number, tax_id) = match country.as_deref() {
        Some("KR") => match input.business_number.as_deref() {
            Some(b) => (
                reference::kr_business_number("business_number", b)
                    .collect_into(&mut errors)
                    .map(Some),
                Some(None),
            ),
            None => {
                errors.push(FieldError::new(
                    "business_number",
                    ErrorCode::Required,
                    "is required for Korean suppliers",
                ));
                (None, None)
            }
        },
        Some(_) => match input.tax_id.as_deref() {
            Some(t) => (
                Some(None),
                reference::tax_id("tax_id", t)
                    .collect_into(&mut errors)
                    .map(Some),
            ),
            None => {
                errors.push(FieldError::new(
                    "tax_id",
                    ErrorCode::Required,
                    "is required for suppliers outside Korea",
                ));
                (None, None)
            }
        },
        None => (None, None),
    };
    let (
        Some(name),
        Some(country),
        Some(currency),
        Some(email),
        Some(webhook),
        Some(business_number),
        Some(tax_id),
        true,
    ) = (
        name,
        country,
        currency,
        email,
        webhook,
        business_number,
        tax_id,
        errors.is_empty(),
    )
    else {
        return Err(AppError::Validation(errors));
    };
    let locale = input.locale.unwrap_or(if country == "KR" {
        Locale::Ko
    } else {
        Locale::En
    });
    let mut secret = vec![0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
    let now = ctx.clock.now();
    let supplier = Supplier {
        id: SupplierId::new(),
        name,
        country,
        business_number,
        tax_id,
        default_currency: currency,
        contact_email: email,
        locale: locale.as_str().to_owned(),
        webhook_url: webhook,
        webhook_secret: secret,
        created_by: Some(who.user_id),
        created_at: now,
        updated_at: now,
    };
    let mut conn = db::conn(&ctx.pool).await?;
    let country_of_caller = caller_country(&mut conn, who).await?;
    let supplier = conn
        .transaction(async |conn| -> Result<Supplier, AppError> {
            let s = repo::insert(conn, &supplier).await?;
            audit::record(
                conn,
                now,
                Event::platform(
                    who.actor(),
                    "supplier.created",
                    "supplier",
                    s.id,
                    json!({"name": s.name, "country": s.country}),
                )
                .in_cooperative(who.cooperative_id),
            )
            .await?;
            Ok(s)
        })
        .await?;
    let (show, secret) = (shows_webhook(who, &supplier), shows_secret(who, &supplier));
    Ok(SupplierOut::new(
        supplier,
        country_of_caller.as_deref(),
        show,
        secret,
    ))
}

/// `GET /suppliers/{id}`: any supplier for admins, only its own for a supplier user.
pub async fn get(ctx: &Ctx, who: &Principal, id: SupplierId) -> Result<SupplierOut, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Supplier])?;
    if who.role == Role::Supplier && who.supplier_id != Some(id) {
        return Err(AppError::NotFound);
    }
    let mut conn = db::conn(&ctx.pool).await?;
    let s = repo::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let country = caller_country(&mut conn, who).await?;
    let (show, secret) = (shows_webhook(who, &s), shows_secret(who, &s));
    Ok(SupplierOut::new(s, country.as_deref(), show, secret))
}

/// `GET /suppliers`: the directory for admins, only itself for a supplier user.
pub async fn list(
    ctx: &Ctx,
    who: &Principal,
    q: Option<&str>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<SupplierOut>, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Supplier])?;
    let only = if who.role == Role::Supplier {
        who.supplier_id
    } else {
        None
    };
    let mut conn = db::conn(&ctx.pool).await?;
    let country = caller_country(&mut conn, who).await?;
    let rows = repo::list(&mut conn, only, q, after, limit).await?;
    Ok(rows
        .into_iter()
        .map(|s| {
            let (show, secret) = (shows_webhook(who, &s), shows_secret(who, &s));
            SupplierOut::new(s, country.as_deref(), show, secret)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_relative_to_the_cooperative() {
        assert_eq!(origin("KR", "KR"), Origin::Domestic);
        assert_eq!(origin("VN", "KR"), Origin::Overseas);
    }
}
