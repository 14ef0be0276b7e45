//! Changes made by anyone else reach the cache: a plain client's `HSET` and `DEL`, and another
//! store's delete, rotation and "log out everywhere".

use crate::common;
use crate::support::*;
use auth_core::{SessionChanges, SessionStore};
use redis::AsyncCommands as _;
use std::time::Duration;

const WITHIN: Duration = Duration::from_millis(50);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn a_plain_clients_hset_and_del_reach_the_cache() {
    let url = common::redis_url();
    let (store, prefix, _cleanup) = store_on(&url, |c| c).await;
    let key = new_session(&store, 0).await;
    assert_eq!(loaded_n(&store, &key).await, Some(0));
    assert_eq!(loaded_n(&store, &key).await, Some(0), "now cached");

    let mut raw = common::raw(&url).await;
    let name = session_name(&prefix, &key);
    let _: i64 = raw.hset(&name, "v:n", "1").await.unwrap();
    let took = eventually(WITHIN, || async { loaded_n(&store, &key).await == Some(1) }).await;
    println!("raw HSET seen after {took:?}");
    assert_eq!(loaded_n(&store, &key).await, Some(1));

    let _: i64 = raw.del(&name).await.unwrap();
    let took = eventually(WITHIN, || async { loaded_n(&store, &key).await.is_none() }).await;
    println!("raw DEL seen after {took:?}");
    for _ in 0..100 {
        assert_eq!(
            loaded_n(&store, &key).await,
            None,
            "a deleted session stays gone"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn another_instances_delete_rotate_and_delete_subject_are_never_served_stale() {
    let url = common::redis_url();
    let (a, prefix, _cleanup) = store_on(&url, |c| c).await;
    let b = twin(&url, &prefix).await;

    // Delete on A: B never serves it once the invalidation is in.
    let key = new_session(&a, 0).await;
    assert_eq!(loaded_n(&b, &key).await, Some(0));
    assert!(a.delete(&key).await.unwrap());
    eventually(WITHIN, || async { loaded_n(&b, &key).await.is_none() }).await;
    for _ in 0..50 {
        assert_eq!(loaded_n(&b, &key).await, None);
    }

    // Rotation on A: B's old key is gone, the new one is there.
    let old = new_session(&a, 0).await;
    assert_eq!(loaded_n(&b, &old).await, Some(0));
    let new = common::new_key();
    a.rotate(&old, &new, &SessionChanges::default())
        .await
        .unwrap()
        .unwrap();
    eventually(WITHIN, || async { loaded_n(&b, &old).await.is_none() }).await;
    assert_eq!(loaded_n(&b, &new).await, Some(0));

    // Log out everywhere on A.
    let keys = [new_session(&a, 0).await, new_session(&a, 0).await];
    for key in &keys {
        assert_eq!(loaded_n(&b, key).await, Some(0));
    }
    assert!(a.delete_subject("user-1").await.unwrap() >= 2);
    for key in &keys {
        eventually(WITHIN, || async { loaded_n(&b, key).await.is_none() }).await;
    }

    // And each instance reads its own writes at once, with no wait.
    let key = new_session(&b, 0).await;
    assert_eq!(loaded_n(&b, &key).await, Some(0));
    let mut changes = SessionChanges::default();
    changes.insert("n".into(), 5.into());
    b.save(&key, &changes).await.unwrap();
    assert_eq!(loaded_n(&b, &key).await, Some(5));
    b.delete(&key).await.unwrap();
    assert_eq!(loaded_n(&b, &key).await, None);
    let gone = b.save(&key, &changes).await.unwrap();
    assert_eq!(gone, auth_core::SaveOutcome::Missing);
    assert_eq!(loaded_n(&b, &key).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn load_ready_answers_hits_only_and_follows_invalidations() {
    let url = common::redis_url();
    let (store, prefix, _cleanup) = store_on(&url, |c| c).await;
    let key = new_session(&store, 0).await;
    assert!(store.load_ready(&key).is_none(), "cold: needs Redis");
    // The store's own create comes back as an invalidation a moment later, and a read that
    // it overtakes is (rightly) not cached: read until one is.
    eventually(WITHIN, || async {
        assert_eq!(loaded_n(&store, &key).await, Some(0));
        store.load_ready(&key).is_some()
    })
    .await;
    let hit = store
        .load_ready(&key)
        .expect("warm: answered from the cache");
    assert_eq!(
        hit.unwrap().unwrap().values.get("n"),
        Some(&serde_json::json!(0))
    );

    let mut raw = common::raw(&url).await;
    let _: i64 = raw.del(session_name(&prefix, &key)).await.unwrap();
    eventually(WITHIN, || async { store.load_ready(&key).is_none() }).await;
    assert_eq!(loaded_n(&store, &key).await, None);
    assert!(
        store.load_ready(&key).is_none(),
        "a deleted session is never a hit"
    );
}
