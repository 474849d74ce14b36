//! RFQ pages: the list, and the page every RFQ email links to. Sealed like the API: before
//! the deadline the buyer side sees only how many quotes were submitted.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::{zone_of, Fmt};
use crate::auth::Role;
use crate::error::AppError;
use crate::ids::RfqId;
use crate::quotes::models::QuoteOut;
use crate::quotes::service as quote_service;
use crate::rfqs::models::{RfqOut, RfqStatus};
use crate::rfqs::service::{get_rfq, list_rfqs};
use crate::state::AppState;
use crate::web::render::page;
use crate::web::session::Page;
use crate::web::Routes;

/// The RFQ pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/rfqs").get(list))
        .service(Routes::at("/rfqs/{id}").get(detail));
}

#[derive(Template)]
#[template(path = "web/rfqs.html")]
struct ListPage<'a> {
    page: &'a Page,
    f: Fmt,
    role: Role,
    rfqs: Vec<RfqOut>,
}

/// `GET /rfqs`.
pub async fn list(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    if who.role == Role::Supplier {
        return super::quotes::inbox(state, p).await;
    }
    let rfqs = list_rfqs(&state, &who, None, None, 100).await?;
    let f = Fmt::new(&p, zone_of(&state, &who).await?, state.clock.now());
    page(&ListPage {
        page: &p,
        f,
        role: who.role,
        rfqs,
    })
}

#[derive(Template)]
#[template(path = "web/rfq.html")]
struct DetailPage<'a> {
    page: &'a Page,
    f: Fmt,
    buyer: bool,
    rfq: RfqOut,
    /// "N of M invited suppliers have quoted" (buyer side).
    submitted: String,
    /// The buyer side after the deadline: the opened quotes.
    quotes: Vec<QuoteOut>,
}

/// `GET /rfqs/{id}`.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    if who.role == Role::Supplier {
        return super::quotes::detail(state, p, *id).await;
    }
    let rfq = get_rfq(&state, &who, *id).await?;
    let buyer = who.role != Role::Supplier;
    // The API's buyer-side quote list: empty until the deadline, whoever asks.
    let quotes = if buyer {
        quote_service::list_for_rfq(&state, &who, rfq.id)
            .await?
            .items
    } else {
        vec![]
    };
    let f = Fmt::new(&p, zone_of(&state, &who).await?, state.clock.now());
    page(&DetailPage {
        page: &p,
        f,
        buyer,
        submitted: p.t.submitted_of(
            rfq.submitted_count.unwrap_or(0),
            rfq.supplier_ids.as_ref().map_or(0, Vec::len),
        ),
        rfq,
        quotes,
    })
}
