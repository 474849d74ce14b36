//! What every request handler can reach: the use cases' context ([`Ctx`], through `Deref`,
//! so a handler passes `&state` to a service), and what only requests need — the
//! access-token keys, the per-IP limiter of `/auth/*` and the work requests start after
//! answering.

pub mod detached;

use std::ops::Deref;
use std::sync::Arc;

use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::IpRateLimiter;
use crate::context::Ctx;
pub use detached::Detached;

/// Shared application state (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    /// The use cases' context: pool, settings, clock, round cache.
    pub ctx: Ctx,
    /// Access-token keys.
    pub jwt: Arc<JwtKeys>,
    /// Per-IP limiter of `/auth/*`.
    pub auth_limiter: Arc<IpRateLimiter>,
    /// Work requests start after answering.
    pub detached: Arc<Detached>,
}

impl Deref for AppState {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}
