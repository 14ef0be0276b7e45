//! [`RedisRevocations`]: the [`Revocations`] feed on Redis.
//!
//! Redis holds the revocations in a ZSET scored by expiry (the snapshot, bounded: expired
//! entries are dropped by every write) and announces each one on a pub/sub channel (the
//! deltas). Every instance keeps the whole set in memory, so [`Revocations::is_revoked`] is a
//! hash lookup with no I/O. A background task listens on the channel; whenever it (re)connects
//! it subscribes first and then reloads the snapshot (in pages), so nothing published in between
//! is missed.
//!
//! What one subject can add is bounded: past
//! [`RedisConfig::with_revocations_per_subject`] entries naming it, the revoke script replaces
//! them with one subject watermark, in the same step, and every instance drops them from
//! memory when the watermark reaches it (see [`auth_core::revocation_feed`]).
//!
//! The listener is auth-core's loop ([`RevocationFeed`]); this crate supplies its transport
//! (`feed.rs`: pub/sub, `ZSCAN` pages, pings).
//!
//! Session and subject revocations are kept for the configured horizon
//! ([`RedisConfig::with_revocation_horizon`]). While the listener is disconnected the instance
//! may miss what others revoke: once that has lasted longer than
//! [`RedisConfig::with_revocation_stale_after`], every check answers
//! [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) (fail closed) until a resync
//! succeeds, and [`Revocations::health`] says so for a readiness probe.

mod feed;

use crate::config::RedisConfig;
use crate::conn::{Backend, RedisConnection};
use crate::connect;
use crate::keys::Keys;
use crate::scripts;
use async_trait::async_trait;
use auth_core::revocation_feed::RevocationFeed;
use auth_core::{Error, Revocation, RevocationProbe, RevocationTarget, Revocations, Timestamp};
use feed::Feed;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// A [`Revocations`] set shared by every instance through Redis (or Redis Cluster).
///
/// Cheap to clone; the listener task stops when the last clone is dropped.
///
/// ```no_run
/// use auth_core::{Revocation, RevocationProbe, Revocations, SessionKey, SystemClock, Clock};
/// use auth_session_redis::{RedisConfig, RedisRevocations};
/// use std::time::Duration;
/// # async fn run(key: SessionKey) -> Result<(), auth_core::Error> {
/// let revocations = RedisRevocations::connect(&RedisConfig::new("redis://127.0.0.1/")).await?;
/// let until = SystemClock.now().saturating_add(Duration::from_secs(15 * 60));
/// revocations.revoke(Revocation::session(key, until)).await?;
/// // On every instance, within milliseconds, and without I/O:
/// assert!(revocations.is_revoked(&RevocationProbe { session: Some(&key), ..Default::default() })?);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisRevocations {
    inner: Arc<Inner>,
}

struct Inner {
    /// The in-memory set and its listener (stopped when this is dropped).
    state: RevocationFeed,
    backend: Backend,
    keys: Keys,
    horizon: Duration,
    /// Entries naming one subject kept before they are collapsed into a watermark.
    per_subject: usize,
}

impl RedisRevocations {
    /// Connect, subscribe to the channel and load the snapshot; then keep listening in a
    /// background task (on the current Tokio runtime) that reconnects by itself.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](auth_core::ErrorKind::Config) for a bad URL or prefix, a zero
    /// horizon or a staleness bound under a second;
    /// [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) if Redis cannot be reached
    /// within the timeout.
    pub async fn connect(config: &RedisConfig) -> Result<Self, Error> {
        Self::check(config)?;
        Self::start(config, connect::backend(config).await?).await
    }

    /// Use a command connection the application already has (a
    /// [`ConnectionManager`](redis::aio::ConnectionManager), shared with a
    /// [`RedisStore`](crate::RedisStore) for example, or with feature `cluster` a
    /// `redis::cluster_async::ClusterConnection`) for the snapshot and
    /// for publishing. The feed's subscription needs a connection of its own (a subscribed
    /// connection can send nothing else), opened from `config`'s URL(s) with its TLS settings.
    ///
    /// ```no_run
    /// use auth_session_redis::{RedisConfig, RedisRevocations, RedisStore};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let config = RedisConfig::new("redis://127.0.0.1:6379/");
    /// let conn = auth_session_redis::redis::Client::open("redis://127.0.0.1:6379/")?
    ///     .get_connection_manager()
    ///     .await?;
    /// let store = RedisStore::with_connection(conn.clone(), &config)?;
    /// let revocations = RedisRevocations::with_connection(conn, &config).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`connect`](Self::connect).
    pub async fn with_connection(
        conn: impl Into<RedisConnection>,
        config: &RedisConfig,
    ) -> Result<Self, Error> {
        Self::check(config)?;
        Self::start(config, connect::backend_on(config, conn.into())).await
    }

