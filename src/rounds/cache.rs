//! The per-process cache of the facts of demand rounds that never change (the hot path of
//! demand entry, [`super::service::submit_demand`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;

use super::repo;
use crate::cooperatives::repo as coop_repo;
use crate::error::AppError;
use crate::ids::{CooperativeId, MaterialId, RoundId};

/// Facts of a round that never change once it exists (cooperative, closing time, time
/// zone, materials and their base units), cached per process so the hot path of demand
/// entry needs no lookups. Status is *not* cached: it is checked in the insert itself.
#[derive(Debug, Clone)]
pub struct RoundFacts {
    pub cooperative_id: CooperativeId,
    pub closes_at: DateTime<Utc>,
    pub close_date: NaiveDate,
    pub materials: HashMap<MaterialId, String>,
}

/// The per-process cache of [`RoundFacts`].
#[derive(Debug, Default)]
pub struct RoundCache {
    map: Mutex<HashMap<RoundId, Arc<RoundFacts>>>,
}

impl RoundCache {
    /// The facts of round `id` (`None` when it or its cooperative does not exist).
    pub async fn get(
        &self,
        conn: &mut AsyncPgConnection,
        id: RoundId,
    ) -> Result<Option<Arc<RoundFacts>>, AppError> {
        if let Some(f) = self.map.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
            return Ok(Some(f.clone()));
        }
        let Some(round) = repo::find_round(conn, id).await? else {
            return Ok(None);
        };
        let Some(coop) = coop_repo::find_cooperative(conn, round.cooperative_id).await? else {
            return Ok(None);
        };
        let materials = repo::round_materials(conn, id)
            .await?
            .into_iter()
            .map(|(m, _, _, unit)| (m, unit))
            .collect();
        let facts = Arc::new(RoundFacts {
            cooperative_id: round.cooperative_id,
            closes_at: round.closes_at,
            close_date: coop.local_date(round.closes_at),
            materials,
        });
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(id, facts.clone());
        Ok(Some(facts))
    }
}
