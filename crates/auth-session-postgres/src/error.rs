//! Turning database failures into [`auth_core::Error`]s, and logging them once.
//!
//! Anything that says "the database is not there right now" (I/O, TLS, pool timeouts, a
//! terminated backend, too many connections, a cancelled statement) is
//! [`ErrorKind::Unavailable`]: retryable, answered with 503. Anything that says "the database
//! answered, but not what we expected" is [`ErrorKind::Storage`]. A value PostgreSQL cannot
//! store (a `\u0000` in a JSON string) is [`ErrorKind::Serialization`].

use auth_core::{Error, ErrorKind};
use std::time::Duration;

/// The tracing target of every log line this crate writes.
pub(crate) const TARGET: &str = "auth_session_postgres";

/// The kind of `e`.
fn kind_of(e: &sqlx::Error) -> ErrorKind {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        // A connection cut mid-message surfaces as a protocol error.
        | sqlx::Error::Protocol(_) => ErrorKind::Unavailable,
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // 08: connection exception; 57P01-57P05: admin shutdown, crash shutdown, cannot
            // connect now, database dropped, idle session timeout; 53: insufficient resources
            // (too many connections, out of memory or disk); 57014: statement cancelled
            // (statement_timeout); 40001 / 40P01: serialization failure / deadlock (retryable);
            // 55P03: lock not available.
            Some(code)
                if code.starts_with("08")
                    || code.starts_with("57P")
                    || code.starts_with("53")
                    || matches!(code, "57014" | "40001" | "40P01" | "55P03") =>
            {
                ErrorKind::Unavailable
            }
            // 22P05: untranslatable character (`\u0000` in jsonb); 22021: bad encoding.
            Some("22P05" | "22021") => ErrorKind::Serialization,
            _ => ErrorKind::Storage,
        },
        _ => ErrorKind::Storage,
    }
}

/// A database error met while doing `what` (a static description, never a key or an id).
pub(crate) fn sqlx(what: &'static str, e: sqlx::Error) -> Error {
    let kind = kind_of(&e);
    tracing::warn!(target: TARGET, operation = what, kind = %kind, error = %e, "postgres call failed");
    Error::new(kind, format!("postgres: {what} failed")).with_source(e)
}

/// Run `call` (a database call doing `what`), giving up after `timeout`: every call this
/// crate makes goes through here or through [`Db::run`](crate::db::Db::run), which adds
/// metrics.
pub(crate) async fn within<T>(
    what: &'static str,
    timeout: Duration,
    call: impl std::future::Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, Error> {
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(sqlx(what, e)),
        Err(_) => Err(self::timeout(what, timeout)),
    }
}

/// The database did not answer `what` within `timeout`.
pub(crate) fn timeout(what: &'static str, timeout: Duration) -> Error {
    tracing::warn!(target: TARGET, operation = what, timeout_ms = timeout.as_millis() as u64, "postgres call timed out");
    Error::unavailable(format!(
        "postgres: {what} did not answer within {} ms",
        timeout.as_millis()
    ))
}

/// The database holds something this crate never writes.
pub(crate) fn corrupt(what: &'static str, detail: &str) -> Error {
    tracing::error!(target: TARGET, operation = what, detail, "unexpected data in postgres");
    Error::storage(format!("postgres: {what}: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_is_unavailable_and_the_rest_is_storage() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(
            sqlx("load", sqlx::Error::Io(io)).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(
            sqlx("load", sqlx::Error::PoolTimedOut).kind(),
            ErrorKind::Unavailable
        );
        assert_eq!(
            sqlx("load", sqlx::Error::RowNotFound).kind(),
            ErrorKind::Storage
        );
        assert_eq!(
            timeout("load", Duration::from_millis(5)).kind(),
            ErrorKind::Unavailable
        );
    }
}
