//! The listener: `LISTEN` first, then load the snapshot, then read the rows changed since
//! (`seq > last`) whenever a notification hints at a change, until the connection drops or
//! stops answering its heartbeat; then do it all again.
//!
//! A notification is never trusted: any role that can connect may `NOTIFY` our channel. Its
//! payload is ignored; it only wakes the reader, which coalesces a burst into one read and,
//! past a small burst, reads at most once per [`READ_REFILL`]. A forged notification reads
//! nothing new and never forces a snapshot reload. Writers take a transaction lock before they write, so rows
//! commit in `seq` order: once a row with `seq` N is visible, so is every row below it.
//!
//! The `LISTEN` connection lives in a task of its own that only receives (never cancelled
//! mid-read); the loop here watches it with a heartbeat: once a second it notifies the feed's
//! own heartbeat channel and expects the echo on that connection within the timeout, so a
//! connection that died silently is noticed too.

use super::state::State;
use crate::error::{self, TARGET};
use crate::schema::{DB_NOW_MS, Schema};
use auth_core::{Error, Revocation, RevocationTarget, Timestamp};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// How often the listener is checked (and the in-memory set pruned).
const PING_EVERY: Duration = Duration::from_secs(1);
/// The first and the longest pause between reconnection attempts.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(50), Duration::from_secs(2));
/// How many snapshot rows one query reads: each page is one short query under the timeout,
/// however large the list has grown.
const SNAPSHOT_PAGE: i64 = 5000;
/// How long loading the whole snapshot may take, page after page.
const SNAPSHOT_DEADLINE: Duration = Duration::from_secs(30);
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
    state: Arc<State>,
    channel: String,
    heartbeat: String,
    snapshot_page: String,
    /// The newest change at the time of the snapshot.
    last_change: String,
    /// Rows changed after a given `seq`, a page at a time.
    changes_page: String,
    /// The `seq` of the newest row read (snapshot or change).
    seen: AtomicI64,
}

impl Feed {
    pub(super) fn new(
        pool: PgPool,
        timeout: Duration,
        schema: &Schema,
        tag: &str,
        state: Arc<State>,
    ) -> Self {
        let table = &schema.revocations;
        Self {
            pool,
            timeout,
            state,
            channel: schema.channel.clone(),
            heartbeat: schema.heartbeat_channel(tag),
            // Keyset pages: rows pruned or added meanwhile shift nothing (added ones arrive by
            // NOTIFY, which is already listened to).
            snapshot_page: format!(
                "SELECT target, expires_at FROM {table} \
                 WHERE expires_at > {DB_NOW_MS} AND target > $1 ORDER BY target LIMIT {SNAPSHOT_PAGE}"
            ),
            last_change: format!("SELECT COALESCE(max(seq), 0) FROM {table}"),
            changes_page: format!(
                "SELECT seq, target, expires_at FROM {table} \
                 WHERE seq > $1 ORDER BY seq LIMIT {SNAPSHOT_PAGE}"
            ),
            seen: AtomicI64::new(0),
        }
    }

