//! One connection type for both deployments, and the per-command timeout around every call.

use crate::config::ReplicaAcks;
use crate::error;
use crate::scripts::{ScriptCall, is_no_script};
use auth_core::Error;
use auth_core::metrics::record;
use redis::aio::{ConnectionLike, ConnectionManager};
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};
use std::future::Future;
use std::time::{Duration, Instant};

/// A reconnecting, multiplexed connection to a single Redis or to a Redis Cluster.
///
/// Build one with [`From`] from a connection you already have; cloning is cheap (the clones
/// share the underlying connection).
#[derive(Clone)]
pub struct RedisConnection {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Single(ConnectionManager),
    #[cfg(feature = "cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
}

impl RedisConnection {
    /// Whether this is a Redis Cluster connection (keys of different slots cannot be changed
    /// in one script).
    pub fn is_cluster(&self) -> bool {
        match self.inner {
            Inner::Single(_) => false,
            #[cfg(feature = "cluster")]
            Inner::Cluster(_) => true,
        }
    }
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The wrapped connections' Debug may show connection details; keep it to the kind.
        f.debug_struct("RedisConnection")
            .field("cluster", &self.is_cluster())
            .finish()
    }
}

impl From<ConnectionManager> for RedisConnection {
    fn from(conn: ConnectionManager) -> Self {
        Self {
            inner: Inner::Single(conn),
        }
    }
}

#[cfg(feature = "cluster")]
impl From<redis::cluster_async::ClusterConnection> for RedisConnection {
    fn from(conn: redis::cluster_async::ClusterConnection) -> Self {
        Self {
            inner: Inner::Cluster(conn),
        }
    }
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match &mut self.inner {
            Inner::Single(c) => c.req_packed_command(cmd),
            #[cfg(feature = "cluster")]
            Inner::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match &mut self.inner {
            Inner::Single(c) => c.req_packed_commands(cmd, offset, count),
            #[cfg(feature = "cluster")]
            Inner::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match &self.inner {
            Inner::Single(c) => c.get_db(),
            #[cfg(feature = "cluster")]
            Inner::Cluster(c) => c.get_db(),
        }
    }
}

/// A connection plus the timeout applied to each command sent on it, and how many replicas
/// must acknowledge a write.
#[derive(Clone, Debug)]
pub(crate) struct Backend {
    conn: RedisConnection,
    timeout: Duration,
    acks: Option<Acks>,
}

/// Replica acknowledgements, and the connection the acknowledged writes go through.
#[derive(Clone, Debug)]
struct Acks {
    wanted: ReplicaAcks,
    /// `WAIT` blocks the connection it is sent on until it returns (for as long as its
    /// timeout when the replicas lag or are gone): writes that wait get their own connection,
    /// so reads never queue behind a `WAIT`.
    writes: RedisConnection,
}

impl Backend {
    pub(crate) fn new(conn: RedisConnection, timeout: Duration) -> Self {
        Self {
            conn,
            timeout,
            acks: None,
        }
    }

    /// Make [`invoke_write`](Self::invoke_write) wait for replicas, writing through `writes`.
    pub(crate) fn with_replica_acks(
        mut self,
        wanted: ReplicaAcks,
        writes: RedisConnection,
    ) -> Self {
        self.acks = Some(Acks { wanted, writes });
        self
    }

    pub(crate) fn is_cluster(&self) -> bool {
        self.conn.is_cluster()
    }

    /// Run one Redis call, giving up after the timeout. `what` names the call in errors, logs
    /// and the `operation` label of its latency and error metrics (never a key or an id).
    ///
    /// A call that times out may still run on the server later; callers treat its outcome as
    /// unknown (fail closed).
    pub(crate) async fn run<T, F, Fut>(&self, what: &'static str, f: F) -> Result<T, Error>
    where
        F: FnOnce(RedisConnection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        self.run_within(what, self.timeout, f(self.conn.clone()))
            .await
    }

    /// Run `call` under `bound`, timing it for the store latency and error metrics.
    async fn run_within<T>(
        &self,
        what: &'static str,
        bound: Duration,
        call: impl Future<Output = RedisResult<T>>,
    ) -> Result<T, Error> {
        let started = Instant::now();
        let result = error::within(what, bound, call).await;
        record::store_call("redis", what, started.elapsed(), result.is_ok());
        result
    }

    /// Run one command.
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &self,
        what: &'static str,
        cmd: &Cmd,
    ) -> Result<T, Error> {
        self.run(what, |mut c| async move { cmd.query_async(&mut c).await })
            .await
    }

    /// Run one script invocation.
    pub(crate) async fn invoke<T: redis::FromRedisValue>(
        &self,
        what: &'static str,
        call: &ScriptCall,
    ) -> Result<T, Error> {
        self.run(what, |mut c| async move { call.invoke(&mut c).await })
            .await
    }

    /// Run one script that writes; when replica acknowledgements are configured, send it in
    /// one pipeline with `WAIT replicas timeout` (on a Cluster the pipeline goes to the
    /// primary of the script's first key), so the `WAIT` counts this very write on the
    /// connection that made it. Fails with [`ErrorKind::Unavailable`] when too few replicas
    /// acknowledged in time (the write may still have happened on the primary).
    ///
    /// [`ErrorKind::Unavailable`]: auth_core::ErrorKind::Unavailable
    pub(crate) async fn invoke_write<T: redis::FromRedisValue>(
        &self,
        what: &'static str,
        call: &ScriptCall,
    ) -> Result<T, Error> {
        let Some(acks) = &self.acks else {
            return self.invoke(what, call).await;
        };
        let wanted = acks.wanted;
        let mut pipe = redis::pipe();
        pipe.add_command(call.evalsha());
        let wait_ms = u64::try_from(wanted.timeout.as_millis()).unwrap_or(u64::MAX);
        pipe.cmd("WAIT").arg(wanted.replicas).arg(wait_ms);
        let mut conn = acks.writes.clone();
        let exchange = async {
            let sent = match pipe.query_async::<(redis::Value, u64)>(&mut conn).await {
                Err(e) if is_no_script(&e) => {
                    call.load(&mut conn).await?;
                    pipe.query_async(&mut conn).await
                }
                sent => sent,
            }?;
            Ok::<_, redis::RedisError>(sent)
        };
        // Redis answers WAIT after its own timeout at the latest: allow that on top.
        let (reply, acked) = self
            .run_within(what, self.timeout + wanted.timeout, exchange)
            .await?;
        if acked < u64::from(wanted.replicas) {
            return Err(error::not_replicated(what, acked, wanted));
        }
        T::from_redis_value(reply).map_err(|e| error::redis(what, e.into()))
    }
}
