//! The portal in real Chromium: sign-in, the language switch and sign-out; an invitation
//! accepted from the real email on a phone; and axe-core on every page in Korean and
//! English (0 serious or critical violations), with screenshots in
//! `target/portal-screenshots/`.

use std::time::Duration;

use serde_json::json;

use crate::browser::{
    assert_accessible, check_pages, click_and_wait, fill, lang, path, screenshot, scrolls_sideways,
    sign_in, sign_out, switch_language, text, wait_css, with_browser, Viewport,
};
use crate::helpers::smtp::SmtpSink;
use crate::helpers::world::World;
use crate::helpers::{token, TestApp, PASSWORD};

#[tokio::test]
async fn sign_in_switch_language_and_sign_out_in_chromium() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    with_browser("sign-in", Viewport::Desktop, |c| async move {
        // A page behind sign-in leads to the form and back.
        c.goto(&app.url("/purchase-orders")).await.unwrap();
        wait_css(&c, "#sign-in").await;
        assert_eq!(path(&c).await, "/login?next=%2Fpurchase-orders");
        assert_eq!(lang(&c).await, "ko");
        // Assets load under the CSP: the stylesheet styles the header, htmx runs.
        let styled = c
            .execute(
                "return getComputedStyle(document.querySelector('.site-header')).backgroundColor;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(styled, json!("rgb(11, 79, 108)"));
        let htmx = c
            .execute("return typeof htmx !== 'undefined';", vec![])
            .await
            .unwrap();
        assert_eq!(htmx, json!(true));
        screenshot(&c, "login-ko").await;
        fill(&c, "#email", "admin-a@coop.kr").await;
        fill(&c, "#password", "not-the-password").await;
        click_and_wait(&c, "#sign-in").await;
        assert!(text(&c)
            .await
            .contains("이메일 또는 비밀번호가 올바르지 않습니다."));
        fill(&c, "#password", PASSWORD).await;
        click_and_wait(&c, "#sign-in").await;
        assert_eq!(path(&c).await, "/purchase-orders");
        let cookie = c.get_named_cookie("coprocure").await.unwrap();
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(format!("{:?}", cookie.same_site()), "Some(Lax)");

        c.goto(&app.url("/")).await.unwrap();
        assert!(text(&c).await.contains("Admin a님, 환영합니다"));
        screenshot(&c, "home-ko").await;
        // English, kept on the account, and back.
        switch_language(&c).await;
        assert_eq!(lang(&c).await, "en");
        assert!(text(&c).await.contains("Welcome, Admin a"));
        screenshot(&c, "home-en").await;
        c.refresh().await.unwrap();
        assert_eq!(lang(&c).await, "en", "persisted");
        switch_language(&c).await;
        assert_eq!(lang(&c).await, "ko");
        assert_eq!(path(&c).await, "/", "back on the same page");

        // Sign out; the back button shows no signed-in page (no-store).
        sign_out(&c).await;
        assert!(text(&c).await.contains("로그아웃했습니다."));
        c.back().await.unwrap();
        wait_css(&c, "body").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = text(&c).await;
        assert!(!after.contains("환영합니다"), "{after}");
        assert!(path(&c).await.starts_with("/login"), "{}", path(&c).await);
        // The session is over on the server too.
        let api = app.get("/api/v1/me", Some(&w.a.admin)).await;
        assert_eq!(
            api.status, 200,
            "the API login of the fixture is another session"
        );
    })
    .await;
}

