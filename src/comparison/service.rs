//! `GET /rfqs/{id}/comparison`: every usable offer of every line on one landed-cost basis
//! in the cooperative's base currency, scored and ranked (DESIGN rules 5–6), with the
//! cost-optimal award suggestion per line (rule 7).
//!
//! Quotes are read through the sealing gate of [`crate::quotes::repo`], so before the
//! deadline there is nothing to compare (409 `sealed`). FX rates are those in force for the
//! cooperative (its own over the shared ones) on the RFQ's FX date (the deadline's date in
//! its zone), fixed per RFQ; a missing one is a 409 `fx_rate_missing` naming the currency.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use utoipa::ToSchema;

pub use super::reason::NoSuggestion;

use super::cache::Cached;
use super::landed::OfferTerms;
use super::scoring::{self, Bid, LineBasis, LineOverflow, Priced, Rate};
use crate::auth::{Principal, Role};
use crate::bounds;
use crate::context::Ctx;
use crate::cooperatives::models::Cooperative;
use crate::cooperatives::repo as coop_repo;
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::fx::service::rfq_rates;
use crate::ids::{MaterialId, QuoteId, RfqId, RfqLineId, SupplierId};
use crate::quotes::models::{timestamp, QuoteLine};
use crate::quotes::repo::{self as quote_repo, Reader, Unsealed};
use crate::reference::currency_minor_unit;
use crate::rfqs::models::{Rfq, RfqLine, Weights};
use crate::rfqs::repo as rfq_repo;
use crate::rfqs::service::rfq_in_scope;
use crate::suppliers::repo::{self as supplier_repo, Supplier};
use crate::suppliers::service::{origin as supplier_origin, Origin};

/// One offer of a line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferOut {
    pub quote_id: QuoteId,
    pub supplier_id: SupplierId,
    pub supplier_name: String,
    pub origin: Origin,
    pub currency: String,
    pub incoterm: String,
    /// The quantity the offer is priced at: min(line quantity, its max).
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Tier price at that quantity, in the quote's currency.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub fx_rate: Decimal,
    #[schema(value_type = String)]
    pub goods_base: Decimal,
    #[schema(value_type = String)]
    pub charges_base: Decimal,
    #[schema(value_type = String)]
    pub duty_base: Decimal,
    #[schema(value_type = String)]
    pub adder_base: Decimal,
    #[schema(value_type = String)]
    pub landed_total_base: Decimal,
    #[schema(value_type = String)]
    pub landed_unit_base: Decimal,
    pub lead_time_days: i32,
    #[schema(value_type = String)]
    pub min_quantity: Decimal,
    #[schema(value_type = Option<String>)]
    pub max_quantity: Option<Decimal>,
    pub valid_until: NaiveDate,
    pub covers_full_quantity: bool,
    pub meets_required_by: bool,
    /// False for offers that cannot be used (`flags` says why): listed, not ranked.
    pub usable: bool,
    /// `min_above_quantity`, `expired`.
    pub flags: Vec<&'static str>,
    /// Σ weightᵢ·scoreᵢ / Σ weightᵢ (null when not usable).
    #[schema(value_type = Option<String>)]
    pub score: Option<Decimal>,
    /// 1 = best (null when not usable).
    pub rank: Option<usize>,
    pub submitted_at: String,
    /// The offer's price tiers in the quote's currency: its base price from 0, then each
    /// price break from its minimum quantity.
    pub tiers: Vec<TierOut>,
}

/// A price tier of an offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TierOut {
    #[schema(value_type = String)]
    pub min_quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
}

/// The tiers of offer terms: the base price from 0, then the breaks by minimum quantity.
fn tiers_of(t: &OfferTerms) -> Vec<TierOut> {
    let mut breaks = t.breaks.clone();
    breaks.sort();
    std::iter::once((Decimal::ZERO, t.unit_price))
        .chain(breaks)
        .map(|(q, p)| TierOut {
            min_quantity: q.normalize(),
            unit_price: p.normalize(),
        })
        .collect()
}

/// One allocation of the suggestion.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestedAllocation {
    pub quote_id: QuoteId,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub landed_total_base: Decimal,
}

