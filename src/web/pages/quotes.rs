//! A supplier's RFQ and quote pages, phone first: the inbox (`/rfqs` for suppliers), the
//! RFQ with its quote form (`/rfqs/{id}`), the receipt with the revision history
//! (`/quotes/{id}`), revising, withdrawing, the result after the award, and the supplier's
//! home. Everything goes through the services the API calls (`quotes::service`,
//! `rfqs::service`, `comparison::service::own_standing`), so a supplier sees only its own
//! quotes and RFQs it is invited to (another's id is 404), and the buyer side sees nothing
//! of a quote before the deadline.
//!
//! Quote and withdrawal forms are idempotent ([`crate::web::idempotent`]): each render
//! carries a key, so a double click or a resent form stores one revision.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Fmt, FormErrors};
use crate::auth::Principal;
use crate::comparison::service::{own_standing, OwnStanding};
use crate::decimal;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::i18n::format;
use crate::i18n::quotes::{msgs, QuoteMsgs};
use crate::ids::{QuoteId, RfqId, RfqLineId};
use crate::purchase_orders::models::PurchaseOrderOut;
use crate::purchase_orders::service as po_service;
use crate::quotes::models::{QuoteOut, RevisionOut};
use crate::quotes::service::{self as quote_service, PriceBreakIn, QuoteIn, QuoteLineIn};
use crate::rfqs::models::{RfqLineOut, RfqOut, RfqStatus};
use crate::rfqs::service::{get_rfq, line_specs, list_rfqs};
use crate::state::AppState;
use crate::suppliers::service as supplier_service;
use crate::web::forms::{self, number};
use crate::web::idempotent::{self, Outcome};
use crate::web::render::{page, page_with};
use crate::web::session::Page;
use crate::web::Routes;

/// The quote pages (the inbox and the RFQ page live at `/rfqs` and `/rfqs/{id}`, which
/// dispatch suppliers here).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/rfqs/{id}/quote").post(submit))
        .service(Routes::at("/quotes/{id}").get(receipt))
        .service(
            Routes::at("/quotes/{id}/revise")
                .get(revise_form)
                .post(revise),
        )
        .service(
            Routes::at("/quotes/{id}/withdraw")
                .get(withdraw_form)
                .post(withdraw),
        );
}

/// Blank price-break rows a form offers at least (without JavaScript, the only way to add).
const BLANK_BREAK_ROWS: usize = 3;
/// Price-break rows read from a form per line.
const MAX_BREAK_ROWS: usize = 20;

/// The zone of a supplier's country, when it has one zone (else UTC stands in).
fn country_zone(country: &str) -> chrono_tz::Tz {
    use chrono_tz::{Africa, America, Asia, Europe, Pacific};
    match country {
        "KR" => Asia::Seoul,
        "JP" => Asia::Tokyo,
        "CN" => Asia::Shanghai,
        "TW" => Asia::Taipei,
        "HK" => Asia::Hong_Kong,
        "VN" => Asia::Ho_Chi_Minh,
        "TH" => Asia::Bangkok,
        "KH" => Asia::Phnom_Penh,
        "LA" => Asia::Vientiane,
        "MM" => Asia::Yangon,
        "MY" => Asia::Kuala_Lumpur,
        "SG" => Asia::Singapore,
        "PH" => Asia::Manila,
        "ID" => Asia::Jakarta,
        "IN" => Asia::Kolkata,
        "BD" => Asia::Dhaka,
        "PK" => Asia::Karachi,
        "AE" => Asia::Dubai,
        "SA" => Asia::Riyadh,
        "TR" => Europe::Istanbul,
        "DE" => Europe::Berlin,
        "FR" => Europe::Paris,
        "IT" => Europe::Rome,
        "ES" => Europe::Madrid,
        "NL" => Europe::Amsterdam,
        "BE" => Europe::Brussels,
        "GB" => Europe::London,
        "CH" => Europe::Zurich,
        "SE" => Europe::Stockholm,
        "FI" => Europe::Helsinki,
        "PL" => Europe::Warsaw,
        "NZ" => Pacific::Auckland,
        "CL" => America::Santiago,
        "PE" => America::Lima,
        "ZA" => Africa::Johannesburg,
        _ => chrono_tz::UTC,
    }
}

