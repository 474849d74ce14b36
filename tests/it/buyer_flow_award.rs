//! The buyer's award in a real browser, after the deadline: open the comparison, go to the
//! award form, watch the server recalculate as a quantity is typed (htmx under the strict
//! CSP), award the suggestion through the confirmation, open the purchase order and print
//! it. [`buyer_compares_and_awards`] is the reusable part of the whole buyer walk.

use fantoccini::wd::PrintConfiguration;
use fantoccini::{Client, Locator};

use crate::browser::{
    assert_accessible, check_pages, click_and_wait, fill, path, screenshot, screenshot_dir,
    sign_in, text, wait_css, with_browser, Viewport,
};
use crate::comparison_pages::{past_deadline, quoted_rfq};
use crate::helpers::world::World;
use crate::helpers::{TestApp, PASSWORD};

/// Waits until `js` (an expression) is true on the page.
async fn until(c: &Client, js: &str, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let v = c
            .execute(&format!("return !!({js});"), vec![])
            .await
            .unwrap();
        if v.as_bool() == Some(true) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// From the comparison of a closed RFQ (signed in as its coop admin) to its POs: the
/// suggestion awarded through the confirmation, then the first PO opened and printed.
/// Returns the PO's path.
pub async fn buyer_compares_and_awards(c: &Client, app: &TestApp, rfq_id: &str) -> String {
    c.goto(&app.url(&format!("/rfqs/{rfq_id}/comparison")))
        .await
        .unwrap();
    wait_css(c, ".cmp-line .suggestion").await;
    let comparison = c.find(Locator::Css(".comparison-doc")).await.unwrap();
    assert!(comparison
        .find(Locator::Css("svg[role=img] title"))
        .await
        .is_ok());
    // The print view of the comparison (A4 landscape by its stylesheet).
    let pdf = c.print(PrintConfiguration::default()).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"), "the comparison prints");
    std::fs::write(screenshot_dir().join("comparison-print.pdf"), &pdf).unwrap();

    click_and_wait(c, "#go-award").await;
    assert_eq!(path(c).await, format!("/rfqs/{rfq_id}/award"));
    wait_css(c, "#award-totals [data-k=difference][data-v='0']").await;
    // Typing a dearer split: the server recalculates, the rationale field appears.
    let first = c
        .find(Locator::Css("input.qty:not([value=''])"))
        .await
        .unwrap();
    let name = first.attr("name").await.unwrap().unwrap();
    let suggested = first.prop("value").await.unwrap().unwrap();
    let css = format!("input[name='{name}']");
    fill(c, &css, "1").await;
    until(
        c,
        "document.querySelector('#award-totals [data-k=difference]') === null || document.querySelector('#award-totals [data-k=difference]').dataset.v !== '0'",
        "the totals are recalculated",
    )
    .await;
    screenshot(c, "award-recalculated").await;
    fill(c, &css, &suggested).await;
    wait_css(c, "#award-totals [data-k=difference][data-v='0']").await;
    until(
        c,
        "document.querySelector('#award-totals .rationale').hidden",
        "no rationale for the optimum",
    )
    .await;

    click_and_wait(c, "#review-award").await;
    wait_css(c, "#confirm-award").await;
    assert_accessible(c, "award confirmation").await;
    screenshot(c, "award-confirmation").await;
    click_and_wait(c, "#confirm-award").await;
    assert_eq!(path(c).await, "/purchase-orders");

    click_and_wait(c, "a[href^='/purchase-orders/']").await;
    let po = path(c).await;
    assert!(po.starts_with("/purchase-orders/"), "{po}");
    assert!(text(c).await.contains("PO-"));
    let pdf = c.print(PrintConfiguration::default()).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"), "the PO prints");
    std::fs::write(screenshot_dir().join("po-print.pdf"), &pdf).unwrap();
    po
}

#[tokio::test]
async fn the_buyer_compares_and_awards_in_the_browser() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let q = quoted_rfq(&app, &w).await;
    past_deadline(&app, &q).await;
    let app_ref = &app;
    let rfq = q.rfq.clone();
    with_browser("buyer-award", Viewport::Desktop, |c| async move {
        sign_in(&c, app_ref, "admin-a@coop.kr", PASSWORD).await;
        let mut checked = 0;
        check_pages(
            &c,
            app_ref,
            "coop admin",
            &[
                format!("/rfqs/{rfq}/comparison"),
                format!("/rfqs/{rfq}/award"),
            ],
            &mut checked,
        )
        .await;
        assert_eq!(checked, 4);
        c.goto(&app_ref.url(&format!("/rfqs/{rfq}/comparison")))
            .await
            .unwrap();
        screenshot(&c, "comparison-en").await;
        let po = buyer_compares_and_awards(&c, app_ref, &rfq).await;
        screenshot(&c, "po-after-award").await;
        assert!(po.starts_with("/purchase-orders/"));
    })
    .await;
    app.run_jobs_until_idle().await;
}
