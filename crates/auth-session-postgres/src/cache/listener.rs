//! The cache's listener: a connection of its own that `LISTEN`s on the sessions channel and on
//! a heartbeat channel only this cache knows, and the loop that keeps it up.
//!
//! A *session* of the listener is one connection: the cache serves hits only while the current
//! one is confirmed. It is confirmed once `LISTEN` has returned (everything committed from then
//! on reaches it) and stays confirmed while its heartbeat comes back: every [`CHECK_EVERY`] the
//! loop notifies the heartbeat channel and waits for the echo on the listening connection
//! within [`ECHO_DEADLINE`]. PostgreSQL delivers notifications in commit order, so the echo
//! also proves that every change committed before the heartbeat was heard and applied (the
//! receiving task applies notifications in order, then passes the echo on): a listener that
//! lags by more than the deadline is treated as lost. When the connection ends, errs or misses
//! an echo, the cache is flushed and bypassed, and a new session is built from scratch.
//!
//! The receiving task is never cancelled mid-read (it owns the connection and only receives);
//! the loop sends heartbeats through the small pool it shares with nothing else.

use crate::error::{self, TARGET};
use auth_core::local_cache::SessionCache;
use auth_core::{Error, SessionKey};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often the listener's heartbeat is sent.
pub(super) const CHECK_EVERY: Duration = Duration::from_millis(500);
/// How long a heartbeat may take to come back (sending it included). A silent partition is
/// noticed within [`CHECK_EVERY`] plus this.
pub(super) const ECHO_DEADLINE: Duration = Duration::from_millis(500);
/// The first and the longest pause between attempts to listen again.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(20), Duration::from_secs(2));

pub(super) struct Listener {
    pub(super) cache: Arc<SessionCache>,
    /// A small pool of the cache's own: the listening connection and one for heartbeats.
    pub(super) pool: PgPool,
    pub(super) timeout: Duration,
    pub(super) channel: String,
    pub(super) heartbeat: String,
}

/// One listening connection (in its receiving task) and the cache generation it vouches for.
pub(super) struct Session {
    generation: u64,
    echoes: mpsc::UnboundedReceiver<()>,
    _receiver: Receiver,
}

impl Listener {
    /// Connect, `LISTEN`, and only then let the cache serve.
    pub(super) async fn establish(&self) -> Result<Session, Error> {
        let mut listener = error::within(
            "connect session cache listener",
            self.timeout,
            PgListener::connect_with(&self.pool),
        )
        .await?;
        // Reconnecting is this loop's job: a new connection may have missed notifications, so
        // the cache must be flushed first (it was, when the old one was lost).
        listener.eager_reconnect(false);
        listener.ignore_pool_close_event(true);
        let channels = [self.channel.as_str(), self.heartbeat.as_str()];
        error::within(
            "listen for session changes",
            self.timeout,
            listener.listen_all(channels),
        )
        .await?;
        let generation = self.cache.go_up();
        let (echo, echoes) = mpsc::unbounded_channel();
        let receiver = Receiver(tokio::spawn(receive(
            listener,
            self.cache.clone(),
            self.heartbeat.clone(),
            generation,
            echo,
        )));
        tracing::info!(target: TARGET, "local session cache: listening; serving from the cache");
        Ok(Session {
            generation,
            echoes,
            _receiver: receiver,
        })
    }

    /// Keep a listener up for good: watch each session until it ends, then build the next.
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
                        tracing::debug!(target: TARGET, error = %e, "local session cache: not listening yet; retrying");
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(BACKOFF.1);
                        continue;
                    }
                },
            };
            let why = self.watch(&mut session).await;
            lost(&self.cache, session.generation, why);
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
                echo = session.echoes.recv() => match echo {
                    // An echo with no heartbeat waiting: someone else's NOTIFY on our channel.
                    Some(()) => continue,
                    None => return "the listening connection closed",
                },
                _ = ticks.tick() => {}
            }
            if let Err(why) = self.beat(session).await {
                return why;
            }
        }
    }

    /// Send a heartbeat and wait for its echo, within [`ECHO_DEADLINE`] in all.
    async fn beat(&self, session: &mut Session) -> Result<(), &'static str> {
        // Echoes of earlier heartbeats (or forged ones) must not answer this one.
        while session.echoes.try_recv().is_ok() {}
        let round_trip = async {
            sqlx::query("SELECT pg_notify($1, '')")
                .bind(&self.heartbeat)
                .execute(&self.pool)
                .await
                .map_err(|_| "the heartbeat could not be sent")?;
            match session.echoes.recv().await {
                Some(()) => Ok(()),
                None => Err("the listening connection closed"),
            }
        };
        match tokio::time::timeout(ECHO_DEADLINE, round_trip).await {
            Ok(result) => result,
            Err(_) => Err("the heartbeat did not come back in time"),
        }
    }
}

/// The listener of `generation` can no longer vouch for the cache: flush and bypass it.
fn lost(cache: &SessionCache, generation: u64, why: &'static str) {
    if cache.lost(generation) {
        tracing::warn!(target: TARGET, reason = why, "local session cache: listener lost; cache flushed, reads go to the database until it is back");
    }
}

/// The receiving task; aborted (dropping the listener and its connection) when dropped.
struct Receiver(tokio::task::JoinHandle<()>);

impl Drop for Receiver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Receive until the connection ends or fails, applying each notification in order: a key
/// (hex) drops its entry, an empty payload drops everything, anything else is ignored (it is
/// not ours, and a notification may only drop entries anyway); heartbeats go back to the loop.
async fn receive(
    mut listener: PgListener,
    cache: Arc<SessionCache>,
    heartbeat: String,
    generation: u64,
    echo: mpsc::UnboundedSender<()>,
) {
    loop {
        let note = match listener.try_recv().await {
            Ok(Some(note)) => note,
            Ok(None) => break,
            Err(e) => {
                tracing::debug!(target: TARGET, error = %e, "local session cache: listener failed");
                break;
            }
        };
        if note.channel() == heartbeat {
            if echo.send(()).is_err() {
                return;
            }
            continue;
        }
        match note.payload() {
            "" => cache.flush(),
            hex => match SessionKey::from_hex(hex) {
                Ok(key) => cache.forget(&key),
                Err(_) => {
                    tracing::debug!(target: TARGET, "local session cache: ignored a notification that names no session key");
                }
            },
        }
    }
    // Flush at once, without waiting for the loop's next heartbeat.
    lost(&cache, generation, "the listening connection closed");
}
