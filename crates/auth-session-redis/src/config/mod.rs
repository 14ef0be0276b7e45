//! [`RedisConfig`]: where Redis is and how to talk to it, shared by the store and the feed.
//! Plain data and the checks that need no network; connecting is `crate::connect`'s job.

use crate::keys::{DEFAULT_PREFIX, Keys};
pub use auth_core::local_cache::LocalCacheConfig;
use auth_core::revocation_feed::FeedSettings;
use auth_core::{Clock, Error, SystemClock};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The per-command timeout used when none is configured.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

/// Where Redis is and how to use it: URL(s), key prefix, per-command timeout, clock, and the
/// size of [`RedisStore`](crate::RedisStore)'s local session cache (on by default:
/// [`with_local_cache`](Self::with_local_cache), [`without_local_cache`](Self::without_local_cache)).
///
/// ```
/// use auth_session_redis::RedisConfig;
/// use std::time::Duration;
/// let config = RedisConfig::new("redis://127.0.0.1:6379/")
///     .with_key_prefix("myapp:auth:")
///     .with_timeout(Duration::from_millis(250));
/// assert_eq!(config.key_prefix(), "myapp:auth:");
/// ```
#[derive(Clone)]
#[must_use]
pub struct RedisConfig {
    target: Target,
    prefix: String,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    revocations: FeedSettings,
    local_cache: Option<LocalCacheConfig>,
    replica_acks: Option<ReplicaAcks>,
    /// A private CA for `rediss://` (PEM), instead of the system's roots.
    #[cfg(feature = "tls")]
    tls_root: Option<Vec<u8>>,
}

#[derive(Clone)]
pub(crate) enum Target {
    Single(String),
    #[cfg(feature = "cluster")]
    Cluster(Vec<String>),
}

impl RedisConfig {
    /// A single Redis server (or a proxy in front of one) at `url`, e.g.
    /// `redis://:password@host:6379/0`. Checked when connecting.
    pub fn new(url: impl Into<String>) -> Self {
        Self::with_target(Target::Single(url.into()))
    }

    /// A Redis Cluster reachable through any of `nodes` (URLs of some of its primaries).
    #[cfg(feature = "cluster")]
    pub fn cluster<I, S>(nodes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::with_target(Target::Cluster(nodes.into_iter().map(Into::into).collect()))
    }

    fn with_target(target: Target) -> Self {
        Self {
            target,
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            clock: Arc::new(SystemClock),
            revocations: FeedSettings::default(),
            local_cache: Some(LocalCacheConfig::default()),
            replica_acks: None,
            #[cfg(feature = "tls")]
            tls_root: None,
        }
    }

    /// Prefix every key and channel name (default `auth:`). Must not contain `{` or `}`.
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long one Redis command may take before the call fails with
    /// [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) (default 500 ms). Also
    /// bounds each connection attempt.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The clock that judges expiry (default: the system clock). Every instance sharing a
    /// Redis should use the same kind of clock.
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Size [`RedisStore`](crate::RedisStore)'s local session cache (it is on by default, with
    /// [`LocalCacheConfig::default`]: 10 000 sessions, 16 MiB). See
    /// [`RedisStore`](crate::RedisStore#local-session-cache) for what it guarantees.
    ///
    /// ```
    /// use auth_session_redis::{LocalCacheConfig, RedisConfig};
    /// let config = RedisConfig::new("redis://127.0.0.1/")
    ///     .with_local_cache(LocalCacheConfig::new().with_max_entries(100_000));
    /// assert_eq!(config.local_cache().map(|c| c.max_entries()), Some(100_000));
    /// ```
    pub fn with_local_cache(mut self, cache: LocalCacheConfig) -> Self {
        self.local_cache = Some(cache);
        self
    }

    /// Turn [`RedisStore`](crate::RedisStore)'s local session cache off: every `load` asks
    /// Redis, and the store opens no tracking connection.
    ///
    /// ```
    /// use auth_session_redis::RedisConfig;
    /// let config = RedisConfig::new("redis://127.0.0.1/").without_local_cache();
    /// assert!(config.local_cache().is_none());
    /// ```
    pub fn without_local_cache(mut self) -> Self {
        self.local_cache = None;
        self
    }