#[tokio::test]
async fn an_invitation_from_the_real_email_on_a_phone() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let w = World::build(&app).await;
    let r = app
        .post(
            &format!("/api/v1/cooperatives/{}/users", w.a.coop),
            Some(&w.a.admin),
            &json!({"email": "kim@member-a.kr", "name": "김회원", "role": "member", "member_id": w.a.member}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.run_jobs_until_idle().await;
    let mail = sink.one_to("kim@member-a.kr");
    let body = mail.part("text/plain").unwrap();
    let link = body[body.find("/invite/").unwrap()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let link = app.url(&link);
    let (app_ref, w) = (&app, &w);
    with_browser("invitation", Viewport::Phone, |c| async move {
        c.goto(&link).await.unwrap();
        wait_css(&c, "#new_password").await;
        assert!(text(&c)
            .await
            .contains("Coop a에서 kim@member-a.kr 계정으로"));
        assert!(!scrolls_sideways(&c).await);
        assert_accessible(&c, "invitation (phone)").await;
        screenshot(&c, "invite-phone-ko").await;
        fill(&c, "#new_password", "aluminium-billet-77").await;
        fill(&c, "#confirm_password", "aluminium-billet-78").await;
        click_and_wait(&c, "#save-password").await;
        assert!(text(&c).await.contains("두 비밀번호가 서로 다릅니다."));
        assert_accessible(&c, "invitation with errors (phone)").await;
        fill(&c, "#new_password", "aluminium-billet-77").await;
        fill(&c, "#confirm_password", "aluminium-billet-77").await;
        click_and_wait(&c, "#save-password").await;
        assert_eq!(path(&c).await, "/");
        assert!(text(&c).await.contains("김회원님, 환영합니다"));
        // The member's round, on the phone.
        c.goto(&app_ref.url(&format!("/rounds/{}", w.a.round)))
            .await
            .unwrap();
        assert!(text(&c).await.contains("Siheung plant"));
        assert!(!scrolls_sideways(&c).await);
        screenshot(&c, "round-phone-ko").await;
    })
    .await;
    // The password works for the API too.
    app.login("kim@member-a.kr", "aluminium-billet-77").await;
}

#[tokio::test]
async fn every_page_passes_axe_in_korean_and_english() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let mut w = World::build(&app).await;
    let awarded = w.rfq_fixture(&app).await;
    app.clock.advance(chrono::Duration::days(3));
    // The fixture's access tokens expired with the jump.
    w.a.admin = token(&app, "admin-a@coop.kr").await;
    w.a.member_token = token(&app, "user-a@member.kr").await;
    w.b.admin = token(&app, "admin-b@coop.kr").await;
    w.s1_token = token(&app, "rep@kcopper.kr").await;
    let award = app
        .post(
            &format!("/api/v1/rfqs/{}/award", awarded.rfq),
            Some(&token(&app, "admin-a@coop.kr").await),
            &json!({"lines": [{"rfq_line_id": awarded.line, "allocations": [{"quote_id": awarded.quote, "quantity": "40"}]}]}),
        )
        .await;
    assert_eq!(award.status, 201, "{}", award.text);
    let po = format!(
        "/purchase-orders/{}",
        award.json["purchase_orders"][0]["id"].as_str().unwrap()
    );
    let sealed = w.rfq_fixture(&app).await;
    // Links with open tokens: a password reset and an invitation.
    app.post(
        "/api/v1/auth/forgot-password",
        None,
        &json!({"email": "user-b@member.kr"}),
    )
    .await;
    app.post(
        &format!("/api/v1/cooperatives/{}/users", w.b.coop),
        Some(&w.b.admin),
        &json!({"email": "invited@b.kr", "name": "Invited", "role": "coop_admin"}),
    )
    .await;
    app.run_jobs_until_idle().await;
    let link = |to: &str, marker: &str| -> String {
        sink.messages()
            .into_iter()
            .find_map(|m| {
                let body = m.part("text/plain")?;
                (m.rcpt_to.iter().any(|r| r == to) && body.contains(marker)).then(|| {
                    body[body.find(marker).unwrap()..]
                        .split_whitespace()
                        .next()
                        .unwrap()
                        .to_owned()
                })
            })
            .unwrap_or_else(|| panic!("no {marker} email to {to}"))
    };
    let reset = link("user-b@member.kr", "/reset-password/");
    let invite = link("invited@b.kr", "/invite/");

    let started = std::time::Instant::now();
    let (app, w, po, reset, invite, sealed, awarded) =
        (&app, &w, &po, &reset, &invite, &sealed, &awarded);
    let desktop = async {
        let mut checked = 0;
        let count = &mut checked;
        with_browser("axe-desktop", Viewport::Desktop, |c| async move {
            let anonymous: Vec<String> = vec![
                "/login".into(),
                "/forgot-password".into(),
                reset.clone(),
                invite.clone(),
                "/no-such-page".into(),
            ];
            check_pages(&c, app, "anonymous", &anonymous, count).await;
            screenshot(&c, "login-en").await;
            sign_in(&c, app, "platform@coprocure.kr", PASSWORD).await;
            check_pages(&c, app, "platform admin", &["/".into()], count).await;
            sign_out(&c).await;
            sign_in(&c, app, "admin-a@coop.kr", PASSWORD).await;
            let buyer = vec![
                "/".into(),
                "/rfqs".into(),
                format!("/rfqs/{}", sealed.rfq),
                format!("/rfqs/{}", awarded.rfq),
                format!("/rounds/{}", w.a.round),
                "/purchase-orders".into(),
                po.clone(),
                "/account/password".into(),
            ];
            check_pages(&c, app, "coop admin", &buyer, count).await;
            c.goto(&app.url(po)).await.unwrap();
            screenshot(&c, "po-en").await;
        })
        .await;
        checked
    };
    let phone = async {
        let mut checked = 0;
        let count = &mut checked;
        with_browser("axe-phone", Viewport::Phone, |c| async move {
            sign_in(&c, app, "user-a@member.kr", PASSWORD).await;
            let member = vec![
                "/".into(),
                format!("/rounds/{}", w.a.round),
                "/purchase-orders".into(),
                po.clone(),
            ];
            check_pages(&c, app, "member", &member, count).await;
            for p in &member {
                c.goto(&app.url(p)).await.unwrap();
                wait_css(&c, "main").await;
                assert!(
                    !scrolls_sideways(&c).await,
                    "member {p} scrolls sideways at 390 px"
                );
            }
            c.goto(&app.url(po)).await.unwrap();
            screenshot(&c, "po-phone-member-en").await;
            sign_out(&c).await;
            sign_in(&c, app, "rep@kcopper.kr", PASSWORD).await;
            let supplier = vec![
                "/".into(),
                "/rfqs".into(),
                format!("/rfqs/{}", sealed.rfq),
                "/purchase-orders".into(),
                po.clone(),
            ];
            check_pages(&c, app, "supplier", &supplier, count).await;
            for p in &supplier {
                c.goto(&app.url(p)).await.unwrap();
                wait_css(&c, "main").await;
                assert!(
                    !scrolls_sideways(&c).await,
                    "supplier {p} scrolls sideways at 390 px"
                );
            }
            c.goto(&app.url(&format!("/rfqs/{}", sealed.rfq)))
                .await
                .unwrap();
            screenshot(&c, "rfq-phone-supplier-en").await;
        })
        .await;
        checked
    };
    let (a, b) = tokio::join!(desktop, phone);
    if a + b > 0 {
        eprintln!(
            "axe: {} page views ({} distinct pages × 2 languages), 0 serious or critical violations, {:.1} s",
            a + b,
            (a + b) / 2,
            started.elapsed().as_secs_f64()
        );
        assert_eq!(a + b, 2 * (5 + 1 + 8 + 4 + 5));
    }
}

#[tokio::test]
async fn the_axe_check_catches_a_violation() {
    // The helper must be able to fail: an unlabeled input is a critical violation.
    with_browser("axe-self-check", Viewport::Desktop, |c| async move {
        c.goto("data:text/html,<!DOCTYPE html><html lang=en><title>t</title><main><input></main></html>")
            .await
            .unwrap();
        let found = crate::browser::axe(&c).await;
        assert!(
            found.iter().any(|v| v.id == "label" && v.impact.as_deref() == Some("critical")),
            "{found:?}"
        );
    })
    .await;
}
