//! [`ThrottledAttempt`]: an allowed login attempt holding its slots until its outcome is reported.

use super::{LoginThrottle, TARGET, ThrottleKey};

/// An allowed login attempt, waiting for its outcome; see [`LoginThrottle::begin`].
///
/// It holds a slot of its account's and its address's free attempts (booked as a failure
/// when it was allowed) until its outcome is reported. Dropped without one, it stays
/// counted as a failure: a client that hangs up mid-check gets no free guess.
#[derive(Debug)]
#[must_use = "report the outcome with succeeded(), failed() or abandon()"]
pub struct ThrottledAttempt {
    pub(super) throttle: LoginThrottle,
    pub(super) account: ThrottleKey,
    pub(super) address: Option<ThrottleKey>,
}

impl ThrottledAttempt {
    /// The password was right: reset the account's count and give the address its slot
    /// back (never reset the address, or an attacker's own account would clear the address
    /// they guess from). A store failure is logged; the login stands.
    pub async fn succeeded(self) {
        let inner = &self.throttle.inner;
        if let Err(e) = inner.store.reset(&self.account).await {
            tracing::warn!(target: TARGET, error = %e, "could not reset the account's login throttle");
        }
        self.release_address().await;
    }

    /// The password was wrong: the failure booked for the account and the client address
    /// stands, its lock running from now (a store failure is logged; the login is refused
    /// anyway).
    pub async fn failed(self) {
        let inner = &self.throttle.inner;
        let a = inner
            .store
            .record_failure(&self.account, &inner.account)
            .await;
        let c = match &self.address {
            Some(key) => inner
                .store
                .record_failure(key, &inner.address)
                .await
                .map(Some),
            None => Ok(None),
        };
        for e in [a.err(), c.err()].into_iter().flatten() {
            tracing::warn!(target: TARGET, error = %e, "could not confirm a failed login");
        }
        tracing::debug!(target: TARGET, "failed login counted");
    }

    /// The password could not be checked (the user database was down): give both slots
    /// back, nothing is counted (a store failure is logged).
    pub async fn abandon(self) {
        let inner = &self.throttle.inner;
        if let Err(e) = inner.store.release(&self.account, &inner.account).await {
            tracing::warn!(target: TARGET, error = %e, "could not release an abandoned login's account booking");
        }
        self.release_address().await;
    }

    async fn release_address(&self) {
        let inner = &self.throttle.inner;
        if let Some(key) = &self.address
            && let Err(e) = inner.store.release(key, &inner.address).await
        {
            tracing::warn!(target: TARGET, error = %e, "could not release a login's address booking");
        }
    }
}
