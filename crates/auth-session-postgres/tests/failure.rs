//! The database goes away (a network partition: the test's TCP proxy holds every connection
//! and answers nothing) and comes back: every call answers `Unavailable` within the configured
//! timeout, nothing panics or hangs, the revocation list fails closed past its bound; once the
//! network is back everything works again without a restart, and nothing was lost. The local
//! session cache is flushed within its window and never serves what changed meanwhile.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use auth_core::refresh::{FamilyId, RefreshStore, RotateRequest};
use auth_core::throttle::{ThrottleKey, ThrottlePolicy, ThrottleStore};
use auth_core::{
    Clock, Error, ErrorKind, Identity, Revocation, RevocationProbe, Revocations, SessionChanges,
    SessionRecord, SessionStore, SystemClock,
};
use auth_session_postgres::{
    PostgresConfig, PostgresRefreshStore, PostgresRevocations, PostgresStore, PostgresThrottle,
};
use common::proxy::Proxy;
use serde_json::json;
use std::future::Future;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_millis(300);
/// Scheduling slack on a busy 2-core machine.
const SLACK: Duration = Duration::from_millis(250);

async fn unavailable_in_time<T: std::fmt::Debug>(
    what: &str,
    call: impl Future<Output = Result<T, Error>>,
) -> Duration {
    let start = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .unwrap_or_else(|_| panic!("{what} hung while the database was unreachable"));
    let took = start.elapsed();
    let err = outcome.expect_err(what);
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{what}: {err}");
    assert!(
        took <= TIMEOUT + SLACK,
        "{what} took {took:?} (timeout {TIMEOUT:?})"
    );
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn an_unreachable_database_is_unavailable_within_the_timeout_and_then_recovers() {
    let schema = common::unique_schema();
    let _drop = common::DropSchema(schema.clone());
    let direct = common::database_url()
        .parse::<sqlx::postgres::PgConnectOptions>()
        .unwrap();
    let upstream = tokio::net::lookup_host((direct.get_host(), direct.get_port()))
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = Proxy::start(upstream).await;
    let config = PostgresConfig::from_pool(
        sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(TIMEOUT)
            .connect_lazy_with(direct.clone().host("127.0.0.1").port(proxy.addr().port())),
    )
    .with_schema(schema.clone())
    .with_timeout(TIMEOUT)
    .with_revocation_stale_after(Duration::from_secs(1));
    let store = common::connect_store(&config).await;
    let refresh = PostgresRefreshStore::connect(&config).await.unwrap();
    let throttle = PostgresThrottle::connect(&config).await.unwrap();
    let revocations = PostgresRevocations::connect(&config).await.unwrap();

    let clock = SystemClock;
    let key = common::new_key();
    let mut record = SessionRecord::new(
        clock.now(),
        Duration::from_secs(600),
        Duration::from_secs(3600),
    );
    record.identity = Some(Identity::new("alice"));
    record.values.insert("kept".into(), json!(1));
    store.create(&key, &record).await.unwrap();

    proxy.partition();
    let until = clock.now().saturating_add(Duration::from_secs(60));
    unavailable_in_time("revoke", revocations.revoke(Revocation::token("j", until))).await;
    assert!(
        revocations
            .is_revoked(&RevocationProbe {
                token_id: Some("j"),
                ..Default::default()
            })
            .unwrap(),
        "a revocation made while the database is away still holds on the instance that made it"
    );
    let mut changes = SessionChanges::default();
    changes.insert("lost".into(), json!(true));
    let probe = RevocationProbe {
        session: Some(&key),
        ..Default::default()
    };
    let policy = ThrottlePolicy::per_account();
    let account = ThrottleKey::account("alice");
    let family = FamilyId::from_bytes([9; 32]);
    let mut worst = Duration::ZERO;
    for _ in 0..2 {
        worst = worst.max(unavailable_in_time("load", store.load(&key)).await);
        worst = worst.max(unavailable_in_time("save", store.save(&key, &changes)).await);
        worst = worst
            .max(unavailable_in_time("create", store.create(&common::new_key(), &record)).await);
        worst = worst.max(unavailable_in_time("delete", store.delete(&common::new_key())).await);
        worst = worst.max(
            unavailable_in_time(
                "rotate",
                store.rotate(&key, &common::new_key(), &SessionChanges::default()),
            )
            .await,
        );
        worst = worst.max(unavailable_in_time("list", store.list_subject("alice")).await);
        worst = worst.max(unavailable_in_time("delete subject", store.delete_subject("bob")).await);
        let request = RotateRequest::new(family, 0, clock.now(), clock.now());
        worst = worst.max(unavailable_in_time("refresh rotate", refresh.rotate(&request)).await);
        worst = worst.max(unavailable_in_time("throttle", throttle.check(&account, &policy)).await);
        let until = clock.now().saturating_add(Duration::from_secs(60));
        worst = worst.max(
            unavailable_in_time("revoke", revocations.revoke(Revocation::token("j", until))).await,
        );
    }
    println!(
        "while PostgreSQL was unreachable every call answered Unavailable, the slowest in {worst:?} (timeout {TIMEOUT:?})"
    );
    let start = Instant::now();
    while revocations.health().is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the feed never noticed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        revocations.is_revoked(&probe).unwrap_err().kind(),
        ErrorKind::Unavailable,
        "the list fails closed once out of sync past its bound"
    );

    proxy.restore();
    let start = Instant::now();
    let loaded = loop {
        match store.load(&key).await {
            Ok(found) => break found,
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unavailable);
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "never recovered: {e}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    println!(
        "store recovered {:?} after the network came back",
        start.elapsed()
    );
    let loaded = loaded.expect("the session survived");
    assert_eq!(loaded.values.get("kept"), Some(&json!(1)));
    assert_eq!(loaded.values.get("lost"), None, "no save went through");
    let start = Instant::now();
    while revocations.health().is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the feed never resynced"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "revocation feed resynced {:?} after the network came back",
        start.elapsed()
    );
    assert!(!revocations.is_revoked(&probe).unwrap());
    assert!(store.save(&key, &changes).await.is_ok());
    assert!(
        throttle
            .check(&account, &policy)
            .await
            .unwrap()
            .is_allowed()
    );
    assert_eq!(
        refresh
            .rotate(&RotateRequest::new(family, 0, clock.now(), clock.now()))
            .await
            .unwrap(),
        auth_core::refresh::Rotation::NotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_refuses_connections_is_unavailable_at_connect() {
    // Nothing listens on port 1: refused at once.
    let config = PostgresConfig::new("postgres://postgres@127.0.0.1:1/test").with_timeout(TIMEOUT);
    let start = Instant::now();
    let err = PostgresStore::connect(&config).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(start.elapsed() <= TIMEOUT + SLACK);
    let err = PostgresRevocations::connect(&config).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
}

/// The local session cache while the database is partitioned away: a warm session is served
/// only until the listener's missed heartbeat is noticed (within its stated window of 1 s),
/// then the cache is flushed and reads fail closed; a logout made elsewhere meanwhile is never
/// served from the cache once the network is back, and the cache serves again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn a_partitioned_cache_is_flushed_within_its_window_and_reads_fail_closed() {
    /// The window the docs state: heartbeat every 500 ms, echo within 500 ms.
    const WINDOW: Duration = Duration::from_millis(1000);
    let (direct_config, schema) = common::config(std::sync::Arc::new(SystemClock));
    let elsewhere = common::connect_store(&direct_config).await;
    let direct = common::database_url()
        .parse::<sqlx::postgres::PgConnectOptions>()
        .unwrap();
    let upstream = tokio::net::lookup_host((direct.get_host(), direct.get_port()))
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = Proxy::start(upstream).await;
    let config = PostgresConfig::from_pool(
        sqlx::postgres::PgPoolOptions::new()
            .acquire_timeout(TIMEOUT)
            .connect_lazy_with(direct.clone().host("127.0.0.1").port(proxy.addr().port())),
    )
    .with_schema(schema.0.clone())
    .with_timeout(TIMEOUT)
    .without_cleanup();
    let store = common::connect_store(&config).await;
    assert!(store.local_cache_active());
    let clock = SystemClock;
    let key = common::new_key();
    let record = SessionRecord::new(
        clock.now(),
        Duration::from_secs(600),
        Duration::from_secs(3600),
    );
    elsewhere.create(&key, &record).await.unwrap();
    common::warm(&store, &key).await;

    proxy.partition();
    let cut = Instant::now();
    assert!(
        elsewhere.delete(&key).await.unwrap(),
        "logged out elsewhere"
    );
    // Until the partition is noticed the entry may still be served (that is the window); the
    // entry alone can also go sooner, when a late hint (its own creation's) drops it, so what
    // is waited for is the cache giving up, and after it nothing is served.
    while store.local_cache_active() {
        assert!(
            cut.elapsed() <= WINDOW + SLACK,
            "still trusted {:?} after the partition (entry cached: {})",
            cut.elapsed(),
            store.load_ready(&key).is_some()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let flushed = cut.elapsed();
    println!("partitioned cache flushed after {flushed:?} (window {WINDOW:?})");
    assert!(store.load_ready(&key).is_none(), "served after the flush");
    unavailable_in_time("load from a flushed cache", store.load(&key)).await;

    proxy.restore();
    let start = Instant::now();
    loop {
        match store.load(&key).await {
            Ok(found) => {
                assert!(found.is_none(), "the logout made meanwhile holds");
                break;
            }
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Unavailable);
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "never recovered: {e}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    while !store.local_cache_active() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "never listened again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "cache serving again {:?} after the network came back",
        start.elapsed()
    );
    let again = common::new_key();
    elsewhere.create(&again, &record).await.unwrap();
    common::warm(&store, &again).await;
    elsewhere.delete(&again).await.unwrap();
    let start = Instant::now();
    while store.load(&again).await.unwrap().is_some() {
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "invalidations heard again"
        );
        tokio::task::yield_now().await;
    }
}
