//! FX rates: the rates in force on a date and the recent ones by date and currency; manual
//! entry (a coop admin's rates are its cooperative's, a platform admin's are shared), with
//! errors inline; and for platform admins "refresh now", showing the provider's answer and,
//! for rates that moved more than 20 %, the confirmation step that stores them anyway
//! (`force`, the API's rule).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Fmt, FormErrors};
use crate::auth::Role;
use crate::cooperatives::service::get_cooperative;
use crate::error::{AppError, ErrorCode};
use crate::fx::service::{self as fx, FxRateOut, NewFxRate, RatesInForce, RefreshReport};
use crate::i18n::operations::{self, OpsMsgs};
use crate::state::AppState;
use crate::web::forms;
use crate::web::render::{page, page_with, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// Days of the recent-rates table.
const HISTORY_DAYS: i64 = 14;

/// The FX pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/fx-rates").get(index).post(enter))
        .service(Routes::at("/fx-rates/refresh").post(refresh));
}

/// `?date=&base=&saved=` of `/fx-rates`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct IndexQuery {
    date: Option<String>,
    base: Option<String>,
    saved: Option<String>,
}

/// What was typed into the manual entry form.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    rate: String,
    #[serde(default)]
    base: String,
}

#[derive(Template)]
#[template(path = "web/fx/index.html")]
struct IndexPage<'a> {
    page: &'a Page,
    m: &'static OpsMsgs,
    f: Fmt,
    in_force: RatesInForce,
    history: Vec<FxRateOut>,
    /// The viewer may enter rates.
    can_enter: bool,
    /// The viewer may refresh from the provider (platform admins).
    can_refresh: bool,
    platform: bool,
    saved: bool,
    form: EntryForm,
    errors: FormErrors,
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// The base currency the viewer works in: its cooperative's, else KRW (or as asked).
async fn base_of(state: &AppState, p: &Page, asked: Option<&str>) -> Result<String, AppError> {
    let who = p.who()?;
    if let Some(b) = asked.map(str::trim).filter(|b| !b.is_empty()) {
        return Ok(b.to_ascii_uppercase());
    }
    Ok(match who.cooperative_id {
        Some(c) => get_cooperative(state, who, c).await?.base_currency,
        None => "KRW".to_owned(),
    })
}

async fn render_index(
    state: &AppState,
    p: &Page,
    date: Option<NaiveDate>,
    base: &str,
    saved: bool,
    form: EntryForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?;
    let in_force = fx::in_force(state, who, Some(base), date, None).await?;
    let history = fx::history(state, who, Some(base), date, HISTORY_DAYS).await?;
    let f = Fmt::of(state, p, who).await?;
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut form = form;
    if form.date.is_empty() {
        form.date = in_force.date.to_string();
    }
    page_with(
        status,
        &IndexPage {
            m: operations::msgs(p.locale),
            page: p,
            f,
            in_force,
            history,
            can_enter: matches!(who.role, Role::CoopAdmin | Role::PlatformAdmin),
            can_refresh: who.role == Role::PlatformAdmin,
            platform: who.role == Role::PlatformAdmin,
            saved,
            form,
            errors,
        },
    )
}

/// `GET /fx-rates`.
pub async fn index(
    state: web::Data<AppState>,
    p: Page,
    q: web::Query<IndexQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let base = base_of(&state, &p, q.base.as_deref()).await?;
    let date = q.date.as_deref().and_then(parse_date);
    render_index(
        &state,
        &p,
        date,
        &base,
        q.saved.is_some(),
        EntryForm::default(),
        FormErrors::default(),
    )
    .await
}

/// The entry form's own message for an API field error `code`, if it has one.
fn own_message(m: &'static OpsMsgs, code: ErrorCode) -> Option<&'static str> {
    match code.as_str() {
        "same_as_base" => Some(m.err_same_as_base),
        "out_of_range" | "too_large" | "too_small" | "too_many_decimals" | "not_positive" => {
            Some(m.err_out_of_range)
        }
        _ => None,
    }
}

/// `POST /fx-rates`: a manual rate.
pub async fn enter(
    state: web::Data<AppState>,
    p: Page,
    form: web::Form<EntryForm>,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::CoopAdmin, Role::PlatformAdmin])?;
    let form = form.into_inner();
    let m = operations::msgs(p.locale);
    let base = base_of(&state, &p, Some(&form.base)).await?;
    let mut errors = FormErrors::default();
    let date = parse_date(&form.date);
    if date.is_none() {
        errors.push("date", m.err_not_a_date);
    }
    let rate = match forms::number(&form.rate) {
        None => {
            errors.push("rate", p.t.err_required);
            None
        }
        Some(text) => match Decimal::from_str_exact(&text) {
            Ok(r) => Some(r),
            Err(_) => {
                errors.push("rate", m.err_not_a_number);
                None
            }
        },
    };
    let currency = form.currency.trim().to_ascii_uppercase();
    if currency.is_empty() {
        errors.push("currency", p.t.err_required);
    }
    let shown_date = date;
    if let (Some(date), Some(rate), false) = (date, rate, errors.any()) {
        let input = NewFxRate {
            date,
            base: base.clone(),
            currency,
            rate,
            cooperative_id: None,
        };
        match fx::create_manual(&state, &who, input).await {
            Ok(r) => {
                return Ok(see_other(&format!(
                    "/fx-rates?date={}&base={}&saved=1",
                    r.date, r.base
                )))
            }
            Err(AppError::Validation(errs)) => {
                errors = FormErrors::localized(p.t, &errs, |code| own_message(m, code));
            }
            Err(e) => return Err(e),
        }
    }
    render_index(&state, &p, shown_date, &base, false, form, errors).await
}

/// `force` of the refresh form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct RefreshForm {
    force: Option<String>,
}

#[derive(Template)]
#[template(path = "web/fx/refresh.html")]
struct RefreshPage<'a> {
    page: &'a Page,
    m: &'static OpsMsgs,
    f: Fmt,
    report: RefreshReport,
}

/// `POST /fx-rates/refresh` (platform admins): fetch the provider now; `force=1` (the
/// confirmation of refused rates) stores moves of more than 20 % too.
pub async fn refresh(
    state: web::Data<AppState>,
    p: Page,
    form: web::Form<RefreshForm>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let forced = form.force.as_deref().is_some_and(|f| !f.is_empty());
    let report = fx::refresh_now(&state, &who, forced).await?;
    let f = Fmt::of(&state, &p, &who).await?;
    // The provider's answer, failed or not, is the page (the API says 502 for a failure).
    page(&RefreshPage {
        m: operations::msgs(p.locale),
        page: &p,
        f,
        report,
    })
}
