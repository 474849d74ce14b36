//! Open Contracting Data Standard 1.1.5 export: one contracting process per RFQ.
//!
//! [`releases`] maps loaded data ([`Process`]) to one release per stage — tender published,
//! tender amended (deadline extended), tender closed (the deadline: bids opened), tender
//! cancelled, award, one contract per purchase order, contract updates (acknowledged) — each
//! release holding the process as it stood at that stage. It is pure, so the sealing rule
//! is checked here as well as in the loader: before the deadline nothing about quotes (no
//! bids, no tenderers, no count, no supplier party) and no release whose id or date depends
//! on a quote. [`release_package`] and [`record_package`] wrap them; [`to_json`] writes
//! amounts as exact JSON numbers.
//!
//! The mapping follows `shared/research/ocds.md`: the cooperative is `buyer` and
//! `procuringEntity`, members with demand are further `buyer` parties (business numbers
//! under `KR-BRN`), suppliers `tenderer` and, once awarded, `supplier`; one award per
//! winning supplier; one contract per PO.

pub mod service;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{json, Map, Value};

use crate::comparison::landed::tier_price;
use crate::cooperatives::models::{Cooperative, Member};
use crate::ids::{AwardId, PurchaseOrderId, QuoteId, RfqLineId};
use crate::materials::units;
use crate::purchase_orders::models::{PoLine, PurchaseOrder};
use crate::quotes::models::{PriceBreak, Quote, QuoteLine};
use crate::rfqs::models::{Rfq, RfqLine};
use crate::suppliers::repo::Supplier;

/// The extensions the export uses (pinned to the commits the tests validate against).
pub const EXTENSIONS: [&str; 4] = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/d62ff4b0ba393d823ca8113a9039b12edf7acb8f/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_process_title_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_countryCode_extension/b81602dd6e4ed566dfdfb4a490c0e114eb970fa1/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_withheldInformation_extension/517585d0873aa112e6b2c9d92b385fa0fd4ef3cc/extension.json",
];

/// Scheme of a quote digest in `bids.details[].identifiers`.
pub const DIGEST_SCHEME: &str = "coprocure-quote-sha256";

/// Marks a string that [`to_json`] writes as a JSON number (never produced by user text:
/// it starts with a control character that validation refuses in every text field).
const NUMBER: &str = "\u{1}num:";

/// An exact decimal as a JSON number (see [`to_json`]).
pub fn num(d: Decimal) -> Value {
    Value::String(format!("{NUMBER}{}", d.normalize()))
}

/// An OCDS date-time (RFC 3339, UTC, whole seconds).
pub fn date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn day(d: NaiveDate) -> String {
    format!("{d}T00:00:00Z")
}

/// Who the export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The cooperative's members and admins: every price after the deadline.
    Members,
    /// Anyone (a public export); `withhold_losing_prices` keeps back the prices of offers
    /// that are not (yet) awarded, and the release says so (`withheldInformation`).
    Public { withhold_losing_prices: bool },
}

/// A rfq line with its material.
#[derive(Debug, Clone)]
pub struct Item {
    pub line: RfqLine,
    pub code: String,
    pub name: String,
    pub name_ko: Option<String>,
    pub hs_code: Option<String>,
}

/// An audit event of the RFQ or one of its POs.
#[derive(Debug, Clone)]
pub struct StageEvent {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub action: String,
    pub entity_id: Option<String>,
    pub data: Value,
}

/// A quote as unsealed after the deadline, with its lines.
#[derive(Debug, Clone)]
pub struct Bid {
    pub quote: Quote,
    pub supplier: Supplier,
    pub lines: Vec<QuoteLine>,
    pub breaks: Vec<PriceBreak>,
}

/// The award decision.
#[derive(Debug, Clone)]
pub struct AwardDecision {
    pub id: AwardId,
    pub decided_at: DateTime<Utc>,
    pub rationale: Option<String>,
    /// (line, quote, quantity).
    pub allocations: Vec<(RfqLineId, QuoteId, Decimal)>,
}