/// Formatting in Korea's zone (the deadline rules are Korean), and in the supplier's own
/// zone when that differs.
async fn zones(
    state: &AppState,
    p: &Page,
    who: &Principal,
) -> Result<(Fmt, Option<Fmt>), AppError> {
    let now = state.clock.now();
    let korea = Fmt::new(p, chrono_tz::Asia::Seoul, now);
    let Some(id) = who.supplier_id else {
        return Ok((korea, None));
    };
    let country = supplier_service::get(state, who, id).await?.country;
    let tz = country_zone(&country);
    let local = (tz != chrono_tz::Asia::Seoul).then(|| Fmt::new(p, tz, now));
    Ok((korea, local))
}

/// The signed-in supplier, or 404 for anyone else (these pages are a supplier's).
fn supplier(p: &Page) -> Result<Principal, AppError> {
    let who = p.who()?;
    if who.supplier_id.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(who.clone())
}

// ---- inbox and home ----

#[derive(Template)]
#[template(path = "web/quotes/inbox.html")]
struct InboxPage<'a> {
    page: &'a Page,
    m: &'static QuoteMsgs,
    f: Fmt,
    local: Option<Fmt>,
    rfqs: Vec<RfqOut>,
}

/// `GET /rfqs` for a supplier: every RFQ it is invited to.
pub async fn inbox(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = supplier(&p)?;
    let rfqs = list_rfqs(&state, &who, None, None, 100).await?;
    let (f, local) = zones(&state, &p, &who).await?;
    page(&InboxPage {
        m: msgs(p.locale),
        page: &p,
        f,
        local,
        rfqs,
    })
}

#[derive(Template)]
#[template(path = "web/quotes/home.html")]
struct HomePage<'a> {
    page: &'a Page,
    m: &'static QuoteMsgs,
    f: Fmt,
    local: Option<Fmt>,
    /// Open RFQs without a quote, soonest deadline first.
    rfqs: Vec<RfqOut>,
    /// Open RFQs with a submitted quote.
    quoted: Vec<RfqOut>,
    pos: Vec<PurchaseOrderOut>,
}

/// `GET /` for a supplier: open RFQs needing a quote, quoted ones still open, recent POs.
pub async fn supplier_home(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = supplier(&p)?;
    let all = list_rfqs(&state, &who, None, None, 100).await?;
    let pos = po_service::list(&state, &who, None, 5).await?;
    let (f, local) = zones(&state, &p, &who).await?;
    let (mut rfqs, mut quoted): (Vec<RfqOut>, Vec<RfqOut>) = all
        .into_iter()
        .filter(|r| r.status == RfqStatus::Published && f.ahead(&r.deadline))
        .filter(|r| r.my_quote.as_ref().is_none_or(|q| q.status != "withdrawn"))
        .partition(|r| r.my_quote.is_none());
    rfqs.sort_by_key(|r| r.deadline);
    quoted.sort_by_key(|r| r.deadline);
    page(&HomePage {
        m: msgs(p.locale),
        page: &p,
        f,
        local,
        rfqs,
        quoted,
        pos,
    })
}

// ---- the quote form ----

/// A price-break row as typed.
#[derive(Debug, Clone, Default)]
pub struct BreakRow {
    pub min_quantity: String,
    pub unit_price: String,
}

/// One RFQ line of the form, with what was typed for it.
#[derive(Debug, Clone)]
pub struct FormLine {
    pub idx: usize,
    pub line: RfqLineOut,
    pub unit_price: String,
    pub freight_per_unit: String,
    pub insurance_per_unit: String,
    pub min_quantity: String,
    pub max_quantity: String,
    pub breaks: Vec<BreakRow>,
}

impl FormLine {
    /// The input name of a field of this line (`lines[0].unit_price`), which is also the
    /// field path of the service's errors.
    pub fn name(&self, field: &str) -> String {
        format!("lines[{}].{field}", self.idx)
    }

    /// The element id of a field of this line.
    pub fn id(&self, field: &str) -> String {
        format!("l{}-{field}", self.idx)
    }