/// The cost-optimal allocation of a line (DESIGN rule 7).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionOut {
    pub allocations: Vec<SuggestedAllocation>,
    #[schema(value_type = String)]
    pub total_base: Decimal,
    /// The quantity the allocations cover (the line's, or the most that can be covered).
    #[schema(value_type = String)]
    pub covered_quantity: Decimal,
    pub covers_full_quantity: bool,
    /// True when the search proved this the optimum; false when a limit stopped it, and
    /// false when there is no feasible suggestion.
    pub optimal: bool,
    /// False when no usable offer can supply any of the line: there is nothing to suggest
    /// (no allocations, total 0) and `reason` says why.
    pub feasible: bool,
    /// Why there is no feasible suggestion (null when `feasible`).
    pub reason: Option<NoSuggestion>,
}

impl SuggestionOut {
    /// The quantity suggested for `quote`, as CSV writes it (empty when none).
    pub fn quantity_text(&self, quote: QuoteId) -> String {
        self.allocations
            .iter()
            .find(|a| a.quote_id == quote)
            .map(|a| a.quantity.to_string())
            .unwrap_or_default()
    }
}

/// A line of the comparison.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineOut {
    pub rfq_line_id: RfqLineId,
    pub material_id: MaterialId,
    pub material_code: String,
    pub material_name: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub unit: String,
    pub required_by: NaiveDate,
    #[schema(value_type = String)]
    pub duty_rate: Decimal,
    /// Usable offers by rank, then the others.
    pub offers: Vec<OfferOut>,
    pub suggestion: SuggestionOut,
}

/// A rate used.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RateUsed {
    pub currency: String,
    #[schema(value_type = String)]
    pub rate: Decimal,
    /// The rate's own date (on or before `fx_date`).
    pub date: NaiveDate,
}

/// `GET /rfqs/{id}/comparison`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comparison {
    pub rfq_id: RfqId,
    pub base_currency: String,
    /// The deadline's date in the cooperative's time zone: rates in force on it are used.
    pub fx_date: NaiveDate,
    pub rates: Vec<RateUsed>,
    pub weights: Weights,
    pub lines: Vec<LineOut>,
    /// Σ of the lines' suggested totals.
    #[schema(value_type = String)]
    pub suggested_total_base: Decimal,
}

/// Rounds money half-up (away from zero) to `dp` places, for display.
pub fn money(v: Decimal, dp: u32) -> Decimal {
    v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Everything the comparison computed, unrounded (the award reuses it).
pub struct Computed {
    pub rfq: Rfq,
    /// The cooperative's time zone and its local date at the computation (quotes' validity
    /// is judged on it).
    pub timezone: chrono_tz::Tz,
    pub computed_on: NaiveDate,
    pub base_currency: String,
    pub minor_unit: u32,
    pub fx_date: NaiveDate,
    /// Per line: the line and its offers.
    pub lines: Vec<ComputedLine>,
    pub out: Comparison,
}

/// One line's computation.
pub struct ComputedLine {
    pub line: RfqLine,
    pub offers: Vec<ComputedOffer>,
}

/// One offer as the award needs it.
#[derive(Debug, Clone)]
pub struct ComputedOffer {
    pub quote: QuoteId,
    pub supplier: SupplierId,
    pub terms: OfferTerms,
    pub usable: bool,
    /// The digest of the quote revision compared.
    pub digest: String,
}

/// Loads and computes the comparison of an RFQ the caller may see.
pub async fn compute(ctx: &Ctx, who: &Principal, id: RfqId) -> Result<Computed, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    let mut conn = db::conn(&ctx.pool).await?;
    let rfq = rfq_in_scope(&mut conn, who, id).await?;
    drop(conn);
    compute_at(ctx, rfq, ctx.clock.now()).await
}

