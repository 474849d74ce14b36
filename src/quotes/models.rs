//! Rows of quotes, their lines, price breaks and revisions, and their API shapes.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ids::{CooperativeId, QuoteId, RfqId, RfqLineId, SupplierId, UserId};
use crate::schema::{quote_lines, quote_price_breaks, quote_revisions, quotes};

/// A quote row (its current revision).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = quotes, check_for_backend(diesel::pg::Pg))]
pub struct Quote {
    pub id: QuoteId,
    pub rfq_id: RfqId,
    pub cooperative_id: CooperativeId,
    pub supplier_id: SupplierId,
    pub status: String,
    pub revision: i32,
    pub currency: String,
    pub incoterm: String,
    pub named_place: Option<String>,
    pub valid_until: NaiveDate,
    pub lead_time_days: i32,
    pub payment_terms: Option<String>,
    pub notes: Option<String>,
    pub digest: String,
    pub submitted_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// A quote line row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = quote_lines, check_for_backend(diesel::pg::Pg))]
pub struct QuoteLine {
    pub quote_id: QuoteId,
    pub rfq_line_id: RfqLineId,
    pub rfq_id: RfqId,
    pub unit_price: Decimal,
    pub freight_per_unit: Decimal,
    pub insurance_per_unit: Decimal,
    pub min_quantity: Decimal,
    pub max_quantity: Option<Decimal>,
}

/// A price break row (DESIGN rule 4).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = quote_price_breaks, check_for_backend(diesel::pg::Pg))]
pub struct PriceBreak {
    pub quote_id: QuoteId,
    pub rfq_line_id: RfqLineId,
    pub min_quantity: Decimal,
    pub unit_price: Decimal,
}

/// A revision row: the canonical document and its digest.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = quote_revisions, check_for_backend(diesel::pg::Pg))]
pub struct QuoteRevision {
    pub quote_id: QuoteId,
    pub revision: i32,
    pub document: String,
    pub digest: String,
    pub submitted_at: DateTime<Utc>,
    pub submitted_by: UserId,
    /// The secret nonce inside `document` (`None` only for revisions sealed before nonces).
    pub nonce: Option<String>,
}

/// `submitted_at` exactly as it appears in the canonical document: RFC 3339, UTC, `Z`,
/// always six fractional digits.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A price break as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceBreakOut {
    #[schema(value_type = String)]
    pub min_quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
}

/// A quote line as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteLineOut {
    pub rfq_line_id: RfqLineId,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub freight_per_unit: Decimal,
    #[schema(value_type = String)]
    pub insurance_per_unit: Decimal,
    #[schema(value_type = String)]
    pub min_quantity: Decimal,
    #[schema(value_type = Option<String>)]
    pub max_quantity: Option<Decimal>,
    pub price_breaks: Vec<PriceBreakOut>,
}

/// A quote as its supplier (any time) or the buyer (after the deadline) sees it. The
/// response to a submission or revision is the receipt: `revision`, `submitted_at`, `nonce`
/// and `digest` identify exactly what was received (README "Quote receipts").
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteOut {
    pub id: QuoteId,
    pub rfq_id: RfqId,
    pub supplier_id: SupplierId,
    pub supplier_name: String,
    /// `submitted` or `withdrawn`.
    pub status: String,
    pub revision: i32,
    pub currency: String,
    pub incoterm: String,
    pub named_place: Option<String>,
    pub valid_until: NaiveDate,
    pub lead_time_days: i32,
    pub payment_terms: Option<String>,
    pub notes: Option<String>,
    pub lines: Vec<QuoteLineOut>,
    /// Server time of this revision, as in the canonical document (six fractional digits).
    #[schema(example = "2026-11-29T06:28:46.123456Z")]
    pub submitted_at: String,
    /// `sha256:<64 hex>` of this revision's canonical document.
    pub digest: String,
    /// The secret random nonce (64 lower-case hex digits) inside this revision's canonical
    /// document: the supplier needs it to recompute `digest`; the buyer side never sees a
    /// quote before the deadline. `null` only for revisions sealed before nonces existed.
    #[schema(example = "3f9c0e8a5b7d4c21e6f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8")]
    pub nonce: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// One revision with its receipt. The buyer side reads it only after the deadline; `nonce`
/// and `canonical` then let anyone recompute `digest`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionOut {
    pub revision: i32,
    pub submitted_at: String,
    pub digest: String,
    /// The secret nonce of this revision, as inside `canonical` (`null` only for revisions
    /// sealed before nonces existed).
    pub nonce: Option<String>,
    /// The canonical document, byte for byte as hashed.
    pub canonical: String,
    /// The same document as JSON.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}
