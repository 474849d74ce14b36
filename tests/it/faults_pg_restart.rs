//! Fault test: stop the PostgreSQL server the application uses while requests keep coming,
//! then start it again. While it is down every request is answered quickly with a 503
//! problem+json carrying `Retry-After` (never a 500, also for the queries cut off by the
//! shutdown); afterwards the same running application serves again without a restart,
//! its pool having dropped the dead connections; every acknowledged write is kept.
//! (`bench/faults/20-pg-restart.sh` does the same against the release build.)

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use coprocure::clock::Clock;
use coprocure::db::local::{LocalOptions, LocalPostgres};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use serde_json::{json, Value};

use crate::helpers::{TestApp, PASSWORD};

const CLIENTS: usize = 12;

/// One answer under load.
#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    status: u16,
    content_type: Option<String>,
    retry_after: Option<String>,
    body: Value,
}

async fn ok(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let r = app.post(path, Some(token), &body).await;
    assert_eq!(r.status, 201, "POST {path}: {}", r.text);
    r.json
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[tokio::test]
async fn a_database_restart_under_load_answers_503_then_recovers_without_restarting_the_app() {
    let began = Instant::now();
    let root = std::env::temp_dir().join(format!(
        "coprocure-pgrestart-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let mut pg = LocalPostgres::start(LocalOptions {
        data_dir: root.join("pg"),
        database: "coprocure".into(),
        ephemeral: true,
    })
    .await
    .expect("private cluster");
    coprocure::db::run_migrations(&pg.url)
        .await
        .expect("migrations");
    {
        // Writes at the slow plant take 300 ms in the database, so that queries are always
        // in flight when the server shuts down (they are cut off with SQLSTATE 57P01).
        let mut conn = AsyncPgConnection::establish(&pg.url).await.unwrap();
        conn.batch_execute(
            "CREATE FUNCTION slow_plant() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$; \
             CREATE TRIGGER slow_plant AFTER INSERT ON demand_lines FOR EACH ROW \
             WHEN (NEW.delivery_site = 'Slow plant') EXECUTE FUNCTION slow_plant();",
        )
        .await
        .unwrap();
    }
    let app = TestApp::spawn_with(&[
        ("DATABASE_URL", pg.url.as_str()),
        ("COPROCURE_DB_POOL_SIZE", "8"),
        ("COPROCURE_DB_ACQUIRE_TIMEOUT_MS", "1000"),
    ])
    .await;
    {
        let mut conn = AsyncPgConnection::establish(&pg.url).await.unwrap();
        coprocure::auth::service::create_user(
            &mut conn,
            coprocure::audit::Actor::System,
            coprocure::auth::service::CreateUser {
                email: "root@coprocure.kr".into(),
                name: "Root".into(),
                password: PASSWORD.into(),
                role: coprocure::auth::Role::PlatformAdmin,
                locale: coprocure::auth::Locale::En,
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    }
    let root_token = crate::helpers::token(&app, "root@coprocure.kr").await;
    let coop = ok(
        &app,
        "/api/v1/cooperatives",
        &root_token,
        json!({"name": "Restart Coop", "business_number": "123-45-67891"}),
    )
    .await;
    let coop = coop["id"].as_str().unwrap().to_owned();
    ok(&app, &format!("/api/v1/cooperatives/{coop}/users"), &root_token,
        json!({"email": "buyer@coop.kr", "name": "Buyer", "role": "coop_admin", "password": PASSWORD})).await;
    let admin = crate::helpers::token(&app, "buyer@coop.kr").await;
    let member = ok(&app, &format!("/api/v1/cooperatives/{coop}/members"), &admin,
        json!({"name": "Member", "business_number": "220-81-62517", "membership": "regular", "contact_email": "m@member.kr"})).await;
    let material = ok(
        &app,
        &format!("/api/v1/cooperatives/{coop}/materials"),
        &admin,
        json!({"code": "CU", "name": "Copper cathode", "kind": "raw", "unit": "TNE"}),
    )
    .await;
    let round = ok(&app, &format!("/api/v1/cooperatives/{coop}/rounds"), &admin,
        json!({"title": "Round", "closes_at": (app.clock.now() + chrono::Duration::days(20)).to_rfc3339()})).await;
    let round = round["id"].as_str().unwrap().to_owned();
    let opened = app
        .post(
            &format!("/api/v1/rounds/{round}/open"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text);

    // Load: demand writes (every other one with a key) and round reads, until told to stop.
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let transport_errors = Arc::new(AtomicUsize::new(0));
    coprocure::tls::install();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut workers = Vec::new();
    for c in 0..CLIENTS {
        let (seen, stop, errors, client) = (
            seen.clone(),
            stop.clone(),
            transport_errors.clone(),
            client.clone(),
        );
        let (base, admin, round) = (app.address.clone(), admin.clone(), round.clone());
        let site = if c % 3 == 0 {
            "Slow plant"
        } else {
            "Restart plant"
        };
        let body = json!({"material_id": material["id"], "member_id": member["id"], "quantity": "2", "unit": "TNE",
                          "required_by": "2027-06-30", "delivery_site": site});
        workers.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let req = match n % 3 {
                    0 => client.get(format!("{base}/api/v1/rounds/{round}")),
                    1 => client
                        .post(format!("{base}/api/v1/rounds/{round}/demand"))
                        .header("Idempotency-Key", format!("restart-{c}-{n}"))
                        .json(&body),
                    _ => client
                        .post(format!("{base}/api/v1/rounds/{round}/demand"))
                        .json(&body),
                };
                match req.bearer_auth(&admin).send().await {
                    Ok(r) => {
                        let header = |h: &str| {
                            r.headers()
                                .get(h)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned)
                        };
                        let (content_type, retry_after) =
                            (header("content-type"), header("retry-after"));
                        let status = r.status().as_u16();
                        let body = r.json::<Value>().await.unwrap_or(Value::Null);
                        seen.lock().unwrap().push(Seen {
                            at: Instant::now(),
                            status,
                            content_type,
                            retry_after,
                            body,
                        });
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::SeqCst);
                    }
                }
                if status_is_unavailable(&seen) {
                    // A client honouring Retry-After would wait; this one only paces itself.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }

    let setup_ms = began.elapsed().as_millis();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let stopping = Instant::now();
    let mut pg = tokio::task::spawn_blocking(move || {
        pg.stop(); // fast shutdown: sessions are cut off, queries in flight fail
        pg
    })
    .await
    .unwrap();
    let stopped = Instant::now();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let starting = Instant::now();
    pg.start_again()
        .await
        .expect("start again on the same port");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(20);
    let recovered = loop {
        let first_ok = seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.at > started && s.status == 201)
            .map(|s| s.at)
            .min();
        if let Some(at) = first_ok {
            break at;
        }
        assert!(
            Instant::now() < deadline,
            "no write succeeded within 20 s of the restart"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.await.unwrap();
    }

    let seen = seen.lock().unwrap().clone();
    let count = |f: &dyn Fn(&Seen) -> bool| seen.iter().filter(|s| f(s)).count();
    let down = count(&|s| s.at > stopped && s.at < starting && s.status == 503);
    let server_errors: Vec<&Seen> = seen.iter().filter(|s| s.status >= 500).collect();
    eprintln!(
        "setup_ms={setup_ms} requests={} ok={} status_503={} status_500={} other_5xx={} answered_while_down_503={down} transport_errors={} stop_took_ms={} start_took_ms={} recovery_ms={}",
        seen.len(),
        count(&|s| s.status < 300),
        count(&|s| s.status == 503),
        count(&|s| s.status == 500),
        count(&|s| s.status > 500 && s.status != 503),
        transport_errors.load(Ordering::SeqCst),
        (stopped - stopping).as_millis(),
        (started - starting).as_millis(),
        (recovered - started).as_millis(),
    );
    for s in &server_errors {
        assert_eq!(
            s.status, 503,
            "a database outage is a 503, never a 500: {}",
            s.body
        );
        assert_eq!(s.content_type.as_deref(), Some("application/problem+json"));
        assert_eq!(s.body["code"], "database_unavailable", "{}", s.body);
        assert_eq!(s.retry_after.as_deref(), Some("5"));
    }
    assert!(down > 0, "requests during the outage were answered (503)");
    assert_eq!(
        transport_errors.load(Ordering::SeqCst),
        0,
        "the app itself stayed up"
    );
    assert!(
        seen.iter().any(|s| s.at > recovered && s.status == 200),
        "reads work again too"
    );

    // Every acknowledged write survived the restart.
    let acknowledged = count(&|s| s.status == 201);
    let mut conn = AsyncPgConnection::establish(&pg.url).await.unwrap();
    let stored: Vec<Count> = diesel_async::RunQueryDsl::load(
        diesel::sql_query("SELECT count(*) AS n FROM demand_lines"),
        &mut conn,
    )
    .await
    .unwrap();
    assert!(
        stored[0].n >= acknowledged as i64,
        "{} stored < {acknowledged} acknowledged",
        stored[0].n
    );
    drop(conn);
    drop(app);
    pg.stop();
    let _ = std::fs::remove_dir_all(&root);
}

fn status_is_unavailable(seen: &Mutex<Vec<Seen>>) -> bool {
    seen.lock().unwrap().last().is_some_and(|s| s.status == 503)
}
