//! Rows of RFQs, their lines and invitations, and their API shapes.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ids::{
    CooperativeId, MaterialId, QuoteId, RfqId, RfqLineId, RoundId, SupplierId, UserId,
};
use crate::schema::{rfq_lines, rfqs};

/// Lifecycle state of an RFQ as the clock sees it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RfqStatus {
    Draft,
    Published,
    /// Published and at or past its deadline: quotes are unsealed and frozen.
    Closed,
    Awarded,
    Cancelled,
}

impl RfqStatus {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Closed => "closed",
            Self::Awarded => "awarded",
            Self::Cancelled => "cancelled",
        }
    }
}

/// An RFQ row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rfqs, check_for_backend(diesel::pg::Pg))]
pub struct Rfq {
    pub id: RfqId,
    pub cooperative_id: CooperativeId,
    pub round_id: RoundId,
    pub title: String,
    pub status: String,
    pub deadline: DateTime<Utc>,
    pub delivery_place: String,
    /// Never null in practice (`text[]` maps to nullable elements); see [`Rfq::currency_list`].
    pub currencies: Vec<Option<String>>,
    pub incoterms: Vec<Option<String>>,
    pub weight_price: Decimal,
    pub weight_lead_time: Decimal,
    pub published_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl Rfq {
    /// The allowed currencies.
    pub fn currency_list(&self) -> Vec<String> {
        self.currencies.iter().flatten().cloned().collect()
    }

    /// The allowed Incoterms.
    pub fn incoterm_list(&self) -> Vec<String> {
        self.incoterms.iter().flatten().cloned().collect()
    }

    /// The status at `now`: a published RFQ is closed from its deadline on.
    pub fn status_at(&self, now: DateTime<Utc>) -> RfqStatus {
        match self.status.as_str() {
            "draft" => RfqStatus::Draft,
            "published" if now >= self.deadline => RfqStatus::Closed,
            "published" => RfqStatus::Published,
            "awarded" => RfqStatus::Awarded,
            _ => RfqStatus::Cancelled,
        }
    }

    /// Whether quotes are sealed at `now` (DESIGN rule 3): until the deadline, whatever the
    /// status (a cancelled RFQ's quotes stay sealed if it was cancelled before).
    pub fn sealed_at(&self, now: DateTime<Utc>) -> bool {
        now < self.deadline
    }
}

/// An RFQ line row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rfq_lines, check_for_backend(diesel::pg::Pg))]
pub struct RfqLine {
    pub id: RfqLineId,
    pub rfq_id: RfqId,
    pub cooperative_id: CooperativeId,
    pub round_id: RoundId,
    pub material_id: MaterialId,
    pub position: i32,
    pub quantity: Decimal,
    pub unit: String,
    pub required_by: NaiveDate,
    pub duty_rate: Decimal,
    pub live: bool,
}

/// Scoring weights (DESIGN rule 6).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Weights {
    #[schema(value_type = String, example = "1")]
    pub price: Decimal,
    #[schema(value_type = String, example = "0")]
    pub lead_time: Decimal,
}

/// A line as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RfqLineOut {
    pub id: RfqLineId,
    pub material_id: MaterialId,
    pub material_code: String,
    pub material_name: String,
    /// The round's aggregated demand, in the material's base unit.
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub unit: String,
    /// The earliest required-by date of the round's demand.
    pub required_by: NaiveDate,
    /// Import duty, percent of the CIF value (overseas suppliers, not DDP).
    #[schema(value_type = String)]
    pub duty_rate: Decimal,
}

/// The caller's own quote on an RFQ (suppliers only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnQuote {
    pub id: QuoteId,
    pub status: String,
    pub revision: i32,
    pub digest: String,
}

/// An RFQ as the API shows it. A supplier does not see who else is invited, nor how many
/// quotes there are.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RfqOut {
    pub id: RfqId,
    pub cooperative_id: CooperativeId,
    pub cooperative_name: String,
    pub round_id: RoundId,
    pub title: String,
    /// `draft`, `published`, `closed` (published, from the deadline on), `awarded`, `cancelled`.
    pub status: RfqStatus,
    pub deadline: DateTime<Utc>,
    pub delivery_place: String,
    /// The cooperative's base currency (landed costs are compared in it).
    pub base_currency: String,
    pub currencies: Vec<String>,
    pub incoterms: Vec<String>,
    pub weights: Weights,
    /// Per-unit base-currency estimates of the buyer's costs under each Incoterm.
    #[schema(value_type = BTreeMap<String, String>)]
    pub logistics_adders: BTreeMap<String, Decimal>,
    pub lines: Vec<RfqLineOut>,
    /// Invited suppliers (not shown to suppliers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier_ids: Option<Vec<SupplierId>>,
    /// Quotes currently submitted (not withdrawn); the only quote fact visible before the
    /// deadline (not shown to suppliers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_count: Option<i64>,
    /// The calling supplier's own quote, if any (suppliers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_quote: Option<OwnQuote>,
    pub published_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}
