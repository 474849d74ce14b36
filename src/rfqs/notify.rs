//! What invited suppliers hear about an RFQ: emails (every active user of the supplier and
//! its contact address, deduplicated, each in its own locale) and, for suppliers with a
//! webhook, a signed JSON POST — both queued in the caller's transaction.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::{json, Value};

use super::models::{Rfq, RfqLine};
use super::repo;
use crate::cooperatives::models::Cooperative;
use crate::notifications::templates::{
    RfqCancelled, RfqExtended, RfqInvitation, RfqItem, RfqNotice, ZonedTime,
};
use crate::notifications::{enqueue_once, material_refs};
use crate::suppliers::repo::recipients;
use crate::users::claim;
use crate::webhooks;

/// Which announcement.
#[derive(Debug, Clone)]
pub enum Announcement {
    Published,
    Cancelled { reason: String },
    Extended { previous: DateTime<Utc> },
}

impl Announcement {
    fn event(&self) -> &'static str {
        match self {
            Self::Published => "rfq.published",
            Self::Cancelled { .. } => "rfq.cancelled",
            Self::Extended { .. } => "rfq.deadline_extended",
        }
    }
}

/// How many of each were queued.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct Queued {
    pub emails: usize,
    pub webhooks: usize,
}

/// The RFQ summary that webhooks carry (no quote data, no other supplier).
fn summary(
    coop: &Cooperative,
    rfq: &Rfq,
    lines: &[(RfqLine, String, String)],
    public_url: &str,
) -> Value {
    json!({
        "id": rfq.id,
        "title": rfq.title,
        "cooperative": {"id": coop.id, "name": coop.name},
        "deadline": rfq.deadline,
        "delivery_place": rfq.delivery_place,
        "currencies": rfq.currency_list(),
        "incoterms": rfq.incoterm_list(),
        "lines": lines.iter().map(|(l, code, name)| json!({
            "id": l.id,
            "material_code": code,
            "material_name": name,
            "quantity": l.quantity.normalize().to_string(),
            "unit": l.unit,
            "required_by": l.required_by,
        })).collect::<Vec<_>>(),
        "api_url": format!("{public_url}/api/v1/rfqs/{}", rfq.id),
        "portal_url": format!("{public_url}/rfqs/{}", rfq.id),
    })
}

/// What the RFQ emails say to `name` (the notice shared by the three announcements).
async fn notice(
    conn: &mut AsyncPgConnection,
    coop: &Cooperative,
    rfq: &Rfq,
    lines: &[(RfqLine, String, String)],
    public_url: &str,
) -> anyhow::Result<impl Fn(String) -> RfqNotice> {
    let ids: Vec<_> = lines.iter().map(|(l, _, _)| l.material_id).collect();
    let refs = material_refs(conn, &ids).await?;
    let items: Vec<RfqItem> = lines
        .iter()
        .filter_map(|(l, _, _)| {
            Some(RfqItem {
                material: refs.get(&l.material_id)?.clone(),
                quantity: l.quantity,
                unit: l.unit.clone(),
                required_by: l.required_by,
            })
        })
        .collect();
    let (cooperative, rfq_title) = (coop.name.clone(), rfq.title.clone());
    let deadline = ZonedTime::new(rfq.deadline, &coop.timezone);
    let delivery_place = rfq.delivery_place.clone();
    let (currencies, incoterms) = (rfq.currency_list(), rfq.incoterm_list());
    let link = format!("{public_url}/rfqs/{}", rfq.id);
    Ok(move |name| RfqNotice {
        name,
        cooperative: cooperative.clone(),
        rfq_title: rfq_title.clone(),
        deadline: deadline.clone(),
        delivery_place: delivery_place.clone(),
        lines: items.clone(),
        currencies: currencies.clone(),
        incoterms: incoterms.clone(),
        link: link.clone(),
    })
}

/// Queues the announcement to every invited supplier.
pub async fn announce(
    conn: &mut AsyncPgConnection,
    coop: &Cooperative,
    rfq: &Rfq,
    what: &Announcement,
    public_url: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Queued> {
    let lines = repo::lines_of(conn, &[rfq.id]).await?;
    let notice = notice(conn, coop, rfq, &lines, public_url).await?;
    // Each announcement is sent once per address (an extension once per new deadline).
    let occasion = match what {
        Announcement::Published => "published".to_owned(),
        Announcement::Cancelled { .. } => "cancelled".to_owned(),
        Announcement::Extended { .. } => format!("extended:{}", rfq.deadline.timestamp()),
    };
    let body = summary(coop, rfq, &lines, public_url);
    let mut queued = Queued::default();
    for (_, supplier_id) in repo::suppliers_of(conn, &[rfq.id]).await? {
        let Some((supplier, recipients)) = recipients(conn, supplier_id).await? else {
            continue;
        };
        // A supplier nobody can sign in for: its contact address may claim an account.
        let claim_link = match what {
            Announcement::Published => claim::issue(conn, &supplier, rfq.id, rfq.deadline, now)
                .await?
                .map(|token| format!("{public_url}/claim/{token}")),
            _ => None,
        };
        for r in recipients {
            let key = format!("rfq:{}:{occasion}:{}", rfq.id, r.email.to_lowercase());
            let notice = notice(r.name);
            let (to, locale) = (r.email.as_str(), r.locale);
            let queued_now = match what {
                Announcement::Published => {
                    let claim_link = claim_link
                        .clone()
                        .filter(|_| r.email.eq_ignore_ascii_case(&supplier.contact_email));
                    let t = RfqInvitation { notice, claim_link };
                    enqueue_once(conn, now, to, locale, &t, key).await?
                }
                Announcement::Cancelled { reason } => {
                    let reason = reason.clone();
                    let t = RfqCancelled { notice, reason };
                    enqueue_once(conn, now, to, locale, &t, key).await?
                }
                Announcement::Extended { previous } => {
                    let previous_deadline = ZonedTime::new(*previous, &coop.timezone);
                    let t = RfqExtended {
                        notice,
                        previous_deadline,
                    };
                    enqueue_once(conn, now, to, locale, &t, key).await?
                }
            };
            queued.emails += usize::from(queued_now);
        }
        if let Some(url) = &supplier.webhook_url {
            let mut payload = json!({
                "event": what.event(),
                "occurred_at": now,
                "rfq": body,
            });
            match what {
                Announcement::Cancelled { reason } => payload["reason"] = json!(reason),
                Announcement::Extended { previous } => {
                    payload["previous_deadline"] = json!(previous)
                }
                Announcement::Published => {}
            }
            let key = format!("rfq:{}:{occasion}:webhook:{supplier_id}", rfq.id);
            if webhooks::enqueue(conn, now, supplier_id, url, what.event(), &payload, key).await? {
                queued.webhooks += 1;
            }
        }
    }
    Ok(queued)
}
