//! Helpers: stores with the cache on or off, sessions holding a counter `n`, Redis command
//! counts, and the tracking connections' ids.

use crate::common;
use auth_core::{Clock, Identity, SessionKey, SessionRecord, SessionStore, SystemClock};
use auth_session_redis::{RedisConfig, RedisStore};
use std::future::Future;
use std::time::{Duration, Instant};

/// A store on `url` under a fresh prefix (cleaned up on drop), `tune` applied to its config;
/// waits until its cache serves if it has one.
pub(crate) async fn store_on(
    url: &str,
    tune: impl FnOnce(RedisConfig) -> RedisConfig,
) -> (RedisStore, String, common::Cleanup) {
    let prefix = common::unique_prefix();
    let config = tune(RedisConfig::new(url).with_key_prefix(prefix.clone()));
    let store = RedisStore::connect(&config).await.expect("connect");
    if config.local_cache().is_some() {
        wait_active(&store).await;
    }
    let cleanup = common::Cleanup::new(url, &prefix);
    (store, prefix, cleanup)
}

/// A second store (its own connections) on the same prefix.
pub(crate) async fn twin(url: &str, prefix: &str) -> RedisStore {
    let config = RedisConfig::new(url).with_key_prefix(prefix.to_owned());
    let store = RedisStore::connect(&config).await.expect("connect");
    wait_active(&store).await;
    store
}

pub(crate) async fn wait_active(store: &RedisStore) {
    let start = Instant::now();
    while !store.local_cache_active() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "cache never active"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A logged-in session whose value `n` is 0 (and `blob` `pad` bytes long, if any).
pub(crate) async fn new_session(store: &RedisStore, pad: usize) -> SessionKey {
    let mut r = SessionRecord::new(
        SystemClock.now(),
        Duration::from_secs(600),
        Duration::from_secs(3600),
    );
    r.identity = Some(Identity::new("user-1"));
    r.values.insert("n".into(), 0.into());
    if pad > 0 {
        r.values.insert("blob".into(), "x".repeat(pad).into());
    }
    let key = common::new_key();
    store.create(&key, &r).await.unwrap();
    key
}

/// The counter of a loaded session.
pub(crate) fn n_of(record: &SessionRecord) -> i64 {
    record.values.get("n").and_then(|v| v.as_i64()).unwrap()
}

/// What `load` says `n` is (`None`: no session).
pub(crate) async fn loaded_n(store: &RedisStore, key: &SessionKey) -> Option<i64> {
    store.load(key).await.unwrap().map(|r| n_of(&r))
}

/// The Redis name of a session HASH (as the crate documents it).
pub(crate) fn session_name(prefix: &str, key: &SessionKey) -> String {
    format!("{prefix}s:{{{}}}", key.to_hex())
}

/// Commands Redis has run, except the ones that are not about data (pings, introspection,
/// connection setup).
pub(crate) async fn data_commands(url: &str) -> u64 {
    let mut raw = common::raw(url).await;
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut raw)
        .await
        .unwrap();
    info.lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .filter(|l| {
            !["ping", "info", "client", "hello", "config", "select"]
                .iter()
                .any(|c| l.starts_with(&format!("{c}:")) || l.starts_with(&format!("{c}|")))
        })
        .filter_map(|l| {
            l.split("calls=")
                .nth(1)?
                .split(',')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

/// The ids of the cache's tracking connections on the server at `url`.
pub(crate) async fn tracking_ids(url: &str) -> Vec<u64> {
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

/// Poll `check` until it holds or `within` has passed; how long it took.
pub(crate) async fn eventually<F, Fut>(within: Duration, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "not within {within:?}");
        tokio::task::yield_now().await;
    }
}

/// The `p` quantile of sorted samples.
pub(crate) fn quantile(sorted: &[Duration], p: f64) -> Duration {
    common::percentile(sorted, p)
}
