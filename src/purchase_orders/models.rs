//! Rows of purchase orders, their lines and member allocations, and their API shapes.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ids::{
    CooperativeId, MaterialId, MemberId, PoLineId, PurchaseOrderId, QuoteId, RfqId, RfqLineId,
    SupplierId,
};
use crate::schema::{po_lines, po_member_allocations, purchase_orders};

/// A purchase order row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = purchase_orders, check_for_backend(diesel::pg::Pg))]
pub struct PurchaseOrder {
    pub id: PurchaseOrderId,
    pub cooperative_id: CooperativeId,
    pub supplier_id: SupplierId,
    pub rfq_id: RfqId,
    pub quote_id: QuoteId,
    pub number: String,
    pub status: String,
    pub currency: String,
    pub incoterm: String,
    pub named_place: Option<String>,
    pub fx_rate: Decimal,
    pub fx_date: NaiveDate,
    pub total: Decimal,
    pub total_base: Decimal,
    pub issued_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// A PO line row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = po_lines, check_for_backend(diesel::pg::Pg))]
pub struct PoLine {
    pub id: PoLineId,
    pub po_id: PurchaseOrderId,
    pub rfq_line_id: RfqLineId,
    pub material_id: MaterialId,
    pub position: i32,
    pub quantity: Decimal,
    pub unit: String,
    pub unit_price: Decimal,
    pub freight_per_unit: Decimal,
    pub insurance_per_unit: Decimal,
    pub amount: Decimal,
    pub amount_base: Decimal,
    pub required_by: NaiveDate,
}

/// A member's share of a PO line.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = po_member_allocations, check_for_backend(diesel::pg::Pg))]
pub struct MemberAllocation {
    pub po_line_id: PoLineId,
    pub member_id: MemberId,
    pub po_id: PurchaseOrderId,
    pub cooperative_id: CooperativeId,
    pub quantity: Decimal,
    pub amount_base: Decimal,
}

/// A PO line as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoLineOut {
    pub id: PoLineId,
    pub rfq_line_id: RfqLineId,
    pub material_id: MaterialId,
    pub material_code: String,
    pub material_name: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub unit: String,
    /// Tier price for the awarded quantity, in the PO's currency.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub freight_per_unit: Decimal,
    #[schema(value_type = String)]
    pub insurance_per_unit: Decimal,
    /// (unit price + freight + insurance) × quantity, in the PO's currency.
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// `amount` × `fx_rate`, in the cooperative's base currency.
    #[schema(value_type = String)]
    pub amount_base: Decimal,
    pub required_by: NaiveDate,
}

/// A member allocation as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationOut {
    pub po_line_id: PoLineId,
    pub member_id: MemberId,
    pub member_name: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub amount_base: Decimal,
}

/// A purchase order as the API shows it (a member sees only its own allocations).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PurchaseOrderOut {
    pub id: PurchaseOrderId,
    pub number: String,
    pub cooperative_id: CooperativeId,
    pub supplier_id: SupplierId,
    pub supplier_name: String,
    pub rfq_id: RfqId,
    pub quote_id: QuoteId,
    /// `issued`, `acknowledged`, `delivered` or `cancelled`.
    pub status: String,
    pub currency: String,
    pub base_currency: String,
    pub incoterm: String,
    pub named_place: Option<String>,
    pub delivery_place: String,
    /// The FX rate locked by the award (base per unit of `currency`).
    #[schema(value_type = String)]
    pub fx_rate: Decimal,
    pub fx_date: NaiveDate,
    pub lines: Vec<PoLineOut>,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub total_base: Decimal,
    pub allocations: Vec<AllocationOut>,
    pub issued_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}
