//! The home page: per role, what needs the user's attention and where to go. One function
//! per role; `/` dispatches on the signed-in user's role.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::Fmt;
use crate::auth::{Principal, Role};
use crate::cooperatives::models::CooperativeOut;
use crate::cooperatives::service::list_cooperatives;
use crate::error::AppError;
use crate::fx::service::{missing_rfq_rates, MissingRate};
use crate::i18n::buyer_admin::{self, BuyerAdminMsgs};
use crate::notifications::repo::OutboxEmail;
use crate::notifications::service::{dead_of_cooperative, outbox_counts, OutboxCounts};
use crate::purchase_orders::models::PurchaseOrderOut;
use crate::purchase_orders::service as po_service;
use crate::rfqs::models::{RfqOut, RfqStatus};
use crate::rfqs::service::list_rfqs;
use crate::rounds::models::{RoundOut, RoundStatus};
use crate::rounds::service::{list_rounds, participation};
use crate::state::AppState;
use crate::web::render::page;
use crate::web::session::Page;
use crate::web::Routes;

/// The home page of every role.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/").get(home));
}

/// `GET /`: the home of the signed-in user's role.
pub async fn home(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    match who.role {
        Role::PlatformAdmin => platform_admin_home(&state, &p, &who).await,
        Role::CoopAdmin => coop_admin_home(&state, &p, &who).await,
        Role::Member => super::demand::member_home(state, p).await,
        Role::Supplier => super::quotes::supplier_home(state, p).await,
    }
}

/// An open round and how many members have entered demand in it.
struct OpenRound {
    round: RoundOut,
    entered: i64,
    members: i64,
}

/// The RFQs of one status.
struct RfqGroup {
    status: RfqStatus,
    rfqs: Vec<RfqOut>,
}

#[derive(Template)]
#[template(path = "web/home/coop_admin.html")]
struct CoopAdminHome<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    f: Fmt,
    open_rounds: Vec<OpenRound>,
    groups: Vec<RfqGroup>,
    pos: Vec<PurchaseOrderOut>,
    missing_rates: Vec<MissingRate>,
    dead_emails: Vec<OutboxEmail>,
}

/// The buyer's home: open rounds with their progress, RFQs by status (sealed: only
/// counts before the deadline), recent purchase orders, and alerts.
async fn coop_admin_home(
    state: &AppState,
    p: &Page,
    who: &Principal,
) -> Result<HttpResponse, AppError> {
    let coop = who.cooperative_id.ok_or(AppError::Forbidden)?;
    let f = Fmt::of(state, p, who).await?;
    let rounds = list_rounds(state, who, coop, None, 50).await?;
    let open: Vec<RoundOut> = rounds
        .into_iter()
        .filter(|r| r.status == RoundStatus::Open)
        .collect();
    let ids: Vec<_> = open.iter().map(|r| r.id).collect();
    let progress = participation(state, who, coop, &ids).await?;
    let open_rounds = open
        .into_iter()
        .map(|round| OpenRound {
            entered: progress.entered_in(round.id),
            members: progress.members,
            round,
        })
        .collect();
    let rfqs = list_rfqs(state, who, None, None, 100).await?;
    // What needs the buyer first: awaiting award, then collecting quotes, then drafts.
    let order = [
        RfqStatus::Closed,
        RfqStatus::Published,
        RfqStatus::Draft,
        RfqStatus::Awarded,
        RfqStatus::Cancelled,
    ];
    let mut groups: Vec<RfqGroup> = order
        .iter()
        .map(|s| RfqGroup {
            status: *s,
            rfqs: vec![],
        })
        .collect();
    for r in rfqs {
        if let Some(g) = groups.iter_mut().find(|g| g.status == r.status) {
            g.rfqs.push(r);
        }
    }
    groups.retain(|g| !g.rfqs.is_empty());
    let pos = po_service::list(state, who, None, 10).await?;
    page(&CoopAdminHome {
        page: p,
        m: buyer_admin::msgs(p.locale),
        f,
        open_rounds,
        groups,
        pos,
        missing_rates: missing_rfq_rates(state, who, coop).await?,
        dead_emails: dead_of_cooperative(state, who, coop, 20).await?,
    })
}

#[derive(Template)]
#[template(path = "web/home/platform_admin.html")]
struct PlatformAdminHome<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    cooperatives: Vec<CooperativeOut>,
    outbox: OutboxCounts,
}

/// The platform admin's home: the cooperatives, the outboxes' pending and failed counts,
/// and the administration pages.
async fn platform_admin_home(
    state: &AppState,
    p: &Page,
    who: &Principal,
) -> Result<HttpResponse, AppError> {
    page(&PlatformAdminHome {
        page: p,
        m: buyer_admin::msgs(p.locale),
        cooperatives: list_cooperatives(state, who, None, None, 50).await?,
        outbox: outbox_counts(state, who).await?,
    })
}
