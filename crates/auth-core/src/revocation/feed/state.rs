//! [`FeedState`]: what every instance of a feed-backed revocation list holds in memory (the
//! set, a local broadcast of what it learns, and whether the set is in step with the shared
//! store, since when it is not). The loop logs its transitions under the store's tracing
//! target, so its methods report them instead of logging.

use crate::metrics::record;
use crate::revocation::{Revocation, RevocationProbe, RevocationSet};
use crate::{Clock, Error};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// How many revocations a slow subscriber may fall behind before it sees `Lagged`.
const FEED_CAPACITY: usize = 1024;

/// The in-memory side of a revocation feed. See the module docs.
#[derive(Debug)]
pub(crate) struct FeedState {
    set: RwLock<RevocationSet>,
    feed: broadcast::Sender<Revocation>,
    synced: AtomicBool,
    /// When the set last fell out of step, in milliseconds since `started` (a monotonic clock:
    /// staleness is real elapsed time, whatever the injected clock says).
    unsynced_since_ms: AtomicU64,
    /// Whether "out of sync for longer than the bound" was reported for this outage.
    stale_reported: AtomicBool,
    started: Instant,
    stale_after: Duration,
    /// What the set follows, for error messages ("Redis", "the database").
    source: &'static str,
    /// The `store` label of its metrics (`redis`, `postgres`).
    store: &'static str,
    clock: Arc<dyn Clock>,
}

impl FeedState {
    /// An empty set following `source` (named in errors), out of sync until the first snapshot
    /// is loaded; past `stale_after` out of sync, checks answer `Unavailable`. `horizon` is the
    /// list's (the same on every instance): a subject's watermark drops the session entries it
    /// covers (see [`RevocationSet`]). Its metrics carry the label `store="<store>"`.
    pub(crate) fn new(
        clock: Arc<dyn Clock>,
        stale_after: Duration,
        horizon: Duration,
        source: &'static str,
        store: &'static str,
    ) -> Self {
        record::feed_in_sync(store, false);
        record::revocations(store, 0);
        Self {
            set: RwLock::new(RevocationSet::with_horizon(horizon)),
            feed: broadcast::channel(FEED_CAPACITY).0,
            synced: AtomicBool::new(false),
            unsynced_since_ms: AtomicU64::new(0),
            stale_reported: AtomicBool::new(false),
            started: Instant::now(),
            stale_after,
            source,
            store,
            clock,
        }
    }

