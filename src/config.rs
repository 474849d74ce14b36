//! Configuration, read once at start from the environment (a `.env` file in the working
//! directory is honoured; real environment variables win over it).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | unset | PostgreSQL URL. Unset: a private cluster is started under `$COPROCURE_DATA_DIR/postgres` from the installed server binaries. |
//! | `COPROCURE_DATA_DIR` | `./var` | Where the embedded cluster, the generated JWT secret and (later) `.eml` files live. |
//! | `COPROCURE_LISTEN` | `127.0.0.1:8080` | Address the HTTP server binds (`host:port`; port 0 picks a free one). |
//! | `COPROCURE_PUBLIC_URL` | `http://<listen>` | Absolute URL users reach the portal at; used in links sent by email. Its origin is what the portal's CSRF check accepts in `Origin`; `https://` makes the portal's cookies `Secure` with the `__Host-` prefix and adds HSTS. |
//! | `COPROCURE_JWT_SECRET` | generated | HS256 key for access tokens, at least 32 bytes. Unset: generated once and kept in `$COPROCURE_DATA_DIR/jwt-secret`. Every instance behind one load balancer needs the same value. |
//! | `COPROCURE_SMTP_URL` | unset | `smtp://host:port` (STARTTLS when offered), `smtps://…` (implicit TLS). Unset: emails are written as `.eml` files. |
//! | `COPROCURE_MAIL_FROM` | `coprocure <no-reply@localhost>` | `From:` of outgoing email. |
//! | `COPROCURE_FX_PROVIDER` | `ecb` | `ecb` (European Central Bank daily reference rates, EUR-based, cross rates derived) or `koreaexim` (Korea Eximbank exchange-rate API, KRW-based; needs `COPROCURE_FX_KEY`). |
//! | `COPROCURE_FX_URL` | the provider's | Feed URL (ECB: the `eurofxref-daily.xml` file; Korea Eximbank: the `exchangeJSON` endpoint). |
//! | `COPROCURE_FX_KEY` | unset | Korea Eximbank API key (`authkey`). |
//! | `COPROCURE_FX_REFRESH_HOURS` | `24` | How often the background job fetches the feed (once per period across all instances, periods aligned on 00:00 UTC); `0` turns it off (refresh on demand only). |
//! | `COPROCURE_FX_TIMEOUT_MS` | `10000` | Timeout of one feed request. |
//! | `COPROCURE_LOG_FORMAT` | `text` | `text` or `json` (one JSON object per line). |
//! | `COPROCURE_DB_POOL_SIZE` | `16` | Maximum PostgreSQL connections per instance (shared out: [`crate::db::share_out`]). |
//! | `COPROCURE_DB_ACQUIRE_TIMEOUT_MS` | `5000` | How long a request waits for a connection before answering 503. |
//! | `COPROCURE_AUTH_RATE_PER_MINUTE` | `60` | Requests per minute one client IP may make to `/api/v1/auth/*` (burst of the same size), counted in each instance's memory. Password guessing is throttled separately, in the database (`auth::throttle`). |
//! | `COPROCURE_WORKERS` | CPU count | HTTP worker threads. |
//! | `COPROCURE_TRUST_FORWARDED` | `0` | `1` behind a reverse proxy / load balancer: the client IP (per-IP limits, login throttling sources, session records) is taken from `Forwarded` / `X-Forwarded-For`. Never set it when clients reach the app directly. |
//! | `COPROCURE_ALLOW_LOOPBACK_WEBHOOKS` | `0` | `1` accepts `http://` loopback webhook URLs (tests, development). |
//! | `RUST_LOG` | `info` | Log filter (`tracing_subscriber::EnvFilter` syntax). |

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// An unusable configuration value: `var` names the variable, `message` says why.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var}: {message}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub var: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    fn new(var: &'static str, message: impl Into<String>) -> Self {
        Self {
            var,
            message: message.into(),
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Source of daily FX rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FxProvider {
    /// The European Central Bank's daily reference rates (XML, EUR-based).
    Ecb,
    /// The Korea Eximbank exchange-rate Open API (JSON, KRW-based).
    KoreaExim,
}

impl FxProvider {
    /// The name stored as a rate's `source`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ecb => "ecb",
            Self::KoreaExim => "koreaexim",
        }
    }

    /// The provider's published feed URL.
    pub fn default_url(self) -> &'static str {
        match self {
            Self::Ecb => "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml",
            Self::KoreaExim => "https://oapi.koreaexim.go.kr/site/program/financial/exchangeJSON",
        }
    }
}

