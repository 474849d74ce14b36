//! Per-instance caches that PostgreSQL keeps honest: triggers `NOTIFY` the channel
//! [`CHANNEL`] whenever a row a cache may hold changes (see the migration
//! `notify_cache_invalidations`), and one listener per process drops the affected entries.
//!
//! The rules that make a cached answer as good as a fresh read:
//! - A cache answers only while its listener is connected ([`NotifiedCache::get`] is `None`
//!   otherwise); losing the connection empties it, and reconnecting empties it again,
//!   because notifications sent in between are lost.
//! - An entry is stored only if no notification arrived between the start of the read that
//!   produced it and the store ([`Ticket`]): a change that commits while a request reads
//!   the old row cannot leave the old row cached.
//! - Notifications are delivered when their transaction commits, so the window in which
//!   another instance can still answer from its cache is the delivery latency (a
//!   millisecond on one host; the tests hold it to under a second).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::Object;
use diesel_async::AsyncPgConnection;
use futures_util::StreamExt;

use super::DbPool;

/// The channel the invalidation triggers notify.
pub const CHANNEL: &str = "coprocure_cache";

/// Something that holds copies of rows and must hear about their changes.
pub trait Subscriber: Send + Sync {
    /// A notification's payload (`s:<session>`, `u:<user>`, `r:<rfq>`, `*`).
    fn notice(&self, payload: &str);
    /// The listener (re)connected (`live`) or lost its connection: drop everything.
    fn reset(&self, live: bool);
}

/// The generation of a cache before a read; [`NotifiedCache::put`] stores the read's result
/// only if nothing was noticed since.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

/// A map of entries valid until a notification says otherwise (and at most `max_age`, a
/// bound that holds even if a trigger were dropped by hand).
pub struct NotifiedCache<K, V> {
    live: AtomicBool,
    generation: AtomicU64,
    map: Mutex<HashMap<K, (V, Instant)>>,
    max_entries: usize,
    max_age: Duration,
    /// Whether a notification concerns an entry.
    affected: fn(&str, &K, &V) -> bool,
}

impl<K: Eq + Hash + Clone, V: Clone> NotifiedCache<K, V> {
    /// An empty cache, not live until its listener connects.
    pub fn new(max_entries: usize, max_age: Duration, affected: fn(&str, &K, &V) -> bool) -> Self {
        Self {
            live: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            map: Mutex::new(HashMap::new()),
            max_entries,
            max_age,
            affected,
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<K, (V, Instant)>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached value of `key`, if the cache is live and holds a fresh one.
    pub fn get(&self, key: &K) -> Option<V> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let mut map = self.map();
        match map.get(key) {
            Some((v, at)) if at.elapsed() < self.max_age => Some(v.clone()),
            Some(_) => {
                map.remove(key);
                None
            }
            None => None,
        }
    }

    /// Take before reading what will be stored.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }

    /// Stores `value` read after `ticket` was taken, unless a notification came since (or
    /// the cache is not live).
    pub fn put(&self, ticket: Ticket, key: K, value: V) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        let mut map = self.map();
        // Checked under the lock that `notice` bumps the generation under.
        if self.generation.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if map.len() >= self.max_entries {
            map.clear();
        }
        map.insert(key, (value, Instant::now()));
    }

    /// Drops `key`.
    pub fn remove(&self, key: &K) {
        self.map().remove(key);
    }

    /// Whether the listener is connected (entries are served).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K, V> Subscriber for NotifiedCache<K, V>
where
    K: Eq + Hash + Clone + Send,
    V: Clone + Send,
{
    fn notice(&self, payload: &str) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        if payload == "*" {
            map.clear();
        } else {
            let affected = self.affected;
            map.retain(|k, (v, _)| !affected(payload, k, v));
        }
    }

    fn reset(&self, live: bool) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.clear();
        self.live.store(live, Ordering::Release);
    }
}

