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
        json!({"currency": "USD", "base": "KRW", "rate": "1401", "date": "2026-11-25", "source": "manual"})
    );
    // The same day again replaces it.
    let r = app
        .post(
            "/api/v1/fx-rates",
            Some(&w.platform),
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
