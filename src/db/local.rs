//! The embedded default: a private PostgreSQL cluster started from the server binaries
//! installed on this machine, so that `cargo run` needs no configuration.
//!
//! - Binaries are found on `PATH`, then via `pg_config --bindir`, then in the newest
//!   `/usr/lib/postgresql/<version>/bin` ([`discover_bindir`]).
//! - `initdb` refuses to run as root, so when this process is root every server binary runs
//!   as the `postgres` OS user (through `setpriv`), and the data directory is owned by it.
//! - The server listens on a free loopback TCP port only (no unix socket: socket paths are
//!   length-limited), with a generated password (scram-sha-256) kept beside the data dir.
//! - A server already running on the same data directory (another instance) is reused; a
//!   stale `postmaster.pid` left by a crash is removed.
//! - The server runs in its own process group (a terminal's Ctrl-C reaches only us, so we
//!   finish requests before stopping it) and gets SIGINT if we die (`PR_SET_PDEATHSIG`), so
//!   no postgres process outlives the application.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::config::write_private_file;

/// Options for [`LocalPostgres::start`].
#[derive(Debug, Clone)]
pub struct LocalOptions {
    /// The cluster's data directory (created if missing).
    pub data_dir: PathBuf,
    /// Database to create and connect to.
    pub database: String,
    /// Trade durability for speed (tests): no fsync, no synchronous commit.
    pub ephemeral: bool,
}

/// A running private cluster. Dropping it does not stop the server; call [`LocalPostgres::stop`].
#[derive(Debug)]
pub struct LocalPostgres {
    /// Connection URL for `database`, with the generated password.
    pub url: String,
    /// TCP port on 127.0.0.1.
    pub port: u16,
    /// Whether this process started the server (and so stops it).
    owned: Option<Owned>,
    /// What it was started with (for [`LocalPostgres::start_again`]).
    opts: LocalOptions,
}

#[derive(Debug)]
struct Owned {
    pid: i32,
    exited: Mutex<mpsc::Receiver<()>>,
}

impl Owned {
    fn exited_within(&self, wait: Duration) -> bool {
        let rx = self.exited.lock().unwrap_or_else(|p| p.into_inner());
        if wait.is_zero() {
            rx.try_recv().is_ok()
        } else {
            rx.recv_timeout(wait).is_ok()
        }
    }
}

/// How a command is run: directly, or as the `postgres` user when we are root.
#[derive(Debug, Clone)]
struct Runner {
    bindir: PathBuf,
    as_postgres: Option<(u32, u32)>,
}

impl Runner {
    fn command(&self, program: &str) -> Command {
        let exe = self.bindir.join(program);
        match self.as_postgres {
            None => Command::new(exe),
            Some((uid, gid)) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={gid}"))
                    .arg("--init-groups")
                    .arg("--pdeathsig=INT")
                    .arg("--")
                    .arg(exe);
                c
            }
        }
    }

    fn chown(&self, path: &Path) -> anyhow::Result<()> {
        if let Some((uid, gid)) = self.as_postgres {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .with_context(|| format!("cannot hand {} to the postgres user", path.display()))?;
        }
        Ok(())
    }
}

const INSTALL_HINT: &str =
    "no PostgreSQL server binaries (initdb, postgres) were found on PATH, via pg_config, \
or under /usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: `apt install postgresql`; \
Fedora: `dnf install postgresql-server`; macOS: `brew install postgresql@16`) or set DATABASE_URL \
to an existing PostgreSQL database";

