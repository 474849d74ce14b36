//! The award pages (`/rfqs/{id}/award`): a form pre-filled with the comparison's
//! suggestion, one quantity per usable offer; the totals and the difference from the
//! optimum recomputed by the server as the buyer types (htmx posts the form to
//! `/award/totals` and swaps the fragment; without JavaScript the "recalculate" button
//! posts the whole form); a review step listing the POs and emails the award will send;
//! then the award itself, through the same service as `POST /api/v1/rfqs/{id}/award`, and
//! its errors shown next to the fields they name.

use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use rust_decimal::Decimal;

use super::Fmt;
use crate::auth::Role;
use crate::awards::service::{self as awards, AllocationIn, AwardIn, AwardLineIn, AwardPreview};
use crate::comparison::service::{self as comparison, Comparison, LineOut, OfferOut};
use crate::error::{AppError, FieldError};
use crate::i18n::comparison::{self as words, ComparisonMsgs};
use crate::ids::RfqId;
use crate::rfqs::models::Rfq;
use crate::state::AppState;
use crate::web::forms;
use crate::web::render::{page_with, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// The award pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/rfqs/{id}/award").get(form).post(submit))
        .service(Routes::at("/rfqs/{id}/award/totals").post(totals))
        .service(Routes::at("/rfqs/{id}/award/confirm").post(confirm));
}

/// The name of the quantity field of an offer on a line.
fn field_name(line: &LineOut, o: &OfferOut) -> String {
    format!("q:{}:{}", line.rfq_line_id, o.quote_id)
}

/// What the buyer typed.
#[derive(Debug, Default, Clone)]
pub struct Typed {
    /// `(field name, text)` per quantity field.
    pub quantities: Vec<(String, String)>,
    pub rationale: String,
    pub partial: bool,
}

impl Typed {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut t = Typed::default();
        for (k, v) in pairs {
            match k.as_str() {
                "rationale" => t.rationale = v.clone(),
                "partial" => t.partial = true,
                k if k.starts_with("q:") => t.quantities.push((k.to_owned(), v.clone())),
                _ => {}
            }
        }
        t
    }

    /// The comparison's suggestion as typed values ("part only" ticked when a line cannot
    /// be bought whole).
    fn suggestion(c: &Comparison) -> Self {
        let mut t = Typed {
            partial: c.lines.iter().any(|l| !l.suggestion.covers_full_quantity),
            ..Typed::default()
        };
        for l in &c.lines {
            for a in &l.suggestion.allocations {
                if let Some(o) = l.offers.iter().find(|o| o.quote_id == a.quote_id) {
                    t.quantities
                        .push((field_name(l, o), a.quantity.to_string()));
                }
            }
        }
        t
    }

    fn value(&self, name: &str) -> &str {
        self.quantities
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Errors by field name: `q:…` fields, `line:<id>`, `rationale`, or `` for the whole form.
#[derive(Debug, Default)]
pub struct Errors(Vec<(String, &'static str)>);

impl Errors {
    fn get(&self, name: &str) -> Option<&'static str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, m)| *m)
    }

    fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Every message.
    fn messages(&self) -> Vec<&'static str> {
        self.0.iter().map(|(_, m)| *m).collect()
    }

    /// Messages not tied to a field shown on the form.
    fn general(&self) -> Vec<&'static str> {
        self.0
            .iter()
            .filter(|(k, _)| k.is_empty())
            .map(|(_, m)| *m)
            .collect()
    }
}

/// The request the form makes, and where each of its JSON paths came from: per line index
/// its `line:<id>` name, per allocation its field name.
struct Built {
    input: AwardIn,
    lines: Vec<String>,
    allocations: Vec<Vec<String>>,
}

