//! Queries on quotes. Every query that returns quote content takes a [`Reader`] and filters
//! by it in SQL, so a sealed quote's price, currency, Incoterm or supplier never leaves the
//! database for anyone but its supplier (DESIGN rule 3). Lines, price breaks and revisions
//! are loaded only for [`Unsealed`] rows, which only these queries construct.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{PriceBreak, Quote, QuoteLine, QuoteRevision};
use crate::ids::{CooperativeId, QuoteId, RfqId, SupplierId};
use crate::schema::{quote_lines, quote_price_breaks, quote_revisions, quotes, rfqs};

/// Who is reading quotes.
#[derive(Debug, Clone, Copy)]
pub enum Reader {
    /// A supplier: its own quotes, any time.
    Supplier(SupplierId),
    /// The buyer side (a cooperative's admins, or platform admins with `None`): quotes of
    /// RFQs whose deadline is at or before `now`.
    Buyer {
        cooperative: Option<CooperativeId>,
        now: DateTime<Utc>,
    },
}

/// A quote row the reader may see. Only this module creates one.
#[derive(Debug, Clone)]
pub struct Unsealed(Quote);

impl std::ops::Deref for Unsealed {
    type Target = Quote;
    fn deref(&self) -> &Quote {
        &self.0
    }
}

impl Unsealed {
    /// The row.
    pub fn into_inner(self) -> Quote {
        self.0
    }
}

/// Quotes visible to `reader`: the sealing rule as SQL. (`Quote` has every column of
/// `quotes` in table order, so the boxed query loads into it directly.)
fn visible<'a>(reader: Reader) -> quotes::BoxedQuery<'a, diesel::pg::Pg> {
    let q = quotes::table.into_boxed();
    match reader {
        Reader::Supplier(s) => q.filter(quotes::supplier_id.eq(s)),
        Reader::Buyer { cooperative, now } => {
            let past_deadline = rfqs::table.filter(rfqs::deadline.le(now)).select(rfqs::id);
            let q = q.filter(quotes::rfq_id.eq_any(past_deadline));
            match cooperative {
                Some(c) => q.filter(quotes::cooperative_id.eq(c)),
                None => q,
            }
        }
    }
}

/// One quote, if `reader` may see it.
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: QuoteId,
    reader: Reader,
) -> QueryResult<Option<Unsealed>> {
    Ok(visible(reader)
        .filter(quotes::id.eq(id))
        .first::<Quote>(conn)
        .await
        .optional()?
        .map(Unsealed))
}

/// The quotes of an RFQ that `reader` may see, oldest submission first.
pub async fn list_for_rfq(
    conn: &mut AsyncPgConnection,
    rfq: RfqId,
    reader: Reader,
) -> QueryResult<Vec<Unsealed>> {
    Ok(visible(reader)
        .filter(quotes::rfq_id.eq(rfq))
        .order(quotes::id.asc())
        .load::<Quote>(conn)
        .await?
        .into_iter()
        .map(Unsealed)
        .collect())
}

/// A supplier's own quotes on some RFQs.
pub async fn own_quotes(
    conn: &mut AsyncPgConnection,
    supplier: SupplierId,
    rfq_ids: &[RfqId],
) -> QueryResult<Vec<Quote>> {
    visible(Reader::Supplier(supplier))
        .filter(quotes::rfq_id.eq_any(rfq_ids))
        .load(conn)
        .await
}

/// Where a quote lives — its RFQ and cooperative, nothing about its content or supplier —
/// so that the buyer side can be told `409 sealed` rather than `404`.
pub async fn locate(
    conn: &mut AsyncPgConnection,
    id: QuoteId,
) -> QueryResult<Option<(RfqId, CooperativeId)>> {
    quotes::table
        .find(id)
        .select((quotes::rfq_id, quotes::cooperative_id))
        .first(conn)
        .await
        .optional()
}

/// Lines and price breaks of visible quotes.
pub async fn content_of(
    conn: &mut AsyncPgConnection,
    quotes: &[Unsealed],
) -> QueryResult<(Vec<QuoteLine>, Vec<PriceBreak>)> {
    let ids: Vec<QuoteId> = quotes.iter().map(|q| q.id).collect();
    let lines = quote_lines::table
        .filter(quote_lines::quote_id.eq_any(&ids))
        .select(QuoteLine::as_select())
        .load(conn)
        .await?;
    let breaks = quote_price_breaks::table
        .filter(quote_price_breaks::quote_id.eq_any(&ids))
        .order((
            quote_price_breaks::quote_id,
            quote_price_breaks::rfq_line_id,
            quote_price_breaks::min_quantity,
        ))
        .select(PriceBreak::as_select())
        .load(conn)
        .await?;
    Ok((lines, breaks))
}

