//! [`PasswordCheck`]: how the examples run a password check: counted, and after an optional
//! delay standing in for a real password hash (tens of milliseconds), so a test can show how
//! many checks a burst of parallel guesses reaches.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Runs the examples' password checks: counts each one and waits `delay` first (default
/// zero). Cheap to clone; clones share the count.
///
/// ```
/// use examples::password_check::PasswordCheck;
/// use std::time::Duration;
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let check = PasswordCheck::new().with_delay(Duration::from_millis(1));
/// assert!(check.run(|| "pw" == "pw").await);
/// assert_eq!(check.checks(), 1);
/// # });
/// ```
#[derive(Clone, Debug, Default)]
pub struct PasswordCheck {
    delay: Duration,
    checks: Arc<AtomicU64>,
}

impl PasswordCheck {
    /// No delay, nothing counted yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Wait `delay` in every check, as a password hash would (a real one costs 50-500 ms).
    #[must_use]
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// How many checks have run (begun) so far.
    pub fn checks(&self) -> u64 {
        self.checks.load(Ordering::SeqCst)
    }

    /// Count a check, wait the delay, then run `check`.
    pub async fn run<T>(&self, check: impl FnOnce() -> T) -> T {
        self.checks.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        check()
    }
}
