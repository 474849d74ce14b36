//! Purchase orders for every role: the list (what the API lets the viewer see), a PO with
//! its lines, FX and member allocations (a coop admin all of them, a member only its own, a
//! supplier none), its print view (the A4 발주서), CSV, and the supplier's acknowledgement
//! (a confirmation page, then a POST to the API's service).

use actix_web::{web, HttpResponse};
use askama::Template;
use rust_decimal::Decimal;

use super::Fmt;
use crate::api::pagination::{encode, PageQuery};
use crate::auth::Role;
use crate::error::AppError;
use crate::i18n::operations::{self, OpsMsgs};
use crate::ids::{PoLineId, PurchaseOrderId};
use crate::purchase_orders::models::{AllocationOut, PoLineOut, PurchaseOrderOut};
use crate::purchase_orders::service::{self as po_service, PoDocument};
use crate::state::AppState;
use crate::web::render::{csv_download, page, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// POs per page of the list.
const PER_PAGE: u32 = 50;

/// The purchase-order pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/purchase-orders").get(list))
        .service(Routes::at("/purchase-orders.csv").get(list_csv))
        .service(Routes::at("/purchase-orders/{id}").get(detail))
        .service(Routes::at("/purchase-orders/{id}/print").get(print))
        .service(Routes::at("/purchase-orders/{id}/csv").get(csv))
        .service(
            Routes::at("/purchase-orders/{id}/acknowledge")
                .get(confirm_acknowledge)
                .post(acknowledge),
        );
}

/// `?cursor=` of the list.
#[derive(serde::Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

async fn page_of(
    state: &AppState,
    p: &Page,
    cursor: Option<String>,
) -> Result<(Vec<PurchaseOrderOut>, Option<String>), AppError> {
    let who = p.who()?;
    let q = PageQuery {
        limit: Some(PER_PAGE),
        cursor,
    };
    let limit = q.limit()?;
    let pos = po_service::list(state, who, q.after()?, limit).await?;
    let next = (pos.len() as i64 == limit)
        .then(|| pos.last().map(|l| encode((l.issued_at, l.id.0))))
        .flatten();
    Ok((pos, next))
}

#[derive(Template)]
#[template(path = "web/purchase_orders/list.html")]
struct ListPage<'a> {
    page: &'a Page,
    m: &'static OpsMsgs,
    f: Fmt,
    pos: Vec<PurchaseOrderOut>,
    next: Option<String>,
    /// Show the member's own share (a member's list).
    member: bool,
    cursor: Option<String>,
}

impl ListPage<'_> {
    fn share(&self, po: &PurchaseOrderOut) -> Decimal {
        po.allocations.iter().map(|a| a.amount_base).sum()
    }
}

/// `GET /purchase-orders`.
pub async fn list(
    state: web::Data<AppState>,
    p: Page,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let cursor = q.into_inner().cursor;
    let (pos, next) = page_of(&state, &p, cursor.clone()).await?;
    let f = Fmt::of(&state, &p, &who).await?;
    page(&ListPage {
        m: operations::msgs(p.locale),
        page: &p,
        f,
        pos,
        next,
        member: who.role == Role::Member,
        cursor,
    })
}

/// `GET /purchase-orders.csv`: the list's page as the API's CSV.
pub async fn list_csv(
    state: web::Data<AppState>,
    p: Page,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (pos, _) = page_of(&state, &p, q.into_inner().cursor).await?;
    Ok(csv_download("purchase-orders.csv").body(po_service::csv_list(&pos)))
}

/// A PO's page or print view.
struct Doc {
    d: PoDocument,
    role: Role,
}

