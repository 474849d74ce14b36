//! Real Chromium for the portal tests, driven over W3C WebDriver (fantoccini) through
//! Debian's `chromedriver`, which is built from the same source as `chromium`, so the two
//! never drift apart.
//!
//! - One `chromedriver` per test process, started on a free port by the first browser test
//!   from a thread that lives as long as the process; the driver is killed when the
//!   process exits (`PR_SET_PDEATHSIG`).
//! - At most two browsers at once ([`SLOTS`]): each Chromium takes a few hundred MB and the
//!   machine has two cores.
//! - Each [`with_browser`] run gets a fresh profile (`--user-data-dir`), closes its session
//!   even when the test panics, and then saves a screenshot to
//!   `target/portal-screenshots/<name>-failed.png`.
//! - axe-core 4.14.1 (`axe.min.js`, vendored from `npm pack axe-core@4.14.1`, MPL-2.0, see
//!   `axe.LICENSE`) is injected with WebDriver's execute and run with execute_async on the
//!   WCAG 2.0/2.1 A and AA rules ([`assert_accessible`]).
//!
//! Without `chromedriver` on `PATH` a browser test prints how to install it and passes —
//! unless the environment variable `CI` is set, where it fails: CI never skips them.

use crate::helpers::TestApp;
use std::future::Future;
use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

/// The install line printed when the browser is missing.
pub const INSTALL: &str = "apt-get install chromium chromium-driver fonts-noto-cjk";

const AXE: &str = include_str!("axe.min.js");

/// Concurrent browsers.
static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(2));

static DRIVER: OnceLock<Option<u16>> = OnceLock::new();

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
}

fn chromium_binary() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| find_on_path("chromium"))
}

/// Starts chromedriver once; its port, or `None` when chromedriver or chromium is missing.
fn driver() -> Option<u16> {
    *DRIVER.get_or_init(|| {
        let exe = find_on_path("chromedriver")?;
        chromium_binary()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let (tx, rx) = std::sync::mpsc::channel();
        // The child dies with the thread that spawned it (PR_SET_PDEATHSIG): this thread
        // parks for the rest of the process.
        std::thread::spawn(move || {
            use std::os::unix::process::CommandExt;
            let mut cmd = std::process::Command::new(exe);
            cmd.arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            let child = cmd.spawn();
            let ok = child.is_ok();
            let _ = tx.send(ok);
            let _child = child;
            loop {
                std::thread::park();
            }
        });
        if !rx.recv().ok()? {
            return None;
        }
        // Ready when it accepts connections.
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(port)
    })
}

/// The viewport of a session.
#[derive(Debug, Clone, Copy)]
pub enum Viewport {
    /// 1280 × 900.
    Desktop,
    /// A phone: 390 × 844 CSS pixels (mobile emulation, device pixel ratio 2).
    Phone,
}