    /// The clock that judges expiry.
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The bound past which an out-of-sync set fails closed.
    pub(crate) fn stale_after(&self) -> Duration {
        self.stale_after
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Learn a revocation (ours, published, or from a snapshot); tell local subscribers if it
    /// changed anything. Already expired ones are ignored.
    pub(crate) fn learn(&self, revocation: Revocation) {
        if revocation.expires_at <= self.clock.now() {
            return;
        }
        let changed = {
            let mut set = self.set.write().unwrap_or_else(PoisonError::into_inner);
            let changed = set.insert(&revocation);
            if changed {
                record::revocations(self.store, set.len());
            }
            changed
        };
        if changed {
            // Nobody listening is fine.
            let _ = self.feed.send(revocation);
        }
    }

    /// Learn a batch of revocations (a page of a snapshot) under one lock: a large snapshot
    /// loads at the cost of its inserts, not of a lock, a clock read and a metric per entry.
    /// Local subscribers hear of each one that changed anything (when there are any).
    pub(crate) fn learn_batch(&self, revocations: Vec<Revocation>) {
        let now = self.clock.now();
        let listening = self.feed.receiver_count() > 0;
        let mut changed = Vec::new();
        {
            let mut set = self.set.write().unwrap_or_else(PoisonError::into_inner);
            let before = set.len();
            for revocation in revocations {
                if revocation.expires_at > now && set.insert(&revocation) && listening {
                    changed.push(revocation);
                }
            }
            if set.len() != before {
                record::revocations(self.store, set.len());
            }
        }
        for revocation in changed {
            // Nobody listening is fine.
            let _ = self.feed.send(revocation);
        }
    }

    /// Whether `probe` is revoked, or `Unavailable` once the set has been out of step for
    /// longer than the bound: a revocation published meanwhile may be missing from it.
    ///
    /// # Errors
    /// `Unavailable` past the bound.
    pub(crate) fn contains(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error> {
        self.health()?;
        Ok(self
            .set
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(probe))
    }

    /// `Ok` while in sync, or out of sync for no longer than the bound.
    ///
    /// # Errors
    /// `Unavailable` past the bound.
    pub(crate) fn health(&self) -> Result<(), Error> {
        match self.out_of_sync_for() {
            Some(lag) if lag > self.stale_after => Err(Error::unavailable(format!(
                "the revocation feed has been out of sync with {} for {lag:?} (bound {:?})",
                self.source, self.stale_after
            ))),
            _ => Ok(()),
        }
    }

    /// How long the set has been out of step; `None` while in step.
    pub(crate) fn out_of_sync_for(&self) -> Option<Duration> {
        if self.synced.load(Ordering::Acquire) {
            return None;
        }
        let since = self.unsynced_since_ms.load(Ordering::Acquire);
        Some(Duration::from_millis(
            self.elapsed_ms().saturating_sub(since),
        ))
    }

    /// `Some(lag)` the first time in an outage that the bound has passed (the caller logs that
    /// checks now fail closed); `None` otherwise.
    pub(crate) fn newly_stale(&self) -> Option<Duration> {
        let lag = self.out_of_sync_for()?;
        (lag > self.stale_after && !self.stale_reported.swap(true, Ordering::AcqRel)).then_some(lag)
    }

    /// Forget what expired.
    pub(crate) fn prune(&self) {
        let now = self.clock.now();
        let mut set = self.set.write().unwrap_or_else(PoisonError::into_inner);
        if set.prune(now) > 0 {
            record::revocations(self.store, set.len());
        }
    }

    /// How many revocations are held.
    pub(crate) fn len(&self) -> usize {
        self.set
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// How many revocations naming `subject` are held (its sessions' and its watermark).
    pub(crate) fn entries_of(&self, subject: &str) -> usize {
        self.set
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .entries_of(subject)
    }

    /// Whether none are held.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Revocations learnt from now on, as they are learnt.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.feed.subscribe()
    }

    /// The snapshot is loaded and the subscription live: checks are trusted again. Returns
    /// how long it was out of sync, if it was (the caller logs the recovery).
    pub(crate) fn mark_synced(&self) -> Option<Duration> {
        let lag = self.out_of_sync_for();
        self.synced.store(true, Ordering::Release);
        self.stale_reported.store(false, Ordering::Release);
        if lag.is_some() {
            record::feed_in_sync(self.store, true);
            record::feed_resynced(self.store);
        }
        lag
    }

    /// The subscription ended: from now on, what others revoke may be missed. Whether this
    /// call took it out of sync (the caller logs that).
    pub(crate) fn mark_unsynced(&self) -> bool {
        // Store the time before the flag, so a reader that sees "unsynced" sees its start.
        let now = self.elapsed_ms();
        if self.synced.load(Ordering::Acquire) {
            self.unsynced_since_ms.store(now, Ordering::Release);
            self.synced.store(false, Ordering::Release);
            record::feed_in_sync(self.store, false);
            true
        } else {
            false
        }
    }

    /// Whether the set is in step.
    pub(crate) fn is_synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SystemClock;

    #[test]
    fn fails_closed_past_the_bound_and_reports_each_transition_once() {
        let state = FeedState::new(
            Arc::new(SystemClock),
            Duration::from_millis(20),
            Duration::from_secs(60),
            "a test",
            "test",
        );
        let probe = RevocationProbe {
            token_id: Some("t"),
            ..RevocationProbe::default()
        };
        assert!(!state.is_synced());
        assert_eq!(state.mark_synced().map(|_| ()), Some(()), "was out of sync");
        assert_eq!(state.contains(&probe).ok(), Some(false));
        state.learn(Revocation::token(
            "t",
            SystemClock.now().saturating_add(Duration::from_secs(60)),
        ));
        assert_eq!(state.contains(&probe).ok(), Some(true));
        assert!(state.mark_unsynced());
        assert!(!state.mark_unsynced(), "already out of sync");
        std::thread::sleep(Duration::from_millis(30));
        assert!(
            state.contains(&probe).is_err(),
            "fail closed past the bound"
        );
        assert!(state.newly_stale().is_some());
        assert!(state.newly_stale().is_none(), "reported once per outage");
        assert!(state.mark_synced().is_some());
        assert_eq!(
            state.contains(&probe).ok(),
            Some(true),
            "what it knew is kept"
        );
    }
}
