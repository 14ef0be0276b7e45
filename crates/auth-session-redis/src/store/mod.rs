//! [`RedisStore`]: the [`SessionStore`] on Redis.
//!
//! Reads are plain commands; every write is a Lua script (`scripts/`). On a single Redis each
//! operation is one script that changes the session and its subject index together
//! (`single.rs`); on a Cluster, where they live in different slots, an operation is a short
//! sequence of single-slot scripts ordered so that the index never misses a live session
//! (`cluster.rs`). Listing a subject is shared (`subject.rs`). Loads go through the local
//! session cache (`crate::cache`) when it is on, and every write drops its keys from it.

mod calls;
#[cfg(feature = "cluster")]
mod cluster;
mod single;
mod subject;

use crate::cache::LocalCache;
use crate::config::RedisConfig;
use crate::conn::{Backend, RedisConnection};
use crate::connect;
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
/// Cheap to clone: clones share one reconnecting, multiplexed connection (and the local
/// session cache). Every call that needs Redis fails with [`ErrorKind::Unavailable`] within the
/// configured timeout when Redis cannot be reached, and works again as soon as it can, without
/// a restart.
///
/// ```no_run
/// use auth_session_redis::{RedisConfig, RedisStore};
/// # async fn run() -> Result<(), auth_core::Error> {
/// let config = RedisConfig::new("redis://127.0.0.1:6379/").with_key_prefix("myapp:");
/// let store = RedisStore::connect(&config).await?;
/// # Ok(()) }
/// ```
///
/// # Local session cache
/// On by default: [`load`](SessionStore::load) answers from an in-process cache of decoded
/// sessions when it can, so a request on a warm session costs no Redis round trip. It is kept
/// honest by Redis itself (server-assisted client-side caching, Redis 6 or later): the store
/// opens its own RESP3 connection per node that holds sessions (the server, or every Cluster
/// master), named `auth-session-redis-cache`, with `CLIENT TRACKING ON BCAST PREFIX
/// <prefix>s:{`, and Redis pushes an invalidation on it whenever *any* client changes or
/// deletes a session. What it guarantees:
/// - **Your own writes**: a `save`, `delete`, `rotate`, `create` or `delete_subject` through
///   this store (or a clone) drops the affected entries before it returns, whatever its
///   outcome, so the next `load` on this instance reads Redis.
/// - **Other instances' writes** (a logout, a rotation, a ban, a raw `HSET`/`DEL`) drop the
///   entry as soon as the invalidation arrives: within a millisecond or two on a healthy
///   network. A read that was in flight when its key was invalidated is not cached.
/// - **Never from a deaf cache**: hits are served only while tracking is confirmed on every
///   node. A tracking connection that closes, or does not answer its ping (every 500 ms, within
///   the command timeout), or on a Cluster a change of the slot map (checked every 500 ms),
///   flushes the whole cache, and reads go to Redis (failing closed if it is down) until
///   tracking is set up again from scratch. A `FLUSHALL` flushes the cache too.
/// - **Expiry** is judged by the configured clock on every hit, as for a read from Redis.
/// - **Bounded**: by entries and by approximate bytes ([`LocalCacheConfig`](crate::LocalCacheConfig);
///   10 000 sessions and 16 MiB unless configured), evicting the least recently read first
///   (approximately).
///
/// The instance that refreshes a session's idle expiry (a touch, at most once per touch
/// interval) drops its own entry and reads the session once more on its next request; so does
/// every other instance that cached it. Turn the cache off with
/// [`RedisConfig::without_local_cache`]; [`with_connection`](Self::with_connection) has no
/// cache (it has no URL to open tracking connections with).
#[derive(Clone)]
pub struct RedisStore {
    backend: Backend,
    keys: Keys,
    clock: Arc<dyn Clock>,
    cache: Option<Arc<LocalCache>>,
}

impl RedisStore {
    /// Connect as `config` says.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a bad URL, prefix or cache size; [`ErrorKind::Unavailable`]
    /// if Redis cannot be reached within the timeout. If the local cache's tracking cannot be
    /// set up (a server older than Redis 6, or a proxy without RESP3), the store works without
    /// it and keeps trying in the background.
    pub async fn connect(config: &RedisConfig) -> Result<Self, Error> {
        let keys = config.keys()?;
        if let Some(cache) = config.local_cache() {
            cache.validate()?;
        }
        let backend = connect::backend(config).await?;
        let cache = match config.local_cache() {
            Some(cache) => Some(Arc::new(
                LocalCache::start(config, cache, keys.clone()).await?,
            )),
            None => None,
        };
        let store = Self {
            backend,
            keys,
            clock: config.clock(),
            cache,
        };
        #[cfg(feature = "cluster")]
        if store.backend.is_cluster() {
            cluster::preload(&store).await;
        }
        Ok(store)
    }

