//! When tracking may have missed an invalidation, nothing cached is served: a killed tracking
//! connection, a restarted (emptied) server, `FLUSHALL`.

use crate::common;
use crate::support::*;
use auth_core::SessionStore;
use std::time::{Duration, Instant};
use test_support::RedisServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH"]
async fn a_killed_tracking_connection_flushes_the_cache_until_tracking_is_back() {
    let server = RedisServer::start();
    let url = server.url();
    let (store, prefix, _cleanup) = store_on(&url, |c| c).await;
    let key = new_session(&store, 0).await;
    assert_eq!(loaded_n(&store, &key).await, Some(0));
    let ids = tracking_ids(&url).await;
    assert_eq!(ids.len(), 1, "one tracking connection");

    // Kill it and change the session in the same breath: Redis never sends that
    // invalidation to anyone (its tracking client is gone).
    let mut raw = common::raw(&url).await;
    let mut pipe = redis::pipe();
    pipe.cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(ids[0])
        .ignore();
    pipe.cmd("HSET")
        .arg(session_name(&prefix, &key))
        .arg("v:n")
        .arg("1")
        .ignore();
    let () = pipe.query_async(&mut raw).await.unwrap();

    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        // Until the drop is noticed (microseconds) the old value may still be served; never
        // after the cache said it was active again.
        if store.local_cache_active() && start.elapsed() > Duration::from_millis(100) {
            assert_eq!(loaded_n(&store, &key).await, Some(1));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(
        loaded_n(&store, &key).await,
        Some(1),
        "the flush dropped the entry"
    );
    let new_ids = tracking_ids(&url).await;
    assert_eq!(new_ids.len(), 1, "tracking re-established");
    assert_ne!(new_ids, ids);
    wait_active(&store).await;

    // Warm again, and honest again.
    let before = data_commands(&url).await;
    assert_eq!(loaded_n(&store, &key).await, Some(1));
    assert_eq!(data_commands(&url).await - before, 0, "cached again");
    let _: () = redis::cmd("HSET")
        .arg(session_name(&prefix, &key))
        .arg("v:n")
        .arg("2")
        .query_async(&mut raw)
        .await
        .unwrap();
    eventually(Duration::from_millis(50), || async {
        loaded_n(&store, &key).await == Some(2)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH"]
async fn a_restarted_redis_never_gets_its_lost_sessions_served_from_the_cache() {
    let mut server = RedisServer::start();
    let url = server.url();
    let (store, _, _cleanup) = store_on(&url, |c| c.with_timeout(Duration::from_millis(200))).await;
    let key = new_session(&store, 0).await;
    assert_eq!(loaded_n(&store, &key).await, Some(0));
    assert_eq!(loaded_n(&store, &key).await, Some(0));

    // Killed: the cache answers only until the tracking connection's end is noticed (it is
    // processed on the connection's own task, normally within a millisecond), never after.
    server.kill();
    let start = Instant::now();
    let mut last_answer = None;
    let mut answers = 0;
    while start.elapsed() < Duration::from_millis(300) {
        let t = start.elapsed();
        if store.load(&key).await.is_ok() {
            answers += 1;
            last_answer = Some(t);
        }
    }
    println!("after the kill: {answers} answers from the cache, the last {last_answer:?} after it");
    assert!(
        last_answer.is_none_or(|t| t < Duration::from_millis(20)),
        "the cache kept answering for Redis after it died: {last_answer:?}"
    );
    assert!(!store.local_cache_active());
    server.restart();
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        if let Ok(found) = store.load(&key).await {
            assert!(found.is_none(), "the emptied Redis lost the session");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    wait_active(&store).await;
    assert_eq!(loaded_n(&store, &key).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH"]
async fn flushall_flushes_the_cache() {
    let server = RedisServer::start();
    let url = server.url();
    let (store, _, _cleanup) = store_on(&url, |c| c).await;
    let key = new_session(&store, 0).await;
    assert_eq!(loaded_n(&store, &key).await, Some(0));
    let mut raw = common::raw(&url).await;
    let () = redis::cmd("FLUSHALL").query_async(&mut raw).await.unwrap();
    eventually(Duration::from_millis(50), || async {
        loaded_n(&store, &key).await.is_none()
    })
    .await;
    assert!(store.local_cache_active(), "a flush is not a tracking loss");
}
