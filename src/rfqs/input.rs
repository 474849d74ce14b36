//! RFQ input, checked without I/O: the parts of a new RFQ that depend only on the request
//! and on what was read (the round's materials and demand): weights, the chosen materials,
//! duty rates, logistics adders, and the lines the RFQ asks for.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use super::models::{Rfq, RfqLine};
use super::INCOTERMS;
use crate::decimal::Exact;
use crate::error::{ErrorCode, FieldError};
use crate::ids::{MaterialId, RfqLineId, SupplierId};
use crate::{bounds, validation};

/// Weights in a request.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightsIn {
    #[serde(deserialize_with = "crate::decimal::exact")]
    #[schema(value_type = String, example = "0.8")]
    pub price: Decimal,
    #[serde(deserialize_with = "crate::decimal::exact")]
    #[schema(value_type = String, example = "0.2")]
    pub lead_time: Decimal,
}

/// `POST /rounds/{id}/rfqs` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRfq {
    pub title: String,
    /// When quotes unseal and stop changing (must be in the future).
    pub deadline: DateTime<Utc>,
    /// Suppliers to invite (domestic and overseas); at least one is needed to publish.
    #[serde(default)]
    pub supplier_ids: Vec<SupplierId>,
    /// Materials to ask for (default: every material of the round with demand).
    pub material_ids: Option<Vec<MaterialId>>,
    pub delivery_place: String,
    /// ISO 4217 codes quotes may use (default: the cooperative's base currency and each
    /// invited supplier's default currency).
    pub currencies: Option<Vec<String>>,
    /// Incoterms 2020 codes quotes may use (default: all eleven).
    pub incoterms: Option<Vec<String>>,
    /// Scoring weights (default price 1, lead time 0); non-negative, sum > 0.
    pub weights: Option<WeightsIn>,
    /// Import duty percent (0–100) per material id; default 0.
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub duty_rates: Option<BTreeMap<MaterialId, Exact>>,
    /// Base-currency cost per base unit the buyer bears per Incoterm (≥ 0); default 0.
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub logistics_adders: Option<BTreeMap<String, Exact>>,
}

/// Most decimal places of a duty rate, adder or weight.
pub const MAX_SCALE: u32 = 6;

/// Checks the scale and the bound of a duty rate, adder or weight.
pub fn decimal_ok(field: &str, v: Decimal, max: Decimal, errors: &mut Vec<FieldError>) -> bool {
    if v.normalize().scale() > MAX_SCALE {
        errors.push(FieldError::new(
            field,
            ErrorCode::TooPrecise,
            format!("may have at most {MAX_SCALE} decimal places"),
        ));
        return false;
    }
    if let Err(e) = bounds::at_most(field, v.abs(), max) {
        errors.push(e);
        return false;
    }
    true
}

/// Largest scoring weight (10¹²; weights only matter in proportion).
pub const MAX_WEIGHT: Decimal = Decimal::from_parts(0xD4A5_1000, 0xE8, 0, false, 0);

/// A list of codes (currencies, Incoterms): `default` when absent, each checked, duplicates
/// dropped; an empty list is refused.
pub fn validate_list(
    field: &str,
    raw: Option<Vec<String>>,
    default: Vec<String>,
    check: impl Fn(&str) -> Result<String, FieldError>,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    let Some(raw) = raw else { return default };
    if raw.is_empty() {
        errors.push(FieldError::new(
            field,
            ErrorCode::Empty,
            "must name at least one",
        ));
        return vec![];
    }
    let mut out = Vec::new();
    for (i, v) in raw.iter().enumerate() {
        match check(v) {
            Ok(v) if !out.contains(&v) => out.push(v),
            Ok(_) => {}
            Err(mut e) => {
                e.field = format!("{field}[{i}]");
                errors.push(e);
            }
        }
    }
    out
}

/// An Incoterms 2020 rule, upper case.
pub fn incoterm(field: &str, raw: &str) -> Result<String, FieldError> {
    let t = raw.trim().to_ascii_uppercase();
    if INCOTERMS.contains(&t.as_str()) {
        Ok(t)
    } else {
        Err(FieldError::new(
            field,
            ErrorCode::InvalidIncoterm,
            format!("must be one of {}", INCOTERMS.join(" ")),
        ))
    }
}

