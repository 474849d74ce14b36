//! NUL characters (issue 12, defect 7). PostgreSQL refuses them in text and jsonb, so a
//! NUL in any query parameter or in any text field of a body answers 422 — never 500 —
//! and changes nothing. Both tests enumerate what they cover from the served OpenAPI
//! document, so an operation added later is covered (or the test says it is missing).

use std::collections::BTreeMap;

use coprocure::clock::Clock;
use serde_json::{json, Value};

use crate::helpers::world::{quote_body, World};
use crate::helpers::{token, Resp, TestApp, PASSWORD};

async fn audit_events(app: &TestApp) -> i64 {
    use diesel::QueryDsl;
    use diesel_async::RunQueryDsl;
    let mut conn = app.conn().await;
    coprocure::schema::audit_events::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

/// The path with `{id}` replaced by a real id of the right kind.
fn concrete(template: &str, ids: &BTreeMap<&str, String>) -> String {
    let prefix = template.split("/{id}").next().unwrap();
    match ids.get(prefix) {
        Some(id) => template.replace("{id}", id),
        None => template.to_owned(),
    }
}

#[tokio::test]
async fn a_nul_in_any_query_parameter_is_422_naming_it() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let ids = BTreeMap::from([
        ("/api/v1/cooperatives", w.a.coop.clone()),
        ("/api/v1/rounds", w.a.round.clone()),
        ("/api/v1/members", w.a.member.clone()),
        ("/api/v1/users", w.a.member_user.clone()),
        ("/api/v1/suppliers", w.s1.clone()),
        ("/api/v1/materials", w.a.material.clone()),
        ("/api/v1/demand", w.a.demand_line.clone()),
    ]);
    // The reproductions (both were 500).
    for path in [
        "/api/v1/cooperatives?q=%00".to_owned(),
        format!("/api/v1/cooperatives/{}/audit?entity=%00", w.a.coop),
    ] {
        let r = app.get(&path, Some(&w.platform)).await;
        r.assert_problem(422, "invalid_characters");
    }
    let doc = app.get("/api/openapi.json", None).await.json;
    let mut checked = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in params.iter().filter(|p| p["in"] == "query") {
                let name = p["name"].as_str().unwrap();
                let url = app.url(&format!("{}?{name}=a%00b", concrete(template, &ids)));
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let r = app
                    .send(
                        app.client
                            .request(method.clone(), url)
                            .bearer_auth(&w.platform),
                    )
                    .await;
                assert_eq!(r.status, 422, "{method} {template} ?{name}: {}", r.text);
                r.assert_problem(422, "invalid_characters");
                assert_eq!(r.json["errors"][0]["field"], name);
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 25,
        "only {checked} query parameters in the document"
    );
    // In a parameter's name, too.
    let r = app.get("/api/v1/suppliers?q%00=1", Some(&w.platform)).await;
    r.assert_problem(422, "invalid_characters");
    assert_eq!(r.json["errors"][0]["field"], "q\u{FFFD}");
}

/// One request with a JSON body, valid as it stands.
struct Call {
    method: &'static str,
    template: &'static str,
    path: String,
    token: String,
    body: Value,
    /// The status of the body as it stands (`None`: not sent).
    ok: Option<u16>,
}

fn call(
    method: &'static str,
    template: &'static str,
    path: String,
    token: &str,
    body: Value,
    ok: Option<u16>,
) -> Call {
    Call {
        method,
        template,
        path,
        token: token.to_owned(),
        body,
        ok,
    }
}

/// JSON pointers of every string in `v`.
fn strings(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::String(_) => out.push(at),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                strings(item, format!("{at}/{k}"), out);
            }
        }
        _ => {}
    }
}

/// Korean business numbers with a valid check digit, not in `World`'s list.
fn business_numbers() -> impl Iterator<Item = String> {
    (0..100_000u32)
        .map(|n| format!("301-81-{n:05}"))
        .filter(|s| coprocure::reference::kr_business_number("n", s).is_ok())
}

