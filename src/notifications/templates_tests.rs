//! Every email template rendered in both locales from realistic payloads, checked to be in
//! its recipient's language only ([`crate::i18n::lint`]) and to carry its data formatted
//! for the locale; payloads queued by earlier versions.

use std::collections::BTreeSet;
use std::str::FromStr;

use serde_json::json;

use super::*;
use crate::i18n::lint::foreign_words;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn seoul(s: &str) -> ZonedTime {
    ZonedTime::new(at(s), "Asia/Seoul")
}

/// A material with a Korean name in the catalog.
fn copper() -> MaterialRef {
    MaterialRef {
        code: "CU-CATH".into(),
        name: "Copper cathode".into(),
        name_ko: Some("전기동".into()),
    }
}

/// A material known by its English name only.
fn resin() -> MaterialRef {
    MaterialRef {
        code: "RS-PA66".into(),
        name: "Resin PA66 GF30".into(),
        name_ko: None,
    }
}

const COOP: &str = "경기다이캐스팅협동조합 (Gyeonggi Die-Casting Cooperative)";

fn password_changed() -> PasswordChanged {
    PasswordChanged {
        name: "김 <Kim>".into(),
        email: "kim@coop.kr".into(),
        changed_at: seoul("2026-11-29T04:12:00Z"),
        other_sessions_revoked: 2,
    }
}

fn rfq_notice(name: &str) -> RfqNotice {
    RfqNotice {
        name: name.into(),
        cooperative: COOP.into(),
        rfq_title: "2027 Q1 비철금속·수지 견적 요청 (non-ferrous metals and resin)".into(),
        deadline: seoul("2031-03-14T06:00:00Z"),
        delivery_place: "경기도 안산시 단원구 반월공단 조합 공동창고".into(),
        lines: vec![
            RfqItem {
                material: copper(),
                quantity: d("52"),
                unit: "TNE".into(),
                required_by: NaiveDate::from_ymd_opt(2031, 5, 30).unwrap(),
            },
            RfqItem {
                material: resin(),
                quantity: d("10400.5"),
                unit: "KGM".into(),
                required_by: NaiveDate::from_ymd_opt(2031, 6, 6).unwrap(),
            },
        ],
        currencies: vec!["KRW".into(), "USD".into(), "CNY".into()],
        incoterms: vec!["DAP".into(), "CIF".into(), "FOB".into()],
        link: "https://coprocure.example/rfqs/0190f3c2-7e1a-7c1e-8a7e-1b2c3d4e5f60".into(),
    }
}

fn round_notice() -> RoundNotice {
    RoundNotice {
        name: "Lee Member".into(),
        cooperative: COOP.into(),
        round_title: "2027년 1분기 원부자재 공동구매".into(),
        closes_at: seoul("2026-12-04T06:00:00Z"),
        materials: vec![
            RoundMaterial {
                material: copper(),
                unit: "TNE".into(),
            },
            RoundMaterial {
                material: resin(),
                unit: "KGM".into(),
            },
        ],
        link: "https://coprocure.example/rounds/0190f3c2-7e1a-7c1e-8a7e-1b2c3d4e5f61".into(),
    }
}

fn po_issued() -> PoIssued {
    PoIssued {
        name: "Sales Pacific Metals Inc.".into(),
        cooperative: COOP.into(),
        rfq_title: "2027 Q1 non-ferrous metals".into(),
        number: "PO-2027-0002".into(),
        currency: "USD".into(),
        total: d("45550"),
        incoterm: "CIF".into(),
        named_place: Some("Busan port".into()),
        delivery_place: "Ansan plant, Gyeonggi".into(),
        lines: vec![
            PoItem {
                material: copper(),
                quantity: d("20"),
                unit: "TNE".into(),
                unit_price: d("2000"),
                freight_insurance: d("65"),
                amount: d("41300"),
                required_by: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
            },
            PoItem {
                material: resin(),
                quantity: d("1000"),
                unit: "KGM".into(),
                unit_price: d("4.25"),
                freight_insurance: d("0"),
                amount: d("4250"),
                required_by: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
            },
        ],
        link: "https://coprocure.example/purchase-orders/0190f3c2-7e1a-7c1e-8a7e-1b2c3d4e5f62"
            .into(),
    }
}