impl Doc {
    fn line(&self, id: &PoLineId) -> Option<&PoLineOut> {
        self.d.po.lines.iter().find(|l| l.id == *id)
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

    /// Freight and insurance per unit of a line.
    fn charges(&self, l: &PoLineOut) -> Decimal {
        l.freight_per_unit + l.insurance_per_unit
    }

    /// The PO's goods value (unit prices × quantities).
    fn goods_total(&self) -> Decimal {
        self.d
            .po
            .lines
            .iter()
            .map(|l| l.unit_price * l.quantity)
            .sum()
    }

    /// The PO's freight and insurance.
    fn charges_total(&self) -> Decimal {
        self.d
            .po
            .lines
            .iter()
            .map(|l| self.charges(l) * l.quantity)
            .sum()
    }

    fn allocations(&self) -> &[AllocationOut] {
        &self.d.po.allocations
    }

    fn converted(&self) -> bool {
        self.d.po.currency != self.d.po.base_currency
    }

    fn is_member(&self) -> bool {
        self.role == Role::Member
    }

    fn shows_allocations(&self) -> bool {
        self.role != Role::Supplier
    }
}

#[derive(Template)]
#[template(path = "web/purchase_orders/detail.html")]
struct DetailPage<'a> {
    page: &'a Page,
    m: &'static OpsMsgs,
    f: Fmt,
    doc: Doc,
    /// The supplier may acknowledge it now.
    can_acknowledge: bool,
    acknowledged_now: bool,
}

/// Query of `GET /purchase-orders/{id}`.
#[derive(serde::Deserialize)]
pub struct DetailQuery {
    acknowledged: Option<String>,
}

async fn doc_of(state: &AppState, p: &Page, id: PurchaseOrderId) -> Result<(Doc, Fmt), AppError> {
    let who = p.who()?;
    let d = po_service::document(state, who, id).await?;
    let f = Fmt::of(state, p, who).await?;
    Ok((Doc { d, role: who.role }, f))
}

/// `GET /purchase-orders/{id}`.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<PurchaseOrderId>,
    q: web::Query<DetailQuery>,
) -> Result<HttpResponse, AppError> {
    let (doc, f) = doc_of(&state, &p, *id).await?;
    page(&DetailPage {
        m: operations::msgs(p.locale),
        page: &p,
        f,
        can_acknowledge: doc.role == Role::Supplier && doc.d.po.status == "issued",
        acknowledged_now: q.acknowledged.is_some(),
        doc,
    })
}

#[derive(Template)]
#[template(path = "web/purchase_orders/print.html")]
struct PrintPage<'a> {
    page: &'a Page,
    m: &'static OpsMsgs,
    f: Fmt,
    doc: Doc,
}

/// `GET /purchase-orders/{id}/print`: the A4 document.
pub async fn print(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<PurchaseOrderId>,
) -> Result<HttpResponse, AppError> {
    let (doc, f) = doc_of(&state, &p, *id).await?;
    page(&PrintPage {
        m: operations::msgs(p.locale),
        page: &p,
        f,
        doc,
    })
}

/// `GET /purchase-orders/{id}/csv`: the API's CSV of one PO (allocations as the viewer may
/// see them).
pub async fn csv(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<PurchaseOrderId>,
) -> Result<HttpResponse, AppError> {
    let po = po_service::get(&state, p.who()?, *id).await?;
    Ok(csv_download(&format!("{}.csv", po.number)).body(po_service::csv(&po)))
}

#[derive(Template)]
#[template(path = "web/purchase_orders/acknowledge.html")]
struct AcknowledgePage<'a> {
    page: &'a Page,
    m: &'static OpsMsgs,
    f: Fmt,
    doc: Doc,
}

/// `GET /purchase-orders/{id}/acknowledge`: the supplier's confirmation step.
pub async fn confirm_acknowledge(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<PurchaseOrderId>,
) -> Result<HttpResponse, AppError> {
    // Out of reach is 404 first; a PO in reach but not the caller's to acknowledge, 403.
    let (doc, f) = doc_of(&state, &p, *id).await?;
    p.who()?.require(&[Role::Supplier])?;
    if doc.d.po.status != "issued" {
        return Ok(see_other(&format!("/purchase-orders/{}", doc.d.po.id)));
    }
    page(&AcknowledgePage {
        m: operations::msgs(p.locale),
        page: &p,
        f,
        doc,
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
