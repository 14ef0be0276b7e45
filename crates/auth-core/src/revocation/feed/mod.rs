//! A [`Revocations`](crate::Revocations) list shared through a store: the in-memory set every
//! instance checks without I/O, and the loop that keeps it in step with the store. A store
//! supplies only its transport ([`FeedTransport`]); [`RevocationFeed`] does the rest.
//!
//! The loop, the same for every store:
//! 1. **Subscribe first** ([`FeedTransport::subscribe`]), then load the snapshot a page at a
//!    time ([`FeedTransport::snapshot_page`]; the next page is asked for while the current one
//!    is learnt), under a deadline of 30 s, then let the transport read what changed meanwhile
//!    ([`FeedTransport::caught_up`]): nothing published in between is missed. The set is then
//!    *in sync*.
//! 2. **Listen**: apply what the subscription delivers ([`FeedTransport::next`],
//!    [`FeedTransport::apply`]); once a second prune what expired and check the connection
//!    ([`FeedTransport::heartbeat`]), so a connection that died silently is noticed.
//! 3. When the subscription ends or a heartbeat fails, the set is *out of sync*: resynchronise
//!    (step 1) with a backoff from 50 ms to 2 s. What the instance knew is kept.
//! 4. **Fail closed**: out of sync for longer than the bound, every check answers
//!    [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) (503) until a resync succeeds.
//!
//! Each transition is logged once (under the store's own tracing target, through
//! [`FeedTransport::log`]) and counted in the `store`-labelled feed metrics
//! ([`metrics`](crate::metrics)).
//!
//! The set bounds what one subject can add: a subject's watermark drops the session entries it
//! covers, so a store that collapses a subject's entries into a watermark and every instance's
//! set agree on what is left (every instance must use the same horizon).

mod handle;
mod runner;
mod settings;
mod state;

pub use handle::RevocationFeed;
pub use settings::FeedSettings;
pub(crate) use state::FeedState;

use crate::Error;
use crate::revocation::{Revocation, RevocationTarget};
use crate::time::Timestamp;
use std::future::Future;
use std::time::Duration;

