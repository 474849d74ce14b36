//! Parsers for the foreign-exchange reference-rate feeds used to convert supplier quotes:
//! the European Central Bank's daily reference rates (`eurofxref-daily.xml`) and the
//! Korea Eximbank (한국수출입은행) exchange-rate Open API (`exchangeJSON`, `data=AP01`).
//!
//! Nothing here does I/O: the caller fetches the response body (e.g. with reqwest) and
//! passes its text in. Every rate comes back as an exact [`Decimal`] meaning
//! "units of the base currency per 1 unit of the currency" — e.g. with base `KRW`, the
//! `USD` rate is the number of won that one US dollar buys.
//!
//! Rates that must be derived by division (cross rates from the ECB feed, and Korea
//! Eximbank's per-100-unit quotes such as `JPY(100)`) are rounded to
//! [`DERIVED_RATE_DP`] (10) decimal places, half away from zero
//! ([`RoundingStrategy::MidpointAwayFromZero`]). Rates the provider publishes directly
//! are returned exactly as published.
//!
//! The parsers check structure and arithmetic only; they do not judge whether a rate is
//! plausible (a published USD rate of 0.0001 is accepted): range checks against the
//! previous day belong to the caller.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

/// Decimal places kept on a rate obtained by division; rounding is half away from zero.
pub const DERIVED_RATE_DP: u32 = 10;

/// The currency the ECB quotes every reference rate against.
pub const ECB_QUOTE_CURRENCY: &str = "EUR";

/// The currency Korea Eximbank quotes every rate in (the base of its feed).
pub const KOREAEXIM_BASE: &str = "KRW";

/// One rate from a feed: units of the feed's base currency per 1 unit of `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRate {
    /// ISO 4217 code of the currency being priced (3 uppercase ASCII letters).
    pub currency: String,
    /// Units of the base currency per 1 unit of `currency`; always positive.
    pub rate: Decimal,
}

/// All rates a feed published for one date, expressed against one base currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRates {
    /// The reference date the rates apply to.
    pub date: NaiveDate,
    /// ISO 4217 code of the base currency; it never appears in `rates` itself.
    pub base: String,
    /// The rates, sorted by currency code, each currency at most once.
    pub rates: Vec<FeedRate>,
}

impl FeedRates {
    /// Units of the base currency per 1 unit of `currency`, if the feed has that currency.
    pub fn rate(&self, currency: &str) -> Option<Decimal> {
        self.rates
            .iter()
            .find(|r| r.currency == currency)
            .map(|r| r.rate)
    }
}

/// The provider a feed came from, named in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// European Central Bank daily euro foreign exchange reference rates.
    Ecb,
    /// Korea Eximbank exchange-rate Open API.
    KoreaExim,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::Ecb => "ECB",
            Provider::KoreaExim => "Korea Eximbank",
        })
    }
}

