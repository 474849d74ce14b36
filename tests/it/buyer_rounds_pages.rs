//! The buyer's round and RFQ pages over plain HTTP: create (closing time in the
//! cooperative's zone), validation with the input kept (422), open, demand on behalf of a
//! member, the aggregate and its CSV (the API's bytes), close, cancel after a confirmation;
//! RFQ create from a closed round, publish after the confirmation naming who is emailed,
//! extend, cancel with a reason; other cooperatives' objects answer 404; and the sealed
//! rule: before the deadline no buyer page shows anything of a quote.

use chrono::{Duration as Span, NaiveTime, TimeZone};
use serde_json::{json, Value};

use crate::helpers::smtp::SmtpSink;
use crate::helpers::visitor::{csrf_of, Visitor};
use crate::helpers::world::World;
use crate::helpers::{created, token, Resp, TestApp, PASSWORD};

fn location(r: &Resp) -> String {
    r.header("location").unwrap_or("").to_owned()
}

async fn visitor<'a>(app: &'a TestApp, email: &str) -> Visitor<'a> {
    let v = Visitor::new(app);
    v.sign_in(email, PASSWORD).await;
    v
}

/// `datetime-local` text `days` days after the app clock's date, 15:00 in Seoul, and that
/// instant.
fn seoul_15h(app: &TestApp, days: i64) -> (String, chrono::DateTime<chrono::Utc>) {
    use coprocure::clock::Clock;
    let tz = chrono_tz::Asia::Seoul;
    let day = (app.clock.now() + Span::days(days))
        .with_timezone(&tz)
        .date_naive();
    let local = day.and_time(NaiveTime::from_hms_opt(15, 0, 0).unwrap());
    let at = tz.from_local_datetime(&local).unwrap().to_utc();
    (local.format("%Y-%m-%dT%H:%M").to_string(), at)
}

/// A closed round of cooperative A with demand (40 TNE by member A at Siheung plant).
async fn closed_round(app: &TestApp, w: &World) -> String {
    use coprocure::clock::Clock;
    let a = &w.a;
    let round = created(
        app,
        &format!("/api/v1/cooperatives/{}/rounds", a.coop),
        &a.admin,
        json!({"title": "Round sealed", "closes_at": (app.clock.now() + Span::days(1)).to_rfc3339()}),
    )
    .await;
    let round = round["id"].as_str().unwrap().to_owned();
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
        json!({"material_id": a.material, "quantity": "40", "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"}),
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
    round
}

