//! Demand rounds. The cooperative's admins: the list, create (closing time typed and shown
//! in the cooperative's time zone), open, close, cancel (after a confirmation page), demand
//! entered on behalf of a member, the aggregate per material with its breakdown by member
//! and delivery site, and its CSV. Members: their cooperative's rounds and their own demand
//! (the services decide what each role sees; a round outside the viewer's reach is 404).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;

use super::{Fmt, FormErrors};
use crate::api::pagination::MAX_LIMIT;
use crate::auth::{Locale, Principal, Role};
use crate::cooperatives::models::{CooperativeOut, MemberOut};
use crate::cooperatives::service::{get_cooperative, list_members};
use crate::decimal;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::i18n::buyer::{self, BuyerMsgs};
use crate::i18n::format;
use crate::ids::{CooperativeId, MaterialId, MemberId, RoundId};
use crate::materials::service::{self as material_service, MaterialOut};
use crate::rounds::aggregate::{Format, MaterialAggregate};
use crate::rounds::models::{DemandOut, RoundOut, RoundStatus};
use crate::rounds::service::{
    self as round_service, aggregate_table, get_round, list_demand, list_rounds, NewDemand,
    NewRound, Transition,
};
use crate::state::AppState;
use crate::web::forms::{self, all, field, fields, local_time};
use crate::web::render::{csv_download, page, page_with, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// The demand-round pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/rounds").get(list).post(create))
        .service(Routes::at("/rounds/new").get(new_form))
        .service(Routes::at("/rounds/{id}").get(detail))
        .service(Routes::at("/rounds/{id}/open").post(open))
        .service(Routes::at("/rounds/{id}/close").post(close))
        .service(
            Routes::at("/rounds/{id}/cancel")
                .get(cancel_form)
                .post(cancel),
        )
        .service(Routes::at("/rounds/{id}/demand").post(add_demand))
        .service(Routes::at("/rounds/{id}/aggregate.csv").get(csv));
}

// ---- helpers shared with the RFQ pages ----

/// The services' field errors in the viewer's language: this area's words first, then the
/// common ones. A list item's error (`currencies[1]`) is shown on its list.
pub(super) fn form_errors(p: &Page, m: &BuyerMsgs, errors: &[FieldError]) -> FormErrors {
    FormErrors::localized_on(
        p.t,
        errors,
        |code| m.field_error(code.as_str()),
        |field| {
            field
                .split_once('[')
                .map_or(field, |(list, _)| list)
                .to_owned()
        },
    )
}

/// The cooperative whose zone the viewer's round and RFQ pages use.
pub(super) async fn cooperative_of(
    state: &AppState,
    who: &Principal,
    id: CooperativeId,
) -> Result<(CooperativeOut, chrono_tz::Tz), AppError> {
    let coop = get_cooperative(state, who, id).await?;
    let tz = format::zone(&coop.timezone);
    Ok((coop, tz))
}

/// The viewer's own cooperative (coop admins and members; others have no round list).
fn own_cooperative(who: &Principal) -> Result<CooperativeId, AppError> {
    match who.role {
        Role::CoopAdmin | Role::Member => who.cooperative_id.ok_or(AppError::Forbidden),
        _ => Err(AppError::Forbidden),
    }
}

/// `name (code)` of a material in the viewer's language.
pub(super) fn material_label(m: &MaterialOut, locale: Locale) -> String {
    let name = match (&m.name_ko, locale) {
        (Some(n), Locale::Ko) => n.clone(),
        _ => m.name.clone(),
    };
    format!("{name} ({})", m.code)
}

/// The cooperative's whole catalog.
pub(super) async fn catalog(
    state: &AppState,
    who: &Principal,
    coop: CooperativeId,
) -> Result<Vec<MaterialOut>, AppError> {
    material_service::list(state, who, coop, None, None, i64::from(MAX_LIMIT)).await
}

// ---- the list ----

