//! The local session cache that remote stores keep in front of their backend, kept honest by
//! the backend's own invalidations. A store supplies only the invalidation stream (Redis
//! tracking pushes, PostgreSQL `LISTEN`/`NOTIFY`); [`SessionCache`] does the rest:
//!
//! - Decoded records by session key, bounded by entries and approximate bytes
//!   ([`LocalCacheConfig`]), evicting with a second-chance clock (`entries.rs`).
//! - **Never from a deaf cache**: hits are served only while the store says its invalidation
//!   stream is confirmed ([`SessionCache::go_up`]); when it is lost ([`SessionCache::lost`])
//!   the whole cache is flushed and every read goes to the store until it is confirmed again.
//! - **No stale insert**: a read takes a ticket before it asks the store
//!   ([`SessionCache::begin_read`]); its reply is cached only if no invalidation of its key
//!   (and no loss of the stream) happened while it was in flight (`fence.rs`).
//! - **Read your writes**: a store drops the keys it writes as soon as the write returns
//!   ([`SessionCache::forget`]), whatever the outcome.
//! - Expiry is checked on every hit, by the store's clock.
//!
//! ```
//! use auth_core::local_cache::{LocalCacheConfig, SessionCache};
//! use auth_core::{SessionKey, SessionRecord, Timestamp};
//! use std::time::Duration;
//!
//! let cache = SessionCache::new(&LocalCacheConfig::new())?;
//! let key = SessionKey::from_bytes([7; 32]);
//! let now = Timestamp::from_unix_millis(1_000_000);
//! let record = SessionRecord::new(now, Duration::from_secs(60), Duration::from_secs(600));
//!
//! let stream = cache.go_up(); // the store's invalidation stream is confirmed
//! let read = cache.begin_read(&key); // before the store is asked
//! cache.insert(read, key, &record, 300); // its reply (about 300 bytes)
//! assert!(cache.get(&key, now).is_some());
//! cache.forget(&key); // an invalidation, or a write of this instance
//! assert!(cache.get(&key, now).is_none());
//! assert!(cache.lost(stream)); // the stream dropped: flushed, nothing served until it is back
//! # Ok::<(), auth_core::Error>(())
//! ```

mod config;
mod entries;
mod fence;

pub use config::LocalCacheConfig;

use crate::metrics::record;
use crate::{Error, SessionKey, SessionRecord, Timestamp};
use entries::Entries;
use fence::{Fence, Ticket};
use std::sync::Arc;

/// The cached records and whether they may be served; see the [module docs](self). Shared by a
/// store's read path and the task that listens for its invalidations (wrap it in an `Arc`).
pub struct SessionCache {
    fence: Fence,
    entries: Entries,
}

/// A read in flight, from [`SessionCache::begin_read`]: its reply may be cached with
/// [`SessionCache::insert`].
#[derive(Clone, Copy, Debug)]
pub struct PendingRead(Option<Ticket>);

impl SessionCache {
    /// An empty cache of the configured size, down (serving nothing) until
    /// [`go_up`](Self::go_up).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for bounds that cannot work
    /// ([`LocalCacheConfig::validate`]).
    pub fn new(config: &LocalCacheConfig) -> Result<Self, Error> {
        config.validate()?;
        Ok(Self {
            fence: Fence::new(),
            entries: Entries::new(config.max_entries(), config.max_bytes()),
        })
    }

    /// Whether hits are being served (the invalidation stream is confirmed).
    pub fn is_up(&self) -> bool {
        self.fence.is_up()
    }

    /// The cached record, unless the stream is down or it has expired at `now`; counted as a
    /// hit or a miss ([`SESSION_CACHE_REQUESTS_TOTAL`](crate::metrics::SESSION_CACHE_REQUESTS_TOTAL)).
    pub fn get(&self, key: &SessionKey, now: Timestamp) -> Option<Arc<SessionRecord>> {
        let found = self.lookup(key, now);
        record::session_cache(found.is_some());
        found
    }

    /// [`get`](Self::get) for a first look whose miss is followed by `get` (a store's
    /// `load_ready`, then `load`): counts only a hit, so each load counts once.
    pub fn peek(&self, key: &SessionKey, now: Timestamp) -> Option<Arc<SessionRecord>> {
        let found = self.lookup(key, now)?;
        record::session_cache(true);
        Some(found)
    }

    fn lookup(&self, key: &SessionKey, now: Timestamp) -> Option<Arc<SessionRecord>> {
        if !self.fence.is_up() {
            return None;
        }
        self.entries.get(key, now)
    }

    /// Call before sending a read of `key` to the store.
    pub fn begin_read(&self, key: &SessionKey) -> PendingRead {
        PendingRead(self.fence.ticket(key))
    }

    /// Cache a record read under `pending` (about `size` bytes), unless the stream went down
    /// or the key was invalidated while the read was in flight. Whether it was cached.
    pub fn insert(
        &self,
        pending: PendingRead,
        key: SessionKey,
        record: &SessionRecord,
        size: usize,
    ) -> bool {
        match pending {
            PendingRead(Some(ticket)) => {
                self.entries
                    .insert(&self.fence, ticket, key, record.clone(), size)
            }
            PendingRead(None) => false,
        }
    }

    /// `key` changed (an invalidation, or a write of this instance, whatever its outcome):
    /// drop its entry and void the reads of it in flight.
    pub fn forget(&self, key: &SessionKey) {
        // Bump first: a read that inserts after this sees it; one that inserted before is
        // removed below.
        self.fence.bump(key);
        self.entries.remove(key);
    }

    /// This instance deleted `subject`'s sessions: drop them, and void every read in flight
    /// (which sessions they are is only known to the store).
    pub fn forget_subject(&self, subject: &str) {
        self.fence.bump_all();
        for key in self.entries.keys_of_subject(subject) {
            self.forget(&key);
        }
    }

    /// Anything may have changed (an invalidation the store cannot map to one key): drop
    /// everything and void every read in flight. The stream stays up.
    pub fn flush(&self) {
        self.fence.bump_all();
        self.entries.clear();
    }

    /// The invalidation stream is confirmed (subscribed, and everything committed from now on
    /// will be heard): serve hits from now on. Returns the stream's generation, for
    /// [`lost`](Self::lost); never 0.
    pub fn go_up(&self) -> u64 {
        self.fence.go_up()
    }

    /// The stream of generation `generation` can no longer vouch for the cache: flush it and
    /// serve nothing until the next [`go_up`](Self::go_up). Whether this call took it down
    /// (false if that generation was already over): the caller logs it once.
    pub fn lost(&self, generation: u64) -> bool {
        if self.fence.go_down_if(generation) {
            self.entries.clear();
            return true;
        }
        false
    }
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys or records.
        f.debug_struct("SessionCache")
            .field("up", &self.is_up())
            .finish_non_exhaustive()
    }
}
