//! [`ThrottlePolicy`]: free failures, then exponential backoff with a cap; the state machine
//! every store runs atomically per key.

use crate::{Error, Timestamp};
use std::time::Duration;

/// The answer of a throttle: go ahead, or wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The attempt may go ahead.
    Allowed,
    /// Refused: try again after this long (never zero).
    RetryAfter(Duration),
}

impl Verdict {
    /// How long to wait, if refused.
    pub const fn retry_after(self) -> Option<Duration> {
        match self {
            Self::Allowed => None,
            Self::RetryAfter(d) => Some(d),
        }
    }

    /// Whether the attempt may go ahead.
    pub const fn is_allowed(self) -> bool {
        matches!(self, Self::Allowed)
    }

    /// The stricter of two verdicts (the longer wait).
    #[must_use]
    pub fn max(self, other: Self) -> Self {
        match (self.retry_after(), other.retry_after()) {
            (Some(a), Some(b)) => Self::RetryAfter(a.max(b)),
            (Some(_), None) => self,
            _ => other,
        }
    }
}

/// What a store keeps per key: failures since the last reset (or since the key was
/// forgotten), and until when attempts are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    /// Failures counted.
    pub failures: u32,
    /// Attempts before this time are refused.
    pub locked_until: Timestamp,
}

impl Default for ThrottleState {
    /// No failures, not locked.
    fn default() -> Self {
        Self {
            failures: 0,
            locked_until: Timestamp::UNIX_EPOCH,
        }
    }
}

/// How a throttle answers repeated failed logins on one key: `free_failures` attempts in a
/// row go ahead, then a wait that doubles with every further failure, capped.
///
/// Every attempt is booked as a failure when it is let through
/// ([`check`](Self::check)), before its password is checked: it holds its slot from check to
/// verdict, so a burst of parallel attempts gets no more password checks than a sequence
/// would. The attempt that books the `free_failures`-th failure locks the key for
/// `base_delay`; each further one locks it for twice as long as the one before, never more
/// than `max_delay`, so a lock is always time-bounded. Attempts refused while locked book
/// nothing and never extend the lock. A verdict then settles the booking: a failure
/// ([`fail`](Self::fail)) keeps it (and re-applies its lock from the failure's time, so a
/// slow password check does not let the next attempt in early); a success resets an account
/// and [`release`](Self::release)s an address's booking; an attempt whose check could not be
/// made releases its bookings. An attempt that never gets a verdict (a client that hung up
/// mid-check) stays counted as a failure: no free guesses. A key with nothing booked for
/// `forget_after` after its lock ended is forgotten (its count starts again from zero).
///
/// ```
/// use auth_core::throttle::ThrottlePolicy;
/// use std::time::Duration;
/// let p = ThrottlePolicy::per_account(); // 5 free attempts, then 1 s doubling up to 15 min
/// assert_eq!(p.delay_after(4), Duration::ZERO);
/// assert_eq!(p.delay_after(5), Duration::from_secs(1));
/// assert_eq!(p.delay_after(7), Duration::from_secs(4));
/// assert_eq!(p.delay_after(100), Duration::from_secs(15 * 60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct ThrottlePolicy {
    free_failures: u32,
    base_delay: Duration,
    max_delay: Duration,
    forget_after: Duration,
}

impl ThrottlePolicy {
    /// The default per account: 5 attempts in a row, then a lock of 1 s doubling at each
    /// further failure up to 15 minutes; forgotten an hour after the lock ends.
    pub const fn per_account() -> Self {
        Self {
            free_failures: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(3600),
        }
    }

    /// The default per client address: 20 attempts in a row (many users may share one
    /// address behind a NAT), then the same as per account.
    pub const fn per_address() -> Self {
        Self {
            free_failures: 20,
            ..Self::per_account()
        }
    }

    /// How many attempts may fail in a row before the first wait: the one that books the
    /// `n`-th failure locks the key. 0 and 1 both mean one attempt, then a lock (the first
    /// attempt on a quiet key always goes ahead).
    pub const fn with_free_failures(mut self, n: u32) -> Self {
        self.free_failures = n;
        self
    }

