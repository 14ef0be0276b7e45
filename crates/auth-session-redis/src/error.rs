//! Turning Redis failures into [`auth_core::Error`]s, and logging them once.
//!
//! Anything that says "Redis is not there right now" (I/O, timeouts, cluster down, loading,
//! failover) is [`ErrorKind::Unavailable`]: retryable, answered with 503. Anything that says
//! "Redis answered, but not what we expected" is [`ErrorKind::Storage`].

use auth_core::{Error, ErrorKind};
use redis::{ErrorKind as RedisKind, RedisError, ServerErrorKind};
use std::time::Duration;

/// The tracing target of every log line this crate writes.
pub(crate) const TARGET: &str = "auth_session_redis";

/// Whether a Redis error means the server (or the slot's node) cannot be reached now.
fn is_unavailable(e: &RedisError) -> bool {
    match e.kind() {
        RedisKind::Io | RedisKind::ClusterConnectionNotFound => true,
        RedisKind::Server(kind) => matches!(
            kind,
            ServerErrorKind::TryAgain
                | ServerErrorKind::ClusterDown
                | ServerErrorKind::MasterDown
                | ServerErrorKind::BusyLoading
                | ServerErrorKind::ReadOnly
                | ServerErrorKind::Moved
                | ServerErrorKind::Ask
        ),
        _ => e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal(),
    }
}

/// A Redis error met while doing `what` (a static description, never a key or an id).
pub(crate) fn redis(what: &'static str, e: RedisError) -> Error {
    let kind = if is_unavailable(&e) {
        ErrorKind::Unavailable
    } else {
        ErrorKind::Storage
    };
    tracing::warn!(target: TARGET, operation = what, kind = %kind, error = %e, "redis command failed");
    Error::new(kind, format!("redis: {what} failed")).with_source(e)
}

/// Redis did not answer `what` within `timeout`.
pub(crate) fn timeout(what: &'static str, timeout: Duration) -> Error {
    tracing::warn!(target: TARGET, operation = what, timeout_ms = timeout.as_millis() as u64, "redis command timed out");
    Error::unavailable(format!(
        "redis: {what} did not answer within {} ms",
        timeout.as_millis()
    ))
}

/// Run `call` (a Redis call doing `what`), giving up after `timeout`: every call this crate
/// makes goes through here or through [`Backend`](crate::conn::Backend), which adds metrics.
pub(crate) async fn within<T>(
    what: &'static str,
    timeout: Duration,
    call: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Result<T, Error> {
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(redis(what, e)),
        Err(_) => Err(self::timeout(what, timeout)),
    }
}

/// `what` was written, but fewer replicas than configured acknowledged it in time.
pub(crate) fn not_replicated(
    what: &'static str,
    acked: u64,
    acks: crate::config::ReplicaAcks,
) -> Error {
    tracing::warn!(target: TARGET, operation = what, acked, wanted = acks.replicas, "redis write not acknowledged by enough replicas");
    Error::unavailable(format!(
        "redis: {what} reached {acked} of {} replicas within {} ms",
        acks.replicas,
        acks.timeout.as_millis()
    ))
}

/// Redis answered with something this crate never writes.
pub(crate) fn corrupt(what: &'static str, detail: &str) -> Error {
    tracing::error!(target: TARGET, operation = what, detail, "unexpected data in redis");
    Error::storage(format!("redis: {what}: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_is_unavailable_and_script_errors_are_storage() {
        let io = RedisError::from(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "refused",
        ));
        assert_eq!(redis("load", io).kind(), ErrorKind::Unavailable);
        let script = RedisError::from((RedisKind::Client, "bad"));
        assert_eq!(redis("save", script).kind(), ErrorKind::Storage);
        assert_eq!(
            timeout("load", Duration::from_millis(5)).kind(),
            ErrorKind::Unavailable
        );
    }
}