fn award_regret() -> AwardRegret {
    AwardRegret {
        name: "부산수지 영업팀".into(),
        cooperative: COOP.into(),
        rfq_title: "2027 Q1 non-ferrous metals".into(),
        base_currency: "KRW".into(),
        lines: vec![
            OwnOffer {
                material: resin(),
                unit: "KGM".into(),
                rank: Some(2),
                ranked: 3,
                landed_unit_cost: Some(d("2400")),
                flags: vec![],
            },
            OwnOffer {
                material: copper(),
                unit: "TNE".into(),
                rank: None,
                ranked: 2,
                landed_unit_cost: None,
                flags: vec!["min_above_quantity".into(), "expired".into()],
            },
        ],
        link: "https://coprocure.example/rfqs/0190f3c2-7e1a-7c1e-8a7e-1b2c3d4e5f60".into(),
    }
}

fn member_allocation() -> MemberAllocationNotice {
    MemberAllocationNotice {
        name: "이회원".into(),
        cooperative: COOP.into(),
        rfq_title: "2027 Q1 non-ferrous metals".into(),
        member: "한일금속".into(),
        base_currency: "KRW".into(),
        total: d("1337382934"),
        lines: vec![MemberShare {
            material: copper(),
            quantity: d("14.5"),
            unit: "TNE".into(),
            cost_share: d("1337382934"),
            orders: vec![
                OrderRef {
                    number: "PO-2027-0001".into(),
                    supplier: "풍산메탈 (Poongsan Metal)".into(),
                },
                OrderRef {
                    number: "PO-2027-0002".into(),
                    supplier: "Pacific Metals Inc.".into(),
                },
            ],
        }],
        link: "https://coprocure.example/purchase-orders".into(),
    }
}

fn award_summary() -> AwardSummary {
    AwardSummary {
        name: "김구매".into(),
        cooperative: COOP.into(),
        rfq_title: "2027 Q1 non-ferrous metals".into(),
        base_currency: "KRW".into(),
        total_landed: d("157741771.4"),
        rationale: Some("Dual sourcing: keep a domestic supplier".into()),
        orders: vec![
            OrderSummary {
                number: "PO-2027-0001".into(),
                supplier: "풍산메탈 (Poongsan Metal)".into(),
                currency: "KRW".into(),
                total: d("150185836"),
                total_base: d("150185836"),
            },
            OrderSummary {
                number: "PO-2027-0003".into(),
                supplier: "Shanghai Polymer Co.".into(),
                currency: "CNY".into(),
                total: d("38675"),
                total_base: d("7555935"),
            },
        ],
        link: "https://coprocure.example/rfqs/0190f3c2-7e1a-7c1e-8a7e-1b2c3d4e5f60".into(),
    }
}

