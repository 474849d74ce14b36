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
/// response to a submission or revision is the receipt: `revision`, `submitted_at` and
/// `digest` identify exactly what was received.
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
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// One revision with its receipt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionOut {
    pub revision: i32,
    pub submitted_at: String,
    pub digest: String,
    /// The canonical document, byte for byte as hashed.
    pub canonical: String,
    /// The same document as JSON.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}
