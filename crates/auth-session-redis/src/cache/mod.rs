//! The local session cache in front of Redis, kept honest by Redis itself.
//!
//! Decoded records are cached by session key in auth-core's
//! [`SessionCache`](auth_core::local_cache::SessionCache) (bounded by entries and bytes).
//! Redis tells the cache when any client changes or deletes a session: server-assisted
//! client-side caching on the cache's own connections (`tracking.rs`; one per Cluster master,
//! `cluster.rs`). Hits are served only while tracking is confirmed on every node; a tracking
//! connection that drops flushes everything and sends reads to Redis until tracking is back.
//! A read's reply is cached only if no invalidation of its key arrived while it was in flight
//! (auth-core's fence). Writes through this store drop their entries as soon as they return, so one
//! instance always reads its own writes.

#[cfg(feature = "cluster")]
mod cluster;
mod tracking;

use crate::config::{LocalCacheConfig, RedisConfig, Target};
use crate::error::TARGET;
use crate::keys::Keys;
use auth_core::local_cache::{PendingRead, SessionCache};
use auth_core::{Error, SessionKey, SessionRecord, Timestamp};
use redis::{ConnectionInfo, ProtocolVersion, Value};
use std::sync::Arc;
use tokio::task::JoinHandle;
use tracking::{Nodes, Tracker};

/// What the store holds: the cache, and the task that keeps its tracking up (stopped when the
/// last clone of the store is dropped).
pub(crate) struct LocalCache {
    shared: Arc<Shared>,
    tracker: JoinHandle<()>,
}

/// What the tracking connections and the store share.
struct Shared {
    cache: SessionCache,
    keys: Keys,
}

impl LocalCache {
    /// Set up tracking once now (so a fresh store starts warm-capable) and keep it up in the
    /// background. A first attempt that fails is logged and retried: the store works without
    /// the cache meanwhile.
    pub(crate) async fn start(
        config: &RedisConfig,
        cache: &LocalCacheConfig,
        keys: Keys,
    ) -> Result<Self, Error> {
        let shared = Arc::new(Shared {
            cache: SessionCache::new(cache)?,
            keys,
        });
        let nodes = match config.target() {
            Target::Single(url) => Nodes::Single(Box::new(resp3(config, url)?)),
            #[cfg(feature = "cluster")]
            Target::Cluster(urls) => Nodes::Cluster(
                urls.iter()
                    .map(|u| resp3(config, u))
                    .collect::<Result<_, _>>()?,
            ),
        };
        let tracker = Tracker {
            shared: shared.clone(),
            nodes,
            timeout: config.timeout(),
        };
        let first = match tracker.establish().await {
            Ok(session) => Some(session),
            Err(e) => {
                tracing::warn!(target: TARGET, error = %e, "local session cache: tracking not established; reads go to Redis until it is");
                None
            }
        };
        Ok(Self {
            shared,
            tracker: tokio::spawn(tracker.run(first)),
        })
    }

    /// Whether hits are being served (tracking is confirmed on every node).
    pub(crate) fn is_active(&self) -> bool {
        self.shared.cache.is_up()
    }

    /// The cached record, unless tracking is down or it has expired at `now`; counted as a
    /// hit or a miss.
    pub(crate) fn get(&self, key: &SessionKey, now: Timestamp) -> Option<Arc<SessionRecord>> {
        self.shared.cache.get(key, now)
    }

    /// [`get`](Self::get) for a first look whose miss is followed by `get` (the store's
    /// `load_ready`, then `load`): counts only a hit, so each load counts once.
    pub(crate) fn peek(&self, key: &SessionKey, now: Timestamp) -> Option<Arc<SessionRecord>> {
        self.shared.cache.peek(key, now)
    }

    /// Call before sending a read of `key` to Redis.
    pub(crate) fn begin_read(&self, key: &SessionKey) -> PendingRead {
        self.shared.cache.begin_read(key)
    }

    /// Cache a record read under `pending` (about `size` bytes), unless tracking went down or
    /// the key was invalidated while the read was in flight.
    pub(crate) fn insert(
        &self,
        pending: PendingRead,
        key: SessionKey,
        record: &SessionRecord,
        size: usize,
    ) {
        self.shared.cache.insert(pending, key, record, size);
    }

    /// This instance wrote `key` (or tried to): drop its entry and void reads in flight.
    pub(crate) fn forget(&self, key: &SessionKey) {
        self.shared.cache.forget(key);
    }

    /// This instance deleted `subject`'s sessions: drop them, and void every read in flight
    /// (which sessions they are is only known to Redis).
    pub(crate) fn forget_subject(&self, subject: &str) {
        self.shared.cache.forget_subject(subject);
    }
}

impl Drop for LocalCache {
    fn drop(&mut self) {
        self.tracker.abort();
    }
}

impl Shared {
    /// An `invalidate` push: the keys Redis says changed, or nil for "everything" (`FLUSHALL`,
    /// `FLUSHDB`).
    fn invalidated(&self, data: &[Value]) {
        match data.first() {
            Some(Value::Array(names)) => {
                for name in names {
                    let name = match name {
                        Value::BulkString(b) => b.as_slice(),
                        Value::SimpleString(s) => s.as_bytes(),
                        _ => continue,
                    };
                    // Names under the tracked prefix that are not sessions are not cached.
                    if let Some(key) = self.keys.session_key_of(name) {
                        self.cache.forget(&key);
                    }
                }
            }
            _ => {
                self.cache.flush();
                tracing::debug!(target: TARGET, "local session cache: Redis invalidated everything; cache flushed");
            }
        }
    }

    /// Tracking of generation `word` can no longer vouch for the cache: flush and bypass it.
    fn lost(&self, word: u64, why: &'static str) {
        if self.cache.lost(word) {
            tracing::warn!(target: TARGET, reason = why, "local session cache: tracking lost; cache flushed, reads go to Redis until it is back");
        }
    }
}

/// A RESP3 connection to the server at `url` (push messages need RESP3).
fn resp3(config: &RedisConfig, url: &str) -> Result<ConnectionInfo, Error> {
    let info = crate::connect::client(config, url)?
        .get_connection_info()
        .clone();
    let settings = info
        .redis_settings()
        .clone()
        .set_protocol(ProtocolVersion::RESP3);
    Ok(info.set_redis_settings(settings))
}

/// An estimate of what a record read as these `HGETALL` fields takes in memory.
pub(crate) fn approximate_size(fields: &[String]) -> usize {
    const PER_RECORD: usize = 256;
    const PER_FIELD: usize = 64;
    PER_RECORD
        + fields
            .iter()
            .map(|f| f.len() + PER_FIELD / 2)
            .sum::<usize>()
}
