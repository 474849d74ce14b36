//! The round aggregate (DESIGN rule 2): per material the total base quantity, member
//! count, line count, earliest required-by date, and per-member and per-delivery-site
//! breakdowns.
//!
//! Two statements, both served by the index `demand_lines_aggregate (round_id,
//! material_id, member_id) INCLUDE (quantity_base, required_by, delivery_site)`:
//! per-(material, member) sums stream out of it in order (index-only scan, GroupAggregate,
//! no sort), and per-(material, site) sums hash over the same scan. Material totals are
//! rolled up from the member sums in Rust.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::{count_star, min, sum};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::models::RoundStatus;
use crate::ids::{MaterialId, MemberId, RoundId};
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

type MemberRow = (
    MaterialId,
    MemberId,
    Option<Decimal>,
    i64,
    Option<NaiveDate>,
);

/// Computes the aggregate; `only_member` keeps just that member's entries in `members`.
pub async fn compute(
    conn: &mut AsyncPgConnection,
    round_id: RoundId,
    status: RoundStatus,
    materials: &[(MaterialId, String, String, String)],
    only_member: Option<MemberId>,
) -> QueryResult<Aggregate> {
    let by_member: Vec<MemberRow> = demand_lines::table
        .filter(demand_lines::round_id.eq(round_id))
        .group_by((demand_lines::material_id, demand_lines::member_id))
        .select((
            demand_lines::material_id,
            demand_lines::member_id,
            sum(demand_lines::quantity_base),
            count_star(),
            min(demand_lines::required_by),
        ))
        .order((demand_lines::material_id, demand_lines::member_id))
        .load(conn)
        .await?;
    let by_site: Vec<(MaterialId, String, Option<Decimal>)> = demand_lines::table
        .filter(demand_lines::round_id.eq(round_id))
        .group_by((demand_lines::material_id, demand_lines::delivery_site))
        .select((
            demand_lines::material_id,
            demand_lines::delivery_site,
            sum(demand_lines::quantity_base),
        ))
        .load(conn)
        .await?;
    let member_ids: Vec<MemberId> = {
        let mut ids: Vec<MemberId> = by_member.iter().map(|r| r.1).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let names: HashMap<MemberId, String> = members::table
        .filter(members::id.eq_any(&member_ids))
        .select((members::id, members::name))
        .load::<(MemberId, String)>(conn)
        .await?
        .into_iter()
        .collect();

    let mut out: Vec<MaterialAggregate> = materials
        .iter()
        .map(|(id, code, name, unit)| MaterialAggregate {
            material_id: *id,
            code: code.clone(),
            name: name.clone(),
            unit: unit.clone(),
            total_quantity: Decimal::ZERO,
            member_count: 0,
            line_count: 0,
            earliest_required_by: None,
            members: Vec::new(),
            sites: Vec::new(),
        })
        .collect();
    let index: HashMap<MaterialId, usize> = out
        .iter()
        .enumerate()
        .map(|(i, m)| (m.material_id, i))
        .collect();
    for (material, member, qty, lines, earliest) in by_member {
        let Some(&i) = index.get(&material) else {
            continue;
        };
        let m = &mut out[i];
        let qty = qty.unwrap_or_default();
        m.total_quantity += qty;
        m.member_count += 1;
        m.line_count += lines;
        m.earliest_required_by = match (m.earliest_required_by, earliest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if only_member.is_none_or(|only| only == member) {
            m.members.push(MemberQuantity {
                member_id: member,
                member_name: names.get(&member).cloned().unwrap_or_default(),
                quantity: qty.normalize(),
            });
        }
    }
    for (material, site, qty) in by_site {
        if let Some(&i) = index.get(&material) {
            out[i].sites.push(SiteQuantity {
                delivery_site: site,
                quantity: qty.unwrap_or_default().normalize(),
            });
        }
    }
    for m in &mut out {
        m.total_quantity = m.total_quantity.normalize();
        m.sites.sort_by(|a, b| {
            b.quantity
                .cmp(&a.quantity)
                .then_with(|| a.delivery_site.cmp(&b.delivery_site))
        });
    }
    Ok(Aggregate {
        round_id,
        status,
        materials: out,
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The aggregate as CSV (UTF-8 with a byte-order mark so spreadsheet programs read Korean
/// text correctly): one `material` row per material followed by its `member` and `site`
/// rows.
pub fn to_csv(a: &Aggregate) -> String {
    let mut out = String::from("\u{feff}level,material_id,code,name,unit,member_id,member_name,delivery_site,quantity,member_count,line_count,earliest_required_by\r\n");
    for m in &a.materials {
        let earliest = m
            .earliest_required_by
            .map(|d| d.to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "material,{},{},{},{},,,,{},{},{},{}\r\n",
            m.material_id,
            csv_field(&m.code),
            csv_field(&m.name),
            m.unit,
            m.total_quantity,
            m.member_count,
            m.line_count,
            earliest
        ));
        for e in &m.members {
            out.push_str(&format!(
                "member,{},{},{},{},{},{},,{},,,\r\n",
                m.material_id,
                csv_field(&m.code),
                csv_field(&m.name),
                m.unit,
                e.member_id,
                csv_field(&e.member_name),
                e.quantity
            ));
        }
        for s in &m.sites {
            out.push_str(&format!(
                "site,{},{},{},{},,,{},{},,,\r\n",
                m.material_id,
                csv_field(&m.code),
                csv_field(&m.name),
                m.unit,
                csv_field(&s.delivery_site),
                s.quantity
            ));
        }
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
        let csv = to_csv(&a);
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\"Copper, \"\"A\"\" grade\""));
        assert!(csv.contains(",12.5,1,2,2027-01-31\r\n"));
        assert!(csv.contains("대성금속"));
        assert!(csv.contains("\"Busan, Gate 3\",12.5"));
        assert_eq!(csv.lines().count(), 4);
    }
}
