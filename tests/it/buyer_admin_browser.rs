//! The administration pages in real Chromium: a buyer creates a member (after fixing a
//! wrong business number), invites its user and adds a material by clicking and typing;
//! axe-core over every administration page of the coop admin and the platform admin in
//! both languages; the phone layout of the lists. Screenshots in
//! `target/portal-screenshots/`.

use crate::browser::{
    assert_accessible, check_pages, click_and_wait, fill, path, screenshot, scrolls_sideways,
    sign_in, sign_out, text, wait_css, with_browser, Viewport,
};
use crate::helpers::world::{World, BIZ};
use crate::helpers::{TestApp, PASSWORD};

#[tokio::test]
async fn a_buyer_creates_a_member_invites_its_user_and_adds_a_material_in_chromium() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let _fixture = w.rfq_fixture(&app).await;
    let (app, w) = (&app, &w);
    with_browser("buyer-admin", Viewport::Desktop, |c| async move {
        sign_in(&c, app, "admin-a@coop.kr", PASSWORD).await;
        c.goto(&app.url("/")).await.unwrap();
        wait_css(&c, "progress").await;
        assert!(text(&c).await.contains("회원사 1곳 중 1곳 입력 (100%)"));
        let shot = screenshot(&c, "buyer-home-ko").await;
        eprintln!("screenshot: {}", shot.display());

        c.goto(&app.url("/members")).await.unwrap();
        click_and_wait(&c, "a[href='/members/new']").await;
        fill(&c, "#name", "Hanil Steel").await;
        fill(&c, "#business_number", "123-45-67890").await;
        fill(&c, "#contact_email", "buy@hanil.kr").await;
        click_and_wait(&c, "form[action='/members'] button[type='submit']").await;
        let body = text(&c).await;
        assert!(
            body.contains("사업자등록번호가 올바르지 않습니다"),
            "{body}"
        );
        let kept = wait_css(&c, "#name").await.prop("value").await.unwrap();
        assert_eq!(kept.as_deref(), Some("Hanil Steel"));
        assert_accessible(&c, "member form with errors").await;
        fill(&c, "#business_number", BIZ[5]).await;
        click_and_wait(&c, "form[action='/members'] button[type='submit']").await;
        assert!(path(&c).await.ends_with("?created=1"));
        assert!(text(&c).await.contains("등록했습니다."));

        fill(&c, "#invite-name", "Park Jisoo").await;
        fill(&c, "#invite-email", "park@hanil.kr").await;
        click_and_wait(&c, "form[action$='/users'] button[type='submit']").await;
        assert!(path(&c).await.ends_with("?invited=1"));
        let body = text(&c).await;
        assert!(
            body.contains("park@hanil.kr") && body.contains("초대 수락 대기"),
            "{body}"
        );
        let member_page = path(&c).await.split('?').next().unwrap().to_owned();

        c.goto(&app.url("/members")).await.unwrap();
        wait_css(&c, "#members").await;
        assert!(text(&c).await.contains("Hanil Steel"));
        let shot = screenshot(&c, "members-ko").await;
        eprintln!("screenshot: {}", shot.display());

        c.goto(&app.url("/materials/new")).await.unwrap();
        fill(&c, "#code", "al-ingot").await;
        fill(&c, "#name_ko", "알루미늄 괴").await;
        fill(&c, "#name", "Aluminium ingot").await;
        fill(&c, "#hs_code", "7601.10").await;
        wait_css(&c, "#unit option[value='KGM']")
            .await
            .click()
            .await
            .unwrap();
        click_and_wait(&c, "form[action='/materials'] button[type='submit']").await;
        assert!(path(&c).await.ends_with("?created=1"), "{}", path(&c).await);
        assert!(text(&c).await.contains("AL-INGOT"));
        let material_page = path(&c).await.split('?').next().unwrap().to_owned();

        let pages: Vec<String> = vec![
            "/".into(),
            "/members".into(),
            "/members/new".into(),
            member_page,
            "/materials".into(),
            "/materials/new".into(),
            material_page,
            "/suppliers".into(),
            "/suppliers/new".into(),
            format!("/suppliers/{}", w.s1),
        ];
        let mut checked = 0;
        check_pages(&c, app, "coop admin", &pages, &mut checked).await;
        sign_out(&c).await;
        sign_in(&c, app, "platform@coprocure.kr", PASSWORD).await;
        let platform: Vec<String> = vec![
            "/".into(),
            "/admin/cooperatives".into(),
            "/admin/cooperatives/new".into(),
            format!("/admin/cooperatives/{}", w.a.coop),
            "/suppliers".into(),
            "/suppliers/new".into(),
            format!("/suppliers/{}", w.s1),
        ];
        check_pages(&c, app, "platform admin", &platform, &mut checked).await;
        c.goto(&app.url("/")).await.unwrap();
        wait_css(&c, "#emails-dead").await;
        let shot = screenshot(&c, "platform-home").await;
        eprintln!("screenshot: {}", shot.display());
        assert_eq!(checked, 2 * (pages.len() + platform.len()));
    })
    .await;
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn the_admin_lists_fit_a_phone() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let (app, w) = (&app, &w);
    with_browser("buyer-admin-phone", Viewport::Phone, |c| async move {
        sign_in(&c, app, "admin-a@coop.kr", PASSWORD).await;
        for p in [
            "/".to_owned(),
            "/members".to_owned(),
            format!("/members/{}", w.a.member),
            "/materials".to_owned(),
            "/suppliers".to_owned(),
        ] {
            c.goto(&app.url(&p)).await.unwrap();
            wait_css(&c, "main").await;
            assert!(
                !scrolls_sideways(&c).await,
                "{p} scrolls sideways at 390 px"
            );
        }
        c.goto(&app.url("/members")).await.unwrap();
        let shot = screenshot(&c, "members-phone-ko").await;
        eprintln!("screenshot: {}", shot.display());
    })
    .await;
}
