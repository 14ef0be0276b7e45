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

use async_trait::async_trait;
use auth_core::refresh::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use auth_core::{
    Clock, Error, SaveOutcome, SessionChanges, SessionEntry, SessionId, SessionKey, SessionRecord,
    SessionStore,
};
use auth_core::{SystemClock, Timestamp};
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
    CleanStore {
        store: RedisStore::connect(&config)
            .await
            .expect("connect to the test Redis"),
        _cleanup: Cleanup::new(&url, &prefix),
        prefix,
    }
}

/// A [`RedisStore`] whose keys are deleted when it is dropped.
#[derive(Debug)]
pub struct CleanStore {
    pub store: RedisStore,
    pub prefix: String,
    _cleanup: Cleanup,
}

#[async_trait]
impl SessionStore for CleanStore {
    async fn create(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), Error> {
        self.store.create(key, record).await
    }
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
        self.store.load(key).await
    }
    async fn save(&self, key: &SessionKey, changes: &SessionChanges) -> Result<SaveOutcome, Error> {
        self.store.save(key, changes).await
    }
    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        self.store.delete(key).await
    }
    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<SessionRecord>, Error> {
        self.store.rotate(old, new, changes).await
    }
    async fn delete_subject(&self, subject: &str) -> Result<u64, Error> {
        self.store.delete_subject(subject).await
    }
    async fn list_subject(&self, subject: &str) -> Result<Vec<SessionEntry>, Error> {
        self.store.list_subject(subject).await
    }
}

/// A refresh store on the test Redis under a fresh prefix, cleaned up with the store. It runs
/// on the system clock: Redis expires families by the wall clock (PEXPIREAT).
pub async fn refresh_store() -> CleanRefreshStore {
    let url = redis_url();
    let prefix = unique_prefix();
    let config = RedisConfig::new(url.clone())
        .with_key_prefix(prefix.clone())
        .with_clock(Arc::new(SystemClock));
    CleanRefreshStore {
        store: RedisRefreshStore::connect(&config)
            .await
            .expect("connect to the test Redis"),
        _cleanup: Cleanup::new(&url, &prefix),
    }
}

/// A [`RedisRefreshStore`] whose keys are deleted when it is dropped.
#[derive(Debug)]
pub struct CleanRefreshStore {
    pub store: RedisRefreshStore,
    _cleanup: Cleanup,
}

#[async_trait]
impl RefreshStore for CleanRefreshStore {
    async fn create(
        &self,
        family: &FamilyId,
        record: &FamilyRecord,
        first_expires_at: Timestamp,
    ) -> Result<(), Error> {
        self.store.create(family, record, first_expires_at).await
    }
    async fn rotate(&self, request: &RotateRequest) -> Result<Rotation, Error> {
        self.store.rotate(request).await
    }
    async fn delete(&self, family: &FamilyId) -> Result<Option<FamilyRecord>, Error> {
        self.store.delete(family).await
    }
}

/// The `p`-th percentile of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
