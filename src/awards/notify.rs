//! The emails an award sends, queued in the award's transaction (DESIGN rule 11): each
//! winning supplier its PO; each other supplier that quoted a regret with only its own rank
//! and landed cost; each member with an allocation its quantities, cost shares, POs and
//! suppliers; the cooperative's admins a summary. Every address at most once per email.
//! The payloads carry data; the templates carry the words (`notifications::templates`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use crate::auth::Locale;
use crate::comparison::service::Computed;
use crate::cooperatives::models::Cooperative;
use crate::cooperatives::repo::find_member;
use crate::ids::{MemberId, RfqLineId, SupplierId};
use crate::notifications::templates::{
    AwardRegret, AwardSummary, MaterialRef, MemberAllocationNotice, MemberShare, OrderRef,
    OrderSummary, OwnOffer, PoIssued, PoItem,
};
use crate::notifications::{self, material_refs, EmailTemplate, Recipient};
use crate::purchase_orders::models::{MemberAllocation, PoLine, PurchaseOrder};
use crate::rfqs::models::Rfq;
use crate::schema::users;
use crate::suppliers::repo::recipients as supplier_recipients;
use crate::users::repo::{active_recipients, Owner};

/// A PO the award issued, with its rows.
pub struct IssuedPo {
    pub po: PurchaseOrder,
    pub lines: Vec<PoLine>,
    pub allocations: Vec<MemberAllocation>,
}

/// What an award decided, as its emails need it.
pub struct Award<'a> {
    pub coop: &'a Cooperative,
    pub rfq: &'a Rfq,
    pub computed: &'a Computed,
    pub issued: &'a [IssuedPo],
    /// Total landed cost, in the base currency.
    pub total_base: Decimal,
    pub rationale: Option<&'a str>,
    pub public_url: &'a str,
    pub now: DateTime<Utc>,
}

/// What the emails of one award share: how to name materials and suppliers.
struct Names {
    /// Per RFQ line, its material.
    materials: HashMap<RfqLineId, MaterialRef>,
    /// Winning suppliers' names.
    suppliers: HashMap<SupplierId, String>,
}

impl Names {
    fn material(&self, line: RfqLineId) -> MaterialRef {
        self.materials.get(&line).cloned().unwrap_or(MaterialRef {
            code: String::new(),
            name: String::new(),
            name_ko: None,
        })
    }