/// Why a feed could not be turned into rates. Messages are meant to be shown to an operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// The ECB response is not well-formed XML (e.g. a truncated download or an HTML page).
    #[error("ECB feed is not well-formed XML: {0}")]
    Xml(String),
    /// The Korea Eximbank response is not valid JSON (e.g. an HTML error page).
    #[error("Korea Eximbank response is not valid JSON: {0}")]
    Json(String),
    /// The document parsed but is not shaped like the provider's feed.
    #[error("{provider} feed has an unexpected structure: {detail}")]
    UnexpectedStructure {
        /// Which feed.
        provider: Provider,
        /// What was wrong, naming the element or field.
        detail: String,
    },
    /// The feed carries no reference date.
    #[error("{provider} feed has no reference date (no <Cube time='YYYY-MM-DD'> element)")]
    MissingDate {
        /// Which feed.
        provider: Provider,
    },
    /// The feed's reference date is not a valid `YYYY-MM-DD` date.
    #[error("{provider} feed has an invalid reference date `{value}` (expected YYYY-MM-DD)")]
    InvalidDate {
        /// Which feed.
        provider: Provider,
        /// The date text as found.
        value: String,
    },
    /// The feed carries rates for several dates (e.g. the 90-day history file), not one day.
    #[error("{provider} feed has {count} reference dates; expected the single-day file")]
    MultipleDates {
        /// Which feed.
        provider: Provider,
        /// How many dated blocks were found.
        count: usize,
    },
    /// The requested base currency is not a 3-letter uppercase code.
    #[error("requested base currency `{0}` is not a 3-letter uppercase ISO 4217 code")]
    InvalidBase(String),
    /// The requested base currency is not quoted in the feed, so no cross rates can be derived.
    #[error("base currency {base} is not in the {provider} feed for {date}; cannot derive rates against it")]
    BaseNotInFeed {
        /// Which feed.
        provider: Provider,
        /// The requested base currency.
        base: String,
        /// The feed's reference date.
        date: NaiveDate,
    },
    /// A currency code in the feed is not 3 uppercase ASCII letters.
    #[error(
        "{provider} feed has an invalid currency code `{code}` (expected 3 uppercase letters)"
    )]
    InvalidCurrency {
        /// Which feed.
        provider: Provider,
        /// The code as found.
        code: String,
    },
    /// The same currency appears twice in the feed.
    #[error("{provider} feed lists {currency} more than once")]
    DuplicateCurrency {
        /// Which feed.
        provider: Provider,
        /// The repeated code.
        currency: String,
    },
    /// A rate is not a plain decimal number.
    #[error("{provider} feed has a non-numeric rate `{value}` for {currency}")]
    InvalidRate {
        /// Which feed.
        provider: Provider,
        /// The currency whose rate is bad.
        currency: String,
        /// The rate text as found.
        value: String,
    },
    /// A rate is zero or negative.
    #[error("{provider} feed has a rate of {rate} for {currency}; rates must be positive")]
    NonPositiveRate {
        /// Which feed.
        provider: Provider,
        /// The currency whose rate is bad.
        currency: String,
        /// The rate as parsed.
        rate: Decimal,
    },
    /// The feed is empty for the date: nothing was published (weekend or holiday, or for
    /// Korea Eximbank a same-day request before the rates come out at about 11:00 KST).
    #[error("{provider} published no rates for {date} (weekend, holiday, or not yet published that day); use the previous business day")]
    NoRates {
        /// Which feed.
        provider: Provider,
        /// The date asked for (Korea Eximbank) or found in the feed (ECB).
        date: NaiveDate,
    },
    /// Korea Eximbank answered `result: 2`: the `data` parameter was not recognised.
    #[error("Korea Eximbank rejected the request: DATA code error (result 2); the `data` parameter must be AP01")]
    KoreaeximDataCode,
    /// Korea Eximbank answered `result: 3`: the authentication key was rejected.
    #[error("Korea Eximbank rejected the request: authentication key error (result 3); check the configured authkey")]
    KoreaeximAuthCode,
    /// Korea Eximbank answered `result: 4`: the key's daily request quota is used up.
    #[error("Korea Eximbank rejected the request: daily request limit exceeded (result 4); retry after midnight KST")]
    KoreaeximDailyLimit,
    /// Korea Eximbank answered a result code this parser does not know.
    #[error("Korea Eximbank answered with unknown result code `{0}` (1 = success, 2 = DATA code error, 3 = auth key error, 4 = daily limit)")]
    KoreaeximUnknownResult(String),
    /// Dividing two rates left the decimal range (only possible with absurd inputs).
    #[error("deriving the {currency} rate from the {provider} feed overflowed the decimal range")]
    Overflow {
        /// Which feed.
        provider: Provider,
        /// The currency whose rate could not be derived.
        currency: String,
    },
}

