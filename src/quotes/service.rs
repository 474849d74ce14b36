//! Use cases of quotes: submit, revise, withdraw (suppliers, before the deadline), and read
//! (the supplier any time; the buyer side after the deadline).
//!
//! The deadline is decided by the server's clock inside the writing transaction, which
//! share-locks the RFQ (a deadline change or award waits for it): the clock is read after
//! the lock and again just before commit, and a write that is not entirely before the
//! deadline is rolled back with `409 rfq_closed`. (Inside an `Idempotency-Key` request the
//! commit is the request's: the check is registered with `db::request::commit_before` and
//! repeated just before that commit.)

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::models::{
    timestamp, PriceBreak, PriceBreakOut, Quote, QuoteLine, QuoteLineOut, QuoteOut, QuoteRevision,
    RevisionOut,
};
use super::receipt::{self, BreakContent, Content, LineContent};
use super::repo::{self, Reader, Unsealed};
use crate::audit::{self, Actor, Event};
use crate::auth::{Principal, Role};
use crate::context::Ctx;
use crate::cooperatives::repo as coop_repo;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::fx::service::fix_rfq_rates;
use crate::ids::{QuoteId, RfqId, RfqLineId, SupplierId, UserId};
use crate::materials::units;
use crate::rfqs::models::{Rfq, RfqLine, RfqStatus};
use crate::rfqs::repo as rfq_repo;
use crate::rfqs::service::rfq_in_scope;
use crate::suppliers::repo as supplier_repo;
use crate::validation::Collect;
use crate::{bounds, db, validation};

/// A price break in a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBreakIn {
    #[serde(deserialize_with = "crate::decimal::exact")]
    #[schema(value_type = String, example = "500")]
    pub min_quantity: Decimal,
    #[serde(deserialize_with = "crate::decimal::exact")]
    #[schema(value_type = String, example = "8300")]
    pub unit_price: Decimal,
}

/// A quote line in a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteLineIn {
    pub rfq_line_id: RfqLineId,
    /// Price per base unit of the line, in the quote's currency (> 0).
    #[serde(deserialize_with = "crate::decimal::exact")]
    #[schema(value_type = String, example = "8450.50")]
    pub unit_price: Decimal,
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    #[schema(value_type = Option<String>)]
    pub freight_per_unit: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    #[schema(value_type = Option<String>)]
    pub insurance_per_unit: Option<Decimal>,
    /// Smallest quantity the supplier will deliver (default 0).
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    #[schema(value_type = Option<String>)]
    pub min_quantity: Option<Decimal>,
    /// Largest quantity the supplier can deliver (default unlimited).
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    #[schema(value_type = Option<String>)]
    pub max_quantity: Option<Decimal>,
    /// All-units volume discounts: the price of the break with the largest `min_quantity`
    /// ≤ q applies to every unit. Strictly increasing `min_quantity`, non-increasing prices
    /// not above `unit_price`.
    #[serde(default)]
    pub price_breaks: Vec<PriceBreakIn>,
}

/// `POST /rfqs/{id}/quotes` and `PUT /quotes/{id}` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteIn {
    /// One of the RFQ's currencies.
    pub currency: String,
    /// One of the RFQ's Incoterms.
    pub incoterm: String,
    /// The Incoterm's named place (`Busan port`).
    pub named_place: Option<String>,
    /// Not before the deadline's date (in the cooperative's time zone).
    pub valid_until: NaiveDate,
    /// 0–365.
    pub lead_time_days: i64,
    pub payment_terms: Option<String>,
    pub notes: Option<String>,
    /// Some or all of the RFQ's lines, each at most once.
    pub lines: Vec<QuoteLineIn>,
}

/// `GET /rfqs/{id}/quotes`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteList {
    /// True until the deadline: then `items` is empty whoever asks.
    pub sealed: bool,
    /// Quotes currently submitted (not withdrawn).
    pub submitted_count: i64,
    pub items: Vec<QuoteOut>,
}

const MAX_SCALE: u32 = 6;
const MAX_BREAKS: usize = 20;

fn sealed() -> AppError {
    AppError::conflict(
        ErrorCode::Sealed,
        "Quotes are sealed until the RFQ's deadline; only their count is visible.",
    )
}

