//! Quote input, checked without I/O: a [`QuoteIn`] against its RFQ's currencies,
//! Incoterms, lines and deadline becomes the [`Content`] whose digest is the receipt, or a
//! 422 listing every problem at once.

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use super::receipt::{BreakContent, Content, LineContent};
use crate::error::{AppError, ErrorCode, FieldError};
use crate::ids::RfqLineId;
use crate::materials::units;
use crate::rfqs::models::{Rfq, RfqLine};
use crate::validation::Collect;
use crate::{bounds, validation};

/// A price break in a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBreakIn {
    #[serde(deserialize_with = "crate::decimal::exact")]
    #[schema(value_type = String, example = "500")]
    pub min_quantity: Decimal,
    #[serde(deserialize_with = "crate::decimal::exact")]
    #[schema(value_type = String, example = "8300")]
    pub unit_price: Decimal,
}

/// A quote line in a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteLineIn {
    pub rfq_line_id: RfqLineId,
    /// Price per base unit of the line, in the quote's currency (> 0).
    #[serde(deserialize_with = "crate::decimal::exact")]
    #[schema(value_type = String, example = "8450.50")]
    pub unit_price: Decimal,
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    #[schema(value_type = Option<String>)]
    pub freight_per_unit: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    #[schema(value_type = Option<String>)]
    pub insurance_per_unit: Option<Decimal>,
    /// Smallest quantity the supplier will deliver (default 0).
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    #[schema(value_type = Option<String>)]
    pub min_quantity: Option<Decimal>,
    /// Largest quantity the supplier can deliver (default unlimited).
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    #[schema(value_type = Option<String>)]
    pub max_quantity: Option<Decimal>,
    /// All-units volume discounts: the price of the break with the largest `min_quantity`
    /// ≤ q applies to every unit. Strictly increasing `min_quantity`, non-increasing prices
    /// not above `unit_price`.
    #[serde(default)]
    pub price_breaks: Vec<PriceBreakIn>,
}

/// `POST /rfqs/{id}/quotes` and `PUT /quotes/{id}` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteIn {
    /// One of the RFQ's currencies.
    pub currency: String,
    /// One of the RFQ's Incoterms.
    pub incoterm: String,
    /// The Incoterm's named place (`Busan port`).
    pub named_place: Option<String>,
    /// Not before the deadline's date (in the cooperative's time zone).
    pub valid_until: NaiveDate,
    /// 0–365.
    pub lead_time_days: i64,
    pub payment_terms: Option<String>,
    pub notes: Option<String>,
    /// Some or all of the RFQ's lines, each at most once.
    pub lines: Vec<QuoteLineIn>,
}

const MAX_SCALE: u32 = 6;
const MAX_BREAKS: usize = 20;

/// What a checked figure of a quote is: a price (at most 6 decimals) or a quantity of the
/// line (at most its unit's decimals), each with its bound from [`crate::bounds`].
#[derive(Debug, Clone, Copy)]
enum Figure {
    Price,
    Quantity { precision: u32 },
}

/// Checks a figure: `positive` (> 0) or non-negative, not too precise, within its bound.
fn amount(
    field: &str,
    v: Decimal,
    positive: bool,
    figure: Figure,
    errors: &mut Vec<FieldError>,
) -> Option<Decimal> {
    let (scale, bound) = match figure {
        Figure::Price => (MAX_SCALE, bounds::price(field, v)),
        Figure::Quantity { precision } => (precision.min(MAX_SCALE), bounds::quantity(field, v)),
    };
    if positive && v <= Decimal::ZERO {
        errors.push(FieldError::new(
            field,
            ErrorCode::NotPositive,
            "must be greater than 0",
        ));
    } else if v < Decimal::ZERO {
        errors.push(FieldError::new(
            field,
            ErrorCode::Negative,
            "must not be negative",
        ));
    } else if v.normalize().scale() > scale {
        errors.push(FieldError::new(
            field,
            ErrorCode::TooPrecise,
            format!("may have at most {scale} decimal places"),
        ));
    } else if let Err(e) = bound {
        errors.push(e);
    } else {
        return Some(v.normalize());
    }
    None
}