/// Minimum length of an HS256 key (RFC 7518 §3.2: at least the hash size).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Largest accepted request body (1 MiB).
pub const BODY_LIMIT: usize = 1 << 20;

/// Every setting of the application, parsed and validated.
#[derive(Clone)]
pub struct Settings {
    /// PostgreSQL URL; `None` means "start the embedded cluster".
    pub database_url: Option<String>,
    /// Directory for local state (embedded cluster, generated secret, mail files).
    pub data_dir: PathBuf,
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// Public base URL of the portal, without a trailing slash.
    pub public_url: String,
    /// HS256 key for access tokens; `None` until resolved by [`Settings::resolve_jwt_secret`].
    pub jwt_secret: Option<Vec<u8>>,
    /// SMTP relay URL.
    pub smtp_url: Option<String>,
    /// `From:` header of outgoing email.
    pub mail_from: String,
    /// FX feed: provider, URL (`None`: the provider's published one) and API key.
    pub fx_provider: FxProvider,
    pub fx_url: Option<String>,
    pub fx_key: Option<String>,
    /// Period of the background refresh (`None`: off).
    pub fx_refresh: Option<Duration>,
    /// Timeout of one feed request.
    pub fx_timeout: Duration,
    /// Log output format.
    pub log_format: LogFormat,
    /// Maximum pool size.
    pub db_pool_size: usize,
    /// How long to wait for a pooled connection.
    pub db_acquire_timeout: Duration,
    /// Per-IP request budget per minute on `/auth/*`.
    pub auth_rate_per_minute: u32,
    /// HTTP worker threads (`None`: one per CPU).
    pub workers: Option<usize>,
    /// Accept loopback `http://` webhook URLs.
    pub allow_loopback_webhooks: bool,
    /// Take the client IP from forwarding headers (behind a trusted proxy).
    pub trust_forwarded: bool,
    /// OCID prefix registered with the Open Contracting Partnership (`ocds-` + 6 lower-case
    /// letters or digits); `None`: the OCDS export is refused.
    pub ocds_prefix: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("data_dir", &self.data_dir)
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from)
            .field("log_format", &self.log_format)
            .field("db_pool_size", &self.db_pool_size)
            .finish_non_exhaustive()
    }
}

/// Replaces the password of a URL with `***` so it can be logged.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<unparseable url>".to_owned(),
    }
}

impl Settings {
    /// Reads the process environment (after loading `.env`, if any).
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Parses settings from any key → value lookup; empty values count as unset. Variables
    /// are checked in a fixed order, so the first bad one is the one reported.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let database_url = var("DATABASE_URL").map(|u| parse_db_url(&u)).transpose()?;
        let data_dir = PathBuf::from(var("COPROCURE_DATA_DIR").unwrap_or_else(|| "./var".into()));
        let listen = parse_listen(var("COPROCURE_LISTEN"))?;
        let public_url = parse_public_url(var("COPROCURE_PUBLIC_URL"), listen)?;
        let jwt_secret = parse_jwt_secret(var("COPROCURE_JWT_SECRET"))?;
        let smtp_url = parse_smtp_url(var("COPROCURE_SMTP_URL"))?;
        let mail_from = parse_mail_from(var("COPROCURE_MAIL_FROM"))?;
        let fx_url = parse_fx_url(var("COPROCURE_FX_URL"))?;
        let fx_provider = parse_fx_provider(var("COPROCURE_FX_PROVIDER").as_deref())?;
        let fx_key = var("COPROCURE_FX_KEY").filter(|k| !k.trim().is_empty());
        if fx_provider == FxProvider::KoreaExim && fx_key.is_none() {
            return Err(ConfigError::new(
                "COPROCURE_FX_KEY",
                "the koreaexim provider needs an API key",
            ));
        }
        let refresh_hours = parse_num(&var, "COPROCURE_FX_REFRESH_HOURS", 24u64, 0, 24 * 7)?;
        let fx_refresh = (refresh_hours > 0).then(|| Duration::from_secs(refresh_hours * 3600));
        let fx_timeout = Duration::from_millis(parse_num(
            &var,
            "COPROCURE_FX_TIMEOUT_MS",
            10_000u64,
            100,
            60_000,
        )?);
        let log_format = parse_log_format(var("COPROCURE_LOG_FORMAT").as_deref())?;
        let db_pool_size = parse_num(&var, "COPROCURE_DB_POOL_SIZE", 16usize, 1, 1000)?;
        let acquire_ms = parse_num(
            &var,
            "COPROCURE_DB_ACQUIRE_TIMEOUT_MS",
            5000u64,
            100,
            600_000,
        )?;
        let auth_rate_per_minute =
            parse_num(&var, "COPROCURE_AUTH_RATE_PER_MINUTE", 60u32, 1, 1_000_000)?;
        let workers = match var("COPROCURE_WORKERS") {
            Some(_) => Some(parse_num(&var, "COPROCURE_WORKERS", 1usize, 1, 512)?),
            None => None,
        };
        let allow_loopback_webhooks = parse_flag(
            "COPROCURE_ALLOW_LOOPBACK_WEBHOOKS",
            var("COPROCURE_ALLOW_LOOPBACK_WEBHOOKS").as_deref(),
        )?;
        let trust_forwarded = parse_flag(
            "COPROCURE_TRUST_FORWARDED",
            var("COPROCURE_TRUST_FORWARDED").as_deref(),
        )?;
        let ocds_prefix = parse_ocds_prefix(var("COPROCURE_OCDS_PREFIX"))?;