/// Everything one contracting process is built from.
#[derive(Debug, Clone)]
pub struct Process {
    /// `COPROCURE_OCDS_PREFIX`.
    pub prefix: String,
    pub cooperative: Cooperative,
    pub rfq: Rfq,
    pub items: Vec<Item>,
    /// Members with demand on the RFQ's materials (buyers).
    pub members: Vec<Member>,
    /// `rfq.*` and `po.*` events, any order.
    pub events: Vec<StageEvent>,
    /// Quotes: empty before the deadline (the loader reads them through the sealing gate).
    pub bids: Vec<Bid>,
    pub award: Option<AwardDecision>,
    pub purchase_orders: Vec<(PurchaseOrder, Vec<PoLine>)>,
    /// The time the export is made.
    pub now: DateTime<Utc>,
    pub audience: Audience,
}

impl Process {
    /// `prefix-<rfq id>`.
    pub fn ocid(&self) -> String {
        format!("{}-{}", self.prefix, self.rfq.id)
    }
}

/// Digits of a business number (`123-45-67891` → `1234567891`).
fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn org_ref(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name})
}

fn coop_party_id(c: &Cooperative) -> String {
    format!("KR-BRN-{}", digits(&c.business_number))
}

fn member_party_id(m: &Member) -> String {
    format!("KR-BRN-{}", digits(&m.business_number))
}

/// A supplier's party id: `KR-BRN-…` for a Korean business number, else the platform's own.
fn supplier_party_id(s: &Supplier) -> String {
    match &s.business_number {
        Some(b) if s.country == "KR" && !digits(b).is_empty() => format!("KR-BRN-{}", digits(b)),
        _ => format!("coprocure-supplier-{}", s.id),
    }
}

fn supplier_party(s: &Supplier, roles: &[&str]) -> Value {
    let mut p = json!({
        "id": supplier_party_id(s),
        "name": s.name,
        "address": {"country": s.country},
        "roles": roles,
    });
    if let Some(b) = s.business_number.as_ref().filter(|_| s.country == "KR") {
        p["identifier"] = json!({"scheme": "KR-BRN", "id": digits(b), "legalName": s.name});
    }
    p
}

/// The stage kinds, in the order they apply at the same instant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Published,
    Extended { deadline: DateTime<Utc> },
    Closed,
    Cancelled { reason: Option<String> },
    Awarded,
    PoIssued(PurchaseOrderId),
    PoAcknowledged(PurchaseOrderId),
}

#[derive(Debug, Clone)]
struct Stage {
    at: DateTime<Utc>,
    id: String,
    kind: Kind,
}

/// The state of the process after some stages.
#[derive(Debug, Default, Clone)]
struct State {
    deadline: Option<DateTime<Utc>>,
    amendments: Vec<Value>,
    closed: bool,
    cancelled: Option<(DateTime<Utc>, Option<String>)>,
    awarded: bool,
    issued: BTreeSet<PurchaseOrderId>,
    acknowledged: BTreeMap<PurchaseOrderId, DateTime<Utc>>,
}

