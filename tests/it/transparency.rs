//! Transparency (issue 17): the award report for members and the OCDS 1.1.5 export.
//!
//! One RFQ of cooperative A for 40 t of copper, split by the optimum between two suppliers
//! (each can deliver at most 25 t), a third supplier's dearer offer losing; two members
//! with demand (30 t and 10 t). Every OCDS package any test produces is validated against
//! the 1.1.5 package schemas with the extended release schema (draft 4, formats checked),
//! from `tests/fixtures/ocds/`.

use std::sync::atomic::{AtomicUsize, Ordering};

use coprocure::clock::Clock;
use serde_json::{json, Value};

use crate::helpers::world::{World, BIZ};
use crate::helpers::{created, token, TestApp, PASSWORD};

pub const PREFIX: &str = "ocds-213czf";
const RELEASE_SCHEMA_URL: &str =
    "https://standard.open-contracting.org/schema/1__1__5/release-schema.json";
const VERSIONED_SCHEMA_URL: &str =
    "https://standard.open-contracting.org/schema/1__1__5/versioned-release-validation-schema.json";

static VALIDATED: AtomicUsize = AtomicUsize::new(0);
static ERRORS: AtomicUsize = AtomicUsize::new(0);

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/ocds/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Validates a package (`release` or `record`) against the 1.1.5 schemas; returns the
/// errors (and counts them).
fn validate(kind: &str, package: &Value) -> Vec<String> {
    let registry = jsonschema::Registry::new()
        .add(
            RELEASE_SCHEMA_URL,
            fixture("release-schema-patched-1__1__5.json"),
        )
        .unwrap()
        .add(
            VERSIONED_SCHEMA_URL,
            fixture("versioned-release-validation-schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let schema = fixture(&format!("{kind}-package-schema.json"));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .with_registry(&registry)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(package)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    VALIDATED.fetch_add(1, Ordering::SeqCst);
    ERRORS.fetch_add(errors.len(), Ordering::SeqCst);
    errors
}

fn assert_valid(kind: &str, package: &Value) {
    let errors = validate(kind, package);
    assert!(
        errors.is_empty(),
        "{kind} package: {} errors: {errors:#?}\n{package:#}",
        errors.len()
    );
}

fn report_validation(test: &str) {
    println!(
        "OCDS validation ({test}): {} packages validated so far, {} errors",
        VALIDATED.load(Ordering::SeqCst),
        ERRORS.load(Ordering::SeqCst)
    );
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

pub struct Setup {
    pub w: World,
    pub rfq: String,
    pub line: String,
    pub member2: String,
    pub member2_token: String,
    pub s3_token: String,
    /// Export (members' view, as raw text) before any quote and after the quotes, both
    /// before the deadline.
    pub sealed_before: String,
    pub sealed_after: String,
    pub comparison: Value,
    pub award: Value,
}

/// Builds the scenario up to an acknowledged PO.
/// Fresh access tokens for everyone after the clock moved past their lifetime.
async fn relogin(app: &TestApp, w: &mut World, member2: &mut String, s3: &mut String) {
    w.a.admin = token(app, "admin-a@coop.kr").await;
    w.a.member_token = token(app, "user-a@member.kr").await;
    w.b.admin = token(app, "admin-b@coop.kr").await;
    w.b.member_token = token(app, "user-b@member.kr").await;
    w.s1_token = token(app, "rep@kcopper.kr").await;
    w.s2_token = token(app, "rep@saigonmetals.vn").await;
    *member2 = token(app, "lee@hanil.kr").await;
    *s3 = token(app, "rep@incheon-nf.kr").await;
}

pub async fn setup(app: &TestApp) -> Setup {
    let mut w = World::build(app).await;
    let a = &w.a;
    // A second member of A with a user, and a third supplier.
    let member2 = id(&created(app, &format!("/api/v1/cooperatives/{}/members", a.coop), &a.admin,
        json!({"name": "Hanil Precision", "business_number": BIZ[5], "membership": "regular", "contact_email": "ap@hanil.kr"})).await);
    created(app, &format!("/api/v1/cooperatives/{}/users", a.coop), &a.admin,
        json!({"email": "lee@hanil.kr", "name": "Lee", "role": "member", "member_id": member2, "password": PASSWORD})).await;
    let mut member2_token = token(app, "lee@hanil.kr").await;
    let s3 = id(&created(app, "/api/v1/suppliers", &a.admin, json!({"name": "Incheon Nonferrous", "country": "KR", "business_number": "110-81-00005", "default_currency": "KRW", "contact_email": "sales@incheon-nf.kr"})).await);
    created(
        app,
        &format!("/api/v1/suppliers/{s3}/users"),
        &w.platform,
        json!({"email": "rep@incheon-nf.kr", "name": "Rep 3", "password": PASSWORD}),
    )
    .await;
    let mut s3_token = token(app, "rep@incheon-nf.kr").await;

    // A round with 30 t + 10 t of copper, closed; an RFQ to the three suppliers.
    let round = id(&created(app, &format!("/api/v1/cooperatives/{}/rounds", a.coop), &a.admin,
        json!({"title": "Copper 2027 Q1", "closes_at": (app.clock.now() + chrono::Duration::days(1)).to_rfc3339()})).await);
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/open"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for (m, q) in [(&a.member, "30"), (&member2, "10")] {
        created(app, &format!("/api/v1/rounds/{round}/demand"), &a.admin,
            json!({"member_id": m, "material_id": a.material, "quantity": q, "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"})).await;
    }
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let deadline = app.clock.now() + chrono::Duration::days(2);
    let rfq = created(
        app,
        &format!("/api/v1/rounds/{round}/rfqs"),
        &a.admin,
        json!({
        "title": "Copper cathode 2027 Q1", "deadline": deadline.to_rfc3339(),
        "supplier_ids": [w.s1, w.s2, s3], "delivery_place": "Siheung plant",
        "currencies": ["KRW"], "logistics_adders": {"DAP": "1000"}}),
    )
    .await;
    let rfq_id = id(&rfq);
    let line = rfq["lines"][0]["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/rfqs/{rfq_id}/publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let export = format!("/api/v1/rfqs/{rfq_id}/ocds/releases");
    let sealed_before = app.get(&export, Some(&a.member_token)).await;
    assert_eq!(sealed_before.status, 200, "{}", sealed_before.text);

    let quote = |price: &str, max: &str| {
        json!({
        "currency": "KRW", "incoterm": "DAP", "named_place": "Siheung plant",
        "valid_until": "2027-12-31", "lead_time_days": 21,
        "lines": [{"rfq_line_id": line, "unit_price": price, "min_quantity": "1", "max_quantity": max}]})
    };
    let quotes = format!("/api/v1/rfqs/{rfq_id}/quotes");
    created(app, &quotes, &w.s1_token, quote("13000000", "25")).await;
    created(app, &quotes, &w.s2_token, quote("13200000.5", "25")).await;
    created(app, &quotes, &s3_token, quote("14100000", "40")).await;
    app.run_jobs_until_idle().await;
    let sealed_after = app.get(&export, Some(&a.member_token)).await;
    assert_eq!(sealed_after.status, 200, "{}", sealed_after.text);

    // Before the award the report is not available, not even to the admin.
    app.get(
        &format!("/api/v1/rfqs/{rfq_id}/award-report"),
        Some(&a.admin),
    )
    .await
    .assert_problem(409, "not_awarded");

    app.clock.advance(chrono::Duration::days(3));
    relogin(app, &mut w, &mut member2_token, &mut s3_token).await;
    let a = &w.a;
    let comparison = app
        .get(&format!("/api/v1/rfqs/{rfq_id}/comparison"), Some(&a.admin))
        .await;
    assert_eq!(comparison.status, 200, "{}", comparison.text);
    let comparison = comparison.json;
    let suggestion = &comparison["lines"][0]["suggestion"];
    assert_eq!(
        suggestion["allocations"].as_array().unwrap().len(),
        2,
        "{comparison:#}"
    );
    app.get(
        &format!("/api/v1/rfqs/{rfq_id}/award-report"),
        Some(&a.member_token),
    )
    .await
    .assert_problem(409, "not_awarded");
    let award = app
        .post(&format!("/api/v1/rfqs/{rfq_id}/award"), Some(&a.admin), &json!({
            "lines": [{"rfq_line_id": line, "allocations": suggestion["allocations"].as_array().unwrap().iter()
                .map(|x| json!({"quote_id": x["quote_id"], "quantity": x["quantity"]})).collect::<Vec<_>>()}]}))
        .await;
    assert_eq!(award.status, 201, "{}", award.text);
    let award = award.json;
    // Korea Copper acknowledges its PO.
    let po1 = award["purchase_orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["supplier_id"] == w.s1.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.clock.advance(chrono::Duration::hours(2));
    relogin(app, &mut w, &mut member2_token, &mut s3_token).await;
    let r = app
        .post(
            &format!("/api/v1/purchase-orders/{po1}/acknowledge"),
            Some(&w.s1_token),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.run_jobs_until_idle().await;
    Setup {
        rfq: rfq_id,
        line,
        member2,
        member2_token,
        s3_token,
        sealed_before: sealed_before.text,
        sealed_after: sealed_after.text,
        comparison,
        award,
        w,
    }
}

#[tokio::test]
async fn award_report_shows_the_comparison_and_award_figures_and_only_the_members_own_share() {
    let app = TestApp::spawn_with(&[("COPROCURE_OCDS_PREFIX", PREFIX)]).await;
    let s = setup(&app).await;
    let a = &s.w.a;
    let path = format!("/api/v1/rfqs/{}/award-report", s.rfq);

    // Outsiders: suppliers (even a winner), another cooperative's member and admin.
    for t in [
        &s.w.s1_token,
        &s.s3_token,
        &s.w.b.member_token,
        &s.w.b.admin,
    ] {
        app.get(&path, Some(t))
            .await
            .assert_problem(404, "not_found");
    }

    let admin = app.get(&path, Some(&a.admin)).await;
    assert_eq!(admin.status, 200, "{}", admin.text);
    let r = admin.json;
    // The same figures as the comparison: every offer, its rank and landed figures, and the
    // suggestion; the published rules.
    let cl = &s.comparison["lines"][0];
    let rl = &r["lines"][0];
    assert_eq!(rl["offers"], cl["offers"]);
    assert_eq!(rl["suggestion"], cl["suggestion"]);
    assert_eq!(rl["offers"].as_array().unwrap().len(), 3);
    assert_eq!(
        r["suggested_total_base"],
        s.comparison["suggested_total_base"]
    );
    assert_eq!(r["rules"]["weights"], s.comparison["weights"]);
    assert_eq!(r["rules"]["fx_date"], s.comparison["fx_date"]);
    assert_eq!(
        r["rules"]["logistics_adders"],
        json!([{"incoterm": "DAP", "amount": "1000"}])
    );
    assert_eq!(r["rules"]["duty_rates"][0]["duty_rate"], cl["duty_rate"]);
    assert_eq!(r["suggestion_proved_optimal"], cl["suggestion"]["optimal"]);
    // The award as made: totals, difference, POs.
    assert_eq!(r["award"]["total_base"], s.award["total_base"]);
    assert_eq!(r["award"]["optimum_base"], s.award["optimum_base"]);
    assert_eq!(r["award"]["difference_base"], "0");
    assert_eq!(r["award"]["rationale"], Value::Null);
    let awarded: Vec<(Value, Value)> = rl["awarded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["quote_id"].clone(), x["quantity"].clone()))
        .collect();
    let suggested: Vec<(Value, Value)> = cl["suggestion"]["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["quote_id"].clone(), x["quantity"].clone()))
        .collect();
    let (mut x, mut y) = (awarded.clone(), suggested);
    x.sort_by_key(|v| v.0.to_string());
    y.sort_by_key(|v| v.0.to_string());
    assert_eq!(x, y);
    let pos = |v: &Value| {
        let mut p: Vec<(Value, Value, Value)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["number"].clone(),
                    p["total"].clone(),
                    p["total_base"].clone(),
                )
            })
            .collect();
        p.sort_by_key(|t| t.0.to_string());
        p
    };
    assert_eq!(pos(&r["purchase_orders"]), pos(&s.award["purchase_orders"]));
    // Admins see every member's share; the audit events carry chain positions.
    let members: std::collections::BTreeSet<&str> = r["member_allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member_id"].as_str().unwrap())
        .collect();
    assert_eq!(members, [a.member.as_str(), s.member2.as_str()].into());
    let actions: Vec<&str> = r["audit"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "rfq.published",
        "quote.submitted",
        "rfq.awarded",
        "po.issued",
        "po.acknowledged",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(r["audit"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["position"].as_i64().is_some_and(|p| p > 0)));

    // A member sees only its own allocations; the others as totals.
    for (member, t) in [(&a.member, &a.member_token), (&s.member2, &s.member2_token)] {
        let m = app.get(&path, Some(t)).await;
        assert_eq!(m.status, 200, "{}", m.text);
        let m = m.json;
        assert_eq!(m["lines"], r["lines"]);
        let own = m["member_allocations"].as_array().unwrap();
        assert!(!own.is_empty());
        assert!(
            own.iter().all(|x| x["member_id"] == member.as_str()),
            "{own:?}"
        );
        assert!(!m.to_string().contains(if member == &a.member {
            "Hanil Precision"
        } else {
            "Member a"
        }));
        for t in m["allocation_totals"].as_array().unwrap() {
            let total: rust_decimal::Decimal = t["quantity"].as_str().unwrap().parse().unwrap();
            let others: rust_decimal::Decimal =
                t["others_quantity"].as_str().unwrap().parse().unwrap();
            let mine: rust_decimal::Decimal = own
                .iter()
                .filter(|x| x["po_line_id"] == t["po_line_id"])
                .map(|x| {
                    x["quantity"]
                        .as_str()
                        .unwrap()
                        .parse::<rust_decimal::Decimal>()
                        .unwrap()
                })
                .sum();
            assert!(others > rust_decimal::Decimal::ZERO);
            assert_eq!(mine + others, total);
        }
        assert!(m["audit"]["events"][0]["href"].is_null());
    }

    // CSV, and the chain verified with the report's events in it.
    let csv = app
        .get(&format!("{path}?format=csv"), Some(&a.member_token))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.text.starts_with('\u{feff}'));
    assert!(
        csv.text.contains("offer,1,CU-A,") && csv.text.contains("Saigon Metals"),
        "{}",
        csv.text
    );
    assert!(csv.text.contains(&format!(
        ",total_base,{},",
        s.award["total_base"].as_str().unwrap()
    )));
    assert!(!csv.text.contains("Hanil Precision"));
    let v = app
        .get(&format!("{path}/verify"), Some(&a.member_token))
        .await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.json["ok"], true, "{}", v.text);
    assert_eq!(
        v.json["events_verified"].as_u64().unwrap() as usize,
        r["audit"]["events"].as_array().unwrap().len()
    );
    app.get(&format!("{path}/verify"), Some(&s.w.s2_token))
        .await
        .assert_problem(404, "not_found");
    let _ = &s.line;
}

fn releases(p: &Value) -> &Vec<Value> {
    p["releases"].as_array().unwrap()
}

fn tags(p: &Value) -> Vec<String> {
    releases(p)
        .iter()
        .flat_map(|r| {
            r["tag"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn ocds_export_of_an_awarded_rfq_validates_and_a_sealed_one_holds_no_bid() {
    let app = TestApp::spawn_with(&[("COPROCURE_OCDS_PREFIX", PREFIX)]).await;
    let s = setup(&app).await;
    let a = &s.w.a;

    // Sealed: the same export before and after three quotes, valid, and nothing of quotes.
    assert_eq!(s.sealed_before, s.sealed_after);
    let sealed: Value = serde_json::from_str(&s.sealed_after).unwrap();
    assert_valid("release", &sealed);
    assert_eq!(tags(&sealed), ["tender"]);
    for word in [
        "bids",
        "tenderers",
        "numberOfTenderers",
        "Korea Copper",
        "Saigon",
        "Incheon",
        "13000000",
        "\"supplier\"",
        "tenderer",
    ] {
        assert!(
            !s.sealed_after.contains(word),
            "{word} in a sealed export: {}",
            s.sealed_after
        );
    }

    // Awarded: tender, bids opened, award, two contracts, one acknowledged.
    let path = format!("/api/v1/rfqs/{}/ocds/releases", s.rfq);
    let r = app.get(&path, Some(&a.member_token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pkg = r.json;
    assert_valid("release", &pkg);
    assert_eq!(
        tags(&pkg),
        [
            "tender",
            "tenderUpdate",
            "award",
            "tenderUpdate",
            "contract",
            "contract",
            "contractUpdate"
        ]
    );
    let ocid = format!("{PREFIX}-{}", s.rfq);
    assert!(releases(&pkg).iter().all(|r| r["ocid"] == ocid.as_str()));
    // The package date is the latest release's.
    let last = releases(&pkg).last().unwrap();
    assert_eq!(pkg["publishedDate"], last["date"]);
    // Two winners with their items; contracts carry the PO values exactly.
    let awards = last["awards"].as_array().unwrap();
    let winners: std::collections::BTreeSet<&str> = awards
        .iter()
        .map(|x| x["suppliers"][0]["name"].as_str().unwrap())
        .collect();
    assert_eq!(winners, ["Korea Copper", "Saigon Metals"].into());
    let qty: f64 = awards
        .iter()
        .map(|x| x["items"][0]["quantity"].as_f64().unwrap())
        .sum();
    assert_eq!(qty, 40.0);
    let contracts = last["contracts"].as_array().unwrap();
    assert_eq!(contracts.len(), 2);
    for po in s.award["purchase_orders"].as_array().unwrap() {
        let c = contracts.iter().find(|c| c["id"] == po["number"]).unwrap();
        assert_eq!(c["value"]["currency"], "KRW");
        assert!(awards.iter().any(|x| x["id"] == c["awardID"]));
        // Exact: the raw text holds the PO total as a JSON number.
        let total = po["total"].as_str().unwrap();
        assert!(
            r.text.contains(&format!(
                "\"value\":{{\"amount\":{total},\"currency\":\"KRW\"}}"
            )),
            "{total}"
        );
        let status = if po["supplier_id"] == s.w.s1.as_str() {
            "active"
        } else {
            "pending"
        };
        assert_eq!(c["status"], status);
    }
    // Roles: the cooperative buyer and procuring entity, members buyers, winners suppliers,
    // the loser a tenderer only; every bid with its digest.
    let parties = last["parties"].as_array().unwrap();
    let roles = |name: &str| -> Vec<String> {
        parties.iter().find(|p| p["name"] == name).unwrap()["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(roles("Coop a"), ["buyer", "procuringEntity"]);
    assert_eq!(roles("Member a"), ["buyer"]);
    assert_eq!(roles("Hanil Precision"), ["buyer"]);
    assert_eq!(roles("Korea Copper"), ["tenderer", "supplier"]);
    assert_eq!(roles("Saigon Metals"), ["tenderer", "supplier"]);
    assert_eq!(roles("Incheon Nonferrous"), ["tenderer"]);
    let member = parties.iter().find(|p| p["name"] == "Member a").unwrap();
    assert_eq!(member["identifier"]["scheme"], "KR-BRN");
    assert_eq!(member["identifier"]["id"], BIZ[1].replace('-', ""));
    assert_eq!(last["tender"]["procurementMethod"], "limited");
    assert_eq!(
        last["tender"]["items"][0]["classification"],
        json!({"scheme": "HS", "id": "740311"})
    );
    assert_eq!(last["tender"]["items"][0]["unit"]["scheme"], "UNCEFACT");
    assert_eq!(last["tender"]["numberOfTenderers"], 3);
    let bids = last["bids"]["details"].as_array().unwrap();
    assert_eq!(bids.len(), 3);
    assert!(bids
        .iter()
        .all(|b| b["identifiers"][0]["id"].as_str().unwrap().len() == 64));
    assert!(bids.iter().all(|b| b["value"]["amount"].is_number()));
    assert!(r.text.contains("\"amount\":13200000.5,"), "exact decimal");
    assert!(last.get("withheldInformation").is_none());

    // The record package: linked releases and the compiled release.
    let rec = app
        .get(
            &format!("/api/v1/rfqs/{}/ocds/record", s.rfq),
            Some(&a.admin),
        )
        .await;
    assert_eq!(rec.status, 200, "{}", rec.text);
    assert_valid("record", &rec.json);
    let record = &rec.json["records"][0];
    assert_eq!(record["releases"].as_array().unwrap().len(), 6);
    assert_eq!(record["compiledRelease"]["tag"], json!(["compiled"]));
    assert_eq!(record["compiledRelease"]["awards"], last["awards"]);

    // Members only by default: anyone else 404, suppliers included.
    app.get(&path, None).await.assert_problem(404, "not_found");
    app.get(&path, Some(&s.w.s1_token))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, Some(&s.w.b.member_token))
        .await
        .assert_problem(404, "not_found");
    // Made public: no sign-in, the losing offer's prices withheld and said so.
    let settings = format!("/api/v1/cooperatives/{}/ocds-settings", a.coop);
    let put = app
        .send(
            app.client
                .put(app.url(&settings))
                .bearer_auth(&a.admin)
                .json(&json!({"public": true})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(
        put.json,
        json!({"public": true, "withhold_losing_prices": true})
    );
    let public = app.get(&path, None).await;
    assert_eq!(public.status, 200, "{}", public.text);
    assert_valid("release", &public.json);
    let last = releases(&public.json).last().unwrap();
    let loser = last["bids"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["tenderers"][0]["name"] == "Incheon Nonferrous")
        .unwrap();
    assert!(
        loser.get("value").is_none() && loser.get("items").is_none(),
        "{loser}"
    );
    assert!(!public.text.contains("14100000"));
    assert_eq!(
        last["withheldInformation"][0]["field"],
        "bids/details/value"
    );
    assert!(last["withheldInformation"][0]["rationale"].is_string());
    let winner = last["bids"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["tenderers"][0]["name"] == "Korea Copper")
        .unwrap();
    assert!(winner["value"]["amount"].is_number());

    // The cooperative's feed, paged for harvesters; a `since` after the award leaves the
    // contract releases.
    let feed = format!("/api/v1/cooperatives/{}/ocds/releases", a.coop);
    let mut url = format!("{feed}?limit=3");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = app.get(&url, None).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert_valid("release", &page.json);
        pages += 1;
        seen.extend(
            releases(&page.json)
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        match page.json["links"]["next"].as_str() {
            Some(next) => url = next[next.find("/api/v1/").unwrap()..].to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    let all: Vec<String> = releases(&pkg)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, all);
    let awarded_at = releases(&pkg)[2]["date"].as_str().unwrap().to_owned();
    let since = app
        .get(
            &format!("{feed}?since={}", awarded_at.replace(':', "%3A")),
            None,
        )
        .await;
    assert_eq!(since.status, 200, "{}", since.text);
    assert_valid("release", &since.json);
    assert!(tags(&since.json).starts_with(&["award".to_owned()]));
    app.get(&format!("{feed}?since=yesterday"), None)
        .await
        .assert_problem(422, "invalid_date");
    report_validation("awarded and sealed");
    let _ = (&s.line, &s.s3_token);
}

#[tokio::test]
async fn ocds_export_without_a_prefix_is_refused_naming_the_setting() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    for path in [
        format!("/api/v1/rfqs/{}/ocds/releases", f.rfq),
        format!("/api/v1/rfqs/{}/ocds/record", f.rfq),
        format!("/api/v1/cooperatives/{}/ocds/releases", w.a.coop),
    ] {
        let r = app.get(&path, Some(&w.a.admin)).await;
        r.assert_problem(503, "ocds_prefix_missing");
        assert!(
            r.json["detail"]
                .as_str()
                .unwrap()
                .contains("COPROCURE_OCDS_PREFIX"),
            "{}",
            r.text
        );
    }
    app.run_jobs_until_idle().await;
}
