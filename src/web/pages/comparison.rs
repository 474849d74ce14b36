//! The comparison page (`/rfqs/{id}/comparison`, buyer side, after the deadline): per line
//! every offer on one landed-cost basis with its rank and flags, two server-drawn SVG
//! charts (landed-cost parts, price tiers) each beside its data table, and the optimal
//! suggestion; its CSV (the API's) and a print view. It shows what the comparison service
//! answers the API, nothing else: before the deadline that is a 409 `sealed`, so no figure.

pub mod charts;

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::Fmt;
use crate::auth::Role;
use crate::comparison::service::{self as comparison, Comparison, LineOut, OfferOut};
use crate::error::AppError;
use crate::i18n::comparison::{self as words, ComparisonMsgs};
use crate::ids::RfqId;
use crate::rfqs::models::{RfqOut, RfqStatus};
use crate::rfqs::service::get_rfq;
use crate::state::AppState;
use crate::suppliers::service::Origin;
use crate::web::render::{csv_download, page};
use crate::web::session::Page;
use crate::web::Routes;

/// The comparison pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/rfqs/{id}/comparison").get(show))
        .service(Routes::at("/rfqs/{id}/comparison.csv").get(csv));
}

/// How many offers the step chart draws (the best-ranked); the table has them all.
const STEP_SERIES: usize = 8;

/// One offer's row.
pub struct OfferRow<'a> {
    pub o: &'a OfferOut,
    pub domestic: bool,
    /// The FX rate's own date (none for the base currency).
    pub fx_date: Option<NaiveDate>,
    pub suggested: Option<Decimal>,
    /// `series-k` when the step chart draws it.
    pub series: Option<String>,
}

/// One line of the page.
pub struct LineView<'a> {
    pub l: &'a LineOut,
    pub rows: Vec<OfferRow<'a>>,
    pub bars: charts::Bars,
    pub steps: charts::Steps,
    pub steps_limited: bool,
    pub usable: usize,
    /// The API's `reason` code when there is no feasible suggestion.
    pub reason_code: String,
}

#[derive(Template)]
#[template(path = "web/comparison/show.html")]
struct ShowPage<'a> {
    page: &'a Page,
    m: &'static ComparisonMsgs,
    f: Fmt,
    rfq: &'a RfqOut,
    c: &'a Comparison,
    lines: Vec<LineView<'a>>,
    can_award: bool,
}

impl ShowPage<'_> {
    fn origin(&self, domestic: &bool) -> &'static str {
        if *domestic {
            self.m.domestic
        } else {
            self.m.overseas
        }
    }
}

/// The page's view of a computed comparison.
fn lines_of(c: &Comparison) -> Vec<LineView<'_>> {
    let rate_date: HashMap<&str, NaiveDate> = c
        .rates
        .iter()
        .map(|r| (r.currency.as_str(), r.date))
        .collect();
    c.lines
        .iter()
        .map(|l| {
            let mut drawn = 0;
            let rows: Vec<OfferRow> = l
                .offers
                .iter()
                .map(|o| {
                    let series = (drawn < STEP_SERIES).then(|| {
                        drawn += 1;
                        format!("series-{}", drawn - 1)
                    });
                    OfferRow {
                        o,
                        domestic: o.origin == Origin::Domestic,
                        fx_date: rate_date.get(o.currency.as_str()).copied(),
                        suggested: l
                            .suggestion
                            .allocations
                            .iter()
                            .find(|a| a.quote_id == o.quote_id)
                            .map(|a| a.quantity),
                        series,
                    }
                })
                .collect();
            let bars = charts::bars(
                &rows
                    .iter()
                    .map(|r| {
                        (
                            r.o.supplier_name.clone(),
                            [
                                r.o.goods_base,
                                r.o.charges_base,
                                r.o.duty_base,
                                r.o.adder_base,
                            ],
                            r.o.landed_total_base,
                        )
                    })
                    .collect::<Vec<_>>(),
            );
            let steps = charts::steps(
                &rows
                    .iter()
                    .filter(|r| r.series.is_some())
                    .map(|r| {
                        r.o.tiers
                            .iter()
                            .map(|t| (t.min_quantity, t.unit_price * r.o.fx_rate))
                            .collect()
                    })
                    .collect::<Vec<_>>(),
                l.quantity,
            );
            LineView {
                reason_code: l
                    .suggestion
                    .reason
                    .and_then(|r| serde_json::to_value(r).ok())
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                l,
                steps_limited: rows.len() > STEP_SERIES,
                usable: l.offers.iter().filter(|o| o.usable).count(),
                rows,
                bars,
                steps,
            }
        })
        .collect()
}

/// `GET /rfqs/{id}/comparison`.
pub async fn show(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    // The API's comparison (computed once per RFQ, then shared): 409 before the deadline.
    let c = comparison::shared(&state, &who, *id).await?;
    let rfq = get_rfq(&state, &who, *id).await?;
    let f = Fmt::of(&state, &p, &who).await?;
    page(&ShowPage {
        m: words::msgs(p.locale),
        page: &p,
        f,
        lines: lines_of(&c),
        c: &c,
        can_award: who.role == Role::CoopAdmin && rfq.status == RfqStatus::Closed,
        rfq: &rfq,
    })
}

/// `GET /rfqs/{id}/comparison.csv`: the API's CSV.
pub async fn csv(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<RfqId>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let c = comparison::shared(&state, &who, *id).await?;
    Ok(csv_download(&format!("rfq-{}-comparison.csv", *id)).body(comparison::csv(&c)))
}