fn parse_at(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

fn po_of(p: &Process, id: &str) -> Option<PurchaseOrderId> {
    p.purchase_orders
        .iter()
        .find(|(po, _)| po.id.to_string() == id)
        .map(|(po, _)| po.id)
}

/// The stages of a process, oldest first.
fn stages(p: &Process) -> Vec<Stage> {
    let rfq = &p.rfq;
    let mut out = Vec::new();
    let Some(published_at) = rfq.published_at else {
        return out;
    };
    let event = |action: &str| p.events.iter().find(|e| e.action == action);
    out.push(Stage {
        at: published_at,
        id: event("rfq.published")
            .map_or_else(|| format!("{}-published", rfq.id), |e| e.id.to_string()),
        kind: Kind::Published,
    });
    for e in p
        .events
        .iter()
        .filter(|e| e.action == "rfq.deadline_extended")
    {
        if let Some(deadline) = parse_at(&e.data["after"]["deadline"]) {
            out.push(Stage {
                at: e.at,
                id: e.id.to_string(),
                kind: Kind::Extended { deadline },
            });
        }
    }
    let cancelled_before = rfq.cancelled_at.is_some_and(|c| c < rfq.deadline);
    if p.now >= rfq.deadline && !cancelled_before {
        // The deadline has no event: its release id is derived from the RFQ alone.
        out.push(Stage {
            at: rfq.deadline,
            id: format!("{}-tender-closed", rfq.id),
            kind: Kind::Closed,
        });
    }
    if let Some(at) = rfq.cancelled_at {
        out.push(Stage {
            at,
            id: event("rfq.cancelled")
                .map_or_else(|| format!("{}-cancelled", rfq.id), |e| e.id.to_string()),
            kind: Kind::Cancelled {
                reason: rfq.cancel_reason.clone(),
            },
        });
    }
    if let Some(a) = &p.award {
        out.push(Stage {
            at: a.decided_at,
            id: event("rfq.awarded").map_or_else(|| a.id.to_string(), |e| e.id.to_string()),
            kind: Kind::Awarded,
        });
    }
    for e in &p.events {
        let Some(po) = e.entity_id.as_deref().and_then(|id| po_of(p, id)) else {
            continue;
        };
        let kind = match e.action.as_str() {
            "po.issued" => Kind::PoIssued(po),
            "po.acknowledged" => Kind::PoAcknowledged(po),
            _ => continue,
        };
        out.push(Stage {
            at: e.at,
            id: e.id.to_string(),
            kind,
        });
    }
    out.sort_by(|a, b| (a.at, &a.kind).cmp(&(b.at, &b.kind)));
    out
}

fn apply(state: &mut State, p: &Process, s: &Stage) {
    match &s.kind {
        Kind::Published => {
            let first = p
                .events
                .iter()
                .find(|e| e.action == "rfq.published")
                .and_then(|e| parse_at(&e.data["deadline"]));
            // The deadline at publication: the first extension's "before", or the
            // published event's, or (no events at all) the current one.
            let before_ext = p
                .events
                .iter()
                .filter(|e| e.action == "rfq.deadline_extended")
                .min_by_key(|e| e.at)
                .and_then(|e| parse_at(&e.data["before"]["deadline"]));
            state.deadline = first.or(before_ext).or(Some(p.rfq.deadline));
        }
        Kind::Extended { deadline } => {
            state.deadline = Some(*deadline);
            state.amendments.push(json!({
                "id": s.id,
                "date": date(s.at),
                "rationale": "Deadline extended",
                "description": format!("The tender period now ends at {}.", date(*deadline)),
            }));
        }
        Kind::Closed => state.closed = true,
        Kind::Cancelled { reason } => state.cancelled = Some((s.at, reason.clone())),
        Kind::Awarded => state.awarded = true,
        Kind::PoIssued(po) => {
            state.issued.insert(*po);
        }
        Kind::PoAcknowledged(po) => {
            state.acknowledged.insert(*po, s.at);
        }
    }
}

fn tags(kind: &Kind) -> Vec<&'static str> {
    match kind {
        Kind::Published => vec!["tender"],
        Kind::Extended { .. } => vec!["tenderAmendment"],
        Kind::Closed => vec!["tenderUpdate"],
        Kind::Cancelled { .. } => vec!["tenderCancellation"],
        Kind::Awarded => vec!["award", "tenderUpdate"],
        Kind::PoIssued(_) => vec!["contract"],
        Kind::PoAcknowledged(_) => vec!["contractUpdate"],
    }
}

fn unit(code: &str, value: Option<Value>) -> Value {
    let mut u = json!({
        "scheme": "UNCEFACT",
        "id": code,
        "name": units::unit(code).map_or(code, |u| u.name),
    });
    if let Some(v) = value {
        u["value"] = v;
    }
    u
}

fn money(amount: Decimal, currency: &str) -> Value {
    json!({"amount": num(amount), "currency": currency})
}

fn tender_item(i: &Item) -> Value {
    let mut v = json!({
        "id": i.line.id.to_string(),
        "description": format!("{} ({})", i.name, i.code),
        "quantity": num(i.line.quantity),
        "unit": unit(&i.line.unit, None),
    });
    if let Some(ko) = &i.name_ko {
        v["description_ko"] = json!(format!("{ko} ({})", i.code));
    }
    if let Some(hs) = &i.hs_code {
        let d = digits(hs);
        if d.len() >= 6 {
            v["classification"] = json!({"scheme": "HS", "id": &d[..6]});
            if d.len() > 6 {
                v["additionalClassifications"] = json!([{"scheme": "KR-HSK", "id": d}]);
            }
        }
    }
    v
}