/// How a store carries revocations between instances: a subscription that delivers what
/// others revoke, and a snapshot read in pages. Implemented by the Redis store (pub/sub and a
/// `ZSCAN`ned ZSET) and the PostgreSQL store (`LISTEN`/`NOTIFY` hints and a table read by
/// `seq`); [`RevocationFeed::start`] runs the loop (see the [module docs](self)).
///
/// Every call that does I/O must bound itself (the store's per-call timeout): the loop relies
/// on each one returning.
pub trait FeedTransport: Send + Sync + 'static {
    /// A live subscription: once it exists, everything revoked afterwards reaches it (or is
    /// found by [`caught_up`](Self::caught_up)).
    type Subscription: Send + 'static;
    /// What the subscription delivers: a published revocation, or a hint to read the store.
    type Message: Send + 'static;
    /// Where a snapshot page ended, to ask for the next one from.
    type Cursor: Send + 'static;

    /// What the set follows, as errors name it ("Redis", "the database").
    const SOURCE: &'static str;
    /// The `store` label of the feed's metrics (`redis`, `postgres`).
    const STORE: &'static str;

    /// Subscribe (connect, and subscribe or `LISTEN`), before the snapshot is read.
    ///
    /// # Errors
    /// `Unavailable` (or `Config`) when it cannot; the loop retries.
    fn subscribe(&self) -> impl Future<Output = Result<Self::Subscription, Error>> + Send;

    /// One page of the snapshot, from the start (`None`) or after `after`: the stored
    /// revocations as JSON [`RevocationTarget`]s with their expiry, and where the next page
    /// starts (`None` on the last page). Each page is one short call, however large the
    /// list; entries expired or malformed are skipped by the caller.
    ///
    /// # Errors
    /// As the store's calls; the whole sync is then retried.
    fn snapshot_page(
        &self,
        after: Option<Self::Cursor>,
    ) -> impl Future<Output = Result<SnapshotPage<Self::Cursor>, Error>> + Send;

    /// Called once the snapshot is loaded, before the set counts as in sync: learn what was
    /// stored while it loaded and the subscription may not deliver by itself (PostgreSQL
    /// reads the rows changed since the snapshot began). By default nothing.
    ///
    /// # Errors
    /// As the store's calls; the whole sync is then retried.
    fn caught_up(
        &self,
        subscription: &mut Self::Subscription,
        sink: &FeedSink<'_>,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        let _ = (subscription, sink);
        async { Ok(()) }
    }

    /// The next message, or `None` once the subscription has ended. Must be cancel-safe: the
    /// loop drops it at every heartbeat and calls it again.
    fn next(
        &self,
        subscription: &mut Self::Subscription,
    ) -> impl Future<Output = Option<Self::Message>> + Send;

    /// Learn what `message` says (through `sink`).
    ///
    /// # Errors
    /// When the subscription can no longer be trusted (a read it hinted at failed): the loop
    /// then resynchronises.
    fn apply(
        &self,
        subscription: &mut Self::Subscription,
        message: Self::Message,
        sink: &FeedSink<'_>,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Called once a second while listening: check that the subscription still answers (a
    /// ping; a heartbeat that must come back within the timeout).
    ///
    /// # Errors
    /// When it does not: the loop then resynchronises.
    fn heartbeat(
        &self,
        subscription: &mut Self::Subscription,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Log `event` under the store's own tracing target; implement it with
    /// [`log_feed_event!`](crate::log_feed_event) (a tracing target must be a constant of the
    /// crate that logs).
    fn log(event: &FeedEvent<'_>);
}

/// One page of a snapshot: see [`FeedTransport::snapshot_page`].
#[derive(Debug)]
pub struct SnapshotPage<C> {
    /// The stored entries: each target as JSON, and its expiry.
    pub entries: Vec<(String, Timestamp)>,
    /// Where the next page starts; `None` when this is the last.
    pub next: Option<C>,
}

/// What the feed logs; see [`FeedTransport::log`] and [`log_feed_event!`](crate::log_feed_event).
#[derive(Debug)]
pub enum FeedEvent<'a> {
    /// The set has been out of sync for longer than its bound: checks fail closed (error).
    Stale {
        /// How long it has been out of sync.
        out_of_sync: Duration,
        /// The bound.
        bound: Duration,
    },
    /// The set is in sync again after being out of sync for `out_of_sync` (info).
    Synced {
        /// How long it was out of sync.
        out_of_sync: Duration,
    },
    /// The subscription ended: the set is out of sync and resynchronises (warning).
    Unsynced {
        /// The bound past which checks fail closed.
        bound: Duration,
    },
    /// A resynchronisation failed; it is retried (debug).
    ResyncFailed {
        /// Why.
        error: &'a Error,
    },
    /// The snapshot was loaded (debug).
    SnapshotLoaded {
        /// How many live entries it held.
        entries: usize,
    },
    /// A stored entry did not parse and was skipped (warning).
    Malformed {
        /// Why.
        error: &'a serde_json::Error,
    },
}

/// Log a [`FeedEvent`] under the tracing target `$target` (a constant), at its level, with its
/// fields (`out_of_sync_ms`, `bound_ms`, `error`, `entries`). The calling crate needs `tracing`
/// among its dependencies.
///
/// ```
/// use auth_core::revocation_feed::FeedEvent;
/// fn log(event: &FeedEvent<'_>) {
///     auth_core::log_feed_event!("my_store", event);
/// }
/// log(&FeedEvent::SnapshotLoaded { entries: 3 });
/// ```
#[macro_export]
macro_rules! log_feed_event {
    ($target:expr, $event:expr) => {
        match $event {
            $crate::revocation_feed::FeedEvent::Stale { out_of_sync, bound } => ::tracing::error!(
                target: $target,
                out_of_sync_ms = out_of_sync.as_millis() as u64,
                bound_ms = bound.as_millis() as u64,
                "revocation feed out of sync for longer than its bound: revocation checks fail closed (503) until it resynchronises"
            ),
            $crate::revocation_feed::FeedEvent::Synced { out_of_sync } => ::tracing::info!(
                target: $target,
                out_of_sync_ms = out_of_sync.as_millis() as u64,
                "revocation feed in sync"
            ),
            $crate::revocation_feed::FeedEvent::Unsynced { bound } => ::tracing::warn!(
                target: $target,
                bound_ms = bound.as_millis() as u64,
                "revocation feed out of sync; resynchronising (checks fail closed if this lasts longer than the bound)"
            ),
            $crate::revocation_feed::FeedEvent::ResyncFailed { error } => ::tracing::debug!(
                target: $target, error = %error, "revocation resync failed; retrying"
            ),
            $crate::revocation_feed::FeedEvent::SnapshotLoaded { entries } => ::tracing::debug!(
                target: $target, entries = *entries, "revocation snapshot loaded"
            ),
            $crate::revocation_feed::FeedEvent::Malformed { error } => ::tracing::warn!(
                target: $target, error = %error, "ignoring a malformed stored revocation"
            ),
        }
    };
}

/// Where a transport puts what it reads: the instance's set (and its local subscribers).
pub struct FeedSink<'a> {
    state: &'a FeedState,
    log: fn(&FeedEvent<'_>),
}

impl<'a> FeedSink<'a> {
    pub(crate) fn new(state: &'a FeedState, log: fn(&FeedEvent<'_>)) -> Self {
        Self { state, log }
    }

    /// Learn a revocation (already expired ones are ignored).
    pub fn learn(&self, revocation: Revocation) {
        self.state.learn(revocation);
    }

    /// Learn a stored entry: `target` is a [`RevocationTarget`] as JSON; one that does not
    /// parse is logged and skipped.
    pub fn learn_stored(&self, target: &str, expires_at: Timestamp) {
        if let Some(revocation) = decode(target, expires_at, self.log) {
            self.state.learn(revocation);
        }
    }
}

impl std::fmt::Debug for FeedSink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedSink").finish_non_exhaustive()
    }
}

/// A stored entry as a revocation, or `None` (logged) when its target does not parse.
fn decode(target: &str, expires_at: Timestamp, log: fn(&FeedEvent<'_>)) -> Option<Revocation> {
    match serde_json::from_str::<RevocationTarget>(target) {
        Ok(target) => Some(Revocation::new(target, expires_at)),
        Err(error) => {
            log(&FeedEvent::Malformed { error: &error });
            None
        }
    }
}
