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

/// Every route the application registers, read from the `resource(path, allow)` and
/// `Routes::add(path, allow, …)` calls of `src/api/mod.rs` and `src/api/v1/mod.rs` (every
/// route goes through one of them), as `(path, methods)`.
fn registered_routes() -> Vec<(String, Vec<String>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut routes = Vec::new();
    for (file, prefix) in [("mod.rs", ""), ("v1/mod.rs", "/api/v1")] {
        let src = std::fs::read_to_string(root.join(file))
            .unwrap()
            .replace(".add(", " resource(");
        for call in src.split("resource(").skip(1) {
            let mut literals = call.split('"');
            // `resource("path", "GET, POST")`: the literals are the 2nd and 4th pieces, with
            // only a comma and whitespace between them.
            let (Some(lead), Some(path), Some(between), Some(allow)) = (
                literals.next(),
                literals.next(),
                literals.next(),
                literals.next(),
            ) else {
                continue;
            };
            if !lead.trim().is_empty() || between.trim() != "," {
                continue; // not a call with literals (the helper's own definition)
            }
            let methods = allow.split(',').map(|m| m.trim().to_lowercase()).collect();
            routes.push((format!("{prefix}{path}"), methods));
        }
    }
    routes
}

fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, item) in map {
                match (k.as_str(), item) {
                    ("$ref", serde_json::Value::String(r)) => out.push(r.clone()),
                    _ => refs(item, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

#[tokio::test]
async fn openapi_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status, 200);
    let doc = r.json;
    let paths = doc["paths"].as_object().expect("paths");

    let routes = registered_routes();
    assert!(routes.len() >= 45, "only {} routes found", routes.len());
    let mut registered = std::collections::BTreeSet::new();
    let id = uuid::Uuid::new_v4().to_string();
    for (path, methods) in &routes {
        if path == "/api/docs" {
            continue; // the redirect to Swagger UI
        }
        // The route really is registered with exactly these methods: the others answer 405
        // naming them, and these answer something other than 404 or 405.
        let url = app.url(&path.replace("{id}", &id));
        for method in ["get", "post", "put", "patch", "delete"] {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = app.send(app.client.request(m, &url)).await;
            if methods.iter().any(|x| x == method) {
                assert!(
                    res.status != 404 && res.status != 405,
                    "{method} {path}: {} {}",
                    res.status,
                    res.text
                );
                registered.insert((method.to_owned(), path.clone()));
            } else {
                assert_eq!(res.status, 405, "{method} {path}: {}", res.text);
                assert_eq!(
                    res.header("allow").map(|a| a.to_lowercase()),
                    Some(methods.join(", ")),
                    "{path}"
                );
            }
        }
    }
    let documented: std::collections::BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    assert!(undocumented.is_empty(), "not in OpenAPI: {undocumented:?}");
    let unrouted: Vec<_> = documented.difference(&registered).collect();
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );

    // Every reference resolves within the document.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in &all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {r}"));
        assert!(doc.pointer(pointer).is_some(), "unresolved $ref {r}");
    }

    // The answers every operation can give are declared.
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let has = |status: &str| responses.contains_key(status);
            let what = format!("{method} {path}");
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if op
                .get("security")
                .is_some_and(|s| s.as_array().is_some_and(|a| !a.is_empty()))
            {
                assert!(has("401"), "{what}: 401");
            }
            if params.iter().any(|p| p["in"] == "path") {
                assert!(has("404"), "{what}: 404");
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(has(status), "{what}: {status}");
                }
            }
            if params.iter().any(|p| p["in"] == "query") {
                assert!(has("422"), "{what}: 422");
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]
                            .get("application/problem+json")
                            .is_some()
                            || status == "502",
                        "{what}: {status} is not problem+json"
                    );
                }
            }
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
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

/// An instance opens no more connections than `COPROCURE_DB_POOL_SIZE` (plus the cache
/// listener's) although each HTTP worker has a pool of its own: the size is shared out
/// between the workers and the background jobs, not given to each.
#[tokio::test]
async fn the_connections_of_an_instance_stay_within_its_pool_size_across_its_workers() {
    use diesel_async::RunQueryDsl;
    let app =
        TestApp::spawn_with(&[("COPROCURE_DB_POOL_SIZE", "6"), ("COPROCURE_WORKERS", "2")]).await;
    // Bursts of readiness probes (each takes a connection for a query) from 40 clients.
    for _ in 0..5 {
        let probes = (0..40).map(|_| async {
            let client = reqwest::Client::new();
            let r = client.get(app.url("/readyz")).send().await.unwrap();
            r.status().as_u16()
        });
        let statuses = futures_util::future::join_all(probes).await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    }
    let mut conn = app.conn().await;
    let open: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM pg_stat_activity \
          WHERE datname = current_database() AND pid <> pg_backend_pid())",
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    // Pools keep what they opened: this is the most the instance had at once.
    assert!(open <= 6 + 1, "{open} connections");
    assert!(open >= 3, "the two workers' pools and the listener: {open}");
}
