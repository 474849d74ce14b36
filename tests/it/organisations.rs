//! Cooperatives, members, users and invitations, suppliers, materials and units.

use serde_json::{json, Value};

use crate::helpers::smtp::SmtpSink;
use crate::helpers::world::{World, BIZ};
use crate::helpers::{TestApp, PASSWORD};

async fn platform(app: &TestApp) -> String {
    app.create_admin("platform@coprocure.kr", PASSWORD).await;
    app.login("platform@coprocure.kr", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn field_codes(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn cooperatives_validate_business_numbers_and_apply_defaults() {
    let app = TestApp::spawn().await;
    let p = platform(&app).await;
    let r = app
        .post(
            "/api/v1/cooperatives",
            Some(&p),
            &json!({"name": "한국주물공업협동조합", "business_number": "1234567891"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.header("location").unwrap(),
        format!("/api/v1/cooperatives/{}", r.json["id"].as_str().unwrap())
    );
    assert_eq!(
        r.json["business_number"], "123-45-67891",
        "stored normalised, shown with dashes"
    );
    assert_eq!(
        (
            r.json["country"].as_str(),
            r.json["base_currency"].as_str(),
            r.json["timezone"].as_str()
        ),
        (Some("KR"), Some("KRW"), Some("Asia/Seoul"))
    );

    let dup = app
        .post(
            "/api/v1/cooperatives",
            Some(&p),
            &json!({"name": "Again", "business_number": "123-45-67891"}),
        )
        .await;
    dup.assert_problem(422, "taken");
    assert_eq!(
        field_codes(&dup.json),
        [("business_number".into(), "taken".into())]
    );
    for bad in ["123-45-67890", "12345", "123456789012", "abc-de-fghij"] {
        let r = app
            .post(
                "/api/v1/cooperatives",
                Some(&p),
                &json!({"name": "X", "business_number": bad}),
            )
            .await;
        assert_eq!(
            r.json["code"], "invalid_business_number",
            "API.md: 422 invalid_business_number"
        );
        assert_eq!(
            field_codes(&r.json),
            [("business_number".into(), "invalid_business_number".into())],
            "{bad}"
        );
    }
    let r = app
        .post("/api/v1/cooperatives", Some(&p), &json!({"name": "", "business_number": "1", "country": "ZZ", "base_currency": "XXX", "timezone": "nowhere"}))
        .await;
    let fields: Vec<String> = field_codes(&r.json).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        ["name", "country", "base_currency", "timezone"],
        "every invalid field at once: {}",
        r.text
    );
    let r = app.post("/api/v1/cooperatives", Some(&p), &json!({"name": "X", "business_number": BIZ[1], "id": "00000000-0000-0000-0000-000000000000"})).await;
    r.assert_problem(422, "invalid_body");
    let mut conn = app.conn().await;
    use diesel::QueryDsl;
    use diesel_async::RunQueryDsl;
    let n: i64 = coprocure::schema::cooperatives::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 1, "failed creates change nothing");
}

#[tokio::test]
async fn members_and_member_users_stay_inside_their_cooperative() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let path = format!("/api/v1/cooperatives/{}/members", w.a.coop);
    let r = app.post(&path, Some(&w.a.admin), &json!({"name": "대성금속", "business_number": "1208147521", "membership": "associate", "contact_email": "Buy@Daesung.KR"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["business_number"], "120-81-47521");
    assert_eq!(r.json["contact_email"], "buy@daesung.kr");
    let r = app.post(&path, Some(&w.a.admin), &json!({"name": "Bad", "business_number": "120-81-47520", "membership": "gold", "contact_email": "x"})).await;
    assert_eq!(
        field_codes(&r.json),
        [
            ("business_number".into(), "invalid_business_number".into()),
            ("membership".into(), "invalid_membership".into()),
            ("contact_email".into(), "invalid_email".into())
        ]
    );
    // A member user must belong to a member of the same cooperative.
    let r = app
        .post(
            &format!("/api/v1/cooperatives/{}/users", w.b.coop),
            Some(&w.b.admin),
            &json!({"email": "x@b.kr", "name": "X", "role": "member", "member_id": w.a.member, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        field_codes(&r.json),
        [("member_id".into(), "unknown_member".into())]
    );
    // Nobody creates a role above their own; members create no users at all.
    let r = app
        .post(&format!("/api/v1/cooperatives/{}/users", w.a.coop), Some(&w.a.admin), &json!({"email": "boss@a.kr", "name": "Boss", "role": "platform_admin", "password": PASSWORD}))
        .await;
    assert_eq!(
        field_codes(&r.json),
        [("role".into(), "invalid_role".into())]
    );
    app.post(&format!("/api/v1/cooperatives/{}/users", w.a.coop), Some(&w.a.member_token), &json!({"email": "m2@a.kr", "name": "M", "role": "member", "member_id": w.a.member, "password": PASSWORD}))
        .await
        .assert_problem(403, "forbidden");
    // The email is unique platform-wide.
    let r = app
        .post(&format!("/api/v1/cooperatives/{}/users", w.a.coop), Some(&w.a.admin), &json!({"email": "USER-b@member.kr", "name": "Dup", "role": "coop_admin", "password": PASSWORD}))
        .await;
    assert_eq!(field_codes(&r.json), [("email".into(), "taken".into())]);
}

#[tokio::test]
async fn disabling_a_user_or_its_member_ends_its_sessions_at_once() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    assert_eq!(
        app.get("/api/v1/me", Some(&w.a.member_token)).await.status,
        200
    );
    let r = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/users/{}", w.a.member_user)))
                .bearer_auth(&w.a.admin)
                .json(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["disabled"], true);
    let me = app.get("/api/v1/me", Some(&w.a.member_token)).await;
    assert_eq!(me.status, 401);
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": "user-a@member.kr", "password": PASSWORD}),
    )
    .await
    .assert_problem(401, "invalid_credentials");
    let r = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/users/{}", w.a.admin_user)))
                .bearer_auth(&w.a.admin)
                .json(&json!({"disabled": true})),
        )
        .await;
    r.assert_problem(409, "cannot_disable_self");

    // Disabling member B disables its users.
    let r = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/members/{}", w.b.member)))
                .bearer_auth(&w.platform)
                .json(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.get("/api/v1/me", Some(&w.b.member_token)).await.status,
        401
    );
    assert_eq!(
        app.get("/api/v1/me", Some(&w.b.admin)).await.status,
        200,
        "the cooperative's admin is not a member user"
    );
}

fn invitation_link(sink_msg: &crate::helpers::smtp::Received) -> String {
    let text = sink_msg.part("text/plain").unwrap();
    let start = text.find("http://").expect("link in the email");
    text[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn invitations_arrive_by_email_work_once_and_expire_after_seven_days() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[
        ("COPROCURE_SMTP_URL", &sink.url()),
        ("COPROCURE_PUBLIC_URL", "http://portal.coop.test"),
    ])
    .await;
    let w = World::build(&app).await;
    let r = app
        .post(
            &format!("/api/v1/cooperatives/{}/users", w.a.coop),
            Some(&w.a.admin),
            &json!({"email": "new@a.kr", "name": "신입", "role": "coop_admin", "locale": "ko"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["invitation_pending"], true);
    app.run_jobs_until_idle().await;
    let mail = sink.one_to("new@a.kr");
    assert_eq!(
        mail.header("Subject").unwrap(),
        "Coop a에서 coprocure에 초대했습니다"
    );
    let link = invitation_link(&mail);
    assert!(
        link.starts_with("http://portal.coop.test/invite/"),
        "{link}"
    );
    let token = link.rsplit('/').next().unwrap().to_owned();
    assert_eq!(token.len(), 43, "256-bit token");
    // Once sent, the outbox keeps no usable copy of the token.
    {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = app.conn().await;
        let payloads: Vec<serde_json::Value> = coprocure::schema::outbox_emails::table
            .filter(coprocure::schema::outbox_emails::template.eq("invitation"))
            .filter(coprocure::schema::outbox_emails::status.eq("sent"))
            .select(coprocure::schema::outbox_emails::payload)
            .load(&mut conn)
            .await
            .unwrap();
        assert!(!payloads.is_empty());
        assert!(
            !serde_json::to_string(&payloads).unwrap().contains(&token),
            "token scrubbed after delivery"
        );
    }

    // Policy applies; the token is not spent by a refused password.
    let r = app
        .post(
            "/api/v1/auth/accept-invite",
            None,
            &json!({"token": token, "password": "password1"}),
        )
        .await;
    assert_eq!(
        field_codes(&r.json),
        [("password".into(), "common_password".into())]
    );
    let r = app
        .post(
            "/api/v1/auth/accept-invite",
            None,
            &json!({"token": token, "password": "zinc-ingot-2026"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.login("new@a.kr", "zinc-ingot-2026").await;
    let again = app
        .post(
            "/api/v1/auth/accept-invite",
            None,
            &json!({"token": token, "password": "other-password-9"}),
        )
        .await;
    assert_eq!(
        field_codes(&again.json),
        [("token".into(), "invalid_invitation".into())]
    );

    // A supplier invitation, in English, expires after 7 days.
    let r = app
        .post(
            &format!("/api/v1/suppliers/{}/users", w.s2),
            Some(&w.platform),
            &json!({"email": "late@saigonmetals.vn", "name": "Late"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["locale"], "en", "the supplier's locale by default");
    app.run_jobs_until_idle().await;
    let mail = sink.one_to("late@saigonmetals.vn");
    assert_eq!(
        mail.header("Subject").unwrap(),
        "You are invited to coprocure by Saigon Metals"
    );
    let token = invitation_link(&mail)
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    app.clock
        .advance(chrono::Duration::days(7) + chrono::Duration::seconds(1));
    let r = app
        .post(
            "/api/v1/auth/accept-invite",
            None,
            &json!({"token": token, "password": "zinc-ingot-2026"}),
        )
        .await;
    assert_eq!(
        field_codes(&r.json),
        [("token".into(), "invalid_invitation".into())]
    );
    let r = app
        .post(
            "/api/v1/auth/accept-invite",
            None,
            &json!({"token": "made-up", "password": "zinc-ingot-2026"}),
        )
        .await;
    assert_eq!(
        field_codes(&r.json),
        [("token".into(), "invalid_invitation".into())]
    );
}

#[tokio::test]
async fn suppliers_need_the_right_identifier_and_show_their_origin() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let r = app.post("/api/v1/suppliers", Some(&w.a.admin), &json!({"name": "Busan Resin", "country": "kr", "default_currency": "KRW", "contact_email": "s@b.kr"})).await;
    assert_eq!(
        field_codes(&r.json),
        [("business_number".into(), "required".into())]
    );
    let r = app.post("/api/v1/suppliers", Some(&w.a.admin), &json!({"name": "Osaka Alloy", "country": "JP", "default_currency": "JPY", "contact_email": "s@o.jp"})).await;
    assert_eq!(field_codes(&r.json), [("tax_id".into(), "required".into())]);
    let r = app
        .post("/api/v1/suppliers", Some(&w.a.admin), &json!({"name": "Osaka Alloy", "country": "JP", "tax_id": "T1234567890123", "default_currency": "YEN", "contact_email": "s@o.jp", "webhook_url": "http://erp.osaka.jp/hook"}))
        .await;
    assert_eq!(
        field_codes(&r.json),
        [
            ("default_currency".into(), "invalid_currency".into()),
            ("webhook_url".into(), "invalid_webhook_url".into())
        ]
    );
    let r = app
        .post("/api/v1/suppliers", Some(&w.a.admin), &json!({"name": "Osaka Alloy", "country": "JP", "tax_id": "t1234567890123", "default_currency": "jpy", "contact_email": "s@o.jp", "webhook_url": "https://erp.osaka.jp/hook"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["origin"], "overseas");
    assert_eq!(r.json["locale"], "en");
    assert_eq!(r.json["default_currency"], "JPY");
    assert!(
        r.json.get("webhook_secret").is_none(),
        "the signing key is never shown to a cooperative"
    );
    let kr = app
        .get(&format!("/api/v1/suppliers/{}", w.s1), Some(&w.a.admin))
        .await;
    assert_eq!(kr.json["origin"], "domestic");
    assert_eq!(kr.json["locale"], "ko");
    assert_eq!(kr.json["business_number"], "120-81-47521");
    let vn = app
        .get(&format!("/api/v1/suppliers/{}", w.s2), Some(&w.platform))
        .await;
    assert!(vn.json["origin"].is_null(), "no cooperative, no origin");
    app.get(&format!("/api/v1/suppliers/{}", w.s2), Some(&w.s1_token))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn materials_have_unique_codes_per_cooperative_search_and_pagination() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let path = format!("/api/v1/cooperatives/{}/materials", w.a.coop);
    let dup = app
        .post(
            &path,
            Some(&w.a.admin),
            &json!({"code": "cu-a", "name": "Dup", "kind": "raw", "unit": "KGM"}),
        )
        .await;
    assert_eq!(field_codes(&dup.json), [("code".into(), "taken".into())]);
    let other_coop = app
        .post(
            &format!("/api/v1/cooperatives/{}/materials", w.b.coop),
            Some(&w.b.admin),
            &json!({"code": "CU-A", "name": "Same code", "kind": "raw", "unit": "KGM"}),
        )
        .await;
    assert_eq!(
        other_coop.status, 201,
        "codes are unique per cooperative only: {}",
        other_coop.text
    );
    let bad = app.post(&path, Some(&w.a.admin), &json!({"code": "bad code!", "name": "X", "kind": "gas", "hs_code": "12", "unit": "BARREL"})).await;
    assert_eq!(
        field_codes(&bad.json),
        [
            ("code".into(), "invalid_code".into()),
            ("kind".into(), "invalid_kind".into()),
            ("hs_code".into(), "invalid_hs_code".into()),
            ("unit".into(), "unknown_unit".into())
        ]
    );
    for (code, name) in [
        ("AL-1", "Aluminium ingot"),
        ("PP-1", "Polypropylene resin"),
        ("PAL-1", "Wooden pallet"),
    ] {
        let r = app.post(&path, Some(&w.a.admin), &json!({"code": code, "name": name, "kind": "subsidiary", "unit": "KGM", "hs_code": "3902.10"})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.json["hs_code"], "390210");
    }
    let found = app
        .get(&format!("{path}?q=resin"), Some(&w.a.member_token))
        .await;
    assert_eq!(found.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(found.json["items"][0]["code"], "PP-1");
    assert_eq!(
        app.get(&format!("{path}?q=%EC%A0%84%EA%B8%B0"), Some(&w.a.admin))
            .await
            .json["items"][0]["code"],
        "CU-A",
        "Korean names are searched"
    );

    let first = app.get(&format!("{path}?limit=3"), Some(&w.a.admin)).await;
    assert_eq!(first.json["items"].as_array().unwrap().len(), 3);
    let cursor = first.json["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(&format!("{path}?limit=3&cursor={cursor}"), Some(&w.a.admin))
        .await;
    assert_eq!(second.json["items"].as_array().unwrap().len(), 1);
    assert!(second.json["next_cursor"].is_null());
    let all: Vec<&str> = first.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.json["items"].as_array().unwrap())
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        all,
        ["PAL-1", "PP-1", "AL-1", "CU-A"],
        "newest first, no repeats"
    );
    app.get(&format!("{path}?limit=500"), Some(&w.a.admin))
        .await
        .assert_problem(422, "out_of_range");
    app.get(&format!("{path}?cursor=zzz"), Some(&w.a.admin))
        .await
        .assert_problem(422, "invalid_cursor");

    let patched = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/materials/{}", w.a.material)))
                .bearer_auth(&w.a.admin)
                .json(&json!({"spec": "Grade A, LME registered", "hs_code": ""})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["spec"], "Grade A, LME registered");
    assert!(patched.json["hs_code"].is_null());
    let r = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/materials/{}", w.a.material)))
                .bearer_auth(&w.a.admin)
                .json(&json!({"unit": "KGM"})),
        )
        .await;
    r.assert_problem(422, "invalid_body");
}

#[tokio::test]
async fn units_list_exact_factors() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/units", None).await;
    assert_eq!(r.status, 200);
    let lbr = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "LBR")
        .unwrap();
    assert_eq!(lbr["factor"], "0.45359237");
    assert_eq!(lbr["reference"], "KGM");
    assert_eq!(lbr["dimension"], "mass");
    let codes: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    for c in [
        "GRM", "KGM", "TNE", "LBR", "MLT", "LTR", "MTQ", "MMT", "MTR", "MTK", "C62",
    ] {
        assert!(codes.contains(&c), "{c}");
    }
}
