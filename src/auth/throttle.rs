//! Throttling of password guessing.
//!
//! A stranger must not be able to lock the owner out, and guessing must stay slow however
//! many addresses it comes from. Two limits, both kept in PostgreSQL (so every instance
//! agrees), both answered with 429 `too_many_failed_logins` and `Retry-After`, both checked
//! before the password is looked at:
//!
//! - Per account *and source* ([`source_wait`]): a source is a client IPv4 address or the
//!   /64 of an IPv6 address ([`source_key`]). Its first [`FREE_FAILURES`] failures on an
//!   account within [`SOURCE_WINDOW`] cost nothing; after that each attempt must wait
//!   [`FIRST_DELAY`] after the source's last failure, doubling per further failure up to
//!   [`MAX_DELAY`]. A success from the source forgets its failures. One stranger thus gets
//!   about 17 guesses in the first hour and 4 an hour after that, and only it waits.
//! - Per account over all sources ([`account_wait`]): once [`ACCOUNT_BUDGET`] failures
//!   within [`ACCOUNT_WINDOW`] are on record, sources that have not logged in to the account
//!   successfully within [`TRUSTED_FOR`] are refused until the oldest of them leaves the
//!   window. Guessing spread over many addresses is held to that budget, while the owner's
//!   known sources are never refused by it. One source alone cannot reach the budget.
//!
//! A third, cruder guard is [`IpRateLimiter`]: a token bucket in memory per client IP over
//! all of `/auth/*`, per instance. It protects each instance's CPU (argon2) from floods; it
//! is not what bounds guessing, so it stays in memory rather than costing a database write
//! per request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;

/// Failures per account and source answered without delay.
pub const FREE_FAILURES: i64 = 5;
/// The delay after the first failure past [`FREE_FAILURES`]; doubles with each further one.
pub const FIRST_DELAY: Duration = Duration::seconds(1);
/// The longest per-source delay.
pub const MAX_DELAY: Duration = Duration::minutes(15);
/// How long a source's failures count towards its delay.
pub const SOURCE_WINDOW: Duration = Duration::hours(24);
/// Failures per account, from all sources, within [`ACCOUNT_WINDOW`] before unknown
/// sources are refused.
pub const ACCOUNT_BUDGET: usize = 20;
/// The sliding window of [`ACCOUNT_BUDGET`].
pub const ACCOUNT_WINDOW: Duration = Duration::hours(1);
/// How long a successful login keeps its source exempt from the account-wide budget.
pub const TRUSTED_FOR: Duration = Duration::days(90);
/// Failures older than this are of no use to either limit (the prune deletes them).
pub const RETENTION: Duration = SOURCE_WINDOW;

/// The source of an attempt: an IPv4 address (an IPv4-mapped IPv6 address counts as its
/// IPv4 address), the `/64` network of an IPv6 address (one subscriber's usual allocation,
/// so a single client cannot pose as 2^64 sources), or `unknown`.
pub fn source_key(ip: Option<&str>) -> String {
    match ip.and_then(|ip| ip.parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
        None => "unknown".to_owned(),
    }
}

/// The delay owed after `failures` (≥ 1) failures of one source on one account.
pub fn source_delay(failures: i64) -> Duration {
    let over = failures - FREE_FAILURES;
    if over < 0 {
        return Duration::zero();
    }
    // 2^10 s already exceeds MAX_DELAY; clamp the exponent so the shift cannot overflow.
    let secs = FIRST_DELAY.num_seconds() << over.min(20);
    Duration::seconds(secs).min(MAX_DELAY)
}

/// Given the number of this source's failures on the account within [`SOURCE_WINDOW`] and
/// the newest one's time, the instant the source may try again, if it must wait now.
pub fn source_wait(
    failures: i64,
    newest: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let delay = source_delay(failures);
    if delay <= Duration::zero() {
        // Within the free failures: no wait, even where a parallel attempt's failure is
        // stamped a moment after this attempt's `now`.
        return None;
    }
    let until = newest? + delay;
    (until > now).then_some(until)
}