#[derive(Template)]
#[template(path = "web/rounds/list.html")]
struct ListPage<'a> {
    page: &'a Page,
    m: &'static BuyerMsgs,
    f: Fmt,
    admin: bool,
    rounds: Vec<RoundOut>,
}

/// `GET /rounds`: the cooperative's rounds (members: no drafts, as in the API).
pub async fn list(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    if who.role == Role::Member {
        return super::demand::member_rounds(state, p).await;
    }
    let coop = own_cooperative(&who)?;
    let (_, tz) = cooperative_of(&state, &who, coop).await?;
    let rounds = list_rounds(&state, &who, coop, None, i64::from(MAX_LIMIT)).await?;
    page(&ListPage {
        page: &p,
        m: buyer::msgs(p.locale),
        f: Fmt::new(&p, tz, state.clock.now()),
        admin: who.role == Role::CoopAdmin,
        rounds,
    })
}

// ---- create ----

#[derive(Template)]
#[template(path = "web/rounds/new.html")]
struct NewPage<'a> {
    page: &'a Page,
    m: &'static BuyerMsgs,
    zone_hint: String,
    /// The catalog: material, label, ticked.
    catalog: Vec<(MaterialOut, String, bool)>,
    title: String,
    closes_at: String,
    errors: FormErrors,
}

#[allow(clippy::too_many_arguments)]
async fn render_new(
    state: &AppState,
    p: &Page,
    who: &Principal,
    status: StatusCode,
    title: String,
    closes_at: String,
    chosen: Option<Vec<MaterialId>>,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let coop_id = own_cooperative(who)?;
    who.require(&[Role::CoopAdmin])?;
    let (coop, _) = cooperative_of(state, who, coop_id).await?;
    let materials = catalog(state, who, coop_id).await?;
    let chosen = chosen.unwrap_or_else(|| materials.iter().map(|m| m.id).collect());
    let m = buyer::msgs(p.locale);
    page_with(
        status,
        &NewPage {
            page: p,
            m,
            zone_hint: m.in_zone(&coop.timezone),
            catalog: materials
                .into_iter()
                .map(|x| {
                    let l = material_label(&x, p.locale);
                    let on = chosen.contains(&x.id);
                    (x, l, on)
                })
                .collect(),
            title,
            closes_at,
            errors,
        },
    )
}

/// `GET /rounds/new`.
pub async fn new_form(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    render_new(
        &state,
        &p,
        &who,
        StatusCode::OK,
        String::new(),
        String::new(),
        None,
        FormErrors::default(),
    )
    .await
}

