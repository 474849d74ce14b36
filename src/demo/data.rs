//! What the demo loads: the members, the catalog, the suppliers with their terms, the FX
//! rates, and each material's market — the band of landed costs a buyer expects and every
//! supplier's offer in its own currency. Prices are market-like for early 2027 (copper
//! ≈ USD 9,600/t, aluminium ADC12 ≈ USD 2,400/t, zinc ≈ USD 2,950/t, nickel ≈ USD 15,900/t,
//! silicon 553 ≈ CNY 14,000/t FOB) and consistent with [`FX_RATES`]: every offer of a
//! material, converted at those rates and landed (duty, freight, the RFQ's adders), falls in
//! the material's band (checked below).

use std::str::FromStr;

use rust_decimal::Decimal;

/// The member companies (the first ten regular members, the last two associates).
pub const MEMBERS: [&str; 12] = [
    "대한정밀다이캐스팅",
    "한일금속",
    "서울합금",
    "경인주물",
    "삼성다이텍",
    "동양캐스팅",
    "신화알루미늄",
    "우진정공",
    "태성금속",
    "현대주조",
    "미래다이캐스트",
    "성원산업",
];

/// A catalog material and its import duty (percent, on the CIF value of overseas offers).
pub struct Material {
    pub code: &'static str,
    pub name: &'static str,
    pub name_ko: &'static str,
    /// `raw` or `subsidiary`.
    pub kind: &'static str,
    pub hs_code: &'static str,
    /// UN/ECE unit: TNE tonne, KGM kilogram, C62 piece, LTR litre.
    pub unit: &'static str,
    pub duty: &'static str,
}

const fn material(
    code: &'static str,
    name: &'static str,
    name_ko: &'static str,
    kind: &'static str,
    hs_code: &'static str,
    unit: &'static str,
    duty: &'static str,
) -> Material {
    Material {
        code,
        name,
        name_ko,
        kind,
        hs_code,
        unit,
        duty,
    }
}

/// The catalog; the round asks for all of it, and so does the RFQ.
/// Columns: code, name, Korean name, kind, HS code, unit, duty %.
#[rustfmt::skip]
pub const CATALOG: [Material; 8] = [
    material("CU-CATH", "Copper cathode", "전기동", "raw", "7403.11", "TNE", "0"),
    material("AL-ADC12", "Aluminium ingot ADC12", "알루미늄 합금 ADC12", "raw", "7601.20", "TNE", "3"),
    material("ZN-SHG", "Zinc ingot SHG", "아연괴", "raw", "7901.11", "TNE", "3"),
    material("NI-CATH", "Nickel cathode", "니켈", "raw", "7502.10", "TNE", "0"),
    material("SI-553", "Silicon metal 553", "금속규소", "raw", "2804.69", "TNE", "5.5"),
    material("RS-PA66", "Resin PA66 GF30", "수지 PA66", "subsidiary", "3908.10", "KGM", "6.5"),
    material("PL-1111", "Wooden pallet 1100×1100", "목재 팔레트", "subsidiary", "4415.20", "C62", "8"),
    material("SV-IPA", "Solvent IPA", "이소프로필알코올 용제", "subsidiary", "2905.12", "LTR", "5.5"),
];

/// A supplier, its identifier, and the terms of its quote.
pub struct Supplier {
    /// Its user signs in as `<key>@supplier.demo.coprocure.kr`.
    pub key: &'static str,
    pub name: &'static str,
    pub country: &'static str,
    /// The tax id of an overseas supplier (a Korean one gets a valid business number).
    pub tax_id: Option<&'static str>,
    pub currency: &'static str,
    pub incoterm: &'static str,
    pub named_place: &'static str,
    pub lead_time_days: i64,
    pub payment_terms: &'static str,
    pub contact_email: &'static str,
}

/// Three domestic suppliers in KRW delivering to the cooperative (DAP), and one each in USD,
/// CNY and JPY; the trading houses also sell the subsidiary materials.
pub const SUPPLIERS: [Supplier; 6] = [
    Supplier {
        key: "s1",
        name: "풍산메탈 (Poongsan Metal)",
        country: "KR",
        tax_id: None,
        currency: "KRW",
        incoterm: "DAP",
        named_place: "Ansan",
        lead_time_days: 14,
        payment_terms: "월말 마감 익월 말 현금 (cash, end of next month)",
        contact_email: "sales@poongsan.demo.example",
    },
    Supplier {
        key: "s2",
        name: "한국알루미늄 (Korea Aluminium)",
        country: "KR",
        tax_id: None,
        currency: "KRW",
        incoterm: "DAP",
        named_place: "Ansan",
        lead_time_days: 10,
        payment_terms: "월말 마감 익월 말 현금 (cash, end of next month)",
        contact_email: "sales@koreaal.demo.example",
    },
    Supplier {
        key: "s3",
        name: "대림산업자재 (Daerim Industrial Supply)",
        country: "KR",
        tax_id: None,
        currency: "KRW",
        incoterm: "DAP",
        named_place: "Ansan",
        lead_time_days: 7,
        payment_terms: "월말 마감 익월 말 현금 (cash, end of next month)",
        contact_email: "sales@daerim.demo.example",
    },
    Supplier {
        key: "s4",
        name: "Pacific Metals Inc.",
        country: "US",
        tax_id: Some("US-47-1234567"),
        currency: "USD",
        incoterm: "CIF",
        named_place: "Busan port",
        lead_time_days: 38,
        payment_terms: "T/T 30 days after B/L",
        contact_email: "sales@pacificmetals.demo.example",
    },
    Supplier {
        key: "s5",
        name: "Jiangsu Materials Trading Co., Ltd.",
        country: "CN",
        tax_id: Some("91320000MA1DEMO01X"),
        currency: "CNY",
        incoterm: "FOB",
        named_place: "Shanghai port",
        lead_time_days: 30,
        payment_terms: "T/T 30 days after B/L",
        contact_email: "sales@jsmt.demo.example",
    },
    Supplier {
        key: "s6",
        name: "Osaka Shoji K.K.",
        country: "JP",
        tax_id: Some("T1234567890123"),
        currency: "JPY",
        incoterm: "CIF",
        named_place: "Busan port",
        lead_time_days: 25,
        payment_terms: "T/T 30 days after B/L",
        contact_email: "sales@osakashoji.demo.example",
    },
];