async fn run(app: &TestApp, c: &Call) {
    let mut pointers = Vec::new();
    strings(&c.body, String::new(), &mut pointers);
    assert!(!pointers.is_empty(), "{} {}", c.method, c.template);
    let auth = c.template.starts_with("/api/v1/auth/");
    let method = reqwest::Method::from_bytes(c.method.as_bytes()).unwrap();
    for pointer in pointers {
        if pointer.ends_with("password") && !auth {
            // Only ever hashed: whether a password may hold a NUL is the password policy's
            // business, not the database's.
            continue;
        }
        let mut body = c.body.clone();
        let s = body.pointer_mut(&pointer).unwrap();
        let text = s.as_str().unwrap().to_owned();
        let mid = text
            .char_indices()
            .nth(text.chars().count() / 2)
            .map_or(0, |(i, _)| i);
        *s = Value::String(format!("{}\u{0}{}", &text[..mid], &text[mid..]));
        let before = audit_events(app).await;
        let r = app
            .send(
                app.client
                    .request(method.clone(), app.url(&c.path))
                    .bearer_auth(&c.token)
                    .json(&body),
            )
            .await;
        let what = format!("{} {} {pointer}: {}", c.method, c.template, r.text);
        if auth {
            // Credentials are only ever hashed; a NUL is merely a wrong one.
            assert!(r.status < 500, "{what}");
        } else {
            assert_eq!(r.status, 422, "{what}");
            // Refused at entry, naming the field — not by the database (`error.rs`'s fallback
            // answers the same status but cannot say which field).
            let first = &r.json["errors"][0];
            assert!(
                !(first["code"] == "invalid_characters" && first["field"] == ""),
                "{what}"
            );
            assert_eq!(r.header("content-type"), Some("application/problem+json"));
            assert_eq!(audit_events(app).await, before, "something changed: {what}");
        }
    }
    if let Some(ok) = c.ok {
        let r = app
            .send(
                app.client
                    .request(method, app.url(&c.path))
                    .bearer_auth(&c.token)
                    .json(&c.body),
            )
            .await;
        assert_eq!(r.status, ok, "{} {}: {}", c.method, c.template, r.text);
    }
}