/// `POST /rounds`: creates a draft round, then shows it.
pub async fn create(
    state: web::Data<AppState>,
    p: Page,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let coop_id = own_cooperative(&who)?;
    who.require(&[Role::CoopAdmin])?;
    let (_, tz) = cooperative_of(&state, &who, coop_id).await?;
    let form = fields(&body);
    let title = field(&form, "title").to_owned();
    let closes_raw = field(&form, "closes_at").to_owned();
    let mut pre = Vec::new();
    let chosen: Vec<MaterialId> = all(&form, "material_ids")
        .into_iter()
        .filter_map(|v| v.parse::<uuid::Uuid>().ok().map(MaterialId))
        .collect();
    let closes_at = local_time(&closes_raw, tz);
    if closes_at.is_none() {
        pre.push(FieldError::new(
            "closes_at",
            ErrorCode::Datetime,
            "date and time",
        ));
    }
    let result = match closes_at {
        Some(closes_at) if pre.is_empty() => {
            let input = NewRound {
                title: title.clone(),
                closes_at,
                material_ids: Some(chosen.clone()),
            };
            round_service::create_round(&state, &who, coop_id, input).await
        }
        _ => Err(AppError::Validation(vec![])),
    };
    match result {
        Ok(r) => Ok(see_other(&format!("/rounds/{}", r.id))),
        Err(AppError::Validation(mut errs)) => {
            // Report the title too when the time was unreadable.
            if !pre.is_empty() && title.trim().is_empty() {
                errs.push(FieldError::new("title", ErrorCode::Required, "is required"));
            }
            if !pre.is_empty() && chosen.is_empty() {
                errs.push(FieldError::new("material_ids", ErrorCode::Empty, "none"));
            }
            errs.extend(pre);
            let errors = form_errors(&p, buyer::msgs(p.locale), &errs);
            render_new(
                &state,
                &p,
                &who,
                StatusCode::UNPROCESSABLE_ENTITY,
                title,
                closes_raw,
                Some(chosen),
                errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

// ---- detail ----

/// What was typed into the demand-on-behalf form.
#[derive(Debug, Default, Clone)]
struct DemandForm {
    member_id: String,
    material_id: String,
    quantity: String,
    unit: String,
    required_by: String,
    delivery_site: String,
}

#[derive(Template)]
#[template(path = "web/round.html")]
struct RoundPage<'a> {
    page: &'a Page,
    m: &'static BuyerMsgs,
    f: Fmt,
    round: RoundOut,
    member: bool,
    admin: bool,
    materials: Vec<MaterialOut>,
    /// Demand lines with their material's `name (code)`.
    lines: Vec<(DemandOut, String)>,
    /// The aggregate per material with its label (the cooperative's admins).
    aggregate: Vec<(MaterialAggregate, String)>,
    members: Vec<MemberOut>,
    form: DemandForm,
    errors: FormErrors,
    /// RFQs may be created from it.
    closed: bool,
}

/// `GET /rounds/{id}`.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    if who.role == Role::Member {
        return super::demand::member_round(state, p, id.into_inner()).await;
    }
    render_detail(
        &state,
        &p,
        *id,
        StatusCode::OK,
        DemandForm::default(),
        FormErrors::default(),
    )
    .await
}

async fn render_detail(
    state: &AppState,
    p: &Page,
    id: RoundId,
    status: StatusCode,
    form: DemandForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let round = get_round(state, &who, id).await?;
    let (_, tz) = cooperative_of(state, &who, round.cooperative_id).await?;
    let catalog = catalog(state, &who, round.cooperative_id).await?;
    let labels: HashMap<MaterialId, String> = catalog
        .iter()
        .map(|m| (m.id, material_label(m, p.locale)))
        .collect();
    let materials: Vec<MaterialOut> = catalog
        .into_iter()
        .filter(|m| round.material_ids.contains(&m.id))
        .collect();
    let lines = list_demand(state, &who, round.id, None, i64::from(MAX_LIMIT))
        .await?
        .into_iter()
        .map(|l| {
            let name = labels.get(&l.material_id).cloned().unwrap_or_default();
            (l, name)
        })
        .collect();
    let admin = who.role != Role::Member;
    let aggregate = if admin {
        aggregate_table(state, &who, round.id)
            .await?
            .materials
            .into_iter()
            .map(|a| {
                let l = labels.get(&a.material_id).cloned().unwrap_or_default();
                (a, l)
            })
            .collect()
    } else {
        vec![]
    };
    let members = if admin && round.status == RoundStatus::Open {
        list_members(
            state,
            &who,
            round.cooperative_id,
            None,
            None,
            i64::from(MAX_LIMIT),
        )
        .await?
        .into_iter()
        .filter(|m| !m.disabled)
        .collect()
    } else {
        vec![]
    };
    let f = Fmt::new(p, tz, state.clock.now());
    page_with(
        status,
        &RoundPage {
            page: p,
            m: buyer::msgs(p.locale),
            f,
            member: who.role == Role::Member,
            admin,
            closed: round.status == RoundStatus::Closed,
            round,
            materials,
            lines,
            aggregate,
            members,
            form,
            errors,
        },
    )
}

// ---- lifecycle ----

async fn transition(
    state: &AppState,
    p: &Page,
    id: RoundId,
    t: Transition,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let r = round_service::transition(state, &who, id, t).await?;
    Ok(see_other(&format!("/rounds/{}", r.id)))
}

/// `POST /rounds/{id}/open`: members are emailed.
pub async fn open(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    transition(&state, &p, *id, Transition::Open).await
}

/// `POST /rounds/{id}/close`.
pub async fn close(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    transition(&state, &p, *id, Transition::Close).await
}

#[derive(Template)]
#[template(path = "web/rounds/cancel.html")]
struct CancelPage<'a> {
    page: &'a Page,
    m: &'static BuyerMsgs,
    round: RoundOut,
}