fn item_description(p: &Process, line: RfqLineId) -> String {
    p.items
        .iter()
        .find(|i| i.line.id == line)
        .map(|i| format!("{} ({})", i.name, i.code))
        .unwrap_or_default()
}

/// The quotes that the award gives a quantity to.
fn winning_quotes(p: &Process) -> BTreeSet<QuoteId> {
    p.award
        .iter()
        .flat_map(|a| a.allocations.iter().map(|(_, q, _)| *q))
        .collect()
}

/// One quote as a bid. `prices`: whether its prices are shown.
fn bid(p: &Process, b: &Bid, prices: bool) -> Value {
    let q = &b.quote;
    let withdrawn = q.status == "withdrawn";
    let tenderer = org_ref(&supplier_party_id(&b.supplier), &b.supplier.name);
    let mut v = json!({
        "id": q.id.to_string(),
        "date": date(q.submitted_at),
        "status": if withdrawn { "withdrawn" } else { "valid" },
        "tenderers": [tenderer],
        "identifiers": [{"scheme": DIGEST_SCHEME, "id": q.digest.trim_start_matches("sha256:")}],
        "validityPeriod": {"endDate": day(q.valid_until)},
        "description": format!(
            "{} {}; lead time {} days{}",
            q.incoterm,
            q.named_place.as_deref().unwrap_or(""),
            q.lead_time_days,
            q.payment_terms.as_deref().map(|t| format!("; payment {t}")).unwrap_or_default()
        ),
    });
    if withdrawn || !prices {
        return v;
    }
    let mut total = Decimal::ZERO;
    let mut items = Vec::new();
    for l in &b.lines {
        let Some(item) = p.items.iter().find(|i| i.line.id == l.rfq_line_id) else {
            continue;
        };
        let qty = l
            .max_quantity
            .map_or(item.line.quantity, |m| m.min(item.line.quantity));
        let breaks: Vec<(Decimal, Decimal)> = b
            .breaks
            .iter()
            .filter(|x| x.rfq_line_id == l.rfq_line_id)
            .map(|x| (x.min_quantity, x.unit_price))
            .collect();
        let price = tier_price(l.unit_price, &breaks, qty);
        total += price * qty;
        items.push(json!({
            "id": l.rfq_line_id.to_string(),
            "description": item_description(p, l.rfq_line_id),
            "quantity": num(qty),
            "unit": unit(&item.line.unit, Some(money(price, &q.currency))),
        }));
    }
    v["value"] = money(total, &q.currency);
    if !items.is_empty() {
        v["items"] = Value::Array(items);
    }
    v
}

fn award_id(a: &AwardDecision, po: &PurchaseOrder) -> String {
    format!("{}-{}", a.id, po.supplier_id)
}

fn po_items(p: &Process, po: &PurchaseOrder, lines: &[PoLine]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| {
            json!({
                "id": l.rfq_line_id.to_string(),
                "description": item_description(p, l.rfq_line_id),
                "quantity": num(l.quantity),
                "unit": unit(&l.unit, Some(money(l.unit_price, &po.currency))),
            })
        })
        .collect()
}

/// The release of the process as it stood after `stages[..=i]`.
fn release(p: &Process, stages: &[Stage], i: usize) -> Value {
    let mut st = State::default();
    for s in &stages[..=i] {
        apply(&mut st, p, s);
    }
    let mut parties = buyer_parties(p);
    let mut tender = tender(p, &st);
    let mut out = header(p, &stages[i]);
    // Bids: only from the deadline on (the state, and the sealing gate behind `p.bids`).
    let mut withheld = Vec::new();
    if let Some(opened) = opened_bids(p, &st, &mut parties) {
        let count = opened.tenderers.len();
        tender["tenderers"] = Value::Array(opened.tenderers);
        tender["numberOfTenderers"] = json!(count);
        out.insert("bids".into(), opened.bids);
        if opened.hidden {
            withheld = withheld_prices();
        }
    }
    out.insert("parties".into(), Value::Array(parties.list));
    out.insert("tender".into(), tender);
    if let Some(a) = p.award.as_ref().filter(|_| st.awarded) {
        let awards = awards(p, a);
        if !awards.is_empty() {
            out.insert("awards".into(), Value::Array(awards));
        }
        let contracts = contracts(p, a, &st);
        if !contracts.is_empty() {
            out.insert("contracts".into(), Value::Array(contracts));
        }
    }
    if !withheld.is_empty() {
        out.insert("withheldInformation".into(), Value::Array(withheld));
    }
    Value::Object(out)
}

