//! A demand round (the round emails link to it): its materials, closing time, and the
//! demand the viewer may see (a member only its own).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use askama::Template;

use super::{zone_of, Fmt};
use crate::api::pagination::MAX_LIMIT;
use crate::auth::{Locale, Role};
use crate::error::AppError;
use crate::ids::{MaterialId, RoundId};
use crate::materials::service::{self as material_service, MaterialOut};
use crate::rounds::models::{DemandOut, RoundOut, RoundStatus};
use crate::rounds::service::{get_round, list_demand};
use crate::state::AppState;
use crate::web::render::page;
use crate::web::session::Page;
use crate::web::Routes;

/// The demand-round pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/rounds/{id}").get(detail));
}

#[derive(Template)]
#[template(path = "web/round.html")]
struct RoundPage<'a> {
    page: &'a Page,
    f: Fmt,
    round: RoundOut,
    member: bool,
    materials: Vec<MaterialOut>,
    /// Demand lines with their material's `name (code)`.
    lines: Vec<(DemandOut, String)>,
}

/// `GET /rounds/{id}`.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RoundId>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    if who.role == Role::Member {
        return super::demand::member_round(state, p, id.into_inner()).await;
    }
    let round = get_round(&state, &who, *id).await?;
    let catalog = material_service::list(
        &state,
        &who,
        round.cooperative_id,
        None,
        None,
        i64::from(MAX_LIMIT),
    )
    .await?;
    let ko = p.locale == Locale::Ko;
    let label = |m: &MaterialOut| {
        let name = match (&m.name_ko, ko) {
            (Some(n), true) => n.clone(),
            _ => m.name.clone(),
        };
        format!("{name} ({})", m.code)
    };
    let names: HashMap<MaterialId, String> = catalog.iter().map(|m| (m.id, label(m))).collect();
    let materials: Vec<MaterialOut> = catalog
        .into_iter()
        .filter(|m| round.material_ids.contains(&m.id))
        .collect();
    let lines = list_demand(&state, &who, round.id, None, i64::from(MAX_LIMIT))
        .await?
        .into_iter()
        .map(|l| {
            let name = names.get(&l.material_id).cloned().unwrap_or_default();
            (l, name)
        })
        .collect();
    let f = Fmt::new(&p, zone_of(&state, &who).await?, state.clock.now());
    page(&RoundPage {
        page: &p,
        f,
        member: who.role == Role::Member,
        round,
        materials,
        lines,
    })
}
