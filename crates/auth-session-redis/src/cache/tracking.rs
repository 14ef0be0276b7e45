//! The tracking connections: one per Redis node that holds sessions (the one server, or every
//! Cluster master), each in RESP3 with `CLIENT TRACKING ON BCAST PREFIX <session prefix>`, so
//! Redis pushes an `invalidate` message on it whenever any client changes or deletes a session.
//!
//! The connections are the cache's own, independent of the store's command connection: that
//! one may reconnect at any time without the cache hearing of it, these never reconnect
//! silently. A set of connections is a tracking *session*: the cache serves hits only while
//! every connection of the current session is confirmed tracking. When any of them closes,
//! stops answering its ping, or (on a Cluster) the slot map changes, the session ends: the
//! cache is flushed and bypassed, and a new session is built from scratch.

use super::Shared;
use crate::error::{self, TARGET};
use auth_core::Error;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, ConnectionInfo, PushInfo, PushKind, Value};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// How often each tracking connection is pinged (and a Cluster's slot map compared): a
/// connection that died silently is noticed within this plus the command timeout.
pub(super) const CHECK_EVERY: Duration = Duration::from_millis(500);
/// The first and the longest pause between attempts to rebuild tracking.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(20), Duration::from_secs(2));
/// The client name of a tracking connection (`CLIENT LIST` shows it; tests kill it by it).
const CLIENT_NAME: &str = "auth-session-redis-cache";

/// Where the sessions live: how to find the nodes to track.
pub(super) enum Nodes {
    /// One server.
    Single(Box<ConnectionInfo>),
    /// A Cluster reachable through these seeds: track each master of the slot map.
    #[cfg(feature = "cluster")]
    Cluster(Vec<ConnectionInfo>),
}

pub(super) struct Tracker {
    pub(super) shared: Arc<Shared>,
    pub(super) nodes: Nodes,
    pub(super) timeout: Duration,
}

/// One tracking session: every connection, and the fence generation they vouch for.
pub(super) struct Session {
    links: Vec<MultiplexedConnection>,
    word: u64,
    ended: Arc<Ended>,
    #[cfg(feature = "cluster")]
    slots: Option<super::cluster::SlotMap>,
}

/// Set (and notified) by any connection of a session that closes.
#[derive(Default)]
struct Ended {
    flag: AtomicBool,
    notify: Notify,
}

impl Tracker {
    /// Run `f` under the per-command timeout.
    pub(super) async fn bounded<T>(
        &self,
        what: &'static str,
        f: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Error> {
        error::within(what, self.timeout, f).await
    }

    /// Connect to every node, turn tracking on, and only then let the cache serve.
    pub(super) async fn establish(&self) -> Result<Session, Error> {
        let ended = Arc::new(Ended::default());
        let word = Arc::new(AtomicU64::new(0));
        #[cfg(feature = "cluster")]
        let mut slots = None;
        let infos = match &self.nodes {
            Nodes::Single(info) => vec![(**info).clone()],
            #[cfg(feature = "cluster")]
            Nodes::Cluster(seeds) => {
                let map = super::cluster::slot_map(self, seeds).await?;
                let masters = map.masters(seeds)?;
                slots = Some(map);
                masters
            }
        };
        let mut links = Vec::with_capacity(infos.len());
        for info in infos {
            links.push(self.link(info, &word, &ended).await?);
        }
        let up = self.shared.cache.go_up();
        word.store(up, Ordering::SeqCst);
        // A connection that closed before `word` was set could not take the cache down.
        if ended.flag.load(Ordering::SeqCst) {
            self.shared
                .lost(up, "a tracking connection closed while tracking was set up");
            return Err(Error::unavailable("a tracking connection closed"));
        }
        tracing::info!(target: TARGET, nodes = links.len(), "local session cache: tracking established; serving from the cache");
        Ok(Session {
            links,
            word: up,
            ended,
            #[cfg(feature = "cluster")]
            slots,
        })
    }

    /// One tracking connection whose pushes feed the cache.
    async fn link(
        &self,
        info: ConnectionInfo,
        word: &Arc<AtomicU64>,
        ended: &Arc<Ended>,
    ) -> Result<MultiplexedConnection, Error> {
        let client = redis::Client::open(info)
            .map_err(|e| Error::config("invalid Redis URL").with_source(e))?;
        let (shared, word, ended) = (self.shared.clone(), word.clone(), ended.clone());
        // Runs on the connection's own task, in the order Redis sent things: an invalidation
        // is applied before the reply to any later command on this connection is seen.
        let on_push = move |push: PushInfo| -> Result<(), ()> {
            match push.kind {
                PushKind::Invalidate => shared.invalidated(&push.data),
                PushKind::Disconnection => {
                    ended.flag.store(true, Ordering::SeqCst);
                    let w = word.load(Ordering::SeqCst);
                    if w != 0 {
                        shared.lost(w, "a tracking connection closed");
                    }
                    ended.notify.notify_one();
                }
                _ => {}
            }
            Ok(())
        };
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_push_sender(on_push);
        let mut conn = self
            .bounded(
                "connect cache tracking",
                client.get_multiplexed_async_connection_with_config(&config),
            )
            .await?;
        let mut name = redis::cmd("CLIENT");
        name.arg("SETNAME").arg(CLIENT_NAME);
        let _: () = self
            .bounded("name cache tracking", name.query_async(&mut conn))
            .await?;
        let mut tracking = redis::cmd("CLIENT");
        tracking
            .arg("TRACKING")
            .arg("ON")
            .arg("BCAST")
            .arg("PREFIX")
            .arg(self.shared.keys.session_prefix());
        let _: () = self
            .bounded("turn cache tracking on", tracking.query_async(&mut conn))
            .await?;
        Ok(conn)
    }

    /// Keep tracking up for good: watch each session until it ends, then build the next.
    pub(super) async fn run(self, mut first: Option<Session>) {
        let mut pause = BACKOFF.0;
        loop {
            let mut session = match first.take() {
                Some(session) => session,
                None => match self.establish().await {
                    Ok(session) => {
                        pause = BACKOFF.0;
                        session
                    }
                    Err(e) => {
                        tracing::debug!(target: TARGET, error = %e, "local session cache: tracking not re-established; retrying");
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(BACKOFF.1);
                        continue;
                    }
                },
            };
            let why = self.watch(&mut session).await;
            self.shared.lost(session.word, why);
            drop(session);
            tokio::time::sleep(BACKOFF.0).await;
        }
    }

    /// Return (why) when the session can no longer vouch for the cache.
    async fn watch(&self, session: &mut Session) -> &'static str {
        let mut ticks = tokio::time::interval(CHECK_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            tokio::select! {
                () = session.ended.notify.notified() => return "a tracking connection closed",
                _ = ticks.tick() => {
                    for link in &mut session.links {
                        let ping = redis::cmd("PING");
                        let pong = self.bounded("ping cache tracking", ping.query_async::<Value>(link));
                        if pong.await.is_err() {
                            return "a tracking connection stopped answering";
                        }
                    }
                    #[cfg(feature = "cluster")]
                    if let (Some(slots), Some(link)) = (&session.slots, session.links.first_mut()) {
                        let now = super::cluster::slot_map_from(self, link).await;
                        if !matches!(now, Ok(ref map) if map == slots) {
                            return "the cluster's slot map changed (or could not be read)";
                        }
                    }
                }
            }
        }
    }
}