    /// Make every session, revocation and refresh-family write wait until `replicas` replicas
    /// of the primary that took it have acknowledged it (Redis `WAIT replicas timeout`), or
    /// fail with [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) (503) when
    /// they have not within `timeout`. Off by default.
    ///
    /// Redis replicates asynchronously: without this, a write the primary answered (a login's
    /// session, a logout's delete, a revocation) can be lost when the primary dies before a
    /// replica received it and that replica is promoted; a lost delete brings a logged-out
    /// session back. With it, a write this store reported as done is on `replicas` replicas,
    /// and a failover to one of them keeps it: with one replica per primary, that is the one
    /// promoted; with more, Redis Cluster favours the replica with the most recent replication
    /// offset but does not promise it, so ask for as many acknowledgements as there are
    /// replicas to be sure. A write that failed the wait may still have happened on the
    /// primary, like any write that timed out. Costs the replica's acknowledgement round trip
    /// on each write (the `WAIT` travels with the write), never on a read or a cache hit.
    /// Failed-login counts
    /// ([`RedisThrottle`](crate::RedisThrottle)) do not wait: losing one costs an attacker's
    /// delay, never a user's session.
    ///
    /// Every write fails while fewer than `replicas` replicas are connected, so this suits a
    /// deployment where each primary has more replicas than the number asked for, or where
    /// refusing writes is preferable to losing them. `WAIT` goes in one pipeline with the
    /// write's script, to the same primary on the same connection (Redis counts it for the
    /// writes made on that connection; scripts may not call it). A `WAIT` holds up its
    /// connection until it returns, so these writes get a connection of their own, opened by
    /// `connect`: reads never queue behind them, writes queue behind each other (one
    /// replication round trip each). A store built by `with_connection` has no second
    /// connection: there, everything on the shared connection queues behind a `WAIT`.
    ///
    /// ```
    /// use auth_session_redis::RedisConfig;
    /// use std::time::Duration;
    /// let config = RedisConfig::new("redis://127.0.0.1/")
    ///     .with_replica_acks(1, Duration::from_millis(200));
    /// assert_eq!(config.replica_acks(), Some((1, Duration::from_millis(200))));
    /// ```
    pub fn with_replica_acks(mut self, replicas: u32, timeout: Duration) -> Self {
        self.replica_acks = Some(ReplicaAcks { replicas, timeout });
        self
    }

    /// How many replica acknowledgements each write waits for, and for how long
    /// ([`with_replica_acks`](Self::with_replica_acks)); `None` when writes do not wait.
    pub fn replica_acks(&self) -> Option<(u32, Duration)> {
        self.replica_acks.map(|a| (a.replicas, a.timeout))
    }

    /// Trust this certificate authority (PEM) for `rediss://` URLs instead of the system's
    /// roots: a self-hosted Redis with a private CA. Managed services (ElastiCache with
    /// encryption in transit, Upstash, Memorystore) chain to public roots and need nothing here.
    ///
    /// ```
    /// use auth_session_redis::RedisConfig;
    /// # let ca_pem = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n";
    /// let config = RedisConfig::new("rediss://redis.internal:6380/")
    ///     .with_tls_root_certificate(ca_pem);
    /// # let _ = config;
    /// ```
    #[cfg(feature = "tls")]
    pub fn with_tls_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls_root = Some(pem.into());
        self
    }

    /// The local session cache's size, or `None` when it is off.
    pub fn local_cache(&self) -> Option<&LocalCacheConfig> {
        self.local_cache.as_ref()
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    auth_core::revocation_config_methods!(
        krate = "auth_session_redis",
        config = "RedisConfig",
        list = "RedisRevocations",
        new = "RedisConfig::new(\"redis://127.0.0.1/\")",
    );

    /// The revocation list's settings, as [`RevocationFeed`](auth_core::revocation_feed::RevocationFeed) takes them.
    pub(crate) fn revocation_settings(&self) -> &FeedSettings {
        &self.revocations
    }

    /// The per-command timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The replica acknowledgements each write waits for, if any.
    pub(crate) fn replica_acks_wanted(&self) -> Option<ReplicaAcks> {
        self.replica_acks
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// The private CA for `rediss://` URLs, if one was given.
    #[cfg(feature = "tls")]
    pub(crate) fn tls_root(&self) -> Option<&[u8]> {
        self.tls_root.as_deref()
    }

    /// Check everything that can be checked without a network.
    pub(crate) fn keys(&self) -> Result<Keys, Error> {
        if self.timeout.is_zero() {
            return Err(Error::config(
                "the Redis command timeout must be above zero",
            ));
        }
        if let Some(acks) = self.replica_acks {
            // WAIT with a zero timeout blocks forever; zero replicas waits for nothing.
            if acks.replicas == 0 || acks.timeout.as_millis() == 0 {
                return Err(Error::config(
                    "replica acknowledgements need at least one replica and a timeout of at least 1 ms",
                ));
            }
        }
        Keys::new(&self.prefix)
    }
}

/// How many replicas must acknowledge each write, within how long (`WAIT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReplicaAcks {
    pub(crate) replicas: u32,
    pub(crate) timeout: Duration,
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // URLs may carry passwords: show only how many there are.
        let (kind, nodes) = match &self.target {
            Target::Single(_) => ("single", 1),
            #[cfg(feature = "cluster")]
            Target::Cluster(n) => ("cluster", n.len()),
        };
        f.debug_struct("RedisConfig")
            .field("kind", &kind)
            .field("nodes", &nodes)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("clock", &self.clock)
            .field("local_cache", &self.local_cache)
            .field("replica_acks", &self.replica_acks)
            .finish()
    }
}
