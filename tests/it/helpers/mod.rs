//! Test harness: the real application on port 0 against a real PostgreSQL database of
//! its own, cloned from a migrated template.
//!
//! Email goes to a real SMTP listener ([`smtp::SmtpSink`]) when a test asks for one.
//! Background jobs run when a test says so ([`TestApp::run_jobs_until_idle`]).
//!
//! The admin connection comes from `COPROCURE_TEST_DATABASE_URL` when set; otherwise a
//! private cluster is started once per test run from the installed server binaries (the
//! same discovery as `cargo run`) in a temporary directory, and stops with the process.

pub mod http_sink;
pub mod language;
pub mod smtp;
pub mod visitor;
pub mod world;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use coprocure::auth::service::{create_user, CreateUser};
use coprocure::auth::{Locale, Role};
use coprocure::background::{Background, Runner};
use coprocure::clock::{Clock, OffsetClock};
use coprocure::config::Settings;
use coprocure::context::Ctx;
use coprocure::db::local::{LocalOptions, LocalPostgres};
use coprocure::startup::Application;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The HS256 secret of every test app (tests forge tokens with it).
pub const JWT_SECRET: &str = "integration-tests-secret-0123456789abcdef";
/// A password that satisfies the policy.
pub const PASSWORD: &str = "copper-cathode-2026";

/// Logs `email` in with [`PASSWORD`] and returns the access token.
pub async fn token(app: &TestApp, email: &str) -> String {
    app.login(email, PASSWORD).await["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

/// POSTs and asserts 201 with a `Location`; returns the body.
pub async fn created(
    app: &TestApp,
    path: &str,
    tok: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let r = app.post(path, Some(tok), &body).await;
    assert_eq!(r.status, 201, "POST {path}: {}", r.text);
    assert!(r.header("location").is_some(), "POST {path}: no Location");
    r.json
}

struct Shared {
    admin_url: String,
    template: String,
    _cluster: Option<LocalPostgres>,
}

static SHARED: OnceLock<Shared> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

fn shared() -> &'static Shared {
    SHARED.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(init())
        })
        .join()
        .expect("test database setup failed")
    })
}

/// Replaces the database name of a PostgreSQL URL.
pub fn with_database(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("admin URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

async fn init() -> Shared {
    let (admin_url, cluster) = match std::env::var("COPROCURE_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(url) => (url, None),
        None => {
            remove_stale_clusters();
            let root =
                std::env::temp_dir().join(format!("coprocure-test-pg-{}", std::process::id()));
            let cluster = LocalPostgres::start(LocalOptions {
                data_dir: root.join("data"),
                database: "postgres".into(),
                ephemeral: true,
            })
            .await
            .expect("cannot start a private PostgreSQL for the tests");
            (cluster.admin_url(), Some(cluster))
        }
    };
    let mut admin = AsyncPgConnection::establish(&admin_url)
        .await
        .expect("admin connection");
    drop_stale_databases(&mut admin).await;
    let template = ensure_template(&admin_url, &mut admin).await;
    Shared {
        admin_url,
        template,
        _cluster: cluster,
    }
}

fn pid_alive(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Private clusters of earlier runs whose process is gone.
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name
            .strip_prefix("coprocure-test-pg-")
            .and_then(|p| p.parse::<i32>().ok())
        {
            if !pid_alive(pid) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

/// Test databases left by runs that crashed (their pid is in the name).
async fn drop_stale_databases(admin: &mut AsyncPgConnection) {
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'coprocure_test_%'")
            .load(admin)
            .await
            .unwrap_or_default();
    for n in names {
        let pid = n
            .datname
            .split('_')
            .nth(2)
            .and_then(|p| p.parse::<i32>().ok());
        if pid.is_some_and(|p| !pid_alive(p)) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                n.datname
            ))
            .execute(admin)
            .await;
        }
    }
}

fn migrations_fingerprint() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("migrations dir").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.strip_prefix(&root).unwrap().to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap());
    }
    hex::encode(&h.finalize()[..6])
}

async fn database_exists(admin: &mut AsyncPgConnection, name: &str) -> bool {
    let rows: Vec<Name> = diesel::sql_query(format!(
        "SELECT datname FROM pg_database WHERE datname = '{name}'"
    ))
    .load(admin)
    .await
    .unwrap();
    !rows.is_empty()
}

