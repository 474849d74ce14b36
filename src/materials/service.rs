//! Use cases of the material catalog.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::repo::{self, Material, MaterialUpdateForm};
use super::units;
use crate::audit::{self, Event};
use crate::auth::{Principal, Role};
use crate::context::Ctx;
use crate::cooperatives::service::cooperative_in_scope;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::ids::{CooperativeId, MaterialId};
use crate::validation::Collect;
use crate::{db, validation};

/// `POST /cooperatives/{id}/materials` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMaterial {
    /// Unique in the cooperative: letters, digits, `.`, `_`, `-` (stored upper case).
    pub code: String,
    pub name: String,
    pub name_ko: Option<String>,
    /// `raw` or `subsidiary`.
    pub kind: String,
    /// Harmonized System code, 6–10 digits (dots allowed).
    pub hs_code: Option<String>,
    /// Base unit (UN/CEFACT Rec 20 code, see `GET /units`).
    pub unit: String,
    pub spec: Option<String>,
}

/// `PATCH /materials/{id}` body. Code and unit are fixed once created (demand refers to
/// them); an empty string clears `name_ko`, `hs_code` or `spec`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialPatch {
    pub name: Option<String>,
    pub name_ko: Option<String>,
    pub kind: Option<String>,
    pub hs_code: Option<String>,
    pub spec: Option<String>,
}

/// A material as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialOut {
    pub id: MaterialId,
    pub cooperative_id: CooperativeId,
    pub code: String,
    pub name: String,
    pub name_ko: Option<String>,
    pub kind: String,
    pub hs_code: Option<String>,
    pub unit: String,
    pub spec: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Material> for MaterialOut {
    fn from(m: Material) -> Self {
        Self {
            id: m.id,
            cooperative_id: m.cooperative_id,
            code: m.code,
            name: m.name,
            name_ko: m.name_ko,
            kind: m.kind,
            hs_code: m.hs_code,
            unit: m.unit,
            spec: m.spec,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

fn code(field: &str, raw: &str) -> Result<String, FieldError> {
    let c = raw.trim().to_ascii_uppercase();
    let ok = !c.is_empty()
        && c.len() <= 32
        && c.chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_alphanumeric())
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch));
    if ok {
        Ok(c)
    } else {
        Err(FieldError::new(
            field,
            ErrorCode::InvalidCode,
            "must be 1–32 letters, digits, `.`, `_` or `-`",
        ))
    }
}

fn kind(field: &str, raw: &str) -> Result<String, FieldError> {
    match raw.trim() {
        k @ ("raw" | "subsidiary") => Ok(k.to_owned()),
        _ => Err(FieldError::new(
            field,
            ErrorCode::InvalidKind,
            "must be `raw` or `subsidiary`",
        )),
    }
}

fn hs_code(field: &str, raw: &str) -> Result<String, FieldError> {
    let digits: String = raw
        .trim()
        .chars()
        .filter(|c| *c != '.' && *c != ' ')
        .collect();
    if (6..=10).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(FieldError::new(
            field,
            ErrorCode::InvalidHsCode,
            "must be 6–10 digits, e.g. 7403.11",
        ))
    }
}

fn optional_text(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > max => Err(FieldError::new(
            field,
            ErrorCode::TooLong,
            format!("must be at most {max} characters"),
        )),
        // Line breaks and tabs are fine (a spec runs over lines); NUL and the other control
        // characters are not (PostgreSQL refuses NUL in text).
        Some(s)
            if s.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            Err(FieldError::new(
                field,
                ErrorCode::InvalidCharacters,
                "must not contain control characters other than line breaks and tabs",
            ))
        }
        Some(s) => Ok(Some(s.to_owned())),
    }
}

/// Adds a material to a cooperative's catalog (its admins).
pub async fn create(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    input: NewMaterial,
) -> Result<MaterialOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let coop = cooperative_in_scope(&mut conn, who, coop_id, &[Role::CoopAdmin]).await?;
    let mut errors = Vec::new();
    let code = code("code", &input.code).collect_into(&mut errors);
    let name = validation::text("name", &input.name, 200).collect_into(&mut errors);
    let name_ko = optional_text("name_ko", input.name_ko.as_deref(), 200).collect_into(&mut errors);
    let kind = kind("kind", &input.kind).collect_into(&mut errors);
    let hs = match input.hs_code.as_deref().filter(|h| !h.trim().is_empty()) {
        Some(h) => hs_code("hs_code", h).map(Some).collect_into(&mut errors),
        None => Some(None),
    };
    let unit = match units::unit(&input.unit) {
        Some(u) => Some(u.code.to_owned()),
        None => {
            errors.push(FieldError::new(
                "unit",
                ErrorCode::UnknownUnit,
                "is not a supported unit (see GET /api/v1/units)",
            ));
            None
        }
    };
    let spec = optional_text("spec", input.spec.as_deref(), 4000).collect_into(&mut errors);
    let (Some(code), Some(name), Some(name_ko), Some(kind), Some(hs), Some(unit), Some(spec), true) =
        (code, name, name_ko, kind, hs, unit, spec, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    let now = ctx.clock.now();
    let m = Material {
        id: MaterialId::new(),
        cooperative_id: coop.id,
        code,
        name,
        name_ko,
        kind,
        hs_code: hs,
        unit,
        spec,
        created_at: now,
        updated_at: now,
    };
    let m = conn
        .transaction(async |conn| -> Result<Material, AppError> {
            let m = repo::insert(conn, &m).await?;
            audit::record(
                conn,
                now,
                Event::platform(
                    who.actor(),
                    "material.created",
                    "material",
                    m.id,
                    json!({"code": m.code, "name": m.name, "unit": m.unit, "kind": m.kind}),
                )
                .in_cooperative(Some(coop.id)),
            )
            .await?;
            Ok(m)
        })
        .await?;
    Ok(m.into())
}

