//! Failure semantics against a redis-server this test starts: killed or frozen Redis gives
//! `Unavailable` within the timeout (never a hang, never a false answer), and everything works
//! again within a second of Redis coming back, without a restart of the client.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use auth_core::{
    Clock, ErrorKind, Identity, Revocation, RevocationProbe, Revocations, SessionRecord,
    SessionStore, SystemClock,
};
use auth_session_redis::{RedisConfig, RedisRevocations, RedisStore};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use test_support::RedisServer;

const TIMEOUT: Duration = Duration::from_millis(300);
/// How long the local cache may answer after Redis died, before it has processed the end of
/// its tracking connection (a few milliseconds; more on a busy 2-core machine).
const CACHE_NOTICES_DEATH: Duration = Duration::from_millis(20);
/// Scheduling slack on a busy 2-core machine.
const SLACK: Duration = Duration::from_millis(250);

fn record() -> SessionRecord {
    let mut r = SessionRecord::new(
        SystemClock.now(),
        Duration::from_secs(60),
        Duration::from_secs(600),
    );
    r.identity = Some(Identity::new("u"));
    r
}

async fn assert_unavailable_quickly(store: &RedisStore, what: &str) {
    let key = common::new_key();
    for _ in 0..3 {
        let start = Instant::now();
        let err = store.load(&key).await.expect_err(what);
        let took = start.elapsed();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{what}: {err}");
        assert!(took <= TIMEOUT + SLACK, "{what}: load took {took:?}");
        let start = Instant::now();
        let err = store.create(&key, &record()).await.expect_err(what);
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{what}: {err}");
        assert!(
            start.elapsed() <= TIMEOUT + SLACK,
            "{what}: create too slow"
        );
    }
}

/// Retry create + load until both succeed; how long that took.
async fn time_to_recover(store: &RedisStore) -> Duration {
    let start = Instant::now();
    loop {
        let key = common::new_key();
        let ok = store.create(&key, &record()).await.is_ok()
            && matches!(store.load(&key).await, Ok(Some(_)));
        if ok {
            return start.elapsed();
        }
        assert!(start.elapsed() < Duration::from_secs(5), "never recovered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH"]
async fn dead_or_frozen_redis_is_unavailable_quickly_and_recovery_needs_no_restart() {
    let mut server = RedisServer::start();
    let config = RedisConfig::new(server.url()).with_timeout(TIMEOUT);
    let store = RedisStore::connect(&config).await.unwrap();
    let revocations = RedisRevocations::connect(&config).await.unwrap();
    let key = common::new_key();
    store.create(&key, &record()).await.unwrap();

    // Requests keep running while Redis dies: after the kill, none may be answered as if
    // the store had been consulted (no session found, or a session found). The same with the
    // local cache off (strictly), and on (it answers only until it notices that its tracking
    // connection died: that is processed by the runtime within a few milliseconds).
    let plain = RedisStore::connect(&config.clone().without_local_cache())
        .await
        .unwrap();
    assert!(plain.load(&key).await.unwrap().is_some());
    assert!(store.local_cache_active());
    let killed_at = Arc::new(std::sync::OnceLock::<Instant>::new());
    let stop = Arc::new(AtomicBool::new(false));
    let false_answers = Arc::new(AtomicUsize::new(0));
    let load_loop = |store: RedisStore, grace: Duration| {
        let (killed_at, stop, false_answers) =
            (killed_at.clone(), stop.clone(), false_answers.clone());
        tokio::spawn(async move {
            let mut worst = Duration::ZERO;
            while !stop.load(Ordering::SeqCst) {
                let start = Instant::now();
                let after_kill = killed_at.get().is_some_and(|k| start > *k + grace);
                let result = store.load(&key).await;
                worst = worst.max(start.elapsed());
                if after_kill && result.is_ok() {
                    false_answers.fetch_add(1, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            worst
        })
    };
    let loops = [
        load_loop(plain, Duration::ZERO),
        load_loop(store.clone(), CACHE_NOTICES_DEATH),
    ];
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.kill();
    killed_at.set(Instant::now()).unwrap();
    assert_unavailable_quickly(&store, "redis killed").await;

    // Revoking while Redis is down fails loudly but still holds on this instance.
    let jti = "while-down";
    let until = SystemClock.now().saturating_add(Duration::from_secs(60));
    let err = revocations
        .revoke(Revocation::token(jti, until))
        .await
        .expect_err("redis is down");
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    let probe = RevocationProbe {
        token_id: Some(jti),
        ..Default::default()
    };
    assert!(revocations.is_revoked(&probe).unwrap());

    stop.store(true, Ordering::SeqCst);
    let mut worst = Duration::ZERO;
    for l in loops {
        worst = worst.max(l.await.unwrap());
    }
    assert_eq!(
        false_answers.load(Ordering::SeqCst),
        0,
        "answers without Redis"
    );
    assert!(worst <= TIMEOUT + SLACK, "a load took {worst:?}");

    server.restart();
    let recovered = time_to_recover(&store).await;
    println!("store usable again {recovered:?} after redis-server restarted");
    assert!(recovered < Duration::from_secs(1));

    // The revocation listener resubscribes by itself and hears new revocations.
    let start = Instant::now();
    while !revocations.is_synced() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "listener never resynced"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!(
        "revocation listener resynced {:?} after restart",
        start.elapsed()
    );
    let other = RedisRevocations::connect(&config).await.unwrap();
    other
        .revoke(Revocation::token("after-restart", until))
        .await
        .unwrap();
    let probe = RevocationProbe {
        token_id: Some("after-restart"),
        ..Default::default()
    };
    let start = Instant::now();
    while !revocations.is_revoked(&probe).unwrap() {
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "not propagated after restart"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }

    // A frozen (slow) Redis: the same, and back as soon as it thaws.
    server.signal("STOP");
    assert_unavailable_quickly(&store, "redis frozen").await;
    server.signal("CONT");
    let recovered = time_to_recover(&store).await;
    println!("store usable again {recovered:?} after redis-server was resumed");
    assert!(recovered < Duration::from_secs(1));
}