/// Given the account's failures from every source (newest first, at least the newest
/// [`ACCOUNT_BUDGET`] of them), the instant an unknown source may try again, if the budget
/// is spent now.
pub fn account_wait(
    failures_newest_first: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let window_start = now - ACCOUNT_WINDOW;
    let in_window: Vec<_> = failures_newest_first
        .iter()
        .filter(|t| **t > window_start)
        .collect();
    if in_window.len() < ACCOUNT_BUDGET {
        return None;
    }
    // Refused until the ACCOUNT_BUDGET-th newest failure leaves the window.
    Some(*in_window[ACCOUNT_BUDGET - 1] + ACCOUNT_WINDOW)
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
    fn sources_are_addresses_and_ipv6_networks() {
        assert_eq!(source_key(Some("192.0.2.7")), "192.0.2.7");
        assert_eq!(source_key(Some("::ffff:192.0.2.7")), "192.0.2.7");
        assert_eq!(
            source_key(Some("2001:db8:1:2:3:4:5:6")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            source_key(Some("2001:db8:1:2:ffff::1")),
            source_key(Some("2001:db8:1:2::9")),
            "one /64 is one source"
        );
        assert_ne!(
            source_key(Some("2001:db8:1:3::1")),
            source_key(Some("2001:db8:1:2::1"))
        );
        assert_eq!(source_key(None), "unknown");
        assert_eq!(source_key(Some("not an address")), "unknown");
    }

    #[test]
    fn a_source_waits_progressively_after_five_failures() {
        let now = Utc::now();
        assert_eq!(source_wait(0, None, now), None);
        for n in 1..FREE_FAILURES {
            assert_eq!(source_wait(n, Some(now), now), None, "{n}");
            // A parallel attempt's failure stamped after this attempt's `now`.
            let later = now + Duration::milliseconds(5);
            assert_eq!(source_wait(n, Some(later), now), None, "{n}, stamped later");
        }
        let delays: Vec<i64> = (FREE_FAILURES..FREE_FAILURES + 12)
            .map(|n| source_delay(n).num_seconds())
            .collect();
        assert_eq!(
            delays,
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900],
            "doubling from one second, capped at 15 minutes"
        );
        assert_eq!(source_delay(i64::MAX), MAX_DELAY, "no overflow");
        let last = now - Duration::seconds(3);
        assert_eq!(
            source_wait(FREE_FAILURES + 2, Some(last), now),
            Some(last + Duration::seconds(4))
        );
        assert_eq!(source_wait(FREE_FAILURES + 1, Some(last), now), None);
    }

    #[test]
    fn one_source_alone_cannot_spend_the_account_budget() {
        // A source retrying the moment its delay ends: failures in the first hour.
        let mut at = Duration::zero();
        let mut n = 0;
        while at < ACCOUNT_WINDOW {
            n += 1;
            at += source_delay(n);
        }
        assert!((n as usize) < ACCOUNT_BUDGET, "{n} failures in an hour");
    }

    #[test]
    fn the_account_budget_refuses_until_its_oldest_failure_leaves_the_window() {
        let now = Utc::now();
        let mins = |m: i64| now - Duration::minutes(m);
        let under: Vec<_> = (1..ACCOUNT_BUDGET as i64).map(mins).collect();
        assert_eq!(account_wait(&under, now), None);
        let full: Vec<_> = (1..=ACCOUNT_BUDGET as i64).map(mins).collect();
        assert_eq!(
            account_wait(&full, now),
            Some(mins(ACCOUNT_BUDGET as i64) + ACCOUNT_WINDOW)
        );
        // Failures older than the window do not count.
        let mut old = under.clone();
        old.push(mins(61));
        assert_eq!(account_wait(&old, now), None);
        assert_eq!(
            retry_after_secs(mins(ACCOUNT_BUDGET as i64) + ACCOUNT_WINDOW, now),
            40 * 60
        );
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