/// The comparison of `rfq` as of `now` (offers expired by then are flagged); the caller has
/// authorised the reader.
pub async fn compute_at(ctx: &Ctx, rfq: Rfq, now: DateTime<Utc>) -> Result<Computed, AppError> {
    let mut conn = db::conn(&ctx.pool).await?;
    if rfq.sealed_at(now) {
        return Err(AppError::conflict(
            ErrorCode::Sealed,
            "Quotes are sealed until the RFQ's deadline; there is nothing to compare yet.",
        ));
    }
    let mut input = load(&mut conn, &rfq, now).await?;
    drop(conn);
    let weights = Weights {
        price: rfq.weight_price,
        lead_time: rfq.weight_lead_time,
    };
    let mut out_lines = Vec::new();
    let mut computed_lines = Vec::new();
    let mut suggested_total = Decimal::ZERO;
    for (line, code, name) in std::mem::take(&mut input.lines) {
        let compared = compare_line(&input, &weights, line, code, name)?;
        suggested_total = bounds::add(suggested_total, compared.suggested_total)
            .map_err(|_| bounds::overflow(format_args!("the RFQ {}", rfq.title)))?;
        out_lines.push(compared.out);
        computed_lines.push(compared.computed);
    }
    let out = Comparison {
        rfq_id: rfq.id,
        base_currency: input.coop.base_currency.clone(),
        fx_date: input.fx_date,
        rates: input
            .rates
            .iter()
            .filter_map(|(c, (r, d))| {
                d.map(|d| RateUsed {
                    currency: c.clone(),
                    rate: r.normalize(),
                    date: d,
                })
            })
            .collect(),
        weights: Weights {
            price: weights.price.normalize(),
            lead_time: weights.lead_time.normalize(),
        },
        lines: out_lines,
        suggested_total_base: money(suggested_total, input.minor_unit),
    };
    Ok(Computed {
        rfq,
        timezone: input
            .coop
            .timezone
            .parse()
            .unwrap_or(chrono_tz::Asia::Seoul),
        computed_on: input.today,
        base_currency: input.coop.base_currency,
        minor_unit: input.minor_unit,
        fx_date: input.fx_date,
        lines: computed_lines,
        out,
    })
}

/// What a comparison is computed from, as read in one go.
struct Inputs {
    coop: Cooperative,
    /// The deadline's local date: the FX date, and the day delivery is counted from.
    fx_date: NaiveDate,
    /// The local date of the computation: quotes' validity is judged on it.
    today: NaiveDate,
    /// Decimal places of the base currency.
    minor_unit: u32,
    /// The submitted quotes.
    quotes: Vec<Unsealed>,
    /// The RFQ's lines with their material's code and name.
    lines: Vec<(RfqLine, String, String)>,
    by_offer: HashMap<(QuoteId, RfqLineId), QuoteLine>,
    breaks_of: HashMap<(QuoteId, RfqLineId), Vec<(Decimal, Decimal)>>,
    /// Logistics adder per Incoterm.
    adders: HashMap<String, Decimal>,
    rates: BTreeMap<String, Rate>,
    suppliers: HashMap<SupplierId, Supplier>,
}

/// Reads the cooperative, the submitted quotes with their content, the RFQ's lines and
/// adders, the rates (409 `fx_rate_missing` for a currency without one) and the suppliers.
async fn load(
    conn: &mut AsyncPgConnection,
    rfq: &Rfq,
    now: DateTime<Utc>,
) -> Result<Inputs, AppError> {
    let coop = coop_repo::find_cooperative(conn, rfq.cooperative_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let fx_date = coop.local_date(rfq.deadline);
    let reader = Reader::Buyer {
        cooperative: Some(rfq.cooperative_id),
        now,
    };
    let quotes: Vec<_> = quote_repo::list_for_rfq(conn, rfq.id, reader)
        .await?
        .into_iter()
        .filter(|q| q.status == "submitted")
        .collect();
    let (qlines, breaks) = quote_repo::content_of(conn, &quotes).await?;
    let lines = rfq_repo::lines_of(conn, &[rfq.id]).await?;
    let adders = rfq_repo::adders_of(conn, &[rfq.id])
        .await?
        .into_iter()
        .map(|(_, t, a)| (t, a))
        .collect();
    let locked = rfq_rates(conn, rfq, &coop.base_currency, fx_date, now).await?;
    let rates = scoring::rates_for(
        quotes.iter().map(|q| q.currency.as_str()),
        &coop.base_currency,
        &locked,
    )
    .map_err(|currency| missing_rate(&currency, &coop.base_currency, fx_date))?;
    let supplier_ids: Vec<SupplierId> = quotes.iter().map(|q| q.supplier_id).collect();
    let suppliers = supplier_repo::find_many(conn, &supplier_ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut breaks_of: HashMap<_, Vec<_>> = HashMap::new();
    for b in &breaks {
        breaks_of
            .entry((b.quote_id, b.rfq_line_id))
            .or_default()
            .push((b.min_quantity, b.unit_price));
    }
    Ok(Inputs {
        today: coop.local_date(now),
        minor_unit: currency_minor_unit(&coop.base_currency).unwrap_or(2),
        coop,
        fx_date,
        quotes,
        lines,
        by_offer: qlines
            .into_iter()
            .map(|l| ((l.quote_id, l.rfq_line_id), l))
            .collect(),
        breaks_of,
        adders,
        rates,
        suppliers,
    })
}

/// 409 `fx_rate_missing`: no rate of `currency` for the RFQ's FX date.
fn missing_rate(currency: &str, base: &str, fx_date: NaiveDate) -> AppError {
    AppError::conflict(
        ErrorCode::FxRateMissing,
        format!(
            "No {currency} rate in {base} on or before {fx_date}; enter one with POST /api/v1/fx-rates or refresh the feed.",
        ),
    )
}

/// Who made an offer on a line.
struct Offerer<'a> {
    quote: &'a Unsealed,
    supplier: &'a Supplier,
    origin: Origin,
}

/// The offers on `line`: every submitted quote that prices it (from a known supplier), with
/// its terms.
fn offers_on<'a>(input: &'a Inputs, line: &RfqLine) -> (Vec<Offerer<'a>>, Vec<Bid>) {
    let mut offerers = Vec::new();
    let mut bids = Vec::new();
    for q in &input.quotes {
        let Some(ql) = input.by_offer.get(&(q.id, line.id)) else {
            continue;
        };
        let Some(supplier) = input.suppliers.get(&q.supplier_id) else {
            continue;
        };
        let origin = supplier_origin(&supplier.country, &input.coop.country);
        let (fx, _) = input.rates[&q.currency];
        let breaks = input
            .breaks_of
            .get(&(q.id, line.id))
            .cloned()
            .unwrap_or_default();
        bids.push(Bid {
            terms: scoring::terms(
                ql,
                breaks,
                fx,
                origin == Origin::Overseas,
                &q.incoterm,
                line.duty_rate,
                &input.adders,
            ),
            lead_time_days: q.lead_time_days,
            valid_until: q.valid_until,
            submitted_at: q.submitted_at,
        });
        offerers.push(Offerer {
            quote: q,
            supplier,
            origin,
        });
    }
    (offerers, bids)
}

