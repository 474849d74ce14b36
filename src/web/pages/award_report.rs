//! The award report page (`/rfqs/{id}/report`): members and admins of the cooperative, once
//! the RFQ is awarded — the same service as `GET /api/v1/rfqs/{id}/award-report`, so the same
//! figures and the same reach (a supplier gets 404, before the award 409). Printable.

use actix_web::{web, HttpResponse};
use askama::Template;
use rust_decimal::Decimal;

use super::Fmt;
use crate::awards::report::{self, AwardReport, ReportLine, ReportVerification};
use crate::error::AppError;
use crate::i18n::format;
use crate::i18n::report::{msgs, ReportMsgs};
use crate::ids::{PoLineId, QuoteId, RfqId};
use crate::state::AppState;
use crate::web::render::page;
use crate::web::session::Page;
use crate::web::Routes;

/// The report page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/rfqs/{id}/report").get(show));
}

#[derive(Template)]
#[template(path = "web/report/award_report.html")]
struct ReportPage<'a> {
    page: &'a Page,
    f: Fmt,
    m: &'static ReportMsgs,
    r: AwardReport,
    verification: Option<ReportVerification>,
}

impl ReportPage<'_> {
    fn suggested(&self, l: &ReportLine, q: &QuoteId) -> Option<Decimal> {
        l.suggestion
            .allocations
            .iter()
            .find(|a| a.quote_id == *q)
            .map(|a| a.quantity)
    }

    fn awarded(&self, l: &ReportLine, q: &QuoteId) -> Option<Decimal> {
        l.awarded
            .iter()
            .find(|a| a.quote_id == *q)
            .map(|a| a.quantity)
    }

    /// The viewer's own quantity on a PO line (members), or everyone's (admins), formatted.
    fn shown_quantity(&self, line: &PoLineId) -> String {
        let q: Decimal = self
            .r
            .member_allocations
            .iter()
            .filter(|a| a.po_line_id == *line)
            .map(|a| a.quantity)
            .sum();
        format::number(q)
    }

    /// Whether the viewer sees every member (an admin): no "others".
    fn sees_all(&self) -> bool {
        self.r
            .allocation_totals
            .iter()
            .all(|t| t.others_quantity.is_zero())
    }

    fn short(&self, hash: &Option<String>) -> String {
        hash.as_deref()
            .map(|h| h.chars().take(16).collect())
            .unwrap_or_default()
    }
}

/// Query of the page.
#[derive(serde::Deserialize)]
pub struct ReportQuery {
    verify: Option<String>,
}

/// `GET /rfqs/{id}/report` (`?verify=1` recomputes the audit chain).
pub async fn show(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let r = report::report(&state, &who, *id).await?;
    let verification = match q.verify {
        Some(_) => Some(report::verify(&state, &who, *id).await?),
        None => None,
    };
    let f = Fmt::of(&state, &p, &who).await?;
    page(&ReportPage {
        m: msgs(p.locale),
        page: &p,
        f,
        r,
        verification,
    })
}