/// One realistic payload of every email kind, as stored in the outbox.
fn samples() -> Vec<(&'static str, Value)> {
    let v = |x: serde_json::Result<Value>| x.unwrap();
    vec![
        (
            PasswordChanged::NAME,
            v(serde_json::to_value(password_changed())),
        ),
        (
            Invitation::NAME,
            v(serde_json::to_value(Invitation {
                name: "Jane Doe".into(),
                email: "jane@pacificmetals.us".into(),
                organisation: COOP.into(),
                role: Role::Supplier,
                inviter: "김구매".into(),
                link: "https://coprocure.example/invite/AbC123".into(),
                expires_at: seoul("2026-12-06T04:12:00Z"),
            })),
        ),
        (
            PasswordReset::NAME,
            v(serde_json::to_value(PasswordReset {
                name: "김회원".into(),
                email: "kim@member.kr".into(),
                link: "https://coprocure.example/reset-password/XyZ789".into(),
                expires_at: seoul("2026-11-29T04:42:00Z"),
            })),
        ),
        (
            RoundOpened::NAME,
            v(serde_json::to_value(RoundOpened {
                notice: round_notice(),
            })),
        ),
        (
            RoundReminder::NAME,
            v(serde_json::to_value(RoundReminder {
                notice: round_notice(),
            })),
        ),
        (
            RfqInvitation::NAME,
            v(serde_json::to_value(RfqInvitation {
                notice: rfq_notice("Sales Pacific Metals Inc."),
                claim_link: None,
            })),
        ),
        (
            RfqInvitation::NAME,
            v(serde_json::to_value(RfqInvitation {
                notice: rfq_notice("sales@pacificmetals.vn"),
                claim_link: Some("https://coprocure.test/claim/abc123".into()),
            })),
        ),
        (
            RfqCancelled::NAME,
            v(serde_json::to_value(RfqCancelled {
                notice: rfq_notice("풍산메탈 영업팀"),
                reason: "예산 동결 (budget frozen)".into(),
            })),
        ),
        (
            RfqExtended::NAME,
            v(serde_json::to_value(RfqExtended {
                notice: rfq_notice("Osaka Shoji K.K."),
                previous_deadline: seoul("2031-03-07T06:00:00Z"),
            })),
        ),
        (PoIssued::NAME, v(serde_json::to_value(po_issued()))),
        (AwardRegret::NAME, v(serde_json::to_value(award_regret()))),
        (
            MemberAllocationNotice::NAME,
            v(serde_json::to_value(member_allocation())),
        ),
        (AwardSummary::NAME, v(serde_json::to_value(award_summary()))),
    ]
}

