//! The per-instance caches (live API sessions, computed comparisons) against changes made
//! anywhere else: through the API of another instance, or behind the application's back in
//! SQL. Each change must show on every instance within a second.

use std::time::{Duration, Instant};

use diesel_async::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::world::World;
use crate::helpers::{token, TestApp, PASSWORD};

/// Polls `check` until it holds or a second has passed; returns how long it took.
async fn within_a_second<F, Fut>(what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{what}: not seen within a second"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn sql(app: &TestApp, statement: &str) {
    let mut conn = app.conn().await;
    diesel::sql_query(statement)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

#[tokio::test]
async fn a_session_revoked_on_one_instance_fails_on_the_other_within_a_second() {
    let a = TestApp::spawn().await;
    let w = World::build(&a).await;
    let b = a.another_instance().await;
    let email = "admin-a@coop.kr";

    // Logout on A; the token had been used (and cached) on B.
    let login = a.login(email, PASSWORD).await;
    let t = login["access_token"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        assert_eq!(b.get("/api/v1/me", Some(&t)).await.status, 200);
    }
    assert!(b.ctx.sessions.is_live(), "B's listener is connected");
    assert!(
        !b.ctx.sessions.is_empty(),
        "B serves the session from memory"
    );
    let out = a
        .post(
            "/api/v1/auth/logout",
            Some(&t),
            &json!({"refresh_token": login["refresh_token"]}),
        )
        .await;
    assert!(out.status < 300, "{}", out.text);
    let took = within_a_second("logout on A seen by B", || async {
        b.get("/api/v1/me", Some(&t)).await.status == 401
    })
    .await;
    eprintln!("revocation on A refused on B after {took:?}");

    // Revoked behind the application's back.
    let t = token(&a, email).await;
    assert_eq!(b.get("/api/v1/me", Some(&t)).await.status, 200);
    sql(
        &a,
        &format!("UPDATE sessions SET revoked_at = now(), revoked_reason = 'admin' WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE email = '{email}')"),
    )
    .await;
    within_a_second("revocation in SQL seen by B", || async {
        b.get("/api/v1/me", Some(&t)).await.status == 401
    })
    .await;

    // A disabled account, and an edited user (the cached principal is not kept).
    let t = token(&a, email).await;
    let me = b.get("/api/v1/me", Some(&t)).await;
    assert_eq!(me.status, 200);
    sql(
        &a,
        &format!("UPDATE users SET name = 'Renamed buyer' WHERE email = '{email}'"),
    )
    .await;
    within_a_second("a renamed user seen by B", || async {
        b.get("/api/v1/me", Some(&t)).await.json["name"] == "Renamed buyer"
    })
    .await;
    sql(
        &a,
        &format!("UPDATE users SET disabled = true WHERE email = '{email}'"),
    )
    .await;
    within_a_second("a disabled user refused by B", || async {
        b.get("/api/v1/me", Some(&t)).await.status == 401
    })
    .await;
    // Other users' sessions are untouched.
    assert_eq!(
        b.get("/api/v1/me", Some(&w.a.member_token)).await.status,
        200
    );
    a.run_jobs_until_idle().await;
}

#[tokio::test]
async fn an_expired_session_is_refused_even_when_cached() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    assert_eq!(app.get("/api/v1/me", Some(&w.a.admin)).await.status, 200);
    app.clock.advance(chrono::Duration::days(40));
    let r = app.get("/api/v1/me", Some(&w.a.admin)).await;
    assert_eq!(r.status, 401, "{}", r.text);
}

fn offer_of<'a>(c: &'a Value, supplier: &str) -> &'a Value {
    c["lines"][0]["offers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["supplier_id"] == supplier)
        .unwrap_or_else(|| panic!("no offer of {supplier} in {c}"))
}

