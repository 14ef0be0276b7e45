//! Shared test support: the PostgreSQL under test (`DATABASE_URL`, read at run time), a fresh
//! schema per test that is dropped when the test ends, and stores on it.
//!
//! Nothing here skips: a test that cannot reach the database fails, saying so.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod proxy;

use auth_core::SessionStore as _;
use auth_core::conformance::Cleaned;
use auth_core::{Clock, SessionId, SessionKey, SystemClock};
use auth_session_postgres::{PostgresConfig, PostgresRefreshStore, PostgresStore};
use sqlx::Connection as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Why the service tests are ignored by a plain `cargo test`.
pub const NEEDS: &str = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)";

/// The database under test: `DATABASE_URL`, by default the local one CI starts.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1/test".into())
}

/// A schema name no other test (in this run or a concurrent one) uses.
pub fn unique_schema() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "t_{}_{nanos:x}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh session key.
pub fn new_key() -> SessionKey {
    SessionId::generate().unwrap().key()
}

/// A connection of the test's own, for looking at (or breaking) what the stores did.
pub async fn raw() -> sqlx::PgConnection {
    let url = database_url();
    sqlx::PgConnection::connect(&url).await.unwrap_or_else(|e| {
        panic!("cannot reach PostgreSQL at {url}: {e} (start it, or set DATABASE_URL)")
    })
}

/// Drops its schema (and everything in it) when dropped.
#[derive(Debug)]
pub struct DropSchema(pub String);

impl Drop for DropSchema {
    fn drop(&mut self) {
        let schema = self.0.clone();
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let mut conn = raw().await;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"
                )))
                .execute(&mut conn)
                .await
                .expect("drop the test schema");
            });
        })
        .join();
        if done.is_err() && !std::thread::panicking() {
            panic!("could not drop test schema {}", self.0);
        }
    }
}

/// A config on the test database under a fresh schema, and the guard that drops it.
pub fn config(clock: Arc<dyn Clock>) -> (PostgresConfig, DropSchema) {
    let schema = unique_schema();
    let config = PostgresConfig::new(database_url())
        .with_schema(schema.clone())
        .with_clock(clock);
    (config, DropSchema(schema))
}

/// Connect, failing loudly when the database is not there.
pub async fn connect_store(config: &PostgresConfig) -> PostgresStore {
    PostgresStore::connect(config).await.unwrap_or_else(|e| {
        panic!(
            "cannot reach PostgreSQL at {}: {e} (start it, or set DATABASE_URL)",
            database_url()
        )
    })
}

/// A session store on a fresh schema, dropped with the store.
pub async fn store(clock: Arc<dyn Clock>) -> CleanStore {
    let (config, schema) = config(clock);
    Cleaned {
        store: connect_store(&config).await,
        cleanup: schema,
    }
}

/// [`store`] with the local session cache off.
pub async fn uncached_store(clock: Arc<dyn Clock>) -> CleanStore {
    let (config, schema) = config(clock);
    Cleaned {
        store: connect_store(&config.without_local_cache()).await,
        cleanup: schema,
    }
}

/// A [`PostgresStore`] whose schema is dropped when it is dropped.
pub type CleanStore = Cleaned<PostgresStore, DropSchema>;

/// A refresh store on a fresh schema (system clock: the contract's checks pass their own
/// times), dropped with the store.
pub async fn refresh_store() -> CleanRefreshStore {
    let (config, schema) = config(Arc::new(SystemClock));
    Cleaned {
        store: PostgresRefreshStore::connect(&config)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {}: {e}", database_url())),
        cleanup: schema,
    }
}

/// A [`PostgresRefreshStore`] whose schema is dropped when it is dropped.
pub type CleanRefreshStore = Cleaned<PostgresRefreshStore, DropSchema>;

/// Load `key` through `store` until its local cache holds it (a read that overlaps the
/// notification of the session's own creation is rightly not cached) and the entry outlives the
/// hints in flight; at most 3 s.
pub async fn warm(store: &PostgresStore, key: &SessionKey) {
    let start = std::time::Instant::now();
    loop {
        while store.load_ready(key).is_none() {
            assert!(
                store.load(key).await.unwrap().is_some(),
                "the session is live"
            );
            assert!(
                start.elapsed() < Duration::from_secs(3),
                "never cached (listening: {})",
                store.local_cache_active()
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        // A hint of an earlier change (the session's own creation) heard late drops the entry
        // again: warm means an entry that outlived the hints in flight.
        tokio::time::sleep(Duration::from_millis(150)).await;
        if store.load_ready(key).is_some() {
            return;
        }
    }
}

/// The `p`-th percentile of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A login role of the test's own, with rights on one schema's tables: a test can lock it out
/// and kill its connections (`pg_terminate_backend`) without touching anyone else's. Dropped
/// (connections, privileges and role) when dropped.
#[derive(Debug)]
pub struct Role {
    name: String,
}

impl Role {
    /// A role that may log in and use `schema` (which must exist).
    pub async fn create(schema: &str) -> Self {
        let name = format!("{schema}_role");
        let mut conn = raw().await;
        for statement in [
            format!("CREATE ROLE \"{name}\" LOGIN"),
            format!("GRANT USAGE ON SCHEMA \"{schema}\" TO \"{name}\""),
            format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\" TO \"{name}\""
            ),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        Self { name }
    }

    /// Where to connect as this role.
    pub fn connect_options(&self) -> sqlx::postgres::PgConnectOptions {
        database_url()
            .parse::<sqlx::postgres::PgConnectOptions>()
            .unwrap()
            .username(&self.name)
    }

    async fn run(&self, statement: String) {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut raw().await)
            .await
            .unwrap();
    }

    /// New connections as this role are refused from now on.
    pub async fn lock_out(&self) {
        self.run(format!("ALTER ROLE \"{}\" NOLOGIN", self.name))
            .await;
    }

    /// New connections as this role are accepted again.
    pub async fn let_in(&self) {
        self.run(format!("ALTER ROLE \"{}\" LOGIN", self.name))
            .await;
    }

    /// Kill every connection of this role; how many there were.
    pub async fn terminate_backends(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = $1",
        )
        .bind(&self.name)
        .fetch_one(&mut raw().await)
        .await
        .unwrap()
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let mut conn = raw().await;
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "ALTER ROLE \"{name}\" NOLOGIN"
                )))
                .execute(&mut conn)
                .await;
                let _ = sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1",
                )
                .bind(&name)
                .execute(&mut conn)
                .await;
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP OWNED BY \"{name}\"")))
                    .execute(&mut conn)
                    .await;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP ROLE IF EXISTS \"{name}\""
                )))
                .execute(&mut conn)
                .await
                .expect("drop the test role");
            });
        })
        .join();
    }
}
