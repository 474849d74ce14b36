//! A member's pages, phone first: the home content (open rounds with what the member
//! entered, recent allocations), the member's view of `/rounds` and `/rounds/{id}` (demand
//! entry while the round is open, read-only after), and editing or deleting its own lines.
//!
//! Everything goes through the services the API calls (`rounds::service`,
//! `purchase_orders::service`), which show a member only its own lines and allocations;
//! adding and deleting lines run under a per-render form key through the API's idempotency
//! store ([`crate::web::idempotent`]), so a double click stores one line.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::rounds::{catalog, material_label};
use super::{Fmt, FormErrors};
use crate::api::pagination::MAX_LIMIT;
use crate::auth::{Locale, Principal};
use crate::decimal;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::i18n::demand::{self as words, DemandMsgs};
use crate::i18n::format;
use crate::ids::{DemandLineId, MaterialId, RoundId};
use crate::materials::units;
use crate::purchase_orders::models::PurchaseOrderOut;
use crate::purchase_orders::service as po_service;
use crate::rounds::models::{DemandOut, RoundOut, RoundStatus};
use crate::rounds::service::{self as round_service, DemandPatch, NewDemand};
use crate::state::AppState;
use crate::web::idempotent::{new_key, once_fields as once};
use crate::web::render::{page, page_with, see_other};
use crate::web::session::Page;
use crate::web::{forms, Routes};

/// The member's demand routes (`/rounds` and `/rounds/{id}` dispatch here for members).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/rounds/{id}/own-demand").post(add_line));
    cfg.service(
        Routes::at("/rounds/{id}/own-demand/{line}")
            .get(edit_form)
            .post(edit_save),
    );
    cfg.service(Routes::at("/rounds/{id}/own-demand/{line}/delete").post(delete_line));
}

/// A material of the round as the entry form offers it.
struct MaterialRow {
    id: MaterialId,
    label: String,
    base_unit: String,
    /// Units whose quantities convert exactly to the base unit.
    units: Vec<&'static str>,
}

/// What a demand form holds (as typed, so it can be shown again).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct LineForm {
    #[serde(default)]
    material_id: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    required_by: String,
    #[serde(default)]
    delivery_site: String,
    #[serde(default, rename = "_key")]
    key: String,
}

/// One material's entry form.
struct Entry {
    material: MaterialRow,
    form: LineForm,
    errors: FormErrors,
}

/// An own line with its material's name.
struct LineRow {
    line: DemandOut,
    name: String,
    /// The key of its delete form.
    key: String,
}

#[derive(Template)]
#[template(path = "web/demand/round.html")]
struct RoundPage<'a> {
    page: &'a Page,
    m: &'static DemandMsgs,
    f: Fmt,
    round: RoundOut,
    open: bool,
    entries: Vec<Entry>,
    lines: Vec<LineRow>,
    failed: bool,
}

#[derive(Template)]
#[template(path = "web/demand/rounds.html")]
struct RoundsPage<'a> {
    page: &'a Page,
    m: &'static DemandMsgs,
    f: Fmt,
    rounds: Vec<(RoundOut, usize)>,
}

#[derive(Template)]
#[template(path = "web/demand/home.html")]
struct HomePage<'a> {
    page: &'a Page,
    m: &'static DemandMsgs,
    f: Fmt,
    rounds: Vec<(RoundOut, usize)>,
    allocations: Vec<AllocationRow>,
}

#[derive(Template)]
#[template(path = "web/demand/edit.html")]
struct EditPage<'a> {
    page: &'a Page,
    m: &'static DemandMsgs,
    f: Fmt,
    round: RoundOut,
    material: MaterialRow,
    line: DemandOut,
    form: LineForm,
    errors: FormErrors,
}

/// One allocation of the member on a PO line.
struct AllocationRow {
    po: PurchaseOrderOut,
    material: String,
    quantity: Decimal,
    unit: String,
    amount_base: Decimal,
}

