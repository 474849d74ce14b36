//! The buyer's flow in real Chromium, by clicking and typing: create a round, open it,
//! (members' demand through the API), close it, create an RFQ from it, preview, publish
//! after the confirmation. [`buyer_creates_and_publishes`] is reusable: the comparison and
//! award walk continues from the RFQ it returns. Screenshots of the round aggregate and of
//! the RFQ form go to `target/portal-screenshots/`; axe runs on every page met.

use chrono::{Duration as Span, NaiveTime, TimeZone};
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{
    assert_accessible, check_pages, click_and_wait, fill, path, screenshot, text, wait_css,
    with_browser, Viewport,
};
use crate::helpers::smtp::SmtpSink;
use crate::helpers::world::World;
use crate::helpers::{created, TestApp, PASSWORD};

/// Sets a `datetime-local` field (typing into one depends on the browser's locale).
async fn set_local_time(c: &Client, css: &str, value: &str) {
    wait_css(c, css).await;
    c.execute(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![json!(css), json!(value)],
    )
    .await
    .expect("set the time");
}

/// `days` after the app clock's date at 15:00 in Seoul, as `datetime-local` text.
fn seoul_15h(app: &TestApp, days: i64) -> String {
    use coprocure::clock::Clock;
    let tz = chrono_tz::Asia::Seoul;
    let day = (app.clock.now() + Span::days(days))
        .with_timezone(&tz)
        .date_naive();
    let local = day.and_time(NaiveTime::from_hms_opt(15, 0, 0).unwrap());
    assert!(tz.from_local_datetime(&local).single().is_some());
    local.format("%Y-%m-%dT%H:%M").to_string()
}

