//! [`ThrottleStore`]: where throttle counts live, one atomic step per call.

use super::{ThrottleKey, ThrottlePolicy, Verdict};
use crate::Error;
use async_trait::async_trait;
use std::fmt;

/// Failed-login counts per [`ThrottleKey`]. Object-safe; every method is atomic per key.
///
/// # Contract
/// State per key: a [`ThrottleState`](super::ThrottleState), absent meaning zero failures and
/// no lock. With the store's clock `now` (a shared store uses its server's clock, never a
/// caller's), each call is one atomic step on the key (across instances, for a shared store):
/// - [`check`](Self::check) applies [`ThrottlePolicy::check`]: refused while locked, else the
///   attempt is booked (counted as a failure) and the lock it earns set, in the same step, so
///   200 concurrent checks on a quiet key with 5 free failures let exactly 5 through;
/// - [`record_failure`](Self::record_failure) applies [`ThrottlePolicy::fail`] (confirms a
///   booked failure: no second count);
/// - [`release`](Self::release) applies [`ThrottlePolicy::release`] (undoes one booking),
///   removing the key when nothing is left;
/// - [`reset`](Self::reset) removes the key.
///
/// A stored key is dropped at [`ThrottlePolicy::expires_at`], so nothing outlives its use
/// (a Redis key has that expiry; a memory store is also bounded in size). Concurrent calls on
/// one key never lose a count.
///
/// A store that cannot answer returns [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable):
/// the login then fails closed (503), it is never let through unthrottled.
#[async_trait]
pub trait ThrottleStore: Send + Sync + fmt::Debug + 'static {
    /// May an attempt on `key` go ahead now, under `policy`? An allowed attempt is booked
    /// as a failure until [`release`](Self::release)d or reset.
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn check(&self, key: &ThrottleKey, policy: &ThrottlePolicy) -> Result<Verdict, Error>;

    /// Confirm that an attempt [`check`](Self::check) let through failed (its lock runs from
    /// now); the verdict for the next attempt.
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn record_failure(
        &self,
        key: &ThrottleKey,
        policy: &ThrottlePolicy,
    ) -> Result<Verdict, Error>;

    /// Undo one booking on `key` (a success at a client address, or an attempt whose
    /// password could not be checked).
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn release(&self, key: &ThrottleKey, policy: &ThrottlePolicy) -> Result<(), Error>;

    /// Forget `key` (a successful login resets its account).
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn reset(&self, key: &ThrottleKey) -> Result<(), Error>;
}
