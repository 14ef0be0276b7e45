//! [`PostgresRefreshStore`]: refresh-token families on PostgreSQL, one row each; a rotation is
//! one transaction that locks the family's row, so it is atomic across instances.

use crate::cleanup::{self, Janitor};
use crate::config::PostgresConfig;
use crate::connect::connect;
use crate::db::Db;
use crate::error;
use crate::schema::{DB_NOW_MS, Schema, sql};
use async_trait::async_trait;
use auth_core::refresh::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use auth_core::{Error, ErrorKind, Timestamp};
use sqlx::Row as _;
use sqlx::SqlStr;
use sqlx::postgres::PgRow;
use std::fmt;
use std::sync::Arc;

/// A [`RefreshStore`] on PostgreSQL: `{schema}.refresh_families` holds one row per family
/// (the record as JSON, the live generation, when it became live, when it and the family
/// expire, and how often the previous token was presented again since, so the grace-window
/// repeat limit holds across instances).
///
/// Expiry is judged by the times in each request; a family is only deleted for having expired
/// once the database's clock agrees, so an instance whose clock runs ahead cannot erase a
/// family that is live for the others. Expired families are deleted in the background
/// ([`PostgresConfig::with_cleanup_interval`]).
///
/// ```no_run
/// use auth_session_postgres::{PostgresConfig, PostgresRefreshStore};
/// # async fn run() -> Result<(), auth_core::Error> {
/// let refresh = PostgresRefreshStore::connect(&PostgresConfig::new("postgres://127.0.0.1/app")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresRefreshStore {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    schema: Schema,
    sql: Statements,
    _janitor: Option<Janitor>,
}

struct Statements {
    create: SqlStr,
    lock: SqlStr,
    rotate: SqlStr,
    repeat: SqlStr,
    forget: SqlStr,
    drop: SqlStr,
    delete: SqlStr,
}

impl Statements {
    fn new(table: &str) -> Self {
        Self {
            // $1 family, $2 record, $3 first token's expiry, $4 family end. Never over a
            // family that is live by the database's clock.
            create: sql!(
                "INSERT INTO {table} AS f (family, record, generation, rotated_at, \
                 live_expires_at, expires_at, repeats) VALUES ($1, $2, 0, 0, $3, $4, 0) \
                 ON CONFLICT (family) DO UPDATE SET record = EXCLUDED.record, generation = 0, \
                 rotated_at = 0, live_expires_at = EXCLUDED.live_expires_at, \
                 expires_at = EXCLUDED.expires_at, repeats = 0 \
                 WHERE f.expires_at <= {DB_NOW_MS} RETURNING 1"
            ),
            lock: sql!(
                "SELECT record, generation, rotated_at, live_expires_at, expires_at, repeats \
                 FROM {table} WHERE family = $1 FOR UPDATE"
            ),
            // $1 family, $2 new generation, $3 now, $4 live expiry.
            rotate: sql!(
                "UPDATE {table} SET generation = $2, rotated_at = $3, live_expires_at = $4, \
                 repeats = 0 WHERE family = $1"
            ),
            repeat: sql!(
                "UPDATE {table} SET repeats = repeats + 1 WHERE family = $1 RETURNING repeats"
            ),
            // $1 family, $2 the time it expired at: deleted only if the database agrees.
            forget: sql!("DELETE FROM {table} WHERE family = $1 AND $2 <= {DB_NOW_MS}"),
            drop: sql!("DELETE FROM {table} WHERE family = $1"),
            delete: sql!(
                "DELETE FROM {table} WHERE family = $1 \
                 RETURNING CASE WHEN expires_at > {DB_NOW_MS} THEN record END"
            ),
        }
    }

    fn cleanup(table: &str) -> SqlStr {
        sql!(
            "DELETE FROM {table} WHERE family IN (SELECT family FROM {table} \
             WHERE expires_at <= LEAST($1, {DB_NOW_MS}) ORDER BY expires_at \
             LIMIT {} FOR UPDATE SKIP LOCKED)",
            cleanup::BATCH
        )
    }
}

/// A family's row, as locked by a rotation.
struct Family {
    record: String,
    generation: u64,
    rotated_at: i64,
    live_expires_at: i64,
    expires_at: i64,
    repeats: u32,
}

impl Family {
    fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            record: row.try_get(0)?,
            generation: u64::try_from(row.try_get::<i64, _>(1)?).unwrap_or(u64::MAX),
            rotated_at: row.try_get(2)?,
            live_expires_at: row.try_get(3)?,
            expires_at: row.try_get(4)?,
            repeats: u32::try_from(row.try_get::<i32, _>(5)?).unwrap_or(0),
        })
    }
}

/// What a rotation decided, before the record is decoded.
enum Decision {
    NotFound,
    Rotated(String, u64, i64),
    Repeated(String, u64, i64, u32),
    Reused(String),
}