    /// The first wait (above zero).
    pub const fn with_base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// The longest wait, whatever the count (at least `base_delay`).
    pub const fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// How long after its lock ends a key without a new failure is forgotten (above zero).
    pub const fn with_forget_after(mut self, d: Duration) -> Self {
        self.forget_after = d;
        self
    }

    /// See [`with_free_failures`](Self::with_free_failures).
    pub const fn free_failures(&self) -> u32 {
        self.free_failures
    }

    /// See [`with_base_delay`](Self::with_base_delay).
    pub const fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// See [`with_max_delay`](Self::with_max_delay).
    pub const fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// See [`with_forget_after`](Self::with_forget_after).
    pub const fn forget_after(&self) -> Duration {
        self.forget_after
    }

    /// Refuse a policy that cannot work.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for a zero base delay or forget
    /// period, or a cap below the base delay.
    pub fn validate(&self) -> Result<(), Error> {
        if self.base_delay.is_zero() || self.forget_after.is_zero() {
            return Err(Error::config(
                "a throttle's base delay and forget period must be above zero",
            ));
        }
        if self.max_delay < self.base_delay {
            return Err(Error::config(
                "a throttle's max delay must be at least its base delay",
            ));
        }
        Ok(())
    }

    /// The lock earned by the `failures`-th failure: none before `free_failures` (at least
    /// one), then `base_delay * 2^(failures - free_failures)`, at most `max_delay`.
    pub fn delay_after(&self, failures: u32) -> Duration {
        let free = self.free_failures.max(1);
        if failures < free {
            return Duration::ZERO;
        }
        let doublings = failures - free;
        if doublings >= 32 {
            return self.max_delay;
        }
        self.base_delay
            .checked_mul(1u32 << doublings)
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    /// May an attempt go ahead at `now`? Refused while locked (nothing booked, the lock
    /// unchanged); else the attempt is booked as a failure at once and the lock that count
    /// earns is set. Changes `state` in place.
    pub fn check(&self, state: &mut ThrottleState, now: Timestamp) -> Verdict {
        if state.locked_until > now {
            return Verdict::RetryAfter(state.locked_until.duration_since(now));
        }
        state.failures = state.failures.saturating_add(1);
        let lock = self.delay_after(state.failures);
        if !lock.is_zero() {
            state.locked_until = now.saturating_add(lock);
        }
        Verdict::Allowed
    }

    /// Confirm at `now` that a booked attempt failed: the count stays (it was booked by
    /// [`check`](Self::check)) and the lock it earns runs from `now` if that ends later; the
    /// verdict for the next attempt. On a key with nothing booked (reset or forgotten since the
    /// check), nothing changes.
    pub fn fail(&self, state: &mut ThrottleState, now: Timestamp) -> Verdict {
        let lock = self.delay_after(state.failures);
        if !lock.is_zero() {
            state.locked_until = state.locked_until.max(now.saturating_add(lock));
        }
        if state.locked_until > now {
            Verdict::RetryAfter(state.locked_until.duration_since(now))
        } else {
            Verdict::Allowed
        }
    }

    /// Undo one booking (an attempt that succeeded at an address, or whose check could not be
    /// made). A lock is lifted only when the remaining count earns none; a lock the remaining
    /// count earns is kept as it is (never shortened to a guess of when it was earned).
    pub fn release(&self, state: &mut ThrottleState) {
        state.failures = state.failures.saturating_sub(1);
        if self.delay_after(state.failures).is_zero() {
            state.locked_until = Timestamp::UNIX_EPOCH;
        }
    }

    /// When a key in `state` may be forgotten: `forget_after` after its lock ends (or after
    /// `now`, if it is not locked).
    pub fn expires_at(&self, state: &ThrottleState, now: Timestamp) -> Timestamp {
        state
            .locked_until
            .max(now)
            .saturating_add(self.forget_after)
    }
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self::per_account()
    }
}

#[cfg(test)]
mod tests;
