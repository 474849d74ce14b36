//! The audit trail: a cooperative's events for its admins (`/audit`: filters by kind and
//! date, paging, "verify the chain" naming the first broken link) and the verification of
//! every chain for platform admins (`/admin/audit`). Both call the audit services the API
//! calls.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::{zone_of, Fmt};
use crate::api::pagination::{encode, PageQuery};
use crate::audit::repo::EventOut;
use crate::audit::service::{self as audit_service, ChainReport};
use crate::auth::Role;
use crate::error::AppError;
use crate::i18n::operations::{self, OpsMsgs};
use crate::state::AppState;
use crate::web::render::{page, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// Events per page.
const PER_PAGE: u32 = 50;

/// The audit pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/audit").get(trail))
        .service(Routes::at("/admin/audit").get(all_chains));
}

/// `?kind=&from=&to=&cursor=&verify=` of `/audit`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TrailQuery {
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    verify: Option<String>,
}

fn date(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// Midnight starting `d` in `tz`, in UTC.
fn day_start(tz: chrono_tz::Tz, d: NaiveDate) -> DateTime<Utc> {
    let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.to_utc())
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

#[derive(Template)]
#[template(path = "web/audit/trail.html")]
struct TrailPage<'a> {
    page: &'a Page,
    m: &'static OpsMsgs,
    f: Fmt,
    kinds: Vec<String>,
    kind: String,
    from: String,
    to: String,
    events: Vec<EventOut>,
    names: HashMap<uuid::Uuid, String>,
    /// The query of the next page, if there is one.
    next: Option<String>,
    report: Option<ChainReport>,
}

impl TrailPage<'_> {
    fn actor(&self, e: &EventOut) -> String {
        match e.actor_id {
            None => self.m.actor_system.to_owned(),
            Some(id) => self
                .names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| id.to_string()),
        }
    }

    /// The event's details as compact JSON.
    fn details(&self, e: &EventOut) -> String {
        if e.data.as_object().is_some_and(|o| o.is_empty()) {
            return String::new();
        }
        e.data.to_string()
    }
}

/// `GET /audit` (coop admins; platform admins go to `/admin/audit`).
pub async fn trail(
    state: web::Data<AppState>,
    p: Page,
    q: web::Query<TrailQuery>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    if who.role == Role::PlatformAdmin {
        return Ok(see_other("/admin/audit"));
    }
    who.require(&[Role::CoopAdmin])?;
    let coop = who.cooperative_id.ok_or(AppError::Forbidden)?;
    let q = q.into_inner();
    let tz = zone_of(&state, &who).await?;
    let kinds = audit_service::cooperative_entities(&state, &who, coop).await?;
    let kind = q
        .kind
        .clone()
        .filter(|k| !k.is_empty() && kinds.contains(k));
    let (from, to) = (date(&q.from), date(&q.to));
    let since = from.map(|d| day_start(tz, d));
    let page_q = PageQuery {
        limit: Some(PER_PAGE),
        cursor: q.cursor.clone().filter(|c| !c.is_empty()),
    };
    let limit = page_q.limit()?;
    // The end of the `to` day as the first page's cursor: events before it.
    let after = match page_q.after()? {
        Some(a) => Some(a),
        None => to.map(|d| {
            (
                day_start(tz, d + Duration::days(1)) - Duration::microseconds(1),
                uuid::Uuid::max(),
            )
        }),
    };
    let events = audit_service::list_cooperative(
        &state,
        &who,
        coop,
        kind.as_deref(),
        None,
        since,
        after,
        limit,
    )
    .await?;
    let names = audit_service::actor_names(&state, &who, coop, &events).await?;
    let fmt_date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let next = (events.len() as i64 == limit)
        .then(|| events.last())
        .flatten()
        .map(|last| {
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("kind", kind.as_deref().unwrap_or(""))
                .append_pair("from", &fmt_date(from))
                .append_pair("to", &fmt_date(to))
                .append_pair("cursor", &encode((last.at, last.id)))
                .finish()
        });
    let report = match q.verify {
        Some(_) => Some(audit_service::verify_cooperative_report(&state, &who, coop).await?),
        None => None,
    };
    let f = Fmt::new(&p, tz, state.clock.now());
    page(&TrailPage {
        m: operations::msgs(p.locale),
        page: &p,
        f,
        kinds,
        kind: kind.unwrap_or_default(),
        from: fmt_date(from),
        to: fmt_date(to),
        events,
        names,
        next,
        report,
    })
}

/// `?verify=` of `/admin/audit`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ChainsQuery {
    verify: Option<String>,
}

#[derive(Template)]
#[template(path = "web/audit/chains.html")]
struct ChainsPage<'a> {
    page: &'a Page,
    m: &'static OpsMsgs,
    f: Fmt,
    reports: Option<Vec<ChainReport>>,
}

impl ChainsPage<'_> {
    fn all_ok(&self) -> bool {
        self.reports
            .as_ref()
            .is_some_and(|r| r.iter().all(|c| c.verification.ok))
    }
}

/// `GET /admin/audit` (platform admins): verify every chain on request.
pub async fn all_chains(
    state: web::Data<AppState>,
    p: Page,
    q: web::Query<ChainsQuery>,
) -> Result<HttpResponse, AppError> {
    let who = p.require(&[Role::PlatformAdmin])?;
    let reports = match q.verify {
        Some(_) => Some(audit_service::verify_all(&state, &who).await?),
        None => None,
    };
    let f = Fmt::of(&state, &p, &who).await?;
    page(&ChainsPage {
        m: operations::msgs(p.locale),
        page: &p,
        f,
        reports,
    })
}
