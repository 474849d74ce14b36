//! Supplier self-onboarding: an RFQ published to a supplier without an active user emails
//! its contact address a one-time link to claim an account (read from the real SMTP
//! listener); the link works once, only until the RFQ's deadline, and only for that
//! supplier. Supplier admins alone invite colleagues.

use chrono::Duration;
use coprocure::clock::Clock;
use serde_json::{json, Value};

use crate::helpers::smtp::SmtpSink;
use crate::helpers::visitor::Visitor;
use crate::helpers::world::World;
use crate::helpers::{token, TestApp};

/// A supplier with no user (registered by coop A's admin); its id.
pub async fn userless_supplier(
    app: &TestApp,
    w: &World,
    name: &str,
    contact: &str,
    tax_id: &str,
) -> String {
    let r = app
        .post(
            "/api/v1/suppliers",
            Some(&w.a.admin),
            &json!({"name": name, "country": "VN", "tax_id": tax_id, "default_currency": "USD", "contact_email": contact}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["id"].as_str().unwrap().to_owned()
}

/// A published RFQ of coop A (from a fresh closed round with demand) to `suppliers`; its
/// id. Deadline: 2 days from the app clock.
pub async fn publish_rfq(app: &TestApp, w: &World, title: &str, suppliers: &[&str]) -> String {
    let a = &w.a;
    let round = app
        .post(
            &format!("/api/v1/cooperatives/{}/rounds", a.coop),
            Some(&a.admin),
            &json!({"title": format!("{title} round"), "closes_at": (app.clock.now() + Duration::days(1)).to_rfc3339()}),
        )
        .await;
    assert_eq!(round.status, 201, "{}", round.text);
    let round = round.json["id"].as_str().unwrap().to_owned();
    for step in ["open"] {
        let r = app
            .post(
                &format!("/api/v1/rounds/{round}/{step}"),
                Some(&a.admin),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let d = app
        .post(
            &format!("/api/v1/rounds/{round}/demand"),
            Some(&a.member_token),
            &json!({"material_id": a.material, "quantity": "40", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"}),
        )
        .await;
    assert_eq!(d.status, 201, "{}", d.text);
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rfq = app
        .post(
            &format!("/api/v1/rounds/{round}/rfqs"),
            Some(&a.admin),
            &json!({"title": title, "deadline": (app.clock.now() + Duration::days(2)).to_rfc3339(), "supplier_ids": suppliers, "delivery_place": "Siheung plant", "currencies": ["KRW", "USD"]}),
        )
        .await;
    assert_eq!(rfq.status, 201, "{}", rfq.text);
    let id = rfq.json["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/rfqs/{id}/publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.run_jobs_until_idle().await;
    id
}

/// The claim link's path (`/claim/{token}`) in the only email to `to`, if any.
pub fn claim_path(sink: &SmtpSink, to: &str) -> Option<String> {
    let mail = sink.one_to(to);
    let body = mail.part("text/plain").unwrap();
    let at = body.find("/claim/")?;
    Some(body[at..].split_whitespace().next().unwrap().to_owned())
}

#[tokio::test]
async fn a_claim_link_makes_one_supplier_admin_once_and_only_until_the_deadline() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let w = World::build(&app).await;
    let s3 = userless_supplier(&app, &w, "Hanoi Steel", "sales@hanoisteel.vn", "0301234568").await;
    let rfq = publish_rfq(&app, &w, "Copper Q3", &[&w.s1, &s3]).await;

    // The user-less supplier's contact address gets the link (in English, its language);
    // the supplier with a user does not.
    let link = claim_path(&sink, "sales@hanoisteel.vn").expect("a claim link");
    let mail = sink.one_to("sales@hanoisteel.vn");
    assert!(mail
        .part("text/plain")
        .unwrap()
        .contains("Create your account: "));
    assert!(mail.part("text/html").unwrap().contains(&link));
    assert!(claim_path(&sink, "sales@kcopper.kr").is_none());
    assert!(claim_path(&sink, "rep@kcopper.kr").is_none());
    let token_text = link.trim_start_matches("/claim/").to_owned();
    // Only the hash is stored.
    let v = Visitor::new(&app);
    let page = v.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("sales@hanoisteel.vn"));
    assert!(page.text.contains("Hanoi Steel"));

    // A weak password is refused on the field; the link still works.
    let weak = app
        .post(
            "/api/v1/auth/claim",
            None,
            &json!({"token": token_text, "password": "password"}),
        )
        .await;
    assert_eq!(weak.status, 422, "{}", weak.text);
    assert_eq!(weak.json["errors"][0]["field"], "password");
    let claimed = app
        .post(
            "/api/v1/auth/claim",
            None,
            &json!({"token": token_text, "password": "hanoi-copper-2027", "name": "Nguyen Van An"}),
        )
        .await;
    assert_eq!(claimed.status, 201, "{}", claimed.text);
    assert_eq!(claimed.json["rfq_id"], rfq.as_str());
    assert_eq!(
        claimed.header("location"),
        Some(format!("/api/v1/rfqs/{rfq}").as_str())
    );
    let user: &Value = &claimed.json["user"];
    assert_eq!(user["email"], "sales@hanoisteel.vn");
    assert_eq!(user["name"], "Nguyen Van An");
    assert_eq!(user["role"], "supplier");
    assert_eq!(user["supplier_id"], s3.as_str());
    assert_eq!(user["supplier_admin"], true);
    assert_eq!(user["locale"], "en");
    // The account reaches this RFQ, and nothing of another supplier.
    let t = token(&app, "sales@hanoisteel.vn").await;
    assert_eq!(
        app.get(&format!("/api/v1/rfqs/{rfq}"), Some(&t))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/suppliers/{}", w.s1), Some(&t))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/api/v1/suppliers/{}/users", w.s1), Some(&t))
            .await
            .status,
        404
    );

    // Used once: refused, by the API and the page.
    app.post(
        "/api/v1/auth/claim",
        None,
        &json!({"token": token_text, "password": "another-pass-2027"}),
    )
    .await
    .assert_problem(422, "invalid_claim");
    assert_eq!(v.get(&link).await.status, 404);
    app.post(
        "/api/v1/auth/claim",
        None,
        &json!({"token": "not-a-token", "password": "another-pass-2027"}),
    )
    .await
    .assert_problem(422, "invalid_claim");

    // The new admin invites a colleague (not an admin by default), who may not invite.
    let colleague = app
        .post(
            &format!("/api/v1/suppliers/{s3}/users"),
            Some(&t),
            &json!({"email": "buyer2@hanoisteel.vn", "name": "Tran Thi B", "password": "tran-copper-2027"}),
        )
        .await;
    assert_eq!(colleague.status, 201, "{}", colleague.text);
    assert_eq!(colleague.json["supplier_admin"], false);
    let t2 = token(&app, "buyer2@hanoisteel.vn").await;
    let refused = app
        .post(
            &format!("/api/v1/suppliers/{s3}/users"),
            Some(&t2),
            &json!({"email": "buyer3@hanoisteel.vn", "name": "Le C"}),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    // A supplier that now has an active user gets no claim link for the next RFQ.
    let before = sink.to("sales@hanoisteel.vn").len();
    publish_rfq(&app, &w, "Copper Q4", &[&s3]).await;
    let mails = sink.to("sales@hanoisteel.vn");
    assert_eq!(mails.len(), before + 1);
    assert!(!mails
        .last()
        .unwrap()
        .part("text/plain")
        .unwrap()
        .contains("/claim/"));

    // Expiry: another user-less supplier's link dies at the RFQ's deadline.
    let s4 = userless_supplier(
        &app,
        &w,
        "Da Nang Wire",
        "sales@danangwire.vn",
        "0301234569",
    )
    .await;
    publish_rfq(&app, &w, "Copper Q5", &[&s4]).await;
    let late = claim_path(&sink, "sales@danangwire.vn").expect("a claim link");
    app.clock.advance(Duration::days(2) + Duration::minutes(1));
    let late_token = late.trim_start_matches("/claim/");
    app.post(
        "/api/v1/auth/claim",
        None,
        &json!({"token": late_token, "password": "danang-wire-2027"}),
    )
    .await
    .assert_problem(422, "invalid_claim");
    assert_eq!(v.get(&late).await.status, 404);
    app.run_jobs_until_idle().await;
}