fn closed() -> AppError {
    AppError::conflict(
        ErrorCode::RfqClosed,
        "The RFQ's deadline has passed; quotes can no longer change.",
    )
}

/// What a checked figure of a quote is: a price (at most 6 decimals) or a quantity of the
/// line (at most its unit's decimals), each with its bound from [`crate::bounds`].
#[derive(Debug, Clone, Copy)]
enum Figure {
    Price,
    Quantity { precision: u32 },
}

/// Checks a figure: `positive` (> 0) or non-negative, not too precise, within its bound.
fn amount(
    field: &str,
    v: Decimal,
    positive: bool,
    figure: Figure,
    errors: &mut Vec<FieldError>,
) -> Option<Decimal> {
    let (scale, bound) = match figure {
        Figure::Price => (MAX_SCALE, bounds::price(field, v)),
        Figure::Quantity { precision } => (precision.min(MAX_SCALE), bounds::quantity(field, v)),
    };
    if positive && v <= Decimal::ZERO {
        errors.push(FieldError::new(
            field,
            ErrorCode::NotPositive,
            "must be greater than 0",
        ));
    } else if v < Decimal::ZERO {
        errors.push(FieldError::new(
            field,
            ErrorCode::Negative,
            "must not be negative",
        ));
    } else if v.normalize().scale() > scale {
        errors.push(FieldError::new(
            field,
            ErrorCode::TooPrecise,
            format!("may have at most {scale} decimal places"),
        ));
    } else if let Err(e) = bound {
        errors.push(e);
    } else {
        return Some(v.normalize());
    }
    None
}

fn optional_text(
    field: &str,
    raw: &Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => validation::text(field, t, max).collect_into(errors),
    }
}

