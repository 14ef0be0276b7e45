//! `RedisConfig::with_replica_acks` on a Redis Cluster with a replica per master (started and
//! stopped by this test): the whole store conformance suite passes with every write waiting
//! for a replica, and a session is on its master's replica as soon as `create` returns (read
//! there, `READONLY`, right after), as is a revocation; with its replica frozen, a write on a
//! master's slots fails with `Unavailable`.

#![cfg(feature = "cluster")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use auth_core::{
    Clock, Identity, ManualClock, Revocation, Revocations, SessionRecord, SessionStore, SystemClock,
};
use auth_session_redis::{RedisConfig, RedisRevocations, RedisStore};
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::RedisCluster;

fn config(nodes: &[String], prefix: &str) -> RedisConfig {
    RedisConfig::cluster(nodes.to_vec())
        .with_key_prefix(prefix)
        .with_replica_acks(1, Duration::from_millis(500))
}

/// Run each named conformance check on a fresh store whose writes wait for a replica.
macro_rules! run_all {
    ($nodes:expr, $ran:expr; $($check:ident),* $(,)?) => {
        $(
            let clock = Arc::new(ManualClock::new());
            let dyn_clock: Arc<dyn Clock> = clock.clone();
            let store = RedisStore::connect(&config($nodes, &common::unique_prefix()).with_clock(dyn_clock))
                .await
                .expect("connect to the cluster");
            auth_core::conformance::$check(Arc::new(store), clock).await;
            $ran += 1;
        )*
    };
}

/// `READONLY` connections to every node (a replica then answers reads of its master's slots).
async fn readonly(url: &str) -> redis::aio::MultiplexedConnection {
    let mut conn = common::raw(url).await;
    let _: () = redis::cmd("READONLY").query_async(&mut conn).await.unwrap();
    conn
}

#[test]
#[ignore = "needs redis-server and redis-cli on PATH"]
fn conformance_and_acknowledged_writes_on_a_cluster_with_replicas() {
    let cluster = RedisCluster::start_with_replicas(3, 1, Duration::from_secs(5));
    let nodes = cluster.urls();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let started = Instant::now();
        let mut ran = 0;
        auth_core::session_store_conformance!(@checks run_all!(&nodes, ran));
        println!(
            "cluster with replica acks: {ran} conformance checks passed in {:?}",
            started.elapsed()
        );

        let prefix = common::unique_prefix();
        let store = RedisStore::connect(&config(&nodes, &prefix)).await.unwrap();
        let mut on_replica = Vec::new();
        for url in &nodes {
            on_replica.push(readonly(url).await);
        }
        let mut checked = 0;
        for _ in 0..30 {
            let mut record = SessionRecord::new(
                SystemClock.now(),
                Duration::from_secs(60),
                Duration::from_secs(600),
            );
            record.identity = Some(Identity::new("acked"));
            let key = common::new_key();
            store.create(&key, &record).await.unwrap();
            let name = format!("{prefix}s:{{{}}}", key.to_hex());
            let master = cluster.node_for_key(&name);
            let replicas = cluster.replicas_of(master);
            assert_eq!(replicas.len(), 1, "one replica per master");
            let there: i64 = redis::cmd("EXISTS")
                .arg(&name)
                .query_async(&mut on_replica[replicas[0]])
                .await
                .unwrap();
            assert_eq!(there, 1, "an acknowledged create is on the master's replica");
            checked += 1;
        }
        assert_eq!(store.delete_subject("acked").await.unwrap(), 30);

        let revocations = RedisRevocations::connect(&config(&nodes, &prefix)).await.unwrap();
        let expires = SystemClock.now().saturating_add(Duration::from_secs(60));
        revocations
            .revoke(Revocation::token("jti-acked", expires))
            .await
            .unwrap();
        let name = format!("{prefix}rev");
        let replica = cluster.replicas_of(cluster.node_for_key(&name))[0];
        let members: i64 = redis::cmd("ZCARD")
            .arg(&name)
            .query_async(&mut on_replica[replica])
            .await
            .unwrap();
        assert_eq!(members, 1, "an acknowledged revocation is on the replica");
        println!("{checked} sessions and a revocation found on the replica right after their writes returned");

        // A frozen replica acknowledges nothing: writes on its master's slots fail closed.
        let key = common::new_key();
        let name = format!("{prefix}s:{{{}}}", key.to_hex());
        let replica = cluster.replicas_of(cluster.node_for_key(&name))[0];
        cluster.nodes()[replica].signal("STOP");
        let mut record = SessionRecord::new(
            SystemClock.now(),
            Duration::from_secs(60),
            Duration::from_secs(600),
        );
        record.identity = Some(Identity::new("frozen"));
        let refused = store.create(&key, &record).await;
        cluster.nodes()[replica].signal("CONT");
        assert_eq!(
            refused.unwrap_err().kind(),
            auth_core::ErrorKind::Unavailable,
            "a write its replica did not acknowledge is refused"
        );
    });
    drop(cluster);
}