    fn supplier(&self, id: SupplierId) -> String {
        self.suppliers.get(&id).cloned().unwrap_or_default()
    }
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

/// A supplier's name and its recipients.
async fn supplier(
    conn: &mut AsyncPgConnection,
    id: SupplierId,
) -> anyhow::Result<(String, Vec<Recipient>)> {
    let (s, recipients) = supplier_recipients(conn, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("supplier {id} vanished"))?;
    Ok((s.name, recipients))
}

/// Queues every award email; returns how many.
pub async fn announce(conn: &mut AsyncPgConnection, a: &Award<'_>) -> anyhow::Result<usize> {
    let lines = &a.computed.out.lines;
    let ids: Vec<_> = lines.iter().map(|l| l.material_id).collect();
    let refs = material_refs(conn, &ids).await?;
    let mut names = Names {
        materials: lines
            .iter()
            .filter_map(|l| Some((l.rfq_line_id, refs.get(&l.material_id)?.clone())))
            .collect(),
        suppliers: HashMap::new(),
    };
    let mut sent = 0;
    for i in a.issued {
        let (name, recipients) = supplier(conn, i.po.supplier_id).await?;
        names.suppliers.insert(i.po.supplier_id, name);
        sent += to_winner(conn, a, &names, i, recipients).await?;
    }
    sent += to_other_bidders(conn, a, &names).await?;
    sent += to_members(conn, a, &names).await?;
    sent += to_admins(conn, a, &names).await?;
    Ok(sent)
}

/// A winner: its PO.
async fn to_winner(
    conn: &mut AsyncPgConnection,
    a: &Award<'_>,
    names: &Names,
    issued: &IssuedPo,
    recipients: Vec<Recipient>,
) -> anyhow::Result<usize> {
    let po = &issued.po;
    let lines: Vec<PoItem> = issued
        .lines
        .iter()
        .map(|l| PoItem {
            material: names.material(l.rfq_line_id),
            quantity: l.quantity,
            unit: l.unit.clone(),
            unit_price: l.unit_price,
            freight_insurance: l.freight_per_unit + l.insurance_per_unit,
            amount: l.amount,
            required_by: l.required_by,
        })
        .collect();
    let mut sent = 0;
    for r in recipients {
        let t = PoIssued {
            name: r.name,
            cooperative: a.coop.name.clone(),
            rfq_title: a.rfq.title.clone(),
            number: po.number.clone(),
            currency: po.currency.clone(),
            total: po.total,
            incoterm: po.incoterm.clone(),
            named_place: po.named_place.clone(),
            delivery_place: a.rfq.delivery_place.clone(),
            lines: lines.clone(),
            link: format!("{}/purchase-orders/{}", a.public_url, po.id),
        };
        let key = format!("award:{}:po:{}:{}", a.rfq.id, po.id, r.email.to_lowercase());
        sent += send_once(conn, a.now, &r.email, r.locale, &t, key).await?;
    }
    Ok(sent)
}

/// Everyone else who quoted: its own rank and landed cost per line, nothing else.
async fn to_other_bidders(
    conn: &mut AsyncPgConnection,
    a: &Award<'_>,
    names: &Names,
) -> anyhow::Result<usize> {
    let winners: BTreeSet<SupplierId> = a.issued.iter().map(|i| i.po.supplier_id).collect();
    let mut own: BTreeMap<SupplierId, Vec<OwnOffer>> = BTreeMap::new();
    for l in &a.computed.out.lines {
        let ranked = l.offers.iter().filter(|o| o.rank.is_some()).count();
        for o in l
            .offers
            .iter()
            .filter(|o| !winners.contains(&o.supplier_id))
        {
            own.entry(o.supplier_id).or_default().push(OwnOffer {
                material: names.material(l.rfq_line_id),
                unit: l.unit.clone(),
                rank: o.rank,
                ranked,
                landed_unit_cost: o.rank.map(|_| o.landed_unit_base),
                flags: o.flags.iter().map(|f| (*f).to_owned()).collect(),
            });
        }
    }
    let mut sent = 0;
    for (id, lines) in own {
        let (_, recipients) = supplier(conn, id).await?;
        for r in recipients {
            let t = AwardRegret {
                name: r.name,
                cooperative: a.coop.name.clone(),
                rfq_title: a.rfq.title.clone(),
                base_currency: a.computed.base_currency.clone(),
                lines: lines.clone(),
                link: format!("{}/rfqs/{}", a.public_url, a.rfq.id),
            };
            let key = format!("award:{}:regret:{id}:{}", a.rfq.id, r.email.to_lowercase());
            sent += send_once(conn, a.now, &r.email, r.locale, &t, key).await?;
        }
    }
    Ok(sent)
}

/// Per member, per material (by code): its share of the award.
fn member_shares(
    a: &Award<'_>,
    names: &Names,
) -> BTreeMap<MemberId, BTreeMap<String, MemberShare>> {
    let mut shares: BTreeMap<MemberId, BTreeMap<String, MemberShare>> = BTreeMap::new();
    for i in a.issued {
        for al in &i.allocations {
            let Some(l) = i.lines.iter().find(|l| l.id == al.po_line_id) else {
                continue;
            };
            let material = names.material(l.rfq_line_id);
            let share = shares
                .entry(al.member_id)
                .or_default()
                .entry(material.code.clone())
                .or_insert(MemberShare {
                    material,
                    quantity: Decimal::ZERO,
                    unit: l.unit.clone(),
                    cost_share: Decimal::ZERO,
                    orders: vec![],
                });
            share.quantity += al.quantity;
            share.cost_share += al.amount_base;
            share.orders.push(OrderRef {
                number: i.po.number.clone(),
                supplier: names.supplier(i.po.supplier_id),
            });
        }
    }
    shares
}

/// The users of a member and its contact address, each address once.
async fn member_recipients(
    conn: &mut AsyncPgConnection,
    member: MemberId,
) -> anyhow::Result<(String, Vec<Recipient>)> {
    let m = find_member(conn, member)
        .await?
        .ok_or_else(|| anyhow::anyhow!("member {member} vanished"))?;
    let mut recipients = active_recipients(conn, Owner::Member(member), Locale::Ko).await?;
    recipients.push(Recipient {
        email: m.contact_email.clone(),
        name: m.name.clone(),
        locale: Locale::Ko,
    });
    Ok((m.name, notifications::dedupe(recipients)))
}

/// Members: per material, quantity, cost share, POs and suppliers.
async fn to_members(
    conn: &mut AsyncPgConnection,
    a: &Award<'_>,
    names: &Names,
) -> anyhow::Result<usize> {
    let mut sent = 0;
    for (member, per_material) in member_shares(a, names) {
        let (member_name, recipients) = member_recipients(conn, member).await?;
        let total: Decimal = per_material.values().map(|s| s.cost_share).sum();
        let lines: Vec<MemberShare> = per_material.into_values().collect();
        for r in recipients {
            let t = MemberAllocationNotice {
                name: r.name,
                cooperative: a.coop.name.clone(),
                rfq_title: a.rfq.title.clone(),
                member: member_name.clone(),
                base_currency: a.computed.base_currency.clone(),
                total,
                lines: lines.clone(),
                link: format!("{}/purchase-orders", a.public_url),
            };
            let key = format!(
                "award:{}:member:{member}:{}",
                a.rfq.id,
                r.email.to_lowercase()
            );
            sent += send_once(conn, a.now, &r.email, r.locale, &t, key).await?;
        }
    }
    Ok(sent)
}

/// The cooperative's admins: a summary.
async fn to_admins(
    conn: &mut AsyncPgConnection,
    a: &Award<'_>,
    names: &Names,
) -> anyhow::Result<usize> {
    let admins: Vec<(String, String, String)> = users::table
        .filter(users::cooperative_id.eq(a.coop.id))
        .filter(users::role.eq("coop_admin"))
        .filter(users::disabled.eq(false))
        .select((users::email, users::name, users::locale))
        .load(conn)
        .await?;
    let orders: Vec<OrderSummary> = a
        .issued
        .iter()
        .map(|i| OrderSummary {
            number: i.po.number.clone(),
            supplier: names.supplier(i.po.supplier_id),
            currency: i.po.currency.clone(),
            total: i.po.total,
            total_base: i.po.total_base,
        })
        .collect();
    let mut sent = 0;
    for (email, name, locale) in admins {
        let t = AwardSummary {
            name,
            cooperative: a.coop.name.clone(),
            rfq_title: a.rfq.title.clone(),
            base_currency: a.computed.base_currency.clone(),
            total_landed: a.total_base,
            rationale: a.rationale.map(str::to_owned),
            orders: orders.clone(),
            link: format!("{}/rfqs/{}", a.public_url, a.rfq.id),
        };
        let locale = Locale::parse(&locale).unwrap_or(Locale::Ko);
        let key = format!("award:{}:summary:{}", a.rfq.id, email.to_lowercase());
        sent += send_once(conn, a.now, &email, locale, &t, key).await?;
    }
    Ok(sent)
}