/// Turns the typed form into the API's request; numbers that do not parse are errors.
fn build(c: &Comparison, typed: &Typed, m: &ComparisonMsgs) -> (Built, Errors) {
    let mut errors = Errors::default();
    let mut b = Built {
        input: AwardIn {
            lines: vec![],
            rationale: Some(typed.rationale.clone()).filter(|r| !r.trim().is_empty()),
            partial: typed.partial,
        },
        lines: vec![],
        allocations: vec![],
    };
    for l in &c.lines {
        let mut allocations = vec![];
        let mut names = vec![];
        for o in l.offers.iter().filter(|o| o.usable) {
            let name = field_name(l, o);
            let Some(text) = forms::number(typed.value(&name)) else {
                continue;
            };
            match Decimal::from_str(&text) {
                Ok(q) if q.is_zero() => {}
                Ok(q) => {
                    allocations.push(AllocationIn {
                        quote_id: o.quote_id,
                        quantity: q,
                    });
                    names.push(name);
                }
                Err(_) => errors.0.push((name, m.err_number)),
            }
        }
        if !allocations.is_empty() {
            b.input.lines.push(AwardLineIn {
                rfq_line_id: l.rfq_line_id,
                allocations,
            });
            b.lines.push(format!("line:{}", l.rfq_line_id));
            b.allocations.push(names);
        }
    }
    (b, errors)
}

/// The API's field errors on the form's fields.
fn place(b: &Built, errs: &[FieldError], m: &ComparisonMsgs, into: &mut Errors) {
    for e in errs {
        let msg = m.award_error(e.code.as_str());
        let target = parse_path(&e.field)
            .and_then(|(i, j)| {
                let line = b.lines.get(i)?;
                match j {
                    Some(j) => b.allocations.get(i)?.get(j).cloned(),
                    None => Some(line.clone()),
                }
            })
            .unwrap_or_else(|| {
                if e.field == "rationale" {
                    "rationale".to_owned()
                } else {
                    String::new()
                }
            });
        into.0.push((target, msg));
    }
}

/// `lines[i]…` → `(i, Some(j))` for `lines[i].allocations[j]…`, `(i, None)` otherwise.
fn parse_path(field: &str) -> Option<(usize, Option<usize>)> {
    let rest = field.strip_prefix("lines[")?;
    let (i, rest) = rest.split_once(']')?;
    let i = i.parse().ok()?;
    let j = rest
        .strip_prefix(".allocations[")
        .and_then(|r| r.split_once(']'))
        .and_then(|(j, _)| j.parse().ok());
    Some((i, j))
}

/// The recalculated figures.
#[derive(Debug, Default)]
pub struct Calc {
    pub preview: Option<AwardPreview>,
    pub errors: Errors,
    pub rationale: String,
    pub base: String,
}

impl Calc {
    fn difference(&self) -> Option<Decimal> {
        self.preview.as_ref().map(|p| p.total_base - p.optimum_base)
    }

    fn rationale_required(&self) -> bool {
        self.preview.as_ref().is_some_and(|p| p.rationale_required)
            || self.errors.get("rationale").is_some()
    }
}

/// Checks the typed award with the service (nothing written).
async fn calculate(
    state: &AppState,
    p: &Page,
    id: RfqId,
    c: &Comparison,
    typed: &Typed,
) -> Result<(Calc, Built), AppError> {
    let m = words::msgs(p.locale);
    let who = p.who()?;
    let (built, mut errors) = build(c, typed, m);
    let mut calc = Calc {
        rationale: typed.rationale.clone(),
        base: c.base_currency.clone(),
        ..Calc::default()
    };
    if !errors.any() {
        match awards::preview(state, who, id, &built.input).await {
            Ok(pv) => calc.preview = Some(pv),
            Err(AppError::Validation(errs)) => place(&built, &errs, m, &mut errors),
            Err(e) => return Err(e),
        }
    }
    calc.errors = errors;
    Ok((calc, built))
}

#[derive(Template)]
#[template(path = "web/comparison/award.html")]
struct FormPage<'a> {
    page: &'a Page,
    m: &'static ComparisonMsgs,
    f: Fmt,
    rfq: &'a Rfq,
    c: &'a Comparison,
    typed: &'a Typed,
    calc: &'a Calc,
}

impl FormPage<'_> {
    fn name(&self, l: &LineOut, o: &OfferOut) -> String {
        field_name(l, o)
    }

    fn value(&self, l: &LineOut, o: &OfferOut) -> String {
        self.typed.value(&field_name(l, o)).to_owned()
    }

    fn error(&self, name: &str) -> Option<&'static str> {
        self.calc.errors.get(name)
    }

    fn has_usable(&self, l: &LineOut) -> bool {
        l.offers.iter().any(|o| o.usable)
    }

    fn line_error(&self, l: &LineOut) -> Option<&'static str> {
        self.calc.errors.get(&format!("line:{}", l.rfq_line_id))
    }
}

