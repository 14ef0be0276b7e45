//! [`MemoryThrottle`]: throttle counts in this process's memory, bounded in size.

use super::{ThrottleKey, ThrottlePolicy, ThrottleState, ThrottleStore, Verdict};
use crate::{Clock, Error, SystemClock, Timestamp};
use async_trait::async_trait;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The number of keys a [`MemoryThrottle`] holds by default.
pub(crate) const DEFAULT_CAPACITY: usize = 100_000;

#[derive(Debug, Default)]
struct Table {
    keys: HashMap<ThrottleKey, (ThrottleState, Timestamp)>,
    /// (expires_at, key) for every key: expiry pops from the front, so the work is
    /// proportional to what expires.
    expiry: BTreeSet<(Timestamp, ThrottleKey)>,
    /// (locked_until, failures, key) for every key: the first is the one to evict when full.
    /// Every key not locked now sorts before every locked one (its lock ended before now, or
    /// it never had one); among keys never locked, the fewest failures come first; among
    /// locked ones, the lock that ends first.
    worth: BTreeSet<(Timestamp, u32, ThrottleKey)>,
}

impl Table {
    fn prune(&mut self, now: Timestamp) {
        while let Some(&(at, key)) = self.expiry.first() {
            if at > now {
                break;
            }
            self.remove(&key);
        }
    }

    fn get(&self, key: &ThrottleKey) -> ThrottleState {
        self.keys.get(key).map(|(s, _)| *s).unwrap_or_default()
    }

    fn remove(&mut self, key: &ThrottleKey) {
        if let Some((state, at)) = self.keys.remove(key) {
            self.expiry.remove(&(at, *key));
            self.worth
                .remove(&(state.locked_until, state.failures, *key));
        }
    }

    /// Store `key` (expired keys are pruned before). Full: evict the least locked key held
    /// (never the one being stored: every attempt is counted).
    fn put(&mut self, key: ThrottleKey, state: ThrottleState, expires_at: Timestamp, cap: usize) {
        self.remove(&key);
        while self.keys.len() >= cap {
            match self.worth.first() {
                Some(&(_, _, victim)) => self.remove(&victim),
                None => break,
            }
        }
        self.expiry.insert((expires_at, key));
        self.worth.insert((state.locked_until, state.failures, key));
        self.keys.insert(key, (state, expires_at));
    }
}

/// A [`ThrottleStore`] in memory: for one instance (several instances each count on their
/// own; share a Redis store across instances). Cheap to clone (clones share the counts).
///
/// At most `capacity` keys are held (default 100,000, about 250 bytes each). When full,
/// expired keys go first, then the least locked: every key not locked now before any locked
/// one, fewer failures before more, an earlier lock end before a later one. So a flood of
/// fresh usernames or addresses cannot grow memory, and what it pushes out are other
/// one-failure keys, not a victim's account that is close to its lock, nor the flooding
/// address's own count.
///
/// ```
/// use auth_core::throttle::{MemoryThrottle, ThrottleKey, ThrottlePolicy, ThrottleStore};
/// # tokio_test_block_on(async {
/// let store = MemoryThrottle::new();
/// let key = ThrottleKey::account("alice");
/// let policy = ThrottlePolicy::per_account().with_free_failures(1);
/// assert!(store.check(&key, &policy).await?.is_allowed()); // booked: it holds the one slot
/// store.record_failure(&key, &policy).await?; // the password was wrong
/// assert!(store.check(&key, &policy).await?.retry_after().is_some());
/// store.reset(&key).await?;
/// assert!(store.check(&key, &policy).await?.is_allowed());
/// # Ok::<(), auth_core::Error>(()) });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MemoryThrottle {
    table: Arc<Mutex<Table>>,
    clock: Arc<dyn Clock>,
    capacity: usize,
}

impl Default for MemoryThrottle {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryThrottle {
    /// An empty store on the system clock, holding at most 100,000 keys.
    pub fn new() -> Self {
        Self {
            table: Arc::default(),
            clock: Arc::new(SystemClock),
            capacity: DEFAULT_CAPACITY,
        }
    }

    /// Judge locks and expiry by `clock` (a `ManualClock` in tests).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Hold at most `capacity` keys (at least 1).
    #[must_use]
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// How many keys are held (expired ones not yet pruned included).
    pub fn len(&self) -> usize {
        self.lock().keys.len()
    }

    /// Whether no keys are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn step(
        &self,
        key: &ThrottleKey,
        policy: &ThrottlePolicy,
        f: impl FnOnce(&ThrottlePolicy, &mut ThrottleState, Timestamp) -> Verdict,
    ) -> Verdict {
        let now = self.clock.now();
        let mut table = self.lock();
        table.prune(now);
        let before = table.get(key);
        let mut state = before;
        let verdict = f(policy, &mut state, now);
        if state == ThrottleState::default() {
            table.remove(key);
        } else if state != before {
            let expires_at = policy.expires_at(&state, now);
            table.put(*key, state, expires_at, self.capacity);
        }
        verdict
    }
}

#[async_trait]
impl ThrottleStore for MemoryThrottle {
    async fn check(&self, key: &ThrottleKey, policy: &ThrottlePolicy) -> Result<Verdict, Error> {
        Ok(self.step(key, policy, ThrottlePolicy::check))
    }

    async fn record_failure(
        &self,
        key: &ThrottleKey,
        policy: &ThrottlePolicy,
    ) -> Result<Verdict, Error> {
        Ok(self.step(key, policy, ThrottlePolicy::fail))
    }