#[tokio::test]
async fn a_cached_comparison_follows_every_change_it_reads() {
    let a = TestApp::spawn().await;
    let w = World::build(&a).await;
    let f = w.rfq_fixture(&a).await;
    let b = a.another_instance().await;
    let path = format!("/api/v1/rfqs/{}/comparison", f.rfq);

    // Sealed until the deadline: nothing computed, nothing cached.
    a.get(&path, Some(&w.a.admin))
        .await
        .assert_problem(409, "sealed");
    // The supplier revises before the deadline; the comparison shows the revision.
    let revised = a
        .send(
            a.client
                .put(a.url(&format!("/api/v1/quotes/{}", f.quote)))
                .bearer_auth(&w.s1_token)
                .json(&crate::helpers::world::quote_body(
                    &f.line, "KRW", "13300000",
                )),
        )
        .await;
    assert!(revised.status < 300, "{}", revised.text);
    a.clock.advance(chrono::Duration::days(3));
    let admin = token(&a, "admin-a@coop.kr").await;
    let admin_b = token(&a, "admin-b@coop.kr").await;
    let member = token(&a, "user-a@member.kr").await;

    let first = a.get(&path, Some(&admin)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(offer_of(&first.json, &w.s1)["unit_price"], "13300000");
    assert_eq!(b.get(&path, Some(&admin)).await.json, first.json);
    assert_eq!(
        b.ctx.comparisons.len(),
        1,
        "B computed it once and keeps it"
    );
    // Repeated reads are the same document, on both instances; another cooperative's
    // admin still gets 404 from the cache.
    assert_eq!(a.get(&path, Some(&admin)).await.json, first.json);
    assert_eq!(b.get(&path, Some(&admin_b)).await.status, 404);
    assert_eq!(a.get(&path, Some(&member)).await.status, 403);

    // A renamed supplier and material, behind the application's back.
    sql(
        &a,
        &format!(
            "UPDATE suppliers SET name = 'Korea Copper (renamed)' WHERE id = '{}'",
            w.s1
        ),
    )
    .await;
    for app in [&a, &b] {
        within_a_second("a renamed supplier", || async {
            let c = app.get(&path, Some(&admin)).await.json;
            offer_of(&c, &w.s1)["supplier_name"] == "Korea Copper (renamed)"
        })
        .await;
    }
    sql(
        &a,
        &format!(
            "UPDATE materials SET name = 'Copper cathode (renamed)' WHERE id = '{}'",
            w.a.material
        ),
    )
    .await;
    within_a_second("a renamed material", || async {
        b.get(&path, Some(&admin)).await.json["lines"][0]["material_name"]
            == "Copper cathode (renamed)"
    })
    .await;

    // (The date moving on — a quote expiring on a cached document — is checked by the
    // comparison test that reads again 800 days later.)
    a.run_jobs_until_idle().await;
    b.run_jobs_until_idle().await;
}

/// The instance that makes a change drops what it cached of it before answering, without
/// waiting for PostgreSQL's notification: with the notifying triggers switched off, only
/// that path is left, and the client's very next request must already be refused.
#[tokio::test]
async fn the_instance_that_revokes_answers_only_after_dropping_its_own_cached_session() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    sql(&app, "ALTER TABLE users DISABLE TRIGGER users_notify").await;
    sql(
        &app,
        "ALTER TABLE sessions DISABLE TRIGGER sessions_notify_update",
    )
    .await;

    // A disabled user: its token was served from memory.
    for _ in 0..2 {
        assert_eq!(
            app.get("/api/v1/me", Some(&w.a.member_token)).await.status,
            200
        );
    }
    assert!(!app.ctx.sessions.is_empty(), "the session is cached");
    let r = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/users/{}", w.a.member_user)))
                .bearer_auth(&w.a.admin)
                .json(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // (Disabling a user also revokes its sessions.)
    app.get("/api/v1/me", Some(&w.a.member_token))
        .await
        .assert_problem(401, "session_revoked");

    // A logout, and a member's users disabled with their member.
    let pair = app.login("admin-a@coop.kr", PASSWORD).await;
    let t = pair["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&t)).await.status, 200);
    let out = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_eq!(out.status, 204, "{}", out.text);
    app.get("/api/v1/me", Some(&t))
        .await
        .assert_problem(401, "session_revoked");

    assert_eq!(
        app.get("/api/v1/me", Some(&w.b.member_token)).await.status,
        200
    );
    let r = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/members/{}", w.b.member)))
                .bearer_auth(&w.platform)
                .json(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.get("/api/v1/me", Some(&w.b.member_token)).await.status,
        401
    );
}
