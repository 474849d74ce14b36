//! Use cases of quotes: submit, revise, withdraw (suppliers, before the deadline), and read
//! (the supplier any time; the buyer side after the deadline).
//!
//! The deadline is decided by the server's clock inside the writing transaction, which
//! share-locks the RFQ (a deadline change or award waits for it): the clock is read after
//! the lock and again just before commit, and a write that is not entirely before the
//! deadline is rolled back with `409 rfq_closed`. (Inside an `Idempotency-Key` request the
//! commit is the request's: the check is registered with `db::request::commit_before` and
//! repeated just before that commit.)

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::input::validate;
pub use super::input::{PriceBreakIn, QuoteIn, QuoteLineIn};
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
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::fx::service::fix_rfq_rates;
use crate::ids::{QuoteId, RfqId, SupplierId, UserId};
use crate::rfqs::models::{Rfq, RfqLine, RfqStatus};
use crate::rfqs::repo as rfq_repo;
use crate::rfqs::service::rfq_in_scope;
use crate::suppliers::repo as supplier_repo;

/// `GET /rfqs/{id}/quotes`.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteList {
    /// True until the deadline: then `items` is empty whoever asks.
    pub sealed: bool,
    /// Quotes currently submitted (not withdrawn).
    pub submitted_count: i64,
    pub items: Vec<QuoteOut>,
}

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
