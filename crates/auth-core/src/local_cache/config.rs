//! [`LocalCacheConfig`]: how big the local session cache may grow.

use crate::Error;

/// How many sessions the local cache holds at most, unless configured.
const DEFAULT_CACHE_ENTRIES: usize = 10_000;
/// How many bytes (approximately) the local cache holds at most, unless configured: 16 MiB.
const DEFAULT_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// The size of a store's local session cache, for the stores' `with_local_cache` (the Redis
/// and PostgreSQL configs; they re-export this type).
///
/// Both bounds hold at once: the cache evicts (least recently read first, approximately)
/// before it holds more than [`max_entries`](Self::max_entries) sessions or more than
/// [`max_bytes`](Self::max_bytes) bytes. A session's size is estimated from what the store sent
/// (field names and values, or columns) plus a fixed overhead per field and per session. The cache is
/// split into up to 16 shards, each with an equal share of both bounds; a session larger than
/// its shard's share of bytes (1 MiB with the defaults) is never cached.
///
/// ```
/// use auth_core::local_cache::LocalCacheConfig;
/// let cache = LocalCacheConfig::new().with_max_entries(50_000).with_max_bytes(64 << 20);
/// assert_eq!((cache.max_entries(), cache.max_bytes()), (50_000, 64 << 20));
/// assert!(cache.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct LocalCacheConfig {
    max_entries: usize,
    max_bytes: usize,
}

impl Default for LocalCacheConfig {
    fn default() -> Self {
        Self {
            max_entries: DEFAULT_CACHE_ENTRIES,
            max_bytes: DEFAULT_CACHE_BYTES,
        }
    }
}

impl LocalCacheConfig {
    /// The defaults: 10,000 sessions and 16 MiB.
    pub fn new() -> Self {
        Self::default()
    }

    /// Hold at most `max` sessions (above zero; checked when the store connects).
    ///
    /// ```
    /// use auth_core::local_cache::LocalCacheConfig;
    /// assert_eq!(LocalCacheConfig::new().with_max_entries(100).max_entries(), 100);
    /// ```
    pub fn with_max_entries(mut self, max: usize) -> Self {
        self.max_entries = max;
        self
    }

    /// Hold at most about `max` bytes of sessions (at least 1 KiB; checked when the store
    /// connects).
    ///
    /// ```
    /// use auth_core::local_cache::LocalCacheConfig;
    /// assert_eq!(LocalCacheConfig::new().with_max_bytes(1 << 20).max_bytes(), 1 << 20);
    /// ```
    pub fn with_max_bytes(mut self, max: usize) -> Self {
        self.max_bytes = max;
        self
    }

    /// The most sessions held.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// The most bytes (approximately) held.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Whether the bounds can work (a store checks this before it connects).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for no room for one session or less
    /// than 1 KiB.
    ///
    /// ```
    /// use auth_core::local_cache::LocalCacheConfig;
    /// assert!(LocalCacheConfig::new().with_max_entries(0).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        if self.max_entries == 0 {
            return Err(Error::config(
                "the local cache must hold at least one session (or turn it off with without_local_cache)",
            ));
        }
        if self.max_bytes < 1024 {
            return Err(Error::config(
                "the local cache must hold at least 1 KiB (or turn it off with without_local_cache)",
            ));
        }
        Ok(())
    }
}
