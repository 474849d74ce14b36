//! The round aggregate (DESIGN rule 2): per material the total base quantity, member
//! count, line count, earliest required-by date, and per-member and per-delivery-site
//! breakdowns.
//!
//! Served by the index `demand_lines_aggregate (round_id, material_id, member_id) INCLUDE
//! (quantity_base, required_by, delivery_site)`: per material, the per-member sums stream
//! out of its index range in member order (index-only scan, GroupAggregate, no sort); the
//! per-(material, site) sums are one hash aggregate over the round. Material totals are
//! rolled up from the member sums in Rust, and the response is streamed material by
//! material.
//!
//! A streamed response cannot change its status once it has started, so everything that
//! can be wrong with the data is settled before the first byte: [`out_of_range`] finds
//! materials whose demand sums beyond `Decimal` (only possible with lines stored before
//! quantities were bounded), and the prelude is loaded by the caller.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::{count_star, min, sum};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::models::RoundStatus;
use crate::csv;
use crate::db::DbPool;
use crate::ids::{CooperativeId, MaterialId, MemberId, RoundId};
use crate::schema::{demand_lines, members};

/// One member's part of a material.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberQuantity {
    pub member_id: MemberId,
    pub member_name: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

/// One delivery site's part of a material.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteQuantity {
    pub delivery_site: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

/// One material of the aggregate.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialAggregate {
    pub material_id: MaterialId,
    pub code: String,
    pub name: String,
    /// Base unit of the quantities.
    pub unit: String,
    #[schema(value_type = String)]
    pub total_quantity: Decimal,
    pub member_count: i64,
    pub line_count: i64,
    pub earliest_required_by: Option<NaiveDate>,
    /// By member (a member user sees only its own entry).
    pub members: Vec<MemberQuantity>,
    /// By delivery site, largest first.
    pub sites: Vec<SiteQuantity>,
}

/// `GET /rounds/{id}/aggregate`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Aggregate {
    pub round_id: RoundId,
    pub status: RoundStatus,
    pub materials: Vec<MaterialAggregate>,
}

type MemberRow = (MemberId, Option<Decimal>, i64, Option<NaiveDate>);

/// Output format of the aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// Header row of the CSV form (after a UTF-8 byte-order mark, so spreadsheet programs
/// read Korean text correctly).
pub const CSV_HEADER: &str = "\u{feff}level,material_id,code,name,unit,member_id,member_name,delivery_site,quantity,member_count,line_count,earliest_required_by\r\n";

/// Everything but the per-member rows, loaded up front (small: sites per material and
/// member names).
pub struct Prelude {
    sites: HashMap<MaterialId, Vec<SiteQuantity>>,
    names: HashMap<MemberId, String>,
    /// Materials whose total demand cannot be held in a `Decimal` (every member and site
    /// sum is at most its material's total, demand being positive).
    pub beyond: Vec<MaterialId>,
}

#[derive(QueryableByName)]
struct SiteRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    material_id: MaterialId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    delivery_site: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Numeric>)]
    quantity: Option<Decimal>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    beyond: bool,
}

/// What the stream needs before it starts: the sums per material and delivery site (in the
/// same pass, which materials' totals are out of range — their sums are not decoded), and
/// the cooperative's member names.
pub async fn prelude(
    conn: &mut AsyncPgConnection,
    round_id: RoundId,
    cooperative: CooperativeId,
) -> QueryResult<Prelude> {
    let by_site: Vec<SiteRow> = diesel::sql_query(
        "SELECT material_id, delivery_site, \
                CASE WHEN beyond THEN NULL ELSE quantity END AS quantity, beyond \
         FROM (SELECT material_id, delivery_site, sum(quantity_base) AS quantity, \
                      sum(sum(quantity_base)) OVER (PARTITION BY material_id) > $2 AS beyond \
               FROM demand_lines WHERE round_id = $1 \
               GROUP BY material_id, delivery_site) s",
    )
    .bind::<diesel::sql_types::Uuid, _>(round_id)
    .bind::<diesel::sql_types::Numeric, _>(Decimal::MAX)
    .load(conn)
    .await?;
    let mut sites: HashMap<MaterialId, Vec<SiteQuantity>> = HashMap::new();
    let mut beyond = Vec::new();
    for row in by_site {
        if row.beyond {
            if !beyond.contains(&row.material_id) {
                beyond.push(row.material_id);
            }
            continue;
        }
        sites
            .entry(row.material_id)
            .or_default()
            .push(SiteQuantity {
                delivery_site: row.delivery_site,
                quantity: row.quantity.unwrap_or_default().normalize(),
            });
    }
    for v in sites.values_mut() {
        v.sort_by(|a, b| {
            b.quantity
                .cmp(&a.quantity)
                .then_with(|| a.delivery_site.cmp(&b.delivery_site))
        });
    }
    let names = members::table
        .filter(members::cooperative_id.eq(cooperative))
        .select((members::id, members::name))
        .load::<(MemberId, String)>(conn)
        .await?
        .into_iter()
        .collect();
    Ok(Prelude {
        sites,
        names,
        beyond,
    })
}

