//! `RedisConfig::with_replica_acks`, against a primary and a replica this test starts: a write
//! returns only once the replica has it (read back from the replica right after), and while
//! the replica is frozen writes fail with `Unavailable` within the wait while reads go on
//! without waiting behind them, then writes succeed again when it thaws. Revocations wait too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use auth_core::{
    Clock, ErrorKind, Identity, Revocation, Revocations, SessionRecord, SessionStore, SystemClock,
};
use auth_session_redis::{RedisConfig, RedisRevocations, RedisStore};
use std::time::{Duration, Instant};
use test_support::RedisServer;

const WAIT: Duration = Duration::from_millis(200);
const SLACK: Duration = Duration::from_millis(400);

fn record() -> SessionRecord {
    let mut r = SessionRecord::new(
        SystemClock.now(),
        Duration::from_secs(60),
        Duration::from_secs(600),
    );
    r.identity = Some(Identity::new("u"));
    r
}

/// Wait until `primary` reports one replica online.
async fn replica_online(primary: &RedisServer) {
    let client = redis::Client::open(primary.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query_async(&mut conn)
            .await
            .unwrap();
        if info.contains("state=online") {
            return;
        }
        assert!(Instant::now() < deadline, "replica never online: {info}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH"]
async fn writes_wait_for_the_replica_and_fail_closed_without_it() {
    let primary = RedisServer::start();
    let replica =
        RedisServer::start_with(&["--replicaof", "127.0.0.1", &primary.port().to_string()]);
    replica_online(&primary).await;
    let prefix = common::unique_prefix();
    let config = RedisConfig::new(primary.url())
        .with_key_prefix(&prefix)
        .with_timeout(Duration::from_millis(300))
        .with_replica_acks(1, WAIT);
    let store = RedisStore::connect(&config).await.unwrap();
    let revocations = RedisRevocations::connect(&config).await.unwrap();
    let mut on_replica = redis::Client::open(replica.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();

    // Acknowledged means on the replica: checked right after each create returns.
    for _ in 0..50 {
        let key = common::new_key();
        store.create(&key, &record()).await.unwrap();
        let name = format!("{prefix}s:{{{}}}", key.to_hex());
        let there: i64 = redis::cmd("EXISTS")
            .arg(&name)
            .query_async(&mut on_replica)
            .await
            .unwrap();
        assert_eq!(there, 1, "an acknowledged create is on the replica");
    }

    // A frozen replica acknowledges nothing: writes fail closed after the wait, reads work.
    let key = common::new_key();
    store.create(&key, &record()).await.unwrap();
    replica.signal("STOP");
    let start = Instant::now();
    let err = store
        .create(&common::new_key(), &record())
        .await
        .unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(took >= WAIT && took <= WAIT + SLACK, "took {took:?}");
    assert_eq!(
        store.delete(&key).await.unwrap_err().kind(),
        ErrorKind::Unavailable,
        "a logout that is not replicated is not reported done"
    );
    let revocation = Revocation::token(
        "jti-1",
        SystemClock.now().saturating_add(Duration::from_secs(60)),
    );
    assert_eq!(
        revocations.revoke(revocation).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    // (The delete happened on the primary, as a timed-out write may have.) Reads never queue
    // behind a write's WAIT: they go on their own connection.
    let waiting = {
        let store = store.clone();
        tokio::spawn(async move { store.create(&common::new_key(), &record()).await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    let read = Instant::now();
    assert!(store.load(&common::new_key()).await.unwrap().is_none());
    assert!(store.load(&key).await.is_ok());
    let read_took = read.elapsed();
    assert!(
        read_took < WAIT / 2,
        "reads waited for a write's WAIT: {read_took:?}"
    );
    assert!(!waiting.is_finished(), "the write was still waiting");
    assert_eq!(
        waiting.await.unwrap().unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    println!("a write without its replica failed after {took:?}");

    replica.signal("CONT");
    let thawed = Instant::now();
    loop {
        if store.create(&common::new_key(), &record()).await.is_ok() {
            break;
        }
        assert!(
            thawed.elapsed() < Duration::from_secs(5),
            "writes never worked again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "writes acknowledged again {:?} after the replica thawed",
        thawed.elapsed()
    );
}
