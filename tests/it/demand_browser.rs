//! A member and a new supplier on a phone (390 × 844) in real Chromium: demand typed as
//! `1,250.5`, edited, deleted, and locked after the close; a supplier's account claimed from
//! the link in the real RFQ email, landing on the RFQ; its company page. No page scrolls
//! sideways; axe-core finds nothing serious in Korean or English.

use serde_json::json;

use crate::browser::{
    check_pages, click_and_wait, fill, path, screenshot, scrolls_sideways, sign_in, text, wait_css,
    with_browser, Viewport,
};
use crate::claim::{claim_path, publish_rfq, userless_supplier};
use crate::helpers::smtp::SmtpSink;
use crate::helpers::world::World;
use crate::helpers::{TestApp, PASSWORD};

#[tokio::test]
async fn a_member_enters_edits_and_deletes_demand_on_a_phone_and_sees_it_locked_after_the_close() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let (app, w) = (&app, &w);
    with_browser("demand-phone", Viewport::Phone, |c| async move {
        sign_in(&c, app, "user-a@member.kr", PASSWORD).await;
        // Home: the open round with what the member entered.
        assert!(text(&c).await.contains("1건 입력함"));
        assert!(!scrolls_sideways(&c).await, "home scrolls sideways");
        let round = format!("/rounds/{}", w.a.round);
        c.goto(&app.url(&round)).await.unwrap();
        let m = &w.a.material;
        fill(&c, &format!("#quantity-{m}"), "1,250.5").await;
        c.execute(
            &format!("document.getElementById('required_by-{m}').value = '2027-06-30';"),
            vec![],
        )
        .await
        .unwrap();
        fill(&c, &format!("#delivery_site-{m}"), "Ansan plant").await;
        click_and_wait(&c, &format!("#add-{m}")).await;
        let body = text(&c).await;
        assert!(body.contains("1,250.5 TNE"), "{body}");
        assert!(body.contains("Ansan plant"));
        assert!(!scrolls_sideways(&c).await, "demand entry scrolls sideways");
        let shot = screenshot(&c, "demand-entry-phone-ko").await;
        eprintln!("screenshot: {}", shot.display());

        // Edit the new line (the second): 2,000 TNE.
        let edits = c
            .find_all(fantoccini::Locator::Css(".edit-line"))
            .await
            .unwrap();
        assert_eq!(edits.len(), 2);
        let href = edits[1].attr("href").await.unwrap().unwrap();
        c.goto(&app.url(&href)).await.unwrap();
        assert!(!scrolls_sideways(&c).await, "edit scrolls sideways");
        fill(&c, "#quantity", "2,000").await;
        click_and_wait(&c, "#save-line").await;
        assert!(text(&c).await.contains("2,000 TNE"));

        // The accessibility of the member's pages, in both languages (the round still open).
        let mut checked = 0;
        let pages = [
            "/".to_owned(),
            round.clone(),
            href.clone(),
            "/purchase-orders".to_owned(),
        ];
        check_pages(&c, app, "member", &pages, &mut checked).await;
        assert_eq!(checked, 8);
        // Back in Korean for the rest.
        crate::browser::switch_language(&c).await;

        // Delete it.
        c.goto(&app.url(&round)).await.unwrap();
        let deletes = c
            .find_all(fantoccini::Locator::Css(".delete-line"))
            .await
            .unwrap();
        assert_eq!(deletes.len(), 2);
        let old = c.find(fantoccini::Locator::Css("html")).await.unwrap();
        deletes[1].click().await.unwrap();
        while old.tag_name().await.is_ok() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        wait_css(&c, "body").await;
        let body = text(&c).await;
        assert!(!body.contains("2,000 TNE"), "{body}");
        assert!(body.contains("12.5 TNE"));

        // The cooperative closes the round: the member's lines are read-only.
        let closed = app
            .post(
                &format!("/api/v1/rounds/{}/close", w.a.round),
                Some(&w.a.admin),
                &json!({}),
            )
            .await;
        assert_eq!(closed.status, 200, "{}", closed.text);
        c.goto(&app.url(&round)).await.unwrap();
        let body = text(&c).await;
        assert!(body.contains("마감된 수요조사입니다"), "{body}");
        assert!(c
            .find_all(fantoccini::Locator::Css(
                ".demand-form, .edit-line, .delete-line"
            ))
            .await
            .unwrap()
            .is_empty());
        assert!(!scrolls_sideways(&c).await);
        screenshot(&c, "demand-locked-phone-ko").await;
    })
    .await;
}

#[tokio::test]
async fn a_supplier_claims_its_account_from_the_rfq_email_on_a_phone() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let w = World::build(&app).await;
    userless_supplier(&app, &w, "Hanoi Steel", "sales@hanoisteel.vn", "0301234568").await;
    let s3 = {
        let r = app
            .get("/api/v1/suppliers?q=Hanoi", Some(&w.platform))
            .await;
        r.json["items"][0]["id"].as_str().unwrap().to_owned()
    };
    let rfq = publish_rfq(&app, &w, "Copper Q3", &[&s3]).await;
    let link = app.url(&claim_path(&sink, "sales@hanoisteel.vn").expect("a claim link"));
    let (app, rfq) = (&app, &rfq);
    with_browser("claim-phone", Viewport::Phone, |c| async move {
        c.goto(&link).await.unwrap();
        wait_css(&c, "#new_password").await;
        assert!(text(&c).await.contains("sales@hanoisteel.vn"));
        assert!(!scrolls_sideways(&c).await, "claim page scrolls sideways");
        crate::browser::assert_accessible(&c, "claim (phone)").await;
        screenshot(&c, "claim-phone").await;
        fill(&c, "#name", "Nguyen Van An").await;
        fill(&c, "#new_password", "hanoi-copper-2027").await;
        fill(&c, "#confirm_password", "hanoi-copper-2027").await;
        click_and_wait(&c, "#create-account").await;
        assert_eq!(path(&c).await, format!("/rfqs/{rfq}"));
        assert!(text(&c).await.contains("Copper Q3"));
        assert!(!scrolls_sideways(&c).await, "RFQ page scrolls sideways");
        // The company page: the new admin, the invite form; no secret in the page.
        c.goto(&app.url("/company")).await.unwrap();
        let body = text(&c).await;
        assert!(body.contains("Nguyen Van An"), "{body}");
        wait_css(&c, "#send-invitation").await;
        assert!(!scrolls_sideways(&c).await, "company page scrolls sideways");
        screenshot(&c, "company-phone").await;
        let mut checked = 0;
        check_pages(&c, app, "supplier", &["/company".to_owned()], &mut checked).await;
        // The link is spent.
        c.goto(&link).await.unwrap();
        wait_css(&c, "main").await;
        assert!(!text(&c).await.contains("hanoi"), "no form any more");
        assert!(c
            .find_all(fantoccini::Locator::Css("#new_password"))
            .await
            .unwrap()
            .is_empty());
    })
    .await;
    app.run_jobs_until_idle().await;
}