/// The listener task; dropping it stops listening (and closes its connection).
pub struct Listener(tokio::task::JoinHandle<()>);

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts listening on a connection of its own (taken out of `pool`), reconnecting with a
/// back-off after any failure; `subscribers` hear every notification.
pub fn spawn(pool: DbPool, subscribers: Vec<Arc<dyn Subscriber>>) -> Listener {
    Listener(tokio::spawn(async move {
        let mut pause = Duration::from_millis(100);
        loop {
            let connected = Instant::now();
            if let Err(e) = listen(&pool, &subscribers).await {
                tracing::warn!(error = %e, "cache invalidation listener lost its connection");
            }
            for s in &subscribers {
                s.reset(false);
            }
            if connected.elapsed() > Duration::from_secs(30) {
                pause = Duration::from_millis(100);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }))
}

async fn listen(pool: &DbPool, subscribers: &[Arc<dyn Subscriber>]) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl;
    // A connection of its own: it must not go back to the pool still listening.
    let mut conn: AsyncPgConnection = Object::take(pool.get().await?);
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(&mut conn)
        .await?;
    // Only now can no change go unheard: start serving from empty caches.
    for s in subscribers {
        s.reset(true);
    }
    let mut notes = std::pin::pin!(conn.notifications_stream());
    while let Some(note) = notes.next().await {
        let note = note?;
        if note.channel == CHANNEL {
            for s in subscribers {
                s.notice(&note.payload);
            }
        }
    }
    anyhow::bail!("the connection closed")
}

tokio::task_local! {
    /// The notifications the current request's writes will send when they commit.
    static CHANGES: std::cell::RefCell<Vec<String>>;
}

/// Records that the current request changed what `payload` names (a repository calls
/// this beside the write whose trigger notifies the same payload). Outside a request
/// ([`collecting`]) it does nothing: jobs and the CLI rely on the notification alone.
pub fn changed(payload: String) {
    let _ = CHANGES.try_with(|c| c.borrow_mut().push(payload));
}

/// Runs a request and returns, with its output, what its writes [`changed`]. The caller
/// applies them to this instance's caches once the request is done — its transactions
/// committed — so that the client's next request cannot be answered from an entry the
/// notification has not reached yet (the notification still tells the other instances).
pub async fn collecting<F: std::future::Future>(request: F) -> (F::Output, Vec<String>) {
    CHANGES
        .scope(std::cell::RefCell::new(Vec::new()), async move {
            let out = request.await;
            (out, CHANGES.with(|c| c.take()))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_prefix(payload: &str, k: &u32, v: &String) -> bool {
        payload == format!("k:{k}") || payload == format!("v:{v}")
    }

    fn cache() -> NotifiedCache<u32, String> {
        let c = NotifiedCache::new(3, Duration::from_secs(60), by_prefix);
        c.reset(true);
        c
    }

    #[tokio::test]
    async fn a_request_collects_what_its_writes_changed_and_nothing_leaks_outside() {
        changed("u:0".into()); // outside a request: ignored, no panic
        let ((), first) = collecting(async {
            changed("u:1".into());
            tokio::task::yield_now().await;
            changed("s:2".into());
        })
        .await;
        assert_eq!(first, ["u:1", "s:2"]);
        let ((), second) = collecting(async {}).await;
        assert!(second.is_empty());
    }

    #[test]
    fn serves_nothing_until_live_and_after_the_connection_is_lost() {
        let c: NotifiedCache<u32, String> =
            NotifiedCache::new(10, Duration::from_secs(60), by_prefix);
        c.put(c.ticket(), 1, "a".into());
        assert_eq!(c.get(&1), None, "not live: not stored");
        c.reset(true);
        c.put(c.ticket(), 1, "a".into());
        assert_eq!(c.get(&1).as_deref(), Some("a"));
        c.reset(false);
        assert_eq!(c.get(&1), None);
        c.reset(true);
        assert_eq!(c.get(&1), None, "reconnecting starts empty");
    }

    #[test]
    fn a_notice_during_a_read_keeps_the_read_out() {
        let c = cache();
        let t = c.ticket();
        c.notice("k:9");
        c.put(t, 1, "stale".into());
        assert_eq!(c.get(&1), None);
        let t = c.ticket();
        c.put(t, 1, "fresh".into());
        assert_eq!(c.get(&1).as_deref(), Some("fresh"));
    }

    #[test]
    fn notices_drop_what_they_concern() {
        let c = cache();
        c.put(c.ticket(), 1, "a".into());
        c.put(c.ticket(), 2, "b".into());
        c.put(c.ticket(), 3, "b".into());
        c.notice("k:1");
        assert_eq!(c.get(&1), None);
        assert!(c.get(&2).is_some());
        c.notice("v:b");
        assert_eq!((c.get(&2), c.get(&3)), (None, None));
        c.put(c.ticket(), 4, "d".into());
        c.notice("*");
        assert!(c.is_empty());
    }

    #[test]
    fn bounded_in_size_and_age() {
        let c = cache();
        for k in 0..3 {
            c.put(c.ticket(), k, "x".into());
        }
        c.put(c.ticket(), 3, "x".into());
        assert_eq!(c.len(), 1, "full: emptied before storing");
        let old: NotifiedCache<u32, String> = NotifiedCache::new(3, Duration::ZERO, by_prefix);
        old.reset(true);
        old.put(old.ticket(), 1, "x".into());
        assert_eq!(old.get(&1), None);
    }
}