/// KRW per unit of each quoting currency (the day before the deadline), and EUR.
pub const FX_RATES: [(&str, &str); 4] = [
    ("USD", "1386.8"),
    ("CNY", "190.55"),
    ("JPY", "9.1245"),
    ("EUR", "1462.3"),
];

/// The RFQ's logistics adders, KRW per unit, for costs the buyer bears under each Incoterm.
pub const ADDERS: [(&str, &str); 3] = [("FOB", "45"), ("CIF", "12"), ("EXW", "60")];

/// One supplier's offer on one material, in the supplier's currency per catalog unit.
pub struct Offer {
    /// [`Supplier::key`].
    pub supplier: &'static str,
    pub unit_price: &'static str,
    /// All-units price breaks: `(from quantity, unit price)`.
    pub breaks: &'static [(&'static str, &'static str)],
    pub min: &'static str,
    pub max: Option<&'static str>,
    pub freight: &'static str,
    pub insurance: &'static str,
}

/// A material's market: what a buyer expects to pay, landed, and the offers.
pub struct Market {
    /// [`Material::code`].
    pub code: &'static str,
    /// Landed cost per catalog unit, KRW: (lowest, highest) a buyer would call market-like.
    pub band: (&'static str, &'static str),
    pub offers: &'static [Offer],
}

const fn offer(
    supplier: &'static str,
    unit_price: &'static str,
    breaks: &'static [(&'static str, &'static str)],
    (min, max): (&'static str, Option<&'static str>),
    (freight, insurance): (&'static str, &'static str),
) -> Offer {
    Offer {
        supplier,
        unit_price,
        breaks,
        min,
        max,
        freight,
        insurance,
    }
}

/// No freight or insurance charged apart (delivered or FOB prices).
const NONE: (&str, &str) = ("0", "0");

/// Per material: its band and its offers. The demo's RFQ asks for 52 t copper, 51 t
/// aluminium, 50 t zinc, 43 t nickel, 42 t silicon, 10,400 kg resin, 720 pallets and
/// 2,700 l solvent; minimums fit those quantities, and the breaks fall around them.
/// Columns: supplier, unit price, [(break from, price)], (min, max), (freight, insurance).
#[rustfmt::skip]
pub const MARKETS: [Market; 8] = [
    Market { code: "CU-CATH", band: ("12800000", "14200000"), offers: &[
        offer("s1", "13480000", &[("20", "13420000"), ("35", "13360000")], ("5", Some("40")), NONE),
        offer("s4", "9590", &[("25", "9560"), ("50", "9520")], ("10", None), ("55", "12")),
        offer("s6", "1462000", &[("20", "1455000")], ("5", Some("30")), ("7500", "1500")),
    ] },
    Market { code: "AL-ADC12", band: ("3200000", "3700000"), offers: &[
        offer("s2", "3440000", &[("20", "3410000"), ("40", "3380000")], ("10", Some("60")), NONE),
        offer("s4", "2390", &[("30", "2370")], ("20", None), ("62", "5")),
        offer("s5", "17400", &[("25", "17250"), ("40", "17100")], ("15", Some("40")), NONE),
    ] },
    Market { code: "ZN-SHG", band: ("3900000", "4600000"), offers: &[
        offer("s1", "4260000", &[("20", "4230000"), ("40", "4200000")], ("5", None), NONE),
        offer("s4", "2930", &[("25", "2910")], ("10", None), ("58", "5")),
        offer("s6", "452000", &[("20", "448000")], ("10", Some("30")), ("6800", "700")),
    ] },
    Market { code: "NI-CATH", band: ("20500000", "23500000"), offers: &[
        offer("s1", "22300000", &[("20", "22180000")], ("2", Some("30")), NONE),
        offer("s4", "15950", &[("20", "15880"), ("40", "15820")], ("5", None), ("80", "16")),
        offer("s6", "2430000", &[("15", "2415000")], ("5", Some("25")), ("9000", "2000")),
    ] },
    Market { code: "SI-553", band: ("2600000", "3300000"), offers: &[
        offer("s2", "3120000", &[("20", "3080000")], ("5", Some("40")), NONE),
        offer("s5", "14200", &[("20", "14000"), ("40", "13850")], ("10", None), NONE),
    ] },
    Market { code: "RS-PA66", band: ("4200", "5300"), offers: &[
        offer("s3", "4780", &[("3000", "4690"), ("8000", "4620")], ("500", None), NONE),
        offer("s5", "23.4", &[("5000", "22.8"), ("10000", "22.3")], ("1000", None), NONE),
        offer("s6", "505", &[("5000", "498")], ("2000", Some("8000")), ("12", "1")),
    ] },
    Market { code: "PL-1111", band: ("18000", "30000"), offers: &[
        offer("s3", "24500", &[("300", "23900"), ("600", "23400")], ("50", None), NONE),
        offer("s5", "112", &[("500", "108")], ("200", None), NONE),
    ] },
    Market { code: "SV-IPA", band: ("1400", "2200"), offers: &[
        offer("s3", "1790", &[("1000", "1750"), ("2500", "1720")], ("200", None), NONE),
        offer("s5", "8.1", &[("2000", "7.9")], ("1000", None), NONE),
        offer("s6", "184", &[("2000", "181")], ("500", None), ("8", "1")),
    ] },
];

