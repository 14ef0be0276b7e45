//! The memory store's [`Revocations`]: one process, so the feed is a broadcast channel.

use super::store::MemoryStore;
use crate::error::Error;
use crate::metrics::record;
use crate::revocation::{Revocation, RevocationProbe, RevocationTarget, Revocations};
use async_trait::async_trait;
use std::sync::PoisonError;
use std::time::Duration;
use tokio::sync::broadcast;

#[async_trait]
impl Revocations for MemoryStore {
    async fn revoke(&self, revocation: Revocation) -> Result<(), Error> {
        let shared = self.shared();
        let now = shared.clock.now();
        let revocation = revocation.retained(now, self.revocation_horizon());
        let (changed, watermark) = {
            let mut set = shared
                .revocations
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            let pruned = set.prune(now);
            let changed = revocation.expires_at > now && set.insert(&revocation);
            // Bound what one subject adds: past the threshold, its session entries become one
            // watermark (under the same lock, so no revocation slips in between).
            let watermark = match (&revocation.target, revocation.subject()) {
                (RevocationTarget::Session { .. }, Some(subject)) if changed => {
                    set.collapse_if_over(subject, shared.sessions_per_subject, now)
                }
                _ => None,
            };
            if changed || pruned > 0 {
                record::revocations("memory", set.len());
            }
            (changed, watermark)
        };
        // No subscribers is fine: nobody caches anything yet.
        if changed {
            let _ = shared.feed.send(revocation);
        }
        if let Some(watermark) = watermark {
            let _ = shared.feed.send(watermark);
        }
        Ok(())
    }

    fn is_revoked(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error> {
        // One process: the list is always in step with itself.
        Ok(self
            .shared()
            .revocations
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(probe))
    }

    fn horizon(&self) -> Duration {
        self.revocation_horizon()
    }

    fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.shared().feed.subscribe()
    }
}

impl MemoryStore {
    /// How many revocations naming `subject` (its sessions' and its watermark) the store
    /// holds: at most the [per-subject threshold](super::MemoryStoreBuilder::with_revocations_per_subject)
    /// plus one.
    pub fn revocations_of(&self, subject: &str) -> usize {
        self.shared()
            .revocations
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .entries_of(subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Clock, ManualClock, SessionKey};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn revoke_is_seen_and_published_then_forgotten() {
        let clock = Arc::new(ManualClock::new());
        let store = MemoryStore::builder().with_clock(clock.clone()).build();
        let mut feed = store.subscribe();
        let key = SessionKey::from_bytes([1; 32]);
        let until = clock.now().saturating_add(store.horizon());
        store.revoke(Revocation::session(key, until)).await.unwrap();
        let probe = RevocationProbe {
            session: Some(&key),
            ..Default::default()
        };
        assert!(store.is_revoked(&probe).unwrap());
        assert_eq!(feed.recv().await.unwrap(), Revocation::session(key, until));
        clock.advance(store.horizon() + Duration::from_secs(1));
        store
            .revoke(Revocation::token("x", clock.now()))
            .await
            .unwrap();
        assert!(
            !store.is_revoked(&probe).unwrap(),
            "expired revocations are pruned"
        );
    }

    /// Finding 2 of the security review: a session revocation given a short expiry (the session
    /// layer used its 12 h absolute timeout) was forgotten while refresh families minted from
    /// that session (30 days) were still alive.
    #[tokio::test]
    async fn a_session_revocation_outlives_its_given_expiry_up_to_the_horizon() {
        let clock = Arc::new(ManualClock::new());
        let store = MemoryStore::builder()
            .with_clock(clock.clone())
            .with_revocation_horizon(Duration::from_secs(30 * 24 * 3600))
            .build();
        let key = SessionKey::from_bytes([2; 32]);
        let twelve_hours = Duration::from_secs(12 * 3600);
        store
            .revoke(Revocation::session(
                key,
                clock.now().saturating_add(twelve_hours),
            ))
            .await
            .unwrap();
        let probe = RevocationProbe {
            session: Some(&key),
            ..Default::default()
        };
        clock.advance(twelve_hours + Duration::from_secs(3600));
        store
            .revoke(Revocation::token("prune", clock.now()))
            .await
            .unwrap();
        assert!(
            store.is_revoked(&probe).unwrap(),
            "still revoked after 13 h"
        );
        clock.advance(Duration::from_secs(30 * 24 * 3600));
        store
            .revoke(Revocation::token("prune", clock.now()))
            .await
            .unwrap();
        assert!(
            !store.is_revoked(&probe).unwrap(),
            "forgotten after the horizon"
        );
    }
}