    /// The input name of a field of break row `j`.
    pub fn bname(&self, j: &usize, field: &str) -> String {
        format!("lines[{}].price_breaks[{j}].{field}", self.idx)
    }

    /// The element id of a field of break row `j`.
    pub fn bid(&self, j: &usize, field: &str) -> String {
        format!("l{}-b{j}-{field}", self.idx)
    }

    /// The name of break rows' fields with `{n}` for the row (for the script that adds rows).
    pub fn bname_template(&self) -> String {
        format!("lines[{}].price_breaks[{{n}}]", self.idx)
    }

    fn is_blank(&self) -> bool {
        [
            &self.unit_price,
            &self.freight_per_unit,
            &self.insurance_per_unit,
            &self.min_quantity,
            &self.max_quantity,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
            && self
                .breaks
                .iter()
                .all(|b| b.min_quantity.trim().is_empty() && b.unit_price.trim().is_empty())
    }

    fn pad(&mut self) {
        let filled = self.breaks.len();
        let want = (filled + 1).clamp(BLANK_BREAK_ROWS, MAX_BREAK_ROWS);
        self.breaks.resize_with(want.max(filled), BreakRow::default);
    }
}

/// The quote form: what the page shows and what was typed.
#[derive(Debug, Clone)]
pub struct QuoteForm {
    /// Where it posts.
    pub action: String,
    /// This render's idempotency key.
    pub key: String,
    /// The revision this form will create.
    pub revision: i32,
    pub currency: String,
    pub incoterm: String,
    pub named_place: String,
    pub valid_until: String,
    pub lead_time_days: String,
    pub payment_terms: String,
    pub notes: String,
    pub lines: Vec<FormLine>,
}

impl QuoteForm {
    /// A blank form for `rfq`.
    fn blank(rfq: &RfqOut, action: String) -> Self {
        let mut form = Self {
            action,
            key: idempotent::new_key(),
            revision: 1,
            currency: rfq.currencies.first().cloned().unwrap_or_default(),
            incoterm: rfq.incoterms.first().cloned().unwrap_or_default(),
            named_place: String::new(),
            valid_until: String::new(),
            lead_time_days: String::new(),
            payment_terms: String::new(),
            notes: String::new(),
            lines: rfq
                .lines
                .iter()
                .enumerate()
                .map(|(idx, l)| FormLine {
                    idx,
                    line: l.clone(),
                    unit_price: String::new(),
                    freight_per_unit: String::new(),
                    insurance_per_unit: String::new(),
                    min_quantity: String::new(),
                    max_quantity: String::new(),
                    breaks: vec![],
                })
                .collect(),
        };
        form.lines.iter_mut().for_each(FormLine::pad);
        form
    }

    /// The form pre-filled with the current revision of `q`.
    fn from_quote(rfq: &RfqOut, q: &QuoteOut, action: String) -> Self {
        let mut form = Self::blank(rfq, action);
        let n = |v: &Decimal| format::number(*v);
        form.revision = q.revision + 1;
        form.currency = q.currency.clone();
        form.incoterm = q.incoterm.clone();
        form.named_place = q.named_place.clone().unwrap_or_default();
        form.valid_until = q.valid_until.format("%Y-%m-%d").to_string();
        form.lead_time_days = q.lead_time_days.to_string();
        form.payment_terms = q.payment_terms.clone().unwrap_or_default();
        form.notes = q.notes.clone().unwrap_or_default();
        for fl in &mut form.lines {
            let Some(ql) = q.lines.iter().find(|l| l.rfq_line_id == fl.line.id) else {
                continue;
            };
            fl.unit_price = n(&ql.unit_price);
            fl.freight_per_unit = n(&ql.freight_per_unit);
            fl.insurance_per_unit = n(&ql.insurance_per_unit);
            fl.min_quantity = n(&ql.min_quantity);
            fl.max_quantity = ql.max_quantity.as_ref().map(n).unwrap_or_default();
            fl.breaks = ql
                .price_breaks
                .iter()
                .map(|b| BreakRow {
                    min_quantity: n(&b.min_quantity),
                    unit_price: n(&b.unit_price),
                })
                .collect();
            fl.pad();
        }
        form
    }