/// The round's materials, in catalogue order.
async fn materials_of(
    state: &AppState,
    who: &Principal,
    round: &RoundOut,
    locale: Locale,
) -> Result<Vec<MaterialRow>, AppError> {
    let catalog = catalog(state, who, round.cooperative_id).await?;
    Ok(catalog
        .into_iter()
        .filter(|m| round.material_ids.contains(&m.id))
        .map(|m| MaterialRow {
            id: m.id,
            label: material_label(&m, locale),
            units: units::convertible_to(&m.unit),
            base_unit: m.unit,
        })
        .collect())
}

async fn own_lines(
    state: &AppState,
    who: &Principal,
    round: RoundId,
) -> Result<Vec<DemandOut>, AppError> {
    round_service::list_demand(state, who, round, None, i64::from(MAX_LIMIT)).await
}

/// Open rounds of the member's cooperative with how many lines the member entered.
async fn rounds_with_counts(
    state: &AppState,
    who: &Principal,
    only_open: bool,
) -> Result<Vec<(RoundOut, usize)>, AppError> {
    let coop = who.cooperative_id.ok_or(AppError::Forbidden)?;
    let rounds = round_service::list_rounds(state, who, coop, None, 50).await?;
    let mut out = Vec::new();
    for r in rounds {
        if only_open && r.status != RoundStatus::Open {
            continue;
        }
        let n = own_lines(state, who, r.id).await?.len();
        out.push((r, n));
    }
    Ok(out)
}

/// The member's home content: open rounds with a countdown and what the member entered;
/// recent allocations (own quantity and cost share per PO line).
pub async fn member_home(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let rounds = rounds_with_counts(&state, &who, true).await?;
    let pos = po_service::list(&state, &who, None, 10).await?;
    let mut allocations = Vec::new();
    for po in pos {
        for a in &po.allocations {
            if who.member_id != Some(a.member_id) {
                continue;
            }
            let Some(line) = po.lines.iter().find(|l| l.id == a.po_line_id) else {
                continue;
            };
            allocations.push(AllocationRow {
                material: format!("{} ({})", line.material_name, line.material_code),
                quantity: a.quantity,
                unit: line.unit.clone(),
                amount_base: a.amount_base,
                po: po.clone(),
            });
        }
    }
    let f = Fmt::of(&state, &p, &who).await?;
    page(&HomePage {
        m: words::msgs(p.locale),
        page: &p,
        f,
        rounds,
        allocations,
    })
}

/// `GET /rounds` for a member: the cooperative's rounds (no drafts) with own line counts.
pub async fn member_rounds(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let rounds = rounds_with_counts(&state, &who, false).await?;
    let f = Fmt::of(&state, &p, &who).await?;
    page(&RoundsPage {
        m: words::msgs(p.locale),
        page: &p,
        f,
        rounds,
    })
}

/// `GET /rounds/{id}` for a member: entry forms while open, own lines.
pub async fn member_round(
    state: web::Data<AppState>,
    p: Page,
    id: RoundId,
) -> Result<HttpResponse, AppError> {
    render_round(&state, &p, id, None, StatusCode::OK).await
}

