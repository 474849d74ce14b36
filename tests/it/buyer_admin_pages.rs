//! The administration pages over HTTP: the coop admin's and platform admin's home, members
//! (with their users and invitations), materials, suppliers and cooperatives — create,
//! edit, validation (422, the error next to the field, the input kept) and who may see what.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::visitor::{csrf_of, Visitor};
use crate::helpers::world::{World, BIZ};
use crate::helpers::{created, TestApp, PASSWORD};
use coprocure::schema::outbox_emails;

/// A visitor signed in as `email`.
async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Visitor<'a> {
    let v = Visitor::new(app);
    v.sign_in(email, PASSWORD).await;
    v
}

/// The path of a 303's `Location`.
fn location(r: &crate::helpers::Resp) -> String {
    assert_eq!(r.status, 303, "{}", r.text);
    r.header("location").unwrap().to_owned()
}

/// A published RFQ of cooperative A inviting s2 (quoting in USD), deadline in one day.
async fn usd_rfq(app: &TestApp, w: &World) -> String {
    let a = &w.a;
    let round = created(
        app,
        &format!("/api/v1/cooperatives/{}/rounds", a.coop),
        &a.admin,
        json!({"title": "Round usd", "closes_at": (chrono::Utc::now() + chrono::Duration::hours(20)).to_rfc3339()}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/open"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    created(
        app,
        &format!("/api/v1/rounds/{round}/demand"),
        &a.member_token,
        json!({"material_id": a.material, "quantity": "5", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"}),
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let deadline = coprocure::clock::Clock::now(&*app.clock) + chrono::Duration::days(1);
    let rfq = created(
        app,
        &format!("/api/v1/rounds/{round}/rfqs"),
        &a.admin,
        json!({"title": "Copper USD", "deadline": deadline.to_rfc3339(), "supplier_ids": [w.s2], "delivery_place": "Siheung plant"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v1/rfqs/{rfq}/publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    rfq
}

#[tokio::test]
async fn coop_admin_home_shows_progress_sealed_counts_awaiting_award_and_alerts() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let fixture = w.rfq_fixture(&app).await;
    let usd = usd_rfq(&app, &w).await;
    app.run_jobs_until_idle().await;

    let v = signed_in(&app, "admin-a@coop.kr").await;
    let home = v.get("/").await;
    assert_eq!(home.status, 200, "{}", home.text);
    let html = &home.text;
    // The open round: one member of one has entered demand.
    assert!(
        html.contains(&format!(
            "id=\"progress-{}\" max=\"1\" value=\"1\"",
            w.a.round
        )),
        "{html}"
    );
    assert!(html.contains("회원사 1곳 중 1곳 입력 (100%)"), "{html}");
    // Published and sealed: the count, nothing of the quote.
    assert!(html.contains("초대한 공급사 1곳 중 1곳 제출"), "{html}");
    assert!(html.contains("초대한 공급사 1곳 중 0곳 제출"), "{html}");
    assert!(!html.contains("13,450,000") && !html.contains("13450000"));
    assert!(!html.contains("낙찰 대기"));
    assert!(html.contains("확인할 일이 없습니다."));

    // Past both deadlines: awaiting award; no USD rate is in force for the USD RFQ.
    app.clock.advance(chrono::Duration::days(3));
    {
        let mut conn = app.conn().await;
        let n = diesel::update(
            outbox_emails::table.filter(outbox_emails::dedupe_key.like(format!("rfq:{usd}:%"))),
        )
        .set((
            outbox_emails::status.eq("dead"),
            outbox_emails::sent_at.eq(None::<chrono::DateTime<chrono::Utc>>),
            outbox_emails::last_error.eq("550 mailbox unavailable"),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        assert!(n >= 1, "the USD RFQ's invitation email");
    }
    let v = signed_in(&app, "admin-a@coop.kr").await;
    let html = v.get("/").await.text;
    assert!(html.contains("낙찰 대기"), "{html}");
    assert!(html.contains(&format!("href=\"/rfqs/{}\"", fixture.rfq)));
    assert!(html.contains("id=\"alert-fx\""), "{html}");
    assert!(
        html.contains("Copper USD:") && html.contains("USD 환율이 없어"),
        "{html}"
    );
    assert!(html.contains("id=\"alert-dead\""), "{html}");
    assert!(html.contains("550 mailbox unavailable"), "{html}");
    assert!(html.contains("rep@saigonmetals.vn"));
    // The other cooperative sees none of it.
    let b = signed_in(&app, "admin-b@coop.kr").await;
    let html_b = b.get("/").await.text;
    assert!(!html_b.contains("550 mailbox unavailable"));
    assert!(!html_b.contains("Copper USD"));
    assert!(html_b.contains("확인할 일이 없습니다."), "{html_b}");
}

#[tokio::test]
async fn platform_admin_home_lists_cooperatives_and_outbox_counts() {
    let app = TestApp::spawn().await;
    let _w = World::build(&app).await;
    {
        let mut conn = app.conn().await;
        diesel::update(outbox_emails::table)
            .set((
                outbox_emails::status.eq("dead"),
                outbox_emails::sent_at.eq(None::<chrono::DateTime<chrono::Utc>>),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let dead: i64 = {
        let mut conn = app.conn().await;
        outbox_emails::table
            .filter(outbox_emails::status.eq("dead"))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap()
    };
    assert!(dead > 0);
    let v = signed_in(&app, "platform@coprocure.kr").await;
    let html = v.get("/").await.text;
    assert!(html.contains("Coop a") && html.contains("Coop b"), "{html}");
    assert!(
        html.contains(&format!(
            "<dd id=\"emails-dead\"><strong class=\"flag\">{dead}</strong>"
        )),
        "{html}"
    );
    assert!(html.contains("<dd id=\"webhooks-dead\">0</dd>"));
    assert!(html.contains("href=\"/admin/cooperatives\""));
}

#[tokio::test]
async fn members_are_created_edited_and_invited_with_errors_inline_and_input_kept() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let v = signed_in(&app, "admin-a@coop.kr").await;
    let list = v.get("/members").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("Member a") && !list.text.contains("Member b"));
    let csrf = csrf_of(&v.get("/members/new").await.text);

    // A wrong check digit: 422, the message next to the field, the input kept.
    let r = v
        .post(
            "/members",
            &[
                ("_csrf", &csrf),
                ("name", "Hanil Steel"),
                ("business_number", "123-45-67890"),
                ("membership", "associate"),
                ("contact_email", "buy@hanil.kr"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains("사업자등록번호가 올바르지 않습니다"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains(
            "aria-invalid=\"true\" aria-describedby=\"business_number-hint business_number-error\""
        ),
        "{}",
        r.text
    );
    assert!(r.text.contains("value=\"Hanil Steel\""));
    assert!(r.text.contains("value=\"123-45-67890\""));
    assert!(r.text.contains("value=\"associate\" checked"));

    let r = v
        .post(
            "/members",
            &[
                ("_csrf", &csrf),
                ("name", "Hanil Steel"),
                ("business_number", BIZ[5]),
                ("membership", "associate"),
                ("contact_email", "buy@hanil.kr"),
            ],
        )
        .await;
    let at = location(&r);
    assert!(at.ends_with("?created=1"), "{at}");
    let id = at
        .trim_start_matches("/members/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = v.get(&at).await;
    assert!(page.text.contains("등록했습니다."));
    assert!(page.text.contains("314-86-02411"));
    // The same number again: taken.
    let r = v
        .post(
            "/members",
            &[
                ("_csrf", &csrf),
                ("name", "Hanil Two"),
                ("business_number", BIZ[5]),
                ("membership", "regular"),
                ("contact_email", "two@hanil.kr"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("이미 등록된 값입니다."));

    // Edit: a bad email is kept with its error; then saved.
    let r = v
        .post(
            &format!("/members/{id}"),
            &[
                ("_csrf", &csrf),
                ("name", "Hanil Steel Co."),
                ("membership", "regular"),
                ("contact_email", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("value=\"not-an-email\""));
    assert!(r.text.contains("value=\"Hanil Steel Co.\""));
    assert!(r.text.contains("id=\"contact_email-error\""));
    let r = v
        .post(
            &format!("/members/{id}"),
            &[
                ("_csrf", &csrf),
                ("name", "Hanil Steel Co."),
                ("membership", "regular"),
                ("contact_email", "orders@hanil.kr"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/members/{id}?saved=1"));
    let api = app
        .get(&format!("/api/v1/members/{id}"), Some(&w.a.admin))
        .await;
    assert_eq!(api.json["name"], "Hanil Steel Co.");
    assert_eq!(api.json["contact_email"], "orders@hanil.kr");
    assert_eq!(api.json["membership"], "regular");

    // Search.
    let found = v.get("/members?q=hanil").await.text;
    assert!(found.contains("Hanil Steel Co.") && !found.contains("Member a"));

    // Invite a user: a bad email is kept; then the invitation goes out.
    let r = v
        .post(
            &format!("/members/{id}/users"),
            &[
                ("_csrf", &csrf),
                ("name", "Park"),
                ("email", "park@"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("올바른 이메일 주소가 아닙니다."));
    assert!(r.text.contains("value=\"park@\""));
    assert!(r
        .text
        .contains("<option value=\"en\" lang=\"en\" selected>"));
    let r = v
        .post(
            &format!("/members/{id}/users"),
            &[
                ("_csrf", &csrf),
                ("name", "Park"),
                ("email", "park@hanil.kr"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/members/{id}?invited=1"));
    let page = v.get(&format!("/members/{id}")).await.text;
    assert!(
        page.contains("park@hanil.kr") && page.contains("초대 수락 대기"),
        "{page}"
    );
    app.run_jobs_until_idle().await;
    let mut conn = app.conn().await;
    let (template, locale): (String, String) = outbox_emails::table
        .filter(outbox_emails::recipient.eq("park@hanil.kr"))
        .select((outbox_emails::template, outbox_emails::locale))
        .first(&mut conn)
        .await
        .unwrap();
    assert!(template.contains("invit"), "{template}");
    assert_eq!(locale, "en");
}

#[tokio::test]
async fn materials_are_created_and_edited_with_unit_and_code_errors_inline() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let v = signed_in(&app, "admin-a@coop.kr").await;
    let list = v.get("/materials").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("CU-A"), "{}", list.text);
    let form = v.get("/materials/new").await.text;
    assert!(form.contains("<option value=\"TNE\">TNE (tonne (metric ton))</option>"));
    let csrf = csrf_of(&form);
    let r = v
        .post(
            "/materials",
            &[
                ("_csrf", &csrf),
                ("code", "al ingot!"),
                ("name", "Aluminium ingot"),
                ("name_ko", "알루미늄 괴"),
                ("kind", "raw"),
                ("hs_code", "7601"),
                ("unit", "XYZ"),
                ("spec", "99.7 %"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("지원하지 않는 단위입니다."), "{}", r.text);
    assert!(r.text.contains("id=\"unit-error\""));
    assert!(r
        .text
        .contains("영문자, 숫자, 점, 밑줄, 하이픈으로 32자 이내"));
    assert!(r.text.contains("HS 부호는 6~10자리 숫자여야 합니다."));
    assert!(r.text.contains("value=\"al ingot!\""));
    assert!(r.text.contains("value=\"알루미늄 괴\""));
    assert!(r.text.contains(">99.7 %</textarea>"));
    let r = v
        .post(
            "/materials",
            &[
                ("_csrf", &csrf),
                ("code", "al-ingot"),
                ("name", "Aluminium ingot"),
                ("name_ko", "알루미늄 괴"),
                ("kind", "raw"),
                ("hs_code", "7601.10"),
                ("unit", "KGM"),
                ("spec", ""),
            ],
        )
        .await;
    let at = location(&r);
    let id = at
        .trim_start_matches("/materials/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = v.get(&at).await.text;
    assert!(
        page.contains("AL-INGOT") && page.contains("등록했습니다."),
        "{page}"
    );
    let r = v
        .post(
            &format!("/materials/{id}"),
            &[
                ("_csrf", &csrf),
                ("name", "Aluminium ingot A7"),
                ("name_ko", "알루미늄 괴"),
                ("kind", "subsidiary"),
                ("hs_code", "12"),
                ("spec", "A7"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("value=\"Aluminium ingot A7\"") && r.text.contains("value=\"12\""));
    let r = v
        .post(
            &format!("/materials/{id}"),
            &[
                ("_csrf", &csrf),
                ("name", "Aluminium ingot A7"),
                ("name_ko", "알루미늄 괴"),
                ("kind", "subsidiary"),
                ("hs_code", ""),
                ("spec", "A7"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/materials/{id}?saved=1"));
    let api = app
        .get(&format!("/api/v1/materials/{id}"), Some(&w.a.admin))
        .await;
    assert_eq!(api.json["name"], "Aluminium ingot A7");
    assert_eq!(api.json["kind"], "subsidiary");
    assert_eq!(api.json["hs_code"], serde_json::Value::Null);
    assert_eq!(api.json["unit"], "KGM");
}

#[tokio::test]
async fn pages_of_other_cooperatives_are_404_and_other_roles_are_refused() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let a = signed_in(&app, "admin-a@coop.kr").await;
    let csrf = csrf_of(&a.get("/members").await.text);
    // Another cooperative's objects: 404, reading or writing.
    assert_eq!(a.get(&format!("/members/{}", w.b.member)).await.status, 404);
    assert_eq!(
        a.get(&format!("/materials/{}", w.b.material)).await.status,
        404
    );
    let r = a
        .post(
            &format!("/members/{}", w.b.member),
            &[
                ("_csrf", &csrf),
                ("name", "Taken over"),
                ("membership", "regular"),
                ("contact_email", "x@y.kr"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = a
        .post(
            &format!("/members/{}/users", w.b.member),
            &[
                ("_csrf", &csrf),
                ("name", "Spy"),
                ("email", "spy@x.kr"),
                ("locale", "ko"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = a
        .post(
            &format!("/materials/{}", w.b.material),
            &[("_csrf", &csrf), ("name", "Taken over"), ("kind", "raw")],
        )
        .await;
    assert_eq!(r.status, 404);
    let b_member = app
        .get(&format!("/api/v1/members/{}", w.b.member), Some(&w.b.admin))
        .await;
    assert_eq!(b_member.json["name"], "Member b");
    // Coop admins do not administer cooperatives.
    assert_eq!(a.get("/admin/cooperatives").await.status, 403);
    assert_eq!(
        a.get(&format!("/admin/cooperatives/{}", w.a.coop))
            .await
            .status,
        403
    );
    // A coop admin sees the directory but not a supplier's users.
    let s = a.get(&format!("/suppliers/{}", w.s1)).await;
    assert_eq!(s.status, 200);
    assert!(!s.text.contains("rep@kcopper.kr"));

    // Members and suppliers may use none of these pages.
    for (email, pages) in [
        (
            "user-a@member.kr",
            vec![
                "/members",
                "/members/new",
                "/materials",
                "/suppliers",
                "/admin/cooperatives",
            ],
        ),
        (
            "rep@kcopper.kr",
            vec![
                "/members",
                "/materials",
                "/suppliers",
                "/suppliers/new",
                "/admin/cooperatives",
            ],
        ),
    ] {
        let v = signed_in(&app, email).await;
        for p in pages {
            assert_eq!(v.get(p).await.status, 403, "{email} {p}");
        }
        let csrf = csrf_of(&v.get("/").await.text);
        let r = v
            .post(
                "/members",
                &[
                    ("_csrf", &csrf),
                    ("name", "X"),
                    ("business_number", BIZ[5]),
                    ("membership", "regular"),
                    ("contact_email", "x@y.kr"),
                ],
            )
            .await;
        assert_eq!(r.status, 403, "{email}");
    }
    // The platform admin has no cooperative's members or materials.
    let p = signed_in(&app, "platform@coprocure.kr").await;
    assert_eq!(p.get("/members").await.status, 403);
    assert_eq!(p.get("/materials").await.status, 403);
}

#[tokio::test]
async fn platform_admin_creates_cooperatives_suppliers_and_invites_their_users() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let v = signed_in(&app, "platform@coprocure.kr").await;
    let list = v.get("/admin/cooperatives").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("Coop a") && list.text.contains("Coop b"));
    let csrf = csrf_of(&v.get("/admin/cooperatives/new").await.text);
    let bad = [
        ("_csrf", csrf.as_str()),
        ("name", "Busan Metal Coop"),
        ("business_number", "104-81-45000"),
        ("country", "KR"),
        ("base_currency", "KRX"),
        ("timezone", "Asia/Busan"),
    ];
    let r = v.post("/admin/cooperatives", &bad).await;
    assert_eq!(r.status, 422, "{}", r.text);
    // The platform admin reads English.
    assert!(r.text.contains("Not a valid business registration number"));
    assert!(r.text.contains("Unknown currency code."));
    assert!(r.text.contains("Unknown time zone"));
    assert!(
        r.text.contains("value=\"Asia/Busan\"") && r.text.contains("value=\"Busan Metal Coop\"")
    );
    let r = v
        .post(
            "/admin/cooperatives",
            &[
                ("_csrf", &csrf),
                ("name", "Busan Metal Coop"),
                ("business_number", "120-81-47521"),
                ("country", "KR"),
                ("base_currency", "KRW"),
                ("timezone", "Asia/Seoul"),
            ],
        )
        .await;
    let at = location(&r);
    let id = at
        .trim_start_matches("/admin/cooperatives/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert!(v.get(&at).await.text.contains("Busan Metal Coop"));
    let r = v
        .post(
            &format!("/admin/cooperatives/{id}/users"),
            &[
                ("_csrf", &csrf),
                ("name", "Buyer Kim"),
                ("email", "kim@busancoop.kr"),
                ("locale", "ko"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/cooperatives/{id}?invited=1"));
    let page = v.get(&format!("/admin/cooperatives/{id}")).await.text;
    assert!(page.contains("kim@busancoop.kr") && page.contains("Invitation pending"));
    // Another cooperative's admins are not listed there.
    assert!(!page.contains("admin-a@coop.kr"));
    // Rename: a name too long is refused next to the field and kept; then saved.
    let long = "x".repeat(201);
    let r = v
        .post(
            &format!("/admin/cooperatives/{id}"),
            &[("_csrf", &csrf), ("name", &long)],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"name-error\""));
    assert!(r.text.contains(&format!("value=\"{long}\"")), "{}", r.text);
    let r = v
        .post(
            &format!("/admin/cooperatives/{id}"),
            &[("_csrf", &csrf), ("name", "Busan Metal Cooperative")],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/cooperatives/{id}?saved=1"));
    let api = app
        .get(&format!("/api/v1/cooperatives/{id}"), Some(&w.platform))
        .await;
    assert_eq!(api.json["name"], "Busan Metal Cooperative");
    // Only platform admins rename (the API too).
    let r = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/cooperatives/{}", w.a.coop)))
                .bearer_auth(&w.a.admin)
                .json(&json!({"name": "Mine now"})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Suppliers: a Korean one needs a business number, kept with its error.
    let r = v
        .post(
            "/suppliers",
            &[
                ("_csrf", &csrf),
                ("name", "Pohang Alloys"),
                ("country", "KR"),
                ("business_number", ""),
                ("tax_id", ""),
                ("default_currency", "KRW"),
                ("contact_email", "sales@pohang.kr"),
                ("locale", "ko"),
                ("webhook_url", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains("id=\"business_number-error\""),
        "{}",
        r.text
    );
    assert!(r.text.contains("value=\"Pohang Alloys\""));
    let r = v
        .post(
            "/suppliers",
            &[
                ("_csrf", &csrf),
                ("name", "Pohang Alloys"),
                ("country", "KR"),
                ("business_number", "220-81-62517"),
                ("tax_id", ""),
                ("default_currency", "KRW"),
                ("contact_email", "sales@pohang.kr"),
                ("locale", "ko"),
                ("webhook_url", ""),
            ],
        )
        .await;
    let at = location(&r);
    let sid = at
        .trim_start_matches("/suppliers/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let r = v
        .post(
            &format!("/suppliers/{sid}/users"),
            &[
                ("_csrf", &csrf),
                ("name", "Rep Lee"),
                ("email", "lee@pohang.kr"),
                ("locale", "ko"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/suppliers/{sid}?invited=1"));
    let page = v.get(&format!("/suppliers/{sid}")).await.text;
    assert!(page.contains("lee@pohang.kr"), "{page}");
    let dir = v.get("/suppliers?q=pohang").await.text;
    assert!(dir.contains("Pohang Alloys") && !dir.contains("Korea Copper"));
    // A coop admin may not invite a supplier's users.
    let a = signed_in(&app, "admin-a@coop.kr").await;
    let csrf_a = csrf_of(&a.get("/suppliers").await.text);
    let r = a
        .post(
            &format!("/suppliers/{}/users", w.s1),
            &[
                ("_csrf", &csrf_a),
                ("name", "Spy"),
                ("email", "spy@kcopper.kr"),
                ("locale", "ko"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    app.run_jobs_until_idle().await;
    let mut conn = app.conn().await;
    let invited: i64 = outbox_emails::table
        .filter(outbox_emails::recipient.eq_any(["kim@busancoop.kr", "lee@pohang.kr"]))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(invited, 2, "two invitation emails");
}
