//! The audit trail: recorded in the use case's transaction, chained by the sealer,
//! append-only in the database, verified link by link.

use coprocure::schema::audit_events;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::{TestApp, PASSWORD};

async fn admin_app() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    let pair = app.login("ops@coop.kr", PASSWORD).await;
    let token = pair["access_token"].as_str().unwrap().to_owned();
    (app, token)
}

async fn actions(app: &TestApp) -> Vec<String> {
    let mut conn = app.conn().await;
    audit_events::table
        .order((audit_events::at, audit_events::id))
        .select(audit_events::action)
        .load(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn auth_events_are_recorded_and_the_chain_verifies_after_concurrent_requests() {
    let (app, token) = admin_app().await;
    for i in 0..5 {
        app.create_admin(&format!("u{i}@coop.kr"), PASSWORD).await;
    }
    // 60 concurrent logins, a third of them failing.
    let attempts = (0..60).map(|i| {
        let body = if i % 3 == 0 {
            json!({"email": format!("u{}@coop.kr", i % 5), "password": "wrong-password!"})
        } else {
            json!({"email": format!("u{}@coop.kr", i % 5), "password": PASSWORD})
        };
        let app = &app;
        async move { app.post("/api/v1/auth/login", None, &body).await.status }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count()
            + statuses.iter().filter(|s| **s == 401 || **s == 429).count(),
        60
    );
    app.run_jobs_until_idle().await;

    let v = app.get("/api/v1/admin/audit/verify", Some(&token)).await;
    assert_eq!(v.status, 200, "{}", v.text);
    let mut conn = app.conn().await;
    let total: i64 = audit_events::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(v.json["ok"], true, "{}", v.text);
    assert_eq!(v.json["events"], total, "every committed event is chained");
    assert_eq!(v.json["pending"], 0);
    assert_eq!(v.json["head"].as_str().unwrap().len(), 64);
    assert!(v.json["first_broken"].is_null());

    let acts = actions(&app).await;
    assert_eq!(acts.iter().filter(|a| *a == "user.created").count(), 6);
    assert_eq!(
        acts.iter().filter(|a| *a == "auth.login_failed").count(),
        20
    );
    assert!(acts.iter().filter(|a| *a == "auth.login").count() >= 30);
}

#[tokio::test]
async fn every_auth_state_change_is_audited_without_secrets() {
    let (app, token) = admin_app().await;
    let pair = app.login("ops@coop.kr", PASSWORD).await;
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    // Reuse of the rotated token revokes the session.
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": pair["refresh_token"]}),
    )
    .await;
    let other = app.login("ops@coop.kr", PASSWORD).await;
    app.post(
        "/api/v1/auth/logout",
        None,
        &json!({"refresh_token": other["refresh_token"]}),
    )
    .await;
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": "nobody@coop.kr", "password": "whatever-1234"}),
    )
    .await;
    let r = app
        .post(
            "/api/v1/auth/password",
            Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "aluminium-ingot-7"}),
        )
        .await;
    assert_eq!(r.status, 204);

    let acts = actions(&app).await;
    for expected in [
        "user.created",
        "auth.login",
        "auth.token_refreshed",
        "auth.session_revoked",
        "auth.logout",
        "auth.login_failed",
        "auth.password_changed",
    ] {
        assert!(
            acts.iter().any(|a| a == expected),
            "{expected} missing from {acts:?}"
        );
    }

    let mut conn = app.conn().await;
    let dump: Vec<serde_json::Value> = audit_events::table
        .select(audit_events::data)
        .load(&mut conn)
        .await
        .unwrap();
    let dump = serde_json::to_string(&dump).unwrap();
    for secret in [
        PASSWORD,
        "aluminium-ingot-7",
        "whatever-1234",
        pair["refresh_token"].as_str().unwrap(),
        refreshed.json["refresh_token"].as_str().unwrap(),
        &token,
        "$argon2",
    ] {
        assert!(
            !dump.contains(secret),
            "audit data contains a secret: {secret}"
        );
    }
    // Deliver what the test's actions queued.
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn the_database_refuses_update_delete_and_truncate() {
    let (app, _) = admin_app().await;
    app.run_jobs_until_idle().await;
    let mut conn = app.conn().await;
    for sql in [
        "UPDATE audit_events SET action = 'auth.nothing'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events CASCADE",
        "UPDATE audit_chain SET hash = prev_hash",
        "DELETE FROM audit_chain",
    ] {
        let err = diesel::sql_query(sql)
            .execute(&mut conn)
            .await
            .expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(actions(&app).await, ["user.created", "auth.login"]);
}

#[tokio::test]
async fn an_event_altered_behind_the_triggers_back_is_the_first_broken_link() {
    let (app, token) = admin_app().await;
    for _ in 0..3 {
        app.login("ops@coop.kr", PASSWORD).await;
    }
    app.run_jobs_until_idle().await;
    let mut conn = app.conn().await;
    #[derive(QueryableByName)]
    struct Link {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        event_id: uuid::Uuid,
    }
    let third: Link = diesel::sql_query(
        "SELECT event_id FROM audit_chain WHERE chain = 'platform' AND position = 3",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    // A superuser disables the trigger and rewrites history.
    diesel::sql_query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query(format!(
        "UPDATE audit_events SET data = '{{\"ip\": \"10.0.0.1\"}}' WHERE id = '{}'",
        third.event_id
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        .execute(&mut conn)
        .await
        .unwrap();

    let v = app.get("/api/v1/admin/audit/verify", Some(&token)).await;
    assert_eq!(v.json["ok"], false, "{}", v.text);
    assert_eq!(v.json["events"], 2);
    assert_eq!(
        v.json["first_broken"]["event_id"],
        third.event_id.to_string()
    );
    assert_eq!(v.json["first_broken"]["position"], 3);
    assert_eq!(v.json["first_broken"]["reason"], "event_altered");

    // The command line reports the same break and exits non-zero.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coprocure"))
        .args(["audit", "verify", "--chain", "platform"])
        .env("DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["first_broken"]["event_id"],
        third.event_id.to_string()
    );
}

#[tokio::test]
async fn cooperative_chains_verify_separately_and_need_an_admin() {
    let (app, token) = admin_app().await;
    let created = app
        .post(
            "/api/v1/cooperatives",
            Some(&token),
            &json!({"name": "Chain coop", "business_number": "123-45-67891"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let coop = created.json["id"].as_str().unwrap().to_owned();
    app.run_jobs_until_idle().await;
    let v = app
        .get(
            &format!("/api/v1/cooperatives/{coop}/audit/verify"),
            Some(&token),
        )
        .await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.json["ok"], true);
    assert_eq!(
        v.json["events"], 1,
        "cooperative.created opens the cooperative's own chain"
    );
    assert_eq!(v.json["chain"], coop);
    let events = app
        .get(
            &format!("/api/v1/cooperatives/{coop}/audit?entity=cooperative&entity_id={coop}"),
            Some(&token),
        )
        .await;
    assert_eq!(events.status, 200, "{}", events.text);
    assert_eq!(events.json["items"][0]["action"], "cooperative.created");
    assert_eq!(events.json["items"][0]["position"], 1);
    assert_eq!(events.json["items"][0]["hash"], v.json["head"]);
    let none = app
        .get(
            &format!("/api/v1/cooperatives/{coop}/audit?entity=member"),
            Some(&token),
        )
        .await;
    assert_eq!(none.json["items"], json!([]));
    let platform = app.get("/api/v1/admin/audit/verify", Some(&token)).await;
    assert_eq!(
        platform.json["events"], 2,
        "user.created and auth.login stay in the platform chain"
    );
    let unknown = uuid::Uuid::now_v7();
    app.get(
        &format!("/api/v1/cooperatives/{unknown}/audit/verify"),
        Some(&token),
    )
    .await
    .assert_problem(404, "not_found");
    app.get("/api/v1/admin/audit/verify", None)
        .await
        .assert_problem(401, "missing_token");
}
