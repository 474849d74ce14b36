//! Throttling of password guessing.
//!
//! - Per account ([`account_lock`]): after [`MAX_FAILURES`] failed logins for one email
//!   within [`WINDOW`], further attempts get 429 until the oldest of those failures leaves
//!   the window. Failures live in PostgreSQL, so every instance agrees.
//! - Per client IP ([`IpRateLimiter`]): a token bucket in memory over all of `/auth/*`,
//!   a first line against floods from one address (per instance).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;

/// Failed logins tolerated per account within [`WINDOW`].
pub const MAX_FAILURES: usize = 5;
/// The sliding window of [`MAX_FAILURES`].
pub const WINDOW: Duration = Duration::minutes(15);

/// Given an account's failures in the window (newest first), the instant it unlocks, if it
/// is locked now.
pub fn account_lock(
    failures_newest_first: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let window_start = now - WINDOW;
    let in_window: Vec<_> = failures_newest_first
        .iter()
        .filter(|t| **t > window_start)
        .collect();
    if in_window.len() < MAX_FAILURES {
        return None;
    }
    // Locked until the MAX_FAILURES-th newest failure leaves the window.
    Some(*in_window[MAX_FAILURES - 1] + WINDOW)
}

/// Seconds until `until`, rounded up, at least 1.
pub fn retry_after_secs(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let ms = (until - now).num_milliseconds().max(0);
    ((ms + 999) / 1000).max(1) as u64
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

/// A token bucket per client IP: `per_minute` requests a minute, bursts of the same size.
pub struct IpRateLimiter {
    per_minute: u32,
    clock: Arc<dyn Clock>,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl IpRateLimiter {
    /// A limiter allowing `per_minute` requests per minute per IP.
    pub fn new(per_minute: u32, clock: Arc<dyn Clock>) -> Self {
        Self {
            per_minute,
            clock,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `ip`; on refusal, the seconds until one is available.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let now = self.clock.now();
        let cap = f64::from(self.per_minute);
        let rate_per_ms = cap / 60_000.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget full buckets so the map cannot grow without bound.
            buckets.retain(|_, b| {
                b.tokens + (now - b.at).num_milliseconds() as f64 * rate_per_ms < cap
            });
        }
        let b = buckets.entry(ip).or_insert(Bucket {
            tokens: cap,
            at: now,
        });
        let elapsed = (now - b.at).num_milliseconds().max(0) as f64;
        b.tokens = (b.tokens + elapsed * rate_per_ms).min(cap);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / rate_per_ms / 1000.0).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::OffsetClock;

    #[test]
    fn five_failures_lock_until_the_fifth_newest_leaves_the_window() {
        let now = Utc::now();
        let mins = |m: i64| now - Duration::minutes(m);
        assert_eq!(
            account_lock(&[mins(1), mins(2), mins(3), mins(4)], now),
            None
        );
        let five = [mins(1), mins(2), mins(3), mins(4), mins(5)];
        assert_eq!(account_lock(&five, now), Some(mins(5) + WINDOW));
        // Failures older than the window do not count.
        let old = [mins(1), mins(2), mins(3), mins(4), mins(16)];
        assert_eq!(account_lock(&old, now), None);
        assert_eq!(retry_after_secs(mins(5) + WINDOW, now), 600);
    }

    #[test]
    fn ip_bucket_refuses_past_the_burst_and_refills() {
        let clock = Arc::new(OffsetClock::new());
        let limiter = IpRateLimiter::new(3, clock.clone());
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(ip).is_ok());
        }
        let wait = limiter.check(ip).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(limiter.check(other).is_ok(), "buckets are per IP");
        clock.advance(Duration::seconds(21));
        assert!(limiter.check(ip).is_ok());
    }
}
