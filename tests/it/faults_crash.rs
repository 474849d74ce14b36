//! Fault test: `kill -9` the real server binary while it takes concurrent demand writes
//! with `Idempotency-Key`, start it again, and retry every request whose answer never
//! arrived with the same key. Every acknowledged write must be there, every key must end
//! with exactly one line, and no retry may be told to wait (409 in flight).
//! (`bench/faults/10-crash.sh` does the same at scale against the release build.)

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::world::World;
use crate::helpers::{TestApp, JWT_SECRET};

const WRITES: usize = 600;
const CONCURRENCY: usize = 32;

/// The `coprocure` binary serving on `port` against `database_url`.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    async fn start(database_url: &str, dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.join(format!("server-{port}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_coprocure"))
            .arg("serve")
            .current_dir(dir)
            .env("DATABASE_URL", database_url)
            .env("COPROCURE_JWT_SECRET", JWT_SECRET)
            .env("COPROCURE_LISTEN", format!("127.0.0.1:{port}"))
            .env("COPROCURE_DATA_DIR", dir.join("var"))
            .env("COPROCURE_DB_POOL_SIZE", "16")
            .env("COPROCURE_WORKERS", "2")
            .env("COPROCURE_FX_REFRESH_HOURS", "0")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut server = Self { child, port };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("coprocure exited early: {status}");
            }
            let url = format!("http://127.0.0.1:{}/readyz", self.port);
            if let Ok(r) = reqwest::get(&url).await {
                if r.status() == 200 {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "not ready within 60 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// `kill -9`: no shutdown, requests in flight die with it.
    fn kill_9(&mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one request got back: nothing (the server died or was down), or an answer.
type Answer = Option<(u16, Value)>;

async fn send(client: &reqwest::Client, url: &str, token: &str, key: &str, body: &Value) -> Answer {
    let r = client
        .post(url)
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .ok()?;
    let status = r.status().as_u16();
    let body = r.json::<Value>().await.ok()?;
    Some((status, body))
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("coprocure-crash-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    delivery_site: String,
}

async fn crash_lines(app: &TestApp, round: &str) -> Vec<Line> {
    use diesel_async::RunQueryDsl;
    let mut conn = app.conn().await;
    diesel::sql_query(
        "SELECT id, delivery_site FROM demand_lines WHERE round_id = $1 AND delivery_site LIKE 'Crash site %'",
    )
    .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::parse_str(round).unwrap())
    .load(&mut conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn kill_9_during_keyed_writes_then_retries_lose_nothing_and_duplicate_nothing() {
    let app = TestApp::spawn().await; // sets up the accounts and owns the test database
    let w = World::build(&app).await;
    let dir = temp_dir();
    let mut server = Server::start(&app.db.url, &dir).await;
    let path = format!("/api/v1/rounds/{}/demand", w.a.round);
    coprocure::tls::install();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let body = |i: usize| {
        json!({"material_id": w.a.material, "quantity": "1.5", "unit": "TNE", "required_by": "2027-03-31",
               "delivery_site": format!("Crash site {i}")})
    };
    let key = |i: usize| format!("crash-{i}");

    // Every write at once (CONCURRENCY in flight); kill -9 once a third are acknowledged.
    let answers: Arc<Mutex<Vec<Answer>>> = Arc::new(Mutex::new(vec![None; WRITES]));
    let (started, finished, acked) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let gate = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let url = server.url(&path);
    let mut tasks = Vec::new();
    for i in 0..WRITES {
        let (client, url, token, b, k) = (
            client.clone(),
            url.clone(),
            w.a.member_token.clone(),
            body(i),
            key(i),
        );
        let (answers, started, finished, acked, gate) = (
            answers.clone(),
            started.clone(),
            finished.clone(),
            acked.clone(),
            gate.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            started.fetch_add(1, Ordering::SeqCst);
            let a = send(&client, &url, &token, &k, &b).await;
            if matches!(a, Some((201, _))) {
                acked.fetch_add(1, Ordering::SeqCst);
            }
            answers.lock().unwrap()[i] = a;
            finished.fetch_add(1, Ordering::SeqCst);
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::SeqCst) < WRITES / 3 {
        assert!(Instant::now() < deadline, "the server is too slow");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let in_flight = started.load(Ordering::SeqCst) - finished.load(Ordering::SeqCst);
    server.kill_9();
    for t in tasks {
        t.await.unwrap();
    }
    let answers = Arc::try_unwrap(answers).unwrap().into_inner().unwrap();
    let acknowledged: HashMap<usize, String> = answers
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a {
            Some((201, v)) => Some((i, v["id"].as_str().unwrap().to_owned())),
            _ => None,
        })
        .collect();
    assert!(
        in_flight > 0,
        "the kill must land while requests are in flight"
    );
    for (i, a) in answers.iter().enumerate() {
        if let Some((status, v)) = a {
            assert_eq!(*status, 201, "before the kill, key {i}: {v}");
        }
    }

    // Start again; retry every request that got no answer, with the same key.
    let server = Server::start(&app.db.url, &dir).await;
    let url = server.url(&path);
    let unanswered: Vec<usize> = (0..WRITES).filter(|i| answers[*i].is_none()).collect();
    let mut final_ids: HashMap<usize, String> = acknowledged.clone();
    let (mut replayed, mut ran) = (0, 0);
    for chunk in unanswered.chunks(CONCURRENCY) {
        let mut batch = Vec::new();
        for &i in chunk {
            let (client, url, token, b, k) = (
                client.clone(),
                url.clone(),
                w.a.member_token.clone(),
                body(i),
                key(i),
            );
            batch.push(tokio::spawn(async move {
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Idempotency-Key", &k)
                    .json(&b)
                    .send()
                    .await
                    .unwrap();
                let replay = r.headers().contains_key("idempotent-replayed");
                (
                    i,
                    r.status().as_u16(),
                    replay,
                    r.json::<Value>().await.unwrap(),
                )
            }));
        }
        for t in batch {
            let (i, status, replay, v) = t.await.unwrap();
            assert_eq!(
                status, 201,
                "retry of key {i} (no 409 in flight, no error): {v}"
            );
            if replay {
                replayed += 1;
            } else {
                ran += 1;
            }
            final_ids.insert(i, v["id"].as_str().unwrap().to_owned());
        }
    }

    // Every key has exactly one line, the one its answer names; every acknowledged write
    // is there.
    let lines = crash_lines(&app, &w.a.round).await;
    let mut by_site: HashMap<String, Vec<String>> = HashMap::new();
    for l in &lines {
        by_site
            .entry(l.delivery_site.clone())
            .or_default()
            .push(l.id.to_string());
    }
    let duplicated = by_site.values().filter(|ids| ids.len() > 1).count();
    let lost = acknowledged
        .iter()
        .filter(|(i, id)| by_site.get(&format!("Crash site {i}")) != Some(&vec![(*id).clone()]))
        .count();
    eprintln!(
        "writes={WRITES} acknowledged_before_kill={} in_flight_at_kill={in_flight} retried={} replayed={replayed} ran={ran} lines={} lost={lost} duplicated={duplicated}",
        acknowledged.len(),
        unanswered.len(),
        lines.len()
    );
    assert_eq!(lost, 0, "acknowledged writes are all there");
    assert_eq!(duplicated, 0, "no key has two lines");
    assert_eq!(lines.len(), WRITES, "one line per key");
    for (i, id) in &final_ids {
        assert_eq!(
            by_site.get(&format!("Crash site {i}")),
            Some(&vec![id.clone()]),
            "key {i}: its answer names its line"
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