fn capabilities(profile: &Path, viewport: Viewport) -> serde_json::Map<String, Value> {
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--lang=ko-KR".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    // A Korean browser: the portal's language then comes from Accept-Language.
    let mut options = json!({
        "binary": chromium_binary().map(|p| p.display().to_string()).unwrap_or_default(),
        "prefs": {"intl.accept_languages": "ko-KR,ko"},
    });
    match viewport {
        Viewport::Desktop => args.push("--window-size=1280,900".into()),
        Viewport::Phone => {
            options["mobileEmulation"] =
                json!({"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2.0}});
        }
    }
    options["args"] = json!(args);
    let caps = json!({"browserName": "chrome", "goog:chromeOptions": options});
    match caps {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// Where screenshots go.
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/portal-screenshots")
}

/// Saves a screenshot of the current page as `<name>.png`.
pub async fn screenshot(client: &Client, name: &str) -> PathBuf {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let path = dir.join(format!("{name}.png"));
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(&path, png).expect("write screenshot");
    path
}

/// Runs `body` with a fresh browser session, or reports how to install the browser (a
/// failure when `CI` is set). The session is closed however `body` ends; on a panic a
/// screenshot is saved first.
pub async fn with_browser<F, Fut>(name: &str, viewport: Viewport, body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(port) = driver() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "browser tests must run in CI, but chromedriver or chromium is missing: {INSTALL}"
        );
        eprintln!("SKIPPED browser test {name}: chromedriver or chromium is missing; install them with `{INSTALL}`");
        return;
    };
    let _slot = SLOTS.acquire().await.expect("semaphore open");
    let profile = std::env::temp_dir().join(format!(
        "coprocure-chromium-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities(&profile, viewport))
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a chromium session");
    let outcome = AssertUnwindSafe(body(client.clone())).catch_unwind().await;
    if outcome.is_err() {
        let path = screenshot(&client, &format!("{name}-failed")).await;
        eprintln!("screenshot of the failure: {}", path.display());
    }
    let _ = client.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Waits until the page shows an element matching `css`.
pub async fn wait_css(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
}

/// Types `text` into the field matching `css`.
pub async fn fill(client: &Client, css: &str, text: &str) {
    let el = wait_css(client, css).await;
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("type");
}

/// Clicks the element matching `css` and waits for the next page to load.
pub async fn click_and_wait(client: &Client, css: &str) {
    let old = client.find(Locator::Css("html")).await.expect("a document");
    wait_css(client, css).await.click().await.expect("click");
    // The old document goes stale once the next one replaced it.
    let deadline = Instant::now() + Duration::from_secs(15);
    while old.tag_name().await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "no navigation after clicking {css}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_css(client, "body").await;
}

/// The path (and query) of the current page.
pub async fn path(client: &Client) -> String {
    let u = client.current_url().await.expect("url");
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    }
}

/// The visible text of the page.
pub async fn text(client: &Client) -> String {
    wait_css(client, "body").await.text().await.expect("text")
}

/// One axe-core violation.
#[derive(Debug, serde::Deserialize)]
pub struct Violation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    pub nodes: Vec<String>,
}

/// Runs axe-core on the current page (WCAG 2.0/2.1 A and AA rules); all violations.
pub async fn axe(client: &Client) -> Vec<Violation> {
    let version = client
        .execute(&format!("{AXE}\n;return axe.version;"), vec![])
        .await
        .expect("inject axe-core");
    assert_eq!(version, json!("4.14.1"));
    let out = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => done(JSON.stringify(r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + n.failureSummary)})))))
  .catch(e => done('ERROR ' + e));"#,
            vec![],
        )
        .await
        .expect("run axe-core");
    let s = out.as_str().expect("axe answers text");
    assert!(!s.starts_with("ERROR"), "axe-core failed: {s}");
    serde_json::from_str(s).expect("axe violations")
}

/// Asserts that axe finds no serious or critical violation on the current page (printing
/// every violation it finds); returns how many minor and moderate ones it found.
pub async fn assert_accessible(client: &Client, what: &str) -> usize {
    let violations = axe(client).await;
    for v in &violations {
        eprintln!(
            "axe {what}: {} ({}) {}\n  {}",
            v.id,
            v.impact.as_deref().unwrap_or("?"),
            v.help,
            v.nodes.join("\n  ")
        );
    }
    let grave: Vec<&Violation> = violations
        .iter()
        .filter(|v| matches!(v.impact.as_deref(), Some("serious" | "critical")))
        .collect();
    assert!(
        grave.is_empty(),
        "{what}: {} serious or critical accessibility violation(s): {:?}",
        grave.len(),
        grave.iter().map(|v| &v.id).collect::<Vec<_>>()
    );
    violations.len()
}

/// Whether the page scrolls sideways (content wider than the viewport).
pub async fn scrolls_sideways(client: &Client) -> bool {
    client
        .execute(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .expect("measure")
        .as_bool()
        .unwrap_or(true)
}

/// Signs in through the sign-in form; asserts it left the sign-in page.
pub async fn sign_in(c: &Client, app: &TestApp, email: &str, password: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "#email", email).await;
    fill(c, "#password", password).await;
    click_and_wait(c, "#sign-in").await;
    assert_ne!(path(c).await, "/login", "signed in as {email}");
}

pub async fn sign_out(c: &Client) {
    click_and_wait(c, "#sign-out").await;
    assert_eq!(path(c).await, "/login?signed_out=1");
}

pub async fn switch_language(c: &Client) {
    click_and_wait(c, "#switch-language").await;
}

pub async fn lang(c: &Client) -> String {
    c.execute("return document.documentElement.lang;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// Pages of each viewer, checked with axe in the viewer's language, then in the other.
pub async fn check_pages(
    c: &Client,
    app: &TestApp,
    who: &str,
    pages: &[String],
    checked: &mut usize,
) {
    c.goto(&app.url(&pages[0])).await.unwrap();
    wait_css(c, "main").await;
    let first = lang(c).await;
    let second = if first == "ko" { "en" } else { "ko" };
    for round in 0..2 {
        for p in pages {
            c.goto(&app.url(p)).await.unwrap();
            wait_css(c, "main").await;
            let expected = if round == 0 { first.as_str() } else { second };
            assert_eq!(lang(c).await, expected, "{who} {p}");
            assert_accessible(c, &format!("{who} {p} ({expected})")).await;
            *checked += 1;
        }
        if round == 0 {
            switch_language(c).await;
        }
    }
}