async fn closed_round(app: &TestApp, w: &World) -> String {
    let a = &w.a;
    let round = app
        .post(
            &format!("/api/v1/cooperatives/{}/rounds", a.coop),
            Some(&a.admin),
            &json!({"title": "Round n", "closes_at": (app.clock.now() + chrono::Duration::days(1)).to_rfc3339()}),
        )
        .await;
    let round = round.json["id"].as_str().unwrap().to_owned();
    for (path, tok, body) in [
        (format!("/api/v1/rounds/{round}/open"), &a.admin, json!({})),
        (
            format!("/api/v1/rounds/{round}/demand"),
            &a.member_token,
            json!({"material_id": a.material, "quantity": "40", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"}),
        ),
        (format!("/api/v1/rounds/{round}/close"), &a.admin, json!({})),
    ] {
        let r: Resp = app.post(&path, Some(tok), &body).await;
        assert!(r.status < 300, "{path}: {}", r.text);
    }
    round
}

#[tokio::test]
async fn a_nul_in_any_text_field_of_a_body_is_422_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    let a = &w.a;
    let mut biz = business_numbers();
    let now = app.clock.now();
    let r2 = closed_round(&app, &w).await;

    let before_deadline = vec![
        call(
            "POST",
            "/api/v1/cooperatives",
            "/api/v1/cooperatives".into(),
            &w.platform,
            json!({"name": "Coop N", "business_number": biz.next().unwrap(), "country": "KR", "base_currency": "KRW", "timezone": "Asia/Seoul"}),
            Some(201),
        ),
        call(
            "POST",
            "/api/v1/cooperatives/{id}/members",
            format!("/api/v1/cooperatives/{}/members", a.coop),
            &a.admin,
            json!({"name": "Member N", "business_number": biz.next().unwrap(), "membership": "regular", "contact_email": "n@member.kr"}),
            Some(201),
        ),
        call(
            "PATCH",
            "/api/v1/cooperatives/{id}",
            format!("/api/v1/cooperatives/{}", a.coop),
            &w.platform,
            json!({"name": "Coop A renamed"}),
            Some(200),
        ),
        call(
            "PATCH",
            "/api/v1/members/{id}",
            format!("/api/v1/members/{}", a.member),
            &a.admin,
            json!({"name": "Member A2", "membership": "associate", "contact_email": "a2@member.kr"}),
            Some(200),
        ),
        call(
            "POST",
            "/api/v1/cooperatives/{id}/users",
            format!("/api/v1/cooperatives/{}/users", a.coop),
            &a.admin,
            json!({"email": "n@member.kr", "name": "User N", "role": "member", "member_id": a.member, "password": PASSWORD, "locale": "en"}),
            Some(201),
        ),
        call(
            "PATCH",
            "/api/v1/users/{id}",
            format!("/api/v1/users/{}", a.member_user),
            &a.admin,
            json!({"name": "User A2", "locale": "ko"}),
            Some(200),
        ),
        call(
            "POST",
            "/api/v1/suppliers",
            "/api/v1/suppliers".into(),
            &a.admin,
            json!({"name": "Busan Alloys", "country": "KR", "business_number": biz.next().unwrap(), "default_currency": "KRW", "contact_email": "sales@busanalloys.kr", "locale": "ko", "webhook_url": "https://hooks.busanalloys.kr/rfq"}),
            Some(201),
        ),
        call(
            "POST",
            "/api/v1/suppliers/{id}/users",
            format!("/api/v1/suppliers/{}/users", w.s2),
            &w.platform,
            json!({"email": "rep2@saigonmetals.vn", "name": "Rep N", "password": PASSWORD, "locale": "en"}),
            Some(201),
        ),
        call(
            "POST",
            "/api/v1/cooperatives/{id}/materials",
            format!("/api/v1/cooperatives/{}/materials", a.coop),
            &a.admin,
            json!({"code": "AL-N", "name": "Aluminium ingot", "name_ko": "알루미늄 괴", "kind": "raw", "hs_code": "7601.10", "unit": "TNE", "spec": "99.7 %\nP1020A"}),
            Some(201),
        ),
        call(
            "PATCH",
            "/api/v1/materials/{id}",
            format!("/api/v1/materials/{}", a.material),
            &a.admin,
            json!({"name": "Copper cathode A", "name_ko": "전기동 A", "kind": "raw", "hs_code": "7403.11", "spec": "Grade A\nLME registered"}),
            Some(200),
        ),
        call(
            "POST",
            "/api/v1/cooperatives/{id}/rounds",
            format!("/api/v1/cooperatives/{}/rounds", a.coop),
            &a.admin,
            json!({"title": "Round N", "closes_at": (now + chrono::Duration::days(9)).to_rfc3339(), "material_ids": [a.material]}),
            Some(201),
        ),
        call(
            "POST",
            "/api/v1/rounds/{id}/demand",
            format!("/api/v1/rounds/{}/demand", a.round),
            &a.admin,
            json!({"material_id": a.material, "quantity": "3.5", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Ansan plant", "member_id": a.member}),
            Some(201),
        ),
        call(
            "PATCH",
            "/api/v1/demand/{id}",
            format!("/api/v1/demand/{}", a.demand_line),
            &a.member_token,
            json!({"quantity": "14", "unit": "TNE", "required_by": "2027-07-31", "delivery_site": "Siheung plant 2"}),
            Some(200),
        ),
        call(
            "POST",
            "/api/v1/rounds/{id}/rfqs",
            format!("/api/v1/rounds/{r2}/rfqs"),
            &a.admin,
            json!({"title": "Copper N", "deadline": (now + chrono::Duration::days(5)).to_rfc3339(), "supplier_ids": [w.s1, w.s2],
                   "delivery_place": "Siheung plant", "currencies": ["KRW", "USD"], "incoterms": ["DAP", "CIF"],
                   "weights": {"price": "1", "lead_time": "0"}, "duty_rates": {a.material.clone(): "3"}, "logistics_adders": {"CIF": "10"}}),
            Some(201),
        ),
    ];
    for c in &before_deadline {
        run(&app, c).await;
    }
    let rfq2 = app
        .get(&format!("/api/v1/rfqs?round_id={r2}"), Some(&a.admin))
        .await
        .json["items"][0]
        .clone();
    let (rfq2, line2) = (
        rfq2["id"].as_str().unwrap().to_owned(),
        rfq2["lines"][0]["id"].as_str().unwrap().to_owned(),
    );
    run(&app, &call("PATCH", "/api/v1/rfqs/{id}", format!("/api/v1/rfqs/{rfq2}"), &a.admin,
        json!({"title": "Copper N2", "delivery_place": "Ansan plant", "deadline": (now + chrono::Duration::days(6)).to_rfc3339(), "supplier_ids": [w.s1, w.s2]}), Some(200))).await;
    let published = app
        .post(
            &format!("/api/v1/rfqs/{rfq2}/publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text);
    let mut q = quote_body(&line2, "USD", "9800");
    q["notes"] = json!("Prices firm for 30 days, LME +2 %.");
    q["lines"][0]["insurance_per_unit"] = json!("1.5");
    q["lines"][0]["price_breaks"] = json!([{"min_quantity": "20", "unit_price": "9700"}]);
    let mut revised = quote_body(&f.line, "KRW", "13400000");
    revised["notes"] = json!("Revised after LME close.");
    for c in [
        call(
            "POST",
            "/api/v1/rfqs/{id}/quotes",
            format!("/api/v1/rfqs/{rfq2}/quotes"),
            &w.s2_token,
            q,
            Some(201),
        ),
        call(
            "PUT",
            "/api/v1/quotes/{id}",
            format!("/api/v1/quotes/{}", f.quote),
            &w.s1_token,
            revised,
            Some(200),
        ),
        call(
            "POST",
            "/api/v1/fx-rates",
            "/api/v1/fx-rates".into(),
            &a.admin,
            json!({"date": now.date_naive().to_string(), "base": "KRW", "currency": "USD", "rate": "1390.5"}),
            Some(201),
        ),
        call(
            "POST",
            "/api/v1/rfqs/{id}/cancel",
            format!("/api/v1/rfqs/{rfq2}/cancel"),
            &a.admin,
            json!({"reason": "Budget withdrawn"}),
            Some(200),
        ),
    ] {
        run(&app, &c).await;
    }

    // After the fixture's deadline (access tokens expire meanwhile).
    app.clock.advance(chrono::Duration::days(3));
    let admin = token(&app, "admin-a@coop.kr").await;
    let refresh = app.login("admin-a@coop.kr", PASSWORD).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let after_deadline = vec![
        call(
            "POST",
            "/api/v1/rfqs/{id}/award",
            format!("/api/v1/rfqs/{}/award", f.rfq),
            &admin,
            json!({"lines": [{"rfq_line_id": f.line, "allocations": [{"quote_id": f.quote, "quantity": "40"}]}], "rationale": "Single bidder, price checked against LME."}),
            Some(201),
        ),
        // Credentials: only ever hashed, never stored as text.
        call(
            "POST",
            "/api/v1/auth/login",
            "/api/v1/auth/login".into(),
            "",
            json!({"email": "admin-a@coop.kr", "password": PASSWORD}),
            None,
        ),
        call(
            "POST",
            "/api/v1/auth/refresh",
            "/api/v1/auth/refresh".into(),
            "",
            json!({"refresh_token": refresh}),
            None,
        ),
        call(
            "POST",
            "/api/v1/auth/logout",
            "/api/v1/auth/logout".into(),
            "",
            json!({"refresh_token": "not-a-token"}),
            None,
        ),
        call(
            "POST",
            "/api/v1/auth/accept-invite",
            "/api/v1/auth/accept-invite".into(),
            "",
            json!({"token": "not-a-token", "password": PASSWORD}),
            None,
        ),
        call(
            "POST",
            "/api/v1/auth/claim",
            "/api/v1/auth/claim".into(),
            "",
            json!({"token": "not-a-token", "password": PASSWORD}),
            None,
        ),
        call(
            "POST",
            "/api/v1/auth/password",
            "/api/v1/auth/password".into(),
            &admin,
            json!({"current_password": PASSWORD, "new_password": "aluminium-ingot-7"}),
            None,
        ),
        call(
            "POST",
            "/api/v1/auth/forgot-password",
            "/api/v1/auth/forgot-password".into(),
            "",
            json!({"email": "admin-a@coop.kr"}),
            Some(202),
        ),
        call(
            "POST",
            "/api/v1/auth/reset-password",
            "/api/v1/auth/reset-password".into(),
            "",
            json!({"token": "not-a-token", "new_password": "aluminium-ingot-8"}),
            None,
        ),
    ];
    for c in &after_deadline {
        run(&app, c).await;
    }

    // Every operation with a JSON body was covered.
    let covered: Vec<(String, String)> = before_deadline
        .iter()
        .chain(&after_deadline)
        .map(|c| (c.method.to_lowercase(), c.template.to_owned()))
        .chain(
            [
                ("patch", "/api/v1/rfqs/{id}"),
                ("post", "/api/v1/rfqs/{id}/quotes"),
                ("put", "/api/v1/quotes/{id}"),
                ("post", "/api/v1/fx-rates"),
                ("post", "/api/v1/rfqs/{id}/cancel"),
                // Two booleans: no text field to carry a NUL.
                ("put", "/api/v1/cooperatives/{id}/ocds-settings"),
            ]
            .map(|(m, t)| (m.to_owned(), t.to_owned())),
        )
        .collect();
    let doc = app.get("/api/openapi.json", None).await.json;
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("requestBody").is_some() {
                assert!(
                    covered.contains(&(method.clone(), template.clone())),
                    "{method} {template} has a body this test does not try"
                );
            }
        }
    }
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn should_a_nul_reach_the_database_the_answer_is_422_not_500() {
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;
    let db = crate::helpers::TestDatabase::new().await;
    let mut conn =
        <diesel_async::AsyncPgConnection as diesel_async::AsyncConnection>::establish(&db.url)
            .await
            .unwrap();
    // The real refusals: text (SQLSTATE 22021) and jsonb (22P05).
    for (sql, value) in [
        ("SELECT $1::text", "a\u{0}b"),
        ("SELECT $1::jsonb", "\"a\\u0000b\""),
    ] {
        let err = diesel::sql_query(sql)
            .bind::<Text, _>(value)
            .execute(&mut conn)
            .await
            .unwrap_err();
        let problem = coprocure::error::AppError::from(err).problem();
        assert_eq!(
            (problem.status, problem.code.as_str()),
            (422, "invalid_characters"),
            "{sql}"
        );
    }
    // Other database errors stay 500s.
    let err = diesel::sql_query("SELECT 1/0")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert_eq!(coprocure::error::AppError::from(err).problem().status, 500);
}