/// A decimal of this table (they are all valid; a typo fails the unit test below).
pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

/// The band of landed unit costs (KRW per catalog unit) of the material `code`.
pub fn band(code: &str) -> Option<(Decimal, Decimal)> {
    MARKETS
        .iter()
        .find(|m| m.code == code)
        .map(|m| (dec(m.band.0), dec(m.band.1)))
}

/// The supplier with `key`.
pub fn supplier(key: &str) -> Option<&'static Supplier> {
    SUPPLIERS.iter().find(|s| s.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::landed::{dutiable, landed, OfferTerms};

    fn rate(currency: &str) -> Decimal {
        match currency {
            "KRW" => Decimal::ONE,
            c => dec(FX_RATES.iter().find(|(k, _)| *k == c).unwrap().1),
        }
    }

    #[test]
    fn every_price_of_every_offer_lands_inside_its_materials_band() {
        let mut checked = 0;
        for m in &MARKETS {
            let material = CATALOG.iter().find(|c| c.code == m.code).unwrap();
            let (low, high) = band(m.code).unwrap();
            assert!(low > Decimal::ZERO && low < high, "{}", m.code);
            assert!(m.offers.len() >= 2, "{}: at least two offers", m.code);
            for o in m.offers {
                let s = supplier(o.supplier).unwrap();
                let adder = ADDERS
                    .iter()
                    .find(|(i, _)| *i == s.incoterm)
                    .map_or("0", |a| a.1);
                let breaks: Vec<(Decimal, Decimal)> = o
                    .breaks
                    .iter()
                    .map(|(q, p)| (Decimal::from_str(q).unwrap(), Decimal::from_str(p).unwrap()))
                    .collect();
                let terms = OfferTerms {
                    unit_price: Decimal::from_str(o.unit_price).unwrap(),
                    breaks: breaks.clone(),
                    freight_per_unit: Decimal::from_str(o.freight).unwrap(),
                    insurance_per_unit: Decimal::from_str(o.insurance).unwrap(),
                    min_quantity: Decimal::from_str(o.min).unwrap(),
                    max_quantity: o.max.map(|m| Decimal::from_str(m).unwrap()),
                    fx: rate(s.currency),
                    dutiable: dutiable(s.country != "KR", s.incoterm),
                    duty_rate: dec(material.duty),
                    adder_per_unit: dec(adder),
                };
                // Breaks rise in quantity and fall in price, within the offer's limits.
                let mut last = (terms.min_quantity, terms.unit_price);
                for (q, p) in &breaks {
                    assert!(*q > last.0 && *p < last.1, "{} {}: {q} {p}", m.code, s.key);
                    assert!(
                        terms.max_quantity.is_none_or(|max| *q <= max),
                        "{} {}",
                        m.code,
                        s.key
                    );
                    last = (*q, *p);
                }
                // The price at the minimum and at every break, landed.
                for q in std::iter::once(terms.min_quantity).chain(breaks.iter().map(|b| b.0)) {
                    let unit = landed(&terms, q).unwrap().unit().unwrap();
                    assert!(
                        low <= unit && unit <= high,
                        "{} from {} at {q}: {unit} KRW outside {low}–{high}",
                        m.code,
                        s.key
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 55, "22 offers at their minimum and 33 breaks");
    }

    #[test]
    fn the_tables_agree() {
        for (m, c) in MARKETS.iter().zip(&CATALOG) {
            assert_eq!(m.code, c.code, "markets in catalog order");
        }
        for s in &SUPPLIERS {
            assert!(FX_RATES.iter().any(|(c, _)| *c == s.currency) || s.currency == "KRW");
        }
    }
}
