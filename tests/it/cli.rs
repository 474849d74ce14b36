//! The `coprocure` binary: configuration errors, `user create`, and the embedded default
//! (`serve` with nothing configured starts, serves, and leaves no postgres behind).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{TestApp, PASSWORD};

fn coprocure(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coprocure"));
    c.current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("COPROCURE_JWT_SECRET")
        .env_remove("COPROCURE_LISTEN")
        .env_remove("COPROCURE_DATA_DIR")
        .env("RUST_LOG", "warn");
    c
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("coprocure-{tag}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn invalid_configuration_exits_2_with_one_line_naming_the_variable() {
    let dir = temp_dir("cfg");
    for (var, value) in [
        ("COPROCURE_JWT_SECRET", "short"),
        ("COPROCURE_LISTEN", "nowhere"),
        ("DATABASE_URL", "mysql://x/y"),
    ] {
        let out = coprocure(&dir)
            .env(var, value)
            .arg("migrate")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(var), "{stderr}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn user_create_makes_a_platform_admin_who_can_log_in() {
    let app = TestApp::spawn().await;
    let dir = temp_dir("user");
    let run = |email: &str, password: &str| {
        let mut child = coprocure(&dir)
            .env("DATABASE_URL", &app.db.url)
            .args([
                "user",
                "create",
                "--role",
                "platform_admin",
                "--email",
                email,
                "--name",
                "Operator",
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run("ops@coprocure.kr", PASSWORD);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("platform_admin ops@coprocure.kr"));
    let pair = app.login("ops@coprocure.kr", PASSWORD).await;
    let me = app.get("/api/v1/me", pair["access_token"].as_str()).await;
    assert_eq!(me.json["role"], "platform_admin");

    let dup = run("OPS@coprocure.kr", PASSWORD);
    assert_eq!(dup.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let weak = run("weak@coprocure.kr", "password1");
    assert_eq!(weak.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("common"));
    let bad_role = coprocure(&dir)
        .args([
            "user",
            "create",
            "--role",
            "emperor",
            "--email",
            "a@b.co",
            "--name",
            "x",
            "--password-stdin",
        ])
        .output()
        .unwrap();
    assert_eq!(bad_role.status.code(), Some(2), "clap usage error");
    std::fs::remove_dir_all(dir).unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn postgres_processes_for(data_dir: &Path) -> Vec<i32> {
    let needle = data_dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(&needle))
                .unwrap_or(false)
        })
        .collect()
}

async fn wait_ready(port: u16, child: &mut Child) {
    coprocure::tls::install();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("coprocure exited early: {status}");
        }
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
        {
            if r.status() == 200 {
                return;
            }
        }
        assert!(Instant::now() < deadline, "not ready within 90 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, sig) };
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        assert!(Instant::now() < deadline, "did not exit within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn wait_no_postgres(data_dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !postgres_processes_for(data_dir).is_empty() {
        assert!(
            Instant::now() < deadline,
            "postgres still running: {:?}",
            postgres_processes_for(data_dir)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn serve_with_nothing_configured_runs_its_own_postgres_and_cleans_up() {
    let dir = temp_dir("serve");
    let data_dir = dir.join("var");
    let port = free_port();
    let start = || {
        coprocure(&dir)
            .env("COPROCURE_LISTEN", format!("127.0.0.1:{port}"))
            .env("COPROCURE_DATA_DIR", &data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };

    // First run: creates the cluster and a JWT secret; Ctrl-C (SIGINT) stops everything.
    let mut child = start();
    wait_ready(port, &mut child).await;
    assert!(!postgres_processes_for(&data_dir.join("postgres")).is_empty());
    let secret = std::fs::read_to_string(data_dir.join("jwt-secret")).unwrap();
    assert!(secret.trim().len() >= 32);
    signal(&child, libc::SIGINT);
    assert!(wait_exit(&mut child, Duration::from_secs(40)).success());
    wait_no_postgres(&data_dir.join("postgres")).await;

    // Second run reuses the cluster and the secret; a crash (SIGKILL) still takes the
    // server down with it (parent-death signal), leaving a stale postmaster.pid at most.
    let mut child = start();
    wait_ready(port, &mut child).await;
    assert_eq!(
        std::fs::read_to_string(data_dir.join("jwt-secret")).unwrap(),
        secret
    );
    signal(&child, libc::SIGKILL);
    let _ = wait_exit(&mut child, Duration::from_secs(10));
    wait_no_postgres(&data_dir.join("postgres")).await;

    // Third run starts cleanly after the crash; SIGTERM stops it gracefully.
    let mut child = start();
    wait_ready(port, &mut child).await;
    coprocure::tls::install();
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&json!({"email": "nobody@coop.kr", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "the API answers against the embedded database"
    );
    signal(&child, libc::SIGTERM);
    assert!(wait_exit(&mut child, Duration::from_secs(40)).success());
    wait_no_postgres(&data_dir.join("postgres")).await;
    std::fs::remove_dir_all(dir).unwrap();
}