    /// The form as posted (a new key: the re-rendered form is a new submission).
    fn from_post(rfq: &RfqOut, raw: &HashMap<String, String>, action: String) -> Self {
        let get = |k: &str| raw.get(k).cloned().unwrap_or_default();
        let mut form = Self::blank(rfq, action);
        form.currency = get("currency");
        form.incoterm = get("incoterm");
        form.named_place = get("named_place");
        form.valid_until = get("valid_until");
        form.lead_time_days = get("lead_time_days");
        form.payment_terms = get("payment_terms");
        form.notes = get("notes");
        // Lines by their RFQ line id (the index of a posted line is only its position).
        let posted: HashMap<String, usize> = (0..rfq.lines.len())
            .filter_map(|i| Some((raw.get(&format!("lines[{i}].rfq_line_id"))?.clone(), i)))
            .collect();
        for fl in &mut form.lines {
            let Some(i) = posted.get(&fl.line.id.to_string()) else {
                continue;
            };
            let field = |f: &str| get(&format!("lines[{i}].{f}"));
            fl.unit_price = field("unit_price");
            fl.freight_per_unit = field("freight_per_unit");
            fl.insurance_per_unit = field("insurance_per_unit");
            fl.min_quantity = field("min_quantity");
            fl.max_quantity = field("max_quantity");
            // Rows may have gaps (removed by the script): kept in order, renumbered.
            fl.breaks = (0..MAX_BREAK_ROWS)
                .filter_map(|j| {
                    let b = |f: &str| raw.get(&format!("lines[{i}].price_breaks[{j}].{f}"));
                    match (b("min_quantity"), b("unit_price")) {
                        (None, None) => None,
                        (m, u) => Some(BreakRow {
                            min_quantity: m.cloned().unwrap_or_default(),
                            unit_price: u.cloned().unwrap_or_default(),
                        }),
                    }
                })
                .filter(|r| !(r.min_quantity.trim().is_empty() && r.unit_price.trim().is_empty()))
                .collect();
            fl.pad();
        }
        form
    }

    /// What the service takes, with the form's own errors (numbers and dates that do not
    /// parse), and where each sent line and break sits in the form.
    fn to_input(&self, m: &QuoteMsgs, errors: &mut FormErrors) -> (QuoteIn, Positions) {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let mut positions = Positions::default();
        let mut lines = Vec::new();
        for fl in self.lines.iter().filter(|l| !l.is_blank()) {
            let unit_price = dec(errors, m, fl.name("unit_price"), &fl.unit_price);
            let freight = dec(errors, m, fl.name("freight_per_unit"), &fl.freight_per_unit);
            let insurance = dec(
                errors,
                m,
                fl.name("insurance_per_unit"),
                &fl.insurance_per_unit,
            );
            let min = dec(errors, m, fl.name("min_quantity"), &fl.min_quantity);
            let max = dec(errors, m, fl.name("max_quantity"), &fl.max_quantity);
            let mut breaks = Vec::new();
            let mut rows = Vec::new();
            for (j, b) in fl.breaks.iter().enumerate() {
                let (bm, bp) = (b.min_quantity.trim(), b.unit_price.trim());
                if bm.is_empty() && bp.is_empty() {
                    continue;
                }
                let qm = dec(errors, m, fl.bname(&j, "min_quantity"), bm);
                let qp = dec(errors, m, fl.bname(&j, "unit_price"), bp);
                if bm.is_empty() {
                    errors.push(&fl.bname(&j, "min_quantity"), m.err_break_incomplete);
                }
                if bp.is_empty() {
                    errors.push(&fl.bname(&j, "unit_price"), m.err_break_incomplete);
                }
                if let (Some(min_quantity), Some(unit_price)) = (qm, qp) {
                    breaks.push(PriceBreakIn {
                        min_quantity,
                        unit_price,
                    });
                    rows.push(j);
                }
            }
            if fl.unit_price.trim().is_empty() {
                errors.push(&fl.name("unit_price"), m.err_number);
            }
            lines.push(QuoteLineIn {
                rfq_line_id: fl.line.id,
                // A missing price is reported above; zero keeps the service's checks going.
                unit_price: unit_price.unwrap_or_default(),
                freight_per_unit: freight,
                insurance_per_unit: insurance,
                min_quantity: min,
                max_quantity: max,
                price_breaks: breaks,
            });
            positions.lines.push((fl.idx, rows));
        }
        let valid_until = match NaiveDate::parse_from_str(self.valid_until.trim(), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                errors.push("valid_until", m.err_date);
                NaiveDate::MIN
            }
        };
        let lead_time_days = match number(&self.lead_time_days).map(|t| t.parse::<i64>()) {
            Some(Ok(n)) => n,
            _ => {
                errors.push("lead_time_days", m.err_whole_number);
                0
            }
        };
        let input = QuoteIn {
            currency: self.currency.clone(),
            incoterm: self.incoterm.clone(),
            named_place: text(&self.named_place),
            valid_until,
            lead_time_days,
            payment_terms: text(&self.payment_terms),
            notes: text(&self.notes),
            lines,
        };
        (input, positions)
    }
}