fn optional_text(
    field: &str,
    raw: &Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => validation::text(field, t, max).collect_into(errors),
    }
}

/// Validates a quote against its RFQ (422 with every problem at once).
pub fn validate(
    input: &QuoteIn,
    rfq: &Rfq,
    rfq_lines: &[RfqLine],
    deadline_date: NaiveDate,
) -> Result<Content, AppError> {
    let mut errors = Vec::new();
    let currency = input.currency.trim().to_ascii_uppercase();
    let currencies = rfq.currency_list();
    if !currencies.contains(&currency) {
        errors.push(FieldError::new(
            "currency",
            ErrorCode::CurrencyNotAllowed,
            format!("must be one of {}", currencies.join(", ")),
        ));
    }
    let incoterm = input.incoterm.trim().to_ascii_uppercase();
    let incoterms = rfq.incoterm_list();
    if !incoterms.contains(&incoterm) {
        errors.push(FieldError::new(
            "incoterm",
            ErrorCode::IncotermNotAllowed,
            format!("must be one of {}", incoterms.join(", ")),
        ));
    }
    let named_place = optional_text("named_place", &input.named_place, 200, &mut errors);
    let payment_terms = optional_text("payment_terms", &input.payment_terms, 500, &mut errors);
    let notes = optional_text("notes", &input.notes, 2000, &mut errors);
    if let Err(e) = validation::date("valid_until", input.valid_until) {
        errors.push(e);
    } else if input.valid_until < deadline_date {
        errors.push(FieldError::new(
            "valid_until",
            ErrorCode::BeforeDeadline,
            format!("must not be before the deadline's date {deadline_date}"),
        ));
    }
    if !(0..=365).contains(&input.lead_time_days) {
        errors.push(FieldError::new(
            "lead_time_days",
            ErrorCode::OutOfRange,
            "must be from 0 to 365",
        ));
    }
    if input.lines.is_empty() {
        errors.push(FieldError::new(
            "lines",
            ErrorCode::Empty,
            "quote at least one line",
        ));
    }
    let mut seen = HashSet::new();
    let lines = input
        .lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| line(i, l, rfq_lines, &mut seen, &mut errors))
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Content {
        currency,
        incoterm,
        named_place,
        valid_until: input.valid_until,
        lead_time_days: i32::try_from(input.lead_time_days).unwrap_or_default(),
        payment_terms,
        notes,
        lines,
    })
}

