//! The award report page in Chromium: axe-clean in both languages for a member and an
//! admin, no sideways scrolling on a phone.

use crate::browser::{check_pages, screenshot, scrolls_sideways, sign_in, with_browser, Viewport};
use crate::helpers::{TestApp, PASSWORD};
use crate::transparency::{setup, PREFIX};

#[tokio::test]
async fn award_report_pages_are_accessible_in_both_languages() {
    let app = TestApp::spawn_with(&[("COPROCURE_OCDS_PREFIX", PREFIX)]).await;
    let s = setup(&app).await;
    let pages = vec![
        format!("/rfqs/{}/report", s.rfq),
        format!("/rfqs/{}/report?verify=1", s.rfq),
    ];
    let app = &app;
    let mut checked = 0;
    with_browser("award-report-member", Viewport::Phone, |c| {
        let pages = pages.clone();
        let checked = &mut checked;
        async move {
            sign_in(&c, app, "user-a@member.kr", PASSWORD).await;
            check_pages(&c, app, "member", &pages, checked).await;
            c.goto(&app.url(&pages[0])).await.unwrap();
            assert!(
                !scrolls_sideways(&c).await,
                "the report scrolls sideways on a phone"
            );
            println!(
                "{}",
                screenshot(&c, "award-report-member-phone").await.display()
            );
        }
    })
    .await;
    with_browser("award-report-admin", Viewport::Desktop, |c| {
        let pages = pages.clone();
        let checked = &mut checked;
        async move {
            sign_in(&c, app, "admin-a@coop.kr", PASSWORD).await;
            check_pages(&c, app, "admin", &pages, checked).await;
            println!("{}", screenshot(&c, "award-report-admin").await.display());
        }
    })
    .await;
    assert_eq!(checked, 8);
}
