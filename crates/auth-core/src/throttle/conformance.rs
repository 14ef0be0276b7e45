//! [`throttle_store_conformance`]: the checks every [`ThrottleStore`] must pass, on real time
//! (a shared store judges time by its server's clock, so no manual clock can drive it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{ThrottleKey, ThrottlePolicy, ThrottleStore, Verdict};
use crate::SessionId;
use std::sync::Arc;
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

fn fresh(kind: &str) -> ThrottleKey {
    let hex = SessionId::generate().expect("random").key().to_hex();
    ThrottleKey::account(&format!("conformance-{kind}-{hex}"))
}

fn wait_of(v: Verdict) -> Duration {
    v.retry_after()
        .unwrap_or_else(|| panic!("expected a wait, got {v:?}"))
}

/// Run every check against `store`; panics on the first violation of the
/// [`ThrottleStore`] contract. Takes about a second (it waits for real locks to pass).
///
/// # Panics
/// On any violation, or a store error.
pub async fn throttle_store_conformance(store: Arc<dyn ThrottleStore>) {
    let policy = ThrottlePolicy::per_account()
        .with_free_failures(3)
        .with_base_delay(150 * MS)
        .with_max_delay(300 * MS)
        .with_forget_after(Duration::from_secs(30));
    backoff_and_refusals(&*store, &policy).await;
    reset(&*store, &policy).await;
    cap_and_independence(&*store, &policy).await;
    expiry(&*store).await;
    concurrency(store).await;
}

async fn backoff_and_refusals(store: &dyn ThrottleStore, p: &ThrottlePolicy) {
    let key = fresh("backoff");
    assert_eq!(store.check(&key, p).await.unwrap(), Verdict::Allowed);
    for _ in 0..3 {
        assert!(store.record_failure(&key, p).await.unwrap().is_allowed());
    }
    let wait = wait_of(store.record_failure(&key, p).await.unwrap());
    assert!(wait > 100 * MS && wait <= 150 * MS, "{wait:?}");
    // Refused while locked, without extending the lock.
    for _ in 0..5 {
        let again = wait_of(store.check(&key, p).await.unwrap());
        assert!(again <= wait, "{again:?} > {wait:?}");
    }
    tokio::time::sleep(wait + 20 * MS).await;
    // One attempt goes ahead and reserves the next lock (2 × base); a concurrent one waits.
    assert_eq!(store.check(&key, p).await.unwrap(), Verdict::Allowed);
    let reserved = wait_of(store.check(&key, p).await.unwrap());
    assert!(reserved > 250 * MS && reserved <= 300 * MS, "{reserved:?}");
}

async fn reset(store: &dyn ThrottleStore, p: &ThrottlePolicy) {
    let key = fresh("reset");
    for _ in 0..4 {
        store.record_failure(&key, p).await.unwrap();
    }
    assert!(!store.check(&key, p).await.unwrap().is_allowed());
    store.reset(&key).await.unwrap();
    assert_eq!(store.check(&key, p).await.unwrap(), Verdict::Allowed);
    assert!(
        store.record_failure(&key, p).await.unwrap().is_allowed(),
        "the count starts again from zero after a reset"
    );
    store.reset(&fresh("never-seen")).await.unwrap();
}

async fn cap_and_independence(store: &dyn ThrottleStore, p: &ThrottlePolicy) {
    let key = fresh("cap");
    let other = fresh("other");
    let mut last = Verdict::Allowed;
    for _ in 0..40 {
        last = store.record_failure(&key, p).await.unwrap();
    }
    assert!(wait_of(last) <= 300 * MS, "capped: {last:?}");
    assert_eq!(store.check(&other, p).await.unwrap(), Verdict::Allowed);
    assert!(store.record_failure(&other, p).await.unwrap().is_allowed());
}

async fn expiry(store: &dyn ThrottleStore) {
    let p = ThrottlePolicy::per_account()
        .with_free_failures(1)
        .with_base_delay(50 * MS)
        .with_max_delay(50 * MS)
        .with_forget_after(150 * MS);
    let key = fresh("expiry");
    assert!(store.record_failure(&key, &p).await.unwrap().is_allowed());
    tokio::time::sleep(250 * MS).await;
    assert!(
        store.record_failure(&key, &p).await.unwrap().is_allowed(),
        "a key is forgotten after its forget period"
    );
}

async fn concurrency(store: Arc<dyn ThrottleStore>) {
    // 50 failures, 45 free: base × 2^4 = 160 ms if all 50 counted (80 ms for 49).
    let p = ThrottlePolicy::per_account()
        .with_free_failures(45)
        .with_base_delay(10 * MS)
        .with_max_delay(Duration::from_secs(100))
        .with_forget_after(Duration::from_secs(30));
    let key = fresh("concurrent");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.record_failure(&key, &p).await })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("record");
    }
    let wait = wait_of(store.check(&key, &p).await.unwrap());
    assert!(
        wait > 80 * MS && wait <= 160 * MS,
        "50 concurrent failures must count 50: {wait:?}"
    );
}