/// Validates a quote against its RFQ (422 with every problem at once).
fn validate(
    input: &QuoteIn,
    rfq: &Rfq,
    rfq_lines: &[RfqLine],
    deadline_date: NaiveDate,
) -> Result<Content, AppError> {
    let mut errors = Vec::new();
    let currency = input.currency.trim().to_ascii_uppercase();
    let currencies = rfq.currency_list();
    if !currencies.contains(&currency) {
        errors.push(FieldError::new(
            "currency",
            ErrorCode::CurrencyNotAllowed,
            format!("must be one of {}", currencies.join(", ")),
        ));
    }
    let incoterm = input.incoterm.trim().to_ascii_uppercase();
    let incoterms = rfq.incoterm_list();
    if !incoterms.contains(&incoterm) {
        errors.push(FieldError::new(
            "incoterm",
            ErrorCode::IncotermNotAllowed,
            format!("must be one of {}", incoterms.join(", ")),
        ));
    }
    let named_place = optional_text("named_place", &input.named_place, 200, &mut errors);
    let payment_terms = optional_text("payment_terms", &input.payment_terms, 500, &mut errors);
    let notes = optional_text("notes", &input.notes, 2000, &mut errors);
    if let Err(e) = validation::date("valid_until", input.valid_until) {
        errors.push(e);
    } else if input.valid_until < deadline_date {
        errors.push(FieldError::new(
            "valid_until",
            ErrorCode::BeforeDeadline,
            format!("must not be before the deadline's date {deadline_date}"),
        ));
    }
    if !(0..=365).contains(&input.lead_time_days) {
        errors.push(FieldError::new(
            "lead_time_days",
            ErrorCode::OutOfRange,
            "must be from 0 to 365",
        ));
    }
    if input.lines.is_empty() {
        errors.push(FieldError::new(
            "lines",
            ErrorCode::Empty,
            "quote at least one line",
        ));
    }
    let mut seen = HashSet::new();
    let mut lines = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        // Quantities are in the line's (base) unit, at most as precise as it allows.
        let quantity = Figure::Quantity {
            precision: rfq_lines
                .iter()
                .find(|r| r.id == l.rfq_line_id)
                .and_then(|r| units::unit(&r.unit))
                .map_or(MAX_SCALE, |u| u.precision),
        };
        if !rfq_lines.iter().any(|r| r.id == l.rfq_line_id) {
            errors.push(FieldError::new(
                f("rfq_line_id"),
                ErrorCode::UnknownLine,
                "is not a line of this RFQ",
            ));
        } else if !seen.insert(l.rfq_line_id) {
            errors.push(FieldError::new(
                f("rfq_line_id"),
                ErrorCode::DuplicateLine,
                "is quoted more than once",
            ));
        }
        let price = amount(
            &f("unit_price"),
            l.unit_price,
            true,
            Figure::Price,
            &mut errors,
        );
        let freight = amount(
            &f("freight_per_unit"),
            l.freight_per_unit.unwrap_or_default(),
            false,
            Figure::Price,
            &mut errors,
        );
        let insurance = amount(
            &f("insurance_per_unit"),
            l.insurance_per_unit.unwrap_or_default(),
            false,
            Figure::Price,
            &mut errors,
        );
        let min = amount(
            &f("min_quantity"),
            l.min_quantity.unwrap_or_default(),
            false,
            quantity,
            &mut errors,
        );
        let max = l
            .max_quantity
            .map(|m| amount(&f("max_quantity"), m, true, quantity, &mut errors));
        if let (Some(min), Some(Some(max))) = (min, max) {
            if min > max {
                errors.push(FieldError::new(
                    f("min_quantity"),
                    ErrorCode::MinAboveMax,
                    "must not exceed max_quantity",
                ));
            }
        }
        if l.price_breaks.len() > MAX_BREAKS {
            errors.push(FieldError::new(
                f("price_breaks"),
                ErrorCode::TooMany,
                format!("at most {MAX_BREAKS} price breaks"),
            ));
        }
        let mut breaks = Vec::new();
        let (mut last_min, mut last_price) = (Decimal::ZERO, price);
        for (j, b) in l.price_breaks.iter().enumerate() {
            let bf = |name: &str| format!("lines[{i}].price_breaks[{j}].{name}");
            let bmin = amount(
                &bf("min_quantity"),
                b.min_quantity,
                true,
                quantity,
                &mut errors,
            );
            let bprice = amount(
                &bf("unit_price"),
                b.unit_price,
                true,
                Figure::Price,
                &mut errors,
            );
            if let Some(m) = bmin {
                if m <= last_min {
                    errors.push(FieldError::new(
                        bf("min_quantity"),
                        ErrorCode::NotIncreasing,
                        "must be greater than the previous break's min_quantity",
                    ));
                }
                last_min = m;
            }
            if let (Some(p), Some(prev)) = (bprice, last_price) {
                if p > prev {
                    errors.push(FieldError::new(
                        bf("unit_price"),
                        ErrorCode::NotADiscount,
                        "a price break must not be above the unit price or the previous break",
                    ));
                }
            }
            if bprice.is_some() {
                last_price = bprice;
            }
            if let (Some(m), Some(p)) = (bmin, bprice) {
                breaks.push(BreakContent {
                    min_quantity: m,
                    unit_price: p,
                });
            }
        }
        if let (Some(price), Some(freight), Some(insurance), Some(min)) =
            (price, freight, insurance, min)
        {
            lines.push(LineContent {
                rfq_line_id: l.rfq_line_id,
                unit_price: price,
                freight_per_unit: freight,
                insurance_per_unit: insurance,
                min_quantity: min,
                max_quantity: max.flatten(),
                price_breaks: breaks,
            });
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Content {
        currency,
        incoterm,
        named_place,
        valid_until: input.valid_until,
        lead_time_days: i32::try_from(input.lead_time_days).unwrap_or_default(),
        payment_terms,
        notes,
        lines,
    })
}

