//! `Idempotency-Key`: the key's answer commits in the same transaction as the request's
//! effect, so a retry replays it or runs once — never both, never a wait on an abandoned
//! key. Same-key requests racing, a request waiting for its key in flight, a failure
//! between the effect and its stored answer, a write that would commit after the close,
//! answers whose effects must commit although the request failed, and the order of the
//! checks (401 before the key's format).

use std::sync::Arc;
use std::time::Duration;

use coprocure::clock::Clock;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::http_sink::HttpSink;
use crate::helpers::world::World;
use crate::helpers::{Resp, TestApp, PASSWORD};

fn demand(w: &World, site: &str) -> Value {
    json!({"material_id": w.a.material, "quantity": "4", "unit": "TNE", "required_by": "2027-03-31", "delivery_site": site})
}

async fn post_keyed(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> Resp {
    app.send(
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

/// Demand lines of a round at a delivery site.
async fn lines_at(conn: &mut AsyncPgConnection, round: &str, site: &str) -> i64 {
    use coprocure::schema::demand_lines as d;
    d::table
        .filter(d::round_id.eq(uuid::Uuid::parse_str(round).unwrap()))
        .filter(d::delivery_site.eq(site))
        .count()
        .get_result(conn)
        .await
        .unwrap()
}

/// The request hash the middleware stores (method, path, body).
fn request_hash(path: &str, body: &[u8]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update("POST");
    h.update([0]);
    h.update(path);
    h.update([0]);
    h.update(body);
    h.finalize().to_vec()
}

async fn user_id(app: &TestApp, token: &str) -> uuid::Uuid {
    let me = app.get("/api/v1/me", Some(token)).await;
    uuid::Uuid::parse_str(me.json["id"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn same_key_requests_at_once_run_once_and_all_get_the_answer() {
    let app = Arc::new(TestApp::spawn().await);
    let w = World::build(&app).await;
    let path = format!("/api/v1/rounds/{}/demand", w.a.round);
    let body = demand(&w, "Race site");
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (app, path, body, token) = (
            app.clone(),
            path.clone(),
            body.clone(),
            w.a.member_token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            post_keyed(&app, &path, &token, "race-1", &body).await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    for r in &answers {
        assert_eq!(
            r.status, 201,
            "every caller gets the answer, none a 409: {}",
            r.text
        );
        assert_eq!(r.json, answers[0].json, "one line, one answer");
    }
    let fresh = answers
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .count();
    assert_eq!(fresh, 1, "exactly one request ran");
    let mut conn = app.conn().await;
    assert_eq!(lines_at(&mut conn, &w.a.round, "Race site").await, 1);
}

#[tokio::test]
async fn a_request_waits_for_its_key_in_flight_then_runs_or_replays() {
    let app = Arc::new(TestApp::spawn().await);
    let w = World::build(&app).await;
    let path = format!("/api/v1/rounds/{}/demand", w.a.round);
    let me = user_id(&app, &w.a.member_token).await;
    let mut other = app.conn().await; // plays the first request, running elsewhere
    let mut conn = app.conn().await;

    for (key, site, first_commits) in [
        ("wait-1", "Wait site 1", false),
        ("wait-2", "Wait site 2", true),
    ] {
        let raw = serde_json::to_vec(&demand(&w, site)).unwrap();
        diesel::sql_query("BEGIN")
            .execute(&mut other)
            .await
            .unwrap();
        diesel::sql_query(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at, response_status, response_body, response_content_type) \
             VALUES ($1, $2, $3, now(), 201, '{\"answered\":\"by the first\"}', 'application/json')",
        )
        .bind::<diesel::sql_types::Uuid, _>(me)
        .bind::<diesel::sql_types::Text, _>(key)
        .bind::<diesel::sql_types::Bytea, _>(request_hash(&path, &raw))
        .execute(&mut other)
        .await
        .unwrap();
        let second = {
            let (app, path, token) = (app.clone(), path.clone(), w.a.member_token.clone());
            tokio::spawn(async move {
                app.send(
                    app.client
                        .post(app.url(&path))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", key)
                        .header("content-type", "application/json")
                        .body(raw),
                )
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(
            !second.is_finished(),
            "{key}: the second request waits for the first (no 409)"
        );
        let end = if first_commits { "COMMIT" } else { "ROLLBACK" };
        diesel::sql_query(end).execute(&mut other).await.unwrap();
        let r = second.await.unwrap();
        assert_eq!(r.status, 201, "{key}: {}", r.text);
        if first_commits {
            assert_eq!(r.header("idempotent-replayed"), Some("true"));
            assert_eq!(r.json, json!({"answered": "by the first"}));
            assert_eq!(
                lines_at(&mut conn, &w.a.round, site).await,
                0,
                "nothing ran"
            );
        } else {
            assert_eq!(
                r.header("idempotent-replayed"),
                None,
                "the first gave up: it ran"
            );
            assert_eq!(lines_at(&mut conn, &w.a.round, site).await, 1);
        }
    }
}

#[tokio::test]
async fn a_failure_between_the_effect_and_its_answer_keeps_neither_and_the_retry_runs_once() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let path = format!("/api/v1/rounds/{}/demand", w.a.round);
    let mut conn = app.conn().await;
    // The first attempt to store an answer fails, after the demand line was written (as a
    // crash or a lost connection would at that moment).
    conn.batch_execute(
        "CREATE SEQUENCE answer_attempts; \
         CREATE FUNCTION fail_first_answer() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN IF nextval('answer_attempts') = 1 THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$; \
         CREATE TRIGGER fail_first_answer BEFORE UPDATE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION fail_first_answer();",
    ).await.unwrap();
    let body = demand(&w, "Fragile site");
    let first = post_keyed(&app, &path, &w.a.member_token, "fragile-1", &body).await;
    let retry = post_keyed(&app, &path, &w.a.member_token, "fragile-1", &body).await;
    assert_eq!(
        retry.status, 201,
        "the retry runs or replays, never waits: {}",
        retry.text
    );
    if first.status == 201 {
        assert_eq!(retry.json, first.json, "an acknowledged write is replayed");
    } else {
        first.assert_problem(500, "internal_error");
        assert_eq!(
            retry.header("idempotent-replayed"),
            None,
            "nothing was kept: it runs"
        );
    }
    assert_eq!(
        lines_at(&mut conn, &w.a.round, "Fragile site").await,
        1,
        "exactly one line for the key"
    );
    let again = post_keyed(&app, &path, &w.a.member_token, "fragile-1", &body).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json, retry.json);
}

#[tokio::test]
async fn a_demand_line_that_would_commit_after_the_close_is_rolled_back() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let mut conn = app.conn().await;
    // Writing a line at this site takes 2.5 s (after the statement's own close check).
    conn.batch_execute(
        "CREATE FUNCTION slow_line() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN IF NEW.delivery_site LIKE 'Slow%' THEN PERFORM pg_sleep(2.5); END IF; RETURN NEW; END $$; \
         CREATE TRIGGER slow_line AFTER INSERT ON demand_lines FOR EACH ROW EXECUTE FUNCTION slow_line();",
    ).await.unwrap();
    // By the application's clock, then (clock set 20 s back) by the database's alone.
    for (n, back) in [(1, 0), (2, 20)] {
        let round = app
            .post(
                &format!("/api/v1/cooperatives/{}/rounds", w.a.coop),
                Some(&w.a.admin),
                &json!({"title": format!("Closing {n}"), "closes_at": (app.clock.now() + chrono::Duration::days(3)).to_rfc3339()}),
            )
            .await;
        assert_eq!(round.status, 201, "{}", round.text);
        let round = round.json["id"].as_str().unwrap().to_owned();
        let opened = app
            .post(
                &format!("/api/v1/rounds/{round}/open"),
                Some(&w.a.admin),
                &json!({}),
            )
            .await;
        assert_eq!(opened.status, 200, "{}", opened.text);
        app.clock.advance(chrono::Duration::seconds(-back));
        diesel::sql_query(
            "UPDATE demand_rounds SET closes_at = clock_timestamp() + interval '1500 milliseconds' WHERE id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::parse_str(&round).unwrap())
        .execute(&mut conn)
        .await
        .unwrap();
        let path = format!("/api/v1/rounds/{round}/demand");
        let site = format!("Slow site {n}");
        let r = post_keyed(
            &app,
            &path,
            &w.a.member_token,
            &format!("late-{n}"),
            &demand(&w, &site),
        )
        .await;
        r.assert_problem(409, "round_not_open");
        assert_eq!(
            lines_at(&mut conn, &round, &site).await,
            0,
            "round {n}: the line would have committed after the close"
        );
        app.clock.advance(chrono::Duration::seconds(back));
    }
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn answers_about_credentials_commit_their_effects_but_are_not_replayed() {
    let feed = HttpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_FX_URL", &feed.url("/eurofxref-daily.xml"))]).await;
    let w = World::build(&app).await;
    let mut conn = app.conn().await;
    // A failed login is counted (throttling) even though the request failed.
    let failures = async |conn: &mut AsyncPgConnection| -> i64 {
        use coprocure::schema::login_failures as f;
        f::table.count().get_result(conn).await.unwrap()
    };
    let before = failures(&mut conn).await;
    let login = json!({"email": "admin-a@coop.kr", "password": "not-the-password"});
    for _ in 0..2 {
        let r = post_keyed(&app, "/api/v1/auth/login", &w.a.admin, "login-1", &login).await;
        r.assert_problem(401, "invalid_credentials");
        assert_eq!(
            r.header("idempotent-replayed"),
            None,
            "a 401 is not replayed"
        );
    }
    assert_eq!(failures(&mut conn).await, before + 2, "both failures count");
    let ok = post_keyed(
        &app,
        "/api/v1/auth/login",
        &w.a.admin,
        "login-2",
        &json!({"email": "admin-a@coop.kr", "password": PASSWORD}),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);

    // A failed feed answers 502 with its report; the failure is audited, and a retry with
    // the key fetches again.
    let audited = async |conn: &mut AsyncPgConnection| -> i64 {
        use coprocure::schema::audit_events as ae;
        ae::table
            .filter(ae::action.eq("fx.refresh_failed"))
            .count()
            .get_result(conn)
            .await
            .unwrap()
    };
    feed.serve(500, "down", Duration::ZERO);
    for n in 1..=2 {
        let r = post_keyed(
            &app,
            "/api/v1/fx-rates/refresh",
            &w.platform,
            "fx-1",
            &json!({}),
        )
        .await;
        assert_eq!(r.status, 502, "{}", r.text);
        assert_eq!(r.header("idempotent-replayed"), None);
        assert_eq!(audited(&mut conn).await, n);
    }
}

#[tokio::test]
async fn the_caller_is_authenticated_before_the_key_is_looked_at() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let path = format!("/api/v1/rounds/{}/demand", w.a.round);
    let body = demand(&w, "Checked site");
    let bad_key = "not a key"; // spaces are not visible ASCII
    let anonymous = app
        .send(
            app.client
                .post(app.url(&path))
                .header("Idempotency-Key", bad_key)
                .json(&body),
        )
        .await;
    anonymous.assert_problem(401, "missing_token");
    let forged = post_keyed(&app, &path, "not-a-jwt", bad_key, &body).await;
    assert_eq!(forged.status, 401, "{}", forged.text);
    // A token that verifies but whose session was revoked (logout) is a 401 too.
    let pair = app.login("user-a@member.kr", PASSWORD).await;
    let token = pair["access_token"].as_str().unwrap();
    let out = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert!(out.status < 300, "{}", out.text);
    post_keyed(&app, &path, token, bad_key, &body)
        .await
        .assert_problem(401, "session_revoked");
    // Signed in: now the key's format is the problem.
    let r = post_keyed(&app, &path, &w.a.member_token, bad_key, &body).await;
    r.assert_problem(422, "invalid_idempotency_key");
}
