//! The tenancy matrix: for every endpoint that takes an id, every principal outside its
//! reach gets 403 (its role never may) or 404 (not visible), and nothing changes. Later
//! endpoints join by adding a row to `rows()`.

use serde_json::{json, Value};

use crate::helpers::world::{quote_body, RfqFixture, World};
use crate::helpers::TestApp;

const PRINCIPALS: [&str; 7] = [
    "platform", "a_admin", "a_member", "b_admin", "b_member", "s1", "s2",
];

fn token<'a>(w: &'a World, who: &str) -> &'a str {
    match who {
        "platform" => &w.platform,
        "a_admin" => &w.a.admin,
        "a_member" => &w.a.member_token,
        "b_admin" => &w.b.admin,
        "b_member" => &w.b.member_token,
        "s1" => &w.s1_token,
        "s2" => &w.s2_token,
        _ => unreachable!(),
    }
}

struct Row {
    method: &'static str,
    path: String,
    body: Value,
    allowed: &'static [&'static str],
    /// Principals whose answer another test pins down (e.g. 409 `sealed` for the buyer
    /// side before an RFQ's deadline).
    skip: &'static [&'static str],
}

fn row(method: &'static str, path: String, body: Value, allowed: &'static [&'static str]) -> Row {
    Row {
        method,
        path,
        body,
        allowed,
        skip: &[],
    }
}

/// Rows of the RFQ and quote endpoints (s1 is invited, s2 is not; s1 has quoted).
fn rfq_rows(w: &World, f: &RfqFixture) -> Vec<Row> {
    let later = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let quote = quote_body(&f.line, "KRW", "1000");
    let sealed = |mut r: Row| {
        r.skip = &["platform", "a_admin"];
        r
    };
    vec![
        row(
            "POST",
            format!("/api/v1/rounds/{}/rfqs", f.round),
            json!({"title": "Intruder", "deadline": later, "delivery_place": "X", "supplier_ids": [w.s2]}),
            &["platform", "a_admin"],
        ),
        row(
            "GET",
            format!("/api/v1/rfqs/{}", f.rfq),
            json!(null),
            &["platform", "a_admin", "s1"],
        ),
        row(
            "PATCH",
            format!("/api/v1/rfqs/{}", f.rfq),
            json!({"deadline": later}),
            &["platform", "a_admin"],
        ),
        row(
            "POST",
            format!("/api/v1/rfqs/{}/publish", f.rfq),
            json!({}),
            &["platform", "a_admin"],
        ),
        row(
            "POST",
            format!("/api/v1/rfqs/{}/cancel", f.rfq),
            json!({"reason": "intrusion"}),
            &["platform", "a_admin"],
        ),
        row(
            "GET",
            format!("/api/v1/rfqs/{}/quotes", f.rfq),
            json!(null),
            &["platform", "a_admin"],
        ),
        row(
            "POST",
            format!("/api/v1/rfqs/{}/quotes", f.rfq),
            quote.clone(),
            &["s1"],
        ),
        sealed(row(
            "GET",
            format!("/api/v1/quotes/{}", f.quote),
            json!(null),
            &["s1"],
        )),
        row("PUT", format!("/api/v1/quotes/{}", f.quote), quote, &["s1"]),
        row(
            "POST",
            format!("/api/v1/quotes/{}/withdraw", f.quote),
            json!({}),
            &["s1"],
        ),
        sealed(row(
            "GET",
            format!("/api/v1/quotes/{}/revisions", f.quote),
            json!(null),
            &["s1"],
        )),
    ]
}

fn rows(w: &World) -> Vec<Row> {
    let (a, s1) = (&w.a, &w.s1);
    let member_body = json!({"name": "Intruder Co", "business_number": "120-81-47521", "membership": "regular", "contact_email": "x@x.kr"});
    let user_body = json!({"email": "intruder@x.kr", "name": "Intruder", "role": "coop_admin", "password": "copper-cathode-2026"});
    let material_body =
        json!({"code": "INTRUDE", "name": "Intruder", "kind": "raw", "unit": "KGM"});
    vec![
        row(
            "GET",
            format!("/api/v1/cooperatives/{}", a.coop),
            json!(null),
            &["platform", "a_admin", "a_member"],
        ),
        row(
            "GET",
            format!("/api/v1/cooperatives/{}/members", a.coop),
            json!(null),
            &["platform", "a_admin", "a_member"],
        ),
        row(
            "POST",
            format!("/api/v1/cooperatives/{}/members", a.coop),
            member_body,
            &["platform", "a_admin"],
        ),
        row(
            "GET",
            format!("/api/v1/cooperatives/{}/users", a.coop),
            json!(null),
            &["platform", "a_admin"],
        ),
        row(
            "POST",
            format!("/api/v1/cooperatives/{}/users", a.coop),
            user_body,
            &["platform", "a_admin"],
        ),
        row(
            "GET",
            format!("/api/v1/cooperatives/{}/materials", a.coop),
            json!(null),
            &["platform", "a_admin", "a_member"],
        ),
        row(
            "POST",
            format!("/api/v1/cooperatives/{}/materials", a.coop),
            material_body,
            &["platform", "a_admin"],
        ),
        row(
            "GET",
            format!("/api/v1/members/{}", a.member),
            json!(null),
            &["platform", "a_admin", "a_member"],
        ),
        row(
            "PATCH",
            format!("/api/v1/members/{}", a.member),
            json!({"name": "Hijacked", "disabled": true}),
            &["platform", "a_admin"],
        ),
        row(
            "GET",
            format!("/api/v1/users/{}", a.member_user),
            json!(null),
            &["platform", "a_admin"],
        ),
        row(
            "PATCH",
            format!("/api/v1/users/{}", a.member_user),
            json!({"disabled": true}),
            &["platform", "a_admin"],
        ),
        row(
            "GET",
            format!("/api/v1/users/{}", a.admin_user),
            json!(null),
            &["platform", "a_admin"],
        ),
        row(
            "GET",
            format!("/api/v1/materials/{}", a.material),
            json!(null),
            &["platform", "a_admin", "a_member"],
        ),
        row(
            "PATCH",
            format!("/api/v1/materials/{}", a.material),
            json!({"name": "Hijacked"}),
            &["platform", "a_admin"],
        ),
        row(
            "GET",
            format!("/api/v1/cooperatives/{}/audit/verify", a.coop),
            json!(null),
            &["platform", "a_admin"],
        ),
        row(
            "GET",
            format!("/api/v1/suppliers/{s1}"),
            json!(null),
            &["platform", "a_admin", "b_admin", "s1"],
        ),
        row(
            "GET",
            format!("/api/v1/suppliers/{s1}/users"),
            json!(null),
            &["platform", "s1"],
        ),
        row(
            "POST",
            format!("/api/v1/suppliers/{s1}/users"),
            json!({"email": "intruder@kcopper.kr", "name": "Intruder", "password": "copper-cathode-2026"}),
            &["platform", "s1"],
        ),
        row(
            "GET",
            format!("/api/v1/users/{}", w.s1_user),
            json!(null),
            &["platform", "s1"],
        ),
        row(
            "PATCH",
            format!("/api/v1/users/{}", w.s1_user),
            json!({"disabled": true}),
            &["platform", "s1"],
        ),
        row(
            "POST",
            "/api/v1/cooperatives".into(),
            json!({"name": "Rogue", "business_number": "314-86-02411"}),
            &["platform"],
        ),
        row(
            "POST",
            "/api/v1/suppliers".into(),
            json!({"name": "Rogue", "country": "JP", "tax_id": "T1234567890123", "default_currency": "JPY", "contact_email": "r@r.jp"}),
            &["platform", "a_admin", "b_admin"],
        ),
        row(
            "GET",
            "/api/v1/admin/outbox".into(),
            json!(null),
            &["platform"],
        ),
        row(
            "GET",
            "/api/v1/admin/audit/verify".into(),
            json!(null),
            &["platform"],
        ),
    ]
}

async fn snapshot(app: &TestApp) -> String {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct S {
        #[diesel(sql_type = diesel::sql_types::Text)]
        s: String,
    }
    let mut conn = app.conn().await;
    let q = "SELECT concat_ws('|', \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM cooperatives t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM members t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM users t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM suppliers t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM materials t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM demand_rounds t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM demand_lines t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM sessions t WHERE revoked_at IS NOT NULL), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM rfqs t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM rfq_lines t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM rfq_suppliers t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) FROM quotes t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM quote_lines t), \
        (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM quote_revisions t)) AS s";
    diesel::sql_query(q)
        .get_result::<S>(&mut conn)
        .await
        .unwrap()
        .s
}

#[tokio::test]
async fn every_principal_outside_reach_gets_403_or_404_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    let mut checked = 0;
    for r in rows(&w).into_iter().chain(rfq_rows(&w, &f)) {
        for who in PRINCIPALS {
            if r.skip.contains(&who) {
                continue;
            }
            let allowed = r.allowed.contains(&who);
            if allowed && r.method != "GET" {
                continue; // writes by allowed principals are covered by the feature tests
            }
            let before = if allowed {
                String::new()
            } else {
                snapshot(&app).await
            };
            let mut req = match r.method {
                "GET" => app.client.get(app.url(&r.path)),
                "POST" => app.client.post(app.url(&r.path)).json(&r.body),
                "PATCH" => app.client.patch(app.url(&r.path)).json(&r.body),
                "PUT" => app.client.put(app.url(&r.path)).json(&r.body),
                "DELETE" => app.client.delete(app.url(&r.path)),
                _ => unreachable!(),
            };
            req = req.bearer_auth(token(&w, who));
            let resp = app.send(req).await;
            if allowed {
                assert_eq!(
                    resp.status, 200,
                    "{} {} as {who}: {}",
                    r.method, r.path, resp.text
                );
                continue;
            }
            assert!(
                resp.status == 403 || resp.status == 404,
                "{} {} as {who}: expected 403/404, got {} {}",
                r.method,
                r.path,
                resp.status,
                resp.text
            );
            assert_eq!(
                resp.header("content-type"),
                Some("application/problem+json")
            );
            // Same-role principals of the other tenant cannot even tell the object exists.
            if who == "b_admin" && (r.path.contains(&w.a.coop) || r.path.contains(&w.a.round)) {
                assert_eq!(resp.status, 404, "{} {} as {who}", r.method, r.path);
            }
            assert_eq!(
                snapshot(&app).await,
                before,
                "{} {} as {who} changed data",
                r.method,
                r.path
            );
            checked += 1;
        }
    }
    assert!(checked >= 80, "only {checked} denials checked");

    // An unknown id answers exactly like an invisible one.
    let missing = uuid::Uuid::now_v7();
    let invisible = app
        .get(&format!("/api/v1/members/{}", w.a.member), Some(&w.b.admin))
        .await;
    let unknown = app
        .get(&format!("/api/v1/members/{missing}"), Some(&w.b.admin))
        .await;
    assert_eq!(invisible.status, 404);
    assert_eq!(invisible.text, unknown.text);
    let garbage = app
        .get("/api/v1/members/not-a-uuid", Some(&w.b.admin))
        .await;
    assert_eq!(garbage.status, 404);
}

#[tokio::test]
async fn lists_only_show_what_is_in_reach() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&app
            .get("/api/v1/cooperatives", Some(&w.platform))
            .await
            .json)
        .len(),
        2
    );
    assert_eq!(
        ids(&app.get("/api/v1/cooperatives", Some(&w.a.admin)).await.json),
        vec![w.a.coop.clone()]
    );
    assert_eq!(
        ids(&app
            .get("/api/v1/cooperatives", Some(&w.b.member_token))
            .await
            .json),
        vec![w.b.coop.clone()]
    );
    app.get("/api/v1/cooperatives", Some(&w.s1_token))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        ids(&app.get("/api/v1/suppliers", Some(&w.s1_token)).await.json),
        vec![w.s1.clone()]
    );
    assert_eq!(
        ids(&app.get("/api/v1/suppliers", Some(&w.a.admin)).await.json).len(),
        2
    );
    app.get("/api/v1/suppliers", Some(&w.a.member_token))
        .await
        .assert_problem(403, "forbidden");
    let members = app
        .get(
            &format!("/api/v1/cooperatives/{}/members", w.a.coop),
            Some(&w.a.member_token),
        )
        .await;
    assert_eq!(ids(&members.json), vec![w.a.member.clone()]);
}
