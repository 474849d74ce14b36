//! RFQ pages. The list and the page every RFQ email links to (buyer and supplier side);
//! for the cooperative's admins also: create from a closed round (lines prefilled from the
//! round's aggregate), the draft as a preview, publish after a confirmation naming who will
//! be emailed, extend the deadline, cancel with a reason.
//!
//! Sealed like the API: before the deadline the buyer side sees only how many quotes were
//! submitted — the pages read nothing else of a quote (the invitations carry delivery
//! counts of the RFQ's own notices, never a quote).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::rounds::{catalog, cooperative_of, form_errors, material_label};
use super::{Fmt, FormErrors};
use crate::api::pagination::MAX_LIMIT;
use crate::auth::Role;
use crate::decimal::{self, Exact};
use crate::error::{AppError, ErrorCode, FieldError};
use crate::i18n::buyer::{self, BuyerMsgs};
use crate::ids::{MaterialId, RfqId, RoundId, SupplierId};
use crate::quotes::models::QuoteOut;
use crate::quotes::service as quote_service;
use crate::rfqs::models::{RfqOut, RfqStatus};
use crate::rfqs::service::{
    self as rfq_service, get_rfq, invitations, list_rfqs, CancelRfq, Invitation, NewRfq, RfqPatch,
    WeightsIn,
};
use crate::rfqs::INCOTERMS;
use crate::rounds::models::{RoundOut, RoundStatus};
use crate::rounds::service::{aggregate_table, get_round};
use crate::state::AppState;
use crate::suppliers::service::{self as supplier_service, Origin};
use crate::web::forms::{self, all, field, fields, local_time, local_value};
use crate::web::render::{page, page_with, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// The RFQ pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/rfqs").get(list))
        .service(Routes::at("/rfqs/{id}").get(detail))
        .service(Routes::at("/rounds/{id}/rfqs/new").get(new_form))
        .service(Routes::at("/rounds/{id}/rfqs").post(create))
        .service(
            Routes::at("/rfqs/{id}/publish")
                .get(publish_form)
                .post(publish),
        )
        .service(Routes::at("/rfqs/{id}/extend").post(extend))
        .service(
            Routes::at("/rfqs/{id}/cancel")
                .get(cancel_form)
                .post(cancel),
        );
}

#[derive(Template)]
#[template(path = "web/rfqs.html")]
struct ListPage<'a> {
    page: &'a Page,
    m: &'static BuyerMsgs,
    f: Fmt,
    role: Role,
    rfqs: Vec<RfqOut>,
}

/// `GET /rfqs`.
pub async fn list(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    if who.role == Role::Supplier {
        return super::quotes::inbox(state, p).await;
    }
    let rfqs = list_rfqs(&state, &who, None, None, 100).await?;
    let f = Fmt::of(&state, &p, &who).await?;
    page(&ListPage {
        page: &p,
        m: buyer::msgs(p.locale),
        f,
        role: who.role,
        rfqs,
    })
}

// ---- detail ----

/// What was typed into the extend form.
#[derive(Debug, Default)]
struct ExtendForm {
    deadline: String,
}

#[derive(Template)]
#[template(path = "web/rfqs/detail.html")]
struct BuyerDetailPage<'a> {
    page: &'a Page,
    m: &'static BuyerMsgs,
    f: Fmt,
    rfq: RfqOut,
    zone_hint: String,
    /// "N of M invited suppliers have quoted".
    submitted: String,
    invited: Vec<Invitation>,
    /// The opened quotes (after the deadline only; the service returns none before).
    quotes: Vec<QuoteOut>,
    /// Before the deadline.
    sealed: bool,
    extend: ExtendForm,
    errors: FormErrors,
}

/// `GET /rfqs/{id}`: the buyer's page, or the invited supplier's.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    if who.role == Role::Supplier {
        return super::quotes::detail(state, p, *id).await;
    }
    render_detail(
        &state,
        &p,
        *id,
        StatusCode::OK,
        ExtendForm::default(),
        FormErrors::default(),
    )
    .await
}