/// Finds a directory holding both `initdb` and `postgres`: first on `path_var`, then
/// `pg_config_bindir`, then the highest-numbered `<lib_root>/<version>/bin`.
pub fn discover_bindir(
    path_var: Option<&OsStr>,
    pg_config_bindir: Option<PathBuf>,
    lib_root: &Path,
) -> Option<PathBuf> {
    let complete =
        |dir: &Path| is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres"));
    if let Some(path_var) = path_var {
        for dir in std::env::split_paths(path_var) {
            if complete(&dir) {
                return Some(dir);
            }
        }
    }
    if let Some(dir) = pg_config_bindir {
        if complete(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(lib_root)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let key: Option<Vec<u32>> = name.split('.').map(|p| p.parse().ok()).collect();
            key.map(|k| (k, e.path().join("bin")))
        })
        .filter(|(_, bin)| complete(bin))
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn pg_config_bindir() -> Option<PathBuf> {
    let out = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    Some(PathBuf::from(s.trim()))
}

fn postgres_user_ids() -> anyhow::Result<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    for line in passwd.lines() {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() > 3 && f[0] == "postgres" {
            return Ok((f[2].parse()?, f[3].parse()?));
        }
    }
    bail!("running as root, but there is no `postgres` OS user to run the database server as (initdb refuses root); create one (`useradd -r postgres`), run as an ordinary user, or set DATABASE_URL")
}

fn free_port() -> anyhow::Result<u16> {
    let l =
        std::net::TcpListener::bind("127.0.0.1:0").context("cannot find a free loopback port")?;
    Ok(l.local_addr()?.port())
}

fn pid_alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks for existence and permission.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Reads `postmaster.pid` and returns (pid, port) when it names a live postgres process.
fn running_postmaster(data_dir: &Path) -> Option<(i32, u16)> {
    let text = std::fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    let mut lines = text.lines();
    let pid: i32 = lines.next()?.trim().parse().ok()?;
    let port: u16 = lines.nth(2)?.trim().parse().ok()?;
    if !pid_alive(pid) {
        return None;
    }
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmdline = String::from_utf8_lossy(&cmdline);
    cmdline.contains("postgres").then_some((pid, port))
}

impl LocalPostgres {
    /// Starts (or reuses) the cluster in `opts.data_dir` and makes sure `opts.database` exists.
    pub async fn start(opts: LocalOptions) -> anyhow::Result<Self> {
        Self::start_on(opts, None).await
    }

    /// Starts a stopped cluster again on the same port with the same data, so that clients
    /// configured with [`LocalPostgres::url`] reconnect (fault tests: a database restart
    /// under load). A server that still runs is reused, as by [`LocalPostgres::start`].
    pub async fn start_again(&mut self) -> anyhow::Result<()> {
        let again = Self::start_on(self.opts.clone(), Some(self.port)).await?;
        *self = again;
        Ok(())
    }

    async fn start_on(opts: LocalOptions, fixed_port: Option<u16>) -> anyhow::Result<Self> {
        let bindir = discover_bindir(
            std::env::var_os("PATH").as_deref(),
            pg_config_bindir(),
            Path::new("/usr/lib/postgresql"),
        )
        .ok_or_else(|| anyhow!(INSTALL_HINT))?;
        // SAFETY: geteuid has no preconditions.
        let is_root = unsafe { libc::geteuid() } == 0;
        let runner = Runner {
            bindir,
            as_postgres: if is_root {
                Some(postgres_user_ids()?)
            } else {
                None
            },
        };
        let data_dir = absolute(&opts.data_dir)?;
        let pw_path = data_dir.with_extension("password");

        if !data_dir.join("PG_VERSION").exists() {
            init_cluster(&runner, &data_dir, &pw_path)?;
        }
        let password = std::fs::read_to_string(&pw_path)
            .with_context(|| format!("cannot read the cluster password {}", pw_path.display()))?
            .trim()
            .to_owned();

        let (port, owned) = match running_postmaster(&data_dir) {
            Some((pid, port)) => {
                tracing::info!(pid, port, data_dir = %data_dir.display(), "reusing the running embedded PostgreSQL");
                (port, None)
            }
            None => {
                let stale = data_dir.join("postmaster.pid");
                if stale.exists() {
                    tracing::warn!(path = %stale.display(), "removing a stale postmaster.pid left by a crash");
                    std::fs::remove_file(&stale).ok();
                }
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let port = match fixed_port {
                        Some(p) => p,
                        None => free_port()?,
                    };
                    match spawn_server(&runner, &data_dir, port, opts.ephemeral) {
                        Ok(owned) => match wait_ready(port, &password, &owned, &data_dir).await {
                            Ok(()) => break (port, Some(owned)),
                            Err(e) if attempt < 3 && fixed_port.is_none() => {
                                tracing::warn!(error = %e, "embedded PostgreSQL did not start; retrying on another port");
                                stop_owned(&owned);
                            }
                            Err(e) => return Err(e),
                        },
                        Err(e) => return Err(e),
                    }
                }
            }
        };

