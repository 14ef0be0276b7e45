//! [`PostgresThrottle`]: login-throttle counts on PostgreSQL, shared by every instance; each
//! step is one transaction on the key's row, judged by the database's clock.

use crate::cleanup::{self, Janitor};
use crate::config::PostgresConfig;
use crate::connect::connect;
use crate::db::Db;
use crate::schema::{DB_NOW_MS, Schema, sql};
use async_trait::async_trait;
use auth_core::throttle::{ThrottleKey, ThrottlePolicy, ThrottleState, ThrottleStore, Verdict};
use auth_core::{Error, Timestamp};
use sqlx::SqlStr;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A [`ThrottleStore`] on PostgreSQL: instances on one database (same schema) count failed
/// logins together, so an attacker gains nothing by spreading guesses over them.
///
/// `{schema}.login_throttle` holds one row per key (`account:<digest>` or `address:<digest>`:
/// a SHA-256 digest, never a username or an address in clear) with the failure count, the
/// lock's end and when the row may be forgotten. Every step locks the key's row and applies
/// [`ThrottlePolicy::check`], [`ThrottlePolicy::fail`] or [`ThrottlePolicy::release`] (the one
/// algorithm, in Rust) with the database's clock, in one transaction: a check books its
/// attempt before the row is unlocked, so a burst spread over instances gets the free
/// attempts and no more, and instances with skewed clocks agree. Forgotten rows are deleted in the background
/// ([`PostgresConfig::with_cleanup_interval`]).
///
/// ```no_run
/// use auth_session_postgres::{PostgresConfig, PostgresThrottle};
/// # async fn run() -> Result<(), auth_core::Error> {
/// let throttle = PostgresThrottle::connect(&PostgresConfig::new("postgres://127.0.0.1/app")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresThrottle {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    schema: Schema,
    sql: Statements,
    _janitor: Option<Janitor>,
}

struct Statements {
    /// Make sure the row exists, so that it can be locked (concurrent first failures queue).
    ensure: SqlStr,
    /// The lock's end, read without locking the row: a check on a locked key is refused
    /// from it (a refusal writes nothing), so a burst queues on the row lock only until the
    /// key locks.
    peek: SqlStr,
    lock: SqlStr,
    store: SqlStr,
    forget: SqlStr,
}

impl Statements {
    fn new(table: &str) -> Self {
        Self {
            ensure: sql!(
                "INSERT INTO {table} (key, failures, locked_until, expires_at) \
                 VALUES ($1, 0, 0, 0) ON CONFLICT (key) DO NOTHING"
            ),
            peek: sql!(
                "SELECT locked_until - {DB_NOW_MS} FROM {table} \
                 WHERE key = $1 AND expires_at > {DB_NOW_MS}"
            ),
            lock: sql!(
                "SELECT failures, locked_until, expires_at, {DB_NOW_MS} \
                 FROM {table} WHERE key = $1 FOR UPDATE"
            ),
            store: sql!(
                "UPDATE {table} SET failures = $2, locked_until = $3, expires_at = $4 \
                 WHERE key = $1"
            ),
            forget: sql!("DELETE FROM {table} WHERE key = $1"),
        }
    }

    fn cleanup(table: &str) -> SqlStr {
        // The store's clock plays no part in throttling: $1 is bound but only the database's
        // clock decides (LEAST with it would let a slow instance keep rows, nothing worse).
        sql!(
            "DELETE FROM {table} WHERE key IN (SELECT key FROM {table} \
             WHERE expires_at <= LEAST($1, {DB_NOW_MS}) ORDER BY expires_at \
             LIMIT {} FOR UPDATE SKIP LOCKED)",
            cleanup::BATCH
        )
    }
}

#[derive(Clone, Copy)]
enum Step {
    Check,
    Fail,
    Release,
}

/// How many times a step looks for its row again when a concurrent step deleted it between
/// the insert and the lock (a reset, or a release of the last booking).
const ROW_TRIES: usize = 5;