/// Renders the round page; `failed` is the material form that failed, with its input.
async fn render_round(
    state: &AppState,
    p: &Page,
    id: RoundId,
    failed: Option<(LineForm, FormErrors)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let round = round_service::get_round(state, &who, id).await?;
    let materials = materials_of(state, &who, &round, p.locale).await?;
    let names: HashMap<MaterialId, String> =
        materials.iter().map(|m| (m.id, m.label.clone())).collect();
    let mut own = own_lines(state, &who, id).await?;
    own.sort_by_key(|l| l.created_at);
    // The site typed last is the likeliest next one.
    let last_site = own
        .last()
        .map(|l| l.delivery_site.clone())
        .unwrap_or_default();
    let had_failure = failed.is_some();
    let mut failed = failed;
    let entries = materials
        .into_iter()
        .map(|material| {
            let mine = failed
                .as_ref()
                .is_some_and(|(f, _)| f.material_id == material.id.to_string());
            let (form, errors) = if mine {
                let (mut form, errors) = failed.take().unwrap_or_default();
                form.key = new_key();
                (form, errors)
            } else {
                (
                    LineForm {
                        material_id: material.id.to_string(),
                        unit: material.base_unit.clone(),
                        delivery_site: last_site.clone(),
                        key: new_key(),
                        ..LineForm::default()
                    },
                    FormErrors::default(),
                )
            };
            Entry {
                material,
                form,
                errors,
            }
        })
        .collect();
    let lines = own
        .into_iter()
        .map(|line| LineRow {
            name: names.get(&line.material_id).cloned().unwrap_or_default(),
            line,
            key: new_key(),
        })
        .collect();
    let f = Fmt::of(state, p, &who).await?;
    page_with(
        status,
        &RoundPage {
            m: words::msgs(p.locale),
            page: p,
            f,
            open: round.status == RoundStatus::Open,
            round,
            entries,
            lines,
            failed: had_failure,
        },
    )
}

/// The service's field errors in the member's words.
fn localize(p: &Page, errors: &[FieldError]) -> FormErrors {
    let m = words::msgs(p.locale);
    FormErrors::localized(p.t, errors, |code| m.field_error(code))
}

/// The typed quantity and date, or the form's errors.
fn parse_form(p: &Page, form: &LineForm) -> Result<(Decimal, NaiveDate), FormErrors> {
    let m = words::msgs(p.locale);
    let mut errors = FormErrors::default();
    let quantity = match forms::number(&form.quantity) {
        None => {
            errors.push("quantity", p.t.field_error(ErrorCode::Required));
            None
        }
        Some(s) => match decimal::parse(&s) {
            Ok(q) => Some(q),
            Err(_) => {
                errors.push("quantity", m.not_a_number());
                None
            }
        },
    };
    let date = match NaiveDate::parse_from_str(form.required_by.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) if form.required_by.trim().is_empty() => {
            errors.push("required_by", p.t.field_error(ErrorCode::Required));
            None
        }
        Err(_) => {
            errors.push("required_by", m.not_a_date());
            None
        }
    };
    match (quantity, date) {
        (Some(q), Some(d)) if !errors.any() => Ok((q, d)),
        _ => Err(errors),
    }
}