        let admin_url = format!("postgres://postgres:{password}@127.0.0.1:{port}/postgres");
        let mut admin = AsyncPgConnection::establish(&admin_url).await?;
        let exists: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
            "(SELECT count(*) FROM pg_database WHERE datname = '{}')",
            opts.database.replace('\'', "''")
        )))
        .get_result(&mut admin)
        .await?;
        if exists == 0 {
            diesel::sql_query(format!(
                "CREATE DATABASE \"{}\"",
                opts.database.replace('"', "")
            ))
            .execute(&mut admin)
            .await?;
        }
        Ok(Self {
            url: format!(
                "postgres://postgres:{password}@127.0.0.1:{port}/{}",
                opts.database
            ),
            port,
            owned,
            opts,
        })
    }

    /// The admin URL (database `postgres`) of this cluster.
    pub fn admin_url(&self) -> String {
        match self.url.rfind('/') {
            Some(i) => format!("{}/postgres", &self.url[..i]),
            None => self.url.clone(),
        }
    }

    /// Stops the server if this process started it (fast shutdown: open sessions are
    /// disconnected, committed data is safe), waiting up to 30 s.
    pub fn stop(&mut self) {
        if let Some(owned) = self.owned.take() {
            stop_owned(&owned);
        }
    }
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}

