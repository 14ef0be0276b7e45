//! One connection type for both deployments, and the per-command timeout around every call.

use crate::error;
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

/// A connection plus the timeout applied to each command sent on it.
#[derive(Clone, Debug)]
pub(crate) struct Backend {
    conn: RedisConnection,
    timeout: Duration,
}

impl Backend {
    pub(crate) fn new(conn: RedisConnection, timeout: Duration) -> Self {
        Self { conn, timeout }
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
        let started = Instant::now();
        let result = match tokio::time::timeout(self.timeout, f(self.conn.clone())).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(error::redis(what, e)),
            Err(_) => Err(error::timeout(what, self.timeout)),
        };
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
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        self.run(what, |mut c| async move {
            invocation.invoke_async(&mut c).await
        })
        .await
    }
}
