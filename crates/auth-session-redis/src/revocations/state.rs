//! What every instance holds in memory: the revocation set, the local feed, and whether the
//! set is in step with Redis.

use auth_core::{Clock, Revocation, RevocationProbe, RevocationSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use tokio::sync::broadcast;

/// How many revocations a slow subscriber may fall behind before it sees `Lagged`.
const FEED_CAPACITY: usize = 1024;

#[derive(Debug)]
pub(super) struct State {
    set: RwLock<RevocationSet>,
    feed: broadcast::Sender<Revocation>,
    synced: AtomicBool,
    pub(super) clock: Arc<dyn Clock>,
}

impl State {
    pub(super) fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            set: RwLock::new(RevocationSet::new()),
            feed: broadcast::channel(FEED_CAPACITY).0,
            synced: AtomicBool::new(false),
            clock,
        }
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

    pub(super) fn contains(&self, probe: &RevocationProbe<'_>) -> bool {
        self.set
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(probe)
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

    pub(super) fn set_synced(&self, synced: bool) {
        self.synced.store(synced, Ordering::SeqCst);
    }

    pub(super) fn is_synced(&self) -> bool {
        self.synced.load(Ordering::SeqCst)
    }
}