async fn render_detail(
    state: &AppState,
    p: &Page,
    id: RfqId,
    status: StatusCode,
    extend: ExtendForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let rfq = get_rfq(state, &who, id).await?;
    let (coop, tz) = cooperative_of(state, &who, rfq.cooperative_id).await?;
    let invited = invitations(state, &who, id).await?;
    let now = state.clock.now();
    let sealed = now < rfq.deadline;
    // The API's buyer-side quote list: empty until the deadline, whoever asks.
    let quotes = if sealed {
        vec![]
    } else {
        quote_service::list_for_rfq(state, &who, rfq.id)
            .await?
            .items
    };
    let m = buyer::msgs(p.locale);
    let extend = if extend.deadline.is_empty() {
        ExtendForm {
            deadline: local_value(rfq.deadline, tz),
        }
    } else {
        extend
    };
    page_with(
        status,
        &BuyerDetailPage {
            page: p,
            m,
            f: Fmt::new(p, tz, now),
            zone_hint: m.in_zone(&coop.timezone),
            submitted: p
                .t
                .submitted_of(rfq.submitted_count.unwrap_or(0), invited.len()),
            invited,
            quotes,
            sealed,
            rfq,
            extend,
            errors,
        },
    )
}

// ---- create from a closed round ----

/// A line of the create form: a material of the round with demand.
#[derive(Debug)]
struct LineRow {
    material_id: MaterialId,
    label: String,
    hs_code: Option<String>,
    quantity: Decimal,
    unit: String,
    required_by: Option<NaiveDate>,
    on: bool,
    duty: String,
    error: Option<&'static str>,
}

/// A supplier that may be invited.
#[derive(Debug)]
struct SupplierRow {
    id: SupplierId,
    name: String,
    country: String,
    overseas: bool,
    currency: String,
    on: bool,
}

/// An Incoterm: allowed, and its logistics adder.
#[derive(Debug)]
struct TermRow {
    code: &'static str,
    on: bool,
    adder: String,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "web/rfqs/new.html")]
struct NewPage<'a> {
    page: &'a Page,
    m: &'static BuyerMsgs,
    f: Fmt,
    round: RoundOut,
    base_currency: String,
    zone_hint: String,
    lines: Vec<LineRow>,
    suppliers: Vec<SupplierRow>,
    terms: Vec<TermRow>,
    title: String,
    deadline: String,
    delivery_place: String,
    currencies: String,
    weight_price: String,
    weight_lead_time: String,
    errors: FormErrors,
    /// A conflict with the round's state (e.g. a material already in a live RFQ).
    conflict: Option<&'static str>,
}

/// What was typed (or the defaults).
#[derive(Debug, Default)]
struct RfqForm {
    title: String,
    deadline: String,
    delivery_place: String,
    currencies: String,
    weight_price: String,
    weight_lead_time: String,
    materials: Option<Vec<MaterialId>>,
    duties: BTreeMap<MaterialId, String>,
    suppliers: Vec<SupplierId>,
    incoterms: Option<Vec<String>>,
    adders: BTreeMap<String, String>,
}

