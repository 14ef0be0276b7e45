//! The whole store conformance suite (local session cache on), the cache's tracking of every
//! master, and the revocation feed, on a 3-master Redis Cluster that this test starts on free
//! loopback ports and always stops (a Drop guard, also on panic).
//!
//! One `#[test]` owns the cluster and runs every check in sequence, so no server outlives the
//! test process.

#![cfg(feature = "cluster")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "cluster/cache.rs"]
mod cache;
mod common;
#[path = "cluster/rotation.rs"]
mod rotation;

use auth_core::{
    Clock, Identity, ManualClock, Revocation, RevocationProbe, Revocations, SessionChanges,
    SessionRecord, SessionStore, SystemClock,
};
use auth_session_redis::{RedisConfig, RedisRevocations, RedisStore};
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::RedisCluster;

async fn cluster_store(nodes: &[String], clock: Arc<dyn Clock>) -> RedisStore {
    let config = RedisConfig::cluster(nodes.to_vec())
        .with_key_prefix(common::unique_prefix())
        .with_clock(clock);
    RedisStore::connect(&config)
        .await
        .expect("connect to the cluster")
}

/// Run each named conformance check on a fresh cluster store, one after the other.
macro_rules! run_all {
    ($nodes:expr, $ran:expr; $($check:ident),* $(,)?) => {
        $(
            let clock = Arc::new(ManualClock::new());
            let dyn_clock: Arc<dyn Clock> = clock.clone();
            let store = Arc::new(cluster_store($nodes, dyn_clock).await);
            let start = Instant::now();
            auth_core::conformance::$check(store, clock).await;
            println!("cluster conformance: {} ok ({:?})", stringify!($check), start.elapsed());
            $ran += 1;
        )*
    };
}

#[test]
#[ignore = "needs redis-server and redis-cli on PATH"]
fn conformance_and_revocations_on_a_three_master_cluster() {
    let cluster = RedisCluster::start(3);
    let nodes = cluster.urls();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut ran = 0;
        auth_core::session_store_conformance!(@checks run_all!(&nodes, ran));
        println!("cluster conformance: {ran} checks passed");
        sessions_spread_over_every_master(&nodes).await;
        identity_changes_and_races(&nodes).await;
        revocations_cross_nodes(&nodes).await;
        rotation::rotation_failure_never_brings_back_a_logged_out_session(&nodes).await;
        cache::local_cache_tracks_every_master_and_flushes_when_one_drops(&nodes).await;
        cache::a_session_read_from_the_node_a_slot_migrates_into_is_invalidated(&nodes).await;
    });
    drop(cluster);
}

async fn sessions_spread_over_every_master(nodes: &[String]) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = cluster_store(nodes, clock.clone()).await;
    let mut keys = Vec::new();
    for _ in 0..30 {
        let mut r = SessionRecord::new(
            clock.now(),
            Duration::from_secs(60),
            Duration::from_secs(600),
        );
        r.identity = Some(Identity::new("spread"));
        let key = common::new_key();
        store.create(&key, &r).await.unwrap();
        keys.push(key);
    }
    for url in nodes {
        let mut conn = common::raw(url).await;
        let n: usize = redis::cmd("DBSIZE").query_async(&mut conn).await.unwrap();
        assert!(n > 0, "node {url} holds no keys: sessions are not spread");
    }
    assert_eq!(store.list_subject("spread").await.unwrap().len(), 30);
    assert_eq!(store.delete_subject("spread").await.unwrap(), 30);
    for key in &keys {
        assert!(store.load(key).await.unwrap().is_none());
    }
}

/// The cluster paths the suite does not reach: a save that changes the subject (index written
/// first, old entry removed after), and saves racing a delete across slots.
async fn identity_changes_and_races(nodes: &[String]) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = Arc::new(cluster_store(nodes, clock.clone()).await);
    let record = |subject: &str| {
        let mut r = SessionRecord::new(
            clock.now(),
            Duration::from_secs(60),
            Duration::from_secs(600),
        );
        r.identity = Some(Identity::new(subject));
        r
    };
    let key = common::new_key();
    store.create(&key, &record("alice")).await.unwrap();
    let mut to_bob = SessionChanges::default();
    to_bob.identity = Some(Some(Identity::new("bob")));
    store.save(&key, &to_bob).await.unwrap();
    assert!(store.list_subject("alice").await.unwrap().is_empty());
    assert_eq!(store.list_subject("bob").await.unwrap().len(), 1);
    let mut logout = SessionChanges::default();
    logout.identity = Some(None);
    store.save(&key, &logout).await.unwrap();
    assert!(store.list_subject("bob").await.unwrap().is_empty());
    assert_eq!(store.delete_subject("bob").await.unwrap(), 0);
    assert!(store.load(&key).await.unwrap().unwrap().identity.is_none());

    for _ in 0..20 {
        let key = common::new_key();
        store.create(&key, &record("racer")).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut c = SessionChanges::default();
                c.insert(format!("f{i}"), serde_json::json!(i));
                store.save(&key, &c).await.map(|_| ())
            }));
        }
        let deleter = store.clone();
        tasks.push(tokio::spawn(async move {
            deleter.delete(&key).await.map(|_| ())
        }));
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert!(store.load(&key).await.unwrap().is_none(), "resurrected");
        assert!(store.list_subject("racer").await.unwrap().is_empty());
    }
    println!("cluster: identity changes and save/delete races ok");
}

async fn revocations_cross_nodes(nodes: &[String]) {
    let prefix = common::unique_prefix();
    // Each instance knows a different node only: the feed must cross the cluster bus.
    let a = RedisRevocations::connect(
        &RedisConfig::cluster([nodes[0].clone()])
            .with_key_prefix(prefix.clone())
            .with_revocations_per_subject(64),
    )
    .await
    .unwrap();
    let b = RedisRevocations::connect(
        &RedisConfig::cluster([nodes[2].clone()]).with_key_prefix(prefix.clone()),
    )
    .await
    .unwrap();
    let until = SystemClock.now().saturating_add(Duration::from_secs(60));
    let mut samples = Vec::new();
    for i in 0..100 {
        let jti = format!("c-{i}");
        let start = Instant::now();
        a.revoke(Revocation::token(jti.clone(), until))
            .await
            .unwrap();
        let probe = RevocationProbe {
            token_id: Some(&jti),
            ..Default::default()
        };
        while !b.is_revoked(&probe).unwrap() {
            assert!(start.elapsed() < Duration::from_secs(2), "not propagated");
            tokio::time::sleep(Duration::from_micros(100)).await;
        }
        samples.push(start.elapsed());
    }
    // A subject's index lives in the revocation ZSET's slot: the collapse runs on a cluster.
    for i in 0..70u8 {
        let key = auth_core::SessionKey::from_bytes([i; 32]);
        a.revoke(Revocation::session_of("cluster-user", key, until))
            .await
            .unwrap();
    }
    assert!(
        a.entries_of("cluster-user") <= 65,
        "collapsed on the cluster"
    );
    samples.sort();
    println!(
        "cluster revocation propagation over {} revocations: p50 {:?}, p99 {:?}",
        samples.len(),
        common::percentile(&samples, 0.5),
        common::percentile(&samples, 0.99)
    );
    let late = RedisRevocations::connect(
        &RedisConfig::cluster([nodes[1].clone()]).with_key_prefix(prefix),
    )
    .await
    .unwrap();
    assert_eq!(
        late.len(),
        100 + a.entries_of("cluster-user"),
        "snapshot loaded from the cluster"
    );
    assert_eq!(
        late.entries_of("cluster-user"),
        a.entries_of("cluster-user")
    );
}
