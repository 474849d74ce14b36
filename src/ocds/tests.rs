use std::str::FromStr;

use chrono::{Duration, TimeZone};

use super::*;
use crate::ids::{CooperativeId, MaterialId, MemberId, RfqId, RoundId, SupplierId, UserId};

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 10, 0, 0, 0).unwrap() + Duration::hours(h)
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn process(now: DateTime<Utc>) -> Process {
    let coop_id = CooperativeId::new();
    let rfq_id = RfqId::new();
    let line = RfqLine {
        id: RfqLineId::new(),
        rfq_id,
        cooperative_id: coop_id,
        round_id: RoundId::new(),
        material_id: MaterialId::new(),
        position: 0,
        quantity: d("40"),
        unit: "TNE".into(),
        required_by: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
        duty_rate: d("0"),
        live: true,
    };
    let supplier = Supplier {
        id: SupplierId::new(),
        name: "Korea Copper".into(),
        country: "KR".into(),
        business_number: Some("211-88-00082".into()),
        tax_id: None,
        default_currency: "KRW".into(),
        contact_email: "s@k.kr".into(),
        locale: "ko".into(),
        webhook_url: None,
        webhook_secret: vec![],
        created_by: None,
        created_at: t(0),
        updated_at: t(0),
    };
    let quote = Quote {
        id: QuoteId::new(),
        rfq_id,
        cooperative_id: coop_id,
        supplier_id: supplier.id,
        status: "submitted".into(),
        revision: 1,
        currency: "KRW".into(),
        incoterm: "DAP".into(),
        named_place: None,
        valid_until: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
        lead_time_days: 21,
        payment_terms: None,
        notes: None,
        digest: format!("sha256:{}", "ab".repeat(32)),
        submitted_at: t(5),
        withdrawn_at: None,
    };
    Process {
        prefix: "ocds-213czf".into(),
        cooperative: Cooperative {
            id: coop_id,
            name: "Coop".into(),
            business_number: "123-45-67891".into(),
            country: "KR".into(),
            base_currency: "KRW".into(),
            timezone: "Asia/Seoul".into(),
            created_at: t(0),
            updated_at: t(0),
        },
        rfq: Rfq {
            id: rfq_id,
            cooperative_id: coop_id,
            round_id: line.round_id,
            title: "Copper".into(),
            status: "published".into(),
            deadline: t(48),
            delivery_place: "Siheung".into(),
            currencies: vec![Some("KRW".into())],
            incoterms: vec![Some("DAP".into())],
            weight_price: d("1"),
            weight_lead_time: d("0"),
            published_at: Some(t(1)),
            cancelled_at: None,
            cancel_reason: None,
            created_by: UserId::new(),
            created_at: t(0),
        },
        items: vec![Item {
            line: line.clone(),
            code: "CU".into(),
            name: "Copper cathode".into(),
            name_ko: Some("전기동".into()),
            hs_code: Some("7403.11".into()),
        }],
        members: vec![Member {
            id: MemberId::new(),
            cooperative_id: coop_id,
            name: "Member".into(),
            business_number: "220-81-62517".into(),
            membership: "regular".into(),
            contact_email: "m@m.kr".into(),
            disabled: false,
            created_at: t(0),
            updated_at: t(0),
        }],
        events: vec![],
        bids: vec![Bid {
            lines: vec![QuoteLine {
                quote_id: quote.id,
                rfq_line_id: line.id,
                rfq_id,
                unit_price: d("123456789012345678.91"),
                freight_per_unit: d("0"),
                insurance_per_unit: d("0"),
                min_quantity: d("1"),
                max_quantity: Some(d("1")),
            }],
            breaks: vec![],
            supplier,
            quote,
        }],
        award: None,
        purchase_orders: vec![],
        now,
        audience: Audience::Members,
    }
}

#[test]
fn before_the_deadline_nothing_about_quotes_is_mapped_even_if_loaded() {
    let p = process(t(10));
    let rels = releases(&p);
    assert_eq!(rels.len(), 1);
    let text = to_json(&release_package("u", publisher(&p.cooperative), rels));
    for word in [
        "bids",
        "tenderer",
        "Korea Copper",
        "numberOfTenderers",
        "12345678901",
    ] {
        assert!(!text.contains(word), "{word}: {text}");
    }
    // The same export at another time before the deadline.
    assert_eq!(
        text,
        to_json(&release_package(
            "u",
            publisher(&p.cooperative),
            releases(&process_at(&p, t(47)))
        ))
    );
}

fn process_at(p: &Process, now: DateTime<Utc>) -> Process {
    Process { now, ..p.clone() }
}

#[test]
fn after_the_deadline_bids_carry_exact_amounts_and_digests() {
    let p = process(t(49));
    let rels = releases(&p);
    assert_eq!(rels.len(), 2);
    assert_eq!(rels[1]["id"], format!("{}-tender-closed", p.rfq.id));
    assert_eq!(rels[1]["date"], "2027-01-12T00:00:00Z");
    let text = to_json(&rels[1]);
    assert!(text.contains("\"amount\":123456789012345678.91,"), "{text}");
    assert!(text.contains(&"ab".repeat(32)));
    assert_eq!(rels[1]["tender"]["numberOfTenderers"], 1);
    assert_eq!(
        rels[0]["tender"]["items"][0]["classification"],
        json!({"scheme": "HS", "id": "740311"})
    );
    assert_eq!(rels[0]["parties"][1]["id"], "KR-BRN-2208162517");
}

#[test]
fn the_public_export_withholds_prices_of_offers_not_awarded() {
    let mut p = process(t(49));
    p.audience = Audience::Public {
        withhold_losing_prices: true,
    };
    let rels = releases(&p);
    let bid = &rels[1]["bids"]["details"][0];
    assert!(bid.get("value").is_none());
    assert!(bid["identifiers"][0]["id"].is_string());
    assert_eq!(
        rels[1]["withheldInformation"][0]["field"],
        "bids/details/value"
    );
    p.audience = Audience::Public {
        withhold_losing_prices: false,
    };
    assert!(releases(&p)[1]["bids"]["details"][0]["value"].is_object());
}

#[test]
fn exact_numbers_are_written_as_json_numbers() {
    let v = json!({"a": num(d("0.10")), "b": [num(d("-12.5"))], "c": "text"});
    assert_eq!(to_json(&v), r#"{"a":0.1,"b":[-12.5],"c":"text"}"#);
}
