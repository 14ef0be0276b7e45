//! [`PostgresStore`]: the [`SessionStore`] on PostgreSQL.
//!
//! Every operation but rotation is one statement (`sql.rs`), so it is atomic by itself; a
//! rotation is one transaction (take the old row, create the new one, or roll back). Rows are
//! read into records and parameters built in `row.rs`. Loads go through the local session
//! cache (`crate::cache`) when it is on, and every write drops its keys from it.

mod row;
mod sql;

use crate::cache::{Forget, LocalCache, Written};
use crate::cleanup::Janitor;
use crate::config::PostgresConfig;
use crate::connect::connect;
use crate::db::Db;
use crate::schema::Schema;
use async_trait::async_trait;
use auth_core::{
    Clock, Error, ErrorKind, SaveOutcome, SessionChanges, SessionEntry, SessionKey, SessionRecord,
    SessionStore,
};
use row::millis;
use sql::Statements;
use std::fmt;
use std::sync::Arc;

/// A [`SessionStore`] on PostgreSQL: one row per session in `{schema}.sessions`.
///
/// - A save is one `UPDATE` of only what changed (values merged into and removed from a jsonb
///   object, the identity, the login device, the touch), with a version bump and an optional compare-and-set, on
///   a live row only: two requests changing different values both land, and a save after a
///   logout finds nothing and writes nothing.
/// - A rotation creates the new row and deletes the old one in one transaction (never an
///   `UPDATE` of the key); if the new key is taken, the old session is left untouched.
/// - The subject is an indexed column, so "your devices" and "log out everywhere" never see a
///   stale index entry.
/// - Expiry is checked on every read by the configured clock; expired rows are deleted in the
///   background in batches ([`PostgresConfig::with_cleanup_interval`]).
///
/// Cheap to clone (clones share the pool and the cleanup task, which stops with the last
/// clone). Every call fails with [`ErrorKind::Unavailable`] within the configured timeout
/// when the database cannot be reached, and works again as soon as it can.
///
/// # Local session cache
/// On by default: [`load`](SessionStore::load) answers warm sessions from an in-process cache
/// that every committed change to the table invalidates (`LISTEN`/`NOTIFY`), and that is
/// flushed and bypassed whenever its listener cannot vouch for it; what it guarantees is in
/// the [crate docs](crate#local-session-cache). Turn it off with
/// [`PostgresConfig::without_local_cache`].
///
/// ```no_run
/// use auth_session_postgres::{PostgresConfig, PostgresStore};
/// # async fn run() -> Result<(), auth_core::Error> {
/// let config = PostgresConfig::new("postgres://app@127.0.0.1/app");
/// let store = PostgresStore::connect(&config).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    schema: Schema,
    sql: Statements,
    clock: Arc<dyn Clock>,
    cache: Option<LocalCache>,
    _janitor: Option<Janitor>,
}

impl PostgresStore {
    /// Connect as `config` says (running the migrations unless told not to) and start the
    /// cleanup task on the current Tokio runtime.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a bad URL, schema or timeout, or missing tables with
    /// [`PostgresConfig::without_migrations`]; [`ErrorKind::Unavailable`] if the database
    /// cannot be reached within the timeout. If the local cache's listener cannot be set up,
    /// that is logged and retried in the background (reads go to the table meanwhile).
    pub async fn connect(config: &PostgresConfig) -> Result<Self, Error> {
        let (db, schema) = connect(config).await?;
        let sql = Statements::new(&schema.sessions);
        let clock = config.clock();
        let janitor = config.cleanup_every().map(|every| {
            Janitor::spawn(
                db.clone(),
                "delete expired sessions",
                sql.cleanup.clone(),
                clock.clone(),
                every,
            )
        });
        let cache = match config.local_cache() {
            Some(size) => Some(LocalCache::start(config, size, &schema).await?),
            None => None,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                schema,
                sql,
                clock,
                cache,
                _janitor: janitor,
            }),
        })
    }

    /// The schema that holds the table.
    pub fn schema(&self) -> &str {
        self.inner.schema.name()
    }

    /// Whether the local session cache is serving hits now (it is on and its listener is
    /// confirmed).
    ///
    /// ```no_run
    /// use auth_session_postgres::{PostgresConfig, PostgresStore};
    /// # async fn run() -> Result<(), auth_core::Error> {
    /// let store = PostgresStore::connect(&PostgresConfig::new("postgres://app@127.0.0.1/app")).await?;
    /// println!("cache serving: {}", store.local_cache_active());
    /// # Ok(()) }
    /// ```
    pub fn local_cache_active(&self) -> bool {
        self.inner.cache.as_ref().is_some_and(LocalCache::is_active)
    }

    fn now(&self) -> i64 {
        millis(self.inner.clock.now())
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.inner.schema.name())
            .field("clock", &self.inner.clock)
            .field("local_cache", &self.inner.cache.is_some())
            .finish_non_exhaustive()
    }
}

