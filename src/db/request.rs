//! One transaction around a whole request (used by `Idempotency-Key` requests, see
//! [`crate::api::idempotency`]).
//!
//! The owner of a request (the middleware) takes a pooled connection, begins a transaction
//! on it and runs the handler inside [`RequestTx::scope`]. While that future runs, every
//! [`super::conn`] call — the authentication lookup, every service — is lent the *same*
//! connection, so a service's own `transaction()` becomes a savepoint of the request's
//! transaction and nothing the handler writes commits before the owner decides (commit with
//! the stored response, or roll back). Outside a scope `db::conn` takes a pooled
//! connection as before, at the cost of one task-local lookup.
//!
//! Two rules follow for code that runs in a request:
//! - hold at most one connection at a time (drop it before calling something that takes its
//!   own): a second `db::conn` while the first is still lent is refused with a 500 rather
//!   than handing out a connection outside the transaction, which could wait for a lock the
//!   request itself holds;
//! - a check that must hold *at commit* ("the deadline has not passed") registers itself
//!   with [`commit_before`], because the service's own commit is only a savepoint release
//!   here; the owner re-checks it just before `COMMIT`.

use std::future::Future;
use std::sync::{Arc, Mutex};

use super::Object;
use chrono::{DateTime, Utc};
use tokio::sync::OwnedMutexGuard;

use crate::error::AppError;

tokio::task_local! {
    static CURRENT: Arc<Shared>;
}

/// A moment a request's writes must commit before, and the answer when they do not.
#[derive(Debug, Clone, Copy)]
pub struct CommitDeadline {
    /// Writes must commit strictly before this time.
    pub at: DateTime<Utc>,
    /// Also compare with the database server's clock (`clock_timestamp()`), not only with
    /// the application's clock.
    pub database_clock: bool,
    /// The error answered when the deadline has passed at commit.
    pub error: fn() -> AppError,
}

struct Shared {
    conn: Arc<tokio::sync::Mutex<Object>>,
    deadlines: Mutex<Vec<CommitDeadline>>,
}

/// A connection lent to the code running inside a [`RequestTx`] scope.
pub(super) type Lent = OwnedMutexGuard<Object>;

/// A request-wide transaction's connection and the checks to run before its commit.
pub struct RequestTx {
    shared: Arc<Shared>,
}

impl RequestTx {
    /// Wraps a connection on which the caller has begun a transaction.
    pub fn new(conn: Object) -> Self {
        Self {
            shared: Arc::new(Shared {
                conn: Arc::new(tokio::sync::Mutex::new(conn)),
                deadlines: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Runs `f` with every `db::conn` call lent this transaction's connection.
    pub async fn scope<F: Future>(&self, f: F) -> F::Output {
        CURRENT.scope(self.shared.clone(), f).await
    }

    /// The connection back, once the scoped code has let go of it (an error if something
    /// still holds it, e.g. a task that outlived the handler).
    pub fn conn(&self) -> Result<Lent, AppError> {
        self.shared.conn.clone().try_lock_owned().map_err(|_| {
            AppError::Internal(anyhow::anyhow!(
                "the request's database connection is still in use after its handler ended"
            ))
        })
    }

    /// The deadlines registered with [`commit_before`] inside the scope.
    pub fn deadlines(&self) -> Vec<CommitDeadline> {
        self.shared
            .deadlines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Inside a [`RequestTx`] scope: lends its connection; `None` outside one.
pub(super) fn lend() -> Option<Result<Lent, AppError>> {
    CURRENT
        .try_with(|shared| {
            shared.conn.clone().try_lock_owned().map_err(|_| {
                AppError::Internal(anyhow::anyhow!(
                    "a second database connection was requested while the request's \
                     transaction connection is in use (hold one connection at a time)"
                ))
            })
        })
        .ok()
}

/// Registers a deadline the current request's writes must commit before. Outside a
/// [`RequestTx`] scope it does nothing: the caller's own transaction is the real one, and
/// the caller checks its deadline just before committing it.
pub fn commit_before(deadline: CommitDeadline) {
    let _ = CURRENT.try_with(|shared| {
        shared
            .deadlines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(deadline);
    });
}