/// A number typed into `field` (`None` when empty; an error when it is not a number).
fn dec(errors: &mut FormErrors, m: &QuoteMsgs, field: String, raw: &str) -> Option<Decimal> {
    let t = number(raw)?;
    match decimal::parse(&t) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(&field, m.err_number);
            None
        }
    }
}

/// Where the lines and breaks sent to the service sit in the form: per sent line, its form
/// index and the form rows of its sent breaks.
#[derive(Debug, Default)]
struct Positions {
    lines: Vec<(usize, Vec<usize>)>,
}

impl Positions {
    /// The form's field for a field path of the service (`lines[1].price_breaks[0].x`).
    fn field(&self, path: &str) -> String {
        let Some(rest) = path.strip_prefix("lines[") else {
            return path.to_owned();
        };
        let Some((k, rest)) = rest.split_once(']') else {
            return path.to_owned();
        };
        let Some((idx, rows)) = k.parse::<usize>().ok().and_then(|k| self.lines.get(k)) else {
            return path.to_owned();
        };
        if let Some(b) = rest.strip_prefix(".price_breaks[") {
            if let Some((j, tail)) = b.split_once(']') {
                if let Some(row) = j.parse::<usize>().ok().and_then(|j| rows.get(j)) {
                    return format!("lines[{idx}].price_breaks[{row}]{tail}");
                }
            }
        }
        format!("lines[{idx}]{rest}")
    }
}

/// The service's field errors on the form's fields, in the viewer's language.
fn service_errors(p: &Page, m: &QuoteMsgs, pos: &Positions, errs: &[FieldError]) -> FormErrors {
    FormErrors::localized_on(
        p.t,
        errs,
        |code| m.field_error(code.as_str()),
        |field| pos.field(field),
    )
}

// ---- the RFQ page ----

#[derive(Template)]
#[template(path = "web/quotes/rfq.html")]
struct RfqPage<'a> {
    page: &'a Page,
    m: &'static QuoteMsgs,
    f: Fmt,
    local: Option<Fmt>,
    rfq: RfqOut,
    /// The specification of each line's material (where it has one).
    specs: HashMap<RfqLineId, String>,
    /// Quotes may still be submitted or changed.
    open: bool,
    /// The form, when one is shown.
    form: Option<QuoteForm>,
    errors: FormErrors,
    /// After the award: the supplier's own standing and its POs on this RFQ.
    standing: Option<OwnStanding>,
    pos: Vec<PurchaseOrderOut>,
    /// A notice to show (`?withdrawn=1`).
    withdrawn_notice: bool,
}

impl<'a> RfqPage<'a> {
    /// The page of `rfq` in the `zones` of [`zones`] with `form` (when one is shown), and
    /// nothing of after the award.
    fn new(
        p: &'a Page,
        (f, local): (Fmt, Option<Fmt>),
        rfq: RfqOut,
        specs: HashMap<RfqLineId, String>,
        open: bool,
        form: Option<QuoteForm>,
        errors: FormErrors,
    ) -> Self {
        Self {
            page: p,
            m: msgs(p.locale),
            f,
            local,
            rfq,
            specs,
            open,
            form,
            errors,
            standing: None,
            pos: vec![],
            withdrawn_notice: false,
        }
    }
}