/// Parses the ECB daily reference rates file (`eurofxref-daily.xml`) and expresses every
/// rate against `base`.
///
/// The ECB publishes "X per 1 EUR". With base `B` (listed in the feed), the rate of each
/// other currency `X` is `B-per-EUR ÷ X-per-EUR`, and the rate of `EUR` is `B-per-EUR` as
/// published; `B` itself is not listed. With base `EUR`, each rate is `1 ÷ X-per-EUR`.
/// Every quotient is rounded to [`DERIVED_RATE_DP`] decimal places, half away from zero.
///
/// Elements are matched by namespace-resolved local name (`Cube`), so a change of namespace
/// prefix does not matter. The date is the `time` attribute of the one dated `Cube`.
pub fn parse_ecb(xml: &str, base: &str) -> Result<FeedRates, FeedError> {
    const P: Provider = Provider::Ecb;
    if !is_currency_code(base) {
        return Err(FeedError::InvalidBase(base.to_owned()));
    }
    let doc = roxmltree::Document::parse(xml).map_err(|e| FeedError::Xml(e.to_string()))?;
    let is_cube = |n: &roxmltree::Node<'_, '_>| n.is_element() && n.tag_name().name() == "Cube";

    let dated: Vec<_> = doc
        .descendants()
        .filter(|n| is_cube(n) && n.attribute("time").is_some())
        .collect();
    let day = match dated.as_slice() {
        [one] => *one,
        [] => {
            if doc.descendants().any(|n| is_cube(&n)) {
                return Err(FeedError::MissingDate { provider: P });
            }
            return Err(FeedError::UnexpectedStructure {
                provider: P,
                detail: "no <Cube> elements; is this the eurofxref daily file?".to_owned(),
            });
        }
        many => {
            return Err(FeedError::MultipleDates {
                provider: P,
                count: many.len(),
            })
        }
    };
    let time = day.attribute("time").unwrap_or_default().trim();
    let date = NaiveDate::parse_from_str(time, "%Y-%m-%d").map_err(|_| FeedError::InvalidDate {
        provider: P,
        value: time.to_owned(),
    })?;

    // X per 1 EUR, keyed by X.
    let mut per_eur: BTreeMap<String, Decimal> = BTreeMap::new();
    for cube in day.children().filter(is_cube) {
        let code = cube
            .attribute("currency")
            .ok_or_else(|| FeedError::UnexpectedStructure {
                provider: P,
                detail: format!("a rate <Cube> for {date} has no `currency` attribute"),
            })?
            .trim();
        if !is_currency_code(code) {
            return Err(FeedError::InvalidCurrency {
                provider: P,
                code: code.to_owned(),
            });
        }
        if code == ECB_QUOTE_CURRENCY {
            return Err(FeedError::UnexpectedStructure {
                provider: P,
                detail: "the feed quotes EUR against itself".to_owned(),
            });
        }
        let text = cube
            .attribute("rate")
            .ok_or_else(|| FeedError::UnexpectedStructure {
                provider: P,
                detail: format!("the <Cube> for {code} has no `rate` attribute"),
            })?;
        let rate = parse_rate(P, code, text)?;
        if per_eur.insert(code.to_owned(), rate).is_some() {
            return Err(FeedError::DuplicateCurrency {
                provider: P,
                currency: code.to_owned(),
            });
        }
    }
    if per_eur.is_empty() {
        return Err(FeedError::NoRates { provider: P, date });
    }

    let mut rates = Vec::with_capacity(per_eur.len());
    if base == ECB_QUOTE_CURRENCY {
        for (code, x_per_eur) in &per_eur {
            rates.push(FeedRate {
                currency: code.clone(),
                rate: divide(P, code, Decimal::ONE, *x_per_eur)?,
            });
        }
    } else {
        let base_per_eur = *per_eur.get(base).ok_or_else(|| FeedError::BaseNotInFeed {
            provider: P,
            base: base.to_owned(),
            date,
        })?;
        per_eur.insert(ECB_QUOTE_CURRENCY.to_owned(), Decimal::ONE);
        for (code, x_per_eur) in &per_eur {
            if code == base {
                continue;
            }
            let rate = if code == ECB_QUOTE_CURRENCY {
                base_per_eur
            } else {
                divide(P, code, base_per_eur, *x_per_eur)?
            };
            rates.push(FeedRate {
                currency: code.clone(),
                rate,
            });
        }
    }
    Ok(FeedRates {
        date,
        base: base.to_owned(),
        rates,
    })
}

/// Parses a Korea Eximbank `exchangeJSON` (`data=AP01`) response; the base is always KRW.
///
/// The payload carries no date, so `date` must be the `searchdate` the caller asked for.
/// The rate used is `deal_bas_r` (매매기준율, the deal basis rate), with thousands commas
/// removed. A unit like `JPY(100)` means the rate is per 100 units and is divided by 100
/// (rounded to [`DERIVED_RATE_DP`] places, half away from zero, which is exact for the
/// published figures). The `KRW` row is skipped. Korea Eximbank quotes the offshore yuan
/// as `CNH`; it is returned under that code, not as `CNY`.
///
/// Errors: a `result` code other than 1 maps to [`FeedError::KoreaeximDataCode`],
/// [`FeedError::KoreaeximAuthCode`], [`FeedError::KoreaeximDailyLimit`] or
/// [`FeedError::KoreaeximUnknownResult`]; an empty array to [`FeedError::NoRates`].
pub fn parse_koreaexim(json: &str, date: NaiveDate) -> Result<FeedRates, FeedError> {
    const P: Provider = Provider::KoreaExim;
    let value: Value = serde_json::from_str(json).map_err(|e| FeedError::Json(e.to_string()))?;
    let rows = match value {
        Value::Array(rows) => rows,
        other => {
            return Err(FeedError::UnexpectedStructure {
                provider: P,
                detail: format!("expected a JSON array of rate rows, found {}", kind(&other)),
            })
        }
    };
    if rows.is_empty() {
        return Err(FeedError::NoRates { provider: P, date });
    }

    // Result codes first: an error answer has the code and nulls everywhere else.
    let mut objects = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let obj = row
            .as_object()
            .ok_or_else(|| FeedError::UnexpectedStructure {
                provider: P,
                detail: format!("row {} is {}, not an object", i + 1, kind(row)),
            })?;
        let code = match obj.get("result") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.trim().to_owned(),
            _ => {
                return Err(FeedError::UnexpectedStructure {
                    provider: P,
                    detail: format!("row {} has no `result` code", i + 1),
                })
            }
        };
        match code.as_str() {
            "1" => {}
            "2" => return Err(FeedError::KoreaeximDataCode),
            "3" => return Err(FeedError::KoreaeximAuthCode),
            "4" => return Err(FeedError::KoreaeximDailyLimit),
            _ => return Err(FeedError::KoreaeximUnknownResult(code)),
        }
        objects.push(obj);
    }

    let mut by_code: BTreeMap<String, Decimal> = BTreeMap::new();
    for (i, obj) in objects.iter().enumerate() {
        let unit = string_field(obj, "cur_unit", i)?;
        let (code, per) = parse_unit(unit)?;
        if code == KOREAEXIM_BASE {
            continue;
        }
        let text = string_field(obj, "deal_bas_r", i)?;
        let plain = strip_thousands(text).ok_or_else(|| FeedError::InvalidRate {
            provider: P,
            currency: code.to_owned(),
            value: text.to_owned(),
        })?;
        let published = parse_rate(P, code, &plain).map_err(|e| match e {
            FeedError::InvalidRate {
                provider, currency, ..
            } => FeedError::InvalidRate {
                provider,
                currency,
                value: text.to_owned(),
            },
            other => other,
        })?;
        let rate = match per {
            None => published,
            Some(per) => divide(P, code, published, per)?,
        };
        if by_code.insert(code.to_owned(), rate).is_some() {
            return Err(FeedError::DuplicateCurrency {
                provider: P,
                currency: code.to_owned(),
            });
        }
    }
    if by_code.is_empty() {
        return Err(FeedError::NoRates { provider: P, date });
    }
    Ok(FeedRates {
        date,
        base: KOREAEXIM_BASE.to_owned(),
        rates: by_code
            .into_iter()
            .map(|(currency, rate)| FeedRate { currency, rate })
            .collect(),
    })
}

