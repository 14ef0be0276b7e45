//! [`RevocationFeed`]: the handle a store's `Revocations` list holds: the in-memory set, and
//! the background loop that keeps it in step (stopped when the handle is dropped).

use super::runner::Runner;
use super::{FeedSettings, FeedState, FeedTransport};
use crate::revocation::{Revocation, RevocationProbe};
use crate::{Clock, Error};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

/// The in-memory revocation set of one instance, kept in step with a store by a background
/// loop over the store's [`FeedTransport`] (see the [module docs](super)). Checks are hash
/// lookups without I/O; past the staleness bound out of sync they fail closed.
#[derive(Debug)]
pub struct RevocationFeed {
    state: Arc<FeedState>,
    listener: JoinHandle<()>,
}

impl Drop for RevocationFeed {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl RevocationFeed {
    /// Refuse, before any I/O, a horizon of zero or a staleness bound under a second (the
    /// loop checks its connection once a second, so a shorter bound would fail closed on a
    /// healthy feed).
    ///
    /// # Errors
    /// [`Config`](crate::ErrorKind::Config).
    pub fn check(settings: &FeedSettings) -> Result<(), Error> {
        if settings.horizon.is_zero() {
            return Err(Error::config("the revocation horizon must be above zero"));
        }
        if settings.stale_after < Duration::from_secs(1) {
            return Err(Error::config(
                "the revocation staleness bound must be at least 1 s: the feed checks its connection once a second",
            ));
        }
        Ok(())
    }

    /// Subscribe through `transport` and load the snapshot (out of sync until then), then keep
    /// listening in a task on the current Tokio runtime that resynchronises by itself. `clock`
    /// judges expiry; the settings' horizon must be the same on every instance.
    ///
    /// # Errors
    /// [`Config`](crate::ErrorKind::Config) as [`check`](Self::check); whatever the first
    /// subscription or snapshot failed with (`Unavailable` when the store cannot be reached).
    pub async fn start<T: FeedTransport>(
        transport: T,
        clock: Arc<dyn Clock>,
        settings: &FeedSettings,
    ) -> Result<Self, Error> {
        Self::check(settings)?;
        let state = Arc::new(FeedState::new(
            clock,
            settings.stale_after,
            settings.horizon,
            T::SOURCE,
            T::STORE,
        ));
        let runner = Runner::new(transport, state.clone());
        let subscription = runner.sync().await?;
        let listener = tokio::spawn(runner.run(subscription));
        Ok(Self { state, listener })
    }

    /// Learn a revocation this instance made (or a watermark its store made of it), before or
    /// without the feed bringing it back; already expired ones are ignored.
    pub fn learn(&self, revocation: Revocation) {
        self.state.learn(revocation);
    }

    /// Forget what expired.
    pub fn prune(&self) {
        self.state.prune();
    }

    /// The clock that judges expiry.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        self.state.clock()
    }

    /// Whether anything in `probe` is revoked.
    ///
    /// # Errors
    /// `Unavailable` once the set has been out of sync for longer than the bound.
    pub fn is_revoked(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error> {
        self.state.contains(probe)
    }

    /// `Ok` while in sync or out of sync for no longer than the bound.
    ///
    /// # Errors
    /// `Unavailable` past the bound.
    pub fn health(&self) -> Result<(), Error> {
        self.state.health()
    }

    /// Revocations this instance learns from now on, as it learns them.
    pub fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.state.subscribe()
    }

    /// Whether the listener is connected and has loaded the snapshot.
    pub fn is_synced(&self) -> bool {
        self.state.is_synced()
    }

    /// How long the set has been out of sync; `None` while in sync.
    pub fn out_of_sync_for(&self) -> Option<Duration> {
        self.state.out_of_sync_for()
    }

    /// How many revocations are held.
    pub fn len(&self) -> usize {
        self.state.len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
    }

    /// How many revocations naming `subject` are held (its sessions' and its watermark).
    pub fn entries_of(&self, subject: &str) -> usize {
        self.state.entries_of(subject)
    }
}
