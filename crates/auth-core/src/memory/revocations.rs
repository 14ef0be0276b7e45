//! The memory store's [`Revocations`]: one process, so the feed is a broadcast channel.

use super::store::MemoryStore;
use crate::error::Error;
use crate::revocation::{Revocation, RevocationProbe, Revocations};
use async_trait::async_trait;
use std::sync::PoisonError;
use tokio::sync::broadcast;

#[async_trait]
impl Revocations for MemoryStore {
    async fn revoke(&self, revocation: Revocation) -> Result<(), Error> {
        let shared = self.shared();
        let now = shared.clock.now();
        let changed = {
            let mut set = shared
                .revocations
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            set.prune(now);
            revocation.expires_at > now && set.insert(&revocation)
        };
        if changed {
            // No subscribers is fine: nobody caches anything yet.
            let _ = shared.feed.send(revocation);
        }
        Ok(())
    }

    fn is_revoked(&self, probe: &RevocationProbe<'_>) -> bool {
        self.shared()
            .revocations
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(probe)
    }

    fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.shared().feed.subscribe()
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
        let store = MemoryStore::with_clock(clock.clone());
        let mut feed = store.subscribe();
        let key = SessionKey::from_bytes([1; 32]);
        let until = clock.now().saturating_add(Duration::from_secs(60));
        store.revoke(Revocation::session(key, until)).await.unwrap();
        let probe = RevocationProbe {
            session: Some(&key),
            ..Default::default()
        };
        assert!(store.is_revoked(&probe));
        assert_eq!(feed.recv().await.unwrap(), Revocation::session(key, until));
        clock.advance(Duration::from_secs(61));
        store
            .revoke(Revocation::token("x", clock.now()))
            .await
            .unwrap();
        assert!(!store.is_revoked(&probe), "expired revocations are pruned");
    }
}
