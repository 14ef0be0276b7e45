//! Shared test support: a session store on the Redis under test that cleans up after itself,
//! and the harness of `test-support` (the Redis, prefixes, cleanup) under the names the tests use.

#![allow(
    dead_code,
    unused_imports,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used
)]

pub use test_support::{Cleanup, raw, redis_url, unique_prefix};

use auth_core::conformance::Cleaned;
use auth_core::{Clock, SessionId, SessionKey, SystemClock};
use auth_session_redis::{RedisConfig, RedisRefreshStore, RedisStore};
use std::sync::Arc;
use std::time::Duration;

/// A fresh session key.
pub fn new_key() -> SessionKey {
    SessionId::generate().unwrap().key()
}

/// A store on the test Redis under a fresh prefix that is cleaned up with the store (its
/// local session cache on, as by default).
pub async fn store(clock: Arc<dyn Clock>) -> CleanStore {
    store_with(clock, |c| c).await
}

/// [`store`] with the local session cache off.
pub async fn store_without_local_cache(clock: Arc<dyn Clock>) -> CleanStore {
    store_with(clock, RedisConfig::without_local_cache).await
}

async fn store_with(
    clock: Arc<dyn Clock>,
    tune: impl FnOnce(RedisConfig) -> RedisConfig,
) -> CleanStore {
    let url = redis_url();
    let prefix = unique_prefix();
    let config = tune(
        RedisConfig::new(url.clone())
            .with_key_prefix(prefix.clone())
            .with_clock(clock),
    );
    Cleaned {
        store: RedisStore::connect(&config)
            .await
            .expect("connect to the test Redis"),
        cleanup: Prefix {
            _cleanup: Cleanup::new(&url, &prefix),
            prefix,
        },
    }
}

/// A store on the test Redis whose keys are deleted when it is dropped.
pub type CleanStore = Cleaned<RedisStore, Prefix>;

/// A key prefix of the test Redis, deleted when dropped.
#[derive(Debug)]
pub struct Prefix {
    pub prefix: String,
    _cleanup: Cleanup,
}

/// A refresh store on the test Redis under a fresh prefix, cleaned up with the store. It runs
/// on the system clock: Redis expires families by the wall clock (PEXPIREAT).
pub async fn refresh_store() -> CleanRefreshStore {
    let url = redis_url();
    let prefix = unique_prefix();
    let config = RedisConfig::new(url.clone())
        .with_key_prefix(prefix.clone())
        .with_clock(Arc::new(SystemClock));
    Cleaned {
        store: RedisRefreshStore::connect(&config)
            .await
            .expect("connect to the test Redis"),
        cleanup: Cleanup::new(&url, &prefix),
    }
}

/// A refresh store on the test Redis whose keys are deleted when it is dropped.
pub type CleanRefreshStore = Cleaned<RedisRefreshStore, Cleanup>;

/// The `p`-th percentile of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
