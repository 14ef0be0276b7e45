//! The Redis side of the revocation feed (auth-core's [`FeedTransport`]): subscribe to the
//! channel (on the first node that answers), read the ZSET with `ZSCAN` a page at a time,
//! apply published revocations, and ping the subscription once a second. auth-core's
//! [`RevocationFeed`](auth_core::revocation_feed::RevocationFeed) runs the loop.

use crate::conn::Backend;
use crate::error::{self, TARGET};
use crate::keys::Keys;
use auth_core::revocation_feed::{FeedEvent, FeedSink, FeedTransport, SnapshotPage};
use auth_core::{Error, Revocation, Timestamp};
use futures_util::StreamExt as _;
use redis::aio::{PubSubSink, PubSubStream};
use std::time::Duration;

/// How many snapshot entries one `ZSCAN` call asks for: each page is one short command under
/// the per-command timeout, however large the set has grown.
const SNAPSHOT_PAGE: usize = 5000;

pub(super) struct Feed {
    /// Servers to subscribe on: the one Redis, or the cluster's seed nodes (a message
    /// published on any node of a cluster reaches subscribers on every node).
    pub(super) nodes: Vec<redis::Client>,
    pub(super) keys: Keys,
    pub(super) backend: Backend,
    pub(super) timeout: Duration,
}

/// A subscribed connection, split: pings go out on the sink, messages come in on the stream.
pub(super) struct Subscription {
    sink: PubSubSink,
    stream: PubSubStream,
}

impl Feed {
    async fn subscribe_on(&self, node: &redis::Client) -> Result<Subscription, Error> {
        let mut pubsub = error::within(
            "connect revocation listener",
            self.timeout,
            node.get_async_pubsub(),
        )
        .await?;
        let channel = self.keys.revocation_channel();
        error::within(
            "subscribe to revocations",
            self.timeout,
            pubsub.subscribe(&channel),
        )
        .await?;
        let (sink, stream) = pubsub.split();
        Ok(Subscription { sink, stream })
    }
}

impl FeedTransport for Feed {
    type Subscription = Subscription;
    type Message = Vec<u8>;
    /// The `ZSCAN` cursor.
    type Cursor = u64;

    const SOURCE: &'static str = "Redis";
    const STORE: &'static str = "redis";

    async fn subscribe(&self) -> Result<Subscription, Error> {
        let mut last = None;
        for node in &self.nodes {
            match self.subscribe_on(node).await {
                Ok(subscription) => return Ok(subscription),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::config("no Redis node to subscribe on")))
    }

    /// `ZSCAN` returns every member that is in the set for the whole scan (entries pruned or
    /// added meanwhile may or may not come: added ones arrive on the subscription, which is
    /// already live), and unlike offset paging it skips nothing when earlier entries are
    /// pruned between pages.
    async fn snapshot_page(&self, after: Option<u64>) -> Result<SnapshotPage<u64>, Error> {
        let mut cmd = redis::cmd("ZSCAN");
        cmd.arg(self.keys.revocations())
            .arg(after.unwrap_or(0))
            .arg("COUNT")
            .arg(SNAPSHOT_PAGE);
        let (next, entries): (u64, Vec<(String, f64)>) =
            self.backend.query("load revocations", &cmd).await?;
        Ok(SnapshotPage {
            // Scores are written from integer milliseconds.
            entries: entries
                .into_iter()
                .map(|(member, score)| (member, Timestamp::from_unix_millis(score as i64)))
                .collect(),
            next: (next != 0).then_some(next),
        })
    }

    async fn next(&self, subscription: &mut Subscription) -> Option<Vec<u8>> {
        let message = subscription.stream.next().await?;
        Some(message.get_payload_bytes().to_vec())
    }

    async fn apply(
        &self,
        _: &mut Subscription,
        payload: Vec<u8>,
        sink: &FeedSink<'_>,
    ) -> Result<(), Error> {
        match serde_json::from_slice::<Revocation>(&payload) {
            Ok(revocation) => sink.learn(revocation),
            Err(e) => {
                tracing::warn!(target: TARGET, error = %e, "ignoring a malformed published revocation");
            }
        }
        Ok(())
    }

    async fn heartbeat(&self, subscription: &mut Subscription) -> Result<(), Error> {
        let ping = subscription.sink.ping::<redis::Value>();
        error::within("ping revocation listener", self.timeout, ping).await?;
        Ok(())
    }

    fn log(event: &FeedEvent<'_>) {
        auth_core::log_feed_event!(TARGET, event);
    }
}