fn collision() -> Error {
    Error::new(
        ErrorKind::Collision,
        "a session already exists under that key",
    )
}

/// What the rotation transaction found.
enum Rotated {
    Missing,
    Collision,
    Done(Box<SessionRecord>),
}

#[async_trait]
impl SessionStore for PostgresStore {
    async fn create(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), Error> {
        // A create may replace an expired session that is still cached.
        let _forget = Forget::new(self.inner.cache.as_ref(), Written::Key(key));
        let s = &self.inner;
        let (identity, subject) = row::identity(record)?;
        let created =
            s.db.run(
                "create session",
                sqlx::query(s.sql.create.clone())
                    .bind(key.as_bytes().as_slice())
                    .bind(subject)
                    .bind(identity)
                    .bind(row::values(&record.values)?)
                    .bind(millis(record.created_at))
                    .bind(millis(record.last_seen_at))
                    .bind(millis(record.idle_expires_at))
                    .bind(millis(record.absolute_expires_at))
                    .bind(row::to_db_version(record.version))
                    .bind(self.now())
                    .bind(row::device(record.device.as_ref())?)
                    .fetch_optional(s.db.pool()),
            )
            .await?;
        created.map(|_| ()).ok_or_else(collision)
    }

    async fn load(&self, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
        let s = &self.inner;
        let now = s.clock.now();
        let pending = match &s.cache {
            Some(cache) => {
                if let Some(record) = cache.get(key, now) {
                    // A hit does no I/O, so it would never yield: let the listener's task
                    // (which applies invalidations) run between hits on a busy runtime.
                    tokio::task::consume_budget().await;
                    return Ok(Some(SessionRecord::clone(&record)));
                }
                Some(cache.begin_read(key))
            }
            None => None,
        };
        let found =
            s.db.run(
                "load session",
                sqlx::query(s.sql.load.clone())
                    .bind(key.as_bytes().as_slice())
                    .bind(millis(now))
                    .fetch_optional(s.db.pool()),
            )
            .await?;
        let Some(found) = found else {
            return Ok(None);
        };
        let (record, size) = row::record_sized(&found, 0)?;
        if let (Some(cache), Some(pending)) = (&s.cache, pending) {
            cache.insert(pending, *key, &record, size);
        }
        Ok(Some(record))
    }

    /// A cache hit, shared and without a future (the session layer asks this first); a miss,
    /// or a cache that is off or not listening, is `None`: then `load` asks the database.
    fn load_ready(&self, key: &SessionKey) -> Option<Result<Option<Arc<SessionRecord>>, Error>> {
        let s = &self.inner;
        let hit = s.cache.as_ref()?.peek(key, s.clock.now())?;
        Some(Ok(Some(hit)))
    }

