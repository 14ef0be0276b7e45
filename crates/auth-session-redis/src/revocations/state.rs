//! What every instance holds in memory: auth-core's [`FeedState`] (the set, the local feed,
//! whether the set is in step with Redis), with its transitions logged under this crate's
//! tracing target.

use crate::error::TARGET;
use auth_core::Clock;
use auth_core::FeedState;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug)]
pub(super) struct State(FeedState);

impl Deref for State {
    type Target = FeedState;

    fn deref(&self) -> &FeedState {
        &self.0
    }
}

impl State {
    /// An empty set, out of sync until the first snapshot is loaded.
    pub(super) fn new(clock: Arc<dyn Clock>, stale_after: Duration, horizon: Duration) -> Self {
        Self(FeedState::new(
            clock,
            stale_after,
            horizon,
            "Redis",
            "redis",
        ))
    }

    /// Log, once per outage, that the bound has passed and checks now fail closed.
    pub(super) fn note_if_stale(&self) {
        if let Some(lag) = self.0.newly_stale() {
            tracing::error!(
                target: TARGET,
                out_of_sync_ms = lag.as_millis() as u64,
                bound_ms = self.0.stale_after().as_millis() as u64,
                "revocation feed out of sync for longer than its bound: revocation checks fail closed (503) until it resynchronises"
            );
        }
    }

    /// The snapshot is loaded and the subscription live: checks are trusted again.
    pub(super) fn mark_synced(&self) {
        if let Some(lag) = self.0.mark_synced() {
            tracing::info!(
                target: TARGET,
                out_of_sync_ms = lag.as_millis() as u64,
                "revocation feed in sync"
            );
        }
    }

    /// The subscription ended: from now on, what others revoke may be missed.
    pub(super) fn mark_unsynced(&self) {
        if self.0.mark_unsynced() {
            tracing::warn!(
                target: TARGET,
                bound_ms = self.0.stale_after().as_millis() as u64,
                "revocation feed out of sync; resynchronising (checks fail closed if this lasts longer than the bound)"
            );
        }
    }
}