/// A migrated template database named after the migrations' content (reused across runs
/// until a migration changes).
async fn ensure_template(admin_url: &str, admin: &mut AsyncPgConnection) -> String {
    let template = format!("coprocure_tpl_{}", migrations_fingerprint());
    if database_exists(admin, &template).await {
        return template;
    }
    let building = format!("{template}_b{}", std::process::id());
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{building}\""))
        .execute(admin)
        .await
        .unwrap();
    diesel::sql_query(format!("CREATE DATABASE \"{building}\""))
        .execute(admin)
        .await
        .unwrap();
    coprocure::db::run_migrations(&with_database(admin_url, &building))
        .await
        .expect("migrations");
    // Analysed and frozen now, and closed to connections once renamed: otherwise the
    // autovacuum of a fresh cluster visits the new template while the tests clone it, and
    // every `CREATE DATABASE … TEMPLATE` waits for it to leave (two seconds a test on the
    // private cluster of a clean machine, one test after another).
    {
        let mut conn = AsyncPgConnection::establish(&with_database(admin_url, &building))
            .await
            .expect("template connection");
        diesel::sql_query("VACUUM (FREEZE, ANALYZE)")
            .execute(&mut conn)
            .await
            .expect("vacuum the template");
    }
    wait_until_unused(admin, &building).await;
    let renamed = diesel::sql_query(format!(
        "ALTER DATABASE \"{building}\" RENAME TO \"{template}\""
    ))
    .execute(admin)
    .await;
    if renamed.is_ok() {
        diesel::sql_query(format!(
            "ALTER DATABASE \"{template}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
        ))
        .execute(admin)
        .await
        .expect("close the template to connections");
    }
    if renamed.is_err() {
        // Another run created it first.
        let _ = diesel::sql_query(format!(
            "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
        ))
        .execute(admin)
        .await;
    }
    template
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Waits (up to 5 s) until no backend is connected to database `name`.
async fn wait_until_unused(admin: &mut AsyncPgConnection, name: &str) {
    for _ in 0..50 {
        let c: Count =
            diesel::sql_query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1")
                .bind::<diesel::sql_types::Text, _>(name)
                .get_result(admin)
                .await
                .expect("pg_stat_activity");
        if c.n == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn create_database(name: &str) {
    let s = shared();
    let mut admin = AsyncPgConnection::establish(&s.admin_url)
        .await
        .expect("admin connection");
    for attempt in 0.. {
        match diesel::sql_query(format!(
            "CREATE DATABASE \"{name}\" TEMPLATE \"{}\"",
            s.template
        ))
        .execute(&mut admin)
        .await
        {
            Ok(_) => return,
            // The template's last connection can take a moment to go away.
            Err(e) if attempt < 50 && e.to_string().contains("being accessed by other users") => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("cannot create test database {name}: {e}"),
        }
    }
}

/// A fresh database cloned from the template; dropped with the value.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn new() -> Self {
        let name = format!(
            "coprocure_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        create_database(&name).await;
        let url = with_database(&shared().admin_url, &name);
        Self { name, url }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = shared().admin_url.clone();
        let name = self.name.clone();
        // Not joined: the test's runtime must keep running (and then shut down) while the
        // database is dropped. Blocked here, it froze any of the app's connections still in
        // their SCRAM handshake, and the server kept that backend — and `DROP DATABASE` with
        // it — until `authentication_timeout` (60 s). A database whose drop does not finish
        // before the process exits is dropped by the next run (its pid is in the name), or
        // goes with the private cluster.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut admin) = AsyncPgConnection::establish(&admin_url).await {
                    let _ = diesel::sql_query(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    ))
                    .execute(&mut admin)
                    .await;
                }
            })
        });
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text
        );
        assert_eq!(self.json["code"], code, "body: {}", self.text);
        assert_eq!(self.json["status"], status);
        assert!(
            self.json["title"].is_string()
                && self.json["detail"].is_string()
                && self.json["type"].is_string()
        );
    }
}