/// Rows of a revision.
fn rows(
    quote: &Quote,
    content: &Content,
    canonical: String,
    nonce: &str,
    submitted_by: UserId,
) -> (Vec<QuoteLine>, Vec<PriceBreak>, QuoteRevision) {
    let lines = content
        .lines
        .iter()
        .map(|l| QuoteLine {
            quote_id: quote.id,
            rfq_line_id: l.rfq_line_id,
            rfq_id: quote.rfq_id,
            unit_price: l.unit_price,
            freight_per_unit: l.freight_per_unit,
            insurance_per_unit: l.insurance_per_unit,
            min_quantity: l.min_quantity,
            max_quantity: l.max_quantity,
        })
        .collect();
    let breaks = content
        .lines
        .iter()
        .flat_map(|l| {
            l.price_breaks.iter().map(|b| PriceBreak {
                quote_id: quote.id,
                rfq_line_id: l.rfq_line_id,
                min_quantity: b.min_quantity,
                unit_price: b.unit_price,
            })
        })
        .collect();
    let revision = QuoteRevision {
        quote_id: quote.id,
        revision: quote.revision,
        document: canonical,
        digest: quote.digest.clone(),
        submitted_at: quote.submitted_at,
        submitted_by,
        nonce: Some(nonce.to_owned()),
    };
    (lines, breaks, revision)
}

/// The calling supplier.
fn supplier_of(who: &Principal) -> Result<SupplierId, AppError> {
    who.require(&[Role::Supplier])?;
    who.supplier_id.ok_or(AppError::Forbidden)
}

