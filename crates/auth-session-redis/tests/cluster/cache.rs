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

/// A node's cluster id (`CLUSTER MYID`).
async fn node_id(url: &str) -> String {
    let mut raw = common::raw(url).await;
    redis::cmd("CLUSTER")
        .arg("MYID")
        .query_async(&mut raw)
        .await
        .unwrap()
}

/// Security review 2, finding 13: while a slot migrates, a read of a moved key is answered by
/// the importing node through an `ASK` redirect, and that node (a master that owns no slot
/// yet) was not tracked: the session was cached and a change made on that node was never
/// reported. Now every healthy master is tracked, one that joins is picked up at the next
/// check, and a change on the importing node reaches the cache. Run last on the cluster: the
/// slot is put back and the fourth node stopped, but the cluster keeps a failed node entry.
pub(crate) async fn a_session_read_from_the_node_a_slot_migrates_into_is_invalidated(
    nodes: &[String],
) {
    let prefix = common::unique_prefix();
    let config = RedisConfig::cluster(nodes.to_vec()).with_key_prefix(prefix.clone());
    let store = RedisStore::connect(&config).await.unwrap();
    assert!(store.local_cache_active());

    // A fourth master joins, with no slot.
    let newcomer = test_support::RedisServer::start_cluster_node();
    let new_url = newcomer.url();
    let mut first = common::raw(&nodes[0]).await;
    let _: () = redis::cmd("CLUSTER")
        .arg("MEET")
        .arg("127.0.0.1")
        .arg(newcomer.port())
        .query_async(&mut first)
        .await
        .unwrap();
    let start = Instant::now();
    while tracking_ids(&new_url).await.is_empty() || !store.local_cache_active() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the master that joined is never tracked"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "cluster cache: a master that joined was tracked after {:?}",
        start.elapsed()
    );

    let mut r = SessionRecord::new(
        SystemClock.now(),
        Duration::from_secs(60),
        Duration::from_secs(600),
    );
    r.identity = Some(Identity::new("migrating"));
    r.values.insert("n".into(), 0.into());
    let key = common::new_key();
    store.create(&key, &r).await.unwrap();
    let name = format!("{prefix}s:{{{}}}", key.to_hex());

    // Move the session's slot halfway: MIGRATING on its owner, IMPORTING on the newcomer, and
    // the key itself moved, so reads reach the newcomer through ASK.
    let slot: i64 = redis::cmd("CLUSTER")
        .arg("KEYSLOT")
        .arg(&name)
        .query_async(&mut first)
        .await
        .unwrap();
    let mut owner_url = None;
    for url in nodes {
        let mut raw = common::raw(url).await;
        let here: Result<i64, _> = redis::cmd("EXISTS").arg(&name).query_async(&mut raw).await;
        if here == Ok(1) {
            owner_url = Some(url.clone());
        }
    }
    let owner_url = owner_url.expect("the session lives on one master");
    let (owner_id, new_id) = (node_id(&owner_url).await, node_id(&new_url).await);
    let mut owner = common::raw(&owner_url).await;
    let mut newc = common::raw(&new_url).await;
    // The newcomer and the owner must know each other, and the newcomer the whole slot map
    // (gossip), before a slot moves.
    let start = Instant::now();
    loop {
        let mut known = true;
        for (conn, other) in [(&mut owner, &new_id), (&mut newc, &owner_id)] {
            let listing: String = redis::cmd("CLUSTER")
                .arg("NODES")
                .query_async(conn)
                .await
                .unwrap();
            known &= listing.contains(other.as_str());
        }
        let info: String = redis::cmd("CLUSTER")
            .arg("INFO")
            .query_async(&mut newc)
            .await
            .unwrap();
        if known && info.contains("cluster_state:ok") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "gossip never met"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let setslot = |state: &str, id: &str| {
        let mut c = redis::cmd("CLUSTER");
        c.arg("SETSLOT").arg(slot).arg(state).arg(id);
        c
    };
    let _: () = setslot("IMPORTING", &owner_id)
        .query_async(&mut newc)
        .await
        .unwrap();
    let _: () = setslot("MIGRATING", &new_id)
        .query_async(&mut owner)
        .await
        .unwrap();
    let _: () = redis::cmd("MIGRATE")
        .arg("127.0.0.1")
        .arg(newcomer.port())
        .arg(&name)
        .arg(0)
        .arg(5000)
        .query_async(&mut owner)
        .await
        .unwrap();

    // Read (and cache) it through the redirect, then change it on the newcomer.
    assert_eq!(n_of(&store, &key).await, Some(0));
    assert_eq!(n_of(&store, &key).await, Some(0));
    let _: ((), i64) = redis::pipe()
        .cmd("ASKING")
        .cmd("HSET")
        .arg(&name)
        .arg("v:n")
        .arg(7)
        .query_async(&mut newc)
        .await
        .unwrap();
    let start = Instant::now();
    while n_of(&store, &key).await != Some(7) {
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "a change on the importing node was never seen: the cache served it stale"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!(
        "cluster cache: a change on the importing node seen after {:?}",
        start.elapsed()
    );

    // Put everything back: the key deleted, the slot stable on its owner, the newcomer gone.
    let _: ((), i64) = redis::pipe()
        .cmd("ASKING")
        .cmd("DEL")
        .arg(&name)
        .query_async(&mut newc)
        .await
        .unwrap();
    let _: () = setslot("NODE", &owner_id)
        .query_async(&mut owner)
        .await
        .unwrap();
    let _: () = setslot("NODE", &owner_id)
        .query_async(&mut newc)
        .await
        .unwrap();
    drop(newcomer);
    store.delete_subject("migrating").await.unwrap();
}