/// A material of the round: id, code, name, base unit (as the round repository reads it).
pub type RoundMaterial = (MaterialId, String, String, String);

/// The round's demand for a material: its total (base unit) and earliest required-by date.
pub type Demand = (MaterialId, Option<Decimal>, Option<NaiveDate>);

/// The scoring weights (default price 1, lead time 0): non-negative, not both zero.
pub fn weights(raw: Option<WeightsIn>, errors: &mut Vec<FieldError>) -> WeightsIn {
    let weights = raw.unwrap_or(WeightsIn {
        price: Decimal::ONE,
        lead_time: Decimal::ZERO,
    });
    for (field, w) in [
        ("weights.price", weights.price),
        ("weights.lead_time", weights.lead_time),
    ] {
        if w < Decimal::ZERO {
            errors.push(FieldError::new(
                field,
                ErrorCode::Negative,
                "must not be negative",
            ));
        } else {
            decimal_ok(field, w, MAX_WEIGHT, errors);
        }
    }
    if weights.price + weights.lead_time <= Decimal::ZERO {
        errors.push(FieldError::new(
            "weights",
            ErrorCode::ZeroSum,
            "the weights must not both be zero",
        ));
    }
    weights
}

/// The materials the RFQ asks for: those named (each one of the round's, with demand), or
/// every material of the round with demand; `above` are those whose demand sums above the
/// bound of a line, `demand` the others' totals.
pub fn choose_materials(
    raw: Option<Vec<MaterialId>>,
    round_materials: &[RoundMaterial],
    above: &[MaterialId],
    demand: &[Demand],
    errors: &mut Vec<FieldError>,
) -> Vec<MaterialId> {
    let has_demand = |m: &MaterialId| above.contains(m) || demand.iter().any(|(d, ..)| d == m);
    let chosen: Vec<MaterialId> = match raw {
        Some(ids) => {
            let ids = validation::material_ids(ids, errors);
            for m in &ids {
                if !round_materials.iter().any(|(id, ..)| id == m) {
                    errors.push(FieldError::new(
                        "material_ids",
                        ErrorCode::NotInRound,
                        format!("{m} is not one of the round's materials"),
                    ));
                } else if !has_demand(m) {
                    errors.push(FieldError::new(
                        "material_ids",
                        ErrorCode::NoDemand,
                        format!("{m} has no demand in this round"),
                    ));
                }
            }
            ids
        }
        None => {
            let ids: Vec<MaterialId> = round_materials
                .iter()
                .map(|(id, ..)| *id)
                .filter(|id| has_demand(id))
                .collect();
            if ids.is_empty() {
                errors.push(FieldError::new(
                    "material_ids",
                    ErrorCode::NoDemand,
                    "the round has no demand",
                ));
            }
            ids
        }
    };
    if chosen.len() > bounds::MAX_RFQ_LINES {
        errors.push(FieldError::new(
            "material_ids",
            ErrorCode::TooManyLines,
            format!(
                "an RFQ has at most {} lines ({} materials chosen); split them over several RFQs",
                bounds::MAX_RFQ_LINES,
                chosen.len()
            ),
        ));
    }
    for (m, code, _, unit) in round_materials
        .iter()
        .filter(|(id, ..)| chosen.contains(id) && above.contains(id))
    {
        errors.push(FieldError::new(
            "material_ids",
            ErrorCode::QuantityTooLarge,
            format!(
                "the round's demand for {code} ({m}) sums to more than {} {unit}, the largest quantity of an RFQ line; split the demand over several rounds",
                bounds::MAX_QUANTITY
            ),
        ));
    }
    chosen
}