/// The RFQ a supplier may quote on (published or later, invited), with its lines and the
/// deadline's date in the cooperative's zone.
async fn quotable_rfq(
    conn: &mut AsyncPgConnection,
    supplier: SupplierId,
    id: RfqId,
) -> Result<(Rfq, Vec<RfqLine>, NaiveDate), AppError> {
    let rfq = rfq_repo::find_rfq(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if rfq.published_at.is_none() || !rfq_repo::is_invited(conn, id, supplier).await? {
        return Err(AppError::NotFound);
    }
    let lines = rfq_repo::lines_of(conn, &[id])
        .await?
        .into_iter()
        .map(|(l, ..)| l)
        .collect();
    let coop = coop_repo::find_cooperative(conn, rfq.cooperative_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let date = coop.local_date(rfq.deadline);
    Ok((rfq, lines, date))
}

/// Inside a writing transaction: share-locks the RFQ and checks that it takes quotes now.
async fn open_for_quotes(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    id: RfqId,
) -> Result<(Rfq, DateTime<Utc>), AppError> {
    let rfq = rfq_repo::share_rfq(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = ctx.clock.now().trunc_subsecs(6);
    match rfq.status_at(now) {
        RfqStatus::Published => Ok((rfq, now)),
        RfqStatus::Cancelled => Err(AppError::conflict(
            ErrorCode::RfqCancelled,
            "The RFQ was cancelled; it takes no quotes.",
        )),
        _ => Err(closed()),
    }
}

/// The quote was validated (`valid_until`) against this deadline; an extension committed
/// in between asks the supplier to submit again.
fn same_deadline(rfq: &Rfq, validated_against: DateTime<Utc>) -> Result<(), AppError> {
    if rfq.deadline != validated_against {
        return Err(AppError::conflict(
            ErrorCode::RfqChanged,
            "The RFQ's deadline changed while your quote was checked; submit it again.",
        ));
    }
    Ok(())
}

/// Just before commit: the whole write happened before the deadline. Inside an idempotent
/// request the real commit is the request's, so the deadline is re-checked there too.
fn still_open(ctx: &Ctx, rfq: &Rfq) -> Result<(), AppError> {
    if ctx.clock.now() >= rfq.deadline {
        return Err(closed());
    }
    db::request::commit_before(db::request::CommitDeadline {
        at: rfq.deadline,
        database_clock: false, // the server's clock decides (DESIGN, quote lifecycle)
        error: closed,
    });
    Ok(())
}

async fn record(
    conn: &mut AsyncPgConnection,
    action: &'static str,
    quote: &Quote,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // Only the digest and revision, and no user: the audit trail is readable by the buyer
    // side, and its hashes would let anyone test a guessed actor. Who submitted each
    // revision is in `quote_revisions.submitted_by`, read through the sealing gate. The
    // digest commits to the revision's secret nonce (never recorded here), and the buyer
    // side's audit list withholds quote events until the deadline (`audit::repo`), so
    // neither the digest nor the event's time is seen while the quote is sealed.
    audit::record(
        conn,
        now,
        Event::platform(
            Actor::System,
            action,
            "quote",
            quote.id,
            json!({"digest": quote.digest, "revision": quote.revision}),
        )
        .in_cooperative(Some(quote.cooperative_id)),
    )
    .await?;
    Ok(())
}

/// `POST /rfqs/{id}/quotes` (an invited supplier, before the deadline).
pub async fn submit(
    ctx: &Ctx,
    who: &Principal,
    rfq_id: RfqId,
    input: QuoteIn,
) -> Result<QuoteOut, AppError> {
    let supplier = supplier_of(who)?;
    let mut conn = db::conn(&ctx.pool).await?;
    let (rfq, lines, date) = quotable_rfq(&mut conn, supplier, rfq_id).await?;
    let content = validate(&input, &rfq, &lines, date)?;
    let validated_against = rfq.deadline;
    let (quote, nonce) = conn
        .transaction(async |conn| -> Result<(Quote, String), AppError> {
            let (rfq, now) = open_for_quotes(conn, ctx, rfq_id).await?;
            same_deadline(&rfq, validated_against)?;
            let nonce = receipt::new_nonce()?;
            let (canonical, digest) = receipt::seal(rfq.id, supplier, 1, now, &nonce, &content);
            let quote = Quote {
                id: QuoteId::new(),
                rfq_id: rfq.id,
                cooperative_id: rfq.cooperative_id,
                supplier_id: supplier,
                status: "submitted".into(),
                revision: 1,
                currency: content.currency.clone(),
                incoterm: content.incoterm.clone(),
                named_place: content.named_place.clone(),
                valid_until: content.valid_until,
                lead_time_days: content.lead_time_days,
                payment_terms: content.payment_terms.clone(),
                notes: content.notes.clone(),
                digest,
                submitted_at: now,
                withdrawn_at: None,
            };
            let (l, b, r) = rows(&quote, &content, canonical, &nonce, who.user_id);
            repo::insert(conn, &quote, &l, &b, &r).await?;
            record(conn, "quote.submitted", &quote, now).await?;
            still_open(ctx, &rfq)?;
            Ok((quote, nonce))
        })
        .await?;
    let name = supplier_name(&mut conn, supplier).await?;
    Ok(render_content(quote, name, &content, Some(nonce)))
}

/// `PUT /quotes/{id}`: a full replacement, revision + 1, every revision kept.
pub async fn revise(
    ctx: &Ctx,
    who: &Principal,
    id: QuoteId,
    input: QuoteIn,
) -> Result<QuoteOut, AppError> {
    let supplier = supplier_of(who)?;
    let mut conn = db::conn(&ctx.pool).await?;
    let current = repo::find(&mut conn, id, Reader::Supplier(supplier))
        .await?
        .ok_or(AppError::NotFound)?;
    let (rfq, lines, date) = quotable_rfq(&mut conn, supplier, current.rfq_id).await?;
    let content = validate(&input, &rfq, &lines, date)?;
    let validated_against = rfq.deadline;
    let (quote, nonce) = conn
        .transaction(async |conn| -> Result<(Quote, String), AppError> {
            let (rfq, now) = open_for_quotes(conn, ctx, rfq.id).await?;
            same_deadline(&rfq, validated_against)?;
            let old = repo::lock_own(conn, id, supplier)
                .await?
                .ok_or(AppError::NotFound)?;
            if old.status == "withdrawn" {
                return Err(AppError::conflict(
                    ErrorCode::QuoteWithdrawn,
                    "This quote was withdrawn; a withdrawn quote cannot be revised.",
                ));
            }
            let revision = old.revision + 1;
            let nonce = receipt::new_nonce()?;
            let (canonical, digest) =
                receipt::seal(rfq.id, supplier, revision, now, &nonce, &content);
            let quote = Quote {
                revision,
                currency: content.currency.clone(),
                incoterm: content.incoterm.clone(),
                named_place: content.named_place.clone(),
                valid_until: content.valid_until,
                lead_time_days: content.lead_time_days,
                payment_terms: content.payment_terms.clone(),
                notes: content.notes.clone(),
                digest,
                submitted_at: now,
                ..old
            };
            let (l, b, r) = rows(&quote, &content, canonical, &nonce, who.user_id);
            repo::replace(conn, &quote, &l, &b, &r).await?;
            record(conn, "quote.revised", &quote, now).await?;
            still_open(ctx, &rfq)?;
            Ok((quote, nonce))
        })
        .await?;
    let name = supplier_name(&mut conn, supplier).await?;
    Ok(render_content(quote, name, &content, Some(nonce)))
}

/// `POST /quotes/{id}/withdraw`, before the deadline.
pub async fn withdraw(ctx: &Ctx, who: &Principal, id: QuoteId) -> Result<QuoteOut, AppError> {
    let supplier = supplier_of(who)?;
    let mut conn = db::conn(&ctx.pool).await?;
    let current = repo::find(&mut conn, id, Reader::Supplier(supplier))
        .await?
        .ok_or(AppError::NotFound)?;
    conn.transaction(async |conn| -> Result<(), AppError> {
        let (rfq, now) = open_for_quotes(conn, ctx, current.rfq_id).await?;
        let old = repo::lock_own(conn, id, supplier)
            .await?
            .ok_or(AppError::NotFound)?;
        if old.status == "withdrawn" {
            return Err(AppError::conflict(
                ErrorCode::QuoteWithdrawn,
                "This quote was withdrawn already.",
            ));
        }
        let q = repo::withdraw(conn, id, now).await?;
        record(conn, "quote.withdrawn", &q, now).await?;
        still_open(ctx, &rfq)
    })
    .await?;
    let q = repo::find(&mut conn, id, Reader::Supplier(supplier))
        .await?
        .ok_or(AppError::NotFound)?;
    render(&mut conn, vec![q])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The reader a caller is: a supplier, or the buyer side (a member may not read quotes).
fn reader(who: &Principal, now: DateTime<Utc>) -> Result<Reader, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin, Role::Supplier])?;
    Ok(match who.role {
        Role::Supplier => Reader::Supplier(who.supplier_id.ok_or(AppError::Forbidden)?),
        Role::PlatformAdmin => Reader::Buyer {
            cooperative: None,
            now,
        },
        _ => Reader::Buyer {
            cooperative: Some(who.cooperative_id.ok_or(AppError::Forbidden)?),
            now,
        },
    })
}

/// A quote the caller may read, or why not: 409 `sealed` for the buyer side of the quote's
/// cooperative before the deadline, else 404.
async fn readable(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: QuoteId,
    now: DateTime<Utc>,
) -> Result<Unsealed, AppError> {
    let r = reader(who, now)?;
    if let Some(q) = repo::find(conn, id, r).await? {
        if let Reader::Buyer { .. } = r {
            if let Some(rfq) = rfq_repo::find_rfq(conn, q.rfq_id).await? {
                fix_rfq_rates(conn, &rfq, now).await?;
            }
        }
        return Ok(q);
    }
    match (r, repo::locate(conn, id).await?) {
        (Reader::Buyer { .. }, Some((_, coop))) => {
            who.in_cooperative(coop, &[Role::CoopAdmin])?;
            Err(sealed())
        }
        _ => Err(AppError::NotFound),
    }
}

/// `GET /quotes/{id}`.
pub async fn get(ctx: &Ctx, who: &Principal, id: QuoteId) -> Result<QuoteOut, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let q = readable(&mut conn, who, id, ctx.clock.now()).await?;
    render(&mut conn, vec![q])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// `GET /quotes/{id}/revisions`.
pub async fn revisions(
    ctx: &Ctx,
    who: &Principal,
    id: QuoteId,
) -> Result<Vec<RevisionOut>, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    let q = readable(&mut conn, who, id, ctx.clock.now()).await?;
    Ok(repo::revisions_of(&mut conn, &q)
        .await?
        .into_iter()
        .map(|r| RevisionOut {
            revision: r.revision,
            submitted_at: timestamp(r.submitted_at),
            digest: r.digest,
            nonce: r.nonce,
            document: serde_json::from_str(&r.document).unwrap_or_default(),
            canonical: r.document,
        })
        .collect())
}