async fn render_new(
    state: &AppState,
    p: &Page,
    round_id: RoundId,
    status: StatusCode,
    form: RfqForm,
    errors: FormErrors,
    conflict: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::CoopAdmin, Role::PlatformAdmin])?;
    let round = get_round(state, &who, round_id).await?;
    let (coop, tz) = cooperative_of(state, &who, round.cooperative_id).await?;
    let aggregate = aggregate_table(state, &who, round.id).await?;
    let catalog = catalog(state, &who, round.cooperative_id).await?;
    let m = buyer::msgs(p.locale);
    let lines: Vec<LineRow> = aggregate
        .materials
        .into_iter()
        .filter(|a| a.line_count > 0)
        .map(|a| {
            let mat = catalog.iter().find(|c| c.id == a.material_id);
            let field = format!("duty_rates.{}", a.material_id);
            LineRow {
                label: mat.map_or_else(
                    || format!("{} ({})", a.name, a.code),
                    |x| material_label(x, p.locale),
                ),
                hs_code: mat.and_then(|x| x.hs_code.clone()),
                on: form
                    .materials
                    .as_ref()
                    .is_none_or(|ms| ms.contains(&a.material_id)),
                duty: form
                    .duties
                    .get(&a.material_id)
                    .cloned()
                    .unwrap_or_else(|| "0".to_owned()),
                error: errors.get(&field),
                material_id: a.material_id,
                quantity: a.total_quantity,
                unit: a.unit,
                required_by: a.earliest_required_by,
            }
        })
        .collect();
    let suppliers: Vec<SupplierRow> =
        supplier_service::list(state, &who, None, None, i64::from(MAX_LIMIT))
            .await?
            .into_iter()
            .map(|s| SupplierRow {
                on: form.suppliers.contains(&s.id),
                overseas: matches!(s.origin, Some(Origin::Overseas)),
                id: s.id,
                name: s.name,
                country: s.country,
                currency: s.default_currency,
            })
            .collect();
    let terms = INCOTERMS
        .iter()
        .map(|code| {
            let field = format!("logistics_adders.{code}");
            TermRow {
                code,
                on: form
                    .incoterms
                    .as_ref()
                    .is_none_or(|ts| ts.iter().any(|t| t == code)),
                adder: form.adders.get(*code).cloned().unwrap_or_default(),
                error: errors.get(&field),
            }
        })
        .collect();
    let currencies = if form.currencies.is_empty() && form.materials.is_none() {
        let mut cs = vec![coop.base_currency.clone()];
        for s in &suppliers {
            if !cs.contains(&s.currency) {
                cs.push(s.currency.clone());
            }
        }
        cs.join(", ")
    } else {
        form.currencies
    };
    page_with(
        status,
        &NewPage {
            page: p,
            m,
            f: Fmt::new(p, tz, state.clock.now()),
            base_currency: coop.base_currency.clone(),
            zone_hint: m.in_zone(&coop.timezone),
            lines,
            suppliers,
            terms,
            title: if form.title.is_empty() && form.materials.is_none() {
                round.title.clone()
            } else {
                form.title
            },
            deadline: form.deadline,
            delivery_place: form.delivery_place,
            currencies,
            weight_price: if form.weight_price.is_empty() && form.materials.is_none() {
                "1".to_owned()
            } else {
                form.weight_price
            },
            weight_lead_time: if form.weight_lead_time.is_empty() && form.materials.is_none() {
                "0".to_owned()
            } else {
                form.weight_lead_time
            },
            round,
            errors,
            conflict,
        },
    )
}

/// `GET /rounds/{id}/rfqs/new`: the form, prefilled from the closed round's aggregate.
pub async fn new_form(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::CoopAdmin, Role::PlatformAdmin])?;
    let round = get_round(&state, &who, *id).await?;
    if round.status != RoundStatus::Closed {
        return Ok(see_other(&format!("/rounds/{}", round.id)));
    }
    render_new(
        &state,
        &p,
        *id,
        StatusCode::OK,
        RfqForm::default(),
        FormErrors::default(),
        None,
    )
    .await
}

/// A decimal typed into a form (thousands separators allowed); `Err` names what is wrong.
fn decimal_field(raw: &str, name: &str, errs: &mut Vec<FieldError>) -> Option<Decimal> {
    let text = forms::number(raw)?;
    match decimal::parse(&text) {
        Ok(d) => Some(d),
        Err(_) => {
            errs.push(FieldError::new(
                name,
                ErrorCode::InvalidDecimal,
                "not a number",
            ));
            None
        }
    }
}

