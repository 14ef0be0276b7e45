//! [`RedisStore`]: the [`SessionStore`] on Redis.
//!
//! Reads are plain commands; every write is a Lua script (`scripts/`). On a single Redis each
//! operation is one script that changes the session and its subject index together
//! (`single.rs`); on a Cluster, where they live in different slots, an operation is a short
//! sequence of single-slot scripts ordered so that the index never misses a live session
//! (`cluster.rs`). Listing a subject is shared (`subject.rs`).

mod calls;
#[cfg(feature = "cluster")]
mod cluster;
mod single;
mod subject;

use crate::config::RedisConfig;
use crate::conn::{Backend, RedisConnection};
use crate::keys::Keys;
use async_trait::async_trait;
use auth_core::{
    Clock, Error, ErrorKind, SaveOutcome, SessionChanges, SessionEntry, SessionKey, SessionRecord,
    SessionStore, Timestamp,
};
use std::fmt;
use std::sync::Arc;

/// A [`SessionStore`] on Redis or Redis Cluster (feature `cluster`).
///
/// Cheap to clone: clones share one reconnecting, multiplexed connection. Every call fails
/// with [`ErrorKind::Unavailable`] within the configured timeout when Redis cannot be reached,
/// and works again as soon as it can, without a restart.
///
/// ```no_run
/// use auth_session_redis::{RedisConfig, RedisStore};
/// # async fn run() -> Result<(), auth_core::Error> {
/// let config = RedisConfig::new("redis://127.0.0.1:6379/").with_key_prefix("myapp:");
/// let store = RedisStore::connect(&config).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    backend: Backend,
    keys: Keys,
    clock: Arc<dyn Clock>,
}

impl RedisStore {
    /// Connect as `config` says.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a bad URL or prefix; [`ErrorKind::Unavailable`] if Redis
    /// cannot be reached within the timeout.
    pub async fn connect(config: &RedisConfig) -> Result<Self, Error> {
        let keys = config.keys()?;
        let backend = config.connect().await?;
        let store = Self {
            backend,
            keys,
            clock: config.clock(),
        };
        #[cfg(feature = "cluster")]
        if store.backend.is_cluster() {
            cluster::preload(&store).await;
        }
        Ok(store)
    }

    /// Use a connection the application already has (a
    /// [`ConnectionManager`](redis::aio::ConnectionManager), or with feature `cluster` a
    /// [`ClusterConnection`](redis::cluster_async::ClusterConnection)); the URL in `config`
    /// is ignored, its prefix, timeout and clock are used.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a bad prefix or timeout.
    pub fn with_connection(
        conn: impl Into<RedisConnection>,
        config: &RedisConfig,
    ) -> Result<Self, Error> {
        Ok(Self {
            backend: Backend::new(conn.into(), config.timeout()),
            keys: config.keys()?,
            clock: config.clock(),
        })
    }

    /// The prefix of every key this store writes.
    pub fn key_prefix(&self) -> &str {
        self.keys.prefix()
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("cluster", &self.backend.is_cluster())
            .field("prefix", &self.keys.prefix())
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

fn collision() -> Error {
    Error::new(
        ErrorKind::Collision,
        "a session already exists under that key",
    )
}

/// How often a single-Redis write re-reads a subject that changed under it before giving up.
const GUARD_RETRIES: usize = 8;

fn too_much_contention() -> Error {
    Error::unavailable("the session's subject kept changing concurrently; try again")
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn create(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), Error> {
        #[cfg(feature = "cluster")]
        if self.backend.is_cluster() {
            return cluster::create(self, key, record).await;
        }
        single::create(self, key, record).await
    }

    async fn load(&self, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
        let now = self.now();
        Ok(calls::read(self, key)
            .await?
            .filter(|record| !record.is_expired(now)))
    }

    async fn save(&self, key: &SessionKey, changes: &SessionChanges) -> Result<SaveOutcome, Error> {
        #[cfg(feature = "cluster")]
        if self.backend.is_cluster() {
            return cluster::save(self, key, changes).await;
        }
        single::save(self, key, changes).await
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        #[cfg(feature = "cluster")]
        if self.backend.is_cluster() {
            return cluster::delete(self, key).await;
        }
        single::delete(self, key).await
    }

    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<SessionRecord>, Error> {
        #[cfg(feature = "cluster")]
        if self.backend.is_cluster() {
            return cluster::rotate(self, old, new, changes).await;
        }
        single::rotate(self, old, new, changes).await
    }

    async fn delete_subject(&self, subject: &str) -> Result<u64, Error> {
        #[cfg(feature = "cluster")]
        if self.backend.is_cluster() {
            return cluster::delete_subject(self, subject).await;
        }
        single::delete_subject(self, subject).await
    }

    async fn list_subject(&self, subject: &str) -> Result<Vec<SessionEntry>, Error> {
        subject::list(self, subject).await
    }
}