/// True for exactly 3 uppercase ASCII letters.
fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// Parses a plain decimal (optional sign, digits, optional fraction; no exponent, no
/// commas) and requires it to be positive.
fn parse_rate(provider: Provider, currency: &str, text: &str) -> Result<Decimal, FeedError> {
    let invalid = || FeedError::InvalidRate {
        provider,
        currency: currency.to_owned(),
        value: text.to_owned(),
    };
    let t = text.trim();
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return Err(invalid());
    }
    let rate = Decimal::from_str(t).map_err(|_| invalid())?;
    if rate <= Decimal::ZERO {
        return Err(FeedError::NonPositiveRate {
            provider,
            currency: currency.to_owned(),
            rate,
        });
    }
    Ok(rate)
}

/// `numerator ÷ denominator` rounded to [`DERIVED_RATE_DP`] places, half away from zero.
fn divide(
    provider: Provider,
    currency: &str,
    numerator: Decimal,
    denominator: Decimal,
) -> Result<Decimal, FeedError> {
    numerator
        .checked_div(denominator)
        .map(|q| q.round_dp_with_strategy(DERIVED_RATE_DP, RoundingStrategy::MidpointAwayFromZero))
        .ok_or_else(|| FeedError::Overflow {
            provider,
            currency: currency.to_owned(),
        })
}

/// Removes thousands separators from `1,386.8`-style numbers, checking that any commas
/// group the integer part in threes. Returns `None` for misplaced commas.
fn strip_thousands(text: &str) -> Option<String> {
    let t = text.trim();
    if !t.contains(',') {
        return Some(t.to_owned());
    }
    let (int, frac) = match t.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (t, None),
    };
    if frac.is_some_and(|f| f.contains(',')) {
        return None;
    }
    let unsigned = int.strip_prefix(['-', '+']).unwrap_or(int);
    let mut groups = unsigned.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 {
        return None;
    }
    if groups.any(|g| g.len() != 3) {
        return None;
    }
    Some(t.replace(',', ""))
}

/// Splits `USD` into (`USD`, None) and `JPY(100)` into (`JPY`, Some(100)).
fn parse_unit(unit: &str) -> Result<(&str, Option<Decimal>), FeedError> {
    let invalid = || FeedError::InvalidCurrency {
        provider: Provider::KoreaExim,
        code: unit.to_owned(),
    };
    let unit = unit.trim();
    let (code, per) = match unit.split_once('(') {
        None => (unit, None),
        Some((code, rest)) => {
            let n = rest.strip_suffix(')').ok_or_else(invalid)?;
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            let per = Decimal::from_str(n).map_err(|_| invalid())?;
            if per <= Decimal::ZERO {
                return Err(invalid());
            }
            (code, Some(per))
        }
    };
    if !is_currency_code(code) {
        return Err(invalid());
    }
    Ok((code, per.filter(|p| *p != Decimal::ONE)))
}