/// `POST /rounds/{id}/own-demand`: adds a line (once per form key).
async fn add_line(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
    form: web::Form<LineForm>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let id = id.into_inner();
    let form = form.into_inner();
    // The form's own errors, or the service's.
    let errors = match parse_form(&p, &form) {
        Err(errors) => errors,
        Ok((quantity, required_by)) => {
            let Ok(material_id) = form.material_id.parse::<uuid::Uuid>().map(MaterialId) else {
                return Err(AppError::NotFound);
            };
            let path = format!("/rounds/{id}/own-demand");
            let fields = [
                ("path", path.as_str()),
                ("material_id", form.material_id.as_str()),
                ("quantity", form.quantity.as_str()),
                ("unit", form.unit.as_str()),
                ("required_by", form.required_by.as_str()),
                ("delivery_site", form.delivery_site.as_str()),
            ];
            let input = NewDemand {
                material_id,
                quantity,
                unit: form.unit.clone(),
                required_by,
                delivery_site: form.delivery_site.clone(),
                member_id: None,
            };
            let done = once(&state, &who, &form.key, &fields, || async {
                round_service::submit_demand(&state, &who, id, input).await?;
                Ok(see_other(&format!("/rounds/{id}#my-lines")))
            })
            .await;
            match done {
                Err(AppError::Validation(errs)) => localize(&p, &errs),
                other => return other,
            }
        }
    };
    let again = Some((form, errors));
    render_round(&state, &p, id, again, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The member's own line `line` of round `id` (404 otherwise).
async fn own_line(
    state: &AppState,
    who: &Principal,
    id: RoundId,
    line: DemandLineId,
) -> Result<DemandOut, AppError> {
    own_lines(state, who, id)
        .await?
        .into_iter()
        .find(|l| l.id == line)
        .ok_or(AppError::NotFound)
}

async fn render_edit(
    state: &AppState,
    p: &Page,
    id: RoundId,
    line: DemandOut,
    form: Option<(LineForm, FormErrors)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let round = round_service::get_round(state, &who, id).await?;
    if round.status != RoundStatus::Open {
        // Read-only after the close: back to the round, which says so.
        return Ok(see_other(&format!("/rounds/{id}")));
    }
    let material = materials_of(state, &who, &round, p.locale)
        .await?
        .into_iter()
        .find(|m| m.id == line.material_id)
        .ok_or(AppError::NotFound)?;
    let (form, errors) = form.unwrap_or_else(|| {
        (
            LineForm {
                material_id: line.material_id.to_string(),
                quantity: format::number(line.quantity),
                unit: line.unit.clone(),
                required_by: line.required_by.to_string(),
                delivery_site: line.delivery_site.clone(),
                key: String::new(),
            },
            FormErrors::default(),
        )
    });
    let f = Fmt::of(state, p, &who).await?;
    page_with(
        status,
        &EditPage {
            m: words::msgs(p.locale),
            page: p,
            f,
            round,
            material,
            line,
            form,
            errors,
        },
    )
}

/// `GET /rounds/{id}/own-demand/{line}`: the edit form of an own line.
async fn edit_form(
    state: web::Data<AppState>,
    p: Page,
    path: web::Path<(RoundId, DemandLineId)>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let (id, line) = path.into_inner();
    let line = own_line(&state, &who, id, line).await?;
    render_edit(&state, &p, id, line, None, StatusCode::OK).await
}

/// `POST /rounds/{id}/own-demand/{line}`: saves an own line while the round is open.
async fn edit_save(
    state: web::Data<AppState>,
    p: Page,
    path: web::Path<(RoundId, DemandLineId)>,
    form: web::Form<LineForm>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let (id, line_id) = path.into_inner();
    let line = own_line(&state, &who, id, line_id).await?;
    let form = form.into_inner();
    // The form's own errors, or the service's.
    let errors = match parse_form(&p, &form) {
        Err(errors) => errors,
        Ok((quantity, required_by)) => {
            let patch = DemandPatch {
                quantity: Some(quantity),
                unit: Some(form.unit.clone()),
                required_by: Some(required_by),
                delivery_site: Some(form.delivery_site.clone()),
            };
            match round_service::update_demand(&state, &who, line_id, patch).await {
                Ok(_) => return Ok(see_other(&format!("/rounds/{id}#my-lines"))),
                Err(AppError::Validation(errs)) => localize(&p, &errs),
                Err(e) => return Err(e),
            }
        }
    };
    let again = Some((form, errors));
    render_edit(
        &state,
        &p,
        id,
        line,
        again,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The delete form's fields.
#[derive(Debug, Deserialize)]
struct DeleteForm {
    #[serde(default, rename = "_key")]
    key: String,
}

/// `POST /rounds/{id}/own-demand/{line}/delete`: deletes an own line while the round is
/// open (once per form key: a double click answers the first deletion's redirect).
async fn delete_line(
    state: web::Data<AppState>,
    p: Page,
    path: web::Path<(RoundId, DemandLineId)>,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let (id, line) = path.into_inner();
    let target = format!("/rounds/{id}/own-demand/{line}/delete");
    once(&state, &who, &form.key, &[("path", &target)], || async {
        // Only the member's own line of this round.
        own_line(&state, &who, id, line).await?;
        round_service::delete_demand(&state, &who, line).await?;
        Ok(see_other(&format!("/rounds/{id}#my-lines")))
    })
    .await
}