/// The release's own fields: which process, which stage, when, and the buyer.
fn header(p: &Process, stage: &Stage) -> Map<String, Value> {
    let coop = &p.cooperative;
    let mut out = Map::new();
    out.insert("ocid".into(), json!(p.ocid()));
    out.insert("id".into(), json!(stage.id));
    out.insert("date".into(), json!(date(stage.at)));
    out.insert("tag".into(), json!(tags(&stage.kind)));
    out.insert("initiationType".into(), json!("tender"));
    out.insert("language".into(), json!("en"));
    out.insert("title".into(), json!(p.rfq.title));
    out.insert("buyer".into(), org_ref(&coop_party_id(coop), &coop.name));
    out
}

/// The parties of a release, each listed once (by party id).
struct Parties {
    list: Vec<Value>,
    seen: BTreeSet<String>,
}

impl Parties {
    /// Lists `party` unless a party with `id` is listed already; says whether it was new.
    fn add(&mut self, id: &str, party: Value) -> bool {
        let new = self.seen.insert(id.to_owned());
        if new {
            self.list.push(party);
        }
        new
    }
}

/// The cooperative (buyer and procuring entity) and its members with demand (buyers).
fn buyer_parties(p: &Process) -> Parties {
    let coop = &p.cooperative;
    let coop_id = coop_party_id(coop);
    let mut parties = Parties {
        list: Vec::new(),
        seen: BTreeSet::new(),
    };
    parties.add(
        &coop_id,
        json!({
            "id": coop_id,
            "name": coop.name,
            "identifier": {"scheme": "KR-BRN", "id": digits(&coop.business_number), "legalName": coop.name},
            "address": {"country": coop.country},
            "roles": ["buyer", "procuringEntity"],
        }),
    );
    for m in &p.members {
        let id = member_party_id(m);
        parties.add(
            &id,
            json!({
                "id": id,
                "name": m.name,
                "identifier": {"scheme": "KR-BRN", "id": digits(&m.business_number), "legalName": m.name},
                "address": {"country": coop.country},
                "roles": ["buyer"],
            }),
        );
    }
    parties
}

/// The tender as it stood in `st`: without its tenderers, which only the opened bids add.
fn tender(p: &Process, st: &State) -> Value {
    let coop = &p.cooperative;
    let rfq = &p.rfq;
    let status = if st.cancelled.is_some() {
        "cancelled"
    } else if st.awarded {
        "complete"
    } else {
        "active"
    };
    let weights_rated = rfq.weight_lead_time > Decimal::ZERO;
    let mut tender = json!({
        "id": rfq.id.to_string(),
        "title": rfq.title,
        "status": status,
        "procuringEntity": org_ref(&coop_party_id(coop), &coop.name),
        "items": p.items.iter().map(tender_item).collect::<Vec<_>>(),
        "procurementMethod": "limited",
        "procurementMethodDetails": "Invited request for quotations, sealed until the deadline; cooperative joint purchase",
        "mainProcurementCategory": "goods",
        "awardCriteria": if weights_rated { "ratedCriteria" } else { "costOnly" },
        "awardCriteriaDetails": format!(
            "Landed cost in {} (price + freight + insurance, FX on the deadline's date, import duty for overseas offers not DDP, logistics adder per Incoterm); weights: price {}, lead time {}; split awards allowed",
            coop.base_currency, rfq.weight_price.normalize(), rfq.weight_lead_time.normalize()
        ),
        "submissionMethod": ["electronicSubmission"],
        "submissionMethodDetails": format!(
            "Currencies: {}; Incoterms 2020: {}; delivery to {}",
            rfq.currency_list().join(", "),
            rfq.incoterms.iter().flatten().cloned().collect::<Vec<_>>().join(", "),
            rfq.delivery_place
        ),
        "tenderPeriod": {
            "startDate": rfq.published_at.map(date),
            "endDate": st.deadline.map(date),
        },
    });
    if !st.amendments.is_empty() {
        tender["amendments"] = Value::Array(st.amendments.clone());
    }
    if let Some((_, reason)) = &st.cancelled {
        tender["statusDetails"] = json!(reason.as_deref().unwrap_or("Cancelled"));
    }
    tender
}

