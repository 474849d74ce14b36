//! Round and demand input, checked without I/O: a new round against the cooperative's
//! catalog and the clock, a demand line (new or patched) against the round's materials and
//! closing date. Each answers the checked fields or a 422 listing every problem at once.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use super::models::DemandLine;
use crate::auth::{Principal, Role};
use crate::error::{AppError, ErrorCode, FieldError};
use crate::ids::{MaterialId, MemberId};
use crate::materials::units::{self, Unit, UnitError};
use crate::validation::Collect;
use crate::{bounds, validation};

/// `POST /cooperatives/{id}/rounds` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRound {
    pub title: String,
    /// When the round stops taking demand (must be in the future).
    pub closes_at: DateTime<Utc>,
    /// Materials demand may be entered for (default: the whole catalog).
    pub material_ids: Option<Vec<MaterialId>>,
}

/// A new round's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundFields {
    pub title: String,
    pub closes_at: DateTime<Utc>,
    /// Sorted, each once.
    pub materials: Vec<MaterialId>,
}

/// Checks a new round: a title, a closing time after `now`, and materials from `catalog`
/// (all of it when none are named).
pub fn new_round(
    input: NewRound,
    catalog: Vec<MaterialId>,
    now: DateTime<Utc>,
) -> Result<RoundFields, AppError> {
    let mut errors = Vec::new();
    let title = validation::text("title", &input.title, 200).collect_into(&mut errors);
    if let Err(e) = validation::timestamp("closes_at", input.closes_at) {
        errors.push(e);
    } else if input.closes_at <= now {
        errors.push(FieldError::new(
            "closes_at",
            ErrorCode::InThePast,
            "must be in the future",
        ));
    }
    let materials = round_materials(input.material_ids, catalog, &mut errors);
    match (title, errors.is_empty()) {
        (Some(title), true) => Ok(RoundFields {
            title,
            closes_at: input.closes_at,
            materials,
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// The materials of a new round: those named (at least one, all in the catalog), or else
/// the whole catalog (which must not be empty).
fn round_materials(
    named: Option<Vec<MaterialId>>,
    catalog: Vec<MaterialId>,
    errors: &mut Vec<FieldError>,
) -> Vec<MaterialId> {
    match named {
        Some(ids) => {
            let ids = validation::material_ids(ids, errors);
            if let Some(bad) = ids.iter().find(|m| !catalog.contains(m)) {
                errors.push(FieldError::new(
                    "material_ids",
                    ErrorCode::UnknownMaterial,
                    format!("{bad} is not in this cooperative's catalog"),
                ));
            }
            ids
        }
        None if catalog.is_empty() => {
            errors.push(FieldError::new(
                "material_ids",
                ErrorCode::EmptyCatalog,
                "the cooperative has no materials yet",
            ));
            vec![]
        }
        None => catalog,
    }
}

/// `POST /rounds/{id}/demand` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDemand {
    pub material_id: MaterialId,
    /// Decimal string or number, > 0, at most 6 decimals.
    #[serde(deserialize_with = "crate::decimal::exact")]
    #[schema(value_type = String, example = "12.5")]
    pub quantity: Decimal,
    /// Any unit of the material's dimension.
    pub unit: String,
    /// After the round's closing date (in the cooperative's time zone).
    pub required_by: NaiveDate,
    pub delivery_site: String,
    /// Required when a coop admin enters demand for a member; a member user may omit it.
    pub member_id: Option<MemberId>,
}

/// `PATCH /demand/{id}` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemandPatch {
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    #[schema(value_type = Option<String>)]
    pub quantity: Option<Decimal>,
    pub unit: Option<String>,
    pub required_by: Option<NaiveDate>,
    pub delivery_site: Option<String>,
}

/// The member a demand line is for: a member user's own (naming another is refused), or
/// the one an admin must name. Whether that member is active is the database's to say.
pub fn demand_member(who: &Principal, named: Option<MemberId>) -> Result<MemberId, AppError> {
    match who.role {
        Role::Member => match (who.member_id, named) {
            (Some(own), None) => Ok(own),
            (Some(own), Some(m)) if m == own => Ok(own),
            _ => Err(AppError::invalid(
                "member_id",
                ErrorCode::NotYourMember,
                "members enter demand only for themselves",
            )),
        },
        _ => named.ok_or_else(|| {
            AppError::invalid(
                "member_id",
                ErrorCode::Required,
                "name the member the demand is for",
            )
        }),
    }
}

/// The checked quantity fields of a demand line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantities {
    /// As entered, normalised.
    pub quantity: Decimal,
    /// The unit's code as the catalog spells it.
    pub unit: String,
    /// The quantity in the material's unit.
    pub quantity_base: Decimal,
    pub required_by: NaiveDate,
    pub delivery_site: String,
}

/// A new demand line's fields, against its material's unit (`None`: not one of the round's
/// materials) and the round's closing date (in the cooperative's zone).
pub fn new_line(
    input: &NewDemand,
    base_unit: Option<&str>,
    close_date: NaiveDate,
) -> Result<Quantities, AppError> {
    let mut errors = Vec::new();
    if base_unit.is_none() {
        errors.push(FieldError::new(
            "material_id",
            ErrorCode::NotInRound,
            "is not one of this round's materials",
        ));
    }
    let fields = LineFields {
        quantity: input.quantity,
        unit: &input.unit,
        required_by: input.required_by,
        delivery_site: &input.delivery_site,
    };
    let q = quantities(
        fields,
        base_unit.unwrap_or_default(),
        close_date,
        &mut errors,
    );
    q.filter(|_| errors.is_empty())
        .ok_or(AppError::Validation(errors))
}

/// A demand line with `patch` applied (what it leaves out stays as it is), checked like a
/// new one.
pub fn patched_line(
    line: &DemandLine,
    patch: &DemandPatch,
    base_unit: &str,
    close_date: NaiveDate,
) -> Result<Quantities, AppError> {
    let mut errors = Vec::new();
    let fields = LineFields {
        quantity: patch.quantity.unwrap_or(line.quantity),
        unit: patch.unit.as_deref().unwrap_or(&line.unit),
        required_by: patch.required_by.unwrap_or(line.required_by),
        delivery_site: patch
            .delivery_site
            .as_deref()
            .unwrap_or(&line.delivery_site),
    };
    let q = quantities(fields, base_unit, close_date, &mut errors);
    q.filter(|_| errors.is_empty())
        .ok_or(AppError::Validation(errors))
}

/// A demand line's quantity fields as entered.
struct LineFields<'a> {
    quantity: Decimal,
    unit: &'a str,
    required_by: NaiveDate,
    delivery_site: &'a str,
}