/// Checks one quote line (`lines[i]`); its content when every figure is acceptable.
fn line(
    i: usize,
    l: &QuoteLineIn,
    rfq_lines: &[RfqLine],
    seen: &mut HashSet<RfqLineId>,
    errors: &mut Vec<FieldError>,
) -> Option<LineContent> {
    let f = |name: &str| format!("lines[{i}].{name}");
    // Quantities are in the line's (base) unit, at most as precise as it allows.
    let quantity = Figure::Quantity {
        precision: rfq_lines
            .iter()
            .find(|r| r.id == l.rfq_line_id)
            .and_then(|r| units::unit(&r.unit))
            .map_or(MAX_SCALE, |u| u.precision),
    };
    if !rfq_lines.iter().any(|r| r.id == l.rfq_line_id) {
        errors.push(FieldError::new(
            f("rfq_line_id"),
            ErrorCode::UnknownLine,
            "is not a line of this RFQ",
        ));
    } else if !seen.insert(l.rfq_line_id) {
        errors.push(FieldError::new(
            f("rfq_line_id"),
            ErrorCode::DuplicateLine,
            "is quoted more than once",
        ));
    }
    let price = amount(&f("unit_price"), l.unit_price, true, Figure::Price, errors);
    let freight = amount(
        &f("freight_per_unit"),
        l.freight_per_unit.unwrap_or_default(),
        false,
        Figure::Price,
        errors,
    );
    let insurance = amount(
        &f("insurance_per_unit"),
        l.insurance_per_unit.unwrap_or_default(),
        false,
        Figure::Price,
        errors,
    );
    let min = amount(
        &f("min_quantity"),
        l.min_quantity.unwrap_or_default(),
        false,
        quantity,
        errors,
    );
    let max = l
        .max_quantity
        .map(|m| amount(&f("max_quantity"), m, true, quantity, errors));
    if let (Some(min), Some(Some(max))) = (min, max) {
        if min > max {
            errors.push(FieldError::new(
                f("min_quantity"),
                ErrorCode::MinAboveMax,
                "must not exceed max_quantity",
            ));
        }
    }
    if l.price_breaks.len() > MAX_BREAKS {
        errors.push(FieldError::new(
            f("price_breaks"),
            ErrorCode::TooMany,
            format!("at most {MAX_BREAKS} price breaks"),
        ));
    }
    let breaks = price_breaks(i, l, price, quantity, errors);
    if let (Some(price), Some(freight), Some(insurance), Some(min)) =
        (price, freight, insurance, min)
    {
        return Some(LineContent {
            rfq_line_id: l.rfq_line_id,
            unit_price: price,
            freight_per_unit: freight,
            insurance_per_unit: insurance,
            min_quantity: min,
            max_quantity: max.flatten(),
            price_breaks: breaks,
        });
    }
    None
}