/// The bids once opened: the tender's tenderers, the release's `bids` section, and whether
/// some valid bid's prices were withheld.
struct OpenedBids {
    tenderers: Vec<Value>,
    bids: Value,
    hidden: bool,
}

/// The opened bids (`None` before the deadline or without bids); adds the tenderers, and
/// the awarded ones as suppliers, to `parties`.
fn opened_bids(p: &Process, st: &State, parties: &mut Parties) -> Option<OpenedBids> {
    let rfq = &p.rfq;
    let opened = st.closed && p.now >= rfq.deadline;
    if !opened || p.bids.is_empty() {
        return None;
    }
    let winners = if st.awarded {
        winning_quotes(p)
    } else {
        BTreeSet::new()
    };
    let valid: Vec<&Bid> = p
        .bids
        .iter()
        .filter(|b| b.quote.status != "withdrawn")
        .collect();
    let mut tenderers = Vec::new();
    for b in &valid {
        let id = supplier_party_id(&b.supplier);
        let roles: Vec<&str> = if winners.contains(&b.quote.id) {
            vec!["tenderer", "supplier"]
        } else {
            vec!["tenderer"]
        };
        if parties.add(&id, supplier_party(&b.supplier, &roles)) {
            tenderers.push(org_ref(&id, &b.supplier.name));
        }
    }
    let mut hidden = false;
    let details: Vec<Value> = p
        .bids
        .iter()
        .map(|b| {
            let show = match p.audience {
                Audience::Members => true,
                Audience::Public {
                    withhold_losing_prices,
                } => !withhold_losing_prices || winners.contains(&b.quote.id),
            };
            hidden |= !show && b.quote.status != "withdrawn";
            bid(p, b, show)
        })
        .collect();
    let bids = json!({
        "statistics": [
            {"id": "bids", "measure": "bids", "value": p.bids.len(), "date": date(rfq.deadline)},
            {"id": "validBids", "measure": "validBids", "value": valid.len(), "date": date(rfq.deadline)},
        ],
        "details": details,
    });
    Some(OpenedBids {
        tenderers,
        bids,
        hidden,
    })
}

/// What a public release withholds when losing prices are kept back, and why.
fn withheld_prices() -> Vec<Value> {
    vec![
        json!({
            "id": "losing-bid-prices",
            "field": "bids/details/value",
            "name": "Prices of offers that were not awarded",
            "rationale": "The cooperative publishes the prices of awarded offers only; members see every offer.",
        }),
        json!({
            "id": "losing-bid-item-prices",
            "field": "bids/details/items/unit/value",
            "name": "Unit prices of offers that were not awarded",
            "rationale": "The cooperative publishes the prices of awarded offers only; members see every offer.",
        }),
    ]
}

/// One award per purchase order (that is, per winning supplier).
fn awards(p: &Process, a: &AwardDecision) -> Vec<Value> {
    p.purchase_orders
        .iter()
        .map(|(po, lines)| {
            let supplier = p
                .bids
                .iter()
                .find(|b| b.quote.id == po.quote_id)
                .map(|b| org_ref(&supplier_party_id(&b.supplier), &b.supplier.name));
            let mut v = json!({
                "id": award_id(a, po),
                "title": format!("{} — {}", p.rfq.title, po.number),
                "status": "active",
                "date": date(a.decided_at),
                "value": money(po.total, &po.currency),
                "items": po_items(p, po, lines),
                "relatedBids": [po.quote_id.to_string()],
            });
            if let Some(s) = supplier {
                v["suppliers"] = json!([s]);
            }
            if let Some(r) = &a.rationale {
                v["description"] = json!(r);
            }
            v
        })
        .collect()
}