fn is_open(rfq: &RfqOut, f: &Fmt) -> bool {
    rfq.status == RfqStatus::Published && f.ahead(&rfq.deadline)
}

/// `GET /rfqs/{id}` for a supplier: the RFQ, its quote form or its own quote, and the
/// result after the award.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: RfqId,
) -> Result<HttpResponse, AppError> {
    let who = supplier(&p)?;
    let rfq = get_rfq(&state, &who, id).await?;
    let specs = line_specs(&state, &who, rfq.id).await?;
    let (f, local) = zones(&state, &p, &who).await?;
    let open = is_open(&rfq, &f);
    let form = (open && rfq.my_quote.is_none())
        .then(|| QuoteForm::blank(&rfq, format!("/rfqs/{}/quote", rfq.id)));
    let standing = own_standing(&state, &who, rfq.id).await?;
    let pos = if standing.is_some() {
        po_service::list(&state, &who, None, 100)
            .await?
            .into_iter()
            .filter(|po| po.rfq_id == rfq.id)
            .collect()
    } else {
        vec![]
    };
    page(&RfqPage {
        withdrawn_notice: p.path.contains("withdrawn=1"),
        standing,
        pos,
        ..RfqPage::new(
            &p,
            (f, local),
            rfq,
            specs,
            open,
            form,
            FormErrors::default(),
        )
    })
}

fn form_body(body: &web::Bytes) -> HashMap<String, String> {
    forms::fields(body).into_iter().collect()
}

/// Submits or revises from a posted form: the receipt on success, the form again (422)
/// with every error next to its field otherwise.
async fn post_quote(
    state: web::Data<AppState>,
    p: Page,
    rfq: RfqOut,
    revising: Option<QuoteId>,
    action: String,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let who = supplier(&p)?;
    let raw = form_body(&body);
    let m = msgs(p.locale);
    let (f, local) = zones(&state, &p, &who).await?;
    let specs = line_specs(&state, &who, rfq.id).await?;
    let mut form = QuoteForm::from_post(&rfq, &raw, action.clone());
    if let Some(r) = raw.get("revision").and_then(|r| r.parse().ok()) {
        form.revision = r;
    }
    let pr = &p;
    let again = |form: QuoteForm, errors: FormErrors| {
        let zones = (f, local);
        let rfq = rfq.clone();
        page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RfqPage::new(pr, zones, rfq, specs.clone(), true, Some(form), errors),
        )
    };
    let mut errors = FormErrors::default();
    let (input, positions) = form.to_input(m, &mut errors);
    if errors.any() {
        return again(form, errors);
    }
    let key = raw.get(idempotent::FIELD).cloned();
    let st = state.clone();
    idempotent::once(
        &state,
        who.user_id,
        key.as_deref(),
        &action,
        &body,
        || async move {
            let saved = match revising {
                None => quote_service::submit(&st, &who, rfq.id, input).await,
                Some(q) => quote_service::revise(&st, &who, q, input).await,
            };
            match saved {
                Ok(q) => Ok(Outcome::Done(format!("/quotes/{}?received=1", q.id))),
                Err(AppError::Validation(errs)) => {
                    let errors = service_errors(pr, m, &positions, &errs);
                    Ok(Outcome::Again(again(form, errors)?))
                }
                Err(e) => Err(e),
            }
        },
    )
    .await
}

/// `POST /rfqs/{id}/quote`: the first quote.
async fn submit(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let who = supplier(&p)?;
    let rfq = get_rfq(&state, &who, *id).await?;
    let action = format!("/rfqs/{}/quote", rfq.id);
    post_quote(state, p, rfq, None, action, body).await
}

/// The supplier's quote and its RFQ.
async fn own_quote(
    state: &AppState,
    who: &Principal,
    id: QuoteId,
) -> Result<(QuoteOut, RfqOut), AppError> {
    let q = quote_service::get(state, who, id).await?;
    let rfq = get_rfq(state, who, q.rfq_id).await?;
    Ok((q, rfq))
}

