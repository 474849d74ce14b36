//! The live API sessions of this instance: an access token's session and user, read once
//! and then served from memory until PostgreSQL says they changed (see [`crate::db::listen`]).
//! A revocation, a password change, a disabled account or an edited user notifies every
//! instance when it commits, so a revoked token fails on its next request everywhere — and
//! the hot paths (a demand POST) spend no round trip on the session.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::principal::Principal;
use crate::db::listen::{self, NotifiedCache};
use crate::ids::{SessionId, UserId};

/// A session known to be live, with its user as of the read.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub principal: Arc<Principal>,
    pub expires_at: DateTime<Utc>,
}

/// The cache of [`LiveSession`]s by session id.
pub type SessionCache = NotifiedCache<SessionId, LiveSession>;

/// An empty session cache (at most 100,000 sessions, each re-read at least every 10 min).
pub fn new() -> SessionCache {
    NotifiedCache::new(100_000, Duration::from_secs(600), affected)
}

/// Records that the current request changed user `id` (its sessions, its password, its
/// account): the payload the `users` and `sessions` triggers notify, read by [`affected`].
pub fn user_changed(id: UserId) {
    listen::changed(format!("u:{id}"));
}

/// Records that the current request revoked session `id` (see [`user_changed`]).
pub fn session_changed(id: SessionId) {
    listen::changed(format!("s:{id}"));
}

fn affected(payload: &str, id: &SessionId, s: &LiveSession) -> bool {
    match payload.split_once(':') {
        Some(("s", sid)) => sid == id.to_string(),
        Some(("u", uid)) => uid == s.principal.user_id.to_string(),
        _ => false,
    }
}
