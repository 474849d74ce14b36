//! Rows of rounds and demand lines, and their API shapes.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ids::{CooperativeId, DemandLineId, MaterialId, MemberId, RoundId, UserId};
use crate::schema::{demand_lines, demand_rounds};

/// Lifecycle state of a round as the clock sees it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    Draft,
    Open,
    Closed,
    Cancelled,
}

impl RoundStatus {
    /// The serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// A round row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = demand_rounds, check_for_backend(diesel::pg::Pg))]
pub struct Round {
    pub id: RoundId,
    pub cooperative_id: CooperativeId,
    pub title: String,
    pub status: String,
    pub closes_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub reminder_sent_at: Option<DateTime<Utc>>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Round {
    /// The status at `now`: an open round is closed from `closes_at` on.
    pub fn status_at(&self, now: DateTime<Utc>) -> RoundStatus {
        match self.status.as_str() {
            "draft" => RoundStatus::Draft,
            "open" if now >= self.closes_at => RoundStatus::Closed,
            "open" => RoundStatus::Open,
            "closed" => RoundStatus::Closed,
            _ => RoundStatus::Cancelled,
        }
    }

    /// When the round stopped (or stops) taking demand.
    pub fn effective_closed_at(&self) -> Option<DateTime<Utc>> {
        match self.status.as_str() {
            "closed" => self.closed_at,
            "open" => Some(self.closes_at),
            _ => None,
        }
    }
}

/// A round as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundOut {
    pub id: RoundId,
    pub cooperative_id: CooperativeId,
    pub title: String,
    /// `draft`, `open`, `closed` (also from `closes_at` on) or `cancelled`.
    pub status: RoundStatus,
    pub closes_at: DateTime<Utc>,
    pub material_ids: Vec<MaterialId>,
    pub opened_at: Option<DateTime<Utc>>,
    /// When it actually stopped taking demand (`closes_at`, or earlier if closed early).
    pub closed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl RoundOut {
    /// Renders a round at `now`.
    pub fn new(r: Round, material_ids: Vec<MaterialId>, now: DateTime<Utc>) -> Self {
        let status = r.status_at(now);
        Self {
            closed_at: if status == RoundStatus::Closed {
                r.effective_closed_at()
            } else {
                None
            },
            status,
            id: r.id,
            cooperative_id: r.cooperative_id,
            title: r.title,
            closes_at: r.closes_at,
            material_ids,
            opened_at: r.opened_at,
            cancelled_at: r.cancelled_at,
            created_at: r.created_at,
        }
    }
}

/// A demand line row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = demand_lines, check_for_backend(diesel::pg::Pg))]
pub struct DemandLine {
    pub id: DemandLineId,
    pub round_id: RoundId,
    pub cooperative_id: CooperativeId,
    pub member_id: MemberId,
    pub material_id: MaterialId,
    pub quantity: Decimal,
    pub unit: String,
    pub quantity_base: Decimal,
    pub required_by: NaiveDate,
    pub delivery_site: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A demand line as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DemandOut {
    pub id: DemandLineId,
    pub round_id: RoundId,
    pub member_id: MemberId,
    pub material_id: MaterialId,
    /// As entered (decimal string).
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub unit: String,
    /// Converted exactly to the material's base unit.
    #[schema(value_type = String)]
    pub quantity_base: Decimal,
    pub base_unit: String,
    pub required_by: NaiveDate,
    pub delivery_site: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl DemandOut {
    /// Renders a line whose material has `base_unit`.
    pub fn new(l: DemandLine, base_unit: String) -> Self {
        Self {
            id: l.id,
            round_id: l.round_id,
            member_id: l.member_id,
            material_id: l.material_id,
            quantity: l.quantity.normalize(),
            unit: l.unit,
            quantity_base: l.quantity_base.normalize(),
            base_unit,
            required_by: l.required_by,
            delivery_site: l.delivery_site,
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}
