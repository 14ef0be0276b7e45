//! The loop, once for every store: subscribe, load the snapshot in pages, listen with a
//! heartbeat, and resynchronise (with a backoff) whenever the subscription ends.

use super::{FeedEvent, FeedSink, FeedState, FeedTransport, SnapshotPage, decode};
use crate::Error;
use crate::revocation::Revocation;
use crate::time::Timestamp;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often an idle subscription is checked (and the in-memory set pruned).
const PING_EVERY: Duration = Duration::from_secs(1);
/// The first and the longest pause between resynchronisation attempts.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(50), Duration::from_secs(2));
/// How long loading the whole snapshot may take, page after page.
const SNAPSHOT_DEADLINE: Duration = Duration::from_secs(30);

pub(super) struct Runner<T> {
    transport: Arc<T>,
    state: Arc<FeedState>,
}

impl<T: FeedTransport> Runner<T> {
    pub(super) fn new(transport: T, state: Arc<FeedState>) -> Self {
        Self {
            transport: Arc::new(transport),
            state,
        }
    }

    fn sink(&self) -> FeedSink<'_> {
        FeedSink::new(&self.state, T::log)
    }

    /// Subscribe, then load the snapshot: nothing published in between is missed.
    pub(super) async fn sync(&self) -> Result<T::Subscription, Error> {
        let mut subscription = self.transport.subscribe().await?;
        match tokio::time::timeout(SNAPSHOT_DEADLINE, self.load_snapshot()).await {
            Ok(loaded) => loaded?,
            Err(_) => {
                return Err(Error::unavailable(format!(
                    "loading the revocation snapshot took longer than {SNAPSHOT_DEADLINE:?}"
                )));
            }
        }
        self.transport
            .caught_up(&mut subscription, &self.sink())
            .await?;
        if let Some(out_of_sync) = self.state.mark_synced() {
            T::log(&FeedEvent::Synced { out_of_sync });
        }
        Ok(subscription)
    }

    /// Learn every live stored entry, a page at a time; the next page is asked for before
    /// this one is learnt, so the store, the connection and this task work side by side.
    async fn load_snapshot(&self) -> Result<(), Error> {
        let now = self.state.clock().now();
        let mut loaded = 0usize;
        let mut pending = Page::fetch(&self.transport, None, now);
        loop {
            let (next, page) = pending.result().await?;
            let last = next.is_none();
            if let Some(cursor) = next {
                pending = Page::fetch(&self.transport, Some(cursor), now);
            }
            loaded += page.len();
            self.state.learn_batch(page);
            if last {
                break;
            }
        }
        self.state.prune();
        T::log(&FeedEvent::SnapshotLoaded { entries: loaded });
        Ok(())
    }

    /// Listen until dropped: apply messages, and resynchronise whenever the subscription ends.
    pub(super) async fn run(self, mut subscription: T::Subscription) {
        loop {
            self.listen(subscription).await;
            if self.state.mark_unsynced() {
                T::log(&FeedEvent::Unsynced {
                    bound: self.state.stale_after(),
                });
            }
            let mut pause = BACKOFF.0;
            subscription = loop {
                match self.sync().await {
                    Ok(s) => break s,
                    Err(error) => {
                        T::log(&FeedEvent::ResyncFailed { error: &error });
                        self.note_if_stale();
                        tokio::time::sleep(pause).await;
                        self.note_if_stale();
                        pause = (pause * 2).min(BACKOFF.1);
                    }
                }
            };
        }
    }

    /// Log, once per outage, that the bound has passed and checks now fail closed.
    fn note_if_stale(&self) {
        if let Some(out_of_sync) = self.state.newly_stale() {
            T::log(&FeedEvent::Stale {
                out_of_sync,
                bound: self.state.stale_after(),
            });
        }
    }

    /// Apply what the subscription delivers until it ends, a message cannot be applied, or a
    /// heartbeat fails.
    async fn listen(&self, mut subscription: T::Subscription) {
        let mut ticks = tokio::time::interval(PING_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = self.transport.next(&mut subscription) => match message {
                    Some(message) => {
                        let sink = self.sink();
                        if self.transport.apply(&mut subscription, message, &sink).await.is_err() {
                            return;
                        }
                    }
                    None => return,
                },
                _ = ticks.tick() => {
                    self.state.prune();
                    if self.transport.heartbeat(&mut subscription).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

type Parsed<C> = (Option<C>, Vec<Revocation>);

/// One snapshot page on its way and decoded, in a task of its own (aborted if dropped: a
/// cancelled load leaves nothing running).
struct Page<C>(JoinHandle<Result<Parsed<C>, Error>>);

impl<C: Send + 'static> Page<C> {
    fn fetch<T: FeedTransport<Cursor = C>>(
        transport: &Arc<T>,
        after: Option<C>,
        now: Timestamp,
    ) -> Self {
        let transport = transport.clone();
        Self(tokio::spawn(async move {
            let SnapshotPage { entries, next } = transport.snapshot_page(after).await?;
            let page = entries
                .into_iter()
                .filter(|(_, expires_at)| *expires_at > now)
                .filter_map(|(target, expires_at)| decode(&target, expires_at, T::log))
                .collect();
            Ok((next, page))
        }))
    }

    async fn result(&mut self) -> Result<Parsed<C>, Error> {
        match (&mut self.0).await {
            Ok(page) => page,
            Err(e) => Err(Error::unavailable(format!(
                "loading a revocation page failed: {e}"
            ))),
        }
    }
}

impl<C> Drop for Page<C> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
