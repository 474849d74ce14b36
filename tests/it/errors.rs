//! Every failure the framework detects is a problem+json, and every response carries the
//! security headers.

use serde_json::json;

use crate::helpers::{TestApp, PASSWORD};

#[tokio::test]
async fn unknown_route_is_a_404_problem() {
    let app = TestApp::spawn().await;
    app.get("/no/such/thing", None)
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/no-such-thing", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn wrong_method_is_a_405_problem_with_allow() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/auth/login", None).await;
    r.assert_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("POST"));
    let r = app.send(app.client.delete(app.url("/api/v1/me"))).await;
    r.assert_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET"));
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let r = app
        .send(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("content-type", "application/json")
                .body("{\"email\": "),
        )
        .await;
    r.assert_problem(400, "malformed_json");
}

#[tokio::test]
async fn wrong_content_type_is_a_415_problem() {
    let app = TestApp::spawn().await;
    let r = app
        .send(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("content-type", "text/plain")
                .body(r#"{"email":"a@b.co","password":"x"}"#),
        )
        .await;
    r.assert_problem(415, "unsupported_media_type");
}

#[tokio::test]
async fn body_over_one_mebibyte_is_a_413_problem() {
    let app = TestApp::spawn().await;
    let big = json!({"email": "a@b.co", "password": "x".repeat(1 << 20)});
    app.post("/api/v1/auth/login", None, &big)
        .await
        .assert_problem(413, "payload_too_large");
    // Just under the limit is parsed (and then fails on the credentials).
    let ok = json!({"email": "a@b.co", "password": "x".repeat((1 << 20) - 100)});
    app.post("/api/v1/auth/login", None, &ok)
        .await
        .assert_problem(401, "invalid_credentials");
}

#[tokio::test]
async fn unknown_and_missing_fields_are_422_problems() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "a@b.co", "password": "x", "role": "platform_admin"}),
        )
        .await;
    r.assert_problem(422, "invalid_body");
    assert!(
        r.json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("role"),
        "{}",
        r.text
    );
    app.post("/api/v1/auth/login", None, &json!({"email": "a@b.co"}))
        .await
        .assert_problem(422, "invalid_body");
}

#[tokio::test]
async fn security_headers_on_every_response_and_no_store_when_authenticated() {
    let app = TestApp::spawn().await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    let tokens = app.login("ops@coop.kr", PASSWORD).await;
    let access = tokens["access_token"].as_str().unwrap();
    let responses = [
        app.get("/healthz", None).await,
        app.get("/missing", None).await,
        app.get("/api/v1/me", None).await,
        app.get("/api/v1/me", Some(access)).await,
        app.get("/api/openapi.json", None).await,
    ];
    for r in &responses {
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert!(r.header("x-request-id").is_some_and(|v| v.len() >= 32));
    }
    assert_eq!(responses[3].status, 200);
    assert_eq!(responses[3].header("cache-control"), Some("no-store"));
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "ops@coop.kr", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        login.header("cache-control"),
        Some("no-store"),
        "token responses must not be cached"
    );
}

#[tokio::test]
async fn database_that_never_answers_is_a_503_problem_not_a_hang() {
    // A listener that accepts connections and never speaks: connecting hangs until the
    // pool's timeout.
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/nothing",
        black_hole.local_addr().unwrap().port()
    );
    let app = TestApp::spawn_with(&[
        ("DATABASE_URL", &url),
        ("COPROCURE_DB_ACQUIRE_TIMEOUT_MS", "500"),
    ])
    .await;
    let started = std::time::Instant::now();
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "a@b.co", "password": PASSWORD}),
        )
        .await;
    r.assert_problem(503, "database_unavailable");
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
}

#[tokio::test]
async fn a_bad_token_is_401_whatever_the_body_holds() {
    let app = TestApp::spawn().await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    let pair = app.login("ops@coop.kr", PASSWORD).await;
    let access = pair["access_token"].as_str().unwrap().to_owned();
    app.post(
        "/api/v1/auth/logout",
        None,
        &json!({"refresh_token": pair["refresh_token"]}),
    )
    .await;
    for (token, code) in [
        ("garbage", "invalid_token"),
        (access.as_str(), "session_revoked"),
    ] {
        let r = app
            .send(
                app.client
                    .post(app.url("/api/v1/cooperatives"))
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body("{\"name\": "),
            )
            .await;
        r.assert_problem(401, code);
        let r = app
            .send(
                app.client
                    .post(app.url("/api/v1/cooperatives"))
                    .bearer_auth(token)
                    .json(&json!({"unknown": 1})),
            )
            .await;
        r.assert_problem(401, code);
    }
}
