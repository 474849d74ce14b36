//! Why a line of a comparison has no feasible suggestion (pure; the portal's words name
//! each reason).

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

/// Why a line has no feasible suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoSuggestion {
    /// No submitted quote offers the line.
    NoOffers,
    /// Every offer's minimum quantity is above the line quantity.
    MinAboveQuantity,
    /// Every offer's validity has ended.
    Expired,
    /// Every offer is unusable, for more than one reason (each offer's `flags` say which).
    NoUsableOffer,
    /// Usable offers exist but none can supply any quantity (their ranges leave nothing).
    NothingCoverable,
}

impl NoSuggestion {
    /// The reason for a line whose usable offers cover nothing, from its offers' flags
    /// (`None` when something is covered).
    pub fn of(flags: &[&[&'static str]], usable: usize, covered: Decimal) -> Option<Self> {
        if covered > Decimal::ZERO {
            return None;
        }
        Some(if flags.is_empty() {
            Self::NoOffers
        } else if usable > 0 {
            Self::NothingCoverable
        } else if flags.iter().all(|f| f.contains(&"min_above_quantity")) {
            Self::MinAboveQuantity
        } else if flags.iter().all(|f| f.contains(&"expired")) {
            Self::Expired
        } else {
            Self::NoUsableOffer
        })
    }
}