/// One line compared: as shown, as the award needs it, and its unrounded suggested total.
struct ComparedLine {
    out: LineOut,
    computed: ComputedLine,
    suggested_total: Decimal,
}

/// Rules 5–7 for one line ([`scoring::score_line`]), shaped for the answer and the award.
fn compare_line(
    input: &Inputs,
    weights: &Weights,
    line: RfqLine,
    code: String,
    name: String,
) -> Result<ComparedLine, AppError> {
    let (offerers, bids) = offers_on(input, &line);
    let basis = LineBasis {
        quantity: line.quantity,
        required_by: line.required_by,
        fx_date: input.fx_date,
        today: input.today,
    };
    let scored = scoring::score_line(&basis, &bids, weights).map_err(|e| match e {
        LineOverflow::Offer(i) => bounds::overflow(format_args!(
            "{}'s offer on {} ({code})",
            offerers[i].supplier.name, name
        )),
        LineOverflow::Line => bounds::overflow(format_args!("the line {name} ({code})")),
    })?;
    let offers: Vec<OfferOut> = (0..bids.len())
        .map(|i| offer_out(&offerers[i], &bids[i], &scored.priced[i], input.minor_unit))
        .collect();
    let g = &scored.suggestion;
    let suggestion = SuggestionOut {
        allocations: g
            .allocations
            .iter()
            .map(|a| SuggestedAllocation {
                quote_id: offerers[a.offer].quote.id,
                quantity: a.quantity.normalize(),
                landed_total_base: money(a.landed_total, input.minor_unit),
            })
            .collect(),
        total_base: money(g.total, input.minor_unit),
        covered_quantity: g.covered.normalize(),
        covers_full_quantity: g.covers_full_quantity,
        optimal: g.optimal,
        feasible: g.reason.is_none(),
        reason: g.reason,
    };
    let computed = ComputedLine {
        line: line.clone(),
        offers: (0..bids.len())
            .map(|i| ComputedOffer {
                quote: offerers[i].quote.id,
                supplier: offerers[i].quote.supplier_id,
                terms: bids[i].terms.clone(),
                usable: scored.priced[i].usable(),
                digest: offerers[i].quote.digest.clone(),
            })
            .collect(),
    };
    let out = LineOut {
        rfq_line_id: line.id,
        material_id: line.material_id,
        material_code: code,
        material_name: name,
        quantity: line.quantity.normalize(),
        unit: line.unit,
        required_by: line.required_by,
        duty_rate: line.duty_rate.normalize(),
        offers: scored.listing().map(|i| offers[i].clone()).collect(),
        suggestion,
    };
    Ok(ComparedLine {
        out,
        computed,
        suggested_total: g.total,
    })
}

