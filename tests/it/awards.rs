//! Awards, purchase orders and member allocations: the whole flow end to end through HTTP
//! with every email read back from the SMTP listener; validation of awards; purchase-order
//! access per role; and the races (one award per RFQ; PO numbers gap-free under
//! concurrent awards of one cooperative).

use std::collections::BTreeMap;

use chrono::Datelike;
use coprocure::clock::Clock;
use serde_json::{json, Value};

use crate::helpers::language::assert_in_own_language;
use crate::helpers::smtp::{Received, SmtpSink};
use crate::helpers::world::{World, BIZ};
use crate::helpers::{created, token, TestApp, PASSWORD};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn kind(m: &Received) -> String {
    m.header("Subject").unwrap()
}

#[tokio::test]
async fn end_to_end_from_demand_to_member_allocations_and_every_email() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    app.create_admin("platform@coprocure.kr", PASSWORD).await;
    let root = token(&app, "platform@coprocure.kr").await;

    // The cooperative, its buyer, three members (two with a user), two materials.
    let coop = id(&created(
        &app,
        "/api/v1/cooperatives",
        &root,
        json!({"name": "Gyeonggi Die-Casting Cooperative", "business_number": BIZ[0]}),
    )
    .await);
    created(&app, &format!("/api/v1/cooperatives/{coop}/users"), &root, json!({"email": "buyer@gdcc.kr", "name": "김구매", "role": "coop_admin", "password": PASSWORD, "locale": "ko"})).await;
    let admin = token(&app, "buyer@gdcc.kr").await;
    let mut members = Vec::new();
    for (i, (name, contact)) in [
        ("Daehan Casting", "ap@daehan.kr"),
        ("Hanil Precision", "ap@hanil.kr"),
        ("Seoul Alloy", "ap@seoulalloy.kr"),
    ]
    .iter()
    .enumerate()
    {
        let m = id(&created(&app, &format!("/api/v1/cooperatives/{coop}/members"), &admin, json!({"name": name, "business_number": BIZ[1 + i], "membership": "regular", "contact_email": contact})).await);
        members.push(m);
    }
    created(&app, &format!("/api/v1/cooperatives/{coop}/users"), &admin, json!({"email": "kim@daehan.kr", "name": "Kim", "role": "member", "member_id": members[0], "password": PASSWORD, "locale": "ko"})).await;
    created(&app, &format!("/api/v1/cooperatives/{coop}/users"), &admin, json!({"email": "lee@hanil.kr", "name": "Lee", "role": "member", "member_id": members[1], "password": PASSWORD, "locale": "en"})).await;
    let alu = id(&created(&app, &format!("/api/v1/cooperatives/{coop}/materials"), &admin, json!({"code": "ADC12", "name": "Aluminium ingot ADC12", "name_ko": "알루미늄 합금 ADC12", "kind": "raw", "unit": "TNE"})).await);
    let resin = id(&created(
        &app,
        &format!("/api/v1/cooperatives/{coop}/materials"),
        &admin,
        json!({"code": "PA66", "name": "Resin PA66", "kind": "subsidiary", "unit": "KGM"}),
    )
    .await);

    // Suppliers: two domestic in KRW, one US in USD (CIF), one Chinese in CNY (FOB).
    let mut sup = BTreeMap::new();
    for (key, body, user, locale) in [
        (
            "d1",
            json!({"name": "Korea Alloy", "country": "KR", "business_number": BIZ[4], "default_currency": "KRW", "contact_email": "sales@koreaalloy.kr"}),
            "rep@koreaalloy.kr",
            "ko",
        ),
        (
            "d2",
            json!({"name": "Busan Resin", "country": "KR", "business_number": BIZ[5], "default_currency": "KRW", "contact_email": "sales@busanresin.kr"}),
            "rep@busanresin.kr",
            "ko",
        ),
        (
            "o1",
            json!({"name": "Pacific Metals Inc.", "country": "US", "tax_id": "US123456789", "default_currency": "USD", "contact_email": "sales@pacificmetals.us"}),
            "rep@pacificmetals.us",
            "en",
        ),
        (
            "o2",
            json!({"name": "Shanghai Polymer Co.", "country": "CN", "tax_id": "91310000MA1FL0001X", "default_currency": "CNY", "contact_email": "sales@shpolymer.cn"}),
            "rep@shpolymer.cn",
            "en",
        ),
    ] {
        let s = id(&created(&app, "/api/v1/suppliers", &admin, body).await);
        created(&app, &format!("/api/v1/suppliers/{s}/users"), &root, json!({"email": user, "name": format!("Rep {key}"), "password": PASSWORD, "locale": locale})).await;
        sup.insert(key, (s, token(&app, user).await));
    }

    // A round with demand in mixed units: ADC12 30 t + 14,500 kg + 5.5 t = 50 t;
    // PA66 2 t + 1,000 kg + 500 kg = 3,500 kg.
    let round = id(&created(&app, &format!("/api/v1/cooperatives/{coop}/rounds"), &admin, json!({"title": "2027 Q1 joint purchase", "closes_at": (app.clock.now() + chrono::Duration::days(7)).to_rfc3339()})).await);
    assert_eq!(
        app.post(
            &format!("/api/v1/rounds/{round}/open"),
            Some(&admin),
            &json!({})
        )
        .await
        .status,
        200
    );
    for (m, mat, q, unit) in [
        (0, &alu, "30", "TNE"),
        (1, &alu, "14500", "KGM"),
        (2, &alu, "5.5", "TNE"),
        (0, &resin, "2", "TNE"),
        (1, &resin, "1000", "KGM"),
        (2, &resin, "500", "KGM"),
    ] {
        created(&app, &format!("/api/v1/rounds/{round}/demand"), &admin, json!({"member_id": members[m], "material_id": mat, "quantity": q, "unit": unit, "required_by": "2027-03-31", "delivery_site": "Ansan"})).await;
    }
    assert_eq!(
        app.post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&admin),
            &json!({})
        )
        .await
        .status,
        200
    );

    // The RFQ.
    let deadline = app.clock.now() + chrono::Duration::days(3);
    let rfq = created(&app, &format!("/api/v1/rounds/{round}/rfqs"), &admin, json!({
        "title": "ADC12 and PA66, 2027 Q1", "deadline": deadline.to_rfc3339(),
        "supplier_ids": sup.values().map(|(s, _)| s).collect::<Vec<_>>(), "delivery_place": "Ansan plant, Gyeonggi",
        "duty_rates": {(alu.clone()): "3", (resin.clone()): "6.5"}, "logistics_adders": {"FOB": "40", "CIF": "5"}})).await;
    let rfq_id = id(&rfq);
    let line = |code: &str| {
        rfq["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["material_code"] == code)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (alu_line, resin_line) = (line("ADC12"), line("PA66"));
    assert_eq!(
        rfq["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["quantity"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["50", "3500"]
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/rfqs/{rfq_id}/publish"),
            Some(&admin),
            &json!({})
        )
        .await
        .status,
        200
    );

    let quote = |line: &str,
                 currency: &str,
                 incoterm: &str,
                 price: &str,
                 breaks: Value,
                 min: &str,
                 max: Value,
                 freight: &str,
                 insurance: &str| {
        json!({
        "currency": currency, "incoterm": incoterm, "named_place": "Busan port", "valid_until": "2027-06-30", "lead_time_days": 30,
        "lines": [{"rfq_line_id": line, "unit_price": price, "price_breaks": breaks, "min_quantity": min, "max_quantity": max, "freight_per_unit": freight, "insurance_per_unit": insurance}]})
    };
    let quotes = format!("/api/v1/rfqs/{rfq_id}/quotes");
    let q_d1 = id(&created(
        &app,
        &quotes,
        &sup["d1"].1,
        quote(
            &alu_line,
            "KRW",
            "DAP",
            "3100000",
            json!([{"min_quantity": "30", "unit_price": "3000000"}]),
            "0",
            json!("30"),
            "0",
            "0",
        ),
    )
    .await);
    let q_o1 = id(&created(
        &app,
        &quotes,
        &sup["o1"].1,
        quote(
            &alu_line,
            "USD",
            "CIF",
            "2000",
            json!([{"min_quantity": "40", "unit_price": "1950"}]),
            "10",
            json!(null),
            "60",
            "5",
        ),
    )
    .await);
    let q_d2 = id(&created(
        &app,
        &quotes,
        &sup["d2"].1,
        quote(
            &resin_line,
            "KRW",
            "DAP",
            "2400",
            json!([]),
            "0",
            json!(null),
            "0",
            "0",
        ),
    )
    .await);
    let q_o2 = id(&created(
        &app,
        &quotes,
        &sup["o2"].1,
        quote(
            &resin_line,
            "CNY",
            "FOB",
            "10.5",
            json!([{"min_quantity": "3000", "unit_price": "10.25"}]),
            "1000",
            json!(null),
            "0.8",
            "0",
        ),
    )
    .await);

    // Before the deadline: no award.
    let award_path = format!("/api/v1/rfqs/{rfq_id}/award");
    app.post(&award_path, Some(&admin), &json!({"lines": []}))
        .await
        .assert_problem(409, "sealed");

    app.clock.advance(chrono::Duration::days(4));
    let admin = token(&app, "buyer@gdcc.kr").await;
    let fx_date = deadline.with_timezone(&chrono_tz::Asia::Seoul).date_naive();
    for (cur, rate) in [("USD", "1400"), ("CNY", "195.37")] {
        created(
            &app,
            "/api/v1/fx-rates",
            &admin,
            json!({"date": fx_date, "base": "KRW", "currency": cur, "rate": rate}),
        )
        .await;
    }
    let c = app
        .get(&format!("/api/v1/rfqs/{rfq_id}/comparison"), Some(&admin))
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    // ADC12: 50 t from Pacific at the 40 t tier is the optimum (145,281,750 KRW).
    let s_alu = &c.json["lines"][0]["suggestion"];
    assert_eq!(
        s_alu["allocations"],
        json!([{"quote_id": q_o1, "quantity": "50", "landed_total_base": "145281750"}])
    );
    // PA66: 3,500 kg from Shanghai: 38,675 CNY × 195.37 = 7,555,934.75 + 6.5 % duty
    // 491,135.76 + FOB adder 140,000 = 8,187,070.51.
    assert_eq!(c.json["lines"][1]["offers"][1]["quote_id"], q_d2.as_str());
    assert_eq!(c.json["lines"][1]["offers"][1]["rank"], 2);
    let s_resin = &c.json["lines"][1]["suggestion"];
    assert_eq!(
        s_resin["allocations"],
        json!([{"quote_id": q_o2, "quantity": "3500", "landed_total_base": "8187071"}])
    );

    // A split of ADC12 (dual sourcing) costs 4,272,950 KRW more than the optimum: it needs
    // a rationale. Other mistakes are refused field by field.
    let split = |rationale: Value| {
        json!({"lines": [
        {"rfq_line_id": alu_line, "allocations": [{"quote_id": q_d1, "quantity": "30"}, {"quote_id": q_o1, "quantity": "20"}]},
        {"rfq_line_id": resin_line, "allocations": [{"quote_id": q_o2, "quantity": "3500"}]}], "rationale": rationale})
    };
    app.post(&award_path, Some(&admin), &split(json!(null)))
        .await
        .assert_problem(422, "rationale_required");
    let bad = app.post(&award_path, Some(&admin), &json!({"lines": [
        {"rfq_line_id": alu_line, "allocations": [{"quote_id": q_d1, "quantity": "31"}, {"quote_id": q_o1, "quantity": "5"}]}]})).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let codes: Vec<&str> = bad.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "outside_offer_range",
            "outside_offer_range",
            "not_line_quantity",
            "lines_missing"
        ]
    );

    app.run_jobs_until_idle().await;
    let before = sink.messages().len();
    let awarded = app
        .post(
            &award_path,
            Some(&admin),
            &split(json!(
                "Dual sourcing: keep a domestic supplier for 60 % of ADC12"
            )),
        )
        .await;
    assert_eq!(awarded.status, 201, "{}", awarded.text);
    let a = &awarded.json;
    assert_eq!(a["status"], "awarded");
    assert_eq!(a["total_base"], "157741771");
    assert_eq!(a["optimum_base"], "153468821");
    let year = app
        .clock
        .now()
        .with_timezone(&chrono_tz::Asia::Seoul)
        .year();
    let pos = a["purchase_orders"].as_array().unwrap();
    let summary: Vec<(String, String, String, String)> = pos
        .iter()
        .map(|p| {
            (
                p["number"].as_str().unwrap().to_owned(),
                p["currency"].as_str().unwrap().to_owned(),
                p["total"].as_str().unwrap().to_owned(),
                p["total_base"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                format!("PO-{year}-0001"),
                "KRW".into(),
                "90000000".into(),
                "90000000".into()
            ),
            (
                format!("PO-{year}-0002"),
                "USD".into(),
                "41300".into(),
                "57820000".into()
            ),
            (
                format!("PO-{year}-0003"),
                "CNY".into(),
                "38675".into(),
                "7555935".into()
            ),
        ]
    );
    app.post(&award_path, Some(&admin), &split(json!("again")))
        .await
        .assert_problem(409, "already_awarded");
    let rfq_now = app
        .get(&format!("/api/v1/rfqs/{rfq_id}"), Some(&admin))
        .await;
    assert_eq!(rfq_now.json["status"], "awarded");

    // The POs as the cooperative sees them: lines priced at the awarded tier, converted at
    // the locked rate, split across the members by largest remainder.
    let po3 = app
        .get(
            &format!("/api/v1/purchase-orders/{}", pos[2]["id"].as_str().unwrap()),
            Some(&admin),
        )
        .await
        .json;
    assert_eq!(po3["supplier_name"], "Shanghai Polymer Co.");
    assert_eq!(
        (
            po3["incoterm"].as_str(),
            po3["fx_rate"].as_str(),
            po3["fx_date"].as_str()
        ),
        (
            Some("FOB"),
            Some("195.37"),
            Some(fx_date.to_string().as_str())
        )
    );
    assert_eq!(po3["lines"][0]["unit_price"], "10.25");
    assert_eq!(po3["lines"][0]["amount"], "38675");
    assert_eq!(po3["lines"][0]["amount_base"], "7555935");
    let alloc = |po: &Value| -> Vec<(String, String, String)> {
        po["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["member_name"].as_str().unwrap().to_owned(),
                    x["quantity"].as_str().unwrap().to_owned(),
                    x["amount_base"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let mut got = alloc(&po3);
    got.sort();
    // 7,555,935 × 4/7, 2/7, 1/7 = 4,317,677.14 / 2,158,838.57 / 1,079,419.29: the spare won
    // goes to the largest remainder (Hanil).
    assert_eq!(
        got,
        [
            ("Daehan Casting".into(), "2000".into(), "4317677".into()),
            ("Hanil Precision".into(), "1000".into(), "2158839".into()),
            ("Seoul Alloy".into(), "500".into(), "1079419".into()),
        ]
    );
    let po2 = app
        .get(
            &format!("/api/v1/purchase-orders/{}", pos[1]["id"].as_str().unwrap()),
            Some(&admin),
        )
        .await
        .json;
    let mut got = alloc(&po2);
    got.sort();
    assert_eq!(
        got,
        [
            ("Daehan Casting".into(), "12".into(), "34692000".into()),
            ("Hanil Precision".into(), "5.8".into(), "16767800".into()),
            ("Seoul Alloy".into(), "2.2".into(), "6360200".into()),
        ]
    );
    // Accounting CSV.
    let csv = app
        .get(
            &format!(
                "/api/v1/purchase-orders/{}?format=csv",
                pos[2]["id"].as_str().unwrap()
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.text.trim_end().split("\r\n").count(), 4);
    assert!(
        csv.text.contains(&format!(
            "PO-{year}-0003,Shanghai Polymer Co.,CNY,FOB,195.37"
        )),
        "{}",
        csv.text
    );

    // A member sees the POs that allocate to it, with only its own allocations.
    let lee = token(&app, "lee@hanil.kr").await;
    let mine = app.get("/api/v1/purchase-orders", Some(&lee)).await.json;
    assert_eq!(mine["items"].as_array().unwrap().len(), 3);
    for po in mine["items"].as_array().unwrap() {
        assert!(po["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["member_name"] == "Hanil Precision"));
    }
    // A supplier sees and acknowledges only its own.
    let o1 = token(&app, "rep@pacificmetals.us").await;
    let theirs = app.get("/api/v1/purchase-orders", Some(&o1)).await.json;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    let d1 = token(&app, "rep@koreaalloy.kr").await;
    let po2_id = pos[1]["id"].as_str().unwrap();
    app.get(&format!("/api/v1/purchase-orders/{po2_id}"), Some(&d1))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/purchase-orders/{po2_id}/acknowledge"),
        Some(&d1),
        &json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/purchase-orders/{po2_id}/acknowledge"),
        Some(&admin),
        &json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    let ack = app
        .post(
            &format!("/api/v1/purchase-orders/{po2_id}/acknowledge"),
            Some(&o1),
            &json!({}),
        )
        .await;
    assert_eq!(ack.status, 200, "{}", ack.text);
    assert_eq!(ack.json["status"], "acknowledged");
    app.post(
        &format!("/api/v1/purchase-orders/{po2_id}/acknowledge"),
        Some(&o1),
        &json!({}),
    )
    .await
    .assert_problem(409, "invalid_transition");

    // Every email, read back from the SMTP listener.
    app.run_jobs_until_idle().await;
    let award_mail = |sink: &SmtpSink| -> Vec<Received> {
        sink.messages()[before..]
            .iter()
            .filter(|m| {
                let s = kind(m);
                [
                    "발주서",
                    "purchase order",
                    "견적 결과",
                    "Result of your quote",
                    "배정 내역",
                    "allocation",
                    "낙찰 결정",
                    "Award decided",
                ]
                .iter()
                .any(|k| s.contains(k))
            })
            .cloned()
            .collect()
    };
    let mails = award_mail(&sink);
    // Every award email in its recipient's language only (both locales occur).
    let (ko, en) = assert_in_own_language(&app, &mails).await;
    assert!(ko > 0 && en > 0, "ko {ko}, en {en}");
    assert_eq!(
        mails.len(),
        14,
        "{:?}",
        mails
            .iter()
            .map(|m| (m.rcpt_to.clone(), kind(m)))
            .collect::<Vec<_>>()
    );
    let to = |addr: &str| -> Received {
        mails
            .iter()
            .find(|m| m.rcpt_to.iter().any(|r| r == addr))
            .unwrap_or_else(|| panic!("nothing to {addr}"))
            .clone()
    };
    // Winners: their PO, in their language, text and HTML.
    let m = to("rep@pacificmetals.us");
    assert!(kind(&m).contains(&format!("PO-{year}-0002")));
    let text = m.part("text/plain").unwrap();
    assert!(text.contains("Aluminium ingot ADC12 (ADC12): 20 TNE × (USD 2,000 + freight and insurance USD 65) = USD 41,300.00, required by Wed 31 Mar 2027"), "{text}");
    assert!(
        text.contains("Terms: CIF Busan port")
            && text.contains("Delivery to: Ansan plant, Gyeonggi"),
        "{text}"
    );
    assert!(text.contains("/purchase-orders/"), "{text}");
    assert!(m.part("text/html").unwrap().contains("USD 41,300.00"));
    let m = to("sales@koreaalloy.kr");
    assert!(
        kind(&m).contains("낙찰") && kind(&m).contains(&format!("PO-{year}-0001")),
        "{}",
        kind(&m)
    );
    assert!(to("sales@shpolymer.cn")
        .part("text/plain")
        .unwrap()
        .contains("3,500 KGM × (CNY 10.25 + freight and insurance CNY 0.8) = CNY 38,675.00"));
    // The other bidder: its own rank and landed cost only.
    for addr in ["rep@busanresin.kr", "sales@busanresin.kr"] {
        let m = to(addr);
        assert!(kind(&m).contains("견적 결과"), "{}", kind(&m));
        let text = m.part("text/plain").unwrap();
        assert!(
            text.contains("Resin PA66 (PA66): 귀사 견적은 2건 중 2위, 귀사의 단위당 도착원가는 2,400원(KGM당)입니다."),
            "{text}"
        );
        for secret in [
            "Shanghai",
            "10.25",
            "2,339",
            "8,187",
            "Pacific",
            "Korea Alloy",
        ] {
            assert!(
                !text.contains(secret) && !m.part("text/html").unwrap().contains(secret),
                "{addr} learns {secret}"
            );
        }
    }
    // Members: quantities, cost shares, POs and suppliers.
    let m = to("lee@hanil.kr");
    let text = m.part("text/plain").unwrap();
    assert!(
        text.contains("Aluminium ingot ADC12 (ADC12): 14.5 TNE, cost share KRW 42,867,800"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "PO-{year}-0001 (Korea Alloy), PO-{year}-0002 (Pacific Metals Inc.)"
        )),
        "{text}"
    );
    assert!(
        text.contains("Resin PA66 (PA66): 1,000 KGM, cost share KRW 2,158,839"),
        "{text}"
    );
    assert!(text.contains("Cost share in all: KRW 45,026,639"), "{text}");
    for addr in [
        "kim@daehan.kr",
        "ap@daehan.kr",
        "ap@hanil.kr",
        "ap@seoulalloy.kr",
    ] {
        // Korean recipients: amounts in won.
        let text = to(addr).part("text/plain").unwrap();
        assert!(
            text.lines()
                .any(|l| l.starts_with("분담 금액 합계: ") && l.trim_end().ends_with('원')),
            "{addr}: {text}"
        );
    }
    // The cooperative's admin: the summary with the rationale.
    let text = to("buyer@gdcc.kr").part("text/plain").unwrap();
    assert!(
        text.contains("총 도착원가: 157,741,771원") && text.contains("Dual sourcing"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "PO-{year}-0003 · Shanghai Polymer Co.: CNY 38,675.00 (7,555,935원)"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn concurrent_awards_of_one_rfq_let_exactly_one_through() {
    let app = TestApp::spawn_with(&[("COPROCURE_DB_POOL_SIZE", "12")]).await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    app.clock.advance(chrono::Duration::days(3));
    let admin = token(&app, "admin-a@coop.kr").await;
    let body = json!({"lines": [{"rfq_line_id": f.line, "allocations": [{"quote_id": f.quote, "quantity": "40"}]}]});
    let path = format!("/api/v1/rfqs/{}/award", f.rfq);
    let results =
        futures_util::future::join_all((0..10).map(|_| app.post(&path, Some(&admin), &body))).await;
    let ok: Vec<_> = results.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        ok.len(),
        1,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.status != 201) {
        r.assert_problem(409, "already_awarded");
    }
    let pos = app.get("/api/v1/purchase-orders", Some(&admin)).await.json;
    assert_eq!(pos["items"].as_array().unwrap().len(), 1);
    // Deliver what the test's actions queued.
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn concurrent_awards_of_one_cooperative_never_share_or_skip_a_po_number() {
    let app = TestApp::spawn_with(&[("COPROCURE_DB_POOL_SIZE", "12")]).await;
    let w = World::build(&app).await;
    let mut fixtures = Vec::new();
    for _ in 0..6 {
        fixtures.push(w.rfq_fixture(&app).await);
    }
    app.clock.advance(chrono::Duration::days(3));
    let admin = token(&app, "admin-a@coop.kr").await;
    let results = futures_util::future::join_all(fixtures.iter().map(|f| {
        let body = json!({"lines": [{"rfq_line_id": f.line, "allocations": [{"quote_id": f.quote, "quantity": "40"}]}]});
        let (app, admin) = (&app, &admin);
        async move { app.post(&format!("/api/v1/rfqs/{}/award", f.rfq), Some(admin), &body).await }
    }))
    .await;
    let mut numbers: Vec<String> = results
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}", r.text);
            r.json["purchase_orders"][0]["number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    numbers.sort();
    let year = app
        .clock
        .now()
        .with_timezone(&chrono_tz::Asia::Seoul)
        .year();
    let expected: Vec<String> = (1..=6).map(|n| format!("PO-{year}-{n:04}")).collect();
    assert_eq!(numbers, expected);
    // Another cooperative has none of them.
    let b_admin = token(&app, "admin-b@coop.kr").await;
    let b = app
        .get("/api/v1/purchase-orders", Some(&b_admin))
        .await
        .json;
    assert_eq!(b["items"].as_array().unwrap().len(), 0);
    // Deliver what the test's actions queued.
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn purchase_orders_and_awards_answer_404_or_403_outside_reach() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    app.clock.advance(chrono::Duration::days(3));
    let emails = [
        ("platform", "platform@coprocure.kr"),
        ("a_admin", "admin-a@coop.kr"),
        ("a_member", "user-a@member.kr"),
        ("b_admin", "admin-b@coop.kr"),
        ("b_member", "user-b@member.kr"),
        ("s1", "rep@kcopper.kr"),
        ("s2", "rep@saigonmetals.vn"),
    ];
    let mut tok = BTreeMap::new();
    for (who, email) in emails {
        tok.insert(who, token(&app, email).await);
    }
    let body = json!({"lines": [{"rfq_line_id": f.line, "allocations": [{"quote_id": f.quote, "quantity": "40"}]}]});
    let award = format!("/api/v1/rfqs/{}/award", f.rfq);
    for who in ["a_member", "b_admin", "b_member", "s1", "s2"] {
        let r = app.post(&award, Some(&tok[who]), &body).await;
        assert!(r.status == 403 || r.status == 404, "{who}: {}", r.text);
        if who == "b_admin" {
            assert_eq!(r.status, 404);
        }
    }
    let r = app.post(&award, Some(&tok["a_admin"]), &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let po = r.json["purchase_orders"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let get = format!("/api/v1/purchase-orders/{po}");
    for (who, visible) in [
        ("platform", true),
        ("a_admin", true),
        ("a_member", true),
        ("s1", true),
        ("b_admin", false),
        ("b_member", false),
        ("s2", false),
    ] {
        let r = app.get(&get, Some(&tok[who])).await;
        if visible {
            assert_eq!(r.status, 200, "{who}: {}", r.text);
        } else {
            r.assert_problem(404, "not_found");
        }
        let listed = app
            .get("/api/v1/purchase-orders", Some(&tok[who]))
            .await
            .json;
        let n = listed["items"].as_array().unwrap().len();
        assert_eq!(n, usize::from(visible), "{who} lists {n}");
    }
    let ack = format!("/api/v1/purchase-orders/{po}/acknowledge");
    for who in [
        "platform", "a_admin", "a_member", "b_admin", "b_member", "s2",
    ] {
        let r = app.post(&ack, Some(&tok[who]), &json!({})).await;
        assert!(r.status == 403 || r.status == 404, "{who}: {}", r.text);
    }
    let r = app.get(&get, Some(&tok["a_admin"])).await;
    assert_eq!(r.json["status"], "issued", "nothing changed");
    // Deliver what the test's actions queued.
    app.run_jobs_until_idle().await;
}