        Ok(Self {
            ocds_prefix,
            trust_forwarded,
            allow_loopback_webhooks,
            database_url,
            data_dir,
            listen,
            public_url,
            jwt_secret,
            smtp_url,
            mail_from,
            fx_provider,
            fx_url,
            fx_key,
            fx_refresh,
            fx_timeout,
            log_format,
            db_pool_size,
            db_acquire_timeout: Duration::from_millis(acquire_ms),
            auth_rate_per_minute,
            workers,
        })
    }

    /// Returns the JWT secret, generating one under the data directory the first time when
    /// none is configured, and reusing it on later runs.
    pub fn resolve_jwt_secret(&mut self) -> anyhow::Result<Vec<u8>> {
        if let Some(s) = &self.jwt_secret {
            return Ok(s.clone());
        }
        let path = self.data_dir.join("jwt-secret");
        let secret = match std::fs::read_to_string(&path) {
            Ok(s) if s.trim().len() >= MIN_JWT_SECRET_BYTES => s.trim().as_bytes().to_vec(),
            Ok(_) => anyhow::bail!("{} holds a secret shorter than {MIN_JWT_SECRET_BYTES} bytes; delete it to regenerate", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.data_dir)?;
                let mut raw = [0u8; 48];
                getrandom::fill(&mut raw).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
                let s = hex::encode(raw);
                write_private_file(&path, s.as_bytes())?;
                tracing::info!(path = %path.display(), "generated a JWT secret (set COPROCURE_JWT_SECRET to share one between instances)");
                s.into_bytes()
            }
            Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        };
        self.jwt_secret = Some(secret.clone());
        Ok(secret)
    }
}

/// Writes a file readable only by its owner (mode 0600).
pub fn write_private_file(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

fn parse_db_url(raw: &str) -> Result<String, ConfigError> {
    let u = url::Url::parse(raw).map_err(|e| {
        ConfigError::new(
            "DATABASE_URL",
            format!("`{}` is not a URL ({e})", redact_url(raw)),
        )
    })?;
    if !matches!(u.scheme(), "postgres" | "postgresql") {
        return Err(ConfigError::new(
            "DATABASE_URL",
            "scheme must be postgres:// or postgresql://",
        ));
    }
    Ok(raw.to_owned())
}

/// `COPROCURE_LISTEN`: `host:port`, by default the loopback port 8080.
fn parse_listen(v: Option<String>) -> Result<SocketAddr, ConfigError> {
    match v {
        Some(v) => v.parse().map_err(|_| {
            ConfigError::new(
                "COPROCURE_LISTEN",
                format!("`{v}` is not host:port, e.g. 127.0.0.1:8080"),
            )
        }),
        None => Ok(SocketAddr::from(([127, 0, 0, 1], 8080))),
    }
}

/// `COPROCURE_PUBLIC_URL`: an absolute http(s) URL without its trailing slash, by default
/// the listening address.
fn parse_public_url(v: Option<String>, listen: SocketAddr) -> Result<String, ConfigError> {
    let Some(v) = v else {
        return Ok(format!("http://{listen}"));
    };
    let u = url::Url::parse(&v).map_err(|e| {
        ConfigError::new(
            "COPROCURE_PUBLIC_URL",
            format!("`{v}` is not an absolute URL ({e})"),
        )
    })?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(ConfigError::new(
            "COPROCURE_PUBLIC_URL",
            "must be an http:// or https:// URL",
        ));
    }
    Ok(v.trim_end_matches('/').to_owned())
}