/// Aggregates one material: per-member sums stream out of the index in member order.
pub async fn material(
    conn: &mut AsyncPgConnection,
    round_id: RoundId,
    (id, code, name, unit): &(MaterialId, String, String, String),
    prelude: &mut Prelude,
    only_member: Option<MemberId>,
) -> QueryResult<MaterialAggregate> {
    let rows: Vec<MemberRow> = demand_lines::table
        .filter(demand_lines::round_id.eq(round_id))
        .filter(demand_lines::material_id.eq(*id))
        .group_by(demand_lines::member_id)
        .select((
            demand_lines::member_id,
            sum(demand_lines::quantity_base),
            count_star(),
            min(demand_lines::required_by),
        ))
        .order(demand_lines::member_id)
        .load(conn)
        .await?;
    let mut m = MaterialAggregate {
        material_id: *id,
        code: code.clone(),
        name: name.clone(),
        unit: unit.clone(),
        total_quantity: Decimal::ZERO,
        member_count: 0,
        line_count: 0,
        earliest_required_by: None,
        members: Vec::new(),
        sites: prelude.sites.remove(id).unwrap_or_default(),
    };
    for (member, qty, lines, earliest) in rows {
        let qty = qty.unwrap_or_default();
        // Cannot fail once `out_of_range` found nothing; checked all the same.
        m.total_quantity = m.total_quantity.checked_add(qty).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("the demand for material {id} exceeds the numeric range").into(),
            )
        })?;
        m.member_count += 1;
        m.line_count += lines;
        m.earliest_required_by = match (m.earliest_required_by, earliest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if only_member.is_none_or(|only| only == member) {
            m.members.push(MemberQuantity {
                member_id: member,
                member_name: prelude.names.get(&member).cloned().unwrap_or_default(),
                quantity: qty.normalize(),
            });
        }
    }
    m.total_quantity = m.total_quantity.normalize();
    Ok(m)
}

/// Streams the aggregate material by material, so memory stays flat however large the
/// round: the response is produced by a task that owns a pooled connection and hands
/// chunks over a small channel (backpressure from the client). The caller has checked the
/// data ([`out_of_range`]) and loaded the prelude, so only a failure of the database
/// itself can end the stream early (the client then sees a truncated body; it is logged).
pub fn stream(
    pool: DbPool,
    round_id: RoundId,
    status: RoundStatus,
    materials: Vec<(MaterialId, String, String, String)>,
    mut p: Prelude,
    only_member: Option<MemberId>,
    format: Format,
) -> impl futures_util::Stream<Item = Result<actix_web::web::Bytes, actix_web::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<actix_web::web::Bytes, String>>(4);
    tokio::spawn(async move {
        let result = async {
            let mut conn = pool.get().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let head = match format {
                Format::Json => format!(
                    r#"{{"round_id":"{round_id}","status":{},"materials":["#,
                    serde_json::to_string(&status)?
                ),
                Format::Csv => CSV_HEADER.to_owned(),
            };
            if tx.send(Ok(head.into())).await.is_err() {
                return Ok(());
            }
            for (i, m) in materials.iter().enumerate() {
                let agg = material(&mut conn, round_id, m, &mut p, only_member).await?;
                let mut chunk = match format {
                    Format::Json => serde_json::to_string(&agg)?,
                    Format::Csv => csv_rows(&agg),
                };
                if format == Format::Json && i > 0 {
                    chunk.insert(0, ',');
                }
                if tx.send(Ok(chunk.into())).await.is_err() {
                    return Ok(()); // the client went away
                }
            }
            if format == Format::Json {
                let _ = tx.send(Ok("]}".into())).await;
            }
            Ok::<_, anyhow::Error>(())
        }
        .await;
        if let Err(e) = result {
            tracing::error!(error = format!("{e:#}"), round = %round_id, "aggregate stream failed");
            let _ = tx.send(Err("aggregate failed".to_owned())).await;
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|item| (item.map_err(actix_web::error::ErrorInternalServerError), rx))
    })
}

/// The CSV rows of one material: a `material` row, then its `member` and `site` rows.
pub fn csv_rows(m: &MaterialAggregate) -> String {
    let mut out = String::new();
    let earliest = m
        .earliest_required_by
        .map(|d| d.to_string())
        .unwrap_or_default();
    let (code, name) = (csv::field(&m.code), csv::field(&m.name));
    let unit = csv::field(&m.unit);
    out.push_str(&format!(
        "material,{},{code},{name},{unit},,,,{},{},{},{earliest}\r\n",
        m.material_id, m.total_quantity, m.member_count, m.line_count
    ));
    for e in &m.members {
        out.push_str(&format!(
            "member,{},{code},{name},{unit},{},{},,{},,,\r\n",
            m.material_id,
            e.member_id,
            csv::field(&e.member_name),
            e.quantity
        ));
    }
    for s in &m.sites {
        out.push_str(&format!(
            "site,{},{code},{name},{unit},,,{},{},,,\r\n",
            m.material_id,
            csv::field(&s.delivery_site),
            s.quantity
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_escapes_and_carries_a_bom() {
        let a = Aggregate {
            round_id: RoundId::new(),
            status: RoundStatus::Open,
            materials: vec![MaterialAggregate {
                material_id: MaterialId::new(),
                code: "CU-1".into(),
                name: "Copper, \"A\" grade".into(),
                unit: "TNE".into(),
                total_quantity: Decimal::new(125, 1),
                member_count: 1,
                line_count: 2,
                earliest_required_by: NaiveDate::from_ymd_opt(2027, 1, 31),
                members: vec![MemberQuantity {
                    member_id: MemberId::new(),
                    member_name: "대성금속".into(),
                    quantity: Decimal::new(125, 1),
                }],
                sites: vec![SiteQuantity {
                    delivery_site: "Busan, Gate 3".into(),
                    quantity: Decimal::new(125, 1),
                }],
            }],
        };
        let csv = format!("{CSV_HEADER}{}", csv_rows(&a.materials[0]));
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\"Copper, \"\"A\"\" grade\""));
        assert!(csv.contains(",12.5,1,2,2027-01-31\r\n"));
        assert!(csv.contains("대성금속"));
        assert!(csv.contains("\"Busan, Gate 3\",12.5"));
        assert_eq!(csv.lines().count(), 4);
    }
}
