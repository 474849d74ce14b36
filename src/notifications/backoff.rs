//! Retry schedule of transient email failures: exponential from 10 s, doubling, capped at
//! one hour between tries, with ±20 % jitter so a recovering SMTP server is not hit by every
//! row at once; retried for 48 hours, then dead-lettered.

use chrono::{DateTime, Duration, Utc};

/// Delay before the second try.
pub const FIRST_DELAY_SECS: i64 = 10;
/// Longest delay between tries.
pub const MAX_DELAY_SECS: i64 = 3600;
/// How long transient failures are retried.
pub const GIVE_UP_AFTER: Duration = Duration::hours(48);

/// Delay after `attempts` failed tries (1 = the first failure); `jitter` in [0, 1).
pub fn delay(attempts: u32, jitter: f64) -> Duration {
    let exp = attempts.saturating_sub(1).min(20);
    let base = (FIRST_DELAY_SECS.saturating_mul(1i64 << exp)).min(MAX_DELAY_SECS) as f64;
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    let ms = (base * factor * 1000.0).round() as i64;
    Duration::milliseconds(ms.min(MAX_DELAY_SECS * 1000))
}

/// Whether a row whose retry window began at `started` should be dead-lettered now.
pub fn give_up(started: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - started >= GIVE_UP_AFTER
}

/// A uniformly random jitter in [0, 1).
pub fn random_jitter() -> f64 {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn doubles_from_ten_seconds_up_to_an_hour() {
        let secs: Vec<i64> = (1..=11).map(|a| delay(a, 0.5).num_seconds()).collect();
        assert_eq!(
            secs,
            [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
    }

    #[test]
    fn gives_up_after_48_hours() {
        let t = Utc::now();
        assert!(!give_up(t, t + Duration::hours(47)));
        assert!(give_up(t, t + Duration::hours(48)));
    }

    proptest! {
        #[test]
        fn delay_stays_within_jitter_bounds_and_cap(attempts in 1u32..200, jitter in 0.0f64..1.0) {
            let d = delay(attempts, jitter).num_milliseconds();
            prop_assert!(d >= 8_000, "{d}");
            prop_assert!(d <= MAX_DELAY_SECS * 1000);
            let base = (FIRST_DELAY_SECS * 1000 * (1i64 << attempts.saturating_sub(1).min(20))).min(MAX_DELAY_SECS * 1000);
            prop_assert!(d as f64 >= base as f64 * 0.8 - 1.0);
            prop_assert!(d as f64 <= (base as f64 * 1.2).min((MAX_DELAY_SECS * 1000) as f64) + 1.0);
        }
    }
}
