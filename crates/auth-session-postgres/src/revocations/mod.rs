//! [`PostgresRevocations`]: the [`Revocations`] feed on PostgreSQL.
//!
//! The database holds the revocations in a table (the snapshot, bounded: every revoke deletes
//! a batch of expired rows, by the database's clock) and announces each one with `NOTIFY` in
//! the same transaction, so the announcement goes out exactly when the row is committed. Every
//! instance keeps the whole list in memory, so [`Revocations::is_revoked`] is a hash lookup
//! with no I/O. A background task `LISTEN`s; whenever it (re)connects it listens first and then
//! reloads the snapshot (in pages), so nothing committed in between is missed.
//!
//! A notification is only a hint: any role that can connect may `NOTIFY` the channel, so the
//! listener never trusts a payload. On a notification (coalesced, at most one read per few
//! milliseconds) it reads the rows changed since the last it saw (`seq > last`); a forged
//! notification reads nothing new, changes nothing and never forces a snapshot reload.
//!
//! What one subject can add is bounded: past
//! [`PostgresConfig::with_revocations_per_subject`] entries naming it, the revoking transaction
//! replaces them with one subject watermark, and every instance drops them from memory when the
//! watermark reaches it (see [`auth_core::revocation_feed`]).
//!
//! The listener is auth-core's loop ([`RevocationFeed`]); this crate supplies its transport
//! (`feed.rs`: `LISTEN`, keyset pages, reads by `seq`, heartbeats).
//!
//! Session and subject revocations are kept for the configured horizon
//! ([`PostgresConfig::with_revocation_horizon`]). While the listener is disconnected the
//! instance may miss what others revoke: once that has lasted longer than
//! [`PostgresConfig::with_revocation_stale_after`], every check answers
//! [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) (fail closed) until a resync
//! succeeds, and [`Revocations::health`] says so for a readiness probe.

mod collapse;
mod feed;

use crate::config::PostgresConfig;
use crate::connect;
use crate::db::Db;
use crate::schema::Schema;
use async_trait::async_trait;
use auth_core::revocation_feed::RevocationFeed;
use auth_core::{Error, Revocation, RevocationProbe, Revocations, SessionId};
use collapse::{Collapse, Statements};
use feed::Feed;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// A notification's payload must stay under 8000 bytes; a revocation whose JSON is longer (a
/// very long subject) is announced empty. Listeners read the table either way: the payload
/// is only a hint (and the revocation itself for instances of earlier versions during a
/// rolling upgrade).
const MAX_PAYLOAD: usize = 7000;

/// A [`Revocations`] list shared by every instance through PostgreSQL (`LISTEN`/`NOTIFY`).
///
/// Cheap to clone; the listener task stops when the last clone is dropped. The listener uses
/// two connections of its own, besides the pool the stores share.
///
/// ```no_run
/// use auth_core::{Clock, Revocation, RevocationProbe, Revocations, SessionKey, SystemClock};
/// use auth_session_postgres::{PostgresConfig, PostgresRevocations};
/// use std::time::Duration;
/// # async fn run(key: SessionKey) -> Result<(), auth_core::Error> {
/// let config = PostgresConfig::new("postgres://app@127.0.0.1/app");
/// let revocations = PostgresRevocations::connect(&config).await?;
/// let until = SystemClock.now().saturating_add(Duration::from_secs(15 * 60));
/// revocations.revoke(Revocation::session(key, until)).await?;
/// // On every instance, within milliseconds, and without I/O:
/// assert!(revocations.is_revoked(&RevocationProbe { session: Some(&key), ..Default::default() })?);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresRevocations {
    inner: Arc<Inner>,
}

struct Inner {
    /// The in-memory list and its listener (stopped when this is dropped).
    state: RevocationFeed,
    db: Db,
    schema: Schema,
    statements: Statements,
    horizon: Duration,
    /// Entries naming one subject kept before they are collapsed into a watermark.
    per_subject: usize,
}

impl PostgresRevocations {
    /// Connect, `LISTEN` and load the snapshot; then keep listening in a background task (on
    /// the current Tokio runtime) that reconnects by itself.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](auth_core::ErrorKind::Config) for a bad URL, schema or timeout, a
    /// zero horizon or a staleness bound under a second;
    /// [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) if the database cannot be
    /// reached within the timeout.
    pub async fn connect(config: &PostgresConfig) -> Result<Self, Error> {
        let horizon = config.revocation_horizon();
        RevocationFeed::check(config.revocation_settings())?;
        let (db, schema) = connect::connect(config).await?;
        // A random tag names this feed's heartbeat channel (the session key of a fresh id is
        // just 256 random bits here).
        let tag = SessionId::generate()?.key().to_hex()[..16].to_owned();
        let feed = Feed::new(connect::feed_pool(config)?, config.timeout(), &schema, &tag);
        let state =
            RevocationFeed::start(feed, config.clock(), config.revocation_settings()).await?;
        let statements = Statements::new(&schema);
        Ok(Self {
            inner: Arc::new(Inner {
                state,
                db,
                schema,
                statements,
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
    /// holds in memory: at most the [per-subject threshold](PostgresConfig::with_revocations_per_subject)
    /// plus one, give or take what is in flight.
    pub fn entries_of(&self, subject: &str) -> usize {
        self.inner.state.entries_of(subject)
    }

    /// Whether this instance holds no revocations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for PostgresRevocations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresRevocations")
            .field("schema", &self.inner.schema.name())
            .field("entries", &self.len())
            .field("synced", &self.is_synced())
            .field("horizon", &self.inner.horizon)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Revocations for PostgresRevocations {
    async fn revoke(&self, revocation: Revocation) -> Result<(), Error> {
        let inner = &self.inner;
        let now = inner.state.clock().now();
        let revocation = revocation.retained(now, inner.horizon);
        if revocation.expires_at <= now {
            return Ok(());
        }
        let target = serde_json::to_string(&revocation.target)?;
        let mut message = serde_json::to_string(&revocation)?;
        if message.len() > MAX_PAYLOAD {
            message.clear();
        }
        // Locally first: this instance honours the revocation even if the database is down.
        inner.state.learn(revocation.clone());
        inner.state.prune();
        let subject = revocation.subject().map(str::to_owned);
        let collapse = subject.as_deref().map(|subject| Collapse {
            subject,
            now,
            horizon: inner.horizon,
            threshold: inner.per_subject,
        });
        let st = &inner.statements;
        let channel = &inner.schema.channel;
        let watermark = inner
            .db
            .run("record revocation", async {
                let mut tx = inner.db.pool().begin().await?;
                // Revocation writes commit one at a time, in `seq` order (see the migration).
                sqlx::query(st.lock.clone()).execute(&mut *tx).await?;
                sqlx::query(st.record.clone())
                    .bind(&target)
                    .bind(revocation.expires_at.as_unix_millis())
                    .bind(subject.as_deref())
                    .bind(channel)
                    .bind(&message)
                    .execute(&mut *tx)
                    .await?;
                let watermark = match &collapse {
                    Some(c) => c.run(st, channel, &mut tx).await?,
                    None => None,
                };
                tx.commit().await?;
                Ok(watermark)
            })
            .await?;
        if let Some(watermark) = watermark {
            // Learn it now rather than from the feed: it drops the entries it replaced from
            // this instance's set at once.
            inner.state.learn(watermark);
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
