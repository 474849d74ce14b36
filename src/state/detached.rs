//! Work a request starts after it has answered (e.g. the password-reset request, whose
//! answer must not depend on whether the account exists). Each instance keeps a count of
//! such tasks, so a test (or a graceful stop) can wait until they have all finished.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

/// The detached tasks of one instance.
#[derive(Debug, Default)]
pub struct Detached {
    running: AtomicUsize,
    idle: Notify,
}

impl Detached {
    /// Runs `work` on the current runtime, after the caller returns.
    pub fn spawn(self: &Arc<Self>, work: impl Future<Output = ()> + 'static) {
        self.running.fetch_add(1, Ordering::SeqCst);
        let me = Arc::clone(self);
        actix_web::rt::spawn(async move {
            work.await;
            if me.running.fetch_sub(1, Ordering::SeqCst) == 1 {
                me.idle.notify_waiters();
            }
        });
    }

    /// Resolves once no detached task is running.
    pub async fn settled(&self) {
        loop {
            // Registered before the count is read, so a task finishing in between wakes it.
            let woken = self.idle.notified();
            if self.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            woken.await;
        }
    }
}
