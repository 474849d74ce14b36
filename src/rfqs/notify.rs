//! What invited suppliers hear about an RFQ: emails (every active user of the supplier and
//! its contact address, deduplicated, each in its own locale) and, for suppliers with a
//! webhook, a signed JSON POST — both queued in the caller's transaction.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::{json, Value};

use super::models::{Rfq, RfqLine};
use super::repo;
use crate::cooperatives::models::Cooperative;
use crate::notifications::enqueue_once;
use crate::notifications::templates::{
    utc_and_kst, RfqCancelled, RfqExtended, RfqInvitation, RfqNotice,
};

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
    let (deadline_utc, deadline_kst) = utc_and_kst(rfq.deadline);
    let (previous_utc, previous_kst) = match what {
        Announcement::Extended { previous } => {
            let (u, k) = utc_and_kst(*previous);
            (Some(u), Some(k))
        }
        _ => (None, None),
    };
    let notice = |name: String| RfqNotice {
        name,
        cooperative: coop.name.clone(),
        rfq_title: rfq.title.clone(),
        deadline_utc: deadline_utc.clone(),
        deadline_kst: deadline_kst.clone(),
        delivery_place: rfq.delivery_place.clone(),
        lines: lines
            .iter()
            .map(|(l, code, name)| {
                format!(
                    "{name} ({code}): {} {}, required by {}",
                    l.quantity.normalize(),
                    l.unit,
                    l.required_by
                )
            })
            .collect(),
        currencies: rfq.currency_list().join(", "),
        incoterms: rfq.incoterm_list().join(", "),
        link: format!("{public_url}/rfqs/{}", rfq.id),
        reason: match what {
            Announcement::Cancelled { reason } => Some(reason.clone()),
            _ => None,
        },
        previous_deadline_utc: previous_utc.clone(),
        previous_deadline_kst: previous_kst.clone(),
    };
    // Each announcement is sent once per address (an extension once per new deadline).
    let occasion = match what {
        Announcement::Published => "published".to_owned(),
        Announcement::Cancelled { .. } => "cancelled".to_owned(),
        Announcement::Extended { .. } => format!("extended:{}", rfq.deadline.timestamp()),
    };
    let body = summary(coop, rfq, &lines, public_url);
    let mut queued = Queued::default();
    for (_, supplier_id) in repo::suppliers_of(conn, &[rfq.id]).await? {
        let Some((supplier, recipients)) =
            crate::suppliers::repo::recipients(conn, supplier_id).await?
        else {
            continue;
        };
        for r in recipients {
            let key = format!("rfq:{}:{occasion}:{}", rfq.id, r.email.to_lowercase());
            let n = notice(r.name);
            let (to, locale) = (r.email.as_str(), r.locale);
            let queued_now = match what {
                Announcement::Published => {
                    enqueue_once(conn, now, to, locale, &RfqInvitation(n), key).await?
                }
                Announcement::Cancelled { .. } => {
                    enqueue_once(conn, now, to, locale, &RfqCancelled(n), key).await?
                }
                Announcement::Extended { .. } => {
                    enqueue_once(conn, now, to, locale, &RfqExtended(n), key).await?
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
            if crate::webhooks::enqueue(conn, now, supplier_id, url, what.event(), &payload, key)
                .await?
            {
                queued.webhooks += 1;
            }
        }
    }
    Ok(queued)
}