/// Checks the price breaks of `lines[i]`: increasing minimums, prices that only go down
/// from the line's unit price; the acceptable ones.
fn price_breaks(
    i: usize,
    l: &QuoteLineIn,
    price: Option<Decimal>,
    quantity: Figure,
    errors: &mut Vec<FieldError>,
) -> Vec<BreakContent> {
    let mut breaks = Vec::new();
    let (mut last_min, mut last_price) = (Decimal::ZERO, price);
    for (j, b) in l.price_breaks.iter().enumerate() {
        let bf = |name: &str| format!("lines[{i}].price_breaks[{j}].{name}");
        let bmin = amount(&bf("min_quantity"), b.min_quantity, true, quantity, errors);
        let bprice = amount(&bf("unit_price"), b.unit_price, true, Figure::Price, errors);
        if let Some(m) = bmin {
            if m <= last_min {
                errors.push(FieldError::new(
                    bf("min_quantity"),
                    ErrorCode::NotIncreasing,
                    "must be greater than the previous break's min_quantity",
                ));
            }
            last_min = m;
        }
        if let (Some(p), Some(prev)) = (bprice, last_price) {
            if p > prev {
                errors.push(FieldError::new(
                    bf("unit_price"),
                    ErrorCode::NotADiscount,
                    "a price break must not be above the unit price or the previous break",
                ));
            }
        }
        if bprice.is_some() {
            last_price = bprice;
        }
        if let (Some(m), Some(p)) = (bmin, bprice) {
            breaks.push(BreakContent {
                min_quantity: m,
                unit_price: p,
            });
        }
    }
    breaks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CooperativeId, MaterialId, RfqId, RoundId, UserId};
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn rfq() -> Rfq {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        Rfq {
            id: RfqId::new(),
            cooperative_id: CooperativeId::new(),
            round_id: RoundId::new(),
            title: "Copper".into(),
            status: "published".into(),
            deadline: at,
            delivery_place: "Busan".into(),
            currencies: vec![Some("KRW".into()), Some("USD".into())],
            incoterms: vec![Some("CIF".into())],
            weight_price: Decimal::ONE,
            weight_lead_time: Decimal::ZERO,
            published_at: Some(at),
            cancelled_at: None,
            cancel_reason: None,
            created_by: UserId::new(),
            created_at: at,
        }
    }

    fn rfq_line(unit: &str) -> RfqLine {
        RfqLine {
            id: RfqLineId::new(),
            rfq_id: RfqId::new(),
            cooperative_id: CooperativeId::new(),
            round_id: RoundId::new(),
            material_id: MaterialId::new(),
            position: 1,
            quantity: dec("1000"),
            unit: unit.into(),
            required_by: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
            duty_rate: Decimal::ZERO,
            live: true,
        }
    }

    fn deadline_date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn quote(line: RfqLineId) -> QuoteIn {
        QuoteIn {
            currency: " usd ".into(),
            incoterm: "cif".into(),
            named_place: Some("  ".into()),
            valid_until: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            lead_time_days: 30,
            payment_terms: None,
            notes: Some(" net 30 ".into()),
            lines: vec![QuoteLineIn {
                rfq_line_id: line,
                unit_price: dec("8450.50"),
                freight_per_unit: Some(dec("12.0")),
                insurance_per_unit: None,
                min_quantity: None,
                max_quantity: Some(dec("2000")),
                price_breaks: vec![PriceBreakIn {
                    min_quantity: dec("500"),
                    unit_price: dec("8300"),
                }],
            }],
        }
    }

    fn problems(input: &QuoteIn, lines: &[RfqLine]) -> Vec<(String, ErrorCode)> {
        match validate(input, &rfq(), lines, deadline_date()) {
            Ok(_) => vec![],
            Err(AppError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            Err(other) => panic!("not a validation error: {other}"),
        }
    }

    #[test]
    fn a_valid_quote_becomes_normalised_content() {
        let line = rfq_line("KGM");
        let content = validate(&quote(line.id), &rfq(), &[line.clone()], deadline_date()).unwrap();
        assert_eq!(
            (content.currency.as_str(), content.incoterm.as_str()),
            ("USD", "CIF")
        );
        assert_eq!(content.named_place, None, "blank text is no text");
        assert_eq!(content.notes.as_deref(), Some("net 30"));
        assert_eq!(content.lead_time_days, 30);
        let l = &content.lines[0];
        assert_eq!(l.rfq_line_id, line.id);
        assert_eq!(l.unit_price, dec("8450.5"));
        assert_eq!(l.freight_per_unit.to_string(), "12", "normalised");
        assert_eq!(l.insurance_per_unit, Decimal::ZERO);
        assert_eq!(
            (l.min_quantity, l.max_quantity),
            (Decimal::ZERO, Some(dec("2000")))
        );
        assert_eq!(l.price_breaks.len(), 1);
    }

    #[test]
    fn each_problem_has_its_field_and_code() {
        let line = rfq_line("H87");
        let other = RfqLineId::new();
        type Edit = fn(&mut QuoteIn, RfqLineId);
        let cases: Vec<(Edit, &str, ErrorCode)> = vec![
            (
                |q, _| q.currency = "EUR".into(),
                "currency",
                ErrorCode::CurrencyNotAllowed,
            ),
            (
                |q, _| q.incoterm = "FOB".into(),
                "incoterm",
                ErrorCode::IncotermNotAllowed,
            ),
            (
                |q, _| q.valid_until = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
                "valid_until",
                ErrorCode::BeforeDeadline,
            ),
            (
                |q, _| q.lead_time_days = 366,
                "lead_time_days",
                ErrorCode::OutOfRange,
            ),
            (
                |q, _| q.lead_time_days = -1,
                "lead_time_days",
                ErrorCode::OutOfRange,
            ),
            (|q, _| q.lines.clear(), "lines", ErrorCode::Empty),
            (
                |q, _| q.notes = Some("x".repeat(2001)),
                "notes",
                ErrorCode::TooLong,
            ),
            (
                |q, other| q.lines[0].rfq_line_id = other,
                "lines[0].rfq_line_id",
                ErrorCode::UnknownLine,
            ),
            (
                |q, _| q.lines.push(q.lines[0].clone()),
                "lines[1].rfq_line_id",
                ErrorCode::DuplicateLine,
            ),
            (
                |q, _| q.lines[0].unit_price = Decimal::ZERO,
                "lines[0].unit_price",
                ErrorCode::NotPositive,
            ),
            (
                |q, _| q.lines[0].freight_per_unit = Some(dec("-1")),
                "lines[0].freight_per_unit",
                ErrorCode::Negative,
            ),
            (
                |q, _| q.lines[0].unit_price = dec("1.0000001"),
                "lines[0].unit_price",
                ErrorCode::TooPrecise,
            ),
            (
                |q, _| q.lines[0].unit_price = dec("1000000001"),
                "lines[0].unit_price",
                ErrorCode::TooLarge,
            ),
            (
                // Pieces are whole.
                |q, _| q.lines[0].min_quantity = Some(dec("1.5")),
                "lines[0].min_quantity",
                ErrorCode::TooPrecise,
            ),
            (
                |q, _| q.lines[0].min_quantity = Some(dec("3000")),
                "lines[0].min_quantity",
                ErrorCode::MinAboveMax,
            ),
            (
                |q, _| {
                    let b = q.lines[0].price_breaks[0].clone();
                    q.lines[0].price_breaks = vec![b; MAX_BREAKS + 1];
                },
                "lines[0].price_breaks",
                ErrorCode::TooMany,
            ),
            (
                |q, _| q.lines[0].price_breaks[0].unit_price = dec("9000"),
                "lines[0].price_breaks[0].unit_price",
                ErrorCode::NotADiscount,
            ),
            (
                |q, _| {
                    q.lines[0].price_breaks.push(PriceBreakIn {
                        min_quantity: dec("500"),
                        unit_price: dec("8000"),
                    })
                },
                "lines[0].price_breaks[1].min_quantity",
                ErrorCode::NotIncreasing,
            ),
        ];
        for (edit, field, code) in cases {
            let mut q = quote(line.id);
            edit(&mut q, other);
            let found = problems(&q, &[line.clone()]);
            assert!(
                found.contains(&(field.to_owned(), code)),
                "{field} {code}: {found:?}"
            );
        }
        assert_eq!(problems(&quote(line.id), &[line]), vec![]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let line = rfq_line("KGM");
        let mut q = quote(line.id);
        q.currency = "EUR".into();
        q.lead_time_days = 400;
        q.lines[0].unit_price = Decimal::ZERO;
        let fields: Vec<String> = problems(&q, &[line]).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            ["currency", "lead_time_days", "lines[0].unit_price"]
        );
    }

    proptest! {
        /// Accepted price breaks always rise in quantity and fall (or stay) in price, below
        /// the line's unit price; anything else is refused with the break's field.
        #[test]
        fn accepted_breaks_are_volume_discounts(
            breaks in prop::collection::vec((1u32..5_000, 1u32..10_000), 0..8),
            price in 1u32..10_000,
        ) {
            let line = rfq_line("KGM");
            let mut q = quote(line.id);
            q.lines[0].max_quantity = None;
            q.lines[0].unit_price = Decimal::from(price);
            q.lines[0].price_breaks = breaks
                .iter()
                .map(|&(m, p)| PriceBreakIn { min_quantity: m.into(), unit_price: p.into() })
                .collect();
            match validate(&q, &rfq(), &[line], deadline_date()) {
                Ok(content) => {
                    let got = &content.lines[0].price_breaks;
                    prop_assert_eq!(got.len(), breaks.len());
                    let mut last = (Decimal::ZERO, Decimal::from(price));
                    for b in got {
                        prop_assert!(b.min_quantity > last.0 && b.unit_price <= last.1);
                        last = (b.min_quantity, b.unit_price);
                    }
                }
                Err(AppError::Validation(errors)) => {
                    prop_assert!(!errors.is_empty());
                    for e in errors {
                        prop_assert!(e.field.starts_with("lines[0].price_breaks["), "{}", e.field);
                        prop_assert!(matches!(e.code, ErrorCode::NotIncreasing | ErrorCode::NotADiscount));
                    }
                }
                Err(other) => prop_assert!(false, "{}", other),
            }
        }
    }
}
