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
/// caller's):
/// - [`check`](Self::check) applies [`ThrottlePolicy::check`] (which may reserve a lock) and
///   stores the state if it changed;
/// - [`record_failure`](Self::record_failure) applies [`ThrottlePolicy::fail`];
/// - [`reset`](Self::reset) removes the key.
///
/// A stored key is dropped at [`ThrottlePolicy::expires_at`], so nothing outlives its use
/// (a Redis key has that expiry; a memory store is also bounded in size). Concurrent calls on
/// one key never lose a count: 50 concurrent failures count 50.
///
/// A store that cannot answer returns [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable):
/// the login then fails closed (503), it is never let through unthrottled.
#[async_trait]
pub trait ThrottleStore: Send + Sync + fmt::Debug + 'static {
    /// May an attempt on `key` go ahead now, under `policy`?
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn check(&self, key: &ThrottleKey, policy: &ThrottlePolicy) -> Result<Verdict, Error>;

    /// Count a failed attempt on `key`; the verdict for the next attempt.
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn record_failure(
        &self,
        key: &ThrottleKey,
        policy: &ThrottlePolicy,
    ) -> Result<Verdict, Error>;

    /// Forget `key` (a successful login resets its account).
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn reset(&self, key: &ThrottleKey) -> Result<(), Error>;
}
