//! Cluster rotation against a concurrent logout: a rotation that fails after taking the old
//! session puts it back only if nothing deleted it meanwhile. Run by `cluster.rs` on the
//! cluster it starts.

use crate::common;
use auth_core::{
    Clock, ErrorKind, Identity, SessionChanges, SessionKey, SessionRecord, SessionStore,
    SystemClock,
};
use auth_session_redis::{RedisConfig, RedisStore};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The index of the node (in `nodes`) that owns `key`'s slot: the others answer MOVED.
async fn owner(nodes: &[String], key: &str) -> usize {
    for (i, url) in nodes.iter().enumerate() {
        let mut conn = common::raw(url).await;
        let reply: redis::RedisResult<i64> =
            redis::cmd("EXISTS").arg(key).query_async(&mut conn).await;
        if reply.is_ok() {
            return i;
        }
    }
    panic!("no node owns {key}");
}

/// Keep one node busy (a script spinning on TIME) for `d`: every command sent to it meanwhile
/// waits, so a caller with a shorter timeout sees a real failure.
async fn hold_busy(url: String, d: Duration) {
    let mut conn = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection_with_config(
            &redis::AsyncConnectionConfig::new().set_response_timeout(Some(d * 4)),
        )
        .await
        .unwrap();
    let _: i64 = redis::Script::new(
        "local t = redis.call('TIME') \
         local stop = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1]) \
         repeat t = redis.call('TIME') until tonumber(t[1]) * 1000000 + tonumber(t[2]) >= stop \
         return 1",
    )
    .arg(d.as_micros() as u64)
    .invoke_async(&mut conn)
    .await
    .unwrap();
}

/// What happens while a rotation is between taking the old session and putting it back.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Meanwhile {
    Nothing,
    Logout,
    LogoutEverywhere,
}

/// A subject's index key under `prefix`.
fn index_key(prefix: &str, subject: &str) -> String {
    let digest: String = Sha256::digest(subject.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{prefix}u:{{{digest}}}")
}

/// A rotation (here: switching the session from one subject to another) takes the old
/// session, then writes the new subject's index (another slot: a write made to fail for real),
/// then puts the old session back. A logout, or a "log out everywhere" of the old subject, that
/// came in between must win: the restore must not bring the session back.
pub(crate) async fn rotation_failure_never_brings_back_a_logged_out_session(nodes: &[String]) {
    let prefix = common::unique_prefix();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = RedisConfig::cluster(nodes.to_vec())
        .with_key_prefix(prefix.clone())
        .with_clock(clock.clone())
        .with_timeout(Duration::from_millis(300));
    let store = Arc::new(RedisStore::connect(&config).await.unwrap());
    // The new subject's index is the write that fails; the old subject's index is elsewhere,
    // so "log out everywhere" of the old subject still works meanwhile.
    let new_subject = "switched-to";
    let index = index_key(&prefix, new_subject);
    let index_node = owner(nodes, &index).await;
    let mut old_subject = String::new();
    for i in 0.. {
        old_subject = format!("switched-from-{i}");
        if owner(nodes, &index_key(&prefix, &old_subject)).await != index_node {
            break;
        }
    }
    let session_key = |k: &SessionKey| format!("{prefix}s:{{{}}}", k.to_hex());
    // Sessions on the other nodes, so only the index write meets the failing node.
    let pick = async || loop {
        let k = common::new_key();
        let node = owner(nodes, &session_key(&k)).await;
        if node != index_node {
            return (k, node);
        }
    };
    let login = || {
        let mut r = SessionRecord::new(
            clock.now(),
            Duration::from_secs(60),
            Duration::from_secs(600),
        );
        r.identity = Some(Identity::new(old_subject.clone()));
        r
    };
    let mut switch = SessionChanges::default();
    switch.identity = Some(Some(Identity::new(new_subject)));

    // An index key of the wrong type: the index write fails, the old session is put back.
    let mut ix_conn = common::raw(&nodes[index_node]).await;
    let _: () = redis::cmd("SET")
        .arg(&index)
        .arg("not a zset")
        .query_async(&mut ix_conn)
        .await
        .unwrap();
    let (old, _) = pick().await;
    let (new, _) = pick().await;
    let r = login();
    store.create(&old, &r).await.unwrap();
    let err = store.rotate(&old, &new, &switch).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Storage, "{err}");
    assert_eq!(
        store.load(&old).await.unwrap(),
        Some(r),
        "restored as it was"
    );
    assert!(store.load(&new).await.unwrap().is_none());
    let _: () = redis::cmd("DEL")
        .arg(&index)
        .query_async(&mut ix_conn)
        .await
        .unwrap();

    // The index's node held busy, so the index write times out while a logout comes in.
    for meanwhile in [
        Meanwhile::Nothing,
        Meanwhile::Logout,
        Meanwhile::LogoutEverywhere,
    ] {
        let (old, old_node) = pick().await;
        let (new, _) = pick().await;
        let r = login();
        store.create(&old, &r).await.unwrap();

        let busy = tokio::spawn(hold_busy(
            nodes[index_node].clone(),
            Duration::from_millis(1500),
        ));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let rotation = {
            let (store, switch) = (store.clone(), switch.clone());
            tokio::spawn(async move { store.rotate(&old, &new, &switch).await })
        };
        if meanwhile != Meanwhile::Nothing {
            // Once the rotation has taken the old session, log it out.
            let mut raw = common::raw(&nodes[old_node]).await;
            let start = Instant::now();
            loop {
                let exists: i64 = redis::cmd("EXISTS")
                    .arg(session_key(&old))
                    .query_async(&mut raw)
                    .await
                    .unwrap();
                if exists == 0 {
                    break;
                }
                assert!(start.elapsed() < Duration::from_secs(1), "never taken");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            if meanwhile == Meanwhile::Logout {
                store.delete(&old).await.unwrap();
            } else {
                store.delete_subject(&old_subject).await.unwrap();
            }
        }
        let err = rotation.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
        busy.await.unwrap();
        assert!(store.load(&new).await.unwrap().is_none(), "no new session");
        let back = store.load(&old).await.unwrap();
        if meanwhile == Meanwhile::Nothing {
            assert_eq!(back, Some(r), "a failed rotation keeps the user logged in");
        } else {
            assert!(
                back.is_none(),
                "{meanwhile:?} during a failed rotation: the session came back"
            );
        }
    }
    println!("cluster: rotation failure vs logout ok");
}