/// `COPROCURE_JWT_SECRET`: long enough for HS256, or unset (generated later).
fn parse_jwt_secret(v: Option<String>) -> Result<Option<Vec<u8>>, ConfigError> {
    match v {
        Some(s) if s.len() < MIN_JWT_SECRET_BYTES => Err(ConfigError::new(
            "COPROCURE_JWT_SECRET",
            format!(
                "must be at least {MIN_JWT_SECRET_BYTES} bytes, got {}",
                s.len()
            ),
        )),
        Some(s) => Ok(Some(s.into_bytes())),
        None => Ok(None),
    }
}

/// `COPROCURE_SMTP_URL`: `smtp://` or `smtps://` (its password never echoed), or unset.
fn parse_smtp_url(v: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(v) = v else {
        return Ok(None);
    };
    let u = url::Url::parse(&v).map_err(|e| {
        ConfigError::new(
            "COPROCURE_SMTP_URL",
            format!("`{}` is not a URL ({e})", redact_url(&v)),
        )
    })?;
    if !matches!(u.scheme(), "smtp" | "smtps") {
        return Err(ConfigError::new(
            "COPROCURE_SMTP_URL",
            "scheme must be smtp:// or smtps://",
        ));
    }
    Ok(Some(v))
}

/// `COPROCURE_MAIL_FROM`: anything with an `@`, by default the local no-reply address.
fn parse_mail_from(v: Option<String>) -> Result<String, ConfigError> {
    let mail_from = v.unwrap_or_else(|| "coprocure <no-reply@localhost>".into());
    if !mail_from.contains('@') {
        return Err(ConfigError::new(
            "COPROCURE_MAIL_FROM",
            format!("`{mail_from}` is not an email address"),
        ));
    }
    Ok(mail_from)
}

/// `COPROCURE_FX_URL`: any URL, or unset (the provider's own).
fn parse_fx_url(v: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(v) = v else {
        return Ok(None);
    };
    url::Url::parse(&v)
        .map_err(|e| ConfigError::new("COPROCURE_FX_URL", format!("`{v}` is not a URL ({e})")))?;
    Ok(Some(v))
}

/// `COPROCURE_FX_PROVIDER`: `ecb` (the default) or `koreaexim`.
fn parse_fx_provider(v: Option<&str>) -> Result<FxProvider, ConfigError> {
    match v {
        None | Some("ecb") => Ok(FxProvider::Ecb),
        Some("koreaexim") => Ok(FxProvider::KoreaExim),
        Some(other) => Err(ConfigError::new(
            "COPROCURE_FX_PROVIDER",
            format!("`{other}` is not `ecb` or `koreaexim`"),
        )),
    }
}

/// `COPROCURE_LOG_FORMAT`: `text` (the default) or `json`.
fn parse_log_format(v: Option<&str>) -> Result<LogFormat, ConfigError> {
    match v {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(other) => Err(ConfigError::new(
            "COPROCURE_LOG_FORMAT",
            format!("`{other}` is not `text` or `json`"),
        )),
    }
}

/// An on/off variable: `1`/`true` or `0`/`false`, off when unset.
fn parse_flag(name: &'static str, v: Option<&str>) -> Result<bool, ConfigError> {
    match v {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(ConfigError::new(name, format!("`{other}` is not 0 or 1"))),
    }
}