impl PostgresThrottle {
    /// Connect as `config` says (its clock is not used: the database's clock judges locks)
    /// and start the cleanup task on the current Tokio runtime.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](auth_core::ErrorKind::Config) for a bad URL, schema or timeout, or
    /// missing tables; [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) if the
    /// database cannot be reached within the timeout.
    pub async fn connect(config: &PostgresConfig) -> Result<Self, Error> {
        let (db, schema) = connect(config).await?;
        let janitor = config.cleanup_every().map(|every| {
            Janitor::spawn(
                db.clone(),
                "delete forgotten throttle counts",
                Statements::cleanup(&schema.throttle),
                config.clock(),
                every,
            )
        });
        Ok(Self {
            inner: Arc::new(Inner {
                sql: Statements::new(&schema.throttle),
                db,
                schema,
                _janitor: janitor,
            }),
        })
    }

    async fn step(
        &self,
        what: &'static str,
        step: Step,
        key: &ThrottleKey,
        policy: &ThrottlePolicy,
    ) -> Result<Verdict, Error> {
        let s = &self.inner;
        let key = format!("{}:{}", key.kind().as_str(), key.to_hex());
        s.db.run(what, async {
            if let Step::Check = step {
                let wait: Option<(i64,)> = sqlx::query_as(s.sql.peek.clone())
                    .bind(&key)
                    .fetch_optional(s.db.pool())
                    .await?;
                if let Some(wait) = wait.and_then(|(ms,)| u64::try_from(ms).ok())
                    && wait > 0
                {
                    return Ok(Verdict::RetryAfter(Duration::from_millis(wait)));
                }
            }
            let mut tx = s.db.pool().begin().await?;
            let mut row = None;
            for _ in 0..ROW_TRIES {
                sqlx::query(s.sql.ensure.clone())
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
                // `None`: deleted by a concurrent step after our insert (each statement sees
                // the latest commit), so insert it again.
                row = sqlx::query_as(s.sql.lock.clone())
                    .bind(&key)
                    .fetch_optional(&mut *tx)
                    .await?;
                if row.is_some() {
                    break;
                }
            }
            let (failures, locked_until, expires_at, now): (i64, i64, i64, i64) =
                row.ok_or(sqlx::Error::RowNotFound)?;
            // A row past its expiry is forgotten: the count starts again from zero.
            let forgotten = expires_at <= now;
            let stored = if forgotten {
                ThrottleState::default()
            } else {
                ThrottleState {
                    failures: u32::try_from(failures).unwrap_or(u32::MAX),
                    locked_until: Timestamp::from_unix_millis(locked_until),
                }
            };
            let now = Timestamp::from_unix_millis(now);
            let mut state = stored;
            let verdict = match step {
                Step::Check => policy.check(&mut state, now),
                Step::Fail => policy.fail(&mut state, now),
                Step::Release => {
                    policy.release(&mut state);
                    Verdict::Allowed
                }
            };
            if state == ThrottleState::default() {
                // Nothing to remember (everything released, or a failure on a reset key):
                // leave no row behind.
                sqlx::query(s.sql.forget.clone())
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
            } else if state != stored || forgotten {
                sqlx::query(s.sql.store.clone())
                    .bind(&key)
                    .bind(i64::from(state.failures))
                    .bind(state.locked_until.as_unix_millis())
                    .bind(policy.expires_at(&state, now).as_unix_millis())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(verdict)
        })
        .await
    }
}

impl fmt::Debug for PostgresThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresThrottle")
            .field("schema", &self.inner.schema.name())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ThrottleStore for PostgresThrottle {
    async fn check(&self, key: &ThrottleKey, policy: &ThrottlePolicy) -> Result<Verdict, Error> {
        self.step("throttle check", Step::Check, key, policy).await
    }

    async fn record_failure(
        &self,
        key: &ThrottleKey,
        policy: &ThrottlePolicy,
    ) -> Result<Verdict, Error> {
        self.step("throttle failure", Step::Fail, key, policy).await
    }

    async fn release(&self, key: &ThrottleKey, policy: &ThrottlePolicy) -> Result<(), Error> {
        self.step("throttle release", Step::Release, key, policy)
            .await?;
        Ok(())
    }

    async fn reset(&self, key: &ThrottleKey) -> Result<(), Error> {
        let s = &self.inner;
        let key = format!("{}:{}", key.kind().as_str(), key.to_hex());
        s.db.run(
            "throttle reset",
            sqlx::query(s.sql.forget.clone())
                .bind(key)
                .execute(s.db.pool()),
        )
        .await?;
        Ok(())
    }
}