/// The nonce of each visible quote's current revision (none for revisions sealed before
/// nonces existed).
pub async fn nonces_of(
    conn: &mut AsyncPgConnection,
    quotes: &[Unsealed],
) -> QueryResult<HashMap<QuoteId, String>> {
    let ids: Vec<QuoteId> = quotes.iter().map(|q| q.id).collect();
    let rows: Vec<(QuoteId, String)> = quote_revisions::table
        .inner_join(quotes::table)
        .filter(quote_revisions::quote_id.eq_any(&ids))
        .filter(quote_revisions::revision.eq(quotes::revision))
        .filter(quote_revisions::nonce.is_not_null())
        .select((
            quote_revisions::quote_id,
            quote_revisions::nonce.assume_not_null(),
        ))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Every revision of a visible quote, first to last.
pub async fn revisions_of(
    conn: &mut AsyncPgConnection,
    quote: &Unsealed,
) -> QueryResult<Vec<QuoteRevision>> {
    quote_revisions::table
        .filter(quote_revisions::quote_id.eq(quote.id))
        .order(quote_revisions::revision.asc())
        .select(QuoteRevision::as_select())
        .load(conn)
        .await
}

/// The supplier's own quote, locked for a revision or withdrawal.
pub async fn lock_own(
    conn: &mut AsyncPgConnection,
    id: QuoteId,
    supplier: SupplierId,
) -> QueryResult<Option<Quote>> {
    quotes::table
        .filter(quotes::id.eq(id))
        .filter(quotes::supplier_id.eq(supplier))
        .select(Quote::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Inserts a new quote (revision 1) with its content and revision record.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    quote: &Quote,
    lines: &[QuoteLine],
    breaks: &[PriceBreak],
    revision: &QuoteRevision,
) -> QueryResult<()> {
    diesel::insert_into(quotes::table)
        .values(quote)
        .execute(conn)
        .await?;
    write_content(conn, lines, breaks, revision).await
}

/// Replaces a quote's current revision (a `PUT`): new header, lines and breaks, and one more
/// revision record.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    quote: &Quote,
    lines: &[QuoteLine],
    breaks: &[PriceBreak],
    revision: &QuoteRevision,
) -> QueryResult<()> {
    diesel::update(quotes::table.find(quote.id))
        .set((
            quotes::revision.eq(quote.revision),
            quotes::currency.eq(&quote.currency),
            quotes::incoterm.eq(&quote.incoterm),
            quotes::named_place.eq(&quote.named_place),
            quotes::valid_until.eq(quote.valid_until),
            quotes::lead_time_days.eq(quote.lead_time_days),
            quotes::payment_terms.eq(&quote.payment_terms),
            quotes::notes.eq(&quote.notes),
            quotes::digest.eq(&quote.digest),
            quotes::submitted_at.eq(quote.submitted_at),
        ))
        .execute(conn)
        .await?;
    diesel::delete(quote_lines::table.filter(quote_lines::quote_id.eq(quote.id)))
        .execute(conn)
        .await?;
    write_content(conn, lines, breaks, revision).await
}

async fn write_content(
    conn: &mut AsyncPgConnection,
    lines: &[QuoteLine],
    breaks: &[PriceBreak],
    revision: &QuoteRevision,
) -> QueryResult<()> {
    diesel::insert_into(quote_lines::table)
        .values(lines)
        .execute(conn)
        .await?;
    if !breaks.is_empty() {
        diesel::insert_into(quote_price_breaks::table)
            .values(breaks)
            .execute(conn)
            .await?;
    }
    diesel::insert_into(quote_revisions::table)
        .values(revision)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a quote withdrawn.
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    id: QuoteId,
    now: DateTime<Utc>,
) -> QueryResult<Quote> {
    diesel::update(quotes::table.find(id))
        .set((quotes::status.eq("withdrawn"), quotes::withdrawn_at.eq(now)))
        .returning(Quote::as_returning())
        .get_result(conn)
        .await
}