fn init_cluster(runner: &Runner, data_dir: &Path, pw_path: &Path) -> anyhow::Result<()> {
    tracing::info!(data_dir = %data_dir.display(), "creating the embedded PostgreSQL cluster");
    if let Some(parent) = data_dir.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    if data_dir.exists() {
        // An interrupted initdb leaves a partial directory without PG_VERSION.
        std::fs::remove_dir_all(data_dir)
            .with_context(|| format!("cannot clear {}", data_dir.display()))?;
    }
    std::fs::create_dir(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    std::fs::set_permissions(
        data_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )?;
    runner.chown(data_dir)?;

    let mut raw = [0u8; 24];
    getrandom::fill(&mut raw).map_err(|e| anyhow!("no OS randomness: {e}"))?;
    write_private_file(pw_path, hex::encode(raw).as_bytes())?;
    runner.chown(pw_path)?;

    let out = runner
        .command("initdb")
        .arg("-D")
        .arg(data_dir)
        .args([
            "-U",
            "postgres",
            "-A",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-instructions",
        ])
        .arg(format!("--pwfile={}", pw_path.display()))
        .stdin(Stdio::null())
        .output()
        .context("cannot run initdb")?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        std::fs::remove_dir_all(data_dir).ok();
        bail!(
            "initdb failed for {}: {}{}",
            data_dir.display(),
            msg.trim(),
            if runner.as_postgres.is_some() {
                " (as root the server runs as the `postgres` user, which must be able to reach this directory)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

fn spawn_server(
    runner: &Runner,
    data_dir: &Path,
    port: u16,
    ephemeral: bool,
) -> anyhow::Result<Owned> {
    let log_path = data_dir.with_extension("log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let mut cmd = runner.command("postgres");
    cmd.arg("-D")
        .arg(data_dir)
        .args(["-p", &port.to_string()])
        .args(["-c", "listen_addresses=127.0.0.1"])
        .args(["-c", "unix_socket_directories="])
        .args(["-c", "max_connections=200"]);
    if ephemeral {
        cmd.args([
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ]);
    }
    cmd.stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0);
    if runner.as_postgres.is_none() {
        // SAFETY: prctl is async-signal-safe; it only sets this child's parent-death signal.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }

    // The parent-death signal fires when the *thread* that forked the child ends, so the
    // child is spawned and reaped by a thread that lives exactly as long as the server.
    let (started_tx, started_rx) = mpsc::channel();
    let (exited_tx, exited_rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("embedded-postgres".into())
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = started_tx.send(Ok(child.id() as i32));
                let _ = child.wait();
                let _ = exited_tx.send(());
            }
            Err(e) => {
                let _ = started_tx.send(Err(e));
            }
        })?;
    let pid = started_rx
        .recv()
        .map_err(|_| anyhow!("the postgres supervisor thread died"))?
        .context("cannot start postgres")?;
    Ok(Owned {
        pid,
        exited: Mutex::new(exited_rx),
    })
}

async fn wait_ready(
    port: u16,
    password: &str,
    owned: &Owned,
    data_dir: &Path,
) -> anyhow::Result<()> {
    let url = format!("postgres://postgres:{password}@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if owned.exited_within(Duration::ZERO) {
            bail!("postgres exited during start-up: {}", log_tail(data_dir));
        }
        if AsyncPgConnection::establish(&url).await.is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "postgres did not accept connections within 60 s: {}",
                log_tail(data_dir)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn log_tail(data_dir: &Path) -> String {
    let mut s = String::new();
    if let Ok(mut f) = std::fs::File::open(data_dir.with_extension("log")) {
        let _ = f.read_to_string(&mut s);
    }
    let lines: Vec<&str> = s.lines().rev().take(5).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
}

fn stop_owned(owned: &Owned) {
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(owned.pid, libc::SIGINT) };
    if !owned.exited_within(Duration::from_secs(30)) {
        tracing::warn!(
            pid = owned.pid,
            "postgres did not stop within 30 s; sending SIGQUIT"
        );
        // SAFETY: as above.
        unsafe { libc::kill(owned.pid, libc::SIGQUIT) };
        let _ = owned.exited_within(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn fake_bindir(root: &Path, rel: &str, programs: &[&str]) -> PathBuf {
        let dir = root.join(rel);
        std::fs::create_dir_all(&dir).unwrap();
        for p in programs {
            let f = dir.join(p);
            std::fs::write(&f, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        dir
    }

    fn tmp() -> PathBuf {
        let d = std::env::temp_dir().join(format!("coprocure-disc-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn path_wins_over_everything() {
        let root = tmp();
        let on_path = fake_bindir(&root, "path", &["initdb", "postgres"]);
        let cfg = fake_bindir(&root, "cfg", &["initdb", "postgres"]);
        fake_bindir(&root, "lib/16/bin", &["initdb", "postgres"]);
        let path_var = std::env::join_paths([root.join("nothing"), on_path.clone()]).unwrap();
        assert_eq!(
            discover_bindir(Some(&path_var), Some(cfg), &root.join("lib")),
            Some(on_path)
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn pg_config_is_second() {
        let root = tmp();
        let half = fake_bindir(&root, "half", &["initdb"]); // no postgres: incomplete
        let cfg = fake_bindir(&root, "cfg", &["initdb", "postgres"]);
        fake_bindir(&root, "lib/16/bin", &["initdb", "postgres"]);
        let path_var = std::env::join_paths([half]).unwrap();
        assert_eq!(
            discover_bindir(Some(&path_var), Some(cfg.clone()), &root.join("lib")),
            Some(cfg)
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn newest_versioned_directory_is_last_resort() {
        let root = tmp();
        fake_bindir(&root, "lib/9.6/bin", &["initdb", "postgres"]);
        fake_bindir(&root, "lib/15/bin", &["initdb", "postgres"]);
        let newest = fake_bindir(&root, "lib/16/bin", &["initdb", "postgres"]);
        fake_bindir(&root, "lib/17/bin", &["initdb"]); // incomplete: skipped
        fake_bindir(&root, "lib/common/bin", &["initdb", "postgres"]); // not a version
        assert_eq!(discover_bindir(None, None, &root.join("lib")), Some(newest));
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn non_executables_do_not_count_and_nothing_found_is_none() {
        let root = tmp();
        let dir = root.join("plain");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("initdb"), "").unwrap();
        std::fs::write(dir.join("postgres"), "").unwrap();
        let path_var = std::env::join_paths([dir]).unwrap();
        assert_eq!(
            discover_bindir(Some(&path_var), None, &root.join("missing")),
            None
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn install_hint_names_the_remedies() {
        assert!(INSTALL_HINT.contains("DATABASE_URL"));
        assert!(INSTALL_HINT.contains("apt install postgresql"));
    }
}