#[derive(Template)]
#[template(path = "web/comparison/award_totals.html")]
struct TotalsFragment<'a> {
    m: &'static ComparisonMsgs,
    f: Fmt,
    calc: &'a Calc,
}

#[derive(Template)]
#[template(path = "web/comparison/award_confirm.html")]
struct ConfirmPage<'a> {
    page: &'a Page,
    m: &'static ComparisonMsgs,
    f: Fmt,
    rfq: &'a Rfq,
    typed: &'a Typed,
    preview: &'a AwardPreview,
}

async fn render_form(
    state: &AppState,
    p: &Page,
    computed: &comparison::Computed,
    typed: &Typed,
    calc: &Calc,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?;
    let f = Fmt::of(state, p, who).await?;
    page_with(
        status,
        &FormPage {
            page: p,
            m: words::msgs(p.locale),
            f,
            rfq: &computed.rfq,
            c: &computed.out,
            typed,
            calc,
        },
    )
}

fn status_of(calc: &Calc) -> StatusCode {
    if calc.errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

/// `GET /rfqs/{id}/award`: the form with the suggestion.
pub async fn form(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let computed = comparison::compute(&state, &who, *id).await?;
    who.in_cooperative(computed.rfq.cooperative_id, &[Role::CoopAdmin])?;
    let typed = Typed::suggestion(&computed.out);
    let (calc, _) = calculate(&state, &p, *id, &computed.out, &typed).await?;
    render_form(&state, &p, &computed, &typed, &calc, StatusCode::OK).await
}

/// `POST /rfqs/{id}/award`: "recalculate" re-renders the form; "review" shows the
/// confirmation step when the award is valid (and explained if it must be).
pub async fn submit(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let computed = comparison::compute(&state, &who, *id).await?;
    let typed = Typed::from_pairs(&body);
    let review = body.iter().any(|(k, v)| k == "action" && v == "review");
    let (mut calc, _) = calculate(&state, &p, *id, &computed.out, &typed).await?;
    if review && !calc.errors.any() {
        if let Some(preview) = &calc.preview {
            if !(preview.rationale_required && typed.rationale.trim().is_empty()) {
                let f = Fmt::of(&state, &p, &who).await?;
                return page_with(
                    StatusCode::OK,
                    &ConfirmPage {
                        page: &p,
                        m: words::msgs(p.locale),
                        f,
                        rfq: &computed.rfq,
                        typed: &typed,
                        preview,
                    },
                );
            }
            calc.errors.0.push((
                "rationale".into(),
                words::msgs(p.locale).err_rationale_required,
            ));
        }
    }
    let status = if review {
        status_of(&calc)
    } else {
        StatusCode::OK
    };
    render_form(&state, &p, &computed, &typed, &calc, status).await
}

/// `POST /rfqs/{id}/award/totals`: the totals fragment for htmx.
pub async fn totals(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let c = comparison::comparison(&state, &who, *id).await?;
    let typed = Typed::from_pairs(&body);
    let (calc, _) = calculate(&state, &p, *id, &c, &typed).await?;
    let f = Fmt::of(&state, &p, &who).await?;
    page_with(
        StatusCode::OK,
        &TotalsFragment {
            m: words::msgs(p.locale),
            f,
            calc: &calc,
        },
    )
}

/// `POST /rfqs/{id}/award/confirm`: the award, through the API's service; then the POs.
pub async fn confirm(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
    body: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let computed = comparison::compute(&state, &who, *id).await?;
    let typed = Typed::from_pairs(&body);
    let m = words::msgs(p.locale);
    let (built, mut errors) = build(&computed.out, &typed, m);
    if !errors.any() {
        match awards::award(&state, &who, *id, built.input.clone()).await {
            Ok(_) => return Ok(see_other("/purchase-orders")),
            Err(AppError::Validation(errs)) => place(&built, &errs, m, &mut errors),
            Err(e) => return Err(e),
        }
    }
    let calc = Calc {
        errors,
        rationale: typed.rationale.clone(),
        base: computed.out.base_currency.clone(),
        preview: None,
    };
    render_form(
        &state,
        &p,
        &computed,
        &typed,
        &calc,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