/// One contract per purchase order issued by this stage, active once acknowledged.
fn contracts(p: &Process, a: &AwardDecision, st: &State) -> Vec<Value> {
    p.purchase_orders
        .iter()
        .filter(|(po, _)| st.issued.contains(&po.id))
        .map(|(po, lines)| {
            let signed = st.acknowledged.get(&po.id);
            let mut v = json!({
                "id": po.number,
                "awardID": award_id(a, po),
                "title": format!("Purchase order {}", po.number),
                "status": if signed.is_some() { "active" } else { "pending" },
                "value": money(po.total, &po.currency),
                "items": po_items(p, po, lines),
                "relatedBids": [po.quote_id.to_string()],
            });
            if let Some(at) = signed {
                v["dateSigned"] = json!(date(*at));
            }
            if let Some(end) = lines.iter().map(|l| l.required_by).max() {
                v["period"] = json!({"startDate": date(po.issued_at), "endDate": day(end)});
            }
            v
        })
        .collect()
}

/// One release per stage, oldest first (none for a draft).
pub fn releases(p: &Process) -> Vec<Value> {
    let stages = stages(p);
    (0..stages.len()).map(|i| release(p, &stages, i)).collect()
}

/// The publisher of a cooperative's packages.
pub fn publisher(c: &Cooperative) -> Value {
    json!({"name": c.name, "scheme": "KR-BRN", "uid": digits(&c.business_number)})
}

/// The latest release date (the package's `publishedDate`: it moves only with a release).
fn latest(releases: &[Value]) -> String {
    releases
        .iter()
        .filter_map(|r| r["date"].as_str())
        .max()
        .unwrap_or("1970-01-01T00:00:00Z")
        .to_owned()
}

/// A release package (a release that withholds data says so in `withheldInformation`).
pub fn release_package(uri: &str, publisher: Value, releases: Vec<Value>) -> Value {
    json!({
        "uri": uri,
        "version": "1.1",
        "publishedDate": latest(&releases),
        "publisher": publisher,
        "extensions": EXTENSIONS,
        "releases": releases,
    })
}

/// A record package of one process: the releases linked, and the compiled release (the
/// last release's state, which holds every earlier one's fields).
pub fn record_package(uri: &str, releases_uri: &str, publisher: Value, p: &Process) -> Value {
    let rels = releases(p);
    let linked: Vec<Value> = rels
        .iter()
        .map(|r| {
            json!({
                "url": format!("{releases_uri}#{}", r["id"].as_str().unwrap_or_default()),
                "date": r["date"],
                "tag": r["tag"],
            })
        })
        .collect();
    let compiled = rels.last().cloned().map(|mut c| {
        c["id"] = json!(format!("{}-compiled", c["id"].as_str().unwrap_or_default()));
        c["tag"] = json!(["compiled"]);
        c
    });
    let mut record = json!({"ocid": p.ocid(), "releases": linked});
    if let Some(c) = compiled {
        record["compiledRelease"] = c;
    }
    json!({
        "uri": uri,
        "version": "1.1",
        "publishedDate": latest(&rels),
        "publisher": publisher,
        "extensions": EXTENSIONS,
        "records": [record],
    })
}

/// Writes a package: amounts made with [`num`] become exact JSON numbers.
pub fn to_json(v: &Value) -> String {
    serde_json::to_string(&Exact(v)).unwrap_or_default()
}

struct Exact<'a>(&'a Value);

impl Serialize for Exact<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::String(t) => match t.strip_prefix(NUMBER) {
                Some(n) => match serde_json::value::RawValue::from_string(n.to_owned()) {
                    Ok(raw) => raw.serialize(s),
                    Err(_) => s.serialize_str(t),
                },
                None => s.serialize_str(t),
            },
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for x in a {
                    seq.serialize_element(&Exact(x))?;
                }
                seq.end()
            }
            Value::Object(o) => {
                let mut map = s.serialize_map(Some(o.len()))?;
                for (k, x) in o {
                    map.serialize_entry(k, &Exact(x))?;
                }
                map.end()
            }
            other => other.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests;
