//! `coprocure demo`: the demo loads through the real use cases, shows a comparison with
//! proven-optimal suggestions for every line — each with at least two usable offers and a
//! suggested landed cost inside the material's market band — can be awarded, and a second
//! run changes nothing.

use std::str::FromStr;

use coprocure::demo::data::band;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::helpers::TestApp;

#[tokio::test]
async fn the_demo_loads_compares_awards_and_is_idempotent() {
    let app = TestApp::spawn().await;
    let settings = coprocure::config::Settings::from_lookup(|k| match k {
        "DATABASE_URL" => Some(app.db.url.clone()),
        "COPROCURE_FX_REFRESH_HOURS" => Some("0".into()),
        _ => None,
    })
    .unwrap();
    let pool =
        coprocure::db::build_pool(&app.db.url, 4, std::time::Duration::from_secs(10)).unwrap();
    let out = coprocure::demo::load(pool.clone(), settings.clone())
        .await
        .unwrap();
    assert!(out.starts_with("Demo loaded"), "{out}");
    assert!(
        out.contains("open the portal at http") && out.contains("buyer@demo.coprocure.kr"),
        "{out}"
    );
    let again = coprocure::demo::load(pool, settings).await.unwrap();
    assert!(again.contains("loaded already"), "{again}");

    let tok = app
        .login("buyer@demo.coprocure.kr", coprocure::demo::DEMO_PASSWORD)
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let members = app.get("/api/v1/cooperatives", Some(&tok)).await.json;
    let coop = members["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(
            &format!("/api/v1/cooperatives/{coop}/members?limit=200"),
            Some(&tok)
        )
        .await
        .json["items"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/cooperatives/{coop}/materials?limit=200"),
            Some(&tok)
        )
        .await
        .json["items"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    let rfqs = app.get("/api/v1/rfqs", Some(&tok)).await.json;
    assert_eq!(rfqs["items"].as_array().unwrap().len(), 1);
    let rfq = &rfqs["items"][0];
    assert_eq!(rfq["status"], "closed");
    assert_eq!(rfq["submitted_count"], 6);
    let id = rfq["id"].as_str().unwrap();
    let c = app
        .get(&format!("/api/v1/rfqs/{id}/comparison"), Some(&tok))
        .await;
    assert_eq!(c.status, 200, "{}", c.text);
    let lines = c.json["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 8, "every material of the round");
    let dec = |v: &Value| Decimal::from_str(v.as_str().unwrap()).unwrap();
    let mut origins = std::collections::BTreeSet::new();
    for l in lines {
        let code = l["material_code"].as_str().unwrap();
        let (low, high) = band(code).unwrap_or_else(|| panic!("no band for {code}"));
        let usable: Vec<&Value> = l["offers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["usable"] == true)
            .collect();
        assert!(usable.len() >= 2, "{code}: {} usable offers", usable.len());
        // Each offer sits on the line of its material: its landed cost is that market's.
        for o in &usable {
            let unit = dec(&o["landed_unit_base"]);
            assert!(
                low <= unit && unit <= high,
                "{code}: {} offers {unit} KRW, outside {low}–{high}",
                o["supplier_name"]
            );
            origins.insert((
                o["origin"].as_str().unwrap().to_owned(),
                o["currency"].as_str().unwrap().to_owned(),
            ));
        }
        let s = &l["suggestion"];
        assert_eq!(s["optimal"], true, "{code}");
        assert_eq!(s["covers_full_quantity"], true, "{code}");
        assert_eq!(dec(&s["covered_quantity"]), dec(&l["quantity"]), "{code}");
        let unit = dec(&s["total_base"]) / dec(&s["covered_quantity"]);
        assert!(
            low <= unit && unit <= high,
            "{code}: suggestion at {unit} KRW, outside {low}–{high}"
        );
        println!(
            "{code}: {} {} , {} usable offers, suggested {} KRW/{} (band {low}–{high})",
            l["quantity"].as_str().unwrap(),
            l["unit"].as_str().unwrap(),
            usable.len(),
            unit.round_dp(0),
            l["unit"].as_str().unwrap()
        );
    }
    assert_eq!(origins.len(), 4, "{origins:?}");
    // Awarding the suggestion goes through.
    let award: Vec<Value> = lines
        .iter()
        .map(|l| json!({"rfq_line_id": l["rfq_line_id"], "allocations": l["suggestion"]["allocations"].as_array().unwrap().iter()
            .map(|a| json!({"quote_id": a["quote_id"], "quantity": a["quantity"]})).collect::<Vec<_>>()}))
        .collect();
    let r = app
        .post(
            &format!("/api/v1/rfqs/{id}/award"),
            Some(&tok),
            &json!({"lines": award}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.json["purchase_orders"].as_array().unwrap().len() >= 3);
    // Deliver what the test's actions queued.
    app.run_jobs_until_idle().await;
}
