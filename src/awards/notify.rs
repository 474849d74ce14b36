//! The emails an award sends, queued in the award's transaction (DESIGN rule 11): each
//! winning supplier its PO; each other supplier that quoted a regret with only its own rank
//! and landed cost; each member with an allocation its quantities, cost shares, POs and
//! suppliers; the cooperative's admins a summary. Every address at most once per email.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::group_thousands as g;
use crate::auth::Locale;
use crate::comparison::service::Computed;
use crate::cooperatives::models::Cooperative;
use crate::ids::{MemberId, RfqLineId, SupplierId};
use crate::notifications::templates::{
    AwardNotice, AwardRegret, AwardSummary, MemberAllocationNotice, PoIssued,
};
use crate::notifications::{self, EmailTemplate, Recipient};
use crate::purchase_orders::models::{MemberAllocation, PoLine, PurchaseOrder};
use crate::rfqs::models::Rfq;
use crate::schema::users;

/// A PO the award issued, with its rows.
pub struct IssuedPo {
    pub po: PurchaseOrder,
    pub lines: Vec<PoLine>,
    pub allocations: Vec<MemberAllocation>,
}

/// A supplier's name and its recipients.
async fn supplier_recipients(
    conn: &mut AsyncPgConnection,
    supplier: SupplierId,
) -> anyhow::Result<(String, Vec<Recipient>)> {
    let (s, recipients) = crate::suppliers::repo::recipients(conn, supplier)
        .await?
        .ok_or_else(|| anyhow::anyhow!("supplier {supplier} vanished"))?;
    Ok((s.name, recipients))
}

/// Queues one email; 1 when queued, 0 when its key was used already.
async fn send_once<T: EmailTemplate>(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    to: &str,
    locale: Locale,
    t: &T,
    key: String,
) -> anyhow::Result<usize> {
    Ok(usize::from(
        notifications::enqueue_once(conn, now, to, locale, t, key).await?,
    ))
}

