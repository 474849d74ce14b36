//! Command line (API.md "Command line"): `serve` (default), `migrate`, `user create`.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::audit::{self, Actor};
use crate::auth::service::{create_user, CreateUser};
use crate::auth::{Locale, Role};
use crate::background::Background;
use crate::clock::{Clock, SystemClock};
use crate::config::{redact_url, Settings};
use crate::context::Ctx;
use crate::db::{self, local::LocalOptions, local::LocalPostgres};
use crate::demo;
use crate::error::AppError;
use crate::startup::{shutdown_signal, Application};

/// coprocure — joint raw-material procurement for SME cooperatives.
#[derive(Debug, Parser)]
#[command(name = "coprocure", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run only the background jobs (outboxes, audit sealing, reminders, FX refresh,
    /// housekeeping), no HTTP.
    Worker,
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Load a realistic demo cooperative with a round, an RFQ past its deadline and quotes
    /// (idempotent).
    Demo,
    /// Audit trail tools.
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify hash chains (every chain, or one); exits 1 on a break.
    Verify {
        /// Only this chain: `platform` or a cooperative id.
        #[arg(long)]
        chain: Option<String>,
    },
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user whose password is read from standard input (first line).
    Create {
        /// Role of the new user.
        #[arg(long, value_enum)]
        role: CliRole,
        /// Email (login name).
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Language of the user's emails.
        #[arg(long, value_enum, default_value = "ko")]
        locale: CliLocale,
    },
}

/// Roles that can be created from the command line (organisation users are created
/// through the API, inside their organisation).
#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum CliRole {
    /// Operator of the platform.
    PlatformAdmin,
}

/// Locales.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CliLocale {
    /// Korean.
    Ko,
    /// English.
    En,
}

/// A database for this run: the configured one, or the embedded cluster.
struct Database {
    url: String,
    local: Option<LocalPostgres>,
}

impl Database {
    async fn open(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.database_url {
            Some(url) => Ok(Self {
                url: url.clone(),
                local: None,
            }),
            None => {
                let local = LocalPostgres::start(LocalOptions {
                    data_dir: settings.data_dir.join("postgres"),
                    database: "coprocure".into(),
                    ephemeral: false,
                })
                .await?;
                tracing::info!(
                    port = local.port,
                    "embedded PostgreSQL ready (data in {}/postgres)",
                    settings.data_dir.display()
                );
                Ok(Self {
                    url: local.url.clone(),
                    local: Some(local),
                })
            }
        }
    }

    /// Brings the schema up to date and opens one connection (for a one-off command).
    async fn migrated_connection(&self) -> anyhow::Result<AsyncPgConnection> {
        db::run_migrations(&self.url).await?;
        Ok(AsyncPgConnection::establish(&self.url).await?)
    }

    fn close(mut self) {
        if let Some(local) = self.local.as_mut() {
            local.stop();
        }
    }
}

/// Runs the parsed command.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<ExitCode> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Worker => worker(settings).await,
        Command::Audit {
            action: AuditCommand::Verify { chain },
        } => {
            let database = Database::open(&settings).await?;
            let result = async {
                let mut conn = database.migrated_connection().await?;
                // Chain whatever has committed, so the report covers it.
                audit::seal_pending(&mut conn, SystemClock.now()).await?;
                let chains = match chain {
                    Some(c) => vec![c],
                    None => audit::repo::chains(&mut conn).await?,
                };
                let mut all_ok = true;
                for c in chains {
                    let v = audit::verify(&mut conn, &c).await?;
                    all_ok &= v.ok;
                    println!("{}", serde_json::to_string(&v)?);
                }
                Ok::<_, anyhow::Error>(all_ok)
            }
            .await;
            database.close();
            Ok(if result? {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Demo => {
            let database = Database::open(&settings).await?;
            let result = async {
                db::run_migrations(&database.url).await?;
                let pool = db::build_pool(&database.url, 4, std::time::Duration::from_secs(10))?;
                demo::load(pool, settings.clone()).await
            }
            .await;
            database.close();
            println!("{}", result?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let database = Database::open(&settings).await?;
            let result = db::run_migrations(&database.url).await;
            database.close();
            let applied = result?;
            println!("{} migration(s) applied", applied.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            action:
                UserCommand::Create {
                    role,
                    email,
                    name,
                    password_stdin,
                    locale,
                },
        } => {
            if !password_stdin {
                anyhow::bail!("pass --password-stdin and write the password on standard input");
            }
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']).to_owned();
            let database = Database::open(&settings).await?;
            let result = async {
                let mut conn = database.migrated_connection().await?;
                let input = CreateUser {
                    email,
                    name,
                    password,
                    role: match role {
                        CliRole::PlatformAdmin => Role::PlatformAdmin,
                    },
                    locale: match locale {
                        CliLocale::Ko => Locale::Ko,
                        CliLocale::En => Locale::En,
                    },
                };
                Ok::<_, anyhow::Error>(
                    create_user(&mut conn, Actor::System, input, SystemClock.now()).await,
                )
            }
            .await;
            database.close();
            match result? {
                Ok(user) => {
                    println!("created {} {} ({})", user.role, user.email, user.id);
                    Ok(ExitCode::SUCCESS)
                }
                Err(AppError::Validation(errors)) => {
                    for e in errors {
                        eprintln!("coprocure: {}: {}", e.field, e.message);
                    }
                    Ok(ExitCode::from(1))
                }
                Err(AppError::Conflict { detail, .. }) => {
                    eprintln!("coprocure: {detail}");
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
    }
}

async fn serve(mut settings: Settings) -> anyhow::Result<ExitCode> {
    let database = Database::open(&settings).await?;
    let result = async {
        let applied = db::run_migrations(&database.url).await?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), "migrations applied");
        }
        settings.resolve_jwt_secret()?;
        let pool = db::build_pool(
            &database.url,
            settings.db_pool_size,
            settings.db_acquire_timeout,
        )?;
        let listen = settings.listen;
        let ctx = Ctx::new(pool.clone(), settings, Arc::new(SystemClock));
        let background = Background::spawn(&ctx)?;
        let app = Application::build(ctx)?;
        let handle = app.handle();
        let addr = format!("{}:{}", listen.ip(), app.port());
        tracing::info!(database = %redact_url(&database.url), "database");
        println!("coprocure serving on http://{addr}  (portal: http://{addr}/, API docs: http://{addr}/api/docs)");
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("stop signal received: finishing in-flight requests");
            handle.stop(true).await;
        });
        app.run_until_stopped().await?;
        background.stop().await;
        pool.close();
        Ok::<_, anyhow::Error>(())
    }
    .await;
    database.close();
    result?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn worker(settings: Settings) -> anyhow::Result<ExitCode> {
    let database = Database::open(&settings).await?;
    let result = async {
        db::run_migrations(&database.url).await?;
        let pool = db::build_pool(&database.url, 4, settings.db_acquire_timeout)?;
        let ctx = Ctx::new(pool.clone(), settings, Arc::new(SystemClock));
        let background = Background::spawn(&ctx)?;
        println!("coprocure worker running the background jobs; Ctrl-C stops it");
        shutdown_signal().await;
        background.stop().await;
        pool.close();
        Ok::<_, anyhow::Error>(())
    }
    .await;
    database.close();
    result?;
    Ok(ExitCode::SUCCESS)
}