/// The string value of `field` in row `index` (0-based), or a structure error.
fn string_field<'a>(
    obj: &'a serde_json::Map<String, Value>,
    field: &str,
    index: usize,
) -> Result<&'a str, FeedError> {
    obj.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| FeedError::UnexpectedStructure {
            provider: Provider::KoreaExim,
            detail: format!("row {} has no string `{field}`", index + 1),
        })
}

/// A short description of a JSON value's kind for error messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ECB_DAILY: &str = include_str!("../../tests/fixtures/fx/ecb-daily.xml");
    const ECB_PREFIXED: &str = include_str!("../../tests/fixtures/fx/ecb-prefixed.xml");
    const ECB_MALFORMED: &str = include_str!("../../tests/fixtures/fx/ecb-malformed.xml");
    const ECB_ABSURD: &str = include_str!("../../tests/fixtures/fx/ecb-absurd.xml");
    const KOREAEXIM: &str = include_str!("../../tests/fixtures/fx/koreaexim.json");
    const KOREAEXIM_ERROR: &str = include_str!("../../tests/fixtures/fx/koreaexim-error.json");
    const KOREAEXIM_EMPTY: &str = include_str!("../../tests/fixtures/fx/koreaexim-empty.json");

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).expect("test date")
    }

    /// Independent reference: a ÷ b at 10 dp, half away from zero.
    fn q(a: &str, b: &str) -> Decimal {
        (d(a) / d(b)).round_dp_with_strategy(10, RoundingStrategy::MidpointAwayFromZero)
    }

    /// A minimal ECB document with the given dated-cube body.
    fn ecb_doc(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><gesmes:Envelope \
             xmlns:gesmes=\"http://www.gesmes.org/xml/2002-08-01\" \
             xmlns=\"http://www.ecb.int/vocabulary/2002-08-01/eurofxref\">\
             <gesmes:subject>Reference rates</gesmes:subject><Cube>{body}</Cube></gesmes:Envelope>"
        )
    }

    #[test]
    fn ecb_krw_base_derives_exact_cross_rates() {
        let f = parse_ecb(ECB_DAILY, "KRW").expect("parses");
        assert_eq!(f.date, day(2026, 11, 27));
        assert_eq!(f.base, "KRW");
        // 29 published currencies, minus KRW (the base), plus EUR.
        assert_eq!(f.rates.len(), 29);
        assert!(f.rate("KRW").is_none());
        assert_eq!(f.rate("USD"), Some(q("1500.12", "1.0543")));
        assert_eq!(f.rate("USD"), Some(d("1422.8587688514")));
        assert_eq!(f.rate("JPY"), Some(q("1500.12", "160.12")));
        assert_eq!(f.rate("CNY"), Some(q("1500.12", "7.6342")));
        assert_eq!(f.rate("IDR"), Some(q("1500.12", "16782.45")));
        assert_eq!(f.rate("EUR"), Some(d("1500.12")));
        for r in &f.rates {
            assert!(r.rate > Decimal::ZERO, "{r:?}");
            assert!(r.rate.scale() <= DERIVED_RATE_DP, "{r:?}");
        }
        let codes: Vec<_> = f.rates.iter().map(|r| r.currency.as_str()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn ecb_eur_base_inverts_rates() {
        let f = parse_ecb(ECB_DAILY, "EUR").expect("parses");
        assert_eq!(f.rates.len(), 29);
        assert!(f.rate("EUR").is_none());
        assert_eq!(f.rate("USD"), Some(q("1", "1.0543")));
        assert_eq!(f.rate("USD"), Some(d("0.9484966328")));
        assert_eq!(f.rate("KRW"), Some(q("1", "1500.12")));
    }

    #[test]
    fn ecb_usd_base() {
        let f = parse_ecb(ECB_DAILY, "USD").expect("parses");
        assert_eq!(f.rate("EUR"), Some(d("1.0543")));
        assert_eq!(f.rate("KRW"), Some(q("1.0543", "1500.12")));
        assert_eq!(f.rate("JPY"), Some(q("1.0543", "160.12")));
        assert!(f.rate("USD").is_none());
    }

    #[test]
    fn ecb_rounds_half_away_from_zero() {
        // 1 / 16 = 0.0625 exactly; 1 / 3 = 0.333…; 0.00000000005 ÷ 1 rounds up to 1e-10.
        let xml = ecb_doc(
            "<Cube time='2026-11-27'><Cube currency='AAA' rate='16'/>\
             <Cube currency='BBB' rate='3'/><Cube currency='CCC' rate='20000000000'/></Cube>",
        );
        let f = parse_ecb(&xml, "EUR").expect("parses");
        assert_eq!(f.rate("AAA"), Some(d("0.0625")));
        assert_eq!(f.rate("BBB"), Some(d("0.3333333333")));
        // 1 / 2e10 = 0.00000000005 -> midpoint -> away from zero.
        assert_eq!(f.rate("CCC"), Some(d("0.0000000001")));
    }

    #[test]
    fn ecb_prefix_change_gives_same_result() {
        assert_eq!(
            parse_ecb(ECB_PREFIXED, "KRW").expect("prefixed parses"),
            parse_ecb(ECB_DAILY, "KRW").expect("daily parses")
        );
    }

    #[test]
    fn ecb_double_quoted_attributes() {
        let xml = ecb_doc(r#"<Cube time="2026-11-27"><Cube currency="USD" rate="1.05"/></Cube>"#);
        let f = parse_ecb(&xml, "USD").expect("parses");
        assert_eq!(
            f.rates,
            vec![FeedRate {
                currency: "EUR".into(),
                rate: d("1.05")
            }]
        );
    }

    #[test]
    fn ecb_malformed_is_xml_error() {
        let e = parse_ecb(ECB_MALFORMED, "KRW").unwrap_err();
        assert!(matches!(e, FeedError::Xml(_)), "{e:?}");
        assert!(e.to_string().starts_with("ECB feed is not well-formed XML"));
        assert!(matches!(parse_ecb("", "KRW"), Err(FeedError::Xml(_))));
        assert!(matches!(
            parse_ecb("<html><body>Service unavailable</body>", "KRW"),
            Err(FeedError::Xml(_))
        ));
    }

    #[test]
    fn ecb_absurd_rate_is_parsed_not_judged() {
        // Plausibility is the caller's job; the arithmetic must still be exact.
        let f = parse_ecb(ECB_ABSURD, "KRW").expect("parses");
        assert_eq!(f.rate("USD"), Some(q("1500.12", "0.0001")));
        assert_eq!(f.rate("USD"), Some(d("15001200")));
        assert_eq!(f.rate("JPY"), Some(q("1500.12", "160.12")));
    }

    #[test]
    fn ecb_missing_date() {
        let xml = ecb_doc("<Cube><Cube currency='USD' rate='1.05'/></Cube>");
        let e = parse_ecb(&xml, "KRW").unwrap_err();
        assert_eq!(
            e,
            FeedError::MissingDate {
                provider: Provider::Ecb
            }
        );
        assert!(e.to_string().contains("no reference date"));
    }

    #[test]
    fn ecb_not_an_ecb_document() {
        let e = parse_ecb("<root><item/></root>", "KRW").unwrap_err();
        assert!(matches!(
            e,
            FeedError::UnexpectedStructure {
                provider: Provider::Ecb,
                ..
            }
        ));
    }

    #[test]
    fn ecb_invalid_date() {
        let xml = ecb_doc("<Cube time='27.11.2026'><Cube currency='USD' rate='1.05'/></Cube>");
        assert_eq!(
            parse_ecb(&xml, "USD").unwrap_err(),
            FeedError::InvalidDate {
                provider: Provider::Ecb,
                value: "27.11.2026".into()
            }
        );
    }

    #[test]
    fn ecb_multiple_dates_rejected() {
        let xml = ecb_doc(
            "<Cube time='2026-11-27'><Cube currency='USD' rate='1.05'/></Cube>\
             <Cube time='2026-11-26'><Cube currency='USD' rate='1.06'/></Cube>",
        );
        assert_eq!(
            parse_ecb(&xml, "USD").unwrap_err(),
            FeedError::MultipleDates {
                provider: Provider::Ecb,
                count: 2
            }
        );
    }

    #[test]
    fn ecb_base_not_in_feed() {
        let e = parse_ecb(ECB_DAILY, "VND").unwrap_err();
        assert_eq!(
            e,
            FeedError::BaseNotInFeed {
                provider: Provider::Ecb,
                base: "VND".into(),
                date: day(2026, 11, 27)
            }
        );
        assert_eq!(
            e.to_string(),
            "base currency VND is not in the ECB feed for 2026-11-27; cannot derive rates against it"
        );
    }

    #[test]
    fn ecb_invalid_base_argument() {
        for base in ["krw", "KR", "KRWX", ""] {
            assert_eq!(
                parse_ecb(ECB_DAILY, base).unwrap_err(),
                FeedError::InvalidBase(base.into())
            );
        }
    }

    #[test]
    fn ecb_non_positive_and_non_numeric_rates() {
        for (rate, expected) in [
            ("0", Some(d("0"))),
            ("0.0000", Some(d("0"))),
            ("-1.05", Some(d("-1.05"))),
            ("abc", None),
            ("", None),
            ("1,05", None),
            ("1.05e2", None),
            ("1.", None),
            (".5", None),
            ("NaN", None),
        ] {
            let xml = ecb_doc(&format!(
                "<Cube time='2026-11-27'><Cube currency='KRW' rate='1500'/>\
                 <Cube currency='USD' rate='{rate}'/></Cube>"
            ));
            let e = parse_ecb(&xml, "KRW").unwrap_err();
            match expected {
                Some(r) => assert_eq!(
                    e,
                    FeedError::NonPositiveRate {
                        provider: Provider::Ecb,
                        currency: "USD".into(),
                        rate: r
                    },
                    "{rate}"
                ),
                None => assert_eq!(
                    e,
                    FeedError::InvalidRate {
                        provider: Provider::Ecb,
                        currency: "USD".into(),
                        value: rate.into()
                    },
                    "{rate}"
                ),
            }
        }
    }

    #[test]
    fn ecb_bad_currency_duplicates_and_missing_attributes() {
        let cases = [
            ("<Cube currency='usd' rate='1.05'/>", "invalid"),
            ("<Cube currency='US' rate='1.05'/>", "invalid"),
            (
                "<Cube currency='USD' rate='1.05'/><Cube currency='USD' rate='1.06'/>",
                "dup",
            ),
            ("<Cube currency='EUR' rate='1'/>", "structure"),
            ("<Cube rate='1.05'/>", "structure"),
            ("<Cube currency='USD'/>", "structure"),
        ];
        for (body, want) in cases {
            let xml = ecb_doc(&format!("<Cube time='2026-11-27'>{body}</Cube>"));
            let e = parse_ecb(&xml, "EUR").unwrap_err();
            let ok = match want {
                "invalid" => matches!(e, FeedError::InvalidCurrency { .. }),
                "dup" => matches!(e, FeedError::DuplicateCurrency { .. }),
                _ => matches!(e, FeedError::UnexpectedStructure { .. }),
            };
            assert!(ok, "{body}: {e:?}");
        }
    }

    #[test]
    fn ecb_empty_day_is_no_rates() {
        let xml = ecb_doc("<Cube time='2026-12-25'></Cube>");
        let e = parse_ecb(&xml, "EUR").unwrap_err();
        assert_eq!(
            e,
            FeedError::NoRates {
                provider: Provider::Ecb,
                date: day(2026, 12, 25)
            }
        );
    }

    #[test]
    fn koreaexim_parses_fixture() {
        let date = day(2026, 11, 27);
        let f = parse_koreaexim(KOREAEXIM, date).expect("parses");
        assert_eq!(f.date, date);
        assert_eq!(f.base, "KRW");
        // 23 rows minus the KRW row.
        assert_eq!(f.rates.len(), 22);
        assert!(f.rate("KRW").is_none());
        assert_eq!(f.rate("USD"), Some(d("1400.5")));
        assert_eq!(f.rate("EUR"), Some(d("1480.23")));
        assert_eq!(f.rate("CNH"), Some(d("195.12")));
        assert_eq!(f.rate("CNY"), None);
        assert_eq!(f.rate("JPY"), Some(d("920.45") / d("100")));
        assert_eq!(f.rate("JPY"), Some(d("9.2045")));
        assert_eq!(f.rate("IDR"), Some(d("0.0852")));
        assert_eq!(f.rate("BHD"), Some(d("3714.85")));
        assert_eq!(f.rate("KWD"), Some(d("4558.91")));
        let codes: Vec<_> = f.rates.iter().map(|r| r.currency.as_str()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn koreaexim_error_codes() {
        let date = day(2026, 11, 27);
        let e = parse_koreaexim(KOREAEXIM_ERROR, date).unwrap_err();
        assert_eq!(e, FeedError::KoreaeximAuthCode);
        assert!(e
            .to_string()
            .contains("authentication key error (result 3)"));
        let row =
            |code: &str| format!(r#"[{{"result":{code},"cur_unit":null,"deal_bas_r":null}}]"#);
        assert_eq!(
            parse_koreaexim(&row("2"), date).unwrap_err(),
            FeedError::KoreaeximDataCode
        );
        assert_eq!(
            parse_koreaexim(&row("4"), date).unwrap_err(),
            FeedError::KoreaeximDailyLimit
        );
        assert_eq!(
            parse_koreaexim(&row("\"3\""), date).unwrap_err(),
            FeedError::KoreaeximAuthCode
        );
        assert_eq!(
            parse_koreaexim(&row("9"), date).unwrap_err(),
            FeedError::KoreaeximUnknownResult("9".into())
        );
    }

    #[test]
    fn koreaexim_empty_is_no_rates() {
        let date = day(2026, 11, 28);
        let e = parse_koreaexim(KOREAEXIM_EMPTY, date).unwrap_err();
        assert_eq!(
            e,
            FeedError::NoRates {
                provider: Provider::KoreaExim,
                date
            }
        );
        assert!(e.to_string().contains("2026-11-28"));
        // Only the KRW row: nothing usable either.
        let only_krw = r#"[{"result":1,"cur_unit":"KRW","deal_bas_r":"1"}]"#;
        assert_eq!(
            parse_koreaexim(only_krw, date).unwrap_err(),
            FeedError::NoRates {
                provider: Provider::KoreaExim,
                date
            }
        );
    }

    #[test]
    fn koreaexim_malformed_json_and_shapes() {
        let date = day(2026, 11, 27);
        assert!(matches!(
            parse_koreaexim("<html>", date),
            Err(FeedError::Json(_))
        ));
        assert!(matches!(
            parse_koreaexim("[{", date),
            Err(FeedError::Json(_))
        ));
        for body in [
            r#"{"result":1}"#,
            r#"[1]"#,
            r#"[{"cur_unit":"USD","deal_bas_r":"1"}]"#,
            r#"[{"result":1,"deal_bas_r":"1,400"}]"#,
            r#"[{"result":1,"cur_unit":"USD"}]"#,
            r#"[{"result":1,"cur_unit":"USD","deal_bas_r":1400.5}]"#,
        ] {
            let e = parse_koreaexim(body, date).unwrap_err();
            assert!(
                matches!(
                    e,
                    FeedError::UnexpectedStructure {
                        provider: Provider::KoreaExim,
                        ..
                    }
                ),
                "{body}: {e:?}"
            );
        }
    }

    #[test]
    fn koreaexim_bad_values() {
        let date = day(2026, 11, 27);
        let one = |unit: &str, rate: &str| {
            parse_koreaexim(
                &format!(r#"[{{"result":1,"cur_unit":"{unit}","deal_bas_r":"{rate}"}}]"#),
                date,
            )
        };
        assert_eq!(
            one("USD", "1,400.5").expect("ok").rate("USD"),
            Some(d("1400.5"))
        );
        assert_eq!(
            one("USD", "1400.5").expect("ok").rate("USD"),
            Some(d("1400.5"))
        );
        assert_eq!(
            one("XAU", "1,234,567.8").expect("ok").rate("XAU"),
            Some(d("1234567.8"))
        );
        for bad in [
            "14,00.5",
            ",1400",
            "1,400.5,0",
            "1400,",
            "abc",
            "",
            "1,4000",
        ] {
            assert_eq!(
                one("USD", bad).unwrap_err(),
                FeedError::InvalidRate {
                    provider: Provider::KoreaExim,
                    currency: "USD".into(),
                    value: bad.into()
                },
                "{bad}"
            );
        }
        assert_eq!(
            one("USD", "0").unwrap_err(),
            FeedError::NonPositiveRate {
                provider: Provider::KoreaExim,
                currency: "USD".into(),
                rate: d("0")
            }
        );
        assert!(matches!(
            one("USD", "-1,400").unwrap_err(),
            FeedError::NonPositiveRate { .. }
        ));
        for unit in [
            "usd", "US", "USDX", "JPY(", "JPY()", "JPY(0)", "JPY(1OO)", "(100)", "",
        ] {
            assert_eq!(
                one(unit, "1").unwrap_err(),
                FeedError::InvalidCurrency {
                    provider: Provider::KoreaExim,
                    code: unit.into()
                },
                "{unit}"
            );
        }
        assert_eq!(
            one("JPY(1)", "9.2").expect("ok").rate("JPY"),
            Some(d("9.2"))
        );
        assert_eq!(
            one("VND(100)", "5.67").expect("ok").rate("VND"),
            Some(d("0.0567"))
        );
    }

    #[test]
    fn koreaexim_duplicate_currency() {
        let body = r#"[{"result":1,"cur_unit":"USD","deal_bas_r":"1,400"},
                       {"result":1,"cur_unit":"USD","deal_bas_r":"1,401"}]"#;
        assert_eq!(
            parse_koreaexim(body, day(2026, 11, 27)).unwrap_err(),
            FeedError::DuplicateCurrency {
                provider: Provider::KoreaExim,
                currency: "USD".into()
            }
        );
    }

    #[test]
    fn koreaexim_error_row_anywhere_wins() {
        let body = r#"[{"result":1,"cur_unit":"USD","deal_bas_r":"1,400"},{"result":4}]"#;
        assert_eq!(
            parse_koreaexim(body, day(2026, 11, 27)).unwrap_err(),
            FeedError::KoreaeximDailyLimit
        );
    }
}
