//! Purchase orders: the list (the member allocation email links to it), a PO (the winning
//! supplier's email links to it), and its acknowledgement by the supplier.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::{zone_of, Fmt};
use crate::auth::Role;
use crate::error::AppError;
use crate::ids::{PoLineId, PurchaseOrderId};
use crate::purchase_orders::models::{PoLineOut, PurchaseOrderOut};
use crate::purchase_orders::service as po_service;
use crate::state::AppState;
use crate::web::render::{page, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// The purchase-order pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/purchase-orders").get(list))
        .service(Routes::at("/purchase-orders/{id}").get(detail))
        .service(Routes::at("/purchase-orders/{id}/acknowledge").post(acknowledge));
}

#[derive(Template)]
#[template(path = "web/purchase_orders.html")]
struct ListPage<'a> {
    page: &'a Page,
    f: Fmt,
    pos: Vec<PurchaseOrderOut>,
}

/// `GET /purchase-orders`.
pub async fn list(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let pos = po_service::list(&state, &who, None, 100).await?;
    let f = Fmt::new(&p, zone_of(&state, &who).await?, state.clock.now());
    page(&ListPage { page: &p, f, pos })
}

#[derive(Template)]
#[template(path = "web/purchase_order.html")]
struct DetailPage<'a> {
    page: &'a Page,
    f: Fmt,
    po: PurchaseOrderOut,
    /// The supplier may acknowledge it now.
    can_acknowledge: bool,
    acknowledged_now: bool,
}

impl DetailPage<'_> {
    /// Freight and insurance per unit of a line.
    fn charges(&self, l: &PoLineOut) -> rust_decimal::Decimal {
        l.freight_per_unit + l.insurance_per_unit
    }

    fn line(&self, id: &PoLineId) -> Option<&PoLineOut> {
        self.po.lines.iter().find(|l| l.id == *id)
    }

    /// `name (code)` of the material of a PO line.
    fn material_of(&self, id: &PoLineId) -> String {
        self.line(id)
            .map(|l| format!("{} ({})", l.material_name, l.material_code))
            .unwrap_or_default()
    }

    /// The unit of a PO line.
    fn unit_of(&self, id: &PoLineId) -> String {
        self.line(id).map(|l| l.unit.clone()).unwrap_or_default()
    }
}

/// Query of `GET /purchase-orders/{id}`.
#[derive(serde::Deserialize)]
pub struct DetailQuery {
    acknowledged: Option<String>,
}

/// `GET /purchase-orders/{id}`.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<PurchaseOrderId>,
    q: web::Query<DetailQuery>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let po = po_service::get(&state, &who, *id).await?;
    let f = Fmt::new(&p, zone_of(&state, &who).await?, state.clock.now());
    page(&DetailPage {
        page: &p,
        f,
        can_acknowledge: who.role == Role::Supplier && po.status == "issued",
        acknowledged_now: q.acknowledged.is_some(),
        po,
    })
}

/// `POST /purchase-orders/{id}/acknowledge` (its supplier).
pub async fn acknowledge(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<PurchaseOrderId>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let po = po_service::acknowledge(&state, &who, *id).await?;
    Ok(see_other(&format!(
        "/purchase-orders/{}?acknowledged=1",
        po.id
    )))
}