    async fn save(&self, key: &SessionKey, changes: &SessionChanges) -> Result<SaveOutcome, Error> {
        let _forget = Forget::new(self.inner.cache.as_ref(), Written::Key(key));
        let s = &self.inner;
        let now = self.now();
        let (identity_changes, identity, subject) = row::identity_change(changes)?;
        let removed: Vec<&str> = changes.removed.iter().map(String::as_str).collect();
        let saved: Option<i64> =
            s.db.run(
                "save session",
                sqlx::query_scalar(s.sql.save.clone())
                    .bind(key.as_bytes().as_slice())
                    .bind(removed)
                    .bind(row::values(&changes.set)?)
                    .bind(identity_changes)
                    .bind(identity)
                    .bind(subject)
                    .bind(changes.touch.map(|t| millis(t.last_seen_at)))
                    .bind(changes.touch.map(|t| millis(t.idle_expires_at)))
                    .bind(now)
                    .bind(changes.expected_version.map(row::to_db_version))
                    .bind(row::device(changes.device.as_ref())?)
                    .fetch_optional(s.db.pool()),
            )
            .await?;
        if let Some(version) = saved {
            return Ok(SaveOutcome::Saved {
                version: row::from_db_version(version),
            });
        }
        if changes.expected_version.is_none() {
            return Ok(SaveOutcome::Missing);
        }
        // Nothing written: gone, or at another version. Which one is only a report (the write
        // itself was decided atomically above), so a second read is fine.
        let current: Option<i64> =
            s.db.run(
                "read session version",
                sqlx::query_scalar(s.sql.version.clone())
                    .bind(key.as_bytes().as_slice())
                    .bind(now)
                    .fetch_optional(s.db.pool()),
            )
            .await?;
        Ok(match current {
            Some(v) => SaveOutcome::Conflict {
                current_version: row::from_db_version(v),
            },
            None => SaveOutcome::Missing,
        })
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        let _forget = Forget::new(self.inner.cache.as_ref(), Written::Key(key));
        let s = &self.inner;
        let live: Option<bool> =
            s.db.run(
                "delete session",
                sqlx::query_scalar(s.sql.delete.clone())
                    .bind(key.as_bytes().as_slice())
                    .bind(self.now())
                    .fetch_optional(s.db.pool()),
            )
            .await?;
        Ok(live.unwrap_or(false))
    }

    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<SessionRecord>, Error> {
        if old == new {
            // Never a move onto itself: a live session is a collision, like any taken key.
            return match self.load(old).await? {
                Some(_) => Err(collision()),
                None => Ok(None),
            };
        }
        let _forget_old = Forget::new(self.inner.cache.as_ref(), Written::Key(old));
        let _forget_new = Forget::new(self.inner.cache.as_ref(), Written::Key(new));
        let s = &self.inner;
        let now = self.now();
        let outcome =
            s.db.run("rotate session", async {
                let mut tx = s.db.pool().begin().await?;
                let taken = sqlx::query(s.sql.take.clone())
                    .bind(old.as_bytes().as_slice())
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(taken) = taken else {
                    return Ok(Ok(Rotated::Missing));
                };
                let mut record = match row::record(&taken, 0) {
                    Ok(r) => r,
                    Err(e) => return Ok(Err(e)),
                };
                // The reference semantics of a save (auth_core), on the taken record.
                changes.apply_to(&mut record);
                let params = match (
                    row::identity(&record),
                    row::values(&record.values),
                    row::device(record.device.as_ref()),
                ) {
                    (Ok(identity), Ok(values), Ok(device)) => (identity, values, device),
                    (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return Ok(Err(e)),
                };
                let ((identity, subject), values, device) = params;
                let created = sqlx::query(s.sql.create.clone())
                    .bind(new.as_bytes().as_slice())
                    .bind(subject)
                    .bind(identity)
                    .bind(values)
                    .bind(millis(record.created_at))
                    .bind(millis(record.last_seen_at))
                    .bind(millis(record.idle_expires_at))
                    .bind(millis(record.absolute_expires_at))
                    .bind(row::to_db_version(record.version))
                    .bind(now)
                    .bind(device)
                    .fetch_optional(&mut *tx)
                    .await?;
                if created.is_none() {
                    // Dropping the transaction rolls it back: the old session stays.
                    return Ok(Ok(Rotated::Collision));
                }
                tx.commit().await?;
                Ok(Ok(Rotated::Done(Box::new(record))))
            })
            .await??;
        match outcome {
            Rotated::Missing => Ok(None),
            Rotated::Collision => Err(collision()),
            Rotated::Done(record) => Ok(Some(*record)),
        }
    }

    async fn delete_subject(&self, subject: &str) -> Result<u64, Error> {
        let _forget = Forget::new(self.inner.cache.as_ref(), Written::Subject(subject));
        let s = &self.inner;
        let now = self.now();
        let mut deleted = 0;
        loop {
            let batch: Vec<bool> =
                s.db.run(
                    "delete subject sessions",
                    sqlx::query_scalar(s.sql.delete_subject_batch.clone())
                        .bind(subject)
                        .bind(now)
                        .fetch_all(s.db.pool()),
                )
                .await?;
            deleted += batch.iter().filter(|live| **live).count() as u64;
            if (batch.len() as i64) < sql::BATCH {
                return Ok(deleted);
            }
        }
    }

    async fn list_subject(&self, subject: &str) -> Result<Vec<SessionEntry>, Error> {
        let s = &self.inner;
        let rows =
            s.db.run(
                "list subject sessions",
                sqlx::query(s.sql.list_subject.clone())
                    .bind(subject)
                    .bind(self.now())
                    .fetch_all(s.db.pool()),
            )
            .await?;
        rows.iter()
            .map(|r| Ok(SessionEntry::new(row::key(r, 0)?, row::record(r, 1)?)))
            .collect()
    }
}