/// The walk, signed in as cooperative A's admin (`admin-a@coop.kr`) in a browser `c`:
/// a round of A's material opened from the pages, member A's demand (`quantity` TNE) added
/// through the API, the round closed, an RFQ created from it inviting `suppliers` with
/// `deadline_days` days to quote, and published. Returns the RFQ's id.
pub async fn buyer_creates_and_publishes(
    c: &Client,
    app: &TestApp,
    w: &World,
    suppliers: &[&str],
    quantity: &str,
    deadline_days: i64,
) -> String {
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "#email", "admin-a@coop.kr").await;
    fill(c, "#password", PASSWORD).await;
    click_and_wait(c, "#sign-in").await;

    // A new round.
    c.goto(&app.url("/rounds")).await.unwrap();
    click_and_wait(c, "#new-round").await;
    assert_eq!(path(c).await, "/rounds/new");
    assert_accessible(c, "new round").await;
    fill(c, "#title", "Copper cathode, walk").await;
    set_local_time(c, "#closes_at", &seoul_15h(app, 7)).await;
    click_and_wait(c, "#create-round").await;
    let round_page = path(c).await;
    let round = round_page.trim_start_matches("/rounds/").to_owned();
    assert!(text(c).await.contains("15:00"), "the closing time as typed");

    // Open it; the members' demand arrives through the API.
    click_and_wait(c, "#open-round").await;
    assert!(wait_css(c, "#close-round")
        .await
        .is_displayed()
        .await
        .unwrap());
    created(
        app,
        &format!("/api/v1/rounds/{round}/demand"),
        &w.a.member_token,
        json!({"material_id": w.a.material, "quantity": quantity, "unit": "TNE",
               "required_by": "2031-06-30", "delivery_site": "Siheung plant"}),
    )
    .await;
    c.goto(&app.url(&round_page)).await.unwrap();
    assert_accessible(c, "open round with the demand form").await;

    // Close it: the aggregate, and the way to an RFQ.
    click_and_wait(c, "#close-round").await;
    wait_css(c, "details.drill summary")
        .await
        .click()
        .await
        .unwrap();
    let page = text(c).await;
    assert!(
        page.contains("Member a") && page.contains("Siheung plant"),
        "{page}"
    );
    c.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    screenshot(c, "buyer-round-aggregate").await;
    assert_accessible(c, "closed round with the aggregate").await;

    // The RFQ form, prefilled from the aggregate.
    click_and_wait(c, "#create-rfq").await;
    assert_eq!(path(c).await, format!("/rounds/{round}/rfqs/new"));
    fill(c, "#title", "Copper cathode RFQ, walk").await;
    set_local_time(c, "#deadline", &seoul_15h(app, deadline_days)).await;
    fill(c, "#delivery_place", "Siheung plant, gate 3").await;
    for s in suppliers {
        c.find(Locator::Css(&format!(
            "input[name='supplier_ids'][value='{s}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    }
    fill(c, &format!("#duty-{}", w.a.material), "3").await;
    fill(c, "#adder-FOB", "12,500").await;
    c.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    screenshot(c, "buyer-rfq-create-form").await;
    assert_accessible(c, "RFQ create form").await;
    click_and_wait(c, "#preview-rfq").await;

    // The preview (the draft), the confirmation, published.
    let rfq_page = path(c).await;
    assert!(
        rfq_page.starts_with("/rfqs/"),
        "{rfq_page}: {}",
        text(c).await
    );
    wait_css(c, "#draft-notice").await;
    click_and_wait(c, "#publish").await;
    assert!(text(c).await.contains("sales@kcopper.kr"));
    assert_accessible(c, "publish confirmation").await;
    click_and_wait(c, "#confirm-publish").await;
    assert_eq!(path(c).await, rfq_page);
    wait_css(c, "#submitted-count").await;
    assert!(
        c.find(Locator::Css("#draft-notice")).await.is_err(),
        "published"
    );
    rfq_page.trim_start_matches("/rfqs/").to_owned()
}

#[tokio::test]
async fn a_buyer_creates_a_round_and_publishes_an_rfq_in_chromium() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let w = World::build(&app).await;
    let (app_ref, w_ref) = (&app, &w);
    with_browser("buyer-flow", Viewport::Desktop, |c| async move {
        let rfq =
            buyer_creates_and_publishes(&c, app_ref, w_ref, &[w_ref.s1.as_str()], "40", 5).await;
        let api = app_ref
            .get(&format!("/api/v1/rfqs/{rfq}"), Some(&w_ref.a.admin))
            .await;
        assert_eq!(api.json["status"], "published");
        assert_eq!(api.json["lines"][0]["quantity"], "40");
        assert_eq!(api.json["lines"][0]["duty_rate"], "3");
        assert_eq!(api.json["logistics_adders"]["FOB"], "12500");
        assert_eq!(api.json["supplier_ids"], json!([w_ref.s1]));
        app_ref.run_jobs_until_idle().await;
        c.goto(&app_ref.url(&format!("/rfqs/{rfq}"))).await.unwrap();
        assert!(text(&c).await.contains("전송 2 · 대기 0 · 실패 0"));
        let mut checked = 0;
        check_pages(
            &c,
            app_ref,
            "coop admin",
            &[
                "/rounds".into(),
                "/rounds/new".into(),
                format!("/rounds/{}", w_ref.a.round),
                format!("/rounds/{}/cancel", w_ref.a.round),
                "/rfqs".into(),
                format!("/rfqs/{rfq}"),
                format!("/rfqs/{rfq}/cancel"),
            ],
            &mut checked,
        )
        .await;
        assert_eq!(checked, 14);
    })
    .await;
    app.run_jobs_until_idle().await;
}

/// The whole buyer flow in one browser session: the round and the RFQ from the pages,
/// members' demand and the suppliers' quotes through the API, the clock moved past the
/// deadline, then the comparison, the award of the suggestion, the PO and its print view
/// (the walk of `buyer_flow_award`); the PO's figures are the API's.
#[tokio::test]
async fn the_whole_buyer_flow_from_a_round_to_the_printed_po() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let (app_ref, w_ref) = (&app, &w);
    with_browser("buyer-whole-flow", Viewport::Desktop, |c| async move {
        let suppliers = [w_ref.s1.as_str(), w_ref.s2.as_str()];
        let rfq = buyer_creates_and_publishes(&c, app_ref, w_ref, &suppliers, "40", 5).await;
        let api = app_ref
            .get(&format!("/api/v1/rfqs/{rfq}"), Some(&w_ref.a.admin))
            .await;
        let line = api.json["lines"][0]["id"].as_str().unwrap().to_owned();
        for (token, price) in [(&w_ref.s1_token, "13450000"), (&w_ref.s2_token, "12100000")] {
            created(
                app_ref,
                &format!("/api/v1/rfqs/{rfq}/quotes"),
                token,
                crate::helpers::world::quote_body(&line, "KRW", price),
            )
            .await;
        }
        app_ref.clock.advance(Span::days(6));
        crate::browser::sign_in(&c, app_ref, "admin-a@coop.kr", PASSWORD).await;
        let po = crate::buyer_flow_award::buyer_compares_and_awards(&c, app_ref, &rfq).await;
        assert!(po.starts_with("/purchase-orders/"), "{po}");
        // The awarded PO is the supplier with the lower landed cost (12,100,000 + 3 % duty
        // from abroad, against 13,450,000 at home), as the API has it.
        let admin = crate::helpers::token(app_ref, "admin-a@coop.kr").await;
        let pos = app_ref.get("/api/v1/purchase-orders", Some(&admin)).await;
        assert_eq!(pos.status, 200, "{}", pos.text);
        let items: Vec<_> = pos.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["rfq_id"] == rfq.as_str())
            .collect();
        assert_eq!(items.len(), 1, "{}", pos.text);
        assert_eq!(items[0]["supplier_id"], w_ref.s2.as_str());
        assert!(po.ends_with(items[0]["id"].as_str().unwrap()), "{po}");
    })
    .await;
    app.run_jobs_until_idle().await;
}
