//! Demand rounds: lifecycle, demand lines and their rules, idempotency, aggregation,
//! emails, and submissions racing the close.

use std::time::Duration;

use chrono::Utc;
use coprocure::clock::Clock;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::smtp::SmtpSink;
use crate::helpers::world::World;
use crate::helpers::{TestApp, PASSWORD};

fn codes(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A second member (with a user) in cooperative A.
async fn second_member(app: &TestApp, w: &World) -> (String, String) {
    let m = app
        .post(&format!("/api/v1/cooperatives/{}/members", w.a.coop), Some(&w.a.admin), &json!({"name": "Daesung Metal", "business_number": "211-88-00082", "membership": "regular", "contact_email": "d@ds.kr"}))
        .await;
    assert_eq!(m.status, 201, "{}", m.text);
    let member = m.json["id"].as_str().unwrap().to_owned();
    let u = app
        .post(&format!("/api/v1/cooperatives/{}/users", w.a.coop), Some(&w.a.admin), &json!({"email": "buyer@ds.kr", "name": "DS buyer", "role": "member", "member_id": member, "password": PASSWORD, "locale": "en"}))
        .await;
    assert_eq!(u.status, 201, "{}", u.text);
    let token = app.login("buyer@ds.kr", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    (member, token)
}

async fn new_round(app: &TestApp, w: &World, closes_in: chrono::Duration) -> String {
    let r = app
        .post(&format!("/api/v1/cooperatives/{}/rounds", w.a.coop), Some(&w.a.admin), &json!({"title": "2027 Q1 copper", "closes_at": (app.clock.now() + closes_in).to_rfc3339()}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["status"], "draft");
    r.json["id"].as_str().unwrap().to_owned()
}

fn demand(w: &World, quantity: Value, unit: &str) -> Value {
    json!({"material_id": w.a.material, "quantity": quantity, "unit": unit, "required_by": "2027-03-31", "delivery_site": "Ansan plant"})
}

#[tokio::test]
async fn lifecycle_emails_members_and_status_follows_the_clock() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let w = World::build(&app).await;
    let (_, m2) = second_member(&app, &w).await;
    app.run_jobs_until_idle().await;
    let baseline = sink.messages().len();
    let round = new_round(&app, &w, chrono::Duration::days(3)).await;
    app.get(&format!("/api/v1/rounds/{round}"), Some(&m2))
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("/api/v1/rounds/{round}/demand"),
        Some(&m2),
        &demand(&w, json!("1"), "TNE"),
    )
    .await
    .assert_problem(404, "not_found");
    let mut for_member = demand(&w, json!("1"), "TNE");
    for_member["member_id"] = json!(w.a.member);
    app.post(
        &format!("/api/v1/rounds/{round}/demand"),
        Some(&w.a.admin),
        &for_member,
    )
    .await
    .assert_problem(409, "round_not_open");

    let opened = app
        .post(
            &format!("/api/v1/rounds/{round}/open"),
            Some(&w.a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    assert_eq!(opened.json["status"], "open");
    app.run_jobs_until_idle().await;
    let got = sink.messages();
    assert_eq!(got.len(), baseline + 2, "one email per member user");
    let to_m2 = got
        .iter()
        .skip(baseline)
        .find(|m| m.rcpt_to == ["buyer@ds.kr"])
        .expect("email to the new member's user");
    let text = to_m2.part("text/plain").unwrap();
    assert!(
        to_m2.header("Subject").unwrap().contains("is open until"),
        "English for an English user"
    );
    assert!(
        text.contains("Copper cathode (CU-A, TNE)") && text.contains("KST"),
        "{text}"
    );
    assert!(got
        .iter()
        .skip(baseline)
        .any(|m| m.rcpt_to == ["user-a@member.kr"]
            && m.header("Subject").unwrap().contains("수요조사")));
    let (ko, en) = crate::helpers::language::assert_in_own_language(&app, &got[baseline..]).await;
    assert_eq!((ko, en), (1, 1));
    app.post(
        &format!("/api/v1/rounds/{round}/open"),
        Some(&w.a.admin),
        &json!({}),
    )
    .await
    .assert_problem(409, "invalid_transition");

    let line = app
        .post(
            &format!("/api/v1/rounds/{round}/demand"),
            Some(&m2),
            &demand(&w, json!("3"), "TNE"),
        )
        .await;
    assert_eq!(line.status, 201, "{}", line.text);
    // From closes_at on the round is closed, with no job involved.
    app.clock.advance(chrono::Duration::days(3));
    // Access tokens live 15 minutes: log in again in the new present.
    let m2 = app.login("buyer@ds.kr", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = app.login("admin-a@coop.kr", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.get(&format!("/api/v1/rounds/{round}"), Some(&m2)).await;
    assert_eq!(r.json["status"], "closed");
    assert_eq!(r.json["closed_at"], r.json["closes_at"]);
    let late = app
        .post(
            &format!("/api/v1/rounds/{round}/demand"),
            Some(&m2),
            &demand(&w, json!("3"), "TNE"),
        )
        .await;
    late.assert_problem(409, "round_not_open");
    let id = line.json["id"].as_str().unwrap();
    app.send(
        app.client
            .patch(app.url(&format!("/api/v1/demand/{id}")))
            .bearer_auth(&m2)
            .json(&json!({"quantity": "9"})),
    )
    .await
    .assert_problem(409, "round_not_open");
    app.send(
        app.client
            .delete(app.url(&format!("/api/v1/demand/{id}")))
            .bearer_auth(&m2),
    )
    .await
    .assert_problem(409, "round_not_open");
    let lines = app
        .get(&format!("/api/v1/rounds/{round}/demand"), Some(&m2))
        .await;
    assert_eq!(lines.json["items"][0]["quantity"], "3", "nothing changed");
    app.post(
        &format!("/api/v1/rounds/{round}/cancel"),
        Some(&admin),
        &json!({}),
    )
    .await
    .assert_problem(409, "invalid_transition");
}

#[tokio::test]
async fn demand_rules_units_and_visibility() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let (m2_member, m2) = second_member(&app, &w).await;
    let round = &w.a.round;
    let post = |token: &str, body: Value| {
        let app = &app;
        let token = token.to_owned();
        let round = round.clone();
        async move {
            app.post(
                &format!("/api/v1/rounds/{round}/demand"),
                Some(&token),
                &body,
            )
            .await
        }
    };
    // Pounds convert exactly into the material's tonnes; numbers and strings both work.
    let r = post(&m2, demand(&w, json!("2204.62"), "LBR")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json["quantity_base"], "0.9999988107494",
        "2204.62 × 0.45359237 / 1000 exactly"
    );
    assert_eq!(r.json["base_unit"], "TNE");
    assert_eq!(r.json["member_id"], m2_member);
    let r = post(&m2, demand(&w, json!(750.5), "KGM")).await;
    assert_eq!(r.json["quantity_base"], "0.7505", "{}", r.text);

    let bad = post(&m2, json!({"material_id": w.b.material, "quantity": "-1", "unit": "LTR", "required_by": "2020-01-01", "delivery_site": " "})).await;
    assert_eq!(
        codes(&bad.json),
        [
            ("material_id".into(), "not_in_round".into()),
            ("quantity".into(), "not_positive".into()),
            ("required_by".into(), "too_early".into()),
            ("delivery_site".into(), "required".into())
        ]
    );
    assert_eq!(
        codes(&post(&m2, demand(&w, json!("1"), "LTR")).await.json),
        [("unit".into(), "incompatible_unit".into())]
    );
    assert_eq!(
        codes(&post(&m2, demand(&w, json!("1.1234567"), "TNE")).await.json),
        [("quantity".into(), "too_precise".into())]
    );
    assert_eq!(
        codes(&post(&m2, demand(&w, json!("1"), "BBL")).await.json),
        [("unit".into(), "unknown_unit".into())]
    );
    let mut other = demand(&w, json!("1"), "TNE");
    other["member_id"] = json!(w.a.member);
    assert_eq!(
        codes(&post(&m2, other.clone()).await.json),
        [("member_id".into(), "not_your_member".into())]
    );
    // A coop admin must say for whom, and only for its own members.
    assert_eq!(
        codes(&post(&w.a.admin, demand(&w, json!("1"), "TNE")).await.json),
        [("member_id".into(), "required".into())]
    );
    assert_eq!(post(&w.a.admin, other).await.status, 201);
    let mut foreign = demand(&w, json!("1"), "TNE");
    foreign["member_id"] = json!(w.b.member);
    assert_eq!(
        codes(&post(&w.a.admin, foreign).await.json),
        [("member_id".into(), "unknown_member".into())]
    );
    post(&w.s1_token, demand(&w, json!("1"), "TNE"))
        .await
        .assert_problem(403, "forbidden");

    // Members never see each other's lines; the admin sees all.
    let mine = app
        .get(&format!("/api/v1/rounds/{round}/demand"), Some(&m2))
        .await;
    assert_eq!(mine.json["items"].as_array().unwrap().len(), 2);
    assert!(mine.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["member_id"] == m2_member));
    let theirs = app
        .get(
            &format!("/api/v1/rounds/{round}/demand"),
            Some(&w.a.member_token),
        )
        .await;
    assert!(theirs.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["member_id"] == w.a.member));
    assert_eq!(
        app.get(&format!("/api/v1/rounds/{round}/demand"), Some(&w.a.admin))
            .await
            .json["items"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    app.send(
        app.client
            .patch(app.url(&format!("/api/v1/demand/{}", w.a.demand_line)))
            .bearer_auth(&m2)
            .json(&json!({"quantity": "1"})),
    )
    .await
    .assert_problem(404, "not_found");

    // Edit and delete while open.
    let id = mine.json["items"][0]["id"].as_str().unwrap();
    let r = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/demand/{id}")))
                .bearer_auth(&m2)
                .json(&json!({"quantity": "2", "unit": "TNE"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["quantity_base"], "2");
    let r = app
        .send(
            app.client
                .delete(app.url(&format!("/api/v1/demand/{id}")))
                .bearer_auth(&m2),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        app.get(&format!("/api/v1/rounds/{round}/demand"), Some(&m2))
            .await
            .json["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn idempotency_keys_replay_and_refuse_changes() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let path = format!("/api/v1/rounds/{}/demand", w.a.round);
    let body = demand(&w, json!("4"), "TNE");
    let send = |key: &str, body: &Value| {
        app.send(
            app.client
                .post(app.url(&path))
                .bearer_auth(&w.a.member_token)
                .header("Idempotency-Key", key)
                .json(body),
        )
    };
    let first = send("k-1", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let replay = send("k-1", &body).await;
    assert_eq!(replay.status, 201);
    assert_eq!(replay.json, first.json, "the stored body");
    assert_eq!(replay.header("location"), first.header("location"));
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    let mut changed = body.clone();
    changed["quantity"] = json!("5");
    let r = send("k-1", &changed).await;
    r.assert_problem(422, "idempotency_key_reused");
    assert_eq!(
        codes(&r.json),
        [("Idempotency-Key".into(), "idempotency_key_reused".into())]
    );
    // The key is per user: another user may use the same key.
    let other = app.send(app.client.post(app.url(&path)).bearer_auth(&w.a.admin).header("Idempotency-Key", "k-1").json(&json!({"material_id": w.a.material, "quantity": "4", "unit": "TNE", "required_by": "2027-03-31", "delivery_site": "Ansan plant", "member_id": w.a.member}))).await;
    assert_eq!(other.status, 201, "{}", other.text);
    let mut conn = app.conn().await;
    let n: i64 = coprocure::schema::demand_lines::table
        .filter(
            coprocure::schema::demand_lines::round_id
                .eq(uuid::Uuid::parse_str(&w.a.round).unwrap()),
        )
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        n, 3,
        "the world's line, the first request, the admin's; no replay created a row"
    );

    // A request still running with the same key: see tests/it/idempotency.rs (the second
    // waits for the first, then replays its answer or runs).
    // Keys expire after 24 hours.
    app.clock.advance(chrono::Duration::hours(25));
    let r = send("k-1", &changed).await;
    assert_eq!(
        r.status, 401,
        "tokens expired too; the point is it is not a 422: {}",
        r.text
    );
}

#[tokio::test]
async fn aggregate_totals_breakdowns_csv_and_member_view() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let (m2_member, m2) = second_member(&app, &w).await;
    let round = &w.a.round;
    let post = |token: &str, q: &str, unit: &str, by: &str, site: &str| {
        let body = json!({"material_id": w.a.material, "quantity": q, "unit": unit, "required_by": by, "delivery_site": site});
        let app = &app;
        let token = token.to_owned();
        let round = round.clone();
        async move {
            let r = app
                .post(
                    &format!("/api/v1/rounds/{round}/demand"),
                    Some(&token),
                    &body,
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
    };
    post(&m2, "500", "KGM", "2027-02-15", "Ansan plant").await;
    post(&m2, "1.5", "TNE", "2027-04-01", "Siheung plant").await;
    // The world's line: member A, 12.5 TNE, 2027-06-30, Siheung plant.
    let r = app
        .get(
            &format!("/api/v1/rounds/{round}/aggregate"),
            Some(&w.a.admin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["status"], "open");
    let m = &r.json["materials"][0];
    assert_eq!(m["code"], "CU-A");
    assert_eq!(m["unit"], "TNE");
    assert_eq!(m["total_quantity"], "14.5");
    assert_eq!(m["member_count"], 2);
    assert_eq!(m["line_count"], 3);
    assert_eq!(m["earliest_required_by"], "2027-02-15");
    let members: Vec<(String, String)> = m["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["member_name"].as_str().unwrap().to_owned(),
                e["quantity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        members.contains(&("Member a".into(), "12.5".into()))
            && members.contains(&("Daesung Metal".into(), "2".into())),
        "{members:?}"
    );
    assert_eq!(
        m["sites"],
        json!([{"delivery_site": "Siheung plant", "quantity": "14"}, {"delivery_site": "Ansan plant", "quantity": "0.5"}])
    );

    // A member sees the totals and only its own entry.
    let mine = app
        .get(&format!("/api/v1/rounds/{round}/aggregate"), Some(&m2))
        .await;
    let mm = &mine.json["materials"][0];
    assert_eq!(mm["total_quantity"], "14.5");
    assert_eq!(
        mm["members"],
        json!([{"member_id": m2_member, "member_name": "Daesung Metal", "quantity": "2"}])
    );

    // CSV, by query or by Accept.
    let csv = app
        .get(
            &format!("/api/v1/rounds/{round}/aggregate?format=csv"),
            Some(&w.a.admin),
        )
        .await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv.text.starts_with('\u{feff}'));
    assert!(
        csv.text.contains(",14.5,2,3,2027-02-15\r\n"),
        "{}",
        csv.text
    );
    assert_eq!(csv.text.lines().count(), 1 + 1 + 2 + 2);
    let by_accept = app
        .send(
            app.client
                .get(app.url(&format!("/api/v1/rounds/{round}/aggregate")))
                .bearer_auth(&w.a.admin)
                .header("accept", "text/csv"),
        )
        .await;
    assert_eq!(by_accept.text, csv.text);
    app.get(
        &format!("/api/v1/rounds/{round}/aggregate?format=xml"),
        Some(&w.a.admin),
    )
    .await
    .assert_problem(422, "invalid_format");
}

#[tokio::test]
async fn submissions_racing_the_close_commit_only_before_it() {
    let app = TestApp::spawn_with(&[("COPROCURE_DB_POOL_SIZE", "8")]).await;
    let w = World::build(&app).await;
    let round = new_round(&app, &w, chrono::Duration::minutes(10)).await;
    assert_eq!(
        app.post(
            &format!("/api/v1/rounds/{round}/open"),
            Some(&w.a.admin),
            &json!({})
        )
        .await
        .status,
        200
    );
    let closes_at = chrono::DateTime::parse_from_rfc3339(
        app.get(&format!("/api/v1/rounds/{round}"), Some(&w.a.admin))
            .await
            .json["closes_at"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
    .to_utc();
    // Just before the close, 40 submissions at once; when 10 have answered, time passes the close.
    app.clock
        .advance(closes_at - app.clock.now() - chrono::Duration::seconds(5));
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks = (0..40).map(|i| {
        let answered = answered.clone();
        let app = &app;
        let w = &w;
        let round = round.clone();
        async move {
            let r = app
                .post(
                    &format!("/api/v1/rounds/{round}/demand"),
                    Some(&w.a.member_token),
                    &demand(w, json!(format!("{}", i + 1)), "TNE"),
                )
                .await;
            if answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == 10 {
                app.clock.advance(chrono::Duration::seconds(10));
            }
            r
        }
    });
    let results = futures_util::future::join_all(tasks).await;
    let created: Vec<&Value> = results
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| &r.json)
        .collect();
    let refused = results.iter().filter(|r| r.status == 409).count();
    assert!(created.len() >= 10, "{} created", created.len());
    assert!(refused >= 1, "some submissions ran after the close");
    assert_eq!(created.len() + refused, 40);
    assert!(results
        .iter()
        .filter(|r| r.status == 409)
        .all(|r| r.json["code"] == "round_not_open"));

    // Exactly the acknowledged lines exist, and each was entered before closes_at.
    let mut conn = app.conn().await;
    use coprocure::schema::demand_lines::dsl as d;
    let rows: Vec<(uuid::Uuid, chrono::DateTime<Utc>)> = d::demand_lines
        .filter(d::round_id.eq(uuid::Uuid::parse_str(&round).unwrap()))
        .select((d::id, d::created_at))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), created.len());
    assert!(rows.iter().all(|(_, at)| *at < closes_at));
    let mut ids: Vec<String> = rows.iter().map(|(id, _)| id.to_string()).collect();
    let mut acked: Vec<String> = created
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    acked.sort();
    assert_eq!(ids, acked);
    // Deliver what the test's actions queued.
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn an_early_close_waits_for_submissions_in_flight() {
    let app = TestApp::spawn_with(&[("COPROCURE_DB_POOL_SIZE", "8")]).await;
    let w = World::build(&app).await;
    let path = format!("/api/v1/rounds/{}/demand", w.a.round);
    let bodies: Vec<Value> = (0..20)
        .map(|i| demand(&w, json!(format!("{}", i + 1)), "TNE"))
        .collect();
    let submissions = bodies
        .iter()
        .map(|b| app.post(&path, Some(&w.a.member_token), b));
    let close = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        app.post(
            &format!("/api/v1/rounds/{}/close", w.a.round),
            Some(&w.a.admin),
            &json!({}),
        )
        .await
    };
    let (results, closed) = tokio::join!(futures_util::future::join_all(submissions), close);
    assert_eq!(closed.status, 200, "{}", closed.text);
    let closed_at =
        chrono::DateTime::parse_from_rfc3339(closed.json["closed_at"].as_str().unwrap())
            .unwrap()
            .to_utc();
    let mut conn = app.conn().await;
    use coprocure::schema::demand_lines::dsl as d;
    let times: Vec<chrono::DateTime<Utc>> = d::demand_lines
        .filter(d::round_id.eq(uuid::Uuid::parse_str(&w.a.round).unwrap()))
        .select(d::created_at)
        .load(&mut conn)
        .await
        .unwrap();
    let acked = results.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        times.len(),
        acked + 1,
        "every acknowledged line and the world's line, nothing else"
    );
    assert!(
        times.iter().all(|t| *t <= closed_at),
        "no line entered after the close"
    );
    assert!(results
        .iter()
        .all(|r| r.status == 201 || r.json["code"] == "round_not_open"));
}

#[tokio::test]
async fn members_without_demand_get_one_reminder_a_day_before_the_close() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let (_, _m2) = second_member(&app, &w).await;
    let round = new_round(&app, &w, chrono::Duration::hours(48)).await;
    app.post(
        &format!("/api/v1/rounds/{round}/open"),
        Some(&w.a.admin),
        &json!({}),
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/demand"),
            Some(&w.a.member_token),
            &demand(&w, json!("1"), "TNE"),
        )
        .await;
    assert_eq!(r.status, 201);
    let mut conn = app.conn().await;
    async fn reminders(
        conn: &mut diesel_async::AsyncPgConnection,
        round: &str,
    ) -> QueryResult<Vec<String>> {
        use coprocure::schema::outbox_emails::dsl as o;
        o::outbox_emails
            .filter(o::template.eq("round_reminder"))
            .filter(o::dedupe_key.like(format!("round:{round}:%")))
            .select(o::recipient)
            .load::<String>(conn)
            .await
    }
    app.run_jobs_until_idle().await;
    assert!(
        reminders(&mut conn, &round).await.unwrap().is_empty(),
        "not yet: 48 h before the close"
    );
    app.clock.advance(chrono::Duration::hours(25));
    app.run_jobs_until_idle().await;
    app.run_jobs_until_idle().await;
    assert_eq!(
        reminders(&mut conn, &round).await.unwrap(),
        ["buyer@ds.kr"],
        "only the member without demand, once"
    );
}
