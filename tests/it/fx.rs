//! FX rates: manual entry and the rates in force on a date; provider refreshes against a
//! local HTTP server serving the providers' published formats, and the failure cases
//! (malformed, slow, HTTP 500, absurd rates) that must keep the last good rates.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::http_sink::HttpSink;
use crate::helpers::world::World;
use crate::helpers::TestApp;

const ECB: &str = include_str!("../fixtures/fx/ecb-daily.xml");
const ECB_ABSURD: &str = include_str!("../fixtures/fx/ecb-absurd.xml");
const ECB_MALFORMED: &str = include_str!("../fixtures/fx/ecb-malformed.xml");
const KOREAEXIM: &str = include_str!("../fixtures/fx/koreaexim.json");
const KOREAEXIM_ERROR: &str = include_str!("../fixtures/fx/koreaexim-error.json");

fn rate(v: &Value, currency: &str) -> Option<String> {
    v["rates"]
        .as_array()?
        .iter()
        .find(|r| r["currency"] == currency)
        .map(|r| r["rate"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn manual_rates_and_the_rates_in_force_on_a_date() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    for (date, rate, tok) in [
        ("2026-11-20", "1390.5", &w.platform),
        ("2026-11-25", "1401", &w.a.admin),
    ] {
        let r = app
            .post(
                "/api/v1/fx-rates",
                Some(tok),
                &json!({"date": date, "base": "KRW", "currency": "usd", "rate": rate}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.json["source"], "manual");
        assert_eq!(r.json["currency"], "USD");
    }
    let on = |d: &'static str| {
        let app = &app;
        let tok = w.a.member_token.clone();
        async move {
            app.get(&format!("/api/v1/fx-rates?base=KRW&date={d}"), Some(&tok))
                .await
                .json
        }
    };
    assert_eq!(rate(&on("2026-11-19").await, "USD"), None);
    assert_eq!(
        rate(&on("2026-11-24").await, "USD").as_deref(),
        Some("1390.5")
    );
    let v = on("2026-11-30").await;
    assert_eq!(
        v["rates"][0],
        json!({"currency": "USD", "base": "KRW", "rate": "1401", "date": "2026-11-25", "source": "manual",
               "scope": "cooperative", "cooperative_id": w.a.coop})
    );
    // The same day again (same scope) replaces it.
    let r = app
        .post(
            "/api/v1/fx-rates",
            Some(&w.a.admin),
            &json!({"date": "2026-11-25", "base": "KRW", "currency": "USD", "rate": 1402.25}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        rate(&on("2026-11-30").await, "USD").as_deref(),
        Some("1402.25")
    );
    // Bad input changes nothing; members and suppliers may not enter rates.
    let bad = app
        .post(
            "/api/v1/fx-rates",
            Some(&w.platform),
            &json!({"date": "2026-11-26", "base": "KRW", "currency": "KRW", "rate": "-1"}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let codes: Vec<&str> = bad.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["same_as_base", "not_positive"]);
    for tok in [&w.a.member_token, &w.s1_token] {
        app.post(
            "/api/v1/fx-rates",
            Some(tok),
            &json!({"date": "2026-11-26", "base": "KRW", "currency": "USD", "rate": "1"}),
        )
        .await
        .assert_problem(403, "forbidden");
    }
    assert_eq!(
        rate(&on("2026-11-30").await, "USD").as_deref(),
        Some("1402.25")
    );
}

async fn refresh(app: &TestApp, tok: &str, force: bool) -> crate::helpers::Resp {
    let q = if force { "?force=true" } else { "" };
    app.post(
        &format!("/api/v1/fx-rates/refresh{q}"),
        Some(tok),
        &json!({}),
    )
    .await
}

#[tokio::test]
async fn ecb_refresh_stores_derived_krw_rates_and_keeps_them_through_failures() {
    let feed = HttpSink::start().await;
    let app = TestApp::spawn_with(&[
        (
            "COPROCURE_FX_URL",
            &feed.url("/stats/eurofxref/eurofxref-daily.xml"),
        ),
        ("COPROCURE_FX_TIMEOUT_MS", "500"),
    ])
    .await;
    let w = World::build(&app).await;
    feed.serve(200, ECB, Duration::ZERO);
    let r = refresh(&app, &w.platform, false).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["provider"], "ecb");
    assert_eq!(r.json["date"], "2026-11-27");
    assert!(r.json["stored"].as_u64().unwrap() >= 25, "{}", r.text);
    assert_eq!(r.json["error"], Value::Null);
    let v = app
        .get(
            "/api/v1/fx-rates?base=KRW&date=2026-11-27",
            Some(&w.a.admin),
        )
        .await
        .json;
    // KRW per USD = 1500.12 / 1.0543, rounded to 10 places; KRW per EUR as published.
    let expected = (rust_decimal::Decimal::from_str_exact("1500.12").unwrap()
        / rust_decimal::Decimal::from_str_exact("1.0543").unwrap())
    .round_dp_with_strategy(10, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    .normalize();
    assert_eq!(rate(&v, "USD"), Some(expected.to_string()));
    assert_eq!(rate(&v, "EUR").as_deref(), Some("1500.12"));
    let usd = v["rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["currency"] == "USD")
        .unwrap();
    assert_eq!(
        (usd["source"].as_str(), usd["date"].as_str()),
        (Some("ecb"), Some("2026-11-27"))
    );

    // Failures keep the last good rates, say why, and leave an audit event.
    for (status, body, delay, says) in [
        (200, ECB_MALFORMED, Duration::ZERO, "XML"),
        (500, "oops", Duration::ZERO, "HTTP 500"),
        (200, ECB, Duration::from_millis(1500), "request failed"),
    ] {
        feed.serve(status, body, delay);
        let r = refresh(&app, &w.platform, false).await;
        assert_eq!(r.status, 502, "{}", r.text);
        let error = r.json["error"].as_str().unwrap();
        assert!(error.contains(says), "{error}");
        assert_eq!(r.json["stored"], 0);
        let after = app
            .get(
                "/api/v1/fx-rates?base=KRW&date=2026-11-27",
                Some(&w.a.admin),
            )
            .await
            .json;
        assert_eq!(rate(&after, "USD"), Some(expected.to_string()));
    }
    let events = app
        .get("/api/v1/admin/audit/verify", Some(&w.platform))
        .await;
    assert_eq!(events.status, 200);
    {
        use coprocure::schema::audit_events as ae;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = app.conn().await;
        let failed: i64 = ae::table
            .filter(ae::action.eq("fx.refresh_failed"))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(failed, 3);
    }

    // A rate beyond what can be computed with (USD at 0.0001 per EUR: 15,001,200 KRW per
    // USD, not below 10^7) is never stored, even forced.
    for force in [false, true] {
        feed.serve(200, ECB_ABSURD, Duration::ZERO);
        let r = refresh(&app, &w.platform, force).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.json["out_of_range"],
            json!(["USD/KRW 15001200"]),
            "{}",
            r.text
        );
        let after = app
            .get(
                "/api/v1/fx-rates?base=KRW&date=2026-11-27",
                Some(&w.a.admin),
            )
            .await
            .json;
        assert_eq!(rate(&after, "USD"), Some(expected.to_string()));
    }

    // An implausible move (USD at 0.5 per EUR: 3000.24 KRW) is refused unless forced.
    let implausible = ECB_ABSURD.replace("rate='0.0001'", "rate='0.5'");
    feed.serve(200, implausible.clone(), Duration::ZERO);
    let r = refresh(&app, &w.platform, false).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let refused = r.json["refused"].as_array().unwrap();
    assert!(
        refused
            .iter()
            .any(|x| x["currency"] == "USD" && x["base"] == "KRW"),
        "{refused:?}"
    );
    let after = app
        .get(
            "/api/v1/fx-rates?base=KRW&date=2026-11-27",
            Some(&w.a.admin),
        )
        .await
        .json;
    assert_eq!(rate(&after, "USD"), Some(expected.to_string()));
    feed.serve(200, implausible, Duration::ZERO);
    let forced = refresh(&app, &w.platform, true).await;
    assert_eq!(forced.json["refused"], json!([]));
    let after = app
        .get(
            "/api/v1/fx-rates?base=KRW&date=2026-11-27",
            Some(&w.a.admin),
        )
        .await
        .json;
    assert_eq!(rate(&after, "USD").as_deref(), Some("3000.24"));
    // Only platform admins refresh.
    refresh(&app, &w.a.admin, false)
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn korea_eximbank_refresh_handles_per_100_units_and_errors() {
    let feed = HttpSink::start().await;
    let app = TestApp::spawn_with(&[
        ("COPROCURE_FX_PROVIDER", "koreaexim"),
        ("COPROCURE_FX_KEY", "test-key-123"),
        (
            "COPROCURE_FX_URL",
            &feed.url("/site/program/financial/exchangeJSON"),
        ),
    ])
    .await;
    let w = World::build(&app).await;
    feed.serve(200, KOREAEXIM, Duration::ZERO);
    let r = refresh(&app, &w.platform, false).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["provider"], "koreaexim");
    let date = r.json["date"].as_str().unwrap().to_owned();
    let hit = &feed.hits()[0];
    assert!(
        hit.path
            .starts_with("/site/program/financial/exchangeJSON?"),
        "{}",
        hit.path
    );
    assert!(hit.path.contains("authkey=test-key-123") && hit.path.contains("data=AP01"));
    assert!(
        hit.path
            .contains(&format!("searchdate={}", date.replace('-', ""))),
        "{}",
        hit.path
    );
    let v = app
        .get(
            &format!("/api/v1/fx-rates?base=KRW&date={date}"),
            Some(&w.a.admin),
        )
        .await
        .json;
    assert_eq!(rate(&v, "USD").as_deref(), Some("1400.5"));
    assert_eq!(
        rate(&v, "JPY").as_deref(),
        Some("9.2045"),
        "JPY(100) is per 100 yen"
    );
    assert_eq!(
        rate(&v, "CNY").as_deref(),
        Some("195.12"),
        "CNH stands for CNY"
    );
    assert_eq!(rate(&v, "KRW"), None);

    feed.serve(200, KOREAEXIM_ERROR, Duration::ZERO);
    let r = refresh(&app, &w.platform, false).await;
    assert_eq!(r.status, 502, "{}", r.text);
    assert!(
        r.json["error"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("auth"),
        "{}",
        r.text
    );
}

// --- Tenancy of rates: no cooperative can move another's figures (issue 12, defect 2) ---

/// An RFQ of one cooperative for 10 t of its material, open to KRW, USD and EUR, with a
/// KRW offer from s1 (14,000,000 per t) and a USD offer from s2 (10,500 per t, duty 0): at
/// 1,400 KRW per USD that is 14,700,000 per t and ranks second; below 1,333.33 it ranks
/// first. Its deadline is `deadline` (03:00 UTC = 12:00 KST, so the FX date is its date).
struct UsdRfq {
    id: String,
    line: String,
    krw_quote: String,
    usd_quote: String,
    fx_date: chrono::NaiveDate,
}

async fn usd_rfq(
    app: &TestApp,
    w: &World,
    org: &crate::helpers::world::Org,
    deadline: chrono::DateTime<chrono::Utc>,
) -> UsdRfq {
    use crate::helpers::created;
    use coprocure::clock::Clock;
    let round = created(app, &format!("/api/v1/cooperatives/{}/rounds", org.coop), &org.admin,
        json!({"title": "FX round", "closes_at": (app.clock.now() + chrono::Duration::days(1)).to_rfc3339()})).await;
    let round = round["id"].as_str().unwrap().to_owned();
    let opened = app
        .post(
            &format!("/api/v1/rounds/{round}/open"),
            Some(&org.admin),
            &json!({}),
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    created(app, &format!("/api/v1/rounds/{round}/demand"), &org.member_token,
        json!({"material_id": org.material, "quantity": "10", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Ansan"})).await;
    let closed = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&org.admin),
            &json!({}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    let rfq = created(
        app,
        &format!("/api/v1/rounds/{round}/rfqs"),
        &org.admin,
        json!({
        "title": "Copper FX", "deadline": deadline.to_rfc3339(), "supplier_ids": [w.s1, w.s2],
        "delivery_place": "Ansan plant", "currencies": ["KRW", "USD", "EUR"],
        "duty_rates": {(org.material.clone()): "0"}}),
    )
    .await;
    let id = rfq["id"].as_str().unwrap().to_owned();
    let line = rfq["lines"][0]["id"].as_str().unwrap().to_owned();
    let published = app
        .post(
            &format!("/api/v1/rfqs/{id}/publish"),
            Some(&org.admin),
            &json!({}),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text);
    let quote = |currency: &str, price: &str| {
        json!({"currency": currency, "incoterm": "DAP", "named_place": "Ansan", "valid_until": "2027-12-31",
               "lead_time_days": 10, "lines": [{"rfq_line_id": line, "unit_price": price, "min_quantity": "0"}]})
    };
    let quotes = format!("/api/v1/rfqs/{id}/quotes");
    let krw = created(app, &quotes, &w.s1_token, quote("KRW", "14000000")).await;
    let usd = created(app, &quotes, &w.s2_token, quote("USD", "10500")).await;
    UsdRfq {
        id,
        line,
        krw_quote: krw["id"].as_str().unwrap().to_owned(),
        usd_quote: usd["id"].as_str().unwrap().to_owned(),
        fx_date: deadline.date_naive(),
    }
}

/// A deadline `days` ahead of the app clock at 03:00 UTC (12:00 KST).
fn deadline_in(app: &TestApp, days: i64) -> chrono::DateTime<chrono::Utc> {
    use coprocure::clock::Clock;
    (app.clock.now() + chrono::Duration::days(days))
        .date_naive()
        .and_hms_opt(3, 0, 0)
        .unwrap()
        .and_utc()
}

/// The USD rate a comparison used and the quote ranked first.
fn usd_and_first(c: &Value) -> (String, String) {
    let rate = c["rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["currency"] == "USD")
        .map(|r| r["rate"].as_str().unwrap().to_owned())
        .unwrap_or_default();
    let first = c["lines"][0]["offers"][0]["quote_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (rate, first)
}

async fn post_rate(app: &TestApp, tok: &str, body: Value) -> crate::helpers::Resp {
    app.post("/api/v1/fx-rates", Some(tok), &body).await
}

#[tokio::test]
async fn another_cooperatives_rate_moves_no_comparison_award_or_po() {
    use crate::helpers::token;
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    // R1 closes in 2 days, R2 in 3; the shared (platform) rate is 1,400 from before both.
    let r1 = usd_rfq(&app, &w, &w.a, deadline_in(&app, 2)).await;
    let r2 = usd_rfq(&app, &w, &w.a, deadline_in(&app, 3)).await;
    let shared_date = r1.fx_date - chrono::Duration::days(3);
    let r = post_rate(
        &app,
        &w.platform,
        json!({"date": shared_date, "base": "KRW", "currency": "USD", "rate": "1400"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // Before A's deadline, B's admin posts USD = 1 (and EUR = 1, a currency with no rate
    // at all) for A's FX date.
    for currency in ["USD", "EUR"] {
        let r = post_rate(
            &app,
            &w.b.admin,
            json!({"date": r1.fx_date, "base": "KRW", "currency": currency, "rate": "1"}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    app.clock.advance(chrono::Duration::days(4));
    let a = token(&app, "admin-a@coop.kr").await;
    let b = token(&app, "admin-b@coop.kr").await;
    // After R2's deadline, before anyone read its quotes (nothing fixed yet): again.
    let r = post_rate(
        &app,
        &b,
        json!({"date": r2.fx_date, "base": "KRW", "currency": "USD", "rate": "1"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // A's comparisons use the shared 1,400: the KRW offer ranks first, all 10 t go to it.
    let compare = |rfq: &str| {
        let (app, a) = (&app, a.clone());
        let path = format!("/api/v1/rfqs/{rfq}/comparison");
        async move {
            let c = app.get(&path, Some(&a)).await;
            assert_eq!(c.status, 200, "{}", c.text);
            c.json
        }
    };
    for rfq in [&r1, &r2] {
        let c = compare(&rfq.id).await;
        assert_eq!(
            usd_and_first(&c),
            ("1400".to_owned(), rfq.krw_quote.clone()),
            "{c}"
        );
        assert_eq!(c["lines"][0]["suggestion"]["total_base"], "140000000");
        let usd = c["lines"][0]["offers"][1].clone();
        assert_eq!(usd["landed_total_base"], "147000000", "{usd}");
    }
    // B's EUR rate was not fixed for A's RFQ.
    {
        use coprocure::schema::rfq_fx_rates as l;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = app.conn().await;
        let fixed: Vec<(String, rust_decimal::Decimal)> = l::table
            .filter(l::rfq_id.eq(uuid::Uuid::parse_str(&r1.id).unwrap()))
            .select((l::currency, l::rate))
            .order(l::currency)
            .load(&mut conn)
            .await
            .unwrap();
        assert_eq!(
            fixed,
            [("USD".to_owned(), rust_decimal::Decimal::from(1400))]
        );
    }

    // After A's rates were fixed: B again, for both dates; B cannot aim at A's scope.
    for (date, rate) in [(r1.fx_date, "1.5"), (r2.fx_date, "2")] {
        let r = post_rate(
            &app,
            &b,
            json!({"date": date, "base": "KRW", "currency": "USD", "rate": rate}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = post_rate(&app, &b, json!({"date": r1.fx_date, "base": "KRW", "currency": "USD", "rate": "1", "cooperative_id": w.a.coop})).await;
    r.assert_problem(422, "unknown_cooperative");
    for rfq in [&r1, &r2] {
        let c = compare(&rfq.id).await;
        assert_eq!(
            usd_and_first(&c),
            ("1400".to_owned(), rfq.krw_quote.clone()),
            "{c}"
        );
    }

    // Award and POs: R1 split 5 t / 5 t (a rationale, as it is not the optimum), R2 whole.
    let award = |rfq: &UsdRfq, body: Value| {
        let (app, a) = (&app, a.clone());
        let path = format!("/api/v1/rfqs/{}/award", rfq.id);
        async move {
            let r = app.post(&path, Some(&a), &body).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
    };
    award(&r1, json!({"rationale": "Dual sourcing", "lines": [{"rfq_line_id": r1.line, "allocations": [
        {"quote_id": r1.krw_quote, "quantity": "5"}, {"quote_id": r1.usd_quote, "quantity": "5"}]}]})).await;
    award(&r2, json!({"lines": [{"rfq_line_id": r2.line, "allocations": [{"quote_id": r2.krw_quote, "quantity": "10"}]}]})).await;
    let pos = app
        .get("/api/v1/purchase-orders?limit=200", Some(&a))
        .await
        .json;
    let mut got: Vec<(String, String, String, String)> = pos["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            (s("rfq_id"), s("currency"), s("fx_rate"), s("total_base"))
        })
        .collect();
    got.sort();
    let mut want = vec![
        (
            r1.id.clone(),
            "KRW".to_owned(),
            "1".to_owned(),
            "70000000".to_owned(),
        ),
        (
            r1.id.clone(),
            "USD".to_owned(),
            "1400".to_owned(),
            "73500000".to_owned(),
        ),
        (
            r2.id.clone(),
            "KRW".to_owned(),
            "1".to_owned(),
            "140000000".to_owned(),
        ),
    ];
    want.sort();
    assert_eq!(got, want, "{pos}");
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn a_cooperatives_own_rate_moves_its_comparison_alone() {
    use crate::helpers::token;
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let ra = usd_rfq(&app, &w, &w.a, deadline_in(&app, 2)).await;
    let rb = usd_rfq(&app, &w, &w.b, deadline_in(&app, 2)).await;
    let day = ra.fx_date - chrono::Duration::days(1);
    // The shared rate (a platform admin's) and, the same day, A's own.
    for (tok, rate) in [(&w.platform, "1400"), (&w.a.admin, "1300")] {
        let r = post_rate(
            &app,
            tok,
            json!({"date": day, "base": "KRW", "currency": "USD", "rate": rate}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    app.clock.advance(chrono::Duration::days(3));
    let a = token(&app, "admin-a@coop.kr").await;
    let b = token(&app, "admin-b@coop.kr").await;
    // A compares at its own 1,300: the USD offer (13,650,000 per t) ranks first.
    let c = app
        .get(&format!("/api/v1/rfqs/{}/comparison", ra.id), Some(&a))
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(
        usd_and_first(&c.json),
        ("1300".to_owned(), ra.usd_quote.clone())
    );
    assert_eq!(c.json["lines"][0]["suggestion"]["total_base"], "136500000");
    // B has no rate of its own: the shared 1,400, and the KRW offer first.
    let c = app
        .get(&format!("/api/v1/rfqs/{}/comparison", rb.id), Some(&b))
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(
        usd_and_first(&c.json),
        ("1400".to_owned(), rb.krw_quote.clone())
    );
    assert_eq!(c.json["lines"][0]["suggestion"]["total_base"], "140000000");
    // A's award converts at its rate.
    let r = app
        .post(
            &format!("/api/v1/rfqs/{}/award", ra.id),
            Some(&a),
            &json!({"lines": [{"rfq_line_id": ra.line, "allocations": [{"quote_id": ra.usd_quote, "quantity": "10"}]}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let pos = app.get("/api/v1/purchase-orders", Some(&a)).await.json;
    assert_eq!(pos["items"][0]["fx_rate"], "1300", "{pos}");
    assert_eq!(pos["items"][0]["total_base"], "136500000", "{pos}");
    app.run_jobs_until_idle().await;
}

/// `GET /fx-rates` as `tok` on `date` (with an optional query suffix): (currency, rate,
/// scope) of each rate in force.
async fn view(
    app: &TestApp,
    tok: &str,
    date: &str,
    extra: &str,
) -> (u16, Vec<(String, String, String)>, Value) {
    let r = app
        .get(
            &format!("/api/v1/fx-rates?base=KRW&date={date}{extra}"),
            Some(tok),
        )
        .await;
    let rates = r.json["rates"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    let s = |k: &str| x[k].as_str().unwrap().to_owned();
                    (s("currency"), s("rate"), s("scope"))
                })
                .collect()
        })
        .unwrap_or_default();
    (r.status, rates, r.json)
}

fn triples(v: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    v.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

#[tokio::test]
async fn each_user_sees_the_rates_in_force_for_it_and_no_other_cooperatives() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let d = "2026-11-25";
    let nobody = uuid::Uuid::now_v7().to_string();
    let entries = [
        (&w.platform, "USD", "1400", None),
        (&w.platform, "CHF", "1600", None),
        (&w.a.admin, "USD", "1300", None),
        (&w.a.admin, "EUR", "1500", Some(w.a.coop.as_str())),
        (&w.platform, "CNY", "190", Some(w.b.coop.as_str())),
    ];
    for (tok, currency, rate, coop) in entries {
        let r = post_rate(&app, tok, json!({"date": d, "base": "KRW", "currency": currency, "rate": rate, "cooperative_id": coop})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(
            r.json["scope"],
            if coop.is_some() || tok == &w.a.admin {
                "cooperative"
            } else {
                "shared"
            }
        );
    }
    // A platform admin cannot aim at a cooperative that does not exist, nor a coop admin at
    // another cooperative (the same answer); nothing is stored.
    for (tok, coop) in [
        (&w.platform, &nobody),
        (&w.a.admin, &w.b.coop),
        (&w.a.admin, &nobody),
    ] {
        let r = post_rate(&app, tok, json!({"date": d, "base": "KRW", "currency": "USD", "rate": "1", "cooperative_id": coop})).await;
        r.assert_problem(422, "unknown_cooperative");
        assert_eq!(r.json["errors"][0]["field"], "cooperative_id");
    }

    let a_view = triples(&[
        ("CHF", "1600", "shared"),
        ("EUR", "1500", "cooperative"),
        ("USD", "1300", "cooperative"),
    ]);
    let b_view = triples(&[
        ("CHF", "1600", "shared"),
        ("CNY", "190", "cooperative"),
        ("USD", "1400", "shared"),
    ]);
    let shared = triples(&[("CHF", "1600", "shared"), ("USD", "1400", "shared")]);
    let a_self = format!("&cooperative_id={}", w.a.coop);
    for (tok, extra, want, whose) in [
        (&w.a.admin, "", &a_view, Value::from(w.a.coop.clone())),
        (
            &w.a.admin,
            a_self.as_str(),
            &a_view,
            Value::from(w.a.coop.clone()),
        ),
        (
            &w.a.member_token,
            "",
            &a_view,
            Value::from(w.a.coop.clone()),
        ),
        (&w.b.admin, "", &b_view, Value::from(w.b.coop.clone())),
        (&w.s1_token, "", &shared, Value::Null),
        (&w.platform, "", &shared, Value::Null),
        (
            &w.platform,
            a_self.as_str(),
            &a_view,
            Value::from(w.a.coop.clone()),
        ),
    ] {
        let (status, got, body) = view(&app, tok, d, extra).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(&got, want, "{extra} {body}");
        assert_eq!(body["cooperative_id"], whose);
    }
    let own = view(&app, &w.a.admin, d, "").await.2;
    let usd = own["rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["currency"] == "USD")
        .unwrap()
        .clone();
    assert_eq!(usd["cooperative_id"].as_str(), Some(w.a.coop.as_str()));
    // Nobody names another cooperative (or none that exists) to read its rates.
    let a_named = format!("&cooperative_id={}", w.a.coop);
    let nobody_named = format!("&cooperative_id={nobody}");
    for (tok, extra) in [
        (&w.b.admin, &a_named),
        (&w.b.member_token, &a_named),
        (&w.s1_token, &a_named),
        (&w.platform, &nobody_named),
    ] {
        let r = app
            .get(
                &format!("/api/v1/fx-rates?base=KRW&date={d}{extra}"),
                Some(tok),
            )
            .await;
        r.assert_problem(422, "unknown_cooperative");
        assert!(
            !r.text.contains("1300") && !r.text.contains("1500"),
            "{}",
            r.text
        );
    }

    // A newer shared rate is in force over an older own one (per currency, the latest date;
    // on one date, the cooperative's own).
    let r = post_rate(
        &app,
        &w.platform,
        json!({"date": "2026-11-26", "base": "KRW", "currency": "USD", "rate": "1410"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let (_, got, _) = view(&app, &w.a.admin, "2026-11-26", "").await;
    assert!(
        got.contains(&("USD".into(), "1410".into(), "shared".into())),
        "{got:?}"
    );

    // Audit: each cooperative's rates in its own trail, the shared ones in neither.
    let trail = |coop: &str, tok: &str| {
        let (app, path) = (
            &app,
            format!("/api/v1/cooperatives/{coop}/audit?entity=fx_rate"),
        );
        let tok = tok.to_owned();
        async move {
            let r = app.get(&path, Some(&tok)).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let mut got: Vec<(String, String, String)> = r.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["entity_id"].as_str().unwrap().to_owned(),
                        e["data"]["rate"]
                            .as_str()
                            .map_or_else(|| e["data"]["rate"].to_string(), str::to_owned),
                        e["data"]["scope"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            got.sort();
            got
        }
    };
    assert_eq!(
        trail(&w.a.coop, &w.a.admin).await,
        triples(&[
            ("KRW/EUR/2026-11-25", "1500", "cooperative"),
            ("KRW/USD/2026-11-25", "1300", "cooperative"),
        ])
    );
    assert_eq!(
        trail(&w.b.coop, &w.b.admin).await,
        triples(&[("KRW/CNY/2026-11-25", "190", "cooperative")])
    );
}

#[tokio::test]
async fn a_feed_refresh_keeps_manual_rates_and_checks_against_shared_rates_only() {
    let feed = HttpSink::start().await;
    let app = TestApp::spawn_with(&[(
        "COPROCURE_FX_URL",
        &feed.url("/stats/eurofxref/eurofxref-daily.xml"),
    )])
    .await;
    let w = World::build(&app).await;
    // The feed's day (2026-11-27): A's own USD rate and a shared (platform) EUR rate; the
    // day before, B's absurd JPY rate of its own.
    for (tok, date, currency, rate) in [
        (&w.a.admin, "2026-11-27", "USD", "1300"),
        (&w.platform, "2026-11-27", "EUR", "1400"),
        (&w.b.admin, "2026-11-26", "JPY", "1"),
    ] {
        let r = post_rate(
            &app,
            tok,
            json!({"date": date, "base": "KRW", "currency": currency, "rate": rate}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    feed.serve(200, ECB, Duration::ZERO);
    let r = refresh(&app, &w.platform, false).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // B's rate is no reference for everyone's: JPY is not refused.
    assert_eq!(r.json["refused"], json!([]), "{}", r.text);
    assert_eq!(r.json["kept_manual"], 1, "{}", r.text);
    let usd = (rust_decimal::Decimal::from_str_exact("1500.12").unwrap()
        / rust_decimal::Decimal::from_str_exact("1.0543").unwrap())
    .round_dp_with_strategy(10, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    .normalize()
    .to_string();
    let d = "2026-11-27";
    let pick = |v: &[(String, String, String)], c: &str| {
        v.iter()
            .find(|x| x.0 == c)
            .map(|x| (x.1.clone(), x.2.clone()))
    };
    let (_, a, _) = view(&app, &w.a.admin, d, "").await;
    assert_eq!(
        pick(&a, "USD"),
        Some(("1300".into(), "cooperative".into())),
        "A's own stays"
    );
    assert_eq!(
        pick(&a, "EUR"),
        Some(("1400".into(), "shared".into())),
        "shared manual stays"
    );
    let (_, b, _) = view(&app, &w.b.admin, d, "").await;
    assert_eq!(pick(&b, "USD"), Some((usd.clone(), "shared".into())));
    assert_eq!(pick(&b, "EUR"), Some(("1400".into(), "shared".into())));
    assert_eq!(pick(&b, "JPY").map(|x| x.1), Some("shared".into()));
    let (_, shared, _) = view(&app, &w.platform, d, "").await;
    assert_eq!(pick(&shared, "USD"), Some((usd, "shared".into())));
    // B's own JPY rate is still B's, for its day.
    let (_, b26, _) = view(&app, &w.b.admin, "2026-11-26", "").await;
    assert_eq!(pick(&b26, "JPY"), Some(("1".into(), "cooperative".into())));
}

#[tokio::test]
async fn a_refresh_racing_a_shared_manual_entry_never_overwrites_it() {
    use diesel::sql_types::BigInt;
    use diesel_async::RunQueryDsl;
    let feed = HttpSink::start().await;
    let app = TestApp::spawn_with(&[(
        "COPROCURE_FX_URL",
        &feed.url("/stats/eurofxref/eurofxref-daily.xml"),
    )])
    .await;
    let w = World::build(&app).await;
    feed.serve(200, ECB, Duration::ZERO);
    // A platform admin's manual USD rate for the feed's day, not committed yet when the
    // refresh reads the day: the refresh must wait for it and then keep it.
    let mut manual = app.conn().await;
    diesel::sql_query("BEGIN")
        .execute(&mut manual)
        .await
        .unwrap();
    diesel::sql_query(
        "INSERT INTO fx_rates (id, date, base, currency, rate, source, created_at) \
         VALUES (gen_random_uuid(), '2026-11-27', 'KRW', 'USD', 1400, 'manual', now())",
    )
    .execute(&mut manual)
    .await
    .unwrap();
    let mut watch = app.conn().await;
    let release = async {
        // Until the refresh is blocked on the uncommitted row.
        for tries in 0.. {
            assert!(tries < 1000, "the refresh never waited for the manual row");
            let waiting: i64 = diesel::select(diesel::dsl::sql::<BigInt>(
                "(SELECT count(*) FROM pg_stat_activity \
                  WHERE datname = current_database() AND wait_event_type = 'Lock')",
            ))
            .get_result(&mut watch)
            .await
            .unwrap();
            if waiting > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        diesel::sql_query("COMMIT")
            .execute(&mut manual)
            .await
            .unwrap();
    };
    let (r, ()) = tokio::join!(refresh(&app, &w.platform, false), release);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["kept_manual"], 1, "{}", r.text);
    let (_, shared, _) = view(&app, &w.platform, "2026-11-27", "").await;
    assert!(
        shared.contains(&("USD".into(), "1400".into(), "shared".into())),
        "{shared:?}"
    );
}

#[tokio::test]
async fn the_migration_gives_existing_manual_rates_to_their_cooperatives() {
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let mut conn = app.conn().await;
    conn.batch_execute(include_str!(concat!(
        "../../migrations/2026-12-01-020000_add_fx_rate_scope",
        "/down.sql"
    )))
    .await
    .unwrap();
    // As before: one rate per pair and day, whoever entered it.
    diesel::sql_query(format!(
        "INSERT INTO fx_rates (id, date, base, currency, rate, source, created_by, created_at) VALUES \
         (gen_random_uuid(), '2026-11-20', 'KRW', 'USD', 1390, 'manual', \
          (SELECT id FROM users WHERE email = 'platform@coprocure.kr'), now()), \
         (gen_random_uuid(), '2026-11-21', 'KRW', 'USD', 1, 'manual', '{}', now()), \
         (gen_random_uuid(), '2026-11-22', 'KRW', 'USD', 1392, 'ecb', NULL, now()), \
         (gen_random_uuid(), '2026-11-23', 'KRW', 'USD', 1300, 'manual', '{}', now())",
        w.b.admin_user, w.a.admin_user
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    conn.batch_execute(include_str!(concat!(
        "../../migrations/2026-12-01-020000_add_fx_rate_scope",
        "/up.sql"
    )))
    .await
    .unwrap();
    let usd = |v: Vec<(String, String, String)>| {
        v.into_iter()
            .find(|r| r.0 == "USD")
            .map(|r| (r.1, r.2))
            .unwrap()
    };
    let case = |tok: &str, date: &'static str| {
        let (app, tok) = (&app, tok.to_owned());
        async move { usd(view(app, &tok, date, "").await.1) }
    };
    let pair = |r: &str, s: &str| (r.to_owned(), s.to_owned());
    // A's admin's rate is A's; B's admin's is B's; the platform's and the feed's are shared.
    assert_eq!(
        case(&w.a.admin, "2026-11-23").await,
        pair("1300", "cooperative")
    );
    assert_eq!(case(&w.a.admin, "2026-11-21").await, pair("1390", "shared"));
    assert_eq!(
        case(&w.b.admin, "2026-11-21").await,
        pair("1", "cooperative")
    );
    assert_eq!(case(&w.b.admin, "2026-11-23").await, pair("1392", "shared"));
    assert_eq!(
        case(&w.platform, "2026-11-23").await,
        pair("1392", "shared")
    );
}
