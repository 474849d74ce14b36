//! Bad input at the edges (issue 12, defects 4, 5 and 7): quantities, prices and rates
//! beyond their bounds, decimals that would be rounded, far-off dates, values stored
//! before the bounds existed, CSV formula injection, special-purpose webhook addresses,
//! weak passwords and look-alike emails. Every refusal is a problem+json answer, and the
//! database is unchanged after it.

use coprocure::clock::Clock;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::world::{quote_body, World};
use crate::helpers::{created, token, Resp, TestApp, PASSWORD};

/// Sends a raw JSON text (numbers exactly as written, which `serde_json::Value` cannot
/// carry) with `method` to `path`.
async fn raw(app: &TestApp, method: reqwest::Method, path: &str, tok: &str, body: &str) -> Resp {
    app.send(
        app.client
            .request(method, app.url(path))
            .bearer_auth(tok)
            .header("content-type", "application/json")
            .body(body.to_owned()),
    )
    .await
}

/// Row counts of every table a refused request could have written to.
async fn snapshot(app: &TestApp) -> Vec<(String, i64)> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.conn().await;
    let mut out = Vec::new();
    for table in [
        "users",
        "suppliers",
        "members",
        "materials",
        "demand_rounds",
        "demand_lines",
        "rfqs",
        "rfq_lines",
        "quotes",
        "quote_lines",
        "quote_revisions",
        "fx_rates",
        "awards",
        "purchase_orders",
        "audit_events",
        "outbox_emails",
    ] {
        let n: N = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result(&mut conn)
            .await
            .unwrap();
        out.push((table.to_owned(), n.n));
    }
    out
}