/// `COPROCURE_OCDS_PREFIX`: `ocds-` and 6 lower-case letters or digits, or unset.
fn parse_ocds_prefix(v: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(p) = v else {
        return Ok(None);
    };
    let ok = p.len() == 11
        && p.starts_with("ocds-")
        && p[5..]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !ok {
        return Err(ConfigError::new(
            "COPROCURE_OCDS_PREFIX",
            format!("`{p}` is not an OCID prefix: `ocds-` and 6 lower-case letters or digits, as registered with the Open Contracting Partnership"),
        ));
    }
    Ok(Some(p))
}

fn parse_num<T>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    min: T,
    max: T,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match var(name) {
        None => Ok(default),
        Some(v) => match v.parse::<T>() {
            Ok(n) if n >= min && n <= max => Ok(n),
            _ => Err(ConfigError::new(
                name,
                format!("`{v}` is not a whole number from {min} to {max}"),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_nothing() {
        let s = parse(&[]).unwrap();
        assert_eq!(s.database_url, None);
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert_eq!(s.data_dir, PathBuf::from("./var"));
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.db_acquire_timeout, Duration::from_secs(5));
        assert!(s.jwt_secret.is_none());
    }

    #[test]
    fn empty_values_count_as_unset() {
        let s = parse(&[("DATABASE_URL", ""), ("COPROCURE_JWT_SECRET", "  ")]).unwrap();
        assert!(s.database_url.is_none());
        assert!(s.jwt_secret.is_none());
    }

    #[test]
    fn short_jwt_secret_is_refused() {
        let err = parse(&[("COPROCURE_JWT_SECRET", "too-short")]).unwrap_err();
        assert_eq!(err.var, "COPROCURE_JWT_SECRET");
        let ok = parse(&[("COPROCURE_JWT_SECRET", &"x".repeat(32))]).unwrap();
        assert_eq!(ok.jwt_secret.unwrap().len(), 32);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_URL", "not a url"),
            ("COPROCURE_LISTEN", "localhost"),
            ("COPROCURE_PUBLIC_URL", "ftp://x"),
            ("COPROCURE_SMTP_URL", "http://x"),
            ("COPROCURE_MAIL_FROM", "nobody"),
            ("COPROCURE_LOG_FORMAT", "xml"),
            ("COPROCURE_DB_POOL_SIZE", "0"),
            ("COPROCURE_DB_ACQUIRE_TIMEOUT_MS", "soon"),
            ("COPROCURE_AUTH_RATE_PER_MINUTE", "-1"),
            ("COPROCURE_WORKERS", "many"),
        ];
        for (var, value) in cases {
            let err = parse(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var, "value {value:?}");
            assert!(err.to_string().starts_with(var));
            assert!(!err.to_string().contains('\n'));
        }
    }

    #[test]
    fn explicit_values_are_used() {
        let s = parse(&[
            ("DATABASE_URL", "postgres://u:p@db:5432/coprocure"),
            ("COPROCURE_LISTEN", "0.0.0.0:9000"),
            ("COPROCURE_PUBLIC_URL", "https://coop.example/"),
            ("COPROCURE_LOG_FORMAT", "json"),
            ("COPROCURE_DB_POOL_SIZE", "4"),
            ("COPROCURE_WORKERS", "2"),
        ])
        .unwrap();
        assert_eq!(
            s.database_url.as_deref(),
            Some("postgres://u:p@db:5432/coprocure")
        );
        assert_eq!(s.listen.port(), 9000);
        assert_eq!(s.public_url, "https://coop.example");
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.db_pool_size, 4);
        assert_eq!(s.workers, Some(2));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let s = parse(&[
            ("DATABASE_URL", "postgres://u:hunter2hunter2@db/coprocure"),
            ("COPROCURE_JWT_SECRET", &"s".repeat(40)),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains(&"s".repeat(40)));
    }

    #[test]
    fn generated_secret_is_kept_between_runs() {
        let dir = std::env::temp_dir().join(format!("coprocure-cfg-{}", uuid::Uuid::new_v4()));
        let mut a = parse(&[("COPROCURE_DATA_DIR", dir.to_str().unwrap())]).unwrap();
        let first = a.resolve_jwt_secret().unwrap();
        assert!(first.len() >= MIN_JWT_SECRET_BYTES);
        let mut b = parse(&[("COPROCURE_DATA_DIR", dir.to_str().unwrap())]).unwrap();
        assert_eq!(b.resolve_jwt_secret().unwrap(), first);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