async fn material_in_scope(
    conn: &mut diesel_async::AsyncPgConnection,
    who: &Principal,
    id: MaterialId,
    roles: &[Role],
) -> Result<Material, AppError> {
    who.require(&[&[Role::PlatformAdmin], roles].concat())?;
    let m = repo::find(conn, id).await?.ok_or(AppError::NotFound)?;
    who.in_cooperative(m.cooperative_id, roles)?;
    Ok(m)
}

/// `GET /materials/{id}` (the cooperative's admins and members).
pub async fn get(ctx: &Ctx, who: &Principal, id: MaterialId) -> Result<MaterialOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    Ok(
        material_in_scope(&mut conn, who, id, &[Role::CoopAdmin, Role::Member])
            .await?
            .into(),
    )
}

/// `GET /cooperatives/{id}/materials`.
pub async fn list(
    ctx: &Ctx,
    who: &Principal,
    coop_id: CooperativeId,
    q: Option<&str>,
    after: Option<(DateTime<Utc>, uuid::Uuid)>,
    limit: i64,
) -> Result<Vec<MaterialOut>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let coop =
        cooperative_in_scope(&mut conn, who, coop_id, &[Role::CoopAdmin, Role::Member]).await?;
    Ok(repo::list(&mut conn, coop.id, q, after, limit)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// `PATCH /materials/{id}` (the cooperative's admins).
pub async fn update(
    ctx: &Ctx,
    who: &Principal,
    id: MaterialId,
    patch: MaterialPatch,
) -> Result<MaterialOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let m = material_in_scope(&mut conn, who, id, &[Role::CoopAdmin]).await?;
    let mut errors = Vec::new();
    let now = ctx.clock.now();
    let form = MaterialUpdateForm {
        name: patch
            .name
            .as_deref()
            .and_then(|n| validation::text("name", n, 200).collect_into(&mut errors)),
        name_ko: patch
            .name_ko
            .as_deref()
            .and_then(|n| optional_text("name_ko", Some(n), 200).collect_into(&mut errors)),
        kind: patch
            .kind
            .as_deref()
            .and_then(|k| kind("kind", k).collect_into(&mut errors)),
        hs_code: patch.hs_code.as_deref().and_then(|h| {
            if h.trim().is_empty() {
                Some(None)
            } else {
                hs_code("hs_code", h).map(Some).collect_into(&mut errors)
            }
        }),
        spec: patch
            .spec
            .as_deref()
            .and_then(|s| optional_text("spec", Some(s), 4000).collect_into(&mut errors)),
        updated_at: Some(now),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let updated = conn
        .transaction(async |conn| -> Result<Material, AppError> {
            let updated = repo::update(conn, m.id, &form).await?;
            let data = json!({"name": form.name, "name_ko": form.name_ko, "kind": form.kind, "hs_code": form.hs_code, "spec_changed": form.spec.is_some()});
            audit::record(conn, now, Event::platform(who.actor(), "material.updated", "material", m.id, data).in_cooperative(Some(m.cooperative_id)))
                .await?;
            Ok(updated)
        })
        .await?;
    Ok(updated.into())
}

/// One supported unit, as `GET /units` lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    /// UN/CEFACT Rec 20 code.
    pub code: &'static str,
    pub name: &'static str,
    pub dimension: units::Dimension,
    /// Exact number of `reference` units in one of this unit (decimal string).
    pub factor: String,
    /// Reference unit of the dimension.
    pub reference: &'static str,
    /// Decimal places a quantity in this unit may carry.
    pub precision: u32,
}

/// Every supported unit.
pub fn list_units() -> Vec<UnitOut> {
    units::UNITS
        .iter()
        .map(|u| UnitOut {
            code: u.code,
            name: u.name,
            dimension: u.dimension,
            factor: u.factor().normalize().to_string(),
            reference: u.reference,
            precision: u.precision,
        })
        .collect()
}
