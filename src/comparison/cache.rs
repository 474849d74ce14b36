//! Comparisons computed once. After an RFQ's deadline nothing a comparison reads may change
//! — sealed quotes, the RFQ's lines and adders, the FX rates it fixed — except through rows
//! whose triggers notify every instance (an award or cancellation changes the RFQ row, a
//! rate fixed later for a currency that had none inserts into `rfq_fx_rates`, an edited
//! supplier or cooperative drops every entry): see [`crate::db::listen`]. The one input
//! that moves by itself is the date (a quote's validity is checked against the
//! cooperative's today), so an entry is kept for the local date it was computed on.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;

use super::service::Comparison;
use crate::db::listen::NotifiedCache;
use crate::ids::{CooperativeId, RfqId};

/// A computed comparison and what a cache hit must check before serving it.
#[derive(Debug)]
pub struct Cached {
    pub cooperative_id: CooperativeId,
    pub timezone: chrono_tz::Tz,
    /// The cooperative's local date the comparison was computed on.
    pub computed_on: NaiveDate,
    pub out: Arc<Comparison>,
}

/// The cache of comparisons by RFQ.
pub type ComparisonCache = NotifiedCache<RfqId, Arc<Cached>>;

/// An empty comparison cache (at most 1,000 RFQs, each recomputed at least hourly).
pub fn new() -> ComparisonCache {
    NotifiedCache::new(1_000, Duration::from_secs(3_600), affected)
}

fn affected(payload: &str, id: &RfqId, _: &Arc<Cached>) -> bool {
    payload.strip_prefix("r:") == Some(id.to_string().as_str())
}