impl PostgresRefreshStore {
    /// Connect as `config` says (see [`PostgresStore::connect`](crate::PostgresStore::connect))
    /// and start the cleanup task on the current Tokio runtime.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a bad URL, schema or timeout, or missing tables;
    /// [`ErrorKind::Unavailable`] if the database cannot be reached within the timeout.
    pub async fn connect(config: &PostgresConfig) -> Result<Self, Error> {
        let (db, schema) = connect(config).await?;
        let janitor = config.cleanup_every().map(|every| {
            Janitor::spawn(
                db.clone(),
                "delete expired refresh families",
                Statements::cleanup(&schema.families),
                config.clock(),
                every,
            )
        });
        Ok(Self {
            inner: Arc::new(Inner {
                sql: Statements::new(&schema.families),
                db,
                schema,
                _janitor: janitor,
            }),
        })
    }

    async fn decide(&self, request: &RotateRequest) -> Result<Decision, Error> {
        let s = &self.inner;
        let family = request.family.as_bytes().as_slice();
        let now = request.now.as_unix_millis();
        let g = request.generation;
        s.db.run("refresh rotate", async {
            let mut tx = s.db.pool().begin().await?;
            let Some(row) = sqlx::query(s.sql.lock.clone())
                .bind(family)
                .fetch_optional(&mut *tx)
                .await?
            else {
                return Ok(Decision::NotFound);
            };
            let f = Family::from_row(&row)?;
            let forget = |at: i64| sqlx::query(s.sql.forget.clone()).bind(family).bind(at);
            let decision = if now >= f.expires_at {
                forget(f.expires_at).execute(&mut *tx).await?;
                Decision::NotFound
            } else if g == f.generation {
                if now >= f.live_expires_at {
                    forget(f.live_expires_at).execute(&mut *tx).await?;
                    Decision::NotFound
                } else {
                    let live = request.next_expires_at.as_unix_millis().min(f.expires_at);
                    let next = f.generation.saturating_add(1);
                    sqlx::query(s.sql.rotate.clone())
                        .bind(family)
                        .bind(i64::try_from(next).unwrap_or(i64::MAX))
                        .bind(now)
                        .bind(live)
                        .execute(&mut *tx)
                        .await?;
                    Decision::Rotated(f.record, next, live)
                }
            } else if g.saturating_add(1) == f.generation
                && now.saturating_sub(f.rotated_at) <= millis(request.grace)
                && f.repeats < request.max_repeats
            {
                let repeats: i32 = sqlx::query_scalar(s.sql.repeat.clone())
                    .bind(family)
                    .fetch_one(&mut *tx)
                    .await?;
                let repeats = u32::try_from(repeats).unwrap_or(u32::MAX);
                Decision::Repeated(f.record, f.generation, f.live_expires_at, repeats)
            } else if g < f.generation {
                sqlx::query(s.sql.drop.clone())
                    .bind(family)
                    .execute(&mut *tx)
                    .await?;
                Decision::Reused(f.record)
            } else {
                Decision::NotFound
            };
            tx.commit().await?;
            Ok(decision)
        })
        .await
    }
}

fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn record_from(json: &str) -> Result<FamilyRecord, Error> {
    serde_json::from_str(json)
        .map_err(|_| error::corrupt("refresh family", "record is not valid JSON"))
}

impl fmt::Debug for PostgresRefreshStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresRefreshStore")
            .field("schema", &self.inner.schema.name())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl RefreshStore for PostgresRefreshStore {
    async fn create(
        &self,
        family: &FamilyId,
        record: &FamilyRecord,
        first_expires_at: Timestamp,
    ) -> Result<(), Error> {
        let s = &self.inner;
        let created =
            s.db.run(
                "refresh create",
                sqlx::query(s.sql.create.clone())
                    .bind(family.as_bytes().as_slice())
                    .bind(serde_json::to_string(record)?)
                    .bind(first_expires_at.min(record.expires_at).as_unix_millis())
                    .bind(record.expires_at.as_unix_millis())
                    .fetch_optional(s.db.pool()),
            )
            .await?;
        match created {
            Some(_) => Ok(()),
            None => Err(Error::new(
                ErrorKind::Collision,
                "a refresh family already exists under that id",
            )),
        }
    }

    async fn rotate(&self, request: &RotateRequest) -> Result<Rotation, Error> {
        let at = Timestamp::from_unix_millis;
        Ok(match self.decide(request).await? {
            Decision::NotFound => Rotation::NotFound,
            Decision::Rotated(record, generation, live) => Rotation::Rotated {
                record: record_from(&record)?,
                generation,
                expires_at: at(live),
            },
            Decision::Repeated(record, generation, live, repeats) => Rotation::Repeated {
                record: record_from(&record)?,
                generation,
                expires_at: at(live),
                repeats,
            },
            Decision::Reused(record) => Rotation::Reused {
                record: record_from(&record)?,
            },
        })
    }

    async fn delete(&self, family: &FamilyId) -> Result<Option<FamilyRecord>, Error> {
        let s = &self.inner;
        let deleted: Option<Option<String>> =
            s.db.run(
                "refresh delete",
                sqlx::query_scalar(s.sql.delete.clone())
                    .bind(family.as_bytes().as_slice())
                    .fetch_optional(s.db.pool()),
            )
            .await?;
        deleted.flatten().as_deref().map(record_from).transpose()
    }
}