/// The application under test: the HTTP server on port 0, its database, and its background
/// jobs, which do not run by themselves.
///
/// - A test drives the jobs with [`TestApp::run_jobs_until_idle`] (every job's step, round
///   after round, until none has work): emails reach the SMTP sink, webhooks their
///   receiver, audit events their chain, before it returns.
/// - When the value is dropped it asserts that no outbox row (email or webhook) is still
///   `pending`, unless the test declared how many with [`TestApp::expect_pending`].
/// - [`TestApp::start_background`] starts the real loops instead (one end-to-end test).
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Arc<OffsetClock>,
    pub db: Arc<TestDatabase>,
    pub data_dir: std::path::PathBuf,
    /// This instance's background jobs.
    pub jobs: Runner,
    /// The instance's context (its caches can be inspected).
    pub ctx: Ctx,
    /// Work this instance's requests started after answering.
    detached: Arc<coprocure::state::Detached>,
    vars: HashMap<String, String>,
    handle: actix_web::dev::ServerHandle,
    background: Option<Background>,
    background_rt: Option<tokio::runtime::Runtime>,
    pending_emails: AtomicI64,
    pending_webhooks: AtomicI64,
}

impl TestApp {
    /// The app with default test settings.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// The app with extra environment-style settings (override the defaults).
    pub async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        let db = Arc::new(TestDatabase::new().await);
        let mut vars: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".into(), db.url.clone()),
            ("COPROCURE_LISTEN".into(), "127.0.0.1:0".into()),
            ("COPROCURE_JWT_SECRET".into(), JWT_SECRET.into()),
            ("COPROCURE_DB_POOL_SIZE".into(), "5".into()),
            ("COPROCURE_WORKERS".into(), "1".into()),
            ("COPROCURE_AUTH_RATE_PER_MINUTE".into(), "1000".into()),
            ("COPROCURE_FX_REFRESH_HOURS".into(), "0".into()),
            (
                "COPROCURE_MAIL_FROM".into(),
                "coprocure <no-reply@coprocure.test>".into(),
            ),
        ]);
        for (k, v) in extra {
            vars.insert((*k).into(), (*v).into());
        }
        Self::start(db, vars, Arc::new(OffsetClock::new())).await
    }

    /// A second instance of the application on the same database, with the same settings
    /// and the same clock (its own server, pool, jobs and data directory).
    pub async fn another_instance(&self) -> Self {
        Self::start(self.db.clone(), self.vars.clone(), self.clock.clone()).await
    }

    /// A second instance on the same database and clock, with extra settings over this one's.
    pub async fn spawn_sibling(&self, extra: &[(&str, &str)]) -> Self {
        let mut vars = self.vars.clone();
        for (k, v) in extra {
            vars.insert((*k).into(), (*v).into());
        }
        Self::start(self.db.clone(), vars, self.clock.clone()).await
    }

    async fn start(
        db: Arc<TestDatabase>,
        mut vars: HashMap<String, String>,
        clock: Arc<OffsetClock>,
    ) -> Self {
        let data_dir = std::env::temp_dir().join(format!(
            "coprocure-app-{}-{}",
            db.name,
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        vars.insert(
            "COPROCURE_DATA_DIR".into(),
            data_dir.to_string_lossy().into_owned(),
        );
        let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings");
        let pool = coprocure::db::build_pool(
            settings.database_url.as_deref().unwrap(),
            settings.db_pool_size,
            settings.db_acquire_timeout,
        )
        .unwrap();
        let ctx = Ctx::new(pool, settings, clock.clone());
        let jobs = Runner::from_settings(&ctx).expect("jobs");
        let app = Application::build(ctx.clone()).expect("build app");
        let detached = app.detached();
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            address,
            client,
            clock,
            db,
            data_dir,
            jobs,
            ctx,
            detached,
            vars,
            handle,
            background: None,
            background_rt: None,
            pending_emails: AtomicI64::new(0),
            pending_webhooks: AtomicI64::new(0),
        }
    }

    /// Waits for the work requests started after answering, then runs every background job's
    /// step until none has work (see [`Runner::run_until_idle`]);
    /// returns how many items they handled. Panics when a step fails.
    pub async fn run_jobs_until_idle(&self) -> usize {
        // What requests started after answering comes first (it may queue email).
        self.detached.settled().await;
        self.jobs
            .run_until_idle()
            .await
            .unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Declares that the test ends with exactly `emails` email and `webhooks` webhook rows
    /// still pending (retries scheduled for later); checked when the app is dropped.
    pub fn expect_pending(&self, emails: i64, webhooks: i64) {
        self.pending_emails.store(emails, Ordering::SeqCst);
        self.pending_webhooks.store(webhooks, Ordering::SeqCst);
    }

    /// Starts the real background loops. They get a runtime of their own: when a test ends,
    /// its runtime is blocked in `Drop` (dropping the database), and a task of that runtime
    /// caught half-way through a connection handshake would hold the DROP up for a minute.
    pub fn start_background(&mut self) {
        assert!(
            self.background.is_none(),
            "the background loops already run"
        );
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        self.background = Some({
            let _guard = rt.enter();
            self.jobs.clone().spawn()
        });
        self.background_rt = Some(rt);
    }

    /// Stops the background loops (waits for their current step).
    pub async fn stop_background(&mut self) {
        if let Some(b) = self.background.take() {
            b.stop().await;
        }
    }

    /// Creates a platform admin with a given locale.
    pub async fn create_admin_in(&self, email: &str, password: &str, locale: Locale) {
        let mut conn = self.conn().await;
        create_user(
            &mut conn,
            coprocure::audit::Actor::System,
            CreateUser {
                email: email.into(),
                name: "테스트 관리자".into(),
                password: password.into(),
                role: Role::PlatformAdmin,
                locale,
            },
            self.clock.now(),
        )
        .await
        .expect("create admin");
    }

    /// A direct connection to this app's database.
    pub async fn conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.db.url)
            .await
            .expect("db connection")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let res = req.send().await.expect("request failed");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    /// Creates a platform admin directly through the service layer.
    pub async fn create_admin(&self, email: &str, password: &str) {
        let mut conn = self.conn().await;
        create_user(
            &mut conn,
            coprocure::audit::Actor::System,
            CreateUser {
                email: email.into(),
                name: "Test Admin".into(),
                password: password.into(),
                role: Role::PlatformAdmin,
                locale: Locale::En,
            },
            self.clock.now(),
        )
        .await
        .expect("create admin");
    }

    /// Logs in and returns the token pair as JSON.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let r = self
            .post(
                "/api/v1/auth/login",
                None,
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(r.status, 200, "login failed: {}", r.text);
        r.json
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        drop(self.background.take());
        if let Some(rt) = self.background_rt.take() {
            rt.shutdown_background();
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move { handle.stop(false).await });
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if std::thread::panicking() {
            return;
        }
        let expected = (
            AtomicI64::load(&self.pending_emails, Ordering::SeqCst),
            AtomicI64::load(&self.pending_webhooks, Ordering::SeqCst),
        );
        let (emails, webhooks) = pending_outbox(&self.db.url);
        assert!(
            (emails.len() as i64, webhooks.len() as i64) == expected,
            "the test ended with {} emails and {} webhooks pending, expected {expected:?} \
             (run app.run_jobs_until_idle(), or declare app.expect_pending(emails, webhooks)): \
             {emails:?} {webhooks:?}",
            emails.len(),
            webhooks.len(),
        );
    }
}

/// (template, recipient) of an email, (event, url) of a webhook.
type Pending = Vec<(String, String)>;

/// The outbox rows still pending: emails, webhooks.
fn pending_outbox(url: &str) -> (Pending, Pending) {
    use coprocure::schema::{outbox_emails as oe, outbox_webhooks as ow};
    use diesel::{ExpressionMethods, QueryDsl};
    let url = url.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut conn = AsyncPgConnection::establish(&url)
                .await
                .expect("db connection");
            let emails = oe::table
                .filter(oe::status.eq("pending"))
                .select((oe::template, oe::recipient))
                .load(&mut conn)
                .await
                .expect("pending emails");
            let webhooks = ow::table
                .filter(ow::status.eq("pending"))
                .select((ow::event, ow::url))
                .load(&mut conn)
                .await
                .expect("pending webhooks");
            (emails, webhooks)
        })
    })
    .join()
    .expect("outbox check")
}
