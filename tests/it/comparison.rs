//! The landed-cost comparison through HTTP: sealed before the deadline, FX rate in force on
//! the deadline's date (missing → 409 naming the currency), every figure of a domestic and
//! an overseas offer checked against hand calculations, flags, ranking, the optimal split
//! suggestion, and the CSV export.

use chrono::{DateTime, Utc};
use coprocure::clock::Clock;
use serde_json::{json, Value};

use crate::helpers::world::World;
use crate::helpers::{created, token, TestApp, PASSWORD};

#[tokio::test]
async fn offers_are_compared_on_landed_cost_with_the_optimal_split() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let a = &w.a;
    // A third supplier whose minimum is above the line quantity.
    let s3 = created(&app, "/api/v1/suppliers", &w.platform, json!({"name": "Busan Metals", "country": "KR", "business_number": "104-81-45007", "default_currency": "KRW", "contact_email": "s@busanmetals.kr"})).await;
    let s3 = s3["id"].as_str().unwrap().to_owned();
    created(
        &app,
        &format!("/api/v1/suppliers/{s3}/users"),
        &w.platform,
        json!({"email": "rep@busanmetals.kr", "name": "Rep 3", "password": PASSWORD}),
    )
    .await;
    let s3_token = token(&app, "rep@busanmetals.kr").await;

    // 100 t of demand in a closed round.
    let round = created(&app, &format!("/api/v1/cooperatives/{}/rounds", a.coop), &a.admin,
        json!({"title": "Round C", "closes_at": (app.clock.now() + chrono::Duration::days(1)).to_rfc3339()})).await;
    let round = round["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/rounds/{round}/open"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    created(&app, &format!("/api/v1/rounds/{round}/demand"), &a.member_token,
        json!({"material_id": a.material, "quantity": "100", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Ansan"})).await;
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    // Deadline 2 days ahead at 03:00 UTC = 12:00 KST the same day.
    let deadline: DateTime<Utc> = (app.clock.now() + chrono::Duration::days(2))
        .date_naive()
        .and_hms_opt(3, 0, 0)
        .unwrap()
        .and_utc();
    let fx_date = deadline.date_naive();
    let rfq = created(&app, &format!("/api/v1/rounds/{round}/rfqs"), &a.admin, json!({
        "title": "Copper C", "deadline": deadline.to_rfc3339(), "supplier_ids": [w.s1, w.s2, s3],
        "delivery_place": "Ansan plant", "currencies": ["KRW", "USD"],
        "duty_rates": {(a.material.clone()): "5"}, "logistics_adders": {"CIF": "8000", "FOB": "20000"}})).await;
    let id = rfq["id"].as_str().unwrap().to_owned();
    let line = rfq["lines"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/rfqs/{id}/publish"),
        Some(&a.admin),
        &json!({}),
    )
    .await;

    let quote = |currency: &str,
                 incoterm: &str,
                 price: &str,
                 breaks: Value,
                 min: &str,
                 max: Value,
                 freight: &str,
                 insurance: &str,
                 lead: i32| {
        json!({
        "currency": currency, "incoterm": incoterm, "named_place": "Busan", "valid_until": "2027-12-31",
        "lead_time_days": lead,
        "lines": [{"rfq_line_id": line, "unit_price": price, "price_breaks": breaks, "min_quantity": min,
                   "max_quantity": max, "freight_per_unit": freight, "insurance_per_unit": insurance}]})
    };
    let quotes = format!("/api/v1/rfqs/{id}/quotes");
    let q1 = created(
        &app,
        &quotes,
        &w.s1_token,
        quote(
            "KRW",
            "DAP",
            "13000000",
            json!([{"min_quantity": "60", "unit_price": "12500000"}]),
            "0",
            json!("60"),
            "0",
            "0",
            10,
        ),
    )
    .await;
    let q2 = created(
        &app,
        &quotes,
        &w.s2_token,
        quote(
            "USD",
            "CIF",
            "9000",
            json!([{"min_quantity": "100", "unit_price": "8800"}]),
            "40",
            json!(null),
            "150",
            "10",
            30,
        ),
    )
    .await;
    let q3 = created(
        &app,
        &quotes,
        &s3_token,
        quote(
            "KRW",
            "DAP",
            "11000000",
            json!([]),
            "150",
            json!(null),
            "0",
            "0",
            5,
        ),
    )
    .await;

    // Sealed until the deadline.
    let path = format!("/api/v1/rfqs/{id}/comparison");
    app.get(&path, Some(&a.admin))
        .await
        .assert_problem(409, "sealed");

    app.clock.advance(chrono::Duration::days(3));
    let admin = token(&app, "admin-a@coop.kr").await;
    // No USD rate in force on the FX date: an explicit error naming the currency.
    let missing = app.get(&path, Some(&admin)).await;
    missing.assert_problem(409, "fx_rate_missing");
    assert!(
        missing.json["detail"].as_str().unwrap().contains("USD"),
        "{}",
        missing.text
    );
    // A rate three days before the FX date is in force; one after it is not used.
    for (date, rate) in [
        (fx_date - chrono::Duration::days(3), "1400"),
        (fx_date + chrono::Duration::days(1), "1500"),
    ] {
        created(
            &app,
            "/api/v1/fx-rates",
            &admin,
            json!({"date": date, "base": "KRW", "currency": "USD", "rate": rate}),
        )
        .await;
    }
    let c = app.get(&path, Some(&admin)).await;
    assert_eq!(c.status, 200, "{}", c.text);
    let c = c.json;
    assert_eq!(c["base_currency"], "KRW");
    assert_eq!(c["fx_date"], fx_date.to_string());
    assert_eq!(
        c["rates"],
        json!([{"currency": "USD", "rate": "1400", "date": (fx_date - chrono::Duration::days(3)).to_string()}])
    );
    let l = &c["lines"][0];
    assert_eq!(l["quantity"], "100");
    let offers = l["offers"].as_array().unwrap();
    assert_eq!(offers.len(), 3);

    // s1, domestic, priced at its max 60 t at the 60 t tier: 60 × 12,500,000.
    let o1 = &offers[0];
    assert_eq!(o1["quote_id"], q1["id"]);
    assert_eq!(o1["origin"], "domestic");
    assert_eq!(o1["quantity"], "60");
    assert_eq!(o1["unit_price"], "12500000");
    assert_eq!(o1["fx_rate"], "1");
    assert_eq!(o1["goods_base"], "750000000");
    assert_eq!(o1["duty_base"], "0");
    assert_eq!(o1["landed_total_base"], "750000000");
    assert_eq!(o1["landed_unit_base"], "12500000");
    assert_eq!(o1["covers_full_quantity"], false);
    assert_eq!(o1["meets_required_by"], true);
    assert_eq!(
        (o1["rank"].clone(), o1["score"].clone()),
        (json!(1), json!("1"))
    );

    // s2, overseas CIF in USD at 100 t: goods 880,000 USD × 1,400 = 1,232,000,000;
    // charges 160 × 100 × 1,400 = 22,400,000; CIF 1,254,400,000; duty 5 % 62,720,000;
    // adder 8,000 × 100 = 800,000; landed 1,317,920,000 = 13,179,200 per t.
    let o2 = &offers[1];
    assert_eq!(o2["quote_id"], q2["id"]);
    assert_eq!(o2["origin"], "overseas");
    assert_eq!(o2["unit_price"], "8800");
    assert_eq!(o2["fx_rate"], "1400");
    assert_eq!(o2["goods_base"], "1232000000");
    assert_eq!(o2["charges_base"], "22400000");
    assert_eq!(o2["duty_base"], "62720000");
    assert_eq!(o2["adder_base"], "800000");
    assert_eq!(o2["landed_total_base"], "1317920000");
    assert_eq!(o2["landed_unit_base"], "13179200");
    assert_eq!(o2["covers_full_quantity"], true);
    assert_eq!(o2["rank"], 2);
    // price score = 12,500,000 / 13,179,200
    assert_eq!(o2["score"], "0.948464");

    // s3's minimum is above the line: listed, flagged, not ranked.
    let o3 = &offers[2];
    assert_eq!(o3["quote_id"], q3["id"]);
    assert_eq!(o3["usable"], false);
    assert_eq!(o3["flags"], json!(["min_above_quantity"]));
    assert_eq!(o3["rank"], Value::Null);

    // The optimum: 60 t from s1 (750,000,000) + 40 t from s2 at its base tier
    // (360,000 + 6,400 USD → 512,960,000 CIF + 25,648,000 duty + 320,000 adder = 538,928,000)
    // = 1,288,928,000, cheaper than 100 t from s2 alone (1,317,920,000).
    let s = &l["suggestion"];
    assert_eq!(s["optimal"], true);
    assert_eq!(
        (s["feasible"].clone(), s["reason"].clone()),
        (json!(true), Value::Null)
    );
    assert_eq!(s["covers_full_quantity"], true);
    assert_eq!(s["total_base"], "1288928000");
    assert_eq!(
        s["allocations"],
        json!([
            {"quote_id": q1["id"], "quantity": "60", "landed_total_base": "750000000"},
            {"quote_id": q2["id"], "quantity": "40", "landed_total_base": "538928000"},
        ])
    );
    assert_eq!(c["suggested_total_base"], "1288928000");

    // The same table as CSV for spreadsheet users.
    let csv = app.get(&format!("{path}?format=csv"), Some(&admin)).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let rows: Vec<&str> = csv.text.trim_end().split("\r\n").collect();
    assert!(rows[0].starts_with("\u{feff}line,material_code"));
    assert_eq!(rows.len(), 4);
    assert!(
        rows[1].contains(",Korea Copper,domestic,KRW,DAP,60,12500000,1,750000000,"),
        "{}",
        rows[1]
    );
    assert!(rows[1].ends_with(",60"), "{}", rows[1]);
    assert!(rows[2].ends_with(",40"), "{}", rows[2]);
    assert!(
        rows[3].contains(",false,min_above_quantity,,"),
        "{}",
        rows[3]
    );

    // Rates were fixed at the first read after the deadline: a rate entered now for the FX
    // date itself does not move this RFQ.
    created(
        &app,
        "/api/v1/fx-rates",
        &admin,
        json!({"date": fx_date, "base": "KRW", "currency": "USD", "rate": "1450"}),
    )
    .await;
    let again = app.get(&path, Some(&admin)).await.json;
    assert_eq!(again["rates"][0]["rate"], "1400");
    assert_eq!(again["lines"][0]["suggestion"]["total_base"], "1288928000");

    // Only the buyer side of this cooperative may compare.
    for email in ["rep@kcopper.kr", "user-a@member.kr"] {
        let tok = token(&app, email).await;
        app.get(&path, Some(&tok))
            .await
            .assert_problem(403, "forbidden");
    }
    let b = token(&app, "admin-b@coop.kr").await;
    app.get(&path, Some(&b))
        .await
        .assert_problem(404, "not_found");

    // Past valid_until, an offer cannot be used any more.
    app.clock.advance(chrono::Duration::days(800));
    let admin = token(&app, "admin-a@coop.kr").await;
    let late = app.get(&path, Some(&admin)).await;
    let offers = late.json["lines"][0]["offers"].as_array().unwrap().clone();
    assert!(offers.iter().all(|o| o["usable"] == false), "{offers:?}");
    assert!(offers
        .iter()
        .all(|o| o["flags"].as_array().unwrap().contains(&json!("expired"))));
    assert_eq!(late.json["lines"][0]["suggestion"]["covered_quantity"], "0");
    assert_eq!(
        late.json["lines"][0]["suggestion"]["covers_full_quantity"],
        false
    );
    // Not a suggestion of nothing that claims to be optimal: an explicit "none", and why.
    let s = &late.json["lines"][0]["suggestion"];
    assert_eq!(
        (
            s["feasible"].clone(),
            s["reason"].clone(),
            s["optimal"].clone()
        ),
        (json!(false), json!("expired"), json!(false)),
        "{s}"
    );
    assert_eq!(s["allocations"], json!([]));
    assert_eq!(s["total_base"], "0");
    // Deliver what the test's actions queued.
    app.run_jobs_until_idle().await;
}
