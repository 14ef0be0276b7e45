//! The Redis login throttle on the real Redis: the store conformance suite (atomic under
//! concurrency), key names (under the prefix, digested, expiring), and sharing across
//! instances.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::throttle::{
    ThrottleKey, ThrottlePolicy, ThrottleStore, Verdict, throttle_store_conformance,
};
use auth_session_redis::{RedisConfig, RedisThrottle};
use common::{Cleanup, raw, redis_url, unique_prefix};
use std::sync::Arc;
use std::time::Duration;

async fn throttle(prefix: &str) -> RedisThrottle {
    let config = RedisConfig::new(redis_url()).with_key_prefix(prefix);
    RedisThrottle::connect(&config)
        .await
        .expect("the test Redis must be running (redis-server on 127.0.0.1:6379 or REDIS_URL)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn the_redis_throttle_passes_the_conformance_suite() {
    let prefix = unique_prefix();
    let _cleanup = Cleanup::new(&redis_url(), &prefix);
    throttle_store_conformance(Arc::new(throttle(&prefix).await)).await;
}

#[tokio::test]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn keys_live_under_the_prefix_hold_no_username_and_expire() {
    let prefix = unique_prefix();
    let _cleanup = Cleanup::new(&redis_url(), &prefix);
    let store = throttle(&prefix).await;
    let policy = ThrottlePolicy::per_account().with_forget_after(Duration::from_secs(60));
    store
        .check(&ThrottleKey::account("alice@example.com"), &policy)
        .await
        .unwrap();
    store
        .check(&ThrottleKey::address("10.1.2.3".parse().unwrap()), &policy)
        .await
        .unwrap();
    let mut conn = raw(&redis_url()).await;
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    keys.sort();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(
        keys[0].starts_with(&format!("{prefix}th:account:{{")),
        "{keys:?}"
    );
    assert!(
        keys[1].starts_with(&format!("{prefix}th:address:{{")),
        "{keys:?}"
    );
    for key in &keys {
        assert!(!key.contains("alice") && !key.contains("10.1.2.3"), "{key}");
        let ttl: i64 = redis::cmd("PTTL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(ttl > 50_000 && ttl <= 60_000, "{key} expires: {ttl}");
        let fields: Vec<(String, String)> = redis::cmd("HGETALL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(
            fields.iter().all(|(_, v)| !v.contains("alice")),
            "{fields:?}"
        );
    }
    store
        .reset(&ThrottleKey::account("alice@example.com"))
        .await
        .unwrap();
    let left: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}th:account:*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(left.is_empty(), "a reset leaves nothing behind: {left:?}");
}

#[tokio::test]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn failures_on_one_instance_lock_the_key_on_another() {
    let prefix = unique_prefix();
    let _cleanup = Cleanup::new(&redis_url(), &prefix);
    let (a, b) = (throttle(&prefix).await, throttle(&prefix).await);
    let policy = ThrottlePolicy::per_account()
        .with_free_failures(3)
        .with_base_delay(Duration::from_secs(5));
    let key = ThrottleKey::account("bob");
    for _ in 0..3 {
        assert!(a.check(&key, &policy).await.unwrap().is_allowed());
        a.record_failure(&key, &policy).await.unwrap();
    }
    let v = b.check(&key, &policy).await.unwrap();
    assert!(
        matches!(v, Verdict::RetryAfter(d) if d > Duration::from_secs(4)),
        "{v:?}"
    );
    // Another prefix is another service.
    let other = throttle(&unique_prefix()).await;
    assert!(other.check(&key, &policy).await.unwrap().is_allowed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn a_burst_spread_over_two_instances_gets_the_free_attempts_and_no_more() {
    let prefix = unique_prefix();
    let _cleanup = Cleanup::new(&redis_url(), &prefix);
    let instances = [
        Arc::new(throttle(&prefix).await),
        Arc::new(throttle(&prefix).await),
    ];
    let policy = ThrottlePolicy::per_account().with_base_delay(Duration::from_secs(10));
    let key = ThrottleKey::account("carol");
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let store = instances[i % 2].clone();
            tokio::spawn(async move { store.check(&key, &policy).await.unwrap() })
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        allowed += usize::from(t.await.unwrap().is_allowed());
    }
    assert_eq!(allowed, 5, "5 free attempts per account, across instances");
}