/// Queues every award email; returns how many.
#[allow(clippy::too_many_arguments)]
pub async fn announce(
    conn: &mut AsyncPgConnection,
    coop: &Cooperative,
    rfq: &Rfq,
    computed: &Computed,
    issued: &[IssuedPo],
    total_base: Decimal,
    rationale: Option<&str>,
    public_url: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let base = &computed.base_currency;
    let minor = computed.minor_unit;
    let materials: HashMap<RfqLineId, (String, String)> = computed
        .out
        .lines
        .iter()
        .map(|l| {
            (
                l.rfq_line_id,
                (l.material_code.clone(), l.material_name.clone()),
            )
        })
        .collect();
    let mat = |line: RfqLineId| {
        materials
            .get(&line)
            .map_or_else(String::new, |(code, name)| format!("{name} ({code})"))
    };
    let notice = |name: String,
                  reference: Option<String>,
                  lines: Vec<String>,
                  total: Option<String>,
                  terms: Option<String>,
                  note: Option<String>,
                  link: String| AwardNotice {
        name,
        cooperative: coop.name.clone(),
        rfq_title: rfq.title.clone(),
        reference,
        lines,
        total,
        terms,
        note,
        link,
    };
    let mut sent = 0;
    let mut supplier_names: HashMap<SupplierId, String> = HashMap::new();

    // Winners: their PO.
    for i in issued {
        let po = &i.po;
        let (sname, recipients) = supplier_recipients(conn, po.supplier_id).await?;
        supplier_names.insert(po.supplier_id, sname);
        let lines: Vec<String> = i
            .lines
            .iter()
            .map(|l| {
                let charges = l.freight_per_unit + l.insurance_per_unit;
                let extra = if charges.is_zero() {
                    String::new()
                } else {
                    format!(" + {} {} freight/insurance", g(charges), po.currency)
                };
                format!(
                    "{}: {} {} × {} {}{extra} = {} {}, required by {}",
                    mat(l.rfq_line_id),
                    g(l.quantity),
                    l.unit,
                    g(l.unit_price),
                    po.currency,
                    g(l.amount),
                    po.currency,
                    l.required_by
                )
            })
            .collect();
        let terms = format!(
            "{}{} · delivery to {}",
            po.incoterm,
            po.named_place
                .as_deref()
                .map_or(String::new(), |p| format!(" {p}")),
            rfq.delivery_place
        );
        for Recipient {
            email,
            name,
            locale,
        } in recipients
        {
            let t = PoIssued(notice(
                name,
                Some(po.number.clone()),
                lines.clone(),
                Some(format!("{} {}", g(po.total), po.currency)),
                Some(terms.clone()),
                None,
                format!("{public_url}/purchase-orders/{}", po.id),
            ));
            sent += send_once(
                conn,
                now,
                &email,
                locale,
                &t,
                format!("award:{}:po:{}:{}", rfq.id, po.id, email.to_lowercase()),
            )
            .await?;
        }
    }

    // Everyone else who quoted: its own rank and landed cost per line, nothing else.
    let winners: BTreeSet<SupplierId> = issued.iter().map(|i| i.po.supplier_id).collect();
    let mut own: BTreeMap<SupplierId, Vec<String>> = BTreeMap::new();
    for l in &computed.out.lines {
        let ranked = l.offers.iter().filter(|o| o.rank.is_some()).count();
        for o in l
            .offers
            .iter()
            .filter(|o| !winners.contains(&o.supplier_id))
        {
            let text = match o.rank {
                Some(r) => format!(
                    "{} ({}): your offer ranked {r} of {ranked}; your landed cost {} {base} per {}",
                    l.material_name,
                    l.material_code,
                    g(crate::comparison::service::money(o.landed_unit_base, minor)),
                    l.unit
                ),
                None => format!(
                    "{} ({}): your offer could not be ranked ({})",
                    l.material_name,
                    l.material_code,
                    o.flags.join(", ")
                ),
            };
            own.entry(o.supplier_id).or_default().push(text);
        }
    }
    for (supplier, lines) in own {
        let (_, recipients) = supplier_recipients(conn, supplier).await?;
        for Recipient {
            email,
            name,
            locale,
        } in recipients
        {
            let t = AwardRegret(notice(
                name,
                None,
                lines.clone(),
                None,
                None,
                None,
                format!("{public_url}/rfqs/{}", rfq.id),
            ));
            sent += send_once(
                conn,
                now,
                &email,
                locale,
                &t,
                format!(
                    "award:{}:regret:{supplier}:{}",
                    rfq.id,
                    email.to_lowercase()
                ),
            )
            .await?;
        }
    }

    // Members: per material, quantity, cost share, POs and suppliers.
    struct Share {
        quantity: Decimal,
        amount: Decimal,
        unit: String,
        pos: Vec<String>,
    }
    let mut shares: BTreeMap<MemberId, BTreeMap<String, Share>> = BTreeMap::new();
    for i in issued {
        let sname = supplier_names
            .get(&i.po.supplier_id)
            .cloned()
            .unwrap_or_default();
        for a in &i.allocations {
            let Some(l) = i.lines.iter().find(|l| l.id == a.po_line_id) else {
                continue;
            };
            let e = shares
                .entry(a.member_id)
                .or_default()
                .entry(mat(l.rfq_line_id))
                .or_insert(Share {
                    quantity: Decimal::ZERO,
                    amount: Decimal::ZERO,
                    unit: l.unit.clone(),
                    pos: vec![],
                });
            e.quantity += a.quantity;
            e.amount += a.amount_base;
            e.pos.push(format!("{} ({sname})", i.po.number));
        }
    }
    for (member, per_material) in shares {
        let m = crate::cooperatives::repo::find_member(conn, member)
            .await?
            .ok_or_else(|| anyhow::anyhow!("member {member} vanished"))?;
        let lines: Vec<String> = per_material
            .iter()
            .map(|(material, s)| {
                format!(
                    "{material}: {} {}, cost share {} {base} — {}",
                    g(s.quantity),
                    s.unit,
                    g(s.amount),
                    s.pos.join(", ")
                )
            })
            .collect();
        let total: Decimal = per_material.values().map(|s| s.amount).sum();
        let mut recipients: Vec<Recipient> = users::table
            .filter(users::member_id.eq(member))
            .filter(users::disabled.eq(false))
            .order(users::created_at)
            .select((users::email, users::name, users::locale))
            .load::<(String, String, String)>(conn)
            .await?
            .into_iter()
            .map(|(email, name, l)| Recipient {
                email,
                name,
                locale: Locale::parse(&l).unwrap_or(Locale::Ko),
            })
            .collect();
        recipients.push(Recipient {
            email: m.contact_email.clone(),
            name: m.name.clone(),
            locale: Locale::Ko,
        });
        for Recipient {
            email,
            name,
            locale,
        } in notifications::dedupe(recipients)
        {
            let t = MemberAllocationNotice(notice(
                name,
                Some(m.name.clone()),
                lines.clone(),
                Some(format!("{} {base}", g(total))),
                None,
                None,
                format!("{public_url}/purchase-orders"),
            ));
            sent += send_once(
                conn,
                now,
                &email,
                locale,
                &t,
                format!("award:{}:member:{member}:{}", rfq.id, email.to_lowercase()),
            )
            .await?;
        }
    }

    // The cooperative's admins: a summary.
    let admins: Vec<(String, String, String)> = users::table
        .filter(users::cooperative_id.eq(coop.id))
        .filter(users::role.eq("coop_admin"))
        .filter(users::disabled.eq(false))
        .select((users::email, users::name, users::locale))
        .load(conn)
        .await?;
    let lines: Vec<String> = issued
        .iter()
        .map(|i| {
            format!(
                "{} · {}: {} {} ({} {base})",
                i.po.number,
                supplier_names
                    .get(&i.po.supplier_id)
                    .cloned()
                    .unwrap_or_default(),
                g(i.po.total),
                i.po.currency,
                g(i.po.total_base)
            )
        })
        .collect();
    for (email, name, locale) in admins {
        let t = AwardSummary(notice(
            name,
            None,
            lines.clone(),
            Some(format!(
                "{} {base}",
                g(crate::comparison::service::money(total_base, minor))
            )),
            None,
            rationale.map(str::to_owned),
            format!("{public_url}/rfqs/{}", rfq.id),
        ));
        let locale = Locale::parse(&locale).unwrap_or(Locale::Ko);
        sent += send_once(
            conn,
            now,
            &email,
            locale,
            &t,
            format!("award:{}:summary:{}", rfq.id, email.to_lowercase()),
        )
        .await?;
    }
    Ok(sent)
}