    async fn release(&self, key: &ThrottleKey, policy: &ThrottlePolicy) -> Result<(), Error> {
        self.step(key, policy, |p, state, _| {
            p.release(state);
            Verdict::Allowed
        });
        Ok(())
    }

    async fn reset(&self, key: &ThrottleKey) -> Result<(), Error> {
        self.lock().remove(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use std::time::Duration;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy::per_account()
            .with_free_failures(2)
            .with_base_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(8))
            .with_forget_after(Duration::from_secs(60))
    }

    #[tokio::test]
    async fn the_memory_store_passes_the_conformance_suite() {
        super::super::throttle_store_conformance(Arc::new(MemoryThrottle::new())).await;
    }

    /// An attempt on `key` that is let through and fails; the verdict for the next one.
    async fn fails(store: &MemoryThrottle, key: &ThrottleKey) -> Verdict {
        assert!(store.check(key, &policy()).await.unwrap().is_allowed());
        store.record_failure(key, &policy()).await.unwrap()
    }

    #[tokio::test]
    async fn keys_are_forgotten_after_the_lock_and_the_forget_period() {
        let clock = Arc::new(ManualClock::new());
        let store = MemoryThrottle::new().with_clock(clock.clone());
        let key = ThrottleKey::account("alice");
        assert!(fails(&store, &key).await.is_allowed());
        assert_eq!(store.len(), 1);
        clock.advance(Duration::from_secs(61));
        // Pruned on the next call: the count starts again from zero.
        assert!(fails(&store, &key).await.is_allowed());
        assert_eq!(store.len(), 1);
    }

    #[tokio::test]
    async fn the_store_stays_within_its_capacity() {
        let clock = Arc::new(ManualClock::new());
        let store = MemoryThrottle::new()
            .with_clock(clock.clone())
            .with_capacity(100);
        let victim = ThrottleKey::account("victim");
        fails(&store, &victim).await;
        assert!(fails(&store, &victim).await.retry_after().is_some());
        for i in 0..1000 {
            let key = ThrottleKey::account(&format!("spray-{i}"));
            fails(&store, &key).await;
            clock.advance(Duration::from_micros(500));
        }
        assert_eq!(store.len(), 100);
        // The most-locked key is the last to go.
        assert!(
            store
                .check(&victim, &policy())
                .await
                .unwrap()
                .retry_after()
                .is_some()
        );
    }

    #[tokio::test]
    async fn a_flood_of_new_keys_evicts_the_least_locked_not_the_oldest() {
        let clock = Arc::new(ManualClock::new());
        let store = MemoryThrottle::new()
            .with_clock(clock.clone())
            .with_capacity(100);
        let account = ThrottlePolicy::per_account().with_free_failures(5);
        let address = ThrottlePolicy::per_address();
        // A victim's account 2 failures short of its lock, and the flooding address 1 short
        // of its own: the oldest keys in the store, not locked.
        let victim = ThrottleKey::account("victim");
        let flooder = ThrottleKey::address("203.0.113.66".parse().unwrap());
        for _ in 0..3 {
            assert!(store.check(&victim, &account).await.unwrap().is_allowed());
            store.record_failure(&victim, &account).await.unwrap();
        }
        for _ in 0..19 {
            assert!(store.check(&flooder, &address).await.unwrap().is_allowed());
        }
        clock.advance(Duration::from_secs(1));
        // 1,000 fresh usernames, one failure each.
        for i in 0..1000 {
            let key = ThrottleKey::account(&format!("spray-{i}"));
            store.check(&key, &account).await.unwrap();
            store.record_failure(&key, &account).await.unwrap();
        }
        assert_eq!(store.len(), 100);
        // Both counts survived: 2 more attempts lock the victim, 1 more the address.
        for _ in 0..2 {
            assert!(store.check(&victim, &account).await.unwrap().is_allowed());
        }
        assert!(!store.check(&victim, &account).await.unwrap().is_allowed());
        assert!(store.check(&flooder, &address).await.unwrap().is_allowed());
        assert!(!store.check(&flooder, &address).await.unwrap().is_allowed());
    }

    #[tokio::test]
    async fn expired_keys_go_before_any_live_one() {
        let clock = Arc::new(ManualClock::new());
        let store = MemoryThrottle::new()
            .with_clock(clock.clone())
            .with_capacity(2);
        let old = ThrottleKey::account("old");
        for _ in 0..2 {
            fails(&store, &old).await; // locked for 1 s, forgotten 60 s later
        }
        clock.advance(Duration::from_secs(62));
        let live = ThrottleKey::account("live");
        fails(&store, &live).await;
        fails(&store, &ThrottleKey::account("new")).await;
        assert_eq!(store.len(), 2);
        assert!(
            fails(&store, &live).await.retry_after().is_some(),
            "the live key kept its count"
        );
    }

    #[tokio::test]
    async fn a_reset_forgets_the_account_and_a_release_leaves_nothing_behind() {
        let store = MemoryThrottle::new();
        let key = ThrottleKey::account("alice");
        fails(&store, &key).await;
        fails(&store, &key).await;
        assert!(!store.check(&key, &policy()).await.unwrap().is_allowed());
        store.reset(&key).await.unwrap();
        assert!(store.is_empty());
        assert!(store.check(&key, &policy()).await.unwrap().is_allowed());
        store.release(&key, &policy()).await.unwrap();
        assert!(store.is_empty(), "a released booking leaves no key");
    }
}
