//! Database access: the connection pool, the embedded migrations, the private
//! PostgreSQL cluster used when no `DATABASE_URL` is configured ([`local`]), and the
//! request-wide transaction of idempotent requests ([`request`]).

pub mod listen;
pub mod local;
pub mod request;

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use anyhow::Context;
use deadpool::managed::{Manager, Metrics, RecycleResult};
use diesel::Connection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::redact_url;
use crate::error::AppError;

/// The shared connection pool.
pub type DbPool = deadpool::managed::Pool<PgManager>;
/// A connection checked out of [`DbPool`].
pub type Object = deadpool::managed::Object<PgManager>;

/// How long after its last checkout a pooled connection is handed out again without a
/// test query.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// The pool's connection manager: diesel-async's, with a cheaper recycling rule. A test
/// query (`SELECT 1`) on every checkout costs a round trip per use case (a third of a
/// demand POST); a connection checked out within the last second is trusted instead (its
/// socket and transaction state are still checked). One that sat idle longer — across a
/// database restart, say — is tested as before. A connection that breaks anyway fails its
/// first statement, which answers 503 like any lost connection.
pub struct PgManager {
    inner: AsyncDieselConnectionManager<AsyncPgConnection>,
    /// The server's URL, for pools of the same server ([`worker_pool`]).
    url: String,
}

impl Manager for PgManager {
    type Type = AsyncPgConnection;
    type Error = diesel_async::pooled_connection::PoolError;

    async fn create(&self) -> Result<AsyncPgConnection, Self::Error> {
        self.inner.create().await
    }

    async fn recycle(
        &self,
        conn: &mut AsyncPgConnection,
        metrics: &Metrics,
    ) -> RecycleResult<Self::Error> {
        // Fast: broken socket or a transaction left open.
        self.inner.recycle(conn, metrics).await?;
        if metrics.last_used() >= TRUSTED_FOR {
            diesel::sql_query("SELECT 1")
                .execute(conn)
                .await
                .map_err(diesel_async::pooled_connection::PoolError::QueryError)?;
        }
        Ok(())
    }
}
/// A connection for one use case: a pooled one, or — inside a [`request::RequestTx`]
/// scope — the request's transaction connection, lent until this value is dropped.
pub struct DbConn(Held);

// `Pooled` is the common case: boxing it would cost an allocation on every checkout.
#[allow(clippy::large_enum_variant)]
enum Held {
    Pooled(Object),
    Lent(request::Lent),
}

impl Deref for DbConn {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        match &self.0 {
            Held::Pooled(c) => c,
            Held::Lent(c) => c,
        }
    }
}

impl DerefMut for DbConn {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        match &mut self.0 {
            Held::Pooled(c) => c,
            Held::Lent(c) => c,
        }
    }
}
impl From<Object> for DbConn {
    /// A connection taken from the pool outside any request (background jobs).
    fn from(c: Object) -> Self {
        DbConn(Held::Pooled(c))
    }
}

/// Error from acquiring a pooled connection.
pub type PoolError = deadpool::managed::PoolError<diesel_async::pooled_connection::PoolError>;

/// The SQL migrations under `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Advisory lock key that serialises migration runs of several instances starting at once.
const MIGRATION_LOCK_KEY: i64 = 0x636f_7072_6f63_0001;

/// Builds the pool. No connection is opened until first use; acquiring one waits at most
/// `acquire_timeout` (then the request answers 503 instead of hanging).
pub fn build_pool(url: &str, max_size: usize, acquire_timeout: Duration) -> anyhow::Result<DbPool> {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager = PgManager {
        inner: AsyncDieselConnectionManager::new_with_config(url, config),
        url: url.to_owned(),
    };
    DbPool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(acquire_timeout))
        .create_timeout(Some(acquire_timeout))
        .recycle_timeout(Some(acquire_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("cannot build the database pool")
}

/// How an instance's connections (`COPROCURE_DB_POOL_SIZE`, the shared pool's size as
/// built) are shared out: `(each HTTP worker's, the shared pool's)`. The shared pool, for
/// the background jobs (a step holds one connection for milliseconds), gets a share as if
/// it were one more worker but at most 4; the workers split the rest; at least one each.
///
/// Each worker gets a pool of its own ([`worker_pool`]) because a connection's driver task
/// runs on the thread that opened it: with one pool for all, a statement sent from one
/// worker woke the driver on another thread and its answer woke the first one back, two
/// cross-thread wake-ups per statement (under demand entry the kernel's task switching was
/// a third of the server's CPU, and in runs otherwise alike the POST's p99 was 4.3–4.5×
/// pgbench's without worker pools against 3.5–4.0× with them).
pub fn share_out(total: usize, workers: usize) -> (usize, usize) {
    let shared = (total / (workers + 1)).clamp(1, 4);
    let per_worker = (total.saturating_sub(shared) / workers.max(1)).max(1);
    (per_worker, shared)
}

/// A pool of `max_size` connections to `pool`'s server, with its timeouts, for one HTTP
/// worker: built in the worker's thread, it opens its connections there ([`share_out`]).
pub fn worker_pool(pool: &DbPool, max_size: usize) -> anyhow::Result<DbPool> {
    let acquire_timeout = pool.timeouts().wait.unwrap_or(Duration::from_secs(5));
    build_pool(&pool.manager().url, max_size, acquire_timeout)
}

/// `ILIKE` pattern for a search term, with wildcards escaped.
pub fn like_pattern(q: &str) -> String {
    let escaped = q
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Takes a connection from the pool, mapping exhaustion or an unreachable server to 503;
/// inside a [`request::RequestTx`] scope, lends the request's connection instead (`pool`
/// is then not used).
pub async fn conn(pool: &DbPool) -> Result<DbConn, AppError> {
    if let Some(lent) = request::lend() {
        return Ok(DbConn(Held::Lent(lent?)));
    }
    Ok(DbConn(Held::Pooled(pool.get().await?)))
}

/// Checks that the database answers a trivial query.
pub async fn ping(pool: &DbPool) -> Result<(), AppError> {
    let mut c = conn(pool).await?;
    diesel::sql_query("SELECT 1").execute(&mut c).await?;
    Ok(())
}

/// Applies every pending migration, holding an advisory lock so that concurrent starts
/// apply each migration once. Returns the versions applied.
pub async fn run_migrations(url: &str) -> anyhow::Result<Vec<String>> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .with_context(|| format!("cannot connect to {}", redact_url(&url)))?;
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            &format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"),
        )?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>())
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
        diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            &format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"),
        )?;
        applied
    })
    .await
    .context("migration task panicked")?
}

#[cfg(test)]
mod tests {
    use super::share_out;

    #[test]
    fn the_connections_are_shared_out_within_the_budget() {
        assert_eq!(share_out(16, 2), (6, 4));
        assert_eq!(share_out(5, 1), (3, 2));
        assert_eq!(share_out(8, 1), (4, 4));
        assert_eq!(share_out(16, 1), (12, 4));
        for total in 2..64 {
            for workers in 1..8 {
                let (each, shared) = share_out(total, workers);
                assert!(each >= 1 && shared >= 1);
                if total > workers {
                    assert!(each * workers + shared <= total, "{total} / {workers}");
                }
            }
        }
        // Fewer connections than workers: still one each.
        assert_eq!(share_out(2, 4), (1, 1));
    }
}