/// `GET /rfqs/{id}/quotes` (the buyer side): only the count before the deadline.
pub async fn list_for_rfq(
    ctx: &Ctx,
    who: &Principal,
    rfq_id: RfqId,
) -> Result<QuoteList, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let rfq = rfq_in_scope(&mut conn, who, rfq_id).await?;
    let now = ctx.clock.now();
    let submitted_count = rfq_repo::submitted_counts(&mut conn, &[rfq.id])
        .await?
        .first()
        .map_or(0, |(_, n)| *n);
    let quotes = repo::list_for_rfq(&mut conn, rfq.id, reader(who, now)?).await?;
    let sealed = rfq.sealed_at(now);
    fix_rfq_rates(&mut conn, &rfq, now).await?;
    Ok(QuoteList {
        sealed,
        submitted_count,
        items: render(&mut conn, quotes).await?,
    })
}

async fn supplier_name(conn: &mut AsyncPgConnection, id: SupplierId) -> Result<String, AppError> {
    Ok(supplier_repo::find(conn, id)
        .await?
        .map(|s| s.name)
        .unwrap_or_default())
}

fn render_content(
    q: Quote,
    supplier_name: String,
    content: &Content,
    nonce: Option<String>,
) -> QuoteOut {
    let mut lines: Vec<&LineContent> = content.lines.iter().collect();
    lines.sort_by_key(|l| l.rfq_line_id);
    QuoteOut {
        lines: lines
            .into_iter()
            .map(|l| QuoteLineOut {
                rfq_line_id: l.rfq_line_id,
                unit_price: l.unit_price,
                freight_per_unit: l.freight_per_unit,
                insurance_per_unit: l.insurance_per_unit,
                min_quantity: l.min_quantity,
                max_quantity: l.max_quantity,
                price_breaks: l
                    .price_breaks
                    .iter()
                    .map(|b| PriceBreakOut {
                        min_quantity: b.min_quantity,
                        unit_price: b.unit_price,
                    })
                    .collect(),
            })
            .collect(),
        supplier_name,
        submitted_at: timestamp(q.submitted_at),
        id: q.id,
        rfq_id: q.rfq_id,
        supplier_id: q.supplier_id,
        status: q.status,
        revision: q.revision,
        currency: q.currency,
        incoterm: q.incoterm,
        named_place: q.named_place,
        valid_until: q.valid_until,
        lead_time_days: q.lead_time_days,
        payment_terms: q.payment_terms,
        notes: q.notes,
        digest: q.digest,
        nonce,
        withdrawn_at: q.withdrawn_at,
    }
}