/// `GET /rounds/{id}/cancel`: the confirmation.
pub async fn cancel_form(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::CoopAdmin, Role::PlatformAdmin])?;
    let round = get_round(&state, &who, *id).await?;
    if !matches!(round.status, RoundStatus::Draft | RoundStatus::Open) {
        return Ok(see_other(&format!("/rounds/{}", round.id)));
    }
    page(&CancelPage {
        page: &p,
        m: buyer::msgs(p.locale),
        round,
    })
}

/// `POST /rounds/{id}/cancel`.
pub async fn cancel(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    transition(&state, &p, *id, Transition::Cancel).await
}

// ---- demand on behalf of a member ----

/// `POST /rounds/{id}/demand`: a demand line for a member (the cooperative's admins).
pub async fn add_demand(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let f = fields(&body);
    let form = DemandForm {
        member_id: field(&f, "member_id").to_owned(),
        material_id: field(&f, "material_id").to_owned(),
        quantity: field(&f, "quantity").to_owned(),
        unit: field(&f, "unit").trim().to_owned(),
        required_by: field(&f, "required_by").to_owned(),
        delivery_site: field(&f, "delivery_site").to_owned(),
    };
    let mut errs = Vec::new();
    let member_id = form.member_id.parse::<uuid::Uuid>().ok().map(MemberId);
    if member_id.is_none() {
        errs.push(FieldError::new("member_id", ErrorCode::Required, "choose"));
    }
    let material_id = form.material_id.parse::<uuid::Uuid>().ok().map(MaterialId);
    if material_id.is_none() {
        errs.push(FieldError::new(
            "material_id",
            ErrorCode::Required,
            "choose",
        ));
    }
    let quantity = match forms::number(&form.quantity) {
        None => {
            errs.push(FieldError::new("quantity", ErrorCode::Required, "required"));
            None
        }
        Some(n) => match decimal::parse(&n) {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push(FieldError::new(
                    "quantity",
                    ErrorCode::InvalidDecimal,
                    "number",
                ));
                None
            }
        },
    };
    let required_by = NaiveDate::parse_from_str(form.required_by.trim(), "%Y-%m-%d").ok();
    if required_by.is_none() {
        errs.push(FieldError::new("required_by", ErrorCode::Required, "date"));
    }
    if form.unit.is_empty() {
        errs.push(FieldError::new("unit", ErrorCode::Required, "required"));
    }
    let result = match (member_id, material_id, quantity, required_by) {
        (Some(member), Some(material), Some(quantity), Some(required_by)) if errs.is_empty() => {
            let input = NewDemand {
                material_id: material,
                quantity,
                unit: form.unit.clone(),
                required_by,
                delivery_site: form.delivery_site.clone(),
                member_id: Some(member),
            };
            round_service::submit_demand(&state, &who, *id, input).await
        }
        _ => Err(AppError::Validation(vec![])),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/rounds/{}#demand", *id))),
        Err(AppError::Validation(more)) => {
            errs.extend(more);
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

// ---- CSV ----

/// `GET /rounds/{id}/aggregate.csv`: the API's CSV (UTF-8 with BOM, CRLF), same service.
pub async fn csv(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let body = round_service::aggregate(&state, &who, *id, Format::Csv).await?;
    Ok(csv_download(&format!("round-{}-aggregate.csv", *id)).streaming(body))
}