/// `POST /rounds/{id}/rfqs`: creates the draft, then shows it (the preview).
pub async fn create(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::CoopAdmin, Role::PlatformAdmin])?;
    let round = get_round(&state, &who, *id).await?;
    let (_, tz) = cooperative_of(&state, &who, round.cooperative_id).await?;
    let f = fields(&body);
    let ids = |name: &str| -> Vec<uuid::Uuid> {
        all(&f, name)
            .into_iter()
            .filter_map(|v| v.parse().ok())
            .collect()
    };
    let materials: Vec<MaterialId> = ids("material_ids").into_iter().map(MaterialId).collect();
    let form = RfqForm {
        title: field(&f, "title").to_owned(),
        deadline: field(&f, "deadline").to_owned(),
        delivery_place: field(&f, "delivery_place").to_owned(),
        currencies: field(&f, "currencies").to_owned(),
        weight_price: field(&f, "weight_price").to_owned(),
        weight_lead_time: field(&f, "weight_lead_time").to_owned(),
        duties: f
            .iter()
            .filter_map(|(k, v)| {
                let id = k.strip_prefix("duty.")?.parse().ok()?;
                Some((MaterialId(id), v.clone()))
            })
            .collect(),
        suppliers: ids("supplier_ids").into_iter().map(SupplierId).collect(),
        incoterms: Some(
            all(&f, "incoterms")
                .into_iter()
                .map(str::to_owned)
                .collect(),
        ),
        adders: f
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("adder.")?.to_owned(), v.clone())))
            .collect(),
        materials: Some(materials.clone()),
    };
    let mut errs = Vec::new();
    let deadline = local_time(&form.deadline, tz);
    if deadline.is_none() {
        errs.push(FieldError::new(
            "deadline",
            ErrorCode::Datetime,
            "date and time",
        ));
    }
    let mut duty_rates = BTreeMap::new();
    for m in &materials {
        let raw = form.duties.get(m).map_or("", String::as_str);
        if let Some(d) = decimal_field(raw, &format!("duty_rates.{m}"), &mut errs) {
            duty_rates.insert(*m, Exact(d));
        }
    }
    let mut adders = BTreeMap::new();
    for (term, raw) in &form.adders {
        if let Some(d) = decimal_field(raw, &format!("logistics_adders.{term}"), &mut errs) {
            adders.insert(term.clone(), Exact(d));
        }
    }
    let price = decimal_field(&form.weight_price, "weights.price", &mut errs);
    let lead = decimal_field(&form.weight_lead_time, "weights.lead_time", &mut errs);
    let currencies: Vec<String> = form
        .currencies
        .split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let result = match deadline {
        Some(deadline) if errs.is_empty() => {
            let input = NewRfq {
                title: form.title.clone(),
                deadline,
                supplier_ids: form.suppliers.clone(),
                material_ids: Some(materials.clone()),
                delivery_place: form.delivery_place.clone(),
                currencies: Some(currencies),
                incoterms: form.incoterms.clone(),
                weights: Some(WeightsIn {
                    price: price.unwrap_or(Decimal::ONE),
                    lead_time: lead.unwrap_or(Decimal::ZERO),
                }),
                duty_rates: Some(duty_rates),
                logistics_adders: Some(adders),
            };
            rfq_service::create_rfq(&state, &who, *id, input).await
        }
        _ => Err(AppError::Validation(vec![])),
    };
    let m = buyer::msgs(p.locale);
    match result {
        Ok(r) => Ok(see_other(&format!("/rfqs/{}", r.id))),
        Err(AppError::Validation(more)) => {
            errs.extend(more);
            let errors = form_errors(&p, m, &errs);
            render_new(
                &state,
                &p,
                *id,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
                None,
            )
            .await
        }
        Err(AppError::Conflict { code, .. })
            if code == ErrorCode::MaterialInLiveRfq || code == ErrorCode::RoundNotClosed =>
        {
            let message = if code == ErrorCode::RoundNotClosed {
                m.err_round_not_closed
            } else {
                m.err_material_in_live_rfq
            };
            render_new(
                &state,
                &p,
                *id,
                StatusCode::CONFLICT,
                form,
                FormErrors::default(),
                Some(message),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

// ---- publish ----

#[derive(Template)]
#[template(path = "web/rfqs/publish.html")]
struct PublishPage<'a> {
    page: &'a Page,
    m: &'static BuyerMsgs,
    f: Fmt,
    rfq: RfqOut,
    invited: Vec<Invitation>,
    will_email: String,
    webhooks: bool,
}

/// `GET /rfqs/{id}/publish`: who will be emailed, and the button.
pub async fn publish_form(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::CoopAdmin, Role::PlatformAdmin])?;
    let rfq = get_rfq(&state, &who, *id).await?;
    if rfq.status != RfqStatus::Draft {
        return Ok(see_other(&format!("/rfqs/{}", rfq.id)));
    }
    let (_, tz) = cooperative_of(&state, &who, rfq.cooperative_id).await?;
    let invited = invitations(&state, &who, *id).await?;
    let m = buyer::msgs(p.locale);
    let addresses = invited.iter().map(|i| i.recipients.len()).sum();
    page(&PublishPage {
        page: &p,
        m,
        f: Fmt::new(&p, tz, state.clock.now()),
        will_email: m.will_email(invited.len(), addresses),
        webhooks: invited.iter().any(|i| i.webhook),
        invited,
        rfq,
    })
}

