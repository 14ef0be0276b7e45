//! The listener: `LISTEN` first, then load the snapshot, then apply notified revocations until
//! the connection drops or stops answering its heartbeat; then do it all again.
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
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How often the listener is checked (and the in-memory set pruned).
const PING_EVERY: Duration = Duration::from_secs(1);
/// The first and the longest pause between reconnection attempts.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(50), Duration::from_secs(2));
/// How many snapshot rows one query reads: each page is one short query under the timeout,
/// however large the list has grown.
const SNAPSHOT_PAGE: i64 = 1000;
/// How long loading the whole snapshot may take, page after page.
const SNAPSHOT_DEADLINE: Duration = Duration::from_secs(30);

pub(super) struct Feed {
    /// The feed's own small pool: the `LISTEN` connection and one for heartbeats and snapshots.
    pool: PgPool,
    timeout: Duration,
    state: Arc<State>,
    channel: String,
    heartbeat: String,
    snapshot_page: String,
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
        match tokio::time::timeout(SNAPSHOT_DEADLINE, self.load_snapshot()).await {
            Ok(loaded) => loaded?,
            Err(_) => {
                return Err(Error::unavailable(format!(
                    "loading the revocation snapshot took longer than {SNAPSHOT_DEADLINE:?}"
                )));
            }
        }
        self.state.mark_synced();
        Ok(listener)
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
            for (target, expires_at) in page {
                match serde_json::from_str::<RevocationTarget>(&target) {
                    Ok(t) => {
                        loaded += 1;
                        let expires_at = Timestamp::from_unix_millis(expires_at);
                        self.state.learn(Revocation::new(t, expires_at));
                    }
                    Err(e) => {
                        tracing::warn!(target: TARGET, error = %e, "ignoring a malformed stored revocation");
                    }
                }
                after = target;
            }
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

    /// Apply notified revocations until the listener ends or misses a heartbeat.
    async fn listen(&self, listener: PgListener) {
        let (beats, mut echoes) = mpsc::unbounded_channel();
        let receiver = Receiver(tokio::spawn(receive(
            listener,
            self.state.clone(),
            self.heartbeat.clone(),
            beats,
        )));
        let mut ticks = tokio::time::interval(PING_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut waiting_since: Option<Instant> = None;
        loop {
            tokio::select! {
                echo = echoes.recv() => match echo {
                    Some(()) => waiting_since = None,
                    None => break,
                },
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

/// The receiving task; aborted (dropping the listener and its connection) when dropped.
struct Receiver(tokio::task::JoinHandle<()>);

impl Drop for Receiver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Receive until the connection ends: revocations go into the set, heartbeats back to the
/// loop. Returns (ending the feed's listen) on a lost connection, an error, or a notification
/// it cannot read (an empty one says "reload the snapshot": a revocation too large for a
/// notification was stored without its details).
async fn receive(
    mut listener: PgListener,
    state: Arc<State>,
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
        match serde_json::from_str::<Revocation>(note.payload()) {
            Ok(revocation) => state.learn(revocation),
            Err(_) => {
                tracing::debug!(target: TARGET, "revocation without details: reloading the snapshot");
                return;
            }
        }
    }
}