/// Import duty percent (0–100) per chosen material.
pub fn duty_rates(
    raw: Option<BTreeMap<MaterialId, Exact>>,
    chosen: &[MaterialId],
    errors: &mut Vec<FieldError>,
) -> HashMap<MaterialId, Decimal> {
    let mut duty_rates = HashMap::new();
    for (m, Exact(rate)) in raw.unwrap_or_default() {
        let field = format!("duty_rates.{m}");
        if !chosen.contains(&m) {
            errors.push(FieldError::new(
                field,
                ErrorCode::NotInRfq,
                "is not one of this RFQ's materials",
            ));
        } else if rate < Decimal::ZERO || rate > Decimal::ONE_HUNDRED {
            errors.push(FieldError::new(
                field,
                ErrorCode::OutOfRange,
                "must be from 0 to 100 (percent)",
            ));
        } else if decimal_ok(&field, rate, Decimal::ONE_HUNDRED, errors) {
            duty_rates.insert(m, rate.normalize());
        }
    }
    duty_rates
}

/// Base-currency cost per base unit per Incoterm (one of the RFQ's, ≥ 0).
pub fn logistics_adders(
    raw: Option<BTreeMap<String, Exact>>,
    incoterms: &[String],
    errors: &mut Vec<FieldError>,
) -> Vec<(String, Decimal)> {
    let mut adders = Vec::new();
    for (term, Exact(amount)) in raw.unwrap_or_default() {
        let field = format!("logistics_adders.{term}");
        match incoterm(&field, &term) {
            Err(e) => errors.push(e),
            Ok(t) if !incoterms.contains(&t) => errors.push(FieldError::new(
                field,
                ErrorCode::IncotermNotAllowed,
                "is not one of this RFQ's Incoterms",
            )),
            Ok(_) if amount < Decimal::ZERO => errors.push(FieldError::new(
                field,
                ErrorCode::Negative,
                "must not be negative",
            )),
            Ok(t) => {
                if decimal_ok(&field, amount, bounds::MAX_PRICE, errors) {
                    adders.push((t, amount.normalize()));
                }
            }
        }
    }
    adders
}

