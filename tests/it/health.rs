//! Probes, the OpenAPI document and Swagger UI.

use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_and_readyz_answer_ok() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.json, serde_json::json!({"status": "ok"}));
    }
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_unreachable() {
    // Port 1 on loopback refuses connections.
    let app = TestApp::spawn_with(&[
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nothing"),
        ("COPROCURE_DB_ACQUIRE_TIMEOUT_MS", "300"),
    ])
    .await;
    let started = std::time::Instant::now();
    let r = app.get("/readyz", None).await;
    r.assert_problem(503, "database_unavailable");
    assert!(r.header("retry-after").is_some());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        app.get("/healthz", None).await.status,
        200,
        "liveness does not depend on the database"
    );
}

#[tokio::test]
async fn openapi_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status, 200);
    let paths = r.json["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/password", "post"),
        ("/api/v1/auth/forgot-password", "post"),
        ("/api/v1/auth/reset-password", "post"),
        ("/api/v1/me", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from OpenAPI"
        );
    }
    assert_eq!(
        r.json["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn swagger_ui_is_served_from_vendored_assets() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/docs", None).await;
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location"), Some("/api/docs/"));
    let page = app.get("/api/docs/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    assert!(
        !page.text.contains("https://"),
        "Swagger UI must not load from a CDN"
    );
    let js = app.get("/api/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(js.status, 200);
    assert!(js.text.len() > 100_000);
    let init = app.get("/api/docs/swagger-initializer.js", None).await;
    assert!(init.text.contains("/api/openapi.json"), "{}", init.text);
}
