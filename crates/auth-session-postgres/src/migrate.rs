//! The embedded migrations, run on `connect` inside the configured schema.
//!
//! The SQL in `migrations/` names its tables without a schema; it runs with `search_path` set
//! to the configured schema on one connection (reset before the connection goes back to the
//! pool), so sqlx's own `_sqlx_migrations` table lands in that schema too and never mixes with
//! the application's migration history.

use crate::db::Db;
use crate::error;
use crate::schema::{Schema, sql};
use auth_core::Error;
use sqlx::Connection as _;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::time::Duration;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Migrating may wait for other instances migrating the same database: it gets longer than
/// one call.
const MIGRATION_DEADLINE: Duration = Duration::from_secs(30);

/// The embedded migrations, for applications that apply them with their own tool (see
/// [`PostgresConfig::without_migrations`](crate::PostgresConfig::without_migrations)).
///
/// Each [`Migration`](sqlx::migrate::Migration) has its `version`, `description` and `sql`.
/// The SQL names tables without a schema: apply it with `search_path` set to the schema the
/// stores are configured with (default `auth_tower`), or run it with sqlx directly:
///
/// ```no_run
/// # async fn run(pool: sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
/// let mut conn = pool.acquire().await?;
/// sqlx::query("CREATE SCHEMA IF NOT EXISTS auth_tower").execute(&mut *conn).await?;
/// sqlx::query("SET search_path TO auth_tower").execute(&mut *conn).await?;
/// auth_session_postgres::migrator().run(&mut *conn).await?;
/// sqlx::query("RESET search_path").execute(&mut *conn).await?;
/// # Ok(()) }
/// ```
pub fn migrator() -> &'static Migrator {
    &MIGRATOR
}

/// Create the schema if needed and apply every pending migration in it, on a connection of
/// its own (closed afterwards, so neither its `search_path` nor a lock it holds when a timeout
/// cuts it short outlives it).
pub(crate) async fn run(
    options: &PgConnectOptions,
    timeout: Duration,
    schema: &Schema,
) -> Result<(), Error> {
    let name = schema.name();
    let mut conn = error::within("connect", timeout, PgConnection::connect_with(options)).await?;
    let migrate = async {
        // One instance at a time per schema: CREATE SCHEMA IF NOT EXISTS is not safe against
        // a concurrent one. sqlx's migrator takes a database-wide lock of its own after this.
        sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
            .bind(format!("auth_tower_migrations:{name}"))
            .execute(&mut conn)
            .await?;
        sqlx::query(sql!("CREATE SCHEMA IF NOT EXISTS \"{name}\""))
            .execute(&mut conn)
            .await?;
        sqlx::query(sql!("SET search_path TO \"{name}\""))
            .execute(&mut conn)
            .await?;
        MIGRATOR
            .run(&mut conn)
            .await
            .map_err(|e| sqlx::Error::Migrate(Box::new(e)))?;
        conn.close().await
    };
    error::within("migrate", MIGRATION_DEADLINE, migrate).await?;
    tracing::debug!(target: error::TARGET, schema = name, "migrations applied");
    Ok(())
}

/// With migrations left to the application: check that its tool has created the tables, and
/// the columns later migrations added.
pub(crate) async fn check(db: &Db, schema: &Schema) -> Result<(), Error> {
    let tables = [
        &schema.sessions,
        &schema.families,
        &schema.revocations,
        &schema.throttle,
    ];
    let missing: Vec<String> = db
        .run(
            "check tables",
            sqlx::query_scalar(
                "SELECT t FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NULL",
            )
            .bind(tables.map(String::as_str).to_vec())
            .fetch_all(db.pool()),
        )
        .await?;
    if !missing.is_empty() {
        return Err(Error::config(format!(
            "missing tables {missing:?}: apply auth_session_postgres::migrator() in schema {:?}, or let connect run it",
            schema.name()
        )));
    }
    // Columns later migrations added: an application that applied only the earlier ones
    // hears it here, once, rather than as a failure of every session query.
    let missing: Vec<String> = db
        .run(
            "check columns",
            sqlx::query_scalar(
                "SELECT c FROM unnest($2::text[]) AS c WHERE NOT EXISTS (SELECT 1 FROM pg_attribute \
                 WHERE attrelid = to_regclass($1) AND attname = c AND NOT attisdropped)",
            )
            .bind(schema.sessions.as_str())
            .bind(vec!["device"])
            .fetch_all(db.pool()),
        )
        .await?;
    if !missing.is_empty() {
        return Err(Error::config(format!(
            "table {} lacks columns {missing:?}: apply the newer migrations of auth_session_postgres::migrator() in schema {:?}",
            schema.sessions,
            schema.name()
        )));
    }
    // Without its trigger no change would reach the local caches: they would serve stale
    // sessions. Refuse to start rather than find out in production.
    let triggers: i64 = db
        .run(
            "check triggers",
            sqlx::query_scalar(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass($1) \
                 AND tgname IN ('sessions_notify', 'sessions_notify_truncate')",
            )
            .bind(schema.sessions.as_str())
            .fetch_one(db.pool()),
        )
        .await?;
    if triggers == 2 {
        return Ok(());
    }
    Err(Error::config(format!(
        "table {} lacks its change-notification triggers: apply the newer migrations of auth_session_postgres::migrator() in schema {:?}",
        schema.sessions,
        schema.name()
    )))
}
