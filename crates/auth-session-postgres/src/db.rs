//! The pool plus the timeout applied to every call made on it.

use crate::error;
use auth_core::Error;
use auth_core::metrics::record;
use sqlx::PgPool;
use std::future::Future;
use std::time::{Duration, Instant};

/// A pool and the per-call timeout. Cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub(crate) struct Db {
    pool: PgPool,
    timeout: Duration,
}

impl Db {
    pub(crate) fn new(pool: PgPool, timeout: Duration) -> Self {
        Self { pool, timeout }
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Run one call (a statement, or a whole transaction), giving up after the timeout.
    /// `what` names it in errors, logs and the `operation` label of its latency and error
    /// metrics (never a key or an id).
    ///
    /// A call that timed out may still have happened (a commit that was on its way); callers
    /// treat its outcome as unknown and fail closed. A transaction dropped by the timeout is
    /// rolled back.
    pub(crate) async fn run<T>(
        &self,
        what: &'static str,
        call: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, Error> {
        let started = Instant::now();
        let result = error::within(what, self.timeout, call).await;
        record::store_call("postgres", what, started.elapsed(), result.is_ok());
        result
    }
}
