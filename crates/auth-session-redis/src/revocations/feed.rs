//! The listener: subscribe, then load the snapshot, then apply published revocations until the
//! connection drops or stops answering pings; then do it all again.

use super::state::State;
use crate::config::{RedisConfig, Target};
use crate::conn::Backend;
use crate::error::{self, TARGET};
use crate::keys::Keys;
use auth_core::{Error, Revocation, RevocationTarget, Timestamp};
use futures_util::StreamExt as _;
use redis::aio::PubSub;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How often an idle subscription is pinged (and the in-memory set pruned).
const PING_EVERY: Duration = Duration::from_secs(1);
/// The first and the longest pause between reconnection attempts.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(50), Duration::from_secs(2));
/// How many snapshot entries one `ZSCAN` call asks for: each page is one short command under
/// the per-command timeout, however large the set has grown.
const SNAPSHOT_PAGE: usize = 5000;
/// How long loading the whole snapshot may take, page after page.
const SNAPSHOT_DEADLINE: Duration = Duration::from_secs(30);

pub(super) struct Feed {
    /// Servers to subscribe on: the one Redis, or the cluster's seed nodes (a message
    /// published on any node of a cluster reaches subscribers on every node).
    nodes: Vec<redis::Client>,
    keys: Keys,
    backend: Backend,
    state: Arc<State>,
    timeout: Duration,
}

impl Feed {
    pub(super) fn new(
        config: &RedisConfig,
        keys: Keys,
        backend: Backend,
        state: Arc<State>,
    ) -> Result<Self, Error> {
        let nodes = match config.target() {
            Target::Single(url) => vec![config.client(url)?],
            #[cfg(feature = "cluster")]
            Target::Cluster(urls) => urls
                .iter()
                .map(|u| config.client(u))
                .collect::<Result<_, _>>()?,
        };
        Ok(Self {
            nodes,
            keys,
            backend,
            state,
            timeout: config.timeout(),
        })
    }

    async fn bounded<T>(
        &self,
        what: &'static str,
        f: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.timeout, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(error::redis(what, e)),
            Err(_) => Err(error::timeout(what, self.timeout)),
        }
    }

    /// Subscribe (on the first node that answers), then load the snapshot.
    pub(super) async fn sync(&self) -> Result<PubSub, Error> {
        let mut last = None;
        for node in &self.nodes {
            match self.subscribe(node).await {
                Ok(pubsub) => {
                    let deadline = tokio::time::Instant::now() + SNAPSHOT_DEADLINE;
                    match tokio::time::timeout_at(deadline, self.load_snapshot()).await {
                        Ok(loaded) => loaded?,
                        Err(_) => {
                            return Err(Error::unavailable(format!(
                                "loading the revocation snapshot took longer than {SNAPSHOT_DEADLINE:?}"
                            )));
                        }
                    }
                    self.state.mark_synced();
                    return Ok(pubsub);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::config("no Redis node to subscribe on")))
    }

    async fn subscribe(&self, node: &redis::Client) -> Result<PubSub, Error> {
        let mut pubsub = self
            .bounded("connect revocation listener", node.get_async_pubsub())
            .await?;
        let channel = self.keys.revocation_channel();
        self.bounded("subscribe to revocations", pubsub.subscribe(&channel))
            .await?;
        Ok(pubsub)
    }

    /// Load every live entry of the ZSET, a page at a time. `ZSCAN` returns every member that
    /// is in the set for the whole scan (entries pruned or added meanwhile may or may not come:
    /// added ones arrive on the subscription, which is already live), and unlike offset paging
    /// it skips nothing when earlier entries are pruned between pages. The next page is asked
    /// for before this one is parsed and learnt, so Redis, the connection and this task work
    /// side by side (a million entries: see the `revocation_bounds` test).
    async fn load_snapshot(&self) -> Result<(), Error> {
        let now = self.state.clock().now();
        let mut loaded = 0usize;
        let mut pending = Page::fetch(&self.backend, self.keys.revocations(), 0, now);
        loop {
            let (next, page) = pending.result().await?;
            if next != 0 {
                pending = Page::fetch(&self.backend, self.keys.revocations(), next, now);
            }
            loaded += page.len();
            self.state.learn_batch(page);
            if next == 0 {
                break;
            }
        }
        self.state.prune();
        tracing::debug!(target: TARGET, entries = loaded, "revocation snapshot loaded");
        Ok(())
    }

    /// Listen until dropped: apply messages, and resynchronise whenever the subscription ends.
    pub(super) async fn run(self, mut pubsub: PubSub) {
        loop {
            self.listen(pubsub).await;
            self.state.mark_unsynced();
            let mut pause = BACKOFF.0;
            pubsub = loop {
                match self.sync().await {
                    Ok(p) => break p,
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

    /// Apply published revocations until the connection ends or stops answering.
    async fn listen(&self, pubsub: PubSub) {
        let (mut sink, mut stream) = pubsub.split();
        let mut ticks = tokio::time::interval(PING_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                msg = stream.next() => match msg {
                    Some(msg) => self.apply(msg.get_payload_bytes()),
                    None => return,
                },
                _ = ticks.tick() => {
                    self.state.prune();
                    let ping = sink.ping::<redis::Value>();
                    if self.bounded("ping revocation listener", ping).await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    fn apply(&self, payload: &[u8]) {
        match serde_json::from_slice::<Revocation>(payload) {
            Ok(revocation) => self.state.learn(revocation),
            Err(e) => {
                tracing::warn!(target: TARGET, error = %e, "ignoring a malformed published revocation");
            }
        }
    }
}

/// One `ZSCAN` page on its way and parsed, in a task of its own (aborted if dropped: a
/// cancelled load leaves nothing running).
struct Page(tokio::task::JoinHandle<Result<(u64, Vec<Revocation>), Error>>);

impl Page {
    fn fetch(backend: &Backend, key: String, cursor: u64, now: Timestamp) -> Self {
        let backend = backend.clone();
        Self(tokio::spawn(async move {
            let mut cmd = redis::cmd("ZSCAN");
            cmd.arg(key).arg(cursor).arg("COUNT").arg(SNAPSHOT_PAGE);
            let (next, entries): (u64, Vec<(String, f64)>) =
                backend.query("load revocations", &cmd).await?;
            let mut page = Vec::with_capacity(entries.len());
            for (member, score) in entries {
                // Scores are written from integer milliseconds.
                let expires_at = Timestamp::from_unix_millis(score as i64);
                if expires_at <= now {
                    continue;
                }
                match serde_json::from_str::<RevocationTarget>(&member) {
                    Ok(target) => page.push(Revocation::new(target, expires_at)),
                    Err(e) => {
                        tracing::warn!(target: TARGET, error = %e, "ignoring a malformed stored revocation");
                    }
                }
            }
            Ok((next, page))
        }))
    }

    async fn result(&mut self) -> Result<(u64, Vec<Revocation>), Error> {
        match (&mut self.0).await {
            Ok(page) => page,
            Err(e) => Err(Error::unavailable(format!(
                "loading a revocation page failed: {e}"
            ))),
        }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        self.0.abort();
    }
}