/// The demand line's stored quantity, unit and required-by date, as text.
async fn stored_line(app: &TestApp, id: &str) -> String {
    #[derive(QueryableByName)]
    struct L {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    let mut conn = app.conn().await;
    let l: L = diesel::sql_query(format!(
        "SELECT quantity::text || ' ' || unit || ' ' || quantity_base::text || ' ' || required_by::text AS t FROM demand_lines WHERE id = '{id}'"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    l.t
}

async fn exec(app: &TestApp, sql: &str) {
    let mut conn = app.conn().await;
    diesel::sql_query(sql).execute(&mut conn).await.unwrap();
}

/// Asserts a 422 whose (first) field error has this code, and returns the message.
#[track_caller]
fn refused(r: &Resp, code: &str) -> String {
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "{}",
        r.text
    );
    let errors = r.json["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["code"] == code),
        "expected {code}: {}",
        r.text
    );
    errors
        .iter()
        .find(|e| e["code"] == code)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn demand_beyond_the_bounds_or_finer_than_exact_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let a = &w.a;
    let path = format!("/api/v1/rounds/{}/demand", a.round);
    let body = |quantity: &str, unit: &str, required_by: &str| {
        format!(
            r#"{{"material_id":"{}","quantity":{quantity},"unit":"{unit}","required_by":"{required_by}","delivery_site":"Siheung plant"}}"#,
            a.material
        )
    };
    let before = snapshot(&app).await;
    for (quantity, unit, required_by, code) in [
        // The issue's reproductions.
        ("1e20", "TNE", "2027-06-30", "too_large"),
        (r#""1e20""#, "TNE", "2027-06-30", "invalid_decimal"),
        (
            r#""79228162514264337593543950335""#,
            "TNE",
            "2027-06-30",
            "too_large",
        ),
        (
            r#""79228162514264337593543950336""#,
            "TNE",
            "2027-06-30",
            "out_of_range",
        ),
        (r#""1000000000.000001""#, "TNE", "2027-06-30", "too_large"),
        // Silently rounded to 1 before: as a string and as a JSON number.
        (
            r#""1.000000000000000000000000000001""#,
            "TNE",
            "2027-06-30",
            "too_precise",
        ),
        (
            "1.000000000000000000000000000001",
            "TNE",
            "2027-06-30",
            "too_precise",
        ),
        (r#""1.0000001""#, "TNE", "2027-06-30", "too_precise"),
        // Year 10000.
        (r#""12.5""#, "TNE", "+10000-01-01", "out_of_range"),
    ] {
        let r = raw(
            &app,
            reqwest::Method::POST,
            &path,
            &a.member_token,
            &body(quantity, unit, required_by),
        )
        .await;
        let message = refused(&r, code);
        if code == "too_large" {
            assert!(
                message.contains("1000000000"),
                "the limit is stated: {message}"
            );
        }
    }
    // PATCH takes the same checks; the line is unchanged.
    let line = format!("/api/v1/demand/{}", a.demand_line);
    let was = stored_line(&app, &a.demand_line).await;
    for (patch, code) in [
        (r#"{"quantity":1e20}"#, "too_large"),
        (
            r#"{"quantity":"1.000000000000000000000000000001"}"#,
            "too_precise",
        ),
        (r#"{"required_by":"+10000-01-01"}"#, "out_of_range"),
    ] {
        let r = raw(&app, reqwest::Method::PATCH, &line, &a.member_token, patch).await;
        refused(&r, code);
    }
    assert_eq!(stored_line(&app, &a.demand_line).await, was);
    assert_eq!(
        snapshot(&app).await,
        before,
        "a refused request wrote something"
    );

    // A conversion into a finer base unit is bounded in that unit: 10^6 TNE is 10^12 g.
    let grams = created(
        &app,
        &format!("/api/v1/cooperatives/{}/materials", a.coop),
        &a.admin,
        json!({"code": "PIG-1", "name": "Pigment", "kind": "subsidiary", "unit": "GRM"}),
    )
    .await;
    let round = created(
        &app,
        &format!("/api/v1/cooperatives/{}/rounds", a.coop),
        &a.admin,
        json!({"title": "Pigments", "closes_at": (chrono::Utc::now() + chrono::Duration::days(5)).to_rfc3339()}),
    )
    .await;
    let round = round["id"].as_str().unwrap().to_owned();
    let opened = app
        .post(
            &format!("/api/v1/rounds/{round}/open"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    let demand = |q: &str| json!({"material_id": grams["id"], "quantity": q, "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Ansan"});
    let path = format!("/api/v1/rounds/{round}/demand");
    let r = app
        .post(&path, Some(&a.member_token), &demand("1000000"))
        .await;
    let message = refused(&r, "too_large");
    assert!(message.contains("GRM"), "{message}");
    let r = app
        .post(&path, Some(&a.member_token), &demand("1000"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["quantity_base"], "1000000000");
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn a_round_whose_aggregate_exceeds_an_rfq_line_gets_a_422_naming_the_material() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let a = &w.a;
    let round = created(
        &app,
        &format!("/api/v1/cooperatives/{}/rounds", a.coop),
        &a.admin,
        json!({"title": "Huge", "closes_at": (chrono::Utc::now() + chrono::Duration::days(5)).to_rfc3339()}),
    )
    .await;
    let round = round["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/rounds/{round}/open"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    // Two lines at 6·10^8 t each: each within the bound, their sum above it.
    for _ in 0..2 {
        created(
            &app,
            &format!("/api/v1/rounds/{round}/demand"),
            &a.member_token,
            json!({"material_id": a.material, "quantity": "600000000", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"}),
        )
        .await;
    }
    let closed = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    // The aggregate shows the true total.
    let agg = app
        .get(&format!("/api/v1/rounds/{round}/aggregate"), Some(&a.admin))
        .await;
    assert_eq!(agg.status, 200, "{}", agg.text);
    assert_eq!(agg.json["materials"][0]["total_quantity"], "1200000000");
    let before = snapshot(&app).await;
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/rfqs"),
            Some(&a.admin),
            &json!({"title": "Too much", "deadline": (app.clock.now() + chrono::Duration::days(3)).to_rfc3339(),
                    "supplier_ids": [w.s1], "delivery_place": "Siheung plant"}),
        )
        .await;
    let message = refused(&r, "quantity_too_large");
    assert!(message.contains("CU-A"), "names the material: {message}");
    assert!(
        message.contains("1000000000"),
        "states the limit: {message}"
    );
    assert_eq!(snapshot(&app).await, before);
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn out_of_range_values_stored_before_the_bounds_are_a_problem_not_a_crash() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let a = &w.a;
    let f = w.rfq_fixture(&app).await;
    // Demand entered before the bounds existed: two lines at Decimal::MAX in the open
    // round of cooperative A (their sum does not fit a Decimal).
    for n in 0..2 {
        exec(
            &app,
            &format!(
                "INSERT INTO demand_lines (id, round_id, cooperative_id, member_id, material_id, quantity, unit, quantity_base, required_by, delivery_site, created_by, created_at, updated_at)
                 SELECT gen_random_uuid(), round_id, cooperative_id, member_id, material_id, 79228162514264337593543950335, unit, 79228162514264337593543950335, required_by, 'legacy {n}', created_by, created_at, updated_at
                 FROM demand_lines WHERE id = '{}'",
                a.demand_line
            ),
        )
        .await;
    }
    // The aggregate is streamed: it must refuse before it starts, not answer 200 and
    // stop half-way.
    for query in ["", "?format=csv"] {
        let r = app
            .get(
                &format!("/api/v1/rounds/{}/aggregate{query}", a.round),
                Some(&a.admin),
            )
            .await;
        r.assert_problem(409, "amount_out_of_range");
        assert!(
            r.json["detail"].as_str().unwrap().contains("CU-A"),
            "{}",
            r.text
        );
    }

    // A quote price stored before the bounds: the comparison, its CSV and the award
    // answered by a panic ("Multiplication overflowed").
    exec(
        &app,
        &format!(
            "UPDATE quote_lines SET unit_price = 79228162514264337593543950335 WHERE quote_id = '{}'",
            f.quote
        ),
    )
    .await;
    app.clock.advance(chrono::Duration::days(3));
    let admin = token(&app, "admin-a@coop.kr").await;
    let path = format!("/api/v1/rfqs/{}/comparison", f.rfq);
    app.get(&path, Some(&admin))
        .await
        .assert_problem(409, "amount_out_of_range");
    app.get(&format!("{path}?format=csv"), Some(&admin))
        .await
        .assert_problem(409, "amount_out_of_range");
    let before = snapshot(&app).await;
    app.post(
        &format!("/api/v1/rfqs/{}/award", f.rfq),
        Some(&admin),
        &json!({"lines": [{"rfq_line_id": f.line, "allocations": [{"quote_id": f.quote, "quantity": "40"}]}]}),
    )
    .await
    .assert_problem(409, "amount_out_of_range");
    assert_eq!(snapshot(&app).await, before);
    // The server is still up.
    assert_eq!(app.get("/healthz", None).await.status, 200);
}

#[tokio::test]
async fn quotes_rfqs_rates_and_awards_refuse_out_of_range_figures() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let a = &w.a;
    let f = w.rfq_fixture(&app).await;
    let before = snapshot(&app).await;

    // Quotes: prices, charges, quantities, breaks, validity.
    let quotes = format!("/api/v1/rfqs/{}/quotes", f.rfq);
    let base = quote_body(&f.line, "KRW", "13450000");
    let with_line = |patch: Value| {
        let mut b = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            b["lines"][0][k] = v.clone();
        }
        b.to_string()
    };
    for (body, code) in [
        (with_line(json!({"unit_price": "1000000001"})), "too_large"),
        (with_line(json!({"freight_per_unit": 1e20})), "too_large"),
        (
            with_line(json!({"insurance_per_unit": "1000000000.5"})),
            "too_large",
        ),
        (with_line(json!({"max_quantity": 1e20})), "too_large"),
        (
            with_line(json!({"min_quantity": "0.0000001"})),
            "too_precise",
        ),
        (
            with_line(json!({"price_breaks": [{"min_quantity": "2000000000", "unit_price": "1"}]})),
            "too_large",
        ),
        (
            with_line(
                json!({"price_breaks": [{"min_quantity": "50", "unit_price": "1000000001"}]}),
            ),
            "too_large",
        ),
        (
            {
                let mut b = base.clone();
                b["valid_until"] = json!("+10000-01-01");
                b.to_string()
            },
            "out_of_range",
        ),
        (
            with_line(json!({"unit_price": "x"}))
                .replace(r#""x""#, "1.000000000000000000000000000001"),
            "too_precise",
        ),
    ] {
        let r = raw(&app, reqwest::Method::POST, &quotes, &w.s1_token, &body).await;
        assert!(r.status == 422, "{body}: {}", r.text);
        refused(&r, code);
    }
    assert_eq!(snapshot(&app).await, before);

    // RFQs: duty rates, adders, weights, deadlines.
    let round = created(
        &app,
        &format!("/api/v1/cooperatives/{}/rounds", a.coop),
        &a.admin,
        json!({"title": "R", "closes_at": (chrono::Utc::now() + chrono::Duration::days(5)).to_rfc3339()}),
    )
    .await;
    let round = round["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/rounds/{round}/open"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    created(
        &app,
        &format!("/api/v1/rounds/{round}/demand"),
        &a.member_token,
        json!({"material_id": a.material, "quantity": "10", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Ansan"}),
    )
    .await;
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    let before_rfqs = snapshot(&app).await;
    let deadline = (app.clock.now() + chrono::Duration::days(3)).to_rfc3339();
    for (extra, code) in [
        (
            json!({"duty_rates": {(a.material.clone()): "100.5"}}),
            "out_of_range",
        ),
        (
            json!({"logistics_adders": {"CIF": "1000000001"}}),
            "too_large",
        ),
        (json!({"logistics_adders": {"CIF": 1e20}}), "too_large"),
        (
            json!({"deadline": "+10000-01-01T00:00:00Z"}),
            "out_of_range",
        ),
    ] {
        let mut body = json!({"title": "R", "deadline": deadline, "supplier_ids": [w.s1], "delivery_place": "Ansan"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = app
            .post(
                &format!("/api/v1/rounds/{round}/rfqs"),
                Some(&a.admin),
                &body,
            )
            .await;
        refused(&r, code);
    }
    let r = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/rfqs/{}", f.rfq)))
                .bearer_auth(&a.admin)
                .json(&json!({"deadline": "+10000-01-01T00:00:00Z"})),
        )
        .await;
    refused(&r, "out_of_range");
    assert_eq!(snapshot(&app).await, before_rfqs);

    // Rounds: a closing time in year 10000.
    let r = app
        .post(
            &format!("/api/v1/cooperatives/{}/rounds", a.coop),
            Some(&a.admin),
            &json!({"title": "Far", "closes_at": "+10000-01-01T00:00:00Z"}),
        )
        .await;
    refused(&r, "out_of_range");

    // FX rates: magnitude, precision, date.
    for (body, code) in [
        (
            r#"{"date":"2027-01-04","base":"KRW","currency":"USD","rate":"10000000"}"#,
            "too_large",
        ),
        (
            r#"{"date":"2027-01-04","base":"KRW","currency":"USD","rate":1e20}"#,
            "too_large",
        ),
        (
            r#"{"date":"2027-01-04","base":"KRW","currency":"USD","rate":"0.00000000001"}"#,
            "too_precise",
        ),
        (
            r#"{"date":"+10000-01-01","base":"KRW","currency":"USD","rate":"1386.8"}"#,
            "out_of_range",
        ),
    ] {
        let r = raw(
            &app,
            reqwest::Method::POST,
            "/api/v1/fx-rates",
            &a.admin,
            body,
        )
        .await;
        refused(&r, code);
    }
    let r = app
        .get(
            "/api/v1/fx-rates?base=KRW&date=%2B10000-01-01",
            Some(&a.admin),
        )
        .await;
    refused(&r, "out_of_range");

    // Awards: allocation quantities.
    assert_eq!(snapshot(&app).await, before_rfqs);
    app.clock.advance(chrono::Duration::days(3));
    let admin = token(&app, "admin-a@coop.kr").await;
    let before_award = snapshot(&app).await;
    let award = format!("/api/v1/rfqs/{}/award", f.rfq);
    for (quantity, code) in [
        ("1e20", "too_large"),
        (r#""1.000000000000000000000000000001""#, "too_precise"),
        (r#""40.0000001""#, "too_precise"),
    ] {
        let body = format!(
            r#"{{"lines":[{{"rfq_line_id":"{}","allocations":[{{"quote_id":"{}","quantity":{quantity}}}]}}]}}"#,
            f.line, f.quote
        );
        let r = raw(&app, reqwest::Method::POST, &award, &admin, &body).await;
        refused(&r, code);
    }
    assert_eq!(snapshot(&app).await, before_award);
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn every_csv_export_neutralises_formula_cells_and_the_po_list_speaks_csv() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let a = &w.a;
    let member = created(
        &app,
        &format!("/api/v1/cooperatives/{}/members", a.coop),
        &a.admin,
        json!({"name": "=HYPERLINK(\"http://evil.example\",\"x\")", "business_number": "120-81-47521", "membership": "regular", "contact_email": "evil@member.kr"}),
    )
    .await;
    let material = created(
        &app,
        &format!("/api/v1/cooperatives/{}/materials", a.coop),
        &a.admin,
        json!({"code": "AL-1", "name": "@SUM(1+1)", "kind": "raw", "unit": "TNE"}),
    )
    .await;
    let supplier = created(
        &app,
        "/api/v1/suppliers",
        &w.platform,
        json!({"name": "+1+1 Metals", "country": "KR", "business_number": "314-86-02411", "default_currency": "KRW", "contact_email": "s@plus.kr"}),
    )
    .await;
    let supplier = supplier["id"].as_str().unwrap().to_owned();
    created(
        &app,
        &format!("/api/v1/suppliers/{supplier}/users"),
        &w.platform,
        json!({"email": "rep@plus.kr", "name": "Rep", "password": PASSWORD}),
    )
    .await;
    let rep = token(&app, "rep@plus.kr").await;
    let round = created(
        &app,
        &format!("/api/v1/cooperatives/{}/rounds", a.coop),
        &a.admin,
        json!({"title": "Formula", "closes_at": (app.clock.now() + chrono::Duration::days(1)).to_rfc3339(), "material_ids": [material["id"]]}),
    )
    .await;
    let round = round["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/rounds/{round}/open"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    created(
        &app,
        &format!("/api/v1/rounds/{round}/demand"),
        &a.admin,
        json!({"member_id": member["id"], "material_id": material["id"], "quantity": "25", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "-2+3"}),
    )
    .await;
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&a.admin),
        &json!({}),
    )
    .await;

    let aggregate = app
        .get(
            &format!("/api/v1/rounds/{round}/aggregate?format=csv"),
            Some(&a.admin),
        )
        .await;
    assert_eq!(aggregate.status, 200, "{}", aggregate.text);
    let t = &aggregate.text;
    assert!(t.contains(",'@SUM(1+1),"), "{t}");
    assert!(
        t.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\","),
        "{t}"
    );
    assert!(
        t.contains(",'-2+3,25,"),
        "the site is text, the quantity a number: {t}"
    );
    assert!(
        !t.contains(",=") && !t.contains(",@") && !t.contains(",+") && !t.contains(",-2"),
        "{t}"
    );

    let deadline = app.clock.now() + chrono::Duration::days(2);
    let rfq = created(
        &app,
        &format!("/api/v1/rounds/{round}/rfqs"),
        &a.admin,
        json!({"title": "Formula RFQ", "deadline": deadline.to_rfc3339(), "supplier_ids": [supplier], "delivery_place": "Ansan"}),
    )
    .await;
    let rfq_id = rfq["id"].as_str().unwrap().to_owned();
    let line = rfq["lines"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/rfqs/{rfq_id}/publish"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    let mut q = quote_body(&line, "KRW", "2500000");
    q["lines"][0]["max_quantity"] = json!("25");
    let quote = created(&app, &format!("/api/v1/rfqs/{rfq_id}/quotes"), &rep, q).await;
    app.clock.advance(chrono::Duration::days(3));
    let admin = token(&app, "admin-a@coop.kr").await;

    let comparison = app
        .get(
            &format!("/api/v1/rfqs/{rfq_id}/comparison?format=csv"),
            Some(&admin),
        )
        .await;
    assert_eq!(comparison.status, 200, "{}", comparison.text);
    let t = &comparison.text;
    assert!(t.contains(",'@SUM(1+1),"), "{t}");
    assert!(t.contains(",'+1+1 Metals,"), "{t}");
    assert!(
        !t.contains(",=") && !t.contains(",@") && !t.contains(",+"),
        "{t}"
    );

    let award = app
        .post(
            &format!("/api/v1/rfqs/{rfq_id}/award"),
            Some(&admin),
            &json!({"lines": [{"rfq_line_id": line, "allocations": [{"quote_id": quote["id"], "quantity": "25"}]}]}),
        )
        .await;
    assert_eq!(award.status, 201, "{}", award.text);
    let po = award.json["purchase_orders"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = app
        .get(
            &format!("/api/v1/purchase-orders/{po}?format=csv"),
            Some(&admin),
        )
        .await;
    let list = app
        .get("/api/v1/purchase-orders?format=csv", Some(&admin))
        .await;
    for r in [&one, &list] {
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
        let t = &r.text;
        assert!(t.starts_with("\u{feff}po_number,"), "{t}");
        assert!(t.contains(",'+1+1 Metals,"), "{t}");
        assert!(t.contains(",'@SUM(1+1),"), "{t}");
        assert!(t.contains("\"'=HYPERLINK("), "{t}");
        // Amounts stay numbers: 25 t at 2,500,000 + 12.5 freight, in whole won.
        assert!(
            t.contains(",25,TNE,2500000,12.5,0,62500313,62500313,"),
            "{t}"
        );
    }
    // The list's CSV holds the same rows as the PO's own.
    assert_eq!(list.text, one.text);
    let json_list = app
        .get("/api/v1/purchase-orders?format=json", Some(&admin))
        .await;
    assert_eq!(json_list.json["items"].as_array().unwrap().len(), 1);
    app.get("/api/v1/purchase-orders?format=xml", Some(&admin))
        .await
        .assert_problem(422, "invalid_format");
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn webhook_urls_in_special_purpose_ranges_are_refused_at_registration() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let before = snapshot(&app).await;
    for url in [
        "https://localhost./hook",
        "https://localhost.localdomain/hook",
        "https://[::127.0.0.1]/hook",
        "https://[64:ff9b::a00:1]/hook",
        "https://[64:ff9b:1::1]/hook",
        "https://198.18.0.1/hook",
        "https://192.0.0.8/hook",
        "https://192.0.2.1/hook",
        "https://198.51.100.1/hook",
        "https://203.0.113.1/hook",
        "https://[2001:db8::1]/hook",
        "https://metadata/hook",
    ] {
        let r = app
            .post(
                "/api/v1/suppliers",
                Some(&w.platform),
                &json!({"name": "Hook Co", "country": "DE", "tax_id": "DE123456789", "default_currency": "EUR", "contact_email": "h@hook.de", "webhook_url": url}),
            )
            .await;
        assert_eq!(r.status, 422, "{url}: {}", r.text);
        refused(&r, "invalid_webhook_url");
    }
    assert_eq!(snapshot(&app).await, before);
    let ok = app
        .post(
            "/api/v1/suppliers",
            Some(&w.platform),
            &json!({"name": "Hook Co", "country": "DE", "tax_id": "DE123456789", "default_currency": "EUR", "contact_email": "h@hook.de", "webhook_url": "https://erp.hook.de./rfq"}),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text);
}

#[tokio::test]
async fn weak_passwords_and_look_alike_emails_are_refused() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let a = &w.a;
    let users = format!("/api/v1/cooperatives/{}/users", a.coop);
    let before = snapshot(&app).await;
    for (password, code) in [
        ("aaaaaaaaaaaa", "too_repetitive"),
        ("abababababab", "too_repetitive"),
        ("abcdefghijkl", "sequential"),
        ("qwertyuiopas", "sequential"),
    ] {
        let r = app
            .post(
                &users,
                Some(&a.admin),
                &json!({"email": "new@coop.kr", "name": "New", "role": "coop_admin", "password": password}),
            )
            .await;
        refused(&r, code);
    }
    // Fullwidth look-alikes of an existing account (admin-a@coop.kr) collide with it.
    for email in ["ａｄｍｉｎ-a@coop.kr", "ＡＤＭＩＮ－Ａ＠ＣＯＯＰ．ＫＲ"] {
        let r = app
            .post(
                &users,
                Some(&a.admin),
                &json!({"email": email, "name": "Twin", "role": "coop_admin", "password": PASSWORD}),
            )
            .await;
        refused(&r, "taken");
    }
    assert_eq!(snapshot(&app).await, before);
    // And logging in with a look-alike finds the same account.
    let pair = app.login("ａｄｍｉｎ-ａ@ｃｏｏｐ.ｋｒ", PASSWORD).await;
    let me = app.get("/api/v1/me", pair["access_token"].as_str()).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["email"], "admin-a@coop.kr");
    // Contact emails are normalised the same way.
    let m = created(
        &app,
        &format!("/api/v1/cooperatives/{}/members", a.coop),
        &a.admin,
        json!({"name": "Fullwidth Co", "business_number": "120-81-47521", "membership": "regular", "contact_email": "ｂｕｙｅｒ@member.kr"}),
    )
    .await;
    assert_eq!(m["contact_email"], "buyer@member.kr");
}