    async fn bounded<T>(
        &self,
        what: &'static str,
        f: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.timeout, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(error::sqlx(what, e)),
            Err(_) => Err(error::timeout(what, self.timeout)),
        }
    }

    /// Listen, then load the snapshot: nothing committed in between is missed.
    pub(super) async fn sync(&self) -> Result<PgListener, Error> {
        let mut listener = self
            .bounded(
                "connect revocation listener",
                PgListener::connect_with(&self.pool),
            )
            .await?;
        // Reconnecting is this feed's job (it must reload the snapshot after LISTEN).
        listener.eager_reconnect(false);
        listener.ignore_pool_close_event(true);
        let channels = [self.channel.as_str(), self.heartbeat.as_str()];
        self.bounded("listen for revocations", listener.listen_all(channels))
            .await?;
        // Every row changed after this one commits later (writers are serialised): it is read
        // as a change; every row up to it is in the snapshot, or was replaced by a later one.
        let last: i64 = self
            .bounded(
                "read the newest revocation",
                sqlx::query_scalar(&self.last_change).fetch_one(&self.pool),
            )
            .await?;
        match tokio::time::timeout(SNAPSHOT_DEADLINE, self.load_snapshot()).await {
            Ok(loaded) => loaded?,
            Err(_) => {
                return Err(Error::unavailable(format!(
                    "loading the revocation snapshot took longer than {SNAPSHOT_DEADLINE:?}"
                )));
            }
        }
        self.seen.store(last, Ordering::Release);
        // What was committed while the snapshot loaded.
        self.read_changes().await?;
        self.state.mark_synced();
        Ok(listener)
    }

    /// Read and learn every row changed since the last one seen. Payloads are never read:
    /// what is in the table is what was revoked.
    async fn read_changes(&self) -> Result<(), Error> {
        loop {
            let after = self.seen.load(Ordering::Acquire);
            let page: Vec<(i64, String, i64)> = self
                .bounded(
                    "read new revocations",
                    sqlx::query_as(&self.changes_page)
                        .bind(after)
                        .fetch_all(&self.pool),
                )
                .await?;
            let full = page.len() as i64 == SNAPSHOT_PAGE;
            for (seq, target, expires_at) in page {
                match serde_json::from_str::<RevocationTarget>(&target) {
                    Ok(t) => self
                        .state
                        .learn(Revocation::new(t, Timestamp::from_unix_millis(expires_at))),
                    Err(e) => {
                        tracing::warn!(target: TARGET, error = %e, "ignoring a malformed stored revocation");
                    }
                }
                self.seen.fetch_max(seq, Ordering::AcqRel);
            }
            if !full {
                return Ok(());
            }
        }
    }

    async fn load_snapshot(&self) -> Result<(), Error> {
        let mut after = String::new();
        let mut loaded = 0usize;
        loop {
            let page: Vec<(String, i64)> = self
                .bounded(
                    "load revocations",
                    sqlx::query_as(&self.snapshot_page)
                        .bind(&after)
                        .fetch_all(&self.pool),
                )
                .await?;
            let full = page.len() as i64 == SNAPSHOT_PAGE;
            let mut learnt = Vec::with_capacity(page.len());
            for (target, expires_at) in page {
                match serde_json::from_str::<RevocationTarget>(&target) {
                    Ok(t) => {
                        learnt.push(Revocation::new(t, Timestamp::from_unix_millis(expires_at)))
                    }
                    Err(e) => {
                        tracing::warn!(target: TARGET, error = %e, "ignoring a malformed stored revocation");
                    }
                }
                after = target;
            }
            loaded += learnt.len();
            self.state.learn_batch(learnt);
            if !full {
                break;
            }
        }
        self.state.prune();
        tracing::debug!(target: TARGET, entries = loaded, "revocation snapshot loaded");
        Ok(())
    }

    /// Listen until dropped: apply notifications, and resynchronise whenever the listener ends.
    pub(super) async fn run(self, mut listener: PgListener) {
        loop {
            self.listen(listener).await;
            self.state.mark_unsynced();
            let mut pause = BACKOFF.0;
            listener = loop {
                match self.sync().await {
                    Ok(l) => break l,
                    Err(e) => {
                        tracing::debug!(target: TARGET, error = %e, "revocation resync failed; retrying");
                        self.state.note_if_stale();
                        tokio::time::sleep(pause).await;
                        self.state.note_if_stale();
                        pause = (pause * 2).min(BACKOFF.1);
                    }
                }
            };
        }
    }

    /// Read what notifications hint at until the listener ends or misses a heartbeat.
    async fn listen(&self, listener: PgListener) {
        let (beats, mut echoes) = mpsc::unbounded_channel();
        let hints = Arc::new(Notify::new());
        let receiver = Receiver(tokio::spawn(receive(
            listener,
            hints.clone(),
            self.heartbeat.clone(),
            beats,
        )));
        let mut ticks = tokio::time::interval(PING_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut waiting_since: Option<Instant> = None;
        let mut reads = ReadBudget::new();
        loop {
            tokio::select! {
                echo = echoes.recv() => match echo {
                    Some(()) => waiting_since = None,
                    None => break,
                },
                () = hints.notified() => {
                    // Hints that arrive meanwhile leave one permit: a burst is one more read.
                    if let Some(wait) = reads.take() {
                        tokio::time::sleep(wait).await;
                    }
                    if let Err(e) = self.read_changes().await {
                        tracing::debug!(target: TARGET, error = %e, "reading new revocations failed");
                        break;
                    }
                }
                _ = ticks.tick() => {
                    self.state.prune();
                    match waiting_since {
                        Some(sent) if sent.elapsed() > self.timeout => {
                            tracing::debug!(target: TARGET, "revocation listener missed its heartbeat");
                            break;
                        }
                        Some(_) => {}
                        None => {
                            let ping = sqlx::query("SELECT pg_notify($1, '')")
                                .bind(&self.heartbeat)
                                .execute(&self.pool);
                            if self.bounded("revocation heartbeat", ping).await.is_err() {
                                break;
                            }
                            waiting_since = Some(Instant::now());
                        }
                    }
                }
            }
        }
        drop(receiver);
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
