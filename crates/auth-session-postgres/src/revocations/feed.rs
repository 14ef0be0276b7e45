//! The PostgreSQL side of the revocation feed (auth-core's [`FeedTransport`]): `LISTEN`, read
//! the table in keyset pages, read the rows changed since (`seq > last`) whenever a
//! notification hints at a change, and check the connection with a heartbeat. auth-core's
//! [`RevocationFeed`](auth_core::revocation_feed::RevocationFeed) runs the loop.
//!
//! A notification is never trusted: any role that can connect may `NOTIFY` our channel. Its
//! payload is ignored; it only wakes the reader, which coalesces a burst into one read and,
//! past a small burst, reads at most once per [`READ_REFILL`]. A forged notification reads
//! nothing new and never forces a snapshot reload. Writers take a transaction lock before they
//! write, so rows commit in `seq` order: once a row with `seq` N is visible, so is every row
//! below it.
//!
//! The `LISTEN` connection lives in a task of its own that only receives (never cancelled
//! mid-read); the heartbeat notifies the feed's own heartbeat channel once a second and expects
//! the echo on that connection within the timeout, so a connection that died silently is
//! noticed too.

use crate::error::{self, TARGET};
use crate::schema::{DB_NOW_MS, Schema, sql};
use auth_core::revocation_feed::{FeedEvent, FeedSink, FeedTransport, SnapshotPage};
use auth_core::{Error, Timestamp};
use sqlx::postgres::PgListener;
use sqlx::{PgPool, SqlStr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// How many rows one snapshot or change query reads: each page is one short query under the
/// timeout, however large the list has grown.
const SNAPSHOT_PAGE: i64 = 5000;
/// Reads of new rows a notification may trigger at once, and how fast that allowance comes
/// back: a flood of (possibly forged) notifications costs each instance at most one small
/// indexed query per [`READ_REFILL`] (500 a second), while revocations that come at a normal
/// pace are read at once.
const READ_BURST: u32 = 50;
const READ_REFILL: Duration = Duration::from_millis(2);

pub(super) struct Feed {
    /// The feed's own small pool: the `LISTEN` connection and one for heartbeats and snapshots.
    pool: PgPool,
    timeout: Duration,
    channel: String,
    heartbeat: String,
    snapshot_page: SqlStr,
    /// The newest change at the time of the snapshot.
    last_change: SqlStr,
    /// Rows changed after a given `seq`, a page at a time.
    changes_page: SqlStr,
}

/// A `LISTEN`ing connection (in its receiving task), and where the reading stands.
pub(super) struct Subscription {
    _receiver: Receiver,
    hints: Arc<Notify>,
    echoes: mpsc::UnboundedReceiver<()>,
    /// When the heartbeat in flight was sent.
    waiting_since: Option<Instant>,
    reads: ReadBudget,
    /// The `seq` of the newest row read (snapshot or change).
    seen: i64,
}

/// A hint that rows may have changed.
pub(super) struct Hint;

impl Feed {
    pub(super) fn new(pool: PgPool, timeout: Duration, schema: &Schema, tag: &str) -> Self {
        let table = &schema.revocations;
        Self {
            pool,
            timeout,
            channel: schema.channel.clone(),
            heartbeat: schema.heartbeat_channel(tag),
            // Keyset pages: rows pruned or added meanwhile shift nothing (added ones arrive by
            // NOTIFY, which is already listened to).
            snapshot_page: sql!(
                "SELECT target, expires_at FROM {table} \
                 WHERE expires_at > {DB_NOW_MS} AND target > $1 ORDER BY target LIMIT {SNAPSHOT_PAGE}"
            ),
            last_change: sql!("SELECT COALESCE(max(seq), 0) FROM {table}"),
            changes_page: sql!(
                "SELECT seq, target, expires_at FROM {table} \
                 WHERE seq > $1 ORDER BY seq LIMIT {SNAPSHOT_PAGE}"
            ),
        }
    }

    /// Read and learn every row changed since the last one seen. Payloads are never read:
    /// what is in the table is what was revoked.
    async fn read_changes(
        &self,
        subscription: &mut Subscription,
        sink: &FeedSink<'_>,
    ) -> Result<(), Error> {
        loop {
            let page: Vec<(i64, String, i64)> = error::within(
                "read new revocations",
                self.timeout,
                sqlx::query_as(self.changes_page.clone())
                    .bind(subscription.seen)
                    .fetch_all(&self.pool),
            )
            .await?;
            let full = page.len() as i64 == SNAPSHOT_PAGE;
            for (seq, target, expires_at) in page {
                sink.learn_stored(&target, Timestamp::from_unix_millis(expires_at));
                subscription.seen = subscription.seen.max(seq);
            }
            if !full {
                return Ok(());
            }
        }
    }
}

impl FeedTransport for Feed {
    type Subscription = Subscription;
    type Message = Hint;
    /// The last target of the page before.
    type Cursor = String;

    const SOURCE: &'static str = "the database";
    const STORE: &'static str = "postgres";

    /// `LISTEN`, then note the newest change: every row changed after it commits later
    /// (writers are serialised) and is read as a change; every row up to it is in the
    /// snapshot, or was replaced by a later one.
    async fn subscribe(&self) -> Result<Subscription, Error> {
        let mut listener = error::within(
            "connect revocation listener",
            self.timeout,
            PgListener::connect_with(&self.pool),
        )
        .await?;
        // Reconnecting is the feed's job (it must reload the snapshot after LISTEN).
        listener.eager_reconnect(false);
        listener.ignore_pool_close_event(true);
        let channels = [self.channel.as_str(), self.heartbeat.as_str()];
        error::within(
            "listen for revocations",
            self.timeout,
            listener.listen_all(channels),
        )
        .await?;
        let seen: i64 = error::within(
            "read the newest revocation",
            self.timeout,
            sqlx::query_scalar(self.last_change.clone()).fetch_one(&self.pool),
        )
        .await?;
        let (beats, echoes) = mpsc::unbounded_channel();
        let hints = Arc::new(Notify::new());
        let receiver = Receiver(tokio::spawn(receive(
            listener,
            hints.clone(),
            self.heartbeat.clone(),
            beats,
        )));
        Ok(Subscription {
            _receiver: receiver,
            hints,
            echoes,
            waiting_since: None,
            reads: ReadBudget::new(),
            seen,
        })
    }

    async fn snapshot_page(&self, after: Option<String>) -> Result<SnapshotPage<String>, Error> {
        let page: Vec<(String, i64)> = error::within(
            "load revocations",
            self.timeout,
            sqlx::query_as(self.snapshot_page.clone())
                .bind(after.unwrap_or_default())
                .fetch_all(&self.pool),
        )
        .await?;
        let next = (page.len() as i64 == SNAPSHOT_PAGE)
            .then(|| page.last().map(|(target, _)| target.clone()))
            .flatten();
        Ok(SnapshotPage {
            entries: page
                .into_iter()
                .map(|(target, expires_at)| (target, Timestamp::from_unix_millis(expires_at)))
                .collect(),
            next,
        })
    }

    /// What was committed while the snapshot loaded.
    async fn caught_up(
        &self,
        subscription: &mut Subscription,
        sink: &FeedSink<'_>,
    ) -> Result<(), Error> {
        self.read_changes(subscription, sink).await
    }

    async fn next(&self, subscription: &mut Subscription) -> Option<Hint> {
        loop {
            tokio::select! {
                echo = subscription.echoes.recv() => match echo {
                    Some(()) => subscription.waiting_since = None,
                    None => return None,
                },
                () = subscription.hints.notified() => return Some(Hint),
            }
        }
    }

    async fn apply(
        &self,
        subscription: &mut Subscription,
        _: Hint,
        sink: &FeedSink<'_>,
    ) -> Result<(), Error> {
        // Hints that arrive meanwhile leave one permit: a burst is one more read.
        if let Some(wait) = subscription.reads.take() {
            tokio::time::sleep(wait).await;
        }
        let read = self.read_changes(subscription, sink).await;
        if let Err(e) = &read {
            tracing::debug!(target: TARGET, error = %e, "reading new revocations failed");
        }
        read
    }

    async fn heartbeat(&self, subscription: &mut Subscription) -> Result<(), Error> {
        match subscription.waiting_since {
            Some(sent) if sent.elapsed() > self.timeout => {
                tracing::debug!(target: TARGET, "revocation listener missed its heartbeat");
                Err(Error::unavailable(
                    "the revocation listener missed its heartbeat",
                ))
            }
            Some(_) => Ok(()),
            None => {
                let ping = sqlx::query("SELECT pg_notify($1, '')")
                    .bind(&self.heartbeat)
                    .execute(&self.pool);
                error::within("revocation heartbeat", self.timeout, ping).await?;
                subscription.waiting_since = Some(Instant::now());
                Ok(())
            }
        }
    }

    fn log(event: &FeedEvent<'_>) {
        auth_core::log_feed_event!(TARGET, event);
    }
}

/// A token bucket of reads: [`READ_BURST`] at once, one more per [`READ_REFILL`].
struct ReadBudget {
    tokens: u32,
    refilled: Instant,
}

impl ReadBudget {
    fn new() -> Self {
        Self {
            tokens: READ_BURST,
            refilled: Instant::now(),
        }
    }

    /// Take a read: `None` to read now, or how long to wait first (the read is then taken).
    fn take(&mut self) -> Option<Duration> {
        let earned = self.refilled.elapsed().as_micros() / READ_REFILL.as_micros();
        if earned > 0 {
            let earned = u32::try_from(earned).unwrap_or(u32::MAX);
            self.tokens = self.tokens.saturating_add(earned).min(READ_BURST);
            self.refilled = Instant::now();
        }
        if self.tokens > 0 {
            self.tokens -= 1;
            return None;
        }
        let wait = READ_REFILL.saturating_sub(self.refilled.elapsed());
        self.refilled += READ_REFILL;
        Some(wait)
    }
}

/// The receiving task; aborted (dropping the listener and its connection) when dropped.
struct Receiver(tokio::task::JoinHandle<()>);

impl Drop for Receiver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Receive until the connection ends or fails: a notification on the revocation channel
/// (whatever its payload, which anyone may forge) is a hint to read the table, heartbeats go
/// back to the loop.
async fn receive(
    mut listener: PgListener,
    hints: Arc<Notify>,
    heartbeat: String,
    beats: mpsc::UnboundedSender<()>,
) {
    loop {
        let note = match listener.try_recv().await {
            Ok(Some(note)) => note,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(target: TARGET, error = %e, "revocation listener ended");
                return;
            }
        };
        if note.channel() == heartbeat {
            if beats.send(()).is_err() {
                return;
            }
            continue;
        }
        hints.notify_one();
    }
}
