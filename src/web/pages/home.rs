//! The home page: per role, what needs the user's attention and where to go.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::{zone_of, Fmt};
use crate::auth::Role;
use crate::cooperatives::models::CooperativeOut;
use crate::cooperatives::service::list_cooperatives;
use crate::error::AppError;
use crate::purchase_orders::models::PurchaseOrderOut;
use crate::purchase_orders::service as po_service;
use crate::rfqs::models::{RfqOut, RfqStatus};
use crate::rfqs::service::list_rfqs;
use crate::rounds::models::{RoundOut, RoundStatus};
use crate::rounds::service::list_rounds;
use crate::state::AppState;
use crate::web::render::page;
use crate::web::session::Page;
use crate::web::Routes;

/// The home page of every role.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/").get(home));
}

#[derive(Template)]
#[template(path = "web/home.html")]
struct HomePage<'a> {
    page: &'a Page,
    f: Fmt,
    role: Role,
    cooperatives: Vec<CooperativeOut>,
    rounds: Vec<RoundOut>,
    rfqs: Vec<RfqOut>,
    pos: Vec<PurchaseOrderOut>,
}

/// `GET /`.
pub async fn home(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    if who.role == Role::Supplier {
        return super::quotes::supplier_home(state, p).await;
    }
    if who.role == Role::Member {
        return super::demand::member_home(state, p).await;
    }
    let tz = zone_of(&state, &who).await?;
    let f = Fmt::new(&p, tz, state.clock.now());
    let (mut cooperatives, mut rounds, mut rfqs, mut pos) = (vec![], vec![], vec![], vec![]);
    match who.role {
        Role::PlatformAdmin => {
            cooperatives = list_cooperatives(&state, &who, None, None, 50).await?;
        }
        Role::CoopAdmin | Role::Member => {
            let coop = who.cooperative_id.ok_or(AppError::Forbidden)?;
            rounds = list_rounds(&state, &who, coop, None, 20).await?;
            if who.role == Role::Member {
                rounds.retain(|r| r.status == RoundStatus::Open);
            } else {
                rfqs = list_rfqs(&state, &who, None, None, 20).await?;
            }
            pos = po_service::list(&state, &who, None, 10).await?;
        }
        Role::Supplier => {
            rfqs = list_rfqs(&state, &who, None, None, 20).await?;
            pos = po_service::list(&state, &who, None, 10).await?;
        }
    }
    page(&HomePage {
        page: &p,
        f,
        role: who.role,
        cooperatives,
        rounds,
        rfqs,
        pos,
    })
}