/// Renders visible quotes with their lines and breaks.
async fn render(
    conn: &mut AsyncPgConnection,
    quotes: Vec<Unsealed>,
) -> Result<Vec<QuoteOut>, AppError> {
    let (lines, breaks) = repo::content_of(conn, &quotes).await?;
    let mut nonces = repo::nonces_of(conn, &quotes).await?;
    let ids: Vec<SupplierId> = quotes.iter().map(|q| q.supplier_id).collect();
    let names: HashMap<SupplierId, String> = supplier_repo::find_many(conn, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut out = Vec::with_capacity(quotes.len());
    for q in quotes {
        let q = q.into_inner();
        let content = Content {
            currency: q.currency.clone(),
            incoterm: q.incoterm.clone(),
            named_place: None,
            valid_until: q.valid_until,
            lead_time_days: q.lead_time_days,
            payment_terms: None,
            notes: None,
            lines: lines
                .iter()
                .filter(|l| l.quote_id == q.id)
                .map(|l| LineContent {
                    rfq_line_id: l.rfq_line_id,
                    unit_price: l.unit_price.normalize(),
                    freight_per_unit: l.freight_per_unit.normalize(),
                    insurance_per_unit: l.insurance_per_unit.normalize(),
                    min_quantity: l.min_quantity.normalize(),
                    max_quantity: l.max_quantity.map(|m| m.normalize()),
                    price_breaks: breaks
                        .iter()
                        .filter(|b| b.quote_id == q.id && b.rfq_line_id == l.rfq_line_id)
                        .map(|b| BreakContent {
                            min_quantity: b.min_quantity.normalize(),
                            unit_price: b.unit_price.normalize(),
                        })
                        .collect(),
                })
                .collect(),
        };
        let name = names.get(&q.supplier_id).cloned().unwrap_or_default();
        let nonce = nonces.remove(&q.id);
        out.push(render_content(q, name, &content, nonce));
    }
    Ok(out)
}