    fn check(config: &RedisConfig) -> Result<(), Error> {
        config.keys()?;
        RevocationFeed::check(config.revocation_settings())
    }

    async fn start(config: &RedisConfig, backend: Backend) -> Result<Self, Error> {
        let keys = config.keys()?;
        let horizon = config.revocation_horizon();
        let feed = Feed {
            nodes: connect::clients(config)?,
            keys: keys.clone(),
            backend: backend.clone(),
            timeout: config.timeout(),
        };
        let state =
            RevocationFeed::start(feed, config.clock(), config.revocation_settings()).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                state,
                backend,
                keys,
                horizon,
                per_subject: config.revocations_per_subject(),
            }),
        })
    }

    /// Whether the listener is connected and has loaded the snapshot. While it is not, this
    /// instance keeps what it knew and what it revoked itself, and catches up on reconnect;
    /// past the staleness bound its checks fail closed.
    pub fn is_synced(&self) -> bool {
        self.inner.state.is_synced()
    }

    /// How long the listener has been out of sync; `None` while in sync.
    pub fn out_of_sync_for(&self) -> Option<Duration> {
        self.inner.state.out_of_sync_for()
    }

    /// How many revocations this instance holds in memory.
    pub fn len(&self) -> usize {
        self.inner.state.len()
    }

    /// How many revocations naming `subject` (its sessions' and its watermark) this instance
    /// holds in memory: at most the [per-subject threshold](RedisConfig::with_revocations_per_subject)
    /// plus one, give or take what is in flight.
    pub fn entries_of(&self, subject: &str) -> usize {
        self.inner.state.entries_of(subject)
    }

    /// Whether this instance holds no revocations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The JSON of a subject watermark's target up to its time, for the revoke script to finish
/// (`{"type":"subject_before","subject":"…","before":`): serde's own spelling, so the member
/// reads back as a [`RevocationTarget`].
fn watermark_head(subject: &str) -> Result<String, Error> {
    let full = serde_json::to_string(&RevocationTarget::SubjectBefore {
        subject: subject.to_owned(),
        before: Timestamp::from_unix_millis(0),
    })?;
    Ok(full.strip_suffix("0}").map(str::to_owned).unwrap_or(full))
}

impl fmt::Debug for RedisRevocations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRevocations")
            .field("prefix", &self.inner.keys.prefix())
            .field("entries", &self.len())
            .field("synced", &self.is_synced())
            .field("horizon", &self.inner.horizon)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Revocations for RedisRevocations {
    async fn revoke(&self, revocation: Revocation) -> Result<(), Error> {
        let inner = &self.inner;
        let now = inner.state.clock().now();
        let revocation = revocation.retained(now, inner.horizon);
        if revocation.expires_at <= now {
            return Ok(());
        }
        let member = serde_json::to_string(&revocation.target)?;
        let message = serde_json::to_string(&revocation)?;
        // Locally first: this instance honours the revocation even if Redis is down.
        inner.state.learn(revocation.clone());
        inner.state.prune();
        let mut inv = scripts::ScriptCall::new(&scripts::REVOKE);
        inv.key(inner.keys.revocations());
        if let Some(subject) = revocation.subject() {
            inv.key(inner.keys.revocations_of(subject));
        }
        inv.arg(now.as_unix_millis())
            .arg(member)
            .arg(revocation.expires_at.as_unix_millis())
            .arg(inner.keys.revocation_channel())
            .arg(message);
        if let Some(subject) = revocation.subject() {
            let horizon_ms = i64::try_from(inner.horizon.as_millis()).unwrap_or(i64::MAX);
            inv.arg(inner.per_subject)
                .arg(horizon_ms)
                .arg(watermark_head(subject)?);
        }
        let collapsed: Vec<i64> = inner
            .backend
            .invoke_write("record revocation", &inv)
            .await?;
        if let (Some(subject), [before, expiry]) = (revocation.subject(), collapsed.as_slice()) {
            // Learn it now rather than from our own subscription: it drops the entries it
            // replaced from this instance's set at once.
            inner.state.learn(Revocation::subject_before(
                subject,
                Timestamp::from_unix_millis(*before),
                Timestamp::from_unix_millis(*expiry),
            ));
            tracing::debug!(target: crate::error::TARGET, "a subject's revocations collapsed into a watermark");
        }
        Ok(())
    }

    fn is_revoked(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error> {
        self.inner.state.is_revoked(probe)
    }

    fn horizon(&self) -> Duration {
        self.inner.horizon
    }

    fn health(&self) -> Result<(), Error> {
        self.inner.state.health()
    }

    fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.inner.state.subscribe()
    }
}
