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

/// What becomes of an outbox row (email or webhook) after a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterFailure {
    /// Pending again, tried at `at`.
    Retry { at: DateTime<Utc>, error: String },
    /// Dead-lettered: a permanent failure, or transient ones for [`GIVE_UP_AFTER`].
    Dead { error: String },
}

/// The outcome of the `failures`-th failed attempt (1 = the first) of a row whose retry
/// window began at `started`, failing at `now` with `error`.
pub fn after_failure(
    permanent: bool,
    failures: u32,
    started: DateTime<Utc>,
    now: DateTime<Utc>,
    error: String,
) -> AfterFailure {
    if permanent {
        AfterFailure::Dead { error }
    } else if give_up(started, now) {
        AfterFailure::Dead {
            error: format!("gave up after 48 h: {error}"),
        }
    } else {
        AfterFailure::Retry {
            at: now + delay(failures, random_jitter()),
            error,
        }
    }
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

    #[test]
    fn permanent_failures_die_and_transient_ones_back_off_for_48_hours() {
        let t = Utc::now();
        assert_eq!(
            after_failure(true, 1, t, t, "550".into()),
            AfterFailure::Dead {
                error: "550".into()
            }
        );
        let AfterFailure::Retry { at, error } = after_failure(false, 3, t, t, "451".into()) else {
            panic!("a transient failure is retried")
        };
        assert_eq!(error, "451");
        assert!(
            at - t >= Duration::seconds(32) && at - t <= Duration::seconds(48),
            "{at}"
        );
        assert_eq!(
            after_failure(false, 40, t, t + GIVE_UP_AFTER, "451".into()),
            AfterFailure::Dead {
                error: "gave up after 48 h: 451".into()
            }
        );
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
