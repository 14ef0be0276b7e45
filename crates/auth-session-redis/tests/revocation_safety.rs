//! The Redis revocation list under the security review's findings (issue 9): it keeps session
//! and subject revocations for its horizon, loads a large snapshot in pages, and fails closed
//! once its feed has been out of sync for longer than its bound.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use auth_core::{
    Clock, ErrorKind, Revocation, RevocationProbe, RevocationTarget, Revocations, SystemClock,
};
use auth_session_redis::{RedisConfig, RedisRevocations};
use std::time::{Duration, Instant};
use test_support::RedisServer;

const DAY: Duration = Duration::from_secs(24 * 3600);

fn token(jti: &str) -> RevocationProbe<'_> {
    RevocationProbe {
        token_id: Some(jti),
        ..Default::default()
    }
}

/// Finding 2: the session layer published session revocations for its absolute timeout (12 h)
/// while refresh families minted from the session live 30 days; the list now keeps them for
/// its horizon, in Redis too (so a new instance's snapshot has them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn session_and_subject_revocations_are_stored_for_the_horizon() {
    let url = common::redis_url();
    let prefix = common::unique_prefix();
    let _cleanup = common::Cleanup::new(&url, &prefix);
    let config = RedisConfig::new(url.clone())
        .with_key_prefix(prefix.clone())
        .with_revocation_horizon(30 * DAY);
    let list = RedisRevocations::connect(&config).await.unwrap();
    assert_eq!(list.horizon(), 30 * DAY);
    let now = SystemClock.now();
    let key = common::new_key();
    let twelve_hours = now.saturating_add(Duration::from_secs(12 * 3600));
    list.revoke(Revocation::session(key, twelve_hours))
        .await
        .unwrap();
    list.revoke(Revocation::subject_before("alice", now, twelve_hours))
        .await
        .unwrap();
    list.revoke(Revocation::token("jti-1", twelve_hours))
        .await
        .unwrap();
    let mut raw = common::raw(&url).await;
    let scores: Vec<(String, f64)> = redis::cmd("ZRANGE")
        .arg(format!("{prefix}rev"))
        .arg(0)
        .arg(-1)
        .arg("WITHSCORES")
        .query_async(&mut raw)
        .await
        .unwrap();
    let horizon_ms = now.saturating_add(30 * DAY).as_unix_millis() as f64;
    for (member, score) in &scores {
        if member.contains("\"token\"") {
            assert_eq!(*score, twelve_hours.as_unix_millis() as f64, "{member}");
        } else {
            assert!(*score >= horizon_ms, "{member} kept only until {score}");
        }
    }
    assert_eq!(scores.len(), 3);
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}rev"))
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(
        ttl > (29 * DAY).as_millis() as i64,
        "the set expires with its last entry: {ttl} ms"
    );
}

/// Finding 1 (second half): the snapshot was one unpaged `ZRANGE` under the per-command
/// timeout, so a large list made every new instance fail to start. It now loads in pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn a_snapshot_larger_than_one_reply_can_carry_in_time_loads_in_pages() {
    let url = common::redis_url();
    let prefix = common::unique_prefix();
    let _cleanup = common::Cleanup::new(&url, &prefix);
    let mut raw = common::raw(&url).await;
    let until = SystemClock
        .now()
        .saturating_add(Duration::from_secs(3600))
        .as_unix_millis();
    const ENTRIES: usize = 200_000;
    for chunk in 0..ENTRIES / 10_000 {
        let mut zadd = redis::cmd("ZADD");
        zadd.arg(format!("{prefix}rev"));
        for i in 0..10_000 {
            let target = RevocationTarget::Token {
                jti: format!("flood-{chunk}-{i}"),
            };
            zadd.arg(until).arg(serde_json::to_string(&target).unwrap());
        }
        let _: i64 = zadd.query_async(&mut raw).await.unwrap();
    }
    // A per-command timeout that one page meets easily and one 200 000-entry reply does not.
    let config = RedisConfig::new(url.clone())
        .with_key_prefix(prefix.clone())
        .with_timeout(Duration::from_millis(150));
    let start = Instant::now();
    let list = RedisRevocations::connect(&config)
        .await
        .expect("a large snapshot loads page by page");
    println!(
        "snapshot of {ENTRIES} revocations loaded in {:?}",
        start.elapsed()
    );
    assert_eq!(list.len(), ENTRIES);
    assert!(list.is_revoked(&token("flood-0-0")).unwrap());
    assert!(list.is_revoked(&token("flood-19-9999")).unwrap());
}

/// Finding 4: an instance whose feed is out of sync served its old list forever. Now, past the
/// bound, every check answers `Unavailable` (the layers answer 503) until a resync succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH"]
async fn an_out_of_sync_feed_fails_closed_past_its_bound_and_recovers() {
    let mut server = RedisServer::start();
    let config = RedisConfig::new(server.url())
        .with_timeout(Duration::from_millis(200))
        .with_revocation_stale_after(Duration::from_secs(1));
    let list = RedisRevocations::connect(&config).await.unwrap();
    let until = SystemClock.now().saturating_add(Duration::from_secs(600));
    list.revoke(Revocation::token("known", until))
        .await
        .unwrap();
    assert!(list.health().is_ok());

    server.kill();
    let killed = Instant::now();
    // The listener notices within a ping (1 s); the bound is 1 s more.
    loop {
        match list.is_revoked(&token("other")) {
            Ok(false) => {}
            Ok(true) => panic!("a token nobody revoked is revoked"),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unavailable);
                break;
            }
        }
        assert!(
            killed.elapsed() < Duration::from_secs(6),
            "still answering from an out-of-sync list after {:?}",
            killed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let failed_closed_after = killed.elapsed();
    println!("revocation checks fail closed {failed_closed_after:?} after Redis died");
    assert!(failed_closed_after >= Duration::from_secs(1));
    assert!(!list.is_synced());
    assert_eq!(list.health().unwrap_err().kind(), ErrorKind::Unavailable);
    assert!(
        list.is_revoked(&token("known")).is_err(),
        "even known revocations answer unavailable"
    );

    server.restart();
    let restarted = Instant::now();
    while list.health().is_err() {
        assert!(
            restarted.elapsed() < Duration::from_secs(5),
            "never resynced"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "revocation checks answer again {:?} after Redis came back",
        restarted.elapsed()
    );
    assert!(list.is_synced());
    assert!(
        list.is_revoked(&token("known")).unwrap(),
        "kept what it knew"
    );
    assert!(!list.is_revoked(&token("other")).unwrap());
}

#[tokio::test]
async fn a_zero_horizon_or_a_sub_second_staleness_bound_is_refused() {
    let base = RedisConfig::new("redis://127.0.0.1:1/");
    let err = RedisRevocations::connect(&base.clone().with_revocation_horizon(Duration::ZERO))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let err =
        RedisRevocations::connect(&base.with_revocation_stale_after(Duration::from_millis(500)))
            .await
            .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}
