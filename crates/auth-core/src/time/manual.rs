//! A clock for tests (feature `test-util`): time moves only when the test says so.

use super::{Clock, SystemClock, Timestamp};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A clock that only moves when told to; starts at the wall-clock time it was created.
///
/// ```
/// use auth_core::{Clock, ManualClock};
/// use std::time::Duration;
/// let clock = ManualClock::new();
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now().duration_since(t0), Duration::from_secs(60));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    /// A manual clock set to the current wall-clock time.
    pub fn new() -> Self {
        Self::at(SystemClock.now())
    }

    /// A manual clock set to `t`.
    pub fn at(t: Timestamp) -> Self {
        Self {
            millis: AtomicI64::new(t.as_unix_millis()),
        }
    }

    /// Move the clock forward by `d`.
    pub fn advance(&self, d: Duration) {
        let step = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        self.millis.fetch_add(step, Ordering::SeqCst);
    }

    /// Set the clock to `t`.
    pub fn set(&self, t: Timestamp) {
        self.millis.store(t.as_unix_millis(), Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.millis.load(Ordering::SeqCst))
    }
}
