//! What the Redis crate records, against the Redis under test: every call's latency (and
//! nothing in the error counter when all succeed), the local session cache's hits and misses,
//! the revocation feed's sync state and the list's size. Recorded into a `DebuggingRecorder`
//! installed for this thread only (tokio's current-thread runtime: the store's tasks run on the
//! test's thread too).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::metrics::{
    REVOCATION_FEED_IN_SYNC, REVOCATION_FEED_RESYNCS_TOTAL, REVOCATIONS,
    SESSION_CACHE_REQUESTS_TOTAL, STORE_ERRORS_TOTAL, STORE_OPERATION_SECONDS,
};
use auth_core::{Clock, Revocation, Revocations, SessionRecord, SessionStore, SystemClock};
use auth_session_redis::{RedisConfig, RedisRevocations};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::metrics::Recorded;

#[tokio::test]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn store_calls_are_timed_and_the_local_cache_counts_hits_and_misses() {
    let recorder = DebuggingRecorder::new();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let store = common::store(Arc::new(SystemClock)).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !store.store.local_cache_active() {
        assert!(Instant::now() < deadline, "tracking never came up");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let key = common::new_key();
    let now = SystemClock.now();
    let record = SessionRecord::new(now, Duration::from_secs(600), Duration::from_secs(3600));
    store.create(&key, &record).await.unwrap();
    // Cold (read from Redis), then warm twice: through `load`, and `load_ready` as the session
    // layer asks first.
    assert!(store.load(&key).await.unwrap().is_some());
    assert!(store.load(&key).await.unwrap().is_some());
    assert!(store.store.load_ready(&key).is_some());

    let recorded = Recorded::take(&recorder.snapshotter());
    let cache = |result| match recorded.get(SESSION_CACHE_REQUESTS_TOTAL, &[("result", result)]) {
        Some(DebugValue::Counter(n)) => *n,
        _ => 0,
    };
    assert_eq!((cache("miss"), cache("hit")), (1, 2));
    for operation in ["create session", "load session"] {
        match recorded.get(
            STORE_OPERATION_SECONDS,
            &[("store", "redis"), ("operation", operation)],
        ) {
            Some(DebugValue::Histogram(seconds)) => {
                assert_eq!(seconds.len(), 1, "{operation}");
                assert!(seconds[0].into_inner() > 0.0 && seconds[0].into_inner() < 5.0);
            }
            other => panic!("{operation}: {other:?}"),
        }
    }
    assert!(!recorded.has(STORE_ERRORS_TOTAL), "no call failed");
}

#[tokio::test]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn the_revocation_feed_reports_its_sync_state_and_the_list_its_size() {
    let recorder = DebuggingRecorder::new();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let url = common::redis_url();
    let prefix = common::unique_prefix();
    let _cleanup = common::Cleanup::new(&url, &prefix);
    let config = RedisConfig::new(url).with_key_prefix(prefix);
    let list = RedisRevocations::connect(&config).await.unwrap();
    assert!(list.is_synced());
    let until = SystemClock.now().saturating_add(Duration::from_secs(60));
    list.revoke(Revocation::token("t1", until)).await.unwrap();
    list.revoke(Revocation::token("t2", until)).await.unwrap();

    let recorded = Recorded::take(&recorder.snapshotter());
    let redis = [("store", "redis")];
    assert!(
        matches!(recorded.get(REVOCATION_FEED_IN_SYNC, &redis), Some(DebugValue::Gauge(v)) if v.into_inner() == 1.0)
    );
    assert!(matches!(
        recorded.get(REVOCATION_FEED_RESYNCS_TOTAL, &redis),
        Some(DebugValue::Counter(1))
    ));
    assert!(
        matches!(recorded.get(REVOCATIONS, &redis), Some(DebugValue::Gauge(v)) if v.into_inner() == 2.0)
    );
}