/// `POST /rfqs/{id}/publish`.
pub async fn publish(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let r = rfq_service::publish(&state, &who, *id).await?;
    Ok(see_other(&format!("/rfqs/{}", r.id)))
}

// ---- extend, cancel ----

/// `POST /rfqs/{id}/extend`: a later deadline (the suppliers are told).
pub async fn extend(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::CoopAdmin, Role::PlatformAdmin])?;
    let f = fields(&body);
    let form = ExtendForm {
        deadline: field(&f, "deadline").to_owned(),
    };
    let rfq = get_rfq(&state, &who, *id).await?;
    let (_, tz) = cooperative_of(&state, &who, rfq.cooperative_id).await?;
    let result = match local_time(&form.deadline, tz) {
        Some(deadline) => {
            let patch = RfqPatch {
                deadline: Some(deadline),
                title: None,
                delivery_place: None,
                supplier_ids: None,
            };
            rfq_service::update(&state, &who, *id, patch).await
        }
        None => Err(AppError::Validation(vec![FieldError::new(
            "deadline",
            ErrorCode::Datetime,
            "date and time",
        )])),
    };
    match result {
        Ok(r) => Ok(see_other(&format!("/rfqs/{}", r.id))),
        Err(AppError::Validation(errs)) => {
            let errors = form_errors(&p, buyer::msgs(p.locale), &errs);
            render_detail(
                &state,
                &p,
                *id,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "web/rfqs/cancel.html")]
struct CancelPage<'a> {
    page: &'a Page,
    m: &'static BuyerMsgs,
    rfq: RfqOut,
    reason: String,
    errors: FormErrors,
}

/// `GET /rfqs/{id}/cancel`: the confirmation, with the reason to give.
pub async fn cancel_form(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::CoopAdmin, Role::PlatformAdmin])?;
    let rfq = get_rfq(&state, &who, *id).await?;
    if matches!(rfq.status, RfqStatus::Awarded | RfqStatus::Cancelled) {
        return Ok(see_other(&format!("/rfqs/{}", rfq.id)));
    }
    page(&CancelPage {
        page: &p,
        m: buyer::msgs(p.locale),
        rfq,
        reason: String::new(),
        errors: FormErrors::default(),
    })
}

/// `POST /rfqs/{id}/cancel`.
pub async fn cancel(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let f = fields(&body);
    let reason = field(&f, "reason").to_owned();
    let input = CancelRfq {
        reason: reason.clone(),
    };
    match rfq_service::cancel(&state, &who, *id, input).await {
        Ok(r) => Ok(see_other(&format!("/rfqs/{}", r.id))),
        Err(AppError::Validation(errs)) => {
            let rfq = get_rfq(&state, &who, *id).await?;
            let m = buyer::msgs(p.locale);
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &CancelPage {
                    page: &p,
                    m,
                    rfq,
                    reason,
                    errors: form_errors(&p, m, &errs),
                },
            )
        }
        Err(e) => Err(e),
    }
}
