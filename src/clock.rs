//! The time source. Every rule that depends on "now" (token expiry, login throttling,
//! deadlines) asks the injected [`Clock`], so tests move time instead of sleeping.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

/// Where the application reads the current time from.
pub trait Clock: Send + Sync + 'static {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The wall clock shifted by an adjustable offset. Tests use it to jump past windows and
/// deadlines; time still flows, so ordering between events stays realistic.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_ms: AtomicI64,
}

impl OffsetClock {
    /// A clock that starts at the real time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward (or backward, with a negative duration).
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_clock_moves_forward() {
        let clock = OffsetClock::new();
        let before = clock.now();
        clock.advance(Duration::minutes(15));
        let after = clock.now();
        assert!(after - before >= Duration::minutes(15));
        assert!(after - before < Duration::minutes(16));
    }
}