/// An offer as the comparison shows it: money rounded to the base currency's `minor` places,
/// the score to 6.
fn offer_out(who: &Offerer, bid: &Bid, p: &Priced, minor: u32) -> OfferOut {
    let q = who.quote;
    let l = &p.landed;
    OfferOut {
        quote_id: q.id,
        supplier_id: q.supplier_id,
        supplier_name: who.supplier.name.clone(),
        origin: who.origin,
        currency: q.currency.clone(),
        incoterm: q.incoterm.clone(),
        quantity: p.quantity.normalize(),
        unit_price: l.unit_price.normalize(),
        fx_rate: bid.terms.fx.normalize(),
        goods_base: money(l.goods_base, minor),
        charges_base: money(l.charges_base, minor),
        duty_base: money(l.duty_base, minor),
        adder_base: money(l.adder_base, minor),
        landed_total_base: money(l.total, minor),
        landed_unit_base: money(p.landed_unit, minor),
        lead_time_days: q.lead_time_days,
        min_quantity: bid.terms.min_quantity.normalize(),
        max_quantity: bid.terms.max_quantity.map(|m| m.normalize()),
        valid_until: q.valid_until,
        covers_full_quantity: p.covers_full_quantity,
        meets_required_by: p.meets_required_by,
        usable: p.usable(),
        flags: p.flags.clone(),
        score: p.score.map(|s| s.round_dp(6).normalize()),
        rank: p.rank,
        submitted_at: timestamp(q.submitted_at),
        tiers: tiers_of(&bid.terms),
    }
}

/// `GET /rfqs/{id}/comparison`.
pub async fn comparison(ctx: &Ctx, who: &Principal, id: RfqId) -> Result<Comparison, AppError> {
    Ok(Comparison::clone(&*shared(ctx, who, id).await?))
}

/// The comparison, computed once per RFQ (and per local date) and then served from the
/// instance's cache ([`super::cache`]) to whoever may see it. The award does not use this:
/// it recomputes inside its transaction and re-checks every quote's digest.
pub async fn shared(ctx: &Ctx, who: &Principal, id: RfqId) -> Result<Arc<Comparison>, AppError> {
    who.require(&[Role::PlatformAdmin, Role::CoopAdmin])?;
    if let Some(hit) = ctx.comparisons.get(&id) {
        // The scope rule of `rfq_in_scope` for the buyer side.
        who.in_cooperative(hit.cooperative_id, &[Role::CoopAdmin])?;
        if ctx.clock.now().with_timezone(&hit.timezone).date_naive() == hit.computed_on {
            return Ok(hit.out.clone());
        }
    }
    let ticket = ctx.comparisons.ticket();
    let c = compute(ctx, who, id).await?;
    let out = Arc::new(c.out);
    ctx.comparisons.put(
        ticket,
        id,
        Arc::new(Cached {
            cooperative_id: c.rfq.cooperative_id,
            timezone: c.timezone,
            computed_on: c.computed_on,
            out: out.clone(),
        }),
    );
    Ok(out)
}

/// Header of the CSV offers table.
pub const CSV_HEADER: &str = "\u{feff}line,material_code,material_name,line_quantity,unit,rank,supplier,origin,currency,incoterm,priced_quantity,unit_price,fx_rate,goods_base,charges_base,duty_base,adder_base,landed_total_base,landed_unit_base,lead_time_days,covers_full_quantity,meets_required_by,usable,flags,score,suggested_quantity\r\n";

