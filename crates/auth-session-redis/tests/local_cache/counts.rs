//! What a request costs in Redis commands (counted by the server: `INFO commandstats` on a
//! private redis-server), and the cache's bounds.

use crate::support::*;
use auth_core::{SessionChanges, SessionStore, Touch};
use auth_session_redis::LocalCacheConfig;
use std::time::Duration;
use test_support::RedisServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH"]
async fn a_warm_read_costs_no_command_and_a_cold_read_one() {
    let server = RedisServer::start();
    let url = server.url();
    let (store, _, _cleanup) = store_on(&url, |c| c).await;
    let key = new_session(&store, 0).await;

    let before = data_commands(&url).await;
    assert_eq!(loaded_n(&store, &key).await, Some(0));
    let cold = data_commands(&url).await - before;

    let before = data_commands(&url).await;
    for _ in 0..100 {
        assert_eq!(loaded_n(&store, &key).await, Some(0));
    }
    let warm = data_commands(&url).await - before;
    println!("commands: cold read {cold}, 100 warm reads {warm}");
    assert_eq!(cold, 1, "a cold read is one HGETALL");
    assert_eq!(warm, 0, "warm reads cost nothing");

    // A touch through this store: the entry is dropped, the next read fetches it once.
    let mut touch = SessionChanges::default();
    let now = auth_core::Clock::now(&auth_core::SystemClock);
    touch.touch = Some(Touch::new(
        now,
        now.saturating_add(Duration::from_secs(600)),
    ));
    store.save(&key, &touch).await.unwrap();
    let before = data_commands(&url).await;
    for _ in 0..10 {
        assert_eq!(loaded_n(&store, &key).await, Some(0));
    }
    let after_touch = data_commands(&url).await - before;
    println!("commands: 10 reads after this instance's touch {after_touch}");
    assert_eq!(after_touch, 1, "re-read once after a touch, then warm");

    // Off: every read is a command.
    let (plain, _, _cleanup) = store_on(&url, |c| c.without_local_cache()).await;
    let key = new_session(&plain, 0).await;
    let before = data_commands(&url).await;
    for _ in 0..10 {
        assert_eq!(loaded_n(&plain, &key).await, Some(0));
    }
    assert_eq!(
        data_commands(&url).await - before,
        10,
        "no cache: one command per read"
    );
    assert!(!plain.local_cache_active());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH"]
async fn the_cache_is_bounded_by_entries_and_by_bytes() {
    let server = RedisServer::start();
    let url = server.url();

    // 4 entries: after reading 10 sessions, the last 4 are warm, and no more.
    let (store, _, _cleanup) = store_on(&url, |c| {
        c.with_local_cache(LocalCacheConfig::new().with_max_entries(4))
    })
    .await;
    let mut keys = Vec::new();
    for _ in 0..10 {
        keys.push(new_session(&store, 0).await);
    }
    for key in &keys {
        loaded_n(&store, key).await;
    }
    let before = data_commands(&url).await;
    for key in &keys[6..] {
        loaded_n(&store, key).await;
    }
    assert_eq!(
        data_commands(&url).await - before,
        0,
        "the last 4 are cached"
    );
    let before = data_commands(&url).await;
    for key in &keys[..6] {
        loaded_n(&store, key).await;
    }
    assert_eq!(
        data_commands(&url).await - before,
        6,
        "the first 6 were evicted"
    );

    // 4 KiB: sessions of about 1.5 KiB each, so 2 fit.
    let (store, _, _cleanup) = store_on(&url, |c| {
        c.with_local_cache(LocalCacheConfig::new().with_max_bytes(4096))
    })
    .await;
    let mut keys = Vec::new();
    for _ in 0..10 {
        keys.push(new_session(&store, 1000).await);
    }
    for key in &keys {
        loaded_n(&store, key).await;
    }
    let before = data_commands(&url).await;
    for key in &keys[8..] {
        loaded_n(&store, key).await;
    }
    assert_eq!(
        data_commands(&url).await - before,
        0,
        "the last 2 are cached"
    );
    let before = data_commands(&url).await;
    for key in &keys[..8] {
        loaded_n(&store, key).await;
    }
    assert_eq!(
        data_commands(&url).await - before,
        8,
        "no more than fits in 4 KiB"
    );

    // Sizes are checked when the store connects.
    let err = auth_session_redis::RedisStore::connect(
        &auth_session_redis::RedisConfig::new(url.clone())
            .with_local_cache(LocalCacheConfig::new().with_max_entries(0)),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), auth_core::ErrorKind::Config);
}
