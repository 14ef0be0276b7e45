//! Redis memory per session on a server this test starts: with the default hash encoding
//! limits, and with `hash-max-listpack-value` raised so that a session's identity JSON fits the
//! compact encoding (an operator's choice; the store never runs CONFIG).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use auth_core::{Clock, Identity, SessionRecord, SessionStore, SystemClock};
use auth_session_redis::{RedisConfig, RedisStore};
use serde_json::json;
use std::time::Duration;
use test_support::RedisServer;

/// A typical logged-in session: an identity with a role, and three small values.
fn typical(subject: &str) -> SessionRecord {
    let now = SystemClock.now();
    let mut r = SessionRecord::new(now, Duration::from_secs(1800), Duration::from_secs(43_200));
    r.identity = Some(
        Identity::new(subject)
            .with_role("member")
            .with_authenticated_at(now),
    );
    r.values.insert("csrf".into(), json!("Qk1x2wq8Zr0"));
    r.values.insert("theme".into(), json!("dark"));
    r.values.insert("cart".into(), json!([17, 42]));
    r
}

async fn bytes_per_session(server: &RedisServer) -> (i64, String, f64) {
    let store = RedisStore::connect(&RedisConfig::new(server.url()))
        .await
        .unwrap();
    let mut raw = common::raw(&server.url()).await;
    let used = |raw: &mut redis::aio::MultiplexedConnection| {
        let mut raw = raw.clone();
        async move {
            let info: String = redis::cmd("INFO")
                .arg("memory")
                .query_async(&mut raw)
                .await
                .unwrap();
            info.lines()
                .find_map(|l| l.strip_prefix("used_memory:"))
                .unwrap()
                .trim()
                .parse::<f64>()
                .unwrap()
        }
    };
    let key = common::new_key();
    store.create(&key, &typical("user-1234")).await.unwrap();
    let hash = format!("auth:s:{{{}}}", key.to_hex());
    let usage: i64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(&hash)
        .arg("SAMPLES")
        .arg(0)
        .query_async(&mut raw)
        .await
        .unwrap();
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg(&hash)
        .query_async(&mut raw)
        .await
        .unwrap();
    // Average over many sessions of many subjects, indexes and Redis' own overhead included.
    let before = used(&mut raw).await;
    const N: usize = 2_000;
    for i in 0..N {
        let r = typical(&format!("user-{i}"));
        store.create(&common::new_key(), &r).await.unwrap();
    }
    let per_session = (used(&mut raw).await - before) / N as f64;
    (usage, encoding, per_session)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH"]
async fn memory_per_session() {
    let default = RedisServer::start();
    let (usage, encoding, average) = bytes_per_session(&default).await;
    println!(
        "default limits: MEMORY USAGE {usage} bytes ({encoding}); {average:.0} bytes/session \
         on average with its subject index"
    );
    drop(default);
    let tuned = RedisServer::start_with(&["--hash-max-listpack-value", "256"]);
    let (usage, encoding, average) = bytes_per_session(&tuned).await;
    println!(
        "hash-max-listpack-value 256: MEMORY USAGE {usage} bytes ({encoding}); {average:.0} \
         bytes/session on average with its subject index"
    );
    assert_eq!(encoding, "listpack");
}