/// `GET /quotes/{id}/revise`: the form pre-filled with the current revision.
async fn revise_form(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<QuoteId>,
) -> Result<HttpResponse, AppError> {
    let who = supplier(&p)?;
    let (q, rfq) = own_quote(&state, &who, *id).await?;
    let specs = line_specs(&state, &who, rfq.id).await?;
    let (f, local) = zones(&state, &p, &who).await?;
    let open = is_open(&rfq, &f) && q.status != "withdrawn";
    let form = open.then(|| QuoteForm::from_quote(&rfq, &q, format!("/quotes/{}/revise", q.id)));
    page(&RfqPage::new(
        &p,
        (f, local),
        rfq,
        specs,
        open,
        form,
        FormErrors::default(),
    ))
}

/// `POST /quotes/{id}/revise`: a new revision.
async fn revise(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<QuoteId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let who = supplier(&p)?;
    let (q, rfq) = own_quote(&state, &who, *id).await?;
    let action = format!("/quotes/{}/revise", q.id);
    post_quote(state, p, rfq, Some(q.id), action, body).await
}

// ---- the receipt ----

#[derive(Template)]
#[template(path = "web/quotes/receipt.html")]
struct ReceiptPage<'a> {
    page: &'a Page,
    m: &'static QuoteMsgs,
    f: Fmt,
    local: Option<Fmt>,
    rfq: RfqOut,
    quote: QuoteOut,
    /// Newest first.
    revisions: Vec<RevisionOut>,
    /// The canonical document of the current revision.
    canonical: String,
    open: bool,
    received: bool,
}

impl ReceiptPage<'_> {
    /// The RFQ line a quote line prices.
    pub fn line(&self, id: &RfqLineId) -> Option<&RfqLineOut> {
        self.rfq.lines.iter().find(|l| l.id == *id)
    }
}

/// `GET /quotes/{id}`: the receipt of the current revision and every revision's digest.
async fn receipt(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<QuoteId>,
) -> Result<HttpResponse, AppError> {
    let who = supplier(&p)?;
    let (quote, rfq) = own_quote(&state, &who, *id).await?;
    let mut revisions = quote_service::revisions(&state, &who, quote.id).await?;
    revisions.sort_by_key(|r| std::cmp::Reverse(r.revision));
    let canonical = revisions
        .iter()
        .find(|r| r.revision == quote.revision)
        .map(|r| r.canonical.clone())
        .unwrap_or_default();
    let (f, local) = zones(&state, &p, &who).await?;
    let open = is_open(&rfq, &f) && quote.status != "withdrawn";
    page(&ReceiptPage {
        m: msgs(p.locale),
        received: p.path.contains("received=1"),
        page: &p,
        f,
        local,
        rfq,
        quote,
        revisions,
        canonical,
        open,
    })
}

// ---- withdrawal ----

#[derive(Template)]
#[template(path = "web/quotes/withdraw.html")]
struct WithdrawPage<'a> {
    page: &'a Page,
    m: &'static QuoteMsgs,
    rfq: RfqOut,
    quote: QuoteOut,
    key: String,
}

/// `GET /quotes/{id}/withdraw`: the confirmation.
async fn withdraw_form(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<QuoteId>,
) -> Result<HttpResponse, AppError> {
    let who = supplier(&p)?;
    let (quote, rfq) = own_quote(&state, &who, *id).await?;
    let (f, _) = zones(&state, &p, &who).await?;
    if quote.status == "withdrawn" || !is_open(&rfq, &f) {
        return Err(AppError::conflict(
            ErrorCode::QuoteWithdrawn,
            "This quote can no longer be withdrawn.",
        ));
    }
    page(&WithdrawPage {
        m: msgs(p.locale),
        page: &p,
        rfq,
        quote,
        key: idempotent::new_key(),
    })
}

/// `POST /quotes/{id}/withdraw`.
async fn withdraw(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<QuoteId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let who = supplier(&p)?;
    let id = *id;
    let raw = form_body(&body);
    let key = raw.get(idempotent::FIELD).cloned();
    let path = format!("/quotes/{id}/withdraw");
    let st = state.clone();
    idempotent::once(
        &state,
        who.user_id,
        key.as_deref(),
        &path,
        &body,
        || async move {
            let q = quote_service::withdraw(&st, &who, id).await?;
            Ok(Outcome::Done(format!("/rfqs/{}?withdrawn=1", q.rfq_id)))
        },
    )
    .await
}