/// The RFQ's lines: one per chosen material with demand, in the round's order, its
/// quantity the round's total and its date the earliest required-by date.
pub fn lines(
    rfq: &Rfq,
    round_materials: &[RoundMaterial],
    chosen: &[MaterialId],
    demand: &[Demand],
    duty_rates: &HashMap<MaterialId, Decimal>,
) -> Vec<RfqLine> {
    round_materials
        .iter()
        .filter(|(id, ..)| chosen.contains(id))
        .enumerate()
        .filter_map(|(i, (m, _, _, unit))| {
            let (_, total, earliest) = demand.iter().find(|(d, ..)| d == m)?;
            Some(RfqLine {
                id: RfqLineId::new(),
                rfq_id: rfq.id,
                cooperative_id: rfq.cooperative_id,
                round_id: rfq.round_id,
                material_id: *m,
                position: i32::try_from(i).unwrap_or(i32::MAX),
                quantity: total.unwrap_or_default().normalize(),
                unit: unit.clone(),
                required_by: (*earliest)?,
                duty_rate: duty_rates.get(m).copied().unwrap_or_default(),
                live: true,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CooperativeId, RfqId, RoundId, UserId};
    use crate::reference;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, ErrorCode)> {
        errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
    }

    fn material(code: &str) -> RoundMaterial {
        (
            MaterialId::new(),
            code.into(),
            format!("{code} name"),
            "KGM".into(),
        )
    }

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, d).unwrap()
    }

    #[test]
    fn weights_default_to_price_and_must_not_both_be_zero() {
        let mut errors = vec![];
        let w = weights(None, &mut errors);
        assert_eq!(
            (w.price, w.lead_time, errors.len()),
            (Decimal::ONE, Decimal::ZERO, 0)
        );
        for (price, lead_time, expected) in [
            ("0", "0", vec![("weights", ErrorCode::ZeroSum)]),
            ("-1", "2", vec![("weights.price", ErrorCode::Negative)]),
            (
                "0.1234567",
                "0",
                vec![("weights.price", ErrorCode::TooPrecise)],
            ),
            (
                "1",
                "1000000000001",
                vec![("weights.lead_time", ErrorCode::TooLarge)],
            ),
            ("0.8", "0.2", vec![]),
        ] {
            let mut errors = vec![];
            let raw = WeightsIn {
                price: dec(price),
                lead_time: dec(lead_time),
            };
            weights(Some(raw), &mut errors);
            assert_eq!(codes(&errors), expected, "{price} {lead_time}");
        }
    }

    #[test]
    fn lists_default_drop_duplicates_and_name_the_bad_item() {
        let mut errors = vec![];
        let check = |c: &str| reference::currency("currencies", c);
        let default = vec!["KRW".to_owned()];
        assert_eq!(
            validate_list("currencies", None, default.clone(), check, &mut errors),
            ["KRW"]
        );
        let raw = Some(vec!["usd".into(), "USD".into(), "XXY".into(), "krw".into()]);
        let got = validate_list("currencies", raw, default.clone(), check, &mut errors);
        assert_eq!(got, ["USD", "KRW"]);
        assert_eq!(
            codes(&errors),
            [("currencies[2]", ErrorCode::InvalidCurrency)]
        );
        let mut errors = vec![];
        assert!(validate_list("currencies", Some(vec![]), default, check, &mut errors).is_empty());
        assert_eq!(codes(&errors), [("currencies", ErrorCode::Empty)]);
        assert_eq!(incoterm("x", " cif ").unwrap(), "CIF");
        assert_eq!(
            incoterm("x", "FOO").unwrap_err().code,
            ErrorCode::InvalidIncoterm
        );
    }

    #[test]
    fn chosen_materials_are_the_rounds_with_demand() {
        let [a, b, c, d] = [material("A"), material("B"), material("C"), material("D")];
        let round = vec![a.clone(), b.clone(), c.clone(), d.clone()];
        // a and b have demand, c has none, d's demand is above the bound of a line.
        let demand = vec![
            (a.0, Some(dec("10")), Some(date(5))),
            (b.0, Some(dec("20")), Some(date(9))),
        ];
        let above = vec![d.0];
        let choose = |raw: Option<Vec<MaterialId>>| {
            let mut errors = vec![];
            let chosen = choose_materials(raw, &round, &above, &demand, &mut errors);
            let found: Vec<_> = errors.iter().map(|e| e.code).collect();
            (chosen, found)
        };
        let (chosen, errors) = choose(None);
        assert_eq!(chosen, [a.0, b.0, d.0]);
        assert_eq!(
            errors,
            [ErrorCode::QuantityTooLarge],
            "d is chosen but too large"
        );
        let (chosen, errors) = choose(Some(vec![b.0, a.0, b.0]));
        assert_eq!(chosen.len(), 2, "sorted and deduplicated");
        assert!(errors.is_empty());
        assert_eq!(choose(Some(vec![])).1, [ErrorCode::Empty]);
        assert_eq!(choose(Some(vec![c.0])).1, [ErrorCode::NoDemand]);
        assert_eq!(
            choose(Some(vec![MaterialId::new()])).1,
            [ErrorCode::NotInRound]
        );
        let mut errors = vec![];
        choose_materials(None, std::slice::from_ref(&c), &[], &[], &mut errors);
        assert_eq!(codes(&errors), [("material_ids", ErrorCode::NoDemand)]);
    }

    #[test]
    fn too_many_materials_for_one_rfq() {
        let round: Vec<RoundMaterial> = (0..=bounds::MAX_RFQ_LINES)
            .map(|i| material(&format!("M{i}")))
            .collect();
        let demand: Vec<Demand> = round
            .iter()
            .map(|m| (m.0, Some(Decimal::ONE), Some(date(1))))
            .collect();
        let mut errors = vec![];
        choose_materials(None, &round, &[], &demand, &mut errors);
        assert_eq!(codes(&errors), [("material_ids", ErrorCode::TooManyLines)]);
    }

    #[test]
    fn duty_rates_and_adders_are_checked_against_the_rfq() {
        let (a, other) = (MaterialId::new(), MaterialId::new());
        let mut errors = vec![];
        let raw = BTreeMap::from([(a, Exact(dec("8.00")))]);
        let rates = duty_rates(Some(raw), &[a], &mut errors);
        assert_eq!(rates[&a].to_string(), "8");
        assert!(errors.is_empty());
        for (m, rate, code) in [
            (other, "8", ErrorCode::NotInRfq),
            (a, "100.5", ErrorCode::OutOfRange),
            (a, "-1", ErrorCode::OutOfRange),
            (a, "1.0000001", ErrorCode::TooPrecise),
        ] {
            let mut errors = vec![];
            let rates = duty_rates(
                Some(BTreeMap::from([(m, Exact(dec(rate)))])),
                &[a],
                &mut errors,
            );
            assert!(rates.is_empty());
            assert_eq!(codes(&errors), [(format!("duty_rates.{m}").as_str(), code)]);
        }
        let incoterms = vec!["CIF".to_owned(), "FOB".to_owned()];
        let mut errors = vec![];
        let raw = BTreeMap::from([("cif".to_owned(), Exact(dec("1.50")))]);
        assert_eq!(
            logistics_adders(Some(raw), &incoterms, &mut errors),
            [("CIF".to_owned(), dec("1.5"))]
        );
        for (term, amount, code) in [
            ("XYZ", "1", ErrorCode::InvalidIncoterm),
            ("DDP", "1", ErrorCode::IncotermNotAllowed),
            ("FOB", "-1", ErrorCode::Negative),
            ("FOB", "1000000001", ErrorCode::TooLarge),
        ] {
            let mut errors = vec![];
            let raw = BTreeMap::from([(term.to_owned(), Exact(dec(amount)))]);
            assert!(logistics_adders(Some(raw), &incoterms, &mut errors).is_empty());
            assert_eq!(
                codes(&errors),
                [(format!("logistics_adders.{term}").as_str(), code)]
            );
        }
    }

    #[test]
    fn lines_follow_the_round_with_its_totals_and_dates() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let rfq = Rfq {
            id: RfqId::new(),
            cooperative_id: CooperativeId::new(),
            round_id: RoundId::new(),
            title: "t".into(),
            status: "draft".into(),
            deadline: at,
            delivery_place: "p".into(),
            currencies: vec![],
            incoterms: vec![],
            weight_price: Decimal::ONE,
            weight_lead_time: Decimal::ZERO,
            published_at: None,
            cancelled_at: None,
            cancel_reason: None,
            created_by: UserId::new(),
            created_at: at,
        };
        let [a, b, c] = [material("A"), material("B"), material("C")];
        let round = vec![a.clone(), b.clone(), c.clone()];
        let demand = vec![
            (b.0, Some(dec("20.500")), Some(date(9))),
            (a.0, Some(dec("10")), Some(date(5))),
        ];
        let duty = HashMap::from([(b.0, dec("8"))]);
        let lines = lines(&rfq, &round, &[a.0, b.0], &demand, &duty);
        let got: Vec<_> = lines
            .iter()
            .map(|l| {
                (
                    l.material_id,
                    l.position,
                    l.quantity.to_string(),
                    l.required_by,
                    l.duty_rate,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (a.0, 0, "10".to_owned(), date(5), Decimal::ZERO),
                (b.0, 1, "20.5".to_owned(), date(9), dec("8")),
            ]
        );
        assert!(lines.iter().all(|l| l.rfq_id == rfq.id
            && l.round_id == rfq.round_id
            && l.cooperative_id == rfq.cooperative_id
            && l.live));
    }

    proptest! {
        /// Whatever the weights, either they are accepted (non-negative, not both zero,
        /// returned as given) or an error names a weight.
        #[test]
        fn weights_are_accepted_exactly_when_usable(p in -5i64..5, l in -5i64..5) {
            let mut errors = vec![];
            let raw = WeightsIn { price: Decimal::from(p), lead_time: Decimal::from(l) };
            let w = weights(Some(raw), &mut errors);
            prop_assert_eq!((w.price, w.lead_time), (raw.price, raw.lead_time));
            let usable = p >= 0 && l >= 0 && p + l > 0;
            prop_assert_eq!(errors.is_empty(), usable);
            prop_assert!(errors.iter().all(|e| e.field.starts_with("weights")));
        }
    }
}
