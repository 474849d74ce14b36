//! A populated platform for authorisation tests: two cooperatives (each with a member, a
//! coop admin and a member user, and a material), two suppliers with a user each, and a
//! platform admin — every principal logged in.

use coprocure::clock::Clock;
use serde_json::{json, Value};

use super::{TestApp, PASSWORD};

/// Korean business numbers with valid check digits.
pub const BIZ: [&str; 6] = [
    "123-45-67891",
    "220-81-62517",
    "104-81-45007",
    "211-88-00082",
    "120-81-47521",
    "314-86-02411",
];

pub struct Org {
    pub coop: String,
    /// An open round with one demand line (by the member user).
    pub round: String,
    pub demand_line: String,
    pub member: String,
    pub admin_user: String,
    pub member_user: String,
    pub material: String,
    pub admin: String,
    pub member_token: String,
}

pub struct World {
    pub platform: String,
    pub a: Org,
    pub b: Org,
    pub s1: String,
    pub s2: String,
    pub s1_user: String,
    pub s1_token: String,
    pub s2_token: String,
}

async fn ok(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let r = app.post(path, Some(token), &body).await;
    assert_eq!(r.status, 201, "POST {path}: {}", r.text);
    assert!(r.header("location").is_some());
    r.json
}

async fn token(app: &TestApp, email: &str) -> String {
    app.login(email, PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn org(app: &TestApp, platform: &str, tag: &str, biz: &str, member_biz: &str) -> Org {
    let coop = ok(
        app,
        "/api/v1/cooperatives",
        platform,
        json!({"name": format!("Coop {tag}"), "business_number": biz}),
    )
    .await;
    let coop_id = coop["id"].as_str().unwrap().to_owned();
    let admin = ok(
        app,
        &format!("/api/v1/cooperatives/{coop_id}/users"),
        platform,
        json!({"email": format!("admin-{tag}@coop.kr"), "name": format!("Admin {tag}"), "role": "coop_admin", "password": PASSWORD}),
    )
    .await;
    let admin_token = token(app, &format!("admin-{tag}@coop.kr")).await;
    let member = ok(
        app,
        &format!("/api/v1/cooperatives/{coop_id}/members"),
        &admin_token,
        json!({"name": format!("Member {tag}"), "business_number": member_biz, "membership": "regular", "contact_email": format!("m-{tag}@member.kr")}),
    )
    .await;
    let member_id = member["id"].as_str().unwrap().to_owned();
    let member_user = ok(
        app,
        &format!("/api/v1/cooperatives/{coop_id}/users"),
        &admin_token,
        json!({"email": format!("user-{tag}@member.kr"), "name": format!("User {tag}"), "role": "member", "member_id": member_id, "password": PASSWORD}),
    )
    .await;
    let material = ok(
        app,
        &format!("/api/v1/cooperatives/{coop_id}/materials"),
        &admin_token,
        json!({"code": format!("CU-{tag}"), "name": "Copper cathode", "name_ko": "전기동", "kind": "raw", "hs_code": "7403.11", "unit": "TNE"}),
    )
    .await;
    let round = ok(
        app,
        &format!("/api/v1/cooperatives/{coop_id}/rounds"),
        &admin_token,
        json!({"title": format!("Round {tag}"), "closes_at": (chrono::Utc::now() + chrono::Duration::days(20)).to_rfc3339()}),
    )
    .await;
    let round_id = round["id"].as_str().unwrap().to_owned();
    let opened = app
        .post(
            &format!("/api/v1/rounds/{round_id}/open"),
            Some(&admin_token),
            &json!({}),
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    let member_token = token(app, &format!("user-{tag}@member.kr")).await;
    let line = ok(
        app,
        &format!("/api/v1/rounds/{round_id}/demand"),
        &member_token,
        json!({"material_id": material["id"], "quantity": "12.5", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"}),
    )
    .await;
    Org {
        round: round_id,
        demand_line: line["id"].as_str().unwrap().to_owned(),
        coop: coop_id,
        member: member_id,
        admin_user: admin["id"].as_str().unwrap().to_owned(),
        member_user: member_user["id"].as_str().unwrap().to_owned(),
        material: material["id"].as_str().unwrap().to_owned(),
        member_token,
        admin: admin_token,
    }
}

impl World {
    pub async fn build(app: &TestApp) -> Self {
        app.create_admin("platform@coprocure.kr", PASSWORD).await;
        let platform = token(app, "platform@coprocure.kr").await;
        let a = org(app, &platform, "a", BIZ[0], BIZ[1]).await;
        let b = org(app, &platform, "b", BIZ[2], BIZ[3]).await;
        let s1 = ok(app, "/api/v1/suppliers", &a.admin, json!({"name": "Korea Copper", "country": "KR", "business_number": BIZ[4], "default_currency": "KRW", "contact_email": "sales@kcopper.kr"})).await;
        let s2 = ok(app, "/api/v1/suppliers", &platform, json!({"name": "Saigon Metals", "country": "VN", "tax_id": "0301234567", "default_currency": "USD", "contact_email": "sales@saigonmetals.vn"})).await;
        let s1 = s1["id"].as_str().unwrap().to_owned();
        let s2 = s2["id"].as_str().unwrap().to_owned();
        let s1_user = ok(
            app,
            &format!("/api/v1/suppliers/{s1}/users"),
            &platform,
            json!({"email": "rep@kcopper.kr", "name": "Rep 1", "password": PASSWORD}),
        )
        .await;
        ok(
            app,
            &format!("/api/v1/suppliers/{s2}/users"),
            &platform,
            json!({"email": "rep@saigonmetals.vn", "name": "Rep 2", "password": PASSWORD}),
        )
        .await;
        // The setup's emails (rounds opened) go out here, not in the test.
        app.run_jobs_until_idle().await;
        World {
            s1_token: token(app, "rep@kcopper.kr").await,
            s2_token: token(app, "rep@saigonmetals.vn").await,
            s1_user: s1_user["id"].as_str().unwrap().to_owned(),
            platform,
            a,
            b,
            s1,
            s2,
        }
    }
}

/// A published RFQ of cooperative A (from a second, closed round with demand) to which s1
/// is invited (not s2), and s1's quote on it. Deadline: 2 days from the app clock.
pub struct RfqFixture {
    pub round: String,
    pub rfq: String,
    pub line: String,
    pub quote: String,
    /// The response to s1's `POST /rfqs/{id}/quotes`: its receipt.
    pub receipt: Value,
}

/// A valid quote body for one line.
pub fn quote_body(line: &str, currency: &str, price: &str) -> Value {
    json!({
        "currency": currency, "incoterm": "DAP", "named_place": "Siheung plant",
        "valid_until": "2027-12-31", "lead_time_days": 21, "payment_terms": "T/T 30 days",
        "lines": [{"rfq_line_id": line, "unit_price": price, "freight_per_unit": "12.5",
                   "min_quantity": "1", "max_quantity": "100"}]
    })
}

impl World {
    /// Builds [`RfqFixture`] on cooperative A.
    pub async fn rfq_fixture(&self, app: &TestApp) -> RfqFixture {
        let a = &self.a;
        let round = ok(
            app,
            &format!("/api/v1/cooperatives/{}/rounds", a.coop),
            &a.admin,
            json!({"title": "Round a2", "closes_at": (app.clock.now() + chrono::Duration::days(1)).to_rfc3339()}),
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
        ok(
            app,
            &format!("/api/v1/rounds/{round}/demand"),
            &a.member_token,
            json!({"material_id": a.material, "quantity": "40", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"}),
        )
        .await;
        let closed = app
            .post(
                &format!("/api/v1/rounds/{round}/close"),
                Some(&a.admin),
                &json!({}),
            )
            .await;
        assert_eq!(closed.status, 200, "{}", closed.text);
        let deadline = app.clock.now() + chrono::Duration::days(2);
        let rfq = ok(
            app,
            &format!("/api/v1/rounds/{round}/rfqs"),
            &a.admin,
            json!({"title": "Copper Q1", "deadline": deadline.to_rfc3339(), "supplier_ids": [self.s1], "delivery_place": "Siheung plant"}),
        )
        .await;
        let rfq_id = rfq["id"].as_str().unwrap().to_owned();
        let line = rfq["lines"][0]["id"].as_str().unwrap().to_owned();
        let published = app
            .post(
                &format!("/api/v1/rfqs/{rfq_id}/publish"),
                Some(&a.admin),
                &json!({}),
            )
            .await;
        assert_eq!(published.status, 200, "{}", published.text);
        let quote = ok(
            app,
            &format!("/api/v1/rfqs/{rfq_id}/quotes"),
            &self.s1_token,
            quote_body(&line, "KRW", "13450000"),
        )
        .await;
        app.run_jobs_until_idle().await;
        RfqFixture {
            round,
            rfq: rfq_id,
            line,
            quote: quote["id"].as_str().unwrap().to_owned(),
            receipt: quote,
        }
    }
}
