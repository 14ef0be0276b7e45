//! The local session cache on a Cluster: one tracking connection per master, invalidations from
//! every master, and a flush when one master's tracking connection drops. Run by `cluster.rs`
//! on the cluster it starts.

use crate::common;
use auth_core::{Clock, Identity, SessionRecord, SessionStore, SystemClock};
use auth_session_redis::{RedisConfig, RedisStore};
use std::time::{Duration, Instant};

async fn tracking_ids(url: &str) -> Vec<u64> {
    let mut raw = common::raw(url).await;
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(&mut raw)
        .await
        .unwrap();
    list.lines()
        .filter(|l| l.contains(" name=auth-session-redis-cache "))
        .filter_map(|l| l.strip_prefix("id=")?.split(' ').next()?.parse().ok())
        .collect()
}

async fn n_of(store: &RedisStore, key: &auth_core::SessionKey) -> Option<i64> {
    let record = store.load(key).await.unwrap()?;
    record.values.get("n").and_then(|v| v.as_i64())
}

pub(crate) async fn local_cache_tracks_every_master_and_flushes_when_one_drops(nodes: &[String]) {
    let prefix = common::unique_prefix();
    let config = RedisConfig::cluster(nodes.to_vec()).with_key_prefix(prefix.clone());
    let store = RedisStore::connect(&config).await.unwrap();
    assert!(store.local_cache_active(), "tracking set up on connect");
    for url in nodes {
        assert!(!tracking_ids(url).await.is_empty(), "{url} is tracked");
    }
    let mut keys = Vec::new();
    for _ in 0..30 {
        let mut r = SessionRecord::new(
            SystemClock.now(),
            Duration::from_secs(60),
            Duration::from_secs(600),
        );
        r.identity = Some(Identity::new("cached"));
        r.values.insert("n".into(), 0.into());
        let key = common::new_key();
        store.create(&key, &r).await.unwrap();
        assert_eq!(n_of(&store, &key).await, Some(0));
        keys.push(key);
    }
    let name = |key: &auth_core::SessionKey| format!("{prefix}s:{{{}}}", key.to_hex());

    // A plain cluster client's writes reach the cache, from every master.
    let client = redis::cluster::ClusterClient::new(nodes.to_vec()).unwrap();
    let mut plain = client.get_async_connection().await.unwrap();
    for key in &keys {
        let _: i64 = redis::cmd("HSET")
            .arg(name(key))
            .arg("v:n")
            .arg(1)
            .query_async(&mut plain)
            .await
            .unwrap();
    }
    let start = Instant::now();
    for key in &keys {
        while n_of(&store, key).await != Some(1) {
            assert!(
                start.elapsed() < Duration::from_millis(200),
                "not invalidated"
            );
            tokio::task::yield_now().await;
        }
    }

    // Kill the first master's tracking connection(s) and, in the same breath on that node,
    // write every session it owns (the others answer MOVED): those invalidations are lost.
    let mut first = common::raw(&nodes[0]).await;
    let mut pipe = redis::pipe();
    for id in tracking_ids(&nodes[0]).await {
        pipe.cmd("CLIENT").arg("KILL").arg("ID").arg(id).ignore();
    }
    for key in &keys {
        pipe.cmd("HSET").arg(name(key)).arg("v:n").arg(2).ignore();
    }
    let _: redis::RedisResult<()> = pipe.query_async(&mut first).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut changed = 0;
    for key in &keys {
        let stored: i64 = redis::cmd("HGET")
            .arg(name(key))
            .arg("v:n")
            .query_async(&mut plain)
            .await
            .unwrap();
        changed += usize::from(stored == 2);
        assert_eq!(
            n_of(&store, key).await,
            Some(stored),
            "flushed with the lost tracking"
        );
    }
    assert!(
        changed > 0 && changed < keys.len(),
        "{changed} sessions on the first master"
    );
    let start = Instant::now();
    while !store.local_cache_active() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "tracking never came back"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!(
        "cluster cache: invalidations from every master; {changed} sessions written unseen were not served stale"
    );
    store.delete_subject("cached").await.unwrap();
}