    /// Use a connection the application already has (a
    /// [`ConnectionManager`](redis::aio::ConnectionManager), or with feature `cluster` a
    /// `redis::cluster_async::ClusterConnection`); the URL in `config`
    /// is ignored, its prefix, timeout and clock are used. Such a store has no local session
    /// cache: every `load` reads Redis.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a bad prefix or timeout.
    pub fn with_connection(
        conn: impl Into<RedisConnection>,
        config: &RedisConfig,
    ) -> Result<Self, Error> {
        Ok(Self {
            backend: connect::backend_on(config, conn.into()),
            keys: config.keys()?,
            clock: config.clock(),
            cache: None,
        })
    }

    /// Whether the local session cache is serving reads now: it is on, and Redis confirmed
    /// tracking on every node (false while tracking is being set up again after a drop).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), auth_core::Error> {
    /// use auth_session_redis::{RedisConfig, RedisStore};
    /// let store = RedisStore::connect(&RedisConfig::new("redis://127.0.0.1/")).await?;
    /// println!("cache serving: {}", store.local_cache_active());
    /// # Ok(()) }
    /// ```
    pub fn local_cache_active(&self) -> bool {
        self.cache.as_ref().is_some_and(|c| c.is_active())
    }

    /// The prefix of every key this store writes.
    pub fn key_prefix(&self) -> &str {
        self.keys.prefix()
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// This store wrote (or tried to write) `key`: its cached entry, if any, is stale.
    fn forget(&self, key: &SessionKey) {
        if let Some(cache) = &self.cache {
            cache.forget(key);
        }
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("cluster", &self.backend.is_cluster())
            .field("prefix", &self.keys.prefix())
            .field("clock", &self.clock)
            .field("local_cache", &self.cache.is_some())
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
        let created = if self.backend.is_cluster() {
            cluster::create(self, key, record).await
        } else {
            single::create(self, key, record).await
        };
        #[cfg(not(feature = "cluster"))]
        let created = single::create(self, key, record).await;
        // A create may replace an expired session that Redis still held (and we cached).
        self.forget(key);
        created
    }

    async fn load(&self, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
        let now = self.now();
        let Some(cache) = &self.cache else {
            return Ok(calls::read(self, key)
                .await?
                .filter(|record| !record.is_expired(now)));
        };
        if let Some(record) = cache.get(key, now) {
            // A hit does no I/O, so it would never yield: let the tracking connections'
            // tasks (which apply invalidations) run between hits on a busy runtime.
            tokio::task::consume_budget().await;
            return Ok(Some(SessionRecord::clone(&record)));
        }
        let pending = cache.begin_read(key);
        match calls::read_sized(self, key).await? {
            Some((record, size)) if !record.is_expired(now) => {
                cache.insert(pending, *key, &record, size);
                Ok(Some(record))
            }
            _ => Ok(None),
        }
    }

    /// A cache hit, shared and without a future (the session layer asks this first); a miss,
    /// or a cache that is off or not tracking, is `None`: then `load` asks Redis.
    fn load_ready(&self, key: &SessionKey) -> Option<Result<Option<Arc<SessionRecord>>, Error>> {
        let hit = self.cache.as_ref()?.peek(key, self.now())?;
        Some(Ok(Some(hit)))
    }

    async fn save(&self, key: &SessionKey, changes: &SessionChanges) -> Result<SaveOutcome, Error> {
        #[cfg(feature = "cluster")]
        let saved = if self.backend.is_cluster() {
            cluster::save(self, key, changes).await
        } else {
            single::save(self, key, changes).await
        };
        #[cfg(not(feature = "cluster"))]
        let saved = single::save(self, key, changes).await;
        self.forget(key);
        saved
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        #[cfg(feature = "cluster")]
        let deleted = if self.backend.is_cluster() {
            cluster::delete(self, key).await
        } else {
            single::delete(self, key).await
        };
        #[cfg(not(feature = "cluster"))]
        let deleted = single::delete(self, key).await;
        self.forget(key);
        deleted
    }

    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<SessionRecord>, Error> {
        #[cfg(feature = "cluster")]
        let rotated = if self.backend.is_cluster() {
            cluster::rotate(self, old, new, changes).await
        } else {
            single::rotate(self, old, new, changes).await
        };
        #[cfg(not(feature = "cluster"))]
        let rotated = single::rotate(self, old, new, changes).await;
        self.forget(old);
        self.forget(new);
        rotated
    }

    async fn delete_subject(&self, subject: &str) -> Result<u64, Error> {
        #[cfg(feature = "cluster")]
        let deleted = if self.backend.is_cluster() {
            cluster::delete_subject(self, subject).await
        } else {
            single::delete_subject(self, subject).await
        };
        #[cfg(not(feature = "cluster"))]
        let deleted = single::delete_subject(self, subject).await;
        if let Some(cache) = &self.cache {
            cache.forget_subject(subject);
        }
        deleted
    }

    async fn list_subject(&self, subject: &str) -> Result<Vec<SessionEntry>, Error> {
        subject::list(self, subject).await
    }
}
