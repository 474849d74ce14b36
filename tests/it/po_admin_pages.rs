//! Portal pages of purchase orders (every role), the audit trail, FX rates and the outbox,
//! over HTTP: what each viewer sees (a member only its own allocation), tenancy 404s, forms
//! with inline errors, and the operations that change rows (acknowledge, retry, verify).

use serde_json::{json, Value};

use crate::helpers::visitor::{csrf_of, Visitor};
use crate::helpers::world::{quote_body, World, BIZ};
use crate::helpers::{created, token, TestApp, PASSWORD};
use coprocure::clock::Clock;

/// World plus a second member in cooperative A ("Daehan Casting"), a round where both
/// members entered demand (25.5 t and 14.5 t), an RFQ to s1 with s1's quote, awarded after
/// the deadline: one PO with two member allocations.
pub struct PoWorld {
    pub w: World,
    pub po: String,
    pub number: String,
    /// The PO as cooperative A's admin reads it from the API.
    pub api: Value,
}

/// `1234567.5` → `1,234,567` (the integer part, grouped as the pages print it).
pub fn grouped(v: &str) -> String {
    let int = v.split('.').next().unwrap();
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub async fn po_world(app: &TestApp) -> PoWorld {
    let mut w = World::build(app).await;
    let a = &w.a;
    let other = created(
        app,
        &format!("/api/v1/cooperatives/{}/members", a.coop),
        &a.admin,
        json!({"name": "Daehan Casting", "business_number": BIZ[5], "membership": "regular", "contact_email": "buy@daehan.kr"}),
    )
    .await;
    created(
        app,
        &format!("/api/v1/cooperatives/{}/users", a.coop),
        &a.admin,
        json!({"email": "user-a2@member.kr", "name": "User a2", "role": "member", "member_id": other["id"], "password": PASSWORD}),
    )
    .await;
    let other_token = token(app, "user-a2@member.kr").await;
    let round = created(
        app,
        &format!("/api/v1/cooperatives/{}/rounds", a.coop),
        &a.admin,
        json!({"title": "Round PO", "closes_at": (app.clock.now() + chrono::Duration::days(1)).to_rfc3339()}),
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
    for (tok, q) in [(&a.member_token, "25.5"), (&other_token, "14.5")] {
        created(
            app,
            &format!("/api/v1/rounds/{round}/demand"),
            tok,
            json!({"material_id": a.material, "quantity": q, "unit": "TNE", "required_by": "2027-06-30", "delivery_site": "Siheung plant"}),
        )
        .await;
    }
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rfq = created(
        app,
        &format!("/api/v1/rounds/{round}/rfqs"),
        &a.admin,
        json!({"title": "Copper PO", "deadline": (app.clock.now() + chrono::Duration::days(2)).to_rfc3339(), "supplier_ids": [w.s1], "delivery_place": "Siheung plant"}),
    )
    .await;
    let rfq_id = rfq["id"].as_str().unwrap().to_owned();
    let line = rfq["lines"][0]["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/rfqs/{rfq_id}/publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let quote = created(
        app,
        &format!("/api/v1/rfqs/{rfq_id}/quotes"),
        &w.s1_token,
        quote_body(&line, "KRW", "13450000"),
    )
    .await;
    app.run_jobs_until_idle().await;
    app.clock.advance(chrono::Duration::days(3));
    // The tokens expired with the jump.
    w.a.admin = token(app, "admin-a@coop.kr").await;
    w.a.member_token = token(app, "user-a@member.kr").await;
    w.b.admin = token(app, "admin-b@coop.kr").await;
    w.s1_token = token(app, "rep@kcopper.kr").await;
    w.s2_token = token(app, "rep@saigonmetals.vn").await;
    w.platform = token(app, "platform@coprocure.kr").await;
    let award = app
        .post(
            &format!("/api/v1/rfqs/{rfq_id}/award"),
            Some(&w.a.admin),
            &json!({"lines": [{"rfq_line_id": line, "allocations": [{"quote_id": quote["id"], "quantity": "40"}]}]}),
        )
        .await;
    assert_eq!(award.status, 201, "{}", award.text);
    let po = award.json["purchase_orders"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let number = award.json["purchase_orders"][0]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let api = app
        .get(&format!("/api/v1/purchase-orders/{po}"), Some(&w.a.admin))
        .await
        .json;
    assert_eq!(api["allocations"].as_array().unwrap().len(), 2, "{api}");
    app.run_jobs_until_idle().await;
    PoWorld { w, po, number, api }
}

/// The allocation of member `name` on the PO: (quantity, amount_base).
fn allocation(api: &Value, name: &str) -> (String, String) {
    let a = api["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["member_name"] == name)
        .unwrap_or_else(|| panic!("no allocation of {name}: {api}"));
    (
        a["quantity"].as_str().unwrap().to_owned(),
        a["amount_base"].as_str().unwrap().to_owned(),
    )
}

async fn visitor<'a>(app: &'a TestApp, email: &str) -> Visitor<'a> {
    let v = Visitor::new(app);
    v.sign_in(email, PASSWORD).await;
    v
}

#[tokio::test]
async fn each_role_sees_the_po_it_may_and_a_member_only_its_own_allocation() {
    let app = TestApp::spawn().await;
    let pw = po_world(&app).await;
    let po = format!("/purchase-orders/{}", pw.po);
    let (mine_q, mine_amount) = allocation(&pw.api, "Member a");
    let (other_q, other_amount) = allocation(&pw.api, "Daehan Casting");
    assert_eq!((mine_q.as_str(), other_q.as_str()), ("25.5", "14.5"));
    let mine_amount = grouped(&mine_amount);
    let other_amount = grouped(&other_amount);

    // The cooperative's buyer: every member's allocation, lines, terms, print and CSV.
    let admin = visitor(&app, "admin-a@coop.kr").await;
    let list = admin.get("/purchase-orders").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains(&pw.number) && list.text.contains("Korea Copper"));
    let r = admin.get(&po).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for shown in [
        "Member a",
        "Daehan Casting",
        "25.5",
        "14.5",
        &mine_amount,
        &other_amount,
        "13,450,000",
        "Siheung plant",
        "T/T 30 days",
        "Coop a",
    ] {
        assert!(r.text.contains(shown), "the buyer's PO page lacks {shown}");
    }
    assert!(
        !r.text.contains("/acknowledge\""),
        "only the supplier acknowledges"
    );
    let print = admin.get(&format!("{po}/print")).await;
    assert_eq!(print.status, 200);
    for shown in [
        pw.number.as_str(),
        "발 주 서",
        "Daehan Casting",
        "T/T 30 days",
        "123-45-67891",
    ] {
        assert!(print.text.contains(shown), "print view lacks {shown}");
    }
    let csv = admin.get(&format!("{po}/csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.text.contains("Daehan Casting") && csv.text.contains(&pw.number));
    let csv = admin.get("/purchase-orders.csv").await;
    assert!(csv.text.contains(&pw.number), "{}", csv.text);

    // A member: its own allocation only; the other member is never named nor its figures.
    let member = visitor(&app, "user-a@member.kr").await;
    let pages = [
        "/purchase-orders".to_owned(),
        po.clone(),
        format!("{po}/print"),
        format!("{po}/csv"),
        "/purchase-orders.csv".to_owned(),
    ];
    for p in &pages {
        let r = member.get(p).await;
        assert_eq!(r.status, 200, "{p}: {}", r.text);
        for hidden in ["Daehan Casting", "14.5", other_amount.as_str(), "User a2"] {
            assert!(
                !r.text.contains(hidden),
                "member page {p} shows another member's {hidden}"
            );
        }
    }
    let r = member.get(&po).await;
    assert!(
        r.text.contains("25.5") && r.text.contains(&mine_amount),
        "{}",
        r.text
    );
    let list = member.get("/purchase-orders").await;
    assert!(
        list.text.contains(&mine_amount),
        "the list shows the member's share"
    );
    // The other member sees its own side only, too.
    let other = visitor(&app, "user-a2@member.kr").await;
    let r = other.get(&po).await;
    assert!(r.text.contains("14.5") && !r.text.contains("25.5") && !r.text.contains(&mine_amount));

    // The supplier: no allocation at all, and the acknowledge button.
    let s1 = visitor(&app, "rep@kcopper.kr").await;
    for p in [po.clone(), format!("{po}/print"), format!("{po}/csv")] {
        let r = s1.get(&p).await;
        assert_eq!(r.status, 200, "{p}");
        for hidden in ["Member a", "Daehan Casting", &mine_amount, &other_amount] {
            assert!(!r.text.contains(hidden), "supplier page {p} shows {hidden}");
        }
    }
    assert!(s1.get(&po).await.text.contains("/acknowledge\""));

    // Tenancy: everyone else gets 404, for every page of the PO; forged ids too.
    let forged = format!("/purchase-orders/{}", uuid::Uuid::now_v7());
    for who in ["admin-b@coop.kr", "user-b@member.kr", "rep@saigonmetals.vn"] {
        let v = visitor(&app, who).await;
        for p in [
            po.clone(),
            format!("{po}/print"),
            format!("{po}/csv"),
            format!("{po}/acknowledge"),
        ] {
            let r = v.get(&p).await;
            assert_eq!(r.status, 404, "{who} {p}: {}", r.text);
            assert!(!r.text.contains(&pw.number), "{who} {p}");
        }
        assert!(
            !v.get("/purchase-orders").await.text.contains(&pw.number),
            "{who}"
        );
        assert!(
            !v.get("/purchase-orders.csv")
                .await
                .text
                .contains(&pw.number),
            "{who}"
        );
    }
    for p in [
        forged.clone(),
        format!("{forged}/print"),
        "/purchase-orders/not-an-id".into(),
    ] {
        assert_eq!(admin.get(&p).await.status, 404, "{p}");
    }
    // Acknowledging is the supplier's: the buyer's post is refused and changes nothing.
    let csrf = csrf_of(&admin.get(&po).await.text);
    let r = admin
        .post(&format!("{po}/acknowledge"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status, 403);
    let r = s1
        .post(
            &format!("{forged}/acknowledge"),
            &[("_csrf", &csrf_of(&s1.get(&po).await.text))],
        )
        .await;
    assert_eq!(r.status, 404);
    let api = app
        .get(
            &format!("/api/v1/purchase-orders/{}", pw.po),
            Some(&pw.w.a.admin),
        )
        .await;
    assert_eq!(api.json["status"], "issued");

    // The supplier's confirmation step, then the acknowledgement.
    let confirm = s1.get(&format!("{po}/acknowledge")).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.text.contains(&pw.number) && confirm.text.contains("Coop a"));
    let r = s1
        .post(
            &format!("{po}/acknowledge"),
            &[("_csrf", &csrf_of(&confirm.text))],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let api = app
        .get(
            &format!("/api/v1/purchase-orders/{}", pw.po),
            Some(&pw.w.a.admin),
        )
        .await;
    assert_eq!(api.json["status"], "acknowledged");
    // Once acknowledged, the confirmation page leads back to the PO.
    assert_eq!(s1.get(&format!("{po}/acknowledge")).await.status, 303);
    app.run_jobs_until_idle().await;
}

/// Rewrites the event at `position` of `chain` behind the append-only trigger's back, as a
/// superuser could; returns its id.
async fn tamper(app: &TestApp, chain: &str, position: i64) -> uuid::Uuid {
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Link {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        event_id: uuid::Uuid,
    }
    let mut conn = app.conn().await;
    let link: Link = diesel::sql_query(format!(
        "SELECT event_id FROM audit_chain WHERE chain = '{chain}' AND position = {position}"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    for sql in [
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only".to_owned(),
        format!(
            "UPDATE audit_events SET data = '{{\"quantity\": \"999\"}}' WHERE id = '{}'",
            link.event_id
        ),
        "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only".to_owned(),
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    link.event_id
}

#[tokio::test]
async fn the_audit_trail_filters_pages_and_its_verification_names_a_tampered_event() {
    let app = TestApp::spawn().await;
    let pw = po_world(&app).await;
    let coop = pw.w.a.coop.clone();
    app.run_jobs_until_idle().await;
    let admin = visitor(&app, "admin-a@coop.kr").await;

    let r = admin.get("/audit").await;
    assert_eq!(r.status, 200, "{}", r.text);
    for action in ["po.issued", "rfq.awarded", "round.opened", "member.created"] {
        assert!(r.text.contains(action), "the trail lacks {action}");
    }
    // Filters: one kind; a day range (the PO was issued after the three-day jump).
    let r = admin.get("/audit?kind=purchase_order").await;
    assert!(
        r.text.contains("po.issued") && !r.text.contains("round.opened"),
        "{}",
        r.text
    );
    let today = app
        .clock
        .now()
        .with_timezone(&chrono_tz::Asia::Seoul)
        .date_naive();
    let r = admin.get(&format!("/audit?from={today}&to={today}")).await;
    assert!(r.text.contains("po.issued") && !r.text.contains("member.created"));
    let before = today - chrono::Duration::days(2);
    let r = admin.get(&format!("/audit?to={before}")).await;
    assert!(r.text.contains("member.created") && !r.text.contains("po.issued"));
    let r = admin.get("/audit?kind=no_such_kind&from=garbage").await;
    assert_eq!(r.status, 200, "unknown filters are ignored");
    // Paging: 50 per page, then a next link that continues where the page ended.
    let r = admin.get("/audit").await;
    let rows = r.text.matches("<time datetime=").count();
    if rows == 50 {
        let at = r.text.find("href=\"/audit?").expect("a next page");
        let next = r.text[at + 6..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&");
        let r2 = admin.get(&next).await;
        assert_eq!(r2.status, 200);
        assert!(r2.text.contains("<time datetime="), "{next}");
    }

    // Verification: intact, then broken at a rewritten event, which the page names.
    let r = admin.get("/audit?verify=1").await;
    assert!(
        r.text.contains("체인이 온전합니다") || r.text.contains("The chain is intact"),
        "{}",
        r.text
    );
    let altered = tamper(&app, &coop, 3).await;
    let r = admin.get("/audit?verify=1").await;
    assert!(
        r.text.contains("체인이 손상되었습니다") || r.text.contains("The chain is broken"),
        "{}",
        r.text
    );
    assert!(r.text.contains(&altered.to_string()), "names the event");
    assert!(
        r.text.contains("기록 내용이 바뀌었습니다") || r.text.contains("the event was altered")
    );

    // The platform admin verifies every chain: the platform's intact, cooperative A's not.
    let platform = visitor(&app, "platform@coprocure.kr").await;
    assert_eq!(platform.get("/audit").await.status, 303);
    let r = platform.get("/admin/audit?verify=1").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("Coop a") && r.text.contains("Coop b"));
    assert!(r.text.contains(&altered.to_string()));
    assert_eq!(
        r.text.matches("verdict broken").count(),
        2,
        "the summary and chain A"
    );

    // Nobody else reaches either page.
    for who in ["user-a@member.kr", "rep@kcopper.kr"] {
        let v = visitor(&app, who).await;
        assert_eq!(v.get("/audit").await.status, 403, "{who}");
        assert_eq!(v.get("/admin/audit?verify=1").await.status, 403, "{who}");
    }
    assert_eq!(admin.get("/admin/audit?verify=1").await.status, 403);
    // Cooperative B's admin sees its own trail, none of A's.
    let b = visitor(&app, "admin-b@coop.kr").await;
    let r = b.get("/audit").await;
    assert!(!r.text.contains("po.issued") && !r.text.contains(&pw.number));
    app.run_jobs_until_idle().await;
}

fn location(r: &crate::helpers::Resp) -> String {
    r.header("location").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn fx_entry_shows_errors_inline_and_a_refresh_confirms_moves_over_20_percent() {
    use crate::helpers::http_sink::HttpSink;
    use std::time::Duration;
    const ECB: &str = include_str!("../fixtures/fx/ecb-daily.xml");
    const ECB_ABSURD: &str = include_str!("../fixtures/fx/ecb-absurd.xml");
    let feed = HttpSink::start().await;
    let app = TestApp::spawn_with(&[
        (
            "COPROCURE_FX_URL",
            &feed.url("/stats/eurofxref/eurofxref-daily.xml"),
        ),
        ("COPROCURE_FX_TIMEOUT_MS", "500"),
    ])
    .await;
    let _w = World::build(&app).await;
    let admin = visitor(&app, "admin-a@coop.kr").await;
    let r = admin.get("/fx-rates").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("id=\"save-rate\"") && !r.text.contains("id=\"refresh-now\""));
    let csrf = csrf_of(&r.text);
    let entry = |currency: &'static str, rate: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("date", "2026-11-27".to_owned()),
            ("currency", currency.to_owned()),
            ("rate", rate.to_owned()),
            ("base", "KRW".to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let admin = &admin;
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            admin.post("/fx-rates", &f).await
        }
    };
    // Errors inline, next to the field, the input kept.
    let r = post(entry("USD", "1,38x")).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"rate-error\"") && r.text.contains("value=\"1,38x\""));
    assert!(r.text.contains("aria-invalid=\"true\""));
    let r = post(entry("KRW", "1")).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"currency-error\""), "{}", r.text);
    assert!(r.text.contains("기준 통화와 달라야") || r.text.contains("differ from the base"));
    let r = post(entry("USD", "-5")).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"rate-error\""));
    let r = post(entry("USD", "")).await;
    assert_eq!(r.status, 422);
    // A valid rate typed with a thousands separator: the cooperative's own.
    let r = post(entry("USD", "1,386.8")).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = admin.get(&location(&r)).await;
    assert!(page.text.contains("1,386.8"), "{}", page.text);
    assert!(page.text.contains("우리 조합") || page.text.contains("Our cooperative"));
    // Nobody else's.
    let b = visitor(&app, "admin-b@coop.kr").await;
    assert!(!b
        .get("/fx-rates?date=2026-11-27")
        .await
        .text
        .contains("1,386.8"));
    let member = visitor(&app, "user-a@member.kr").await;
    let r = member
        .post(
            "/fx-rates",
            &[
                ("_csrf", &csrf_of(&member.get("/").await.text)),
                ("date", "2026-11-27"),
                ("currency", "USD"),
                ("rate", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let r = admin
        .post("/fx-rates/refresh", &[("_csrf", csrf.as_str())])
        .await;
    assert_eq!(r.status, 403, "only platform admins refresh");

    // The platform admin refreshes and sees the provider's answer.
    let platform = visitor(&app, "platform@coprocure.kr").await;
    let r = platform.get("/fx-rates").await;
    assert!(r.text.contains("id=\"refresh-now\""));
    let pcsrf = csrf_of(&r.text);
    feed.serve(200, ECB, Duration::ZERO);
    let r = platform
        .post("/fx-rates/refresh", &[("_csrf", pcsrf.as_str())])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("ecb") && !r.text.contains("id=\"store-anyway\""));
    // A failed fetch says why.
    feed.serve(500, "oops", Duration::ZERO);
    let r = platform
        .post("/fx-rates/refresh", &[("_csrf", pcsrf.as_str())])
        .await;
    assert!(r.text.contains("HTTP 500"), "{}", r.text);
    // A move of more than 20 %: refused, listed with its change, stored only when confirmed.
    let implausible = ECB_ABSURD.replace("rate='0.0001'", "rate='0.5'");
    feed.serve(200, implausible.clone(), Duration::ZERO);
    let r = platform
        .post("/fx-rates/refresh", &[("_csrf", pcsrf.as_str())])
        .await;
    assert!(
        r.text.contains("id=\"store-anyway\"") && r.text.contains("USD/KRW"),
        "{}",
        r.text
    );
    let shared = "/fx-rates?date=2026-11-27";
    assert!(!platform.get(shared).await.text.contains("3,000.24"));
    feed.serve(200, implausible, Duration::ZERO);
    let r = platform
        .post(
            "/fx-rates/refresh",
            &[("_csrf", pcsrf.as_str()), ("force", "1")],
        )
        .await;
    assert!(!r.text.contains("id=\"store-anyway\""));
    assert!(platform.get(shared).await.text.contains("3,000.24"));
    // The cooperative's own rate still wins for it.
    assert!(admin.get(shared).await.text.contains("1,386.8"));
}

#[tokio::test]
async fn the_outbox_lists_dead_letters_and_send_again_changes_the_row() {
    use crate::helpers::smtp::{Mode, SmtpSink};
    let sink = SmtpSink::start().await;
    sink.set_mode(Mode::Reject);
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let _w = World::build(&app).await;
    let platform = visitor(&app, "platform@coprocure.kr").await;
    let r = platform.get("/admin/outbox?status=dead").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let at = r.text.find("id=\"email-").expect("a dead letter listed") + 10;
    let id = r.text[at..].split('"').next().unwrap().to_owned();
    assert!(r.text.contains("550"), "its error is shown");
    assert!(r.text.contains(&format!("/admin/outbox/emails/{id}/retry")));
    assert!(!platform
        .get("/admin/outbox?status=pending")
        .await
        .text
        .contains(&id));

    let r = platform
        .post(
            &format!("/admin/outbox/emails/{id}/retry"),
            &[("_csrf", csrf_of(&r.text).as_str()), ("status", "dead")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(location(&r), "/admin/outbox?status=dead&retried=1");
    let r = platform.get(&location(&r)).await;
    assert!(
        !r.text.contains(&format!("id=\"email-{id}\"")),
        "no longer dead"
    );
    assert!(r.text.contains("role=\"status\""));
    let pending = platform.get("/admin/outbox?status=pending").await;
    assert!(
        pending.text.contains(&format!("id=\"email-{id}\"")),
        "{}",
        pending.text
    );

    sink.set_mode(Mode::Accept);
    app.run_jobs_until_idle().await;
    let sent = platform.get("/admin/outbox?status=sent").await;
    assert!(sent.text.contains(&format!("id=\"email-{id}\"")));
    assert!(!sent
        .text
        .contains(&format!("/admin/outbox/emails/{id}/retry")));
    // Sent once: sending again is refused.
    let r = platform
        .post(
            &format!("/admin/outbox/emails/{id}/retry"),
            &[("_csrf", csrf_of(&sent.text).as_str())],
        )
        .await;
    assert_eq!(r.status, 409);
    // Platform admins only.
    let admin = visitor(&app, "admin-a@coop.kr").await;
    assert_eq!(admin.get("/admin/outbox").await.status, 403);
    let r = admin
        .post(
            &format!("/admin/outbox/emails/{id}/retry"),
            &[("_csrf", csrf_of(&admin.get("/").await.text).as_str())],
        )
        .await;
    assert_eq!(r.status, 403);
}
