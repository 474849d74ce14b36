//! The purchase-order, audit, FX-rate and outbox pages in real Chromium: axe-core over every
//! one of them in both languages (coop admin, platform admin, member, supplier), and the
//! winning supplier acknowledging its PO on a phone without sideways scrolling.

use crate::browser::{
    check_pages, click_and_wait, path, scrolls_sideways, sign_in, sign_out, text, wait_css,
    with_browser, Viewport,
};
use fantoccini::Locator;

use crate::helpers::{TestApp, PASSWORD};
use crate::po_admin_pages::po_world;

#[tokio::test]
async fn po_audit_fx_and_outbox_pages_pass_axe_and_a_supplier_acknowledges_on_a_phone() {
    let app = TestApp::spawn().await;
    let pw = po_world(&app).await;
    let (app_ref, po) = (&app, pw.po.clone());
    with_browser("po-admin-pages", Viewport::Desktop, |c| {
        let po = po.clone();
        async move {
            let mut checked = 0;
            sign_in(&c, app_ref, "admin-a@coop.kr", PASSWORD).await;
            let coop_pages = [
                "/purchase-orders".to_owned(),
                format!("/purchase-orders/{po}"),
                format!("/purchase-orders/{po}/print"),
                "/audit".into(),
                "/fx-rates".into(),
            ];
            check_pages(&c, app_ref, "coop admin", &coop_pages, &mut checked).await;
            sign_out(&c).await;
            sign_in(&c, app_ref, "platform@coprocure.kr", PASSWORD).await;
            let admin_pages = [
                "/admin/audit".to_owned(),
                "/admin/outbox".into(),
                "/fx-rates".into(),
            ];
            check_pages(&c, app_ref, "platform admin", &admin_pages, &mut checked).await;
            sign_out(&c).await;
            sign_in(&c, app_ref, "user-a@member.kr", PASSWORD).await;
            let member_pages = [
                "/purchase-orders".to_owned(),
                format!("/purchase-orders/{po}"),
            ];
            check_pages(&c, app_ref, "member", &member_pages, &mut checked).await;
            assert_eq!(checked, 2 * (5 + 3 + 2));
        }
    })
    .await;
    let po = pw.po.clone();
    let rfq = pw.api["rfq_id"].as_str().unwrap().to_owned();
    with_browser("po-acknowledge-phone", Viewport::Phone, |c| async move {
        sign_in(&c, app_ref, "rep@kcopper.kr", PASSWORD).await;
        c.goto(&app_ref.url(&format!("/purchase-orders/{po}")))
            .await
            .unwrap();
        wait_css(&c, "main").await;
        assert!(!scrolls_sideways(&c).await, "PO detail at 390 px");
        let mut checked = 0;
        check_pages(
            &c,
            app_ref,
            "supplier",
            &[
                "/".to_owned(),
                "/rfqs".into(),
                // After the award: the supplier's own rank and landed cost.
                format!("/rfqs/{rfq}"),
                "/company".into(),
                "/purchase-orders".into(),
                format!("/purchase-orders/{po}"),
                format!("/purchase-orders/{po}/acknowledge"),
            ],
            &mut checked,
        )
        .await;
        assert_eq!(checked, 14);
        c.goto(&app_ref.url(&format!("/purchase-orders/{po}/acknowledge")))
            .await
            .unwrap();
        assert!(!scrolls_sideways(&c).await, "confirmation at 390 px");
        click_and_wait(&c, "#acknowledge-confirm").await;
        assert!(path(&c)
            .await
            .starts_with(&format!("/purchase-orders/{po}")));
        assert!(
            c.find(Locator::Css("#acknowledge")).await.is_err(),
            "no second acknowledgement offered: {}",
            text(&c).await
        );
    })
    .await;
    let api = app
        .get(
            &format!("/api/v1/purchase-orders/{}", pw.po),
            Some(&pw.w.a.admin),
        )
        .await;
    assert_eq!(api.json["status"], "acknowledged", "{}", api.text);
    app.run_jobs_until_idle().await;
}