#[test]
fn every_template_speaks_only_its_recipients_language() {
    let samples = samples();
    let names: BTreeSet<&str> = samples.iter().map(|(n, _)| *n).collect();
    assert_eq!(names.len(), KINDS.len(), "one sample per kind");
    assert!(KINDS.iter().all(|k| names.contains(k)), "{names:?}");
    let mut problems = Vec::new();
    for (name, payload) in &samples {
        for locale in [Locale::Ko, Locale::En] {
            let r = render(name, locale, payload).unwrap();
            assert!(!r.subject.contains('\n'), "{name}: {}", r.subject);
            assert!(
                r.html
                    .contains(&format!("<html lang=\"{}\">", locale.as_str())),
                "{name}"
            );
            for (part, body, html) in [
                ("subject", &r.subject, false),
                ("text", &r.text, false),
                ("html", &r.html, true),
            ] {
                for w in foreign_words(locale, body, html, payload) {
                    problems.push(format!("{name} ({}) {part}: {w}", locale.as_str()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn money_numbers_dates_and_names_follow_the_locale() {
    let ko = member_allocation().render(Locale::Ko).unwrap();
    let en = member_allocation().render(Locale::En).unwrap();
    assert!(
        ko.text.contains("전기동 (CU-CATH): 14.5 TNE"),
        "{}",
        ko.text
    );
    assert!(
        ko.text.contains("분담 금액 합계: 1,337,382,934원"),
        "{}",
        ko.text
    );
    assert!(
        en.text
            .contains("Copper cathode (CU-CATH): 14.5 TNE, cost share KRW 1,337,382,934"),
        "{}",
        en.text
    );
    assert!(
        en.text.contains(
            "PO-2027-0001 (풍산메탈 (Poongsan Metal)), PO-2027-0002 (Pacific Metals Inc.)"
        ),
        "{}",
        en.text
    );

    let ko = po_issued().render(Locale::Ko).unwrap();
    let en = po_issued().render(Locale::En).unwrap();
    assert!(
        ko.text.contains(
            "전기동 (CU-CATH): 20 TNE × (USD 2,000 + 운임·보험료 USD 65) = USD 41,300.00, 납기 2027. 3. 31. (수)"
        ),
        "{}",
        ko.text
    );
    assert!(
        en.text.contains(
            "Copper cathode (CU-CATH): 20 TNE × (USD 2,000 + freight and insurance USD 65) = USD 41,300.00, required by Wed 31 Mar 2027"
        ),
        "{}",
        en.text
    );
    // Without freight, no parenthesis; a material without a Korean name keeps its own.
    assert!(
        ko.text
            .contains("Resin PA66 GF30 (RS-PA66): 1,000 KGM × USD 4.25 = USD 4,250.00"),
        "{}",
        ko.text
    );
    assert!(en.text.contains("Terms: CIF Busan port"), "{}", en.text);

    let ko = award_regret().render(Locale::Ko).unwrap();
    let en = award_regret().render(Locale::En).unwrap();
    assert!(
        ko.text
            .contains("귀사 견적은 3건 중 2위, 귀사의 단위당 도착원가는 2,400원(KGM당)입니다."),
        "{}",
        ko.text
    );
    assert!(
        ko.text
            .contains("(최소 수량이 요청 수량보다 많음, 견적 유효기간 경과)"),
        "{}",
        ko.text
    );
    assert!(
        en.text
            .contains("your offer ranked 2 of 3; your landed cost KRW 2,400 per KGM."),
        "{}",
        en.text
    );

    let ko = award_summary().render(Locale::Ko).unwrap();
    assert!(
        ko.text.contains("총 도착원가: 157,741,771원"),
        "{}",
        ko.text
    );
    assert!(
        ko.text
            .contains("PO-2027-0003 · Shanghai Polymer Co.: CNY 38,675.00 (7,555,935원)"),
        "{}",
        ko.text
    );
    assert!(
        ko.text
            .contains("PO-2027-0001 · 풍산메탈 (Poongsan Metal): 150,185,836원\n"),
        "the base currency is not repeated: {}",
        ko.text
    );
}

#[test]
fn times_are_in_the_payloads_zone_labelled_with_utc_beside() {
    let invitation = |zone: &str| RfqInvitation {
        notice: RfqNotice {
            deadline: ZonedTime::new(at("2031-03-14T06:00:00Z"), zone),
            ..rfq_notice("Kim")
        },
        claim_link: None,
    };
    let ko = invitation("Asia/Seoul").render(Locale::Ko).unwrap();
    assert!(
        ko.text
            .contains("견적 마감: 2031. 3. 14. (금) 15:00 KST (2031-03-14 06:00 UTC)"),
        "{}",
        ko.text
    );
    assert!(
        ko.subject.ends_with("(2031. 3. 14. (금) 15:00 KST 마감)"),
        "{}",
        ko.subject
    );
    let en = invitation("Asia/Seoul").render(Locale::En).unwrap();
    assert!(
        en.text
            .contains("Quote deadline: Fri 14 Mar 2031, 15:00 KST (2031-03-14 06:00 UTC)"),
        "{}",
        en.text
    );
    assert!(
        en.text.contains("required by Fri 30 May 2031"),
        "{}",
        en.text
    );
    // A cooperative in another zone: its own time first; UTC alone once.
    let en = invitation("Asia/Tokyo").render(Locale::En).unwrap();
    assert!(en
        .text
        .contains("Fri 14 Mar 2031, 15:00 JST (2031-03-14 06:00 UTC)"));
    let en = invitation("UTC").render(Locale::En).unwrap();
    assert!(
        en.text
            .contains("Quote deadline: Fri 14 Mar 2031, 06:00 UTC\n"),
        "{}",
        en.text
    );
}

#[test]
fn renders_in_both_locales_with_escaping_only_in_html() {
    let ko = password_changed().render(Locale::Ko).unwrap();
    let en = password_changed().render(Locale::En).unwrap();
    assert!(ko.subject.contains("비밀번호"), "{}", ko.subject);
    assert!(
        en.subject.to_lowercase().contains("password"),
        "{}",
        en.subject
    );
    assert!(
        ko.text
            .contains("2026. 11. 29. (일) 13:12 KST (2026-11-29 04:12 UTC)"),
        "{}",
        ko.text
    );
    assert!(
        en.text
            .contains("Sun 29 Nov 2026, 13:12 KST (2026-11-29 04:12 UTC)"),
        "{}",
        en.text
    );
    assert!(en
        .text
        .contains("2 other signed-in sessions were signed out."));
    let one = PasswordChanged {
        other_sessions_revoked: 1,
        ..password_changed()
    };
    assert!(one
        .render(Locale::En)
        .unwrap()
        .text
        .contains("One other signed-in session was signed out."));
    assert!(
        ko.text.contains("김 <Kim>"),
        "text part is not HTML-escaped"
    );
    assert!(
        ko.html.contains("김 &#60;Kim&#62;") || ko.html.contains("김 &lt;Kim&gt;"),
        "{}",
        ko.html
    );
}

#[test]
fn stored_payloads_render_and_bad_ones_fail_permanently() {
    let payload = serde_json::to_value(password_changed()).unwrap();
    assert_eq!(
        render("password_changed", Locale::En, &payload).unwrap(),
        password_changed().render(Locale::En).unwrap()
    );
    assert!(matches!(
        render("nope", Locale::En, &payload),
        Err(RenderError::UnknownTemplate(_))
    ));
    assert!(matches!(
        render("password_changed", Locale::En, &json!({})),
        Err(RenderError::BadPayload(..))
    ));
    // The notices keep their flat shape: the shared notice and the kind's own fields.
    let stored = serde_json::to_value(RfqCancelled {
        notice: rfq_notice("Kim"),
        reason: "Budget frozen".into(),
    })
    .unwrap();
    assert_eq!(stored["reason"], "Budget frozen");
    assert_eq!(stored["rfq_title"], rfq_notice("Kim").rfq_title);
    assert_eq!(stored["lines"][1]["quantity"], "10400.5");
}

#[test]
fn account_emails_queued_by_the_previous_version_still_render() {
    // Exactly what the previous version stored.
    let old = json!({
        "name": "김회원",
        "email": "kim@member.kr",
        "link": "https://coprocure.example/reset-password/XyZ789",
        "expires_at_utc": "2026-11-29 04:42 UTC",
        "expires_at_kst": "2026-11-29 13:42 KST",
    });
    let r = render("password_reset", Locale::Ko, &old).unwrap();
    assert!(r
        .text
        .contains("https://coprocure.example/reset-password/XyZ789"));
    assert!(
        r.text
            .contains("2026. 11. 29. (일) 13:42 KST (2026-11-29 04:42 UTC)"),
        "{}",
        r.text
    );
    assert!(foreign_words(Locale::Ko, &r.text, false, &old).is_empty());
    let old = json!({
        "name": "Jane", "email": "jane@x.us", "organisation": "Pacific Metals Inc.",
        "role": "supplier", "inviter": "Kim", "link": "https://coprocure.example/invite/a",
        "expires_at_utc": "2026-12-06 04:12 UTC", "expires_at_kst": "2026-12-06 13:12 KST",
    });
    let r = render("invitation", Locale::En, &old).unwrap();
    assert!(r.text.contains("role: Supplier"), "{}", r.text);
    assert!(r.text.contains("Sun 6 Dec 2026, 13:12 KST"), "{}", r.text);
    let old = json!({
        "name": "Kim", "email": "kim@coop.kr", "other_sessions_revoked": 0,
        "changed_at_utc": "2026-11-29 04:12 UTC", "changed_at_kst": "2026-11-29 13:12 KST",
    });
    assert!(render("password_changed", Locale::En, &old).is_ok());
}

#[test]
fn notices_queued_by_the_previous_version_fail_with_a_clear_error() {
    // The previous award regret: English sentences in `lines`.
    let old = json!({
        "name": "부산수지", "cooperative": "경기조합", "rfq_title": "Q1",
        "reference": null, "total": null, "terms": null, "note": null,
        "lines": ["Resin PA66 (PA66): your offer ranked 2 of 2; your landed cost 2,400 KRW per KGM"],
        "link": "https://coprocure.example/rfqs/1",
    });
    let e = render("award_regret", Locale::Ko, &old).unwrap_err();
    assert!(matches!(e, RenderError::BadPayload("award_regret", _)));
    assert!(
        e.to_string()
            .starts_with("payload does not fit template `award_regret` (queued by an earlier version of coprocure?)"),
        "{e}"
    );
}
