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

/// An attempt on `key` that is let through and fails; the verdict for the next one.
async fn fails(store: &dyn ThrottleStore, key: &ThrottleKey, p: &ThrottlePolicy) -> Verdict {
    assert_eq!(store.check(key, p).await.unwrap(), Verdict::Allowed);
    store.record_failure(key, p).await.unwrap()
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
    a_failure_is_counted_once(&*store, &policy).await;
    reset(&*store, &policy).await;
    release(&*store, &policy).await;
    cap_and_independence(&*store).await;
    expiry(&*store).await;
    concurrent_burst(store.clone()).await;
    concurrent_verdicts(store).await;
}

async fn backoff_and_refusals(store: &dyn ThrottleStore, p: &ThrottlePolicy) {
    let key = fresh("backoff");
    for _ in 0..2 {
        assert!(fails(store, &key, p).await.is_allowed());
    }
    // The third attempt is the last free one: its failure locks the key.
    let wait = wait_of(fails(store, &key, p).await);
    assert!(wait > 100 * MS && wait <= 150 * MS, "{wait:?}");
    // Refused while locked, without extending the lock.
    for _ in 0..5 {
        let again = wait_of(store.check(&key, p).await.unwrap());
        assert!(again <= wait, "{again:?} > {wait:?}");
    }
    tokio::time::sleep(wait + 20 * MS).await;
    // One attempt goes ahead and books the next lock (2 × base); a concurrent one waits.
    assert_eq!(store.check(&key, p).await.unwrap(), Verdict::Allowed);
    let booked = wait_of(store.check(&key, p).await.unwrap());
    assert!(booked > 250 * MS && booked <= 300 * MS, "{booked:?}");
}

async fn a_failure_is_counted_once(store: &dyn ThrottleStore, p: &ThrottlePolicy) {
    let key = fresh("counted-once");
    assert!(fails(store, &key, p).await.is_allowed());
    assert!(fails(store, &key, p).await.is_allowed());
    assert_eq!(
        store.check(&key, p).await.unwrap(),
        Verdict::Allowed,
        "two confirmed failures of 3 free: the third attempt goes ahead"
    );
    // A failure on a key with nothing booked (reset since its check) counts nothing.
    let quiet = fresh("unbooked");
    assert!(store.record_failure(&quiet, p).await.unwrap().is_allowed());
    for _ in 0..3 {
        assert_eq!(store.check(&quiet, p).await.unwrap(), Verdict::Allowed);
    }
}

async fn reset(store: &dyn ThrottleStore, p: &ThrottlePolicy) {
    let key = fresh("reset");
    for _ in 0..3 {
        fails(store, &key, p).await;
    }
    assert!(!store.check(&key, p).await.unwrap().is_allowed());
    store.reset(&key).await.unwrap();
    for _ in 0..2 {
        assert!(
            fails(store, &key, p).await.is_allowed(),
            "the count starts again from zero after a reset"
        );
    }
    store.reset(&fresh("never-seen")).await.unwrap();
}

async fn release(store: &dyn ThrottleStore, p: &ThrottlePolicy) {
    let key = fresh("release");
    for _ in 0..3 {
        assert_eq!(store.check(&key, p).await.unwrap(), Verdict::Allowed);
    }
    assert!(
        !store.check(&key, p).await.unwrap().is_allowed(),
        "all 3 booked"
    );
    store.release(&key, p).await.unwrap();
    assert_eq!(
        store.check(&key, p).await.unwrap(),
        Verdict::Allowed,
        "a released slot is free again, and the lock nothing earns is lifted"
    );
    for _ in 0..3 {
        store.release(&key, p).await.unwrap();
    }
    store.release(&key, p).await.unwrap();
    store.release(&fresh("never-booked"), p).await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            store.check(&key, p).await.unwrap(),
            Verdict::Allowed,
            "everything released: 3 free attempts again"
        );
    }
    assert!(!store.check(&key, p).await.unwrap().is_allowed());
}

async fn cap_and_independence(store: &dyn ThrottleStore) {
    // One free attempt, then 100 ms, then 200 ms capped at 150.
    let p = ThrottlePolicy::per_account()
        .with_free_failures(1)
        .with_base_delay(100 * MS)
        .with_max_delay(150 * MS)
        .with_forget_after(Duration::from_secs(30));
    let key = fresh("cap");
    let other = fresh("other");
    let first = wait_of(fails(store, &key, &p).await);
    assert!(first <= 100 * MS, "{first:?}");
    tokio::time::sleep(first + 20 * MS).await;
    let capped = wait_of(fails(store, &key, &p).await);
    assert!(
        capped > 100 * MS && capped <= 150 * MS,
        "capped: {capped:?}"
    );
    assert_eq!(store.check(&other, &p).await.unwrap(), Verdict::Allowed);
}

async fn expiry(store: &dyn ThrottleStore) {
    let p = ThrottlePolicy::per_account()
        .with_free_failures(2)
        .with_base_delay(50 * MS)
        .with_max_delay(50 * MS)
        .with_forget_after(150 * MS);
    let key = fresh("expiry");
    assert!(fails(store, &key, &p).await.is_allowed());
    tokio::time::sleep(250 * MS).await;
    assert!(
        fails(store, &key, &p).await.is_allowed(),
        "a key is forgotten after its forget period"
    );
}

/// 200 concurrent checks on one quiet key with 5 free failures: exactly 5 go ahead (each
/// check books its attempt in the same atomic step), the rest wait.
async fn concurrent_burst(store: Arc<dyn ThrottleStore>) {
    let p = ThrottlePolicy::per_account()
        .with_free_failures(5)
        .with_base_delay(Duration::from_secs(10))
        .with_max_delay(Duration::from_secs(100))
        .with_forget_after(Duration::from_secs(30));
    let key = fresh("burst");
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.check(&key, &p).await })
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        if t.await.expect("task").expect("check").is_allowed() {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5, "a burst gets the free attempts, no more");
}

/// Concurrent verdicts lose nothing: 5 concurrent failures leave the count at 5 (locked),
/// 5 concurrent releases of the bookings of 5 concurrent checks leave the key quiet.
async fn concurrent_verdicts(store: Arc<dyn ThrottleStore>) {
    let p = ThrottlePolicy::per_account()
        .with_free_failures(5)
        .with_base_delay(Duration::from_secs(10))
        .with_max_delay(Duration::from_secs(100))
        .with_forget_after(Duration::from_secs(30));
    let together = |key: ThrottleKey, op: &'static str| {
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    match op {
                        "check" => store.check(&key, &p).await.map(|_| ()),
                        "fail" => store.record_failure(&key, &p).await.map(|_| ()),
                        _ => store.release(&key, &p).await,
                    }
                })
            })
            .collect::<Vec<_>>();
        async move {
            for t in tasks {
                t.await.expect("task").expect("store");
            }
        }
    };
    let failed = fresh("concurrent-fail");
    together(failed, "check").await;
    together(failed, "fail").await;
    let wait = wait_of(store.check(&failed, &p).await.unwrap());
    assert!(wait > 9 * 1000 * MS && wait <= 10 * 1000 * MS, "{wait:?}");
    let released = fresh("concurrent-release");
    together(released, "check").await;
    together(released, "release").await;
    for _ in 0..5 {
        assert_eq!(
            store.check(&released, &p).await.unwrap(),
            Verdict::Allowed,
            "5 concurrent releases give back 5 slots"
        );
    }
}