/// The offers table as CSV (UTF-8 with BOM, CRLF) for spreadsheet users.
pub fn csv(c: &Comparison) -> String {
    use crate::csv::field as f;
    let mut out = String::from(CSV_HEADER);
    for (n, l) in c.lines.iter().enumerate() {
        for o in &l.offers {
            let suggested = l.suggestion.quantity_text(o.quote_id);
            let row = [
                (n + 1).to_string(),
                f(&l.material_code),
                f(&l.material_name),
                l.quantity.to_string(),
                f(&l.unit),
                o.rank.map(|r| r.to_string()).unwrap_or_default(),
                f(&o.supplier_name),
                match o.origin {
                    Origin::Domestic => "domestic".into(),
                    Origin::Overseas => "overseas".into(),
                },
                f(&o.currency),
                f(&o.incoterm),
                o.quantity.to_string(),
                o.unit_price.to_string(),
                o.fx_rate.to_string(),
                o.goods_base.to_string(),
                o.charges_base.to_string(),
                o.duty_base.to_string(),
                o.adder_base.to_string(),
                o.landed_total_base.to_string(),
                o.landed_unit_base.to_string(),
                o.lead_time_days.to_string(),
                o.covers_full_quantity.to_string(),
                o.meets_required_by.to_string(),
                o.usable.to_string(),
                f(&o.flags.join(" ")),
                o.score.map(|s| s.to_string()).unwrap_or_default(),
                suggested,
            ];
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// One line of a supplier's own standing after the award: its rank among the ranked
/// offers and its landed unit cost, as the regret email tells it — nothing of the others.
#[derive(Debug, Clone)]
pub struct OwnLine {
    pub rfq_line_id: RfqLineId,
    pub material_code: String,
    pub material_name: String,
    pub unit: String,
    /// 1 = best; `None` when the offer could not be ranked (`flags` says why).
    pub rank: Option<usize>,
    /// How many offers of the line were ranked.
    pub ranked: usize,
    pub landed_unit_base: Option<Decimal>,
    pub flags: Vec<&'static str>,
}

/// A supplier's own standing on an awarded RFQ.
#[derive(Debug, Clone)]
pub struct OwnStanding {
    pub base_currency: String,
    /// The lines the supplier quoted on (its latest, not withdrawn, quote).
    pub lines: Vec<OwnLine>,
}

/// The calling supplier's rank and landed unit cost per line of an awarded RFQ it was
/// invited to, computed as at the award (the regret email's figures); `None` before the
/// award. Another supplier's RFQ is 404.
pub async fn own_standing(
    ctx: &Ctx,
    who: &Principal,
    id: RfqId,
) -> Result<Option<OwnStanding>, AppError> {
    use crate::schema::awards;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    who.require(&[Role::Supplier])?;
    let me = who.supplier_id.ok_or(AppError::Forbidden)?;
    let mut conn = db::conn(&ctx.pool).await?;
    let rfq = rfq_in_scope(&mut conn, who, id).await?;
    if rfq.status != "awarded" {
        return Ok(None);
    }
    let decided_at: Option<DateTime<Utc>> = awards::table
        .filter(awards::rfq_id.eq(rfq.id))
        .order(awards::decided_at.desc())
        .select(awards::decided_at)
        .first(&mut conn)
        .await
        .optional()?;
    drop(conn);
    let at = decided_at.unwrap_or_else(|| ctx.clock.now());
    let computed = compute_at(ctx, rfq, at).await?;
    let lines = computed
        .out
        .lines
        .into_iter()
        .filter_map(|l| {
            let ranked = l.offers.iter().filter(|o| o.rank.is_some()).count();
            let own = l.offers.into_iter().find(|o| o.supplier_id == me)?;
            Some(OwnLine {
                rfq_line_id: l.rfq_line_id,
                material_code: l.material_code,
                material_name: l.material_name,
                unit: l.unit,
                rank: own.rank,
                ranked,
                landed_unit_base: own.rank.map(|_| own.landed_unit_base),
                flags: own.flags,
            })
        })
        .collect();
    Ok(Some(OwnStanding {
        base_currency: computed.base_currency,
        lines,
    }))
}

#[cfg(test)]
mod tests {
    use super::NoSuggestion;
    use rust_decimal::Decimal;

    #[test]
    fn a_line_without_a_feasible_suggestion_says_why() {
        let (min, exp): (&[&str], &[&str]) = (&["min_above_quantity"], &["expired"]);
        let both: &[&str] = &["min_above_quantity", "expired"];
        let zero = Decimal::ZERO;
        assert_eq!(NoSuggestion::of(&[], 0, zero), Some(NoSuggestion::NoOffers));
        assert_eq!(
            NoSuggestion::of(&[min, both], 0, zero),
            Some(NoSuggestion::MinAboveQuantity)
        );
        assert_eq!(
            NoSuggestion::of(&[exp, both], 0, zero),
            Some(NoSuggestion::Expired)
        );
        assert_eq!(
            NoSuggestion::of(&[min, exp], 0, zero),
            Some(NoSuggestion::NoUsableOffer)
        );
        assert_eq!(
            NoSuggestion::of(&[&[], min], 1, zero),
            Some(NoSuggestion::NothingCoverable)
        );
        assert_eq!(NoSuggestion::of(&[&[], min], 1, Decimal::ONE), None);
    }
}