#[tokio::test]
async fn a_coop_admin_runs_a_round_from_the_pages() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let admin = visitor(&app, "admin-a@coop.kr").await;

    let r = admin.get("/rounds").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("Round a") && r.text.contains("/rounds/new"));

    // The form states the zone next to the closing time.
    let r = admin.get("/rounds/new").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("Asia/Seoul"), "{}", r.text);
    let csrf = csrf_of(&r.text);

    // Errors inline, the input kept.
    let r = admin
        .post(
            "/rounds",
            &[
                ("_csrf", &csrf),
                ("title", "Nickel typed by hand"),
                ("closes_at", "next tuesday"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("value=\"Nickel typed by hand\""));
    assert!(r.text.contains("value=\"next tuesday\""));
    assert!(r.text.contains("id=\"closes_at-error\""));
    assert!(r.text.contains("날짜와 시각을 입력하십시오."));
    assert!(r.text.contains("id=\"material_ids-error\""));
    let (past, _) = seoul_15h(&app, -2);
    let r = admin
        .post(
            "/rounds",
            &[
                ("_csrf", &csrf),
                ("title", ""),
                ("closes_at", &past),
                ("material_ids", &w.a.material),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("지금보다 나중이어야 합니다."), "{}", r.text);
    assert!(r.text.contains("id=\"title-error\""));

    // Created: 15:00 typed means 15:00 in Seoul.
    let (local, at) = seoul_15h(&app, 10);
    let r = admin
        .post(
            "/rounds",
            &[
                ("_csrf", &csrf),
                ("title", "Nickel Q3"),
                ("closes_at", &local),
                ("material_ids", &w.a.material),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = location(&r);
    let id = page.trim_start_matches("/rounds/").to_owned();
    let api = app
        .get(&format!("/api/v1/rounds/{id}"), Some(&w.a.admin))
        .await;
    assert_eq!(api.json["status"], "draft");
    assert_eq!(
        api.json["closes_at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
        at
    );
    let r = admin.get(&page).await;
    assert!(r.text.contains("15:00 KST"), "{}", r.text);
    assert!(r.text.contains("id=\"open-round\""));

    // Open; then demand on behalf of member A.
    let r = admin
        .post(&format!("{page}/open"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303);
    app.run_jobs_until_idle().await;
    let r = admin.get(&page).await;
    assert!(r.text.contains("id=\"add-demand\""), "{}", r.text);
    let bad = [
        ("_csrf", csrf.as_str()),
        ("member_id", w.a.member.as_str()),
        ("material_id", w.a.material.as_str()),
        ("quantity", "1,25"),
        ("unit", "MTR"),
        ("required_by", "2020-01-01"),
        ("delivery_site", "Banwol gate 2"),
    ];
    let r = admin.post(&format!("{page}/demand"), &bad).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"quantity-error\"") && r.text.contains("value=\"1,25\""));
    assert!(r.text.contains("value=\"Banwol gate 2\""));
    let mut good = bad;
    good[3] = ("quantity", "1,250.5");
    let r = admin.post(&format!("{page}/demand"), &good).await;
    assert_eq!(r.status, 422, "MTR is not a mass: {}", r.text);
    let errors: Vec<&str> = r
        .text
        .lines()
        .filter(|l| l.contains("field-error"))
        .collect();
    assert!(
        r.text.contains("id=\"unit-error\"") && r.text.contains("id=\"required_by-error\""),
        "{errors:?}"
    );
    good[4] = ("unit", "TNE");
    good[5] = ("required_by", "2031-03-31");
    let r = admin.post(&format!("{page}/demand"), &good).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let lines = app
        .get(&format!("/api/v1/rounds/{id}/demand"), Some(&w.a.admin))
        .await;
    assert_eq!(lines.json["items"][0]["member_id"], w.a.member.as_str());
    assert_eq!(lines.json["items"][0]["quantity"], "1250.5");

    // The aggregate with its drill-down, and the API's CSV.
    let r = admin.get(&page).await;
    assert!(r.text.contains("1,250.5 TNE"), "{}", r.text);
    assert!(r.text.contains("Member a") && r.text.contains("Banwol gate 2"));
    let csv = admin.get(&format!("{page}/aggregate.csv")).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("attachment"));
    let api_csv = app
        .get(
            &format!("/api/v1/rounds/{id}/aggregate?format=csv"),
            Some(&w.a.admin),
        )
        .await;
    assert_eq!(csv.text, api_csv.text);
    assert!(csv.text.starts_with('\u{feff}') && csv.text.contains("Banwol gate 2,1250.5"));

    // Close; a closed round cannot be cancelled (the confirmation leads back).
    let r = admin
        .post(&format!("{page}/close"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303);
    let r = admin.get(&page).await;
    assert!(r.text.contains("id=\"create-rfq\""));
    assert_eq!(admin.get(&format!("{page}/cancel")).await.status, 303);

    // Cancel another (open) round after the confirmation.
    let round_a = format!("/rounds/{}", w.a.round);
    let r = admin.get(&format!("{round_a}/cancel")).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("id=\"confirm-cancel\""));
    let r = admin
        .post(&format!("{round_a}/cancel"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303);
    let api = app
        .get(&format!("/api/v1/rounds/{}", w.a.round), Some(&w.a.admin))
        .await;
    assert_eq!(api.json["status"], "cancelled");
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn round_and_rfq_pages_of_another_cooperative_are_not_found() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    let b = visitor(&app, "admin-b@coop.kr").await;
    let csrf = b.csrf("/rounds").await;
    let round = format!("/rounds/{}", f.round);
    let rfq = format!("/rfqs/{}", f.rfq);
    for p in [
        round.clone(),
        format!("{round}/cancel"),
        format!("{round}/aggregate.csv"),
        format!("{round}/rfqs/new"),
        rfq.clone(),
        format!("{rfq}/publish"),
        format!("{rfq}/cancel"),
    ] {
        assert_eq!(b.get(&p).await.status, 404, "GET {p}");
    }
    for p in [
        format!("{round}/open"),
        format!("{round}/close"),
        format!("{round}/cancel"),
        format!("{round}/demand"),
        format!("{round}/rfqs"),
        format!("{rfq}/publish"),
        format!("{rfq}/extend"),
        format!("{rfq}/cancel"),
    ] {
        let r = b
            .post(
                &p,
                &[
                    ("_csrf", &csrf),
                    ("reason", "x"),
                    ("deadline", "2040-01-01T10:00"),
                ],
            )
            .await;
        assert_eq!(r.status, 404, "POST {p}: {}", r.text);
    }
    // A member sees its cooperative's rounds, but creates none.
    let member = visitor(&app, "user-a@member.kr").await;
    let r = member.get("/rounds").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("Round a") && !r.text.contains("/rounds/new"));
    assert_eq!(member.get("/rounds/new").await.status, 403);
    let r = member.get(&format!("/rounds/{}", w.a.round)).await;
    assert_eq!(r.status, 200);
    assert!(!r.text.contains("aggregate.csv") && !r.text.contains("id=\"add-demand\""));
}

#[tokio::test]
async fn a_coop_admin_creates_publishes_extends_and_cancels_an_rfq() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let w = World::build(&app).await;
    let round = closed_round(&app, &w).await;
    let admin = visitor(&app, "admin-a@coop.kr").await;
    let form = format!("/rounds/{round}/rfqs/new");
    let r = admin.get(&form).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Prefilled from the aggregate; defaults named.
    assert!(
        r.text.contains("40 TNE") && r.text.contains("HS 740311"),
        "{}",
        r.text
    );
    assert!(r.text.contains("value=\"KRW, USD\""));
    let csrf = csrf_of(&r.text);
    let m = w.a.material.clone();
    let duty = format!("duty.{m}");
    let (past, _) = seoul_15h(&app, -1);
    let r = admin
        .post(
            &format!("/rounds/{round}/rfqs"),
            &[
                ("_csrf", &csrf),
                ("title", "Copper by page"),
                ("deadline", &past),
                ("delivery_place", "Siheung plant"),
                ("material_ids", &m),
                (&duty, "abc"),
                ("supplier_ids", &w.s1),
                ("currencies", "KRW, XYZ"),
                ("incoterms", "DAP"),
                ("incoterms", "FOB"),
                ("adder.FOB", "1,250"),
                ("weight_price", "0.8"),
                ("weight_lead_time", "0.2"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"duty-error-"), "{}", r.text);
    assert!(r.text.contains("value=\"abc\"") && r.text.contains("value=\"1,250\""));
    let (deadline, at) = seoul_15h(&app, 5);
    let mut fields = vec![
        ("_csrf", csrf.as_str()),
        ("title", "Copper by page"),
        ("deadline", deadline.as_str()),
        ("delivery_place", "Siheung plant"),
        ("material_ids", m.as_str()),
        (duty.as_str(), "8"),
        ("supplier_ids", w.s1.as_str()),
        ("currencies", "KRW, XYZ"),
        ("incoterms", "DAP"),
        ("incoterms", "FOB"),
        ("adder.FOB", "1,250"),
        ("weight_price", "0.8"),
        ("weight_lead_time", "0.2"),
    ];
    let r = admin.post(&format!("/rounds/{round}/rfqs"), &fields).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"currencies-error\""), "{}", r.text);
    fields[7] = ("currencies", "KRW, USD");
    let r = admin.post(&format!("/rounds/{round}/rfqs"), &fields).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = location(&r);
    let id = page.trim_start_matches("/rfqs/").to_owned();
    let api = app
        .get(&format!("/api/v1/rfqs/{id}"), Some(&w.a.admin))
        .await;
    assert_eq!(api.json["status"], "draft");
    assert_eq!(api.json["lines"][0]["duty_rate"], "8");
    assert_eq!(api.json["logistics_adders"]["FOB"], "1250");
    assert_eq!(api.json["incoterms"], json!(["DAP", "FOB"]));
    assert_eq!(
        api.json["weights"],
        json!({"price": "0.8", "lead_time": "0.2"})
    );
    assert_eq!(
        api.json["deadline"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
        at
    );
    // The same materials again: a conflict, said on the form.
    let r = admin.post(&format!("/rounds/{round}/rfqs"), &fields).await;
    assert_eq!(r.status, 409);
    assert!(r.text.contains("id=\"conflict\""));

    // The preview (the draft), then the confirmation naming who will be emailed.
    let r = admin.get(&page).await;
    assert!(r.text.contains("id=\"draft-notice\"") && r.text.contains("id=\"publish\""));
    let r = admin.get(&format!("{page}/publish")).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("Korea Copper"));
    assert!(r.text.contains("rep@kcopper.kr") && r.text.contains("sales@kcopper.kr"));
    assert!(r.text.contains("공급사 1곳의 주소 2개로"), "{}", r.text);
    app.run_jobs_until_idle().await;
    let before = sink.messages().len();
    let r = admin
        .post(&format!("{page}/publish"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303);
    app.run_jobs_until_idle().await;
    assert_eq!(sink.messages().len(), before + 2);
    let r = admin.get(&page).await;
    assert!(r.text.contains("전송 2 · 대기 0 · 실패 0"), "{}", r.text);
    assert!(r.text.contains("초대한 공급사 1곳 중 0곳 제출"));
    // Publishing again: the confirmation leads back to the RFQ.
    assert_eq!(admin.get(&format!("{page}/publish")).await.status, 303);

    // Extend: only later.
    let r = admin
        .post(
            &format!("{page}/extend"),
            &[("_csrf", &csrf), ("deadline", &past)],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains("id=\"deadline-error\"") && r.text.contains(&format!("value=\"{past}\""))
    );
    let (later, later_at) = seoul_15h(&app, 9);
    let r = admin
        .post(
            &format!("{page}/extend"),
            &[("_csrf", &csrf), ("deadline", &later)],
        )
        .await;
    assert_eq!(r.status, 303);
    let api = app
        .get(&format!("/api/v1/rfqs/{id}"), Some(&w.a.admin))
        .await;
    assert_eq!(
        api.json["deadline"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap(),
        later_at
    );

    // Cancel: a reason is required.
    let r = admin.get(&format!("{page}/cancel")).await;
    assert_eq!(r.status, 200);
    let r = admin
        .post(
            &format!("{page}/cancel"),
            &[("_csrf", &csrf), ("reason", "  ")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"reason-error\""));
    let r = admin
        .post(
            &format!("{page}/cancel"),
            &[("_csrf", &csrf), ("reason", "Copper prices moved")],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = admin.get(&page).await;
    assert!(r.text.contains("Copper prices moved"));
    app.run_jobs_until_idle().await;
}

/// Every buyer page reachable for an RFQ and its round, for `v`.
async fn buyer_pages(v: &Visitor<'_>, round: &str, rfq: &str) -> Vec<(String, Resp)> {
    let mut out = Vec::new();
    for p in [
        "/".to_owned(),
        "/rounds".to_owned(),
        format!("/rounds/{round}"),
        format!("/rounds/{round}/aggregate.csv"),
        format!("/rounds/{round}/cancel"),
        format!("/rounds/{round}/rfqs/new"),
        "/rfqs".to_owned(),
        format!("/rfqs/{rfq}"),
        format!("/rfqs/{rfq}/publish"),
        format!("/rfqs/{rfq}/cancel"),
        "/purchase-orders".to_owned(),
    ] {
        let r = v.get(&p).await;
        out.push((p, r));
    }
    // The re-rendered forms (the 422 fragments).
    let csrf = v.csrf(&format!("/rfqs/{rfq}")).await;
    let r = v
        .post(
            &format!("/rfqs/{rfq}/extend"),
            &[("_csrf", &csrf), ("deadline", "soon")],
        )
        .await;
    assert_eq!(r.status, 422);
    out.push(("extend 422".into(), r));
    let r = v
        .post(
            &format!("/rfqs/{rfq}/cancel"),
            &[("_csrf", &csrf), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    out.push(("cancel 422".into(), r));
    out
}

#[tokio::test]
async fn before_the_deadline_no_buyer_page_shows_anything_of_a_quote() {
    use coprocure::clock::Clock;
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let round = closed_round(&app, &w).await;
    let rfq = created(
        &app,
        &format!("/api/v1/rounds/{round}/rfqs"),
        &w.a.admin,
        json!({"title": "Copper sealed", "deadline": (app.clock.now() + Span::days(2)).to_rfc3339(),
               "supplier_ids": [w.s1], "delivery_place": "Siheung plant",
               "currencies": ["KRW", "USD"], "incoterms": ["DAP", "FCA"]}),
    )
    .await;
    let rfq_id = rfq["id"].as_str().unwrap().to_owned();
    let line = rfq["lines"][0]["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/rfqs/{rfq_id}/publish"),
            Some(&w.a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The quoting user joins after the invitations went out, and quotes.
    created(
        &app,
        &format!("/api/v1/suppliers/{}/users", w.s1),
        &w.platform,
        json!({"email": "quentin.zed@kcopper.kr", "name": "Quentin Zedkowski", "password": PASSWORD}),
    )
    .await;
    let quoter = token(&app, "quentin.zed@kcopper.kr").await;
    let quote: Value = created(
        &app,
        &format!("/api/v1/rfqs/{rfq_id}/quotes"),
        &quoter,
        json!({
            "currency": "USD", "incoterm": "FCA", "named_place": "Pier Nineteen Ulsan",
            "valid_until": "2027-12-31", "lead_time_days": 21, "payment_terms": "Net 45 Zanzibar",
            "lines": [{"rfq_line_id": line, "unit_price": "7777.31", "freight_per_unit": "3.17",
                       "min_quantity": "1", "max_quantity": "100"}]
        }),
    )
    .await;
    app.run_jobs_until_idle().await;
    let secrets = [
        "7,777.31",
        "7777.31",
        "7,777",
        "$7",
        "USD 7",
        "US$",
        "3.17",
        "Pier Nineteen",
        "Zanzibar",
        "Quentin",
        "Zedkowski",
        "quentin.zed",
        "sha256:",
        quote["id"].as_str().unwrap(),
    ];
    let admin = visitor(&app, "admin-a@coop.kr").await;
    let platform = visitor(&app, "platform@coprocure.kr").await;
    let mut seen = 0;
    for (who, v) in [("coop admin", &admin), ("platform admin", &platform)] {
        for (p, r) in buyer_pages(v, &round, &rfq_id).await {
            assert!(r.status < 500, "{who} {p}: {}", r.status);
            for s in secrets {
                assert!(!r.text.contains(s), "{who} {p} shows {s:?} while sealed");
            }
            seen += usize::from(r.status == 200);
        }
        let r = v.get(&format!("/rfqs/{rfq_id}")).await;
        assert!(
            r.text.contains("초대한 공급사 1곳 중 1곳 제출")
                || r.text.contains("1 of 1 invited suppliers have quoted"),
            "{who}: the count is the one fact shown"
        );
    }
    assert!(seen >= 14, "pages reached: {seen}");

    // After the deadline the same page opens the quotes: the search above can find them.
    app.clock.advance(Span::days(3));
    let admin = visitor(&app, "admin-a@coop.kr").await;
    let r = admin.get(&format!("/rfqs/{rfq_id}")).await;
    assert!(
        r.text.contains("Korea Copper") && r.text.contains(">USD</td>"),
        "{}",
        r.text
    );
}
