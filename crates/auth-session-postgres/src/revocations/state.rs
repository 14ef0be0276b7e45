//! What every instance holds in memory: the revocation set, the local feed, and whether the
//! set is in step with the database (and since when it is not).
//!
//! The same shape as auth-session-redis' (one day both may share it from auth-core).

use crate::error::TARGET;
use auth_core::{Clock, Error, Revocation, RevocationProbe, RevocationSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// How many revocations a slow subscriber may fall behind before it sees `Lagged`.
const FEED_CAPACITY: usize = 1024;

#[derive(Debug)]
pub(super) struct State {
    set: RwLock<RevocationSet>,
    feed: broadcast::Sender<Revocation>,
    synced: AtomicBool,
    /// When the set last fell out of step, in milliseconds since `started` (a monotonic clock:
    /// staleness is real elapsed time, whatever the injected clock says).
    unsynced_since_ms: AtomicU64,
    /// Whether "out of sync for longer than the bound" has been logged for this outage.
    stale_logged: AtomicBool,
    started: Instant,
    stale_after: Duration,
    pub(super) clock: Arc<dyn Clock>,
}

impl State {
    /// An empty set, out of sync until the first snapshot is loaded.
    pub(super) fn new(clock: Arc<dyn Clock>, stale_after: Duration) -> Self {
        Self {
            set: RwLock::new(RevocationSet::new()),
            feed: broadcast::channel(FEED_CAPACITY).0,
            synced: AtomicBool::new(false),
            unsynced_since_ms: AtomicU64::new(0),
            stale_logged: AtomicBool::new(false),
            started: Instant::now(),
            stale_after,
            clock,
        }
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Learn a revocation (ours, published, or from a snapshot); tell local subscribers if it
    /// changed anything. Already expired ones are ignored.
    pub(super) fn learn(&self, revocation: Revocation) {
        if revocation.expires_at <= self.clock.now() {
            return;
        }
        let changed = self
            .set
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(&revocation);
        if changed {
            // Nobody listening is fine.
            let _ = self.feed.send(revocation);
        }
    }

    /// Whether `probe` is revoked, or `Unavailable` once the set has been out of step for
    /// longer than the bound: a revocation published meanwhile may be missing from it.
    pub(super) fn contains(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error> {
        self.health()?;
        Ok(self
            .set
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(probe))
    }

    /// `Ok` while in sync, or out of sync for no longer than the bound.
    pub(super) fn health(&self) -> Result<(), Error> {
        match self.out_of_sync_for() {
            Some(lag) if lag > self.stale_after => Err(Error::unavailable(format!(
                "the revocation feed has been out of sync with the database for {lag:?} (bound {:?})",
                self.stale_after
            ))),
            _ => Ok(()),
        }
    }

    /// How long the set has been out of step with the database; `None` while in step.
    pub(super) fn out_of_sync_for(&self) -> Option<Duration> {
        if self.synced.load(Ordering::Acquire) {
            return None;
        }
        let since = self.unsynced_since_ms.load(Ordering::Acquire);
        Some(Duration::from_millis(
            self.elapsed_ms().saturating_sub(since),
        ))
    }

    /// Log, once per outage, that the bound has passed and checks now fail closed.
    pub(super) fn note_if_stale(&self) {
        if let Some(lag) = self.out_of_sync_for()
            && lag > self.stale_after
            && !self.stale_logged.swap(true, Ordering::AcqRel)
        {
            tracing::error!(
                target: TARGET,
                out_of_sync_ms = lag.as_millis() as u64,
                bound_ms = self.stale_after.as_millis() as u64,
                "revocation feed out of sync for longer than its bound: revocation checks fail closed (503) until it resynchronises"
            );
        }
    }

    /// Forget what expired.
    pub(super) fn prune(&self) {
        let now = self.clock.now();
        self.set
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .prune(now);
    }

    pub(super) fn len(&self) -> usize {
        self.set
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub(super) fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.feed.subscribe()
    }

    /// The snapshot is loaded and the subscription live: checks are trusted again.
    pub(super) fn mark_synced(&self) {
        let lag = self.out_of_sync_for();
        self.synced.store(true, Ordering::Release);
        self.stale_logged.store(false, Ordering::Release);
        if let Some(lag) = lag {
            tracing::info!(
                target: TARGET,
                out_of_sync_ms = lag.as_millis() as u64,
                "revocation feed in sync"
            );
        }
    }

    /// The subscription ended: from now on, what others revoke may be missed.
    pub(super) fn mark_unsynced(&self) {
        // Store the time before the flag, so a reader that sees "unsynced" sees its start.
        let now = self.elapsed_ms();
        if self.synced.load(Ordering::Acquire) {
            self.unsynced_since_ms.store(now, Ordering::Release);
            self.synced.store(false, Ordering::Release);
            tracing::warn!(
                target: TARGET,
                bound_ms = self.stale_after.as_millis() as u64,
                "revocation feed out of sync; resynchronising (checks fail closed if this lasts longer than the bound)"
            );
        }
    }

    pub(super) fn is_synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }
}