/// Checks the fields, adding every problem to `errors`; `Some` only when there is none
/// (also none from before).
fn quantities(
    f: LineFields,
    base_unit: &str,
    close_date: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<Quantities> {
    let ok = quantity_ok(f.quantity, errors);
    let converted = match (units::unit(f.unit), units::unit(base_unit)) {
        (None, _) => {
            errors.push(FieldError::new(
                "unit",
                ErrorCode::UnknownUnit,
                "is not a supported unit (see GET /api/v1/units)",
            ));
            None
        }
        (Some(u), Some(b)) if ok => to_base(f.quantity, u, b).map_err(|e| errors.push(e)).ok(),
        _ => None,
    };
    if let Err(e) = validation::date("required_by", f.required_by) {
        errors.push(e);
    } else if f.required_by <= close_date {
        errors.push(FieldError::new(
            "required_by",
            ErrorCode::TooEarly,
            format!("must be after the round's closing date {close_date}"),
        ));
    }
    let site = validation::text("delivery_site", f.delivery_site, 200).collect_into(errors);
    match (converted, site, errors.is_empty()) {
        (Some((unit, quantity_base)), Some(delivery_site), true) => Some(Quantities {
            quantity: f.quantity.normalize(),
            unit,
            quantity_base,
            required_by: f.required_by,
            delivery_site,
        }),
        _ => None,
    }
}

/// A quantity is positive, has at most 6 decimal places and is within bounds.
fn quantity_ok(quantity: Decimal, errors: &mut Vec<FieldError>) -> bool {
    let error = if quantity <= Decimal::ZERO {
        FieldError::new("quantity", ErrorCode::NotPositive, "must be greater than 0")
    } else if quantity.normalize().scale() > 6 {
        FieldError::new(
            "quantity",
            ErrorCode::TooPrecise,
            "may have at most 6 decimal places",
        )
    } else if let Err(e) = bounds::quantity("quantity", quantity) {
        e
    } else {
        return true;
    };
    errors.push(error);
    false
}

/// The unit's code and the quantity converted to the material's unit `b`: exact, within
/// the unit's own precision, and within bounds once converted.
fn to_base(quantity: Decimal, u: &Unit, b: &Unit) -> Result<(String, Decimal), FieldError> {
    match units::convert(quantity, u, b) {
        Ok(_) if quantity.normalize().scale() > u.precision => Err(FieldError::new(
            "quantity",
            ErrorCode::TooPrecise,
            format!("{} takes at most {} decimal places", u.code, u.precision),
        )),
        Ok(q) if q > bounds::MAX_QUANTITY => Err(FieldError::new(
            "quantity",
            ErrorCode::TooLarge,
            format!(
                "is {} {} in the material's unit; at most {} is accepted",
                q,
                b.code,
                bounds::MAX_QUANTITY
            ),
        )),
        Ok(q) => Ok((u.code.to_owned(), q)),
        Err(UnitError::Overflow) => Err(FieldError::new(
            "quantity",
            ErrorCode::TooLarge,
            format!(
                "is too large in the material's unit {}; at most {} is accepted",
                b.code,
                bounds::MAX_QUANTITY
            ),
        )),
        Err(UnitError::Incompatible { .. }) => Err(FieldError::new(
            "unit",
            ErrorCode::IncompatibleUnit,
            format!(
                "{} cannot be converted to the material's unit {}",
                u.code, b.code
            ),
        )),
        Err(e) => Err(FieldError::new(
            "unit",
            ErrorCode::InexactConversion,
            e.to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Locale;
    use crate::ids::{CooperativeId, DemandLineId, RoundId, SessionId, UserId};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap()
    }

    fn close_date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()
    }

    /// The codes of a 422's field errors, as `field:code`.
    fn codes(r: Result<impl std::fmt::Debug, AppError>) -> Vec<String> {
        match r {
            Err(AppError::Validation(errors)) => errors
                .iter()
                .map(|e| format!("{}:{}", e.field, e.code.as_str()))
                .collect(),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    fn round(material_ids: Option<Vec<MaterialId>>) -> NewRound {
        NewRound {
            title: " Spring steel ".into(),
            closes_at: now() + chrono::Duration::days(30),
            material_ids,
        }
    }

    fn demand(quantity: &str, unit: &str) -> NewDemand {
        NewDemand {
            material_id: MaterialId::new(),
            quantity: dec(quantity),
            unit: unit.into(),
            required_by: NaiveDate::from_ymd_opt(2027, 4, 15).unwrap(),
            delivery_site: "Gimhae yard".into(),
            member_id: None,
        }
    }

    fn principal(role: Role, member_id: Option<MemberId>) -> Principal {
        Principal {
            user_id: UserId::new(),
            session_id: SessionId::new(),
            email: "a@example.com".into(),
            name: "A".into(),
            role,
            cooperative_id: Some(CooperativeId::new()),
            member_id,
            supplier_id: None,
            locale: Locale::En,
        }
    }

    #[test]
    fn a_round_takes_the_whole_catalog_unless_it_names_materials() {
        let (a, b) = (MaterialId::new(), MaterialId::new());
        let all = new_round(round(None), vec![a, b], now()).unwrap();
        assert_eq!(all.title, "Spring steel");
        assert_eq!(all.materials, [a, b]);
        let named = new_round(round(Some(vec![b, b])), vec![a, b], now()).unwrap();
        assert_eq!(named.materials, [b]);
    }

    #[test]
    fn a_round_lists_every_problem_at_once() {
        let mut r = round(Some(vec![MaterialId::new()]));
        r.title = "  ".into();
        r.closes_at = now();
        assert_eq!(
            codes(new_round(r, vec![MaterialId::new()], now())),
            [
                "title:required",
                "closes_at:in_the_past",
                "material_ids:unknown_material"
            ]
        );
        assert_eq!(
            codes(new_round(round(Some(vec![])), vec![], now())),
            ["material_ids:empty"]
        );
        assert_eq!(
            codes(new_round(round(None), vec![], now())),
            ["material_ids:empty_catalog"]
        );
    }

    #[test]
    fn members_enter_demand_for_themselves_and_admins_name_the_member() {
        let own = MemberId::new();
        let member = principal(Role::Member, Some(own));
        assert_eq!(demand_member(&member, None).unwrap(), own);
        assert_eq!(demand_member(&member, Some(own)).unwrap(), own);
        assert!(demand_member(&member, Some(MemberId::new())).is_err());
        let admin = principal(Role::CoopAdmin, None);
        let other = MemberId::new();
        assert_eq!(demand_member(&admin, Some(other)).unwrap(), other);
        assert!(demand_member(&admin, None).is_err());
    }

    #[test]
    fn a_demand_line_is_converted_to_the_material_unit() {
        let q = new_line(&demand("1.5", "tne"), Some("KGM"), close_date()).unwrap();
        assert_eq!(q.unit, "TNE");
        assert_eq!(q.quantity_base, dec("1500"));
        assert_eq!(q.delivery_site, "Gimhae yard");
    }

    #[test]
    fn a_demand_line_lists_every_problem_at_once() {
        let mut d = demand("0", "KGM");
        d.required_by = close_date();
        d.delivery_site = String::new();
        assert_eq!(
            codes(new_line(&d, None, close_date())),
            [
                "material_id:not_in_round",
                "quantity:not_positive",
                "required_by:too_early",
                "delivery_site:required"
            ]
        );
        assert_eq!(
            codes(new_line(&demand("1", "XXX"), Some("KGM"), close_date())),
            ["unit:unknown_unit"]
        );
        assert_eq!(
            codes(new_line(&demand("1", "MTR"), Some("KGM"), close_date())),
            ["unit:incompatible_unit"]
        );
        assert_eq!(
            codes(new_line(
                &demand("0.0000001", "KGM"),
                Some("KGM"),
                close_date()
            )),
            ["quantity:too_precise"]
        );
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let at = now();
        let line = DemandLine {
            id: DemandLineId::new(),
            round_id: RoundId::new(),
            cooperative_id: CooperativeId::new(),
            member_id: MemberId::new(),
            material_id: MaterialId::new(),
            quantity: dec("2"),
            unit: "TNE".into(),
            quantity_base: dec("2000"),
            required_by: NaiveDate::from_ymd_opt(2027, 4, 15).unwrap(),
            delivery_site: "Gimhae yard".into(),
            created_by: UserId::new(),
            created_at: at,
            updated_at: at,
        };
        let patch = DemandPatch {
            quantity: Some(dec("500")),
            unit: Some("KGM".into()),
            required_by: None,
            delivery_site: None,
        };
        let q = patched_line(&line, &patch, "KGM", close_date()).unwrap();
        assert_eq!((q.quantity, q.quantity_base), (dec("500"), dec("500")));
        assert_eq!(q.required_by, line.required_by);
        assert_eq!(q.delivery_site, line.delivery_site);
        let empty = DemandPatch {
            quantity: None,
            unit: None,
            required_by: None,
            delivery_site: None,
        };
        let same = patched_line(&line, &empty, "KGM", close_date()).unwrap();
        assert_eq!((same.quantity_base, same.unit), (dec("2000"), "TNE".into()));
    }

    proptest! {
        /// Accepted quantities are positive, convert exactly (tonnes to kilograms) and
        /// stay within bounds; anything else is refused on `quantity`.
        #[test]
        fn accepted_quantities_convert_exactly(units in 0u64..2_000_000_000, scale in 0u32..5) {
            let quantity = Decimal::new(i64::try_from(units).unwrap(), scale);
            let mut d = demand("1", "TNE");
            d.quantity = quantity;
            match new_line(&d, Some("KGM"), close_date()) {
                Ok(q) => {
                    prop_assert!(quantity > Decimal::ZERO);
                    prop_assert_eq!(q.quantity_base, quantity * Decimal::ONE_THOUSAND);
                    prop_assert!(q.quantity_base <= bounds::MAX_QUANTITY);
                }
                Err(AppError::Validation(errors)) => {
                    prop_assert!(!errors.is_empty());
                    prop_assert!(errors.iter().all(|e| e.field == "quantity"));
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }
}
