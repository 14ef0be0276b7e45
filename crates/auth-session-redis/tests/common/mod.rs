//! Shared test support: where the Redis under test is, unique prefixes with cleanup, and
//! redis-server processes that tests start and always stop.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod server;

use async_trait::async_trait;
use auth_core::{
    Clock, Error, SaveOutcome, SessionChanges, SessionEntry, SessionId, SessionKey, SessionRecord,
    SessionStore,
};
use auth_session_redis::{RedisConfig, RedisStore};
use std::sync::Arc;
use std::time::Duration;

/// The Redis the tests use: `REDIS_URL` at run time, or the local default.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned())
}

/// Whether `CI` is set: then nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Whether the Redis at `REDIS_URL` answers. Unreachable: a skip message, or in CI a panic.
pub async fn redis_ready() -> bool {
    let url = redis_url();
    let reachable = async {
        let client = redis::Client::open(url.as_str())?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    match tokio::time::timeout(Duration::from_secs(2), reachable).await {
        Ok(Ok(_)) => true,
        outcome => {
            let why = match outcome {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".to_owned(),
            };
            assert!(
                !in_ci(),
                "CI is set but the Redis at REDIS_URL={url} is unreachable ({why})"
            );
            eprintln!(
                "SKIPPED: no Redis at REDIS_URL={url} ({why}); start redis-server or set REDIS_URL (set CI=1 to make this a failure)"
            );
            false
        }
    }
}

/// A prefix no other test (or run) uses.
pub fn unique_prefix() -> String {
    let hex = SessionId::generate().unwrap().key().to_hex();
    format!("test:{}:", &hex[..16])
}

/// A fresh session key.
pub fn new_key() -> SessionKey {
    SessionId::generate().unwrap().key()
}

/// Deletes every key under a prefix when dropped (also when the test panics).
#[derive(Debug)]
pub struct Cleanup {
    url: String,
    prefix: String,
}

impl Cleanup {
    pub fn new(url: &str, prefix: &str) -> Self {
        Self {
            url: url.to_owned(),
            prefix: prefix.to_owned(),
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = delete_prefix(&self.url, &self.prefix);
    }
}

/// `SCAN prefix*` + `DEL`, on a blocking connection.
pub fn delete_prefix(url: &str, prefix: &str) -> redis::RedisResult<usize> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_connection_with_timeout(Duration::from_secs(2))?;
    let mut cursor: u64 = 0;
    let mut deleted = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query(&mut conn)?;
        if !keys.is_empty() {
            deleted += redis::cmd("DEL").arg(&keys).query::<usize>(&mut conn)?;
        }
        if next == 0 {
            return Ok(deleted);
        }
        cursor = next;
    }
}

/// A store on the test Redis under a fresh prefix that is cleaned up with the store.
pub async fn store(clock: Arc<dyn Clock>) -> CleanStore {
    let url = redis_url();
    let prefix = unique_prefix();
    let config = RedisConfig::new(url.clone())
        .with_key_prefix(prefix.clone())
        .with_clock(clock);
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

/// A plain async connection for looking at what the store wrote.
pub async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// The `p`-th percentile of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
