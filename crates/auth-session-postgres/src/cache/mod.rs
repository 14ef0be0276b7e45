//! The local session cache in front of PostgreSQL, kept honest by the database itself.
//!
//! Decoded records are cached by session key in auth-core's
//! [`SessionCache`](auth_core::local_cache::SessionCache) (bounded by entries and bytes). The
//! `sessions` table's trigger announces every committed change on the channel
//! `{schema}_sessions` (the key in hex); the cache's own connection `LISTEN`s there
//! (`listener.rs`) and drops what it hears of. Hits are served only while that listener is
//! confirmed: a heartbeat it sends itself every 500 ms must come back within
//! 500 ms; a listener that drops, errs or misses its heartbeat flushes everything
//! and sends reads to the table until a new one is listening.
//!
//! Notifications are hints, never trusted: any role that can connect may `NOTIFY`, but a
//! notification can only drop entries (one key, or everything for an empty payload), never
//! make the cache serve something. A read's reply is cached only if no notification of its key
//! arrived while it was in flight (auth-core's fence); writes through this store drop their
//! keys as soon as they return, so one instance always reads its own writes.

mod listener;

use crate::config::PostgresConfig;
use crate::connect;
use crate::error::TARGET;
use crate::schema::Schema;
use auth_core::local_cache::{LocalCacheConfig, PendingRead, SessionCache};
use auth_core::{Error, SessionId, SessionKey, SessionRecord, Timestamp};
use listener::Listener;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// What the store holds: the cache, and the task that keeps its listener up (stopped when the
/// last clone of the store is dropped).
pub(crate) struct LocalCache {
    cache: Arc<SessionCache>,
    listener: JoinHandle<()>,
}

impl LocalCache {
    /// Start listening once now (so a fresh store starts warm-capable) and keep the listener
    /// up in the background. A first attempt that fails is logged and retried: the store works
    /// without the cache meanwhile.
    pub(crate) async fn start(
        config: &PostgresConfig,
        size: &LocalCacheConfig,
        schema: &Schema,
    ) -> Result<Self, Error> {
        let cache = Arc::new(SessionCache::new(size)?);
        // A random tag names this cache's heartbeat channel (the session key of a fresh id is
        // 256 random bits; 64 of them are plenty to be alone on the channel).
        let tag = SessionId::generate()?.key().to_hex()[..16].to_owned();
        let listener = Listener {
            cache: cache.clone(),
            pool: connect::feed_pool(config)?,
            timeout: config.timeout(),
            channel: schema.session_channel.clone(),
            heartbeat: schema.heartbeat_channel(&tag),
        };
        let first = match listener.establish().await {
            Ok(session) => Some(session),
            Err(e) => {
                tracing::warn!(target: TARGET, error = %e, "local session cache: not listening; reads go to the database until it is");
                None
            }
        };
        Ok(Self {
            cache,
            listener: tokio::spawn(listener.run(first)),
        })
    }

    /// Whether hits are being served (the listener is confirmed).
    pub(crate) fn is_active(&self) -> bool {
        self.cache.is_up()
    }

    /// The cached record, unless the listener is down or it has expired at `now`; counted as
    /// a hit or a miss.
    pub(crate) fn get(&self, key: &SessionKey, now: Timestamp) -> Option<Arc<SessionRecord>> {
        self.cache.get(key, now)
    }

    /// [`get`](Self::get) for the store's `load_ready`: counts only a hit.
    pub(crate) fn peek(&self, key: &SessionKey, now: Timestamp) -> Option<Arc<SessionRecord>> {
        self.cache.peek(key, now)
    }

    /// Call before sending a read of `key` to the database.
    pub(crate) fn begin_read(&self, key: &SessionKey) -> PendingRead {
        self.cache.begin_read(key)
    }

    /// Cache a record read under `pending` (about `size` bytes), unless the listener went down
    /// or the key was announced while the read was in flight.
    pub(crate) fn insert(
        &self,
        pending: PendingRead,
        key: SessionKey,
        record: &SessionRecord,
        size: usize,
    ) {
        self.cache.insert(pending, key, record, size);
    }

    /// This instance wrote `key` (or tried to): drop its entry and void reads in flight.
    pub(crate) fn forget(&self, key: &SessionKey) {
        self.cache.forget(key);
    }

    /// This instance deleted `subject`'s sessions: drop them and void every read in flight.
    pub(crate) fn forget_subject(&self, subject: &str) {
        self.cache.forget_subject(subject);
    }
}

impl Drop for LocalCache {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

/// What a write touched, for [`Forget`].
#[derive(Clone, Copy)]
pub(crate) enum Written<'a> {
    Key(&'a SessionKey),
    Subject(&'a str),
}

/// Read-your-writes: a guard that drops what a write touched from the local cache when the
/// write returns (or is cancelled: it may have happened), whatever the outcome.
pub(crate) struct Forget<'a>(Option<&'a LocalCache>, Written<'a>);

impl<'a> Forget<'a> {
    /// Guard a write of `what` through a store with `cache` (`None`: off, nothing to do).
    pub(crate) fn new(cache: Option<&'a LocalCache>, what: Written<'a>) -> Self {
        Self(cache, what)
    }
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        match (self.0, self.1) {
            (Some(cache), Written::Key(key)) => cache.forget(key),
            (Some(cache), Written::Subject(subject)) => cache.forget_subject(subject),
            (None, _) => {}
        }
    }
}
