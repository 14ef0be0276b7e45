//! [`PostgresConfig`]: where the database is and how to use it, shared by every store. Plain
//! data and the checks that need no network; connecting is `crate::connect`'s job.

use crate::schema::Schema;
use auth_core::local_cache::LocalCacheConfig;
use auth_core::revocation_feed::FeedSettings;
use auth_core::{Clock, Error, SystemClock};
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The per-call timeout used when none is configured.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
/// How often expired rows are deleted, by default.
const DEFAULT_CLEANUP_INTERVAL: Duration = Duration::from_secs(60);
/// Pool size when the config opens the pool itself, by default.
const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// Where PostgreSQL is and how to use it: a URL or a pool the application already has, the
/// schema, the per-call timeout, the clock, the revocation horizon and staleness bound, the
/// size of [`PostgresStore`](crate::PostgresStore)'s local session cache (on by default:
/// [`with_local_cache`](Self::with_local_cache), [`without_local_cache`](Self::without_local_cache)),
/// and whether to run the migrations and the cleanup.
///
/// Every store connected from one config (or a clone of it) shares one connection pool, and
/// the migrations run once, on the first `connect`.
///
/// ```
/// use auth_session_postgres::PostgresConfig;
/// use std::time::Duration;
/// let config = PostgresConfig::new("postgres://app@db.internal/app")
///     .with_schema("myapp_auth")
///     .with_timeout(Duration::from_millis(500));
/// assert_eq!(config.schema(), "myapp_auth");
/// ```
#[derive(Clone)]
#[must_use]
pub struct PostgresConfig {
    target: Target,
    schema: String,
    timeout: Duration,
    max_connections: u32,
    clock: Arc<dyn Clock>,
    revocations: FeedSettings,
    migrate: bool,
    cleanup_every: Option<Duration>,
    local_cache: Option<LocalCacheConfig>,
    /// The pool, opened (and migrated) by the first `connect` of this config or a clone.
    shared: Arc<OnceCell<PgPool>>,
}

#[derive(Clone)]
enum Target {
    Url(String),
    Pool(PgPool),
}

impl PostgresConfig {
    /// The database at `url` (`postgres://user:password@host:5432/database?sslmode=...`);
    /// checked when connecting. The config opens a pool of up to 10 connections
    /// ([`with_max_connections`](Self::with_max_connections)).
    pub fn new(url: impl Into<String>) -> Self {
        Self::with_target(Target::Url(url.into()))
    }

    /// Use a pool the application already has (its size, TLS and connection settings are
    /// kept; the timeout here still bounds every call).
    ///
    /// ```no_run
    /// use auth_session_postgres::{PostgresConfig, PostgresStore};
    /// # async fn run(pool: sqlx::PgPool) -> Result<(), auth_core::Error> {
    /// let store = PostgresStore::connect(&PostgresConfig::from_pool(pool)).await?;
    /// # Ok(()) }
    /// ```
    pub fn from_pool(pool: PgPool) -> Self {
        Self::with_target(Target::Pool(pool))
    }

    fn with_target(target: Target) -> Self {
        Self {
            target,
            schema: Schema::DEFAULT.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            clock: Arc::new(SystemClock),
            revocations: FeedSettings::default(),
            migrate: true,
            cleanup_every: Some(DEFAULT_CLEANUP_INTERVAL),
            local_cache: Some(LocalCacheConfig::default()),
            shared: Arc::new(OnceCell::new()),
        }
    }

    /// The schema that holds the tables (default `auth_tower`; created if missing when the
    /// migrations run). Lower-case letters, digits and `_`, starting with a letter or `_`, at
    /// most 40 characters. Two deployments in one database with different schemas share
    /// nothing, not even their revocation channel.
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self.shared = Arc::new(OnceCell::new());
        self
    }

    /// How long one call may take, waiting for a connection included, before it fails with
    /// [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) (default 1 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.shared = Arc::new(OnceCell::new());
        self
    }

    /// The size of the pool this config opens from a URL (default 10; ignored with
    /// [`from_pool`](Self::from_pool)). The revocation feed has two connections of its own.
    pub fn with_max_connections(mut self, max: u32) -> Self {
        self.max_connections = max;
        self.shared = Arc::new(OnceCell::new());
        self
    }

    /// The clock that judges session and refresh-token expiry (default: the system clock).
    /// Pruning shared state never goes past the database's own clock (`now()`).
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Do not run the embedded migrations on `connect`: the application applies them with its
    /// own tool ([`migrator`](crate::migrator) gives them). `connect` then only checks that
    /// the tables are there.
    pub fn without_migrations(mut self) -> Self {
        self.migrate = false;
        self.shared = Arc::new(OnceCell::new());
        self
    }

    /// How often each store deletes its expired rows, in batches of 1000 (default 60 s).
    pub fn with_cleanup_interval(mut self, every: Duration) -> Self {
        self.cleanup_every = Some(every);
        self
    }

    /// Never delete expired rows from this process (another instance, or a job of the
    /// application's, does it). Expired rows are never served either way.
    pub fn without_cleanup(mut self) -> Self {
        self.cleanup_every = None;
        self
    }

    /// Size [`PostgresStore`](crate::PostgresStore)'s local session cache (it is on by
    /// default, with [`LocalCacheConfig::default`]: 10 000 sessions, 16 MiB). See
    /// [`PostgresStore`](crate::PostgresStore#local-session-cache) for what it guarantees.
    ///
    /// ```
    /// use auth_session_postgres::{LocalCacheConfig, PostgresConfig};
    /// let config = PostgresConfig::new("postgres://localhost/app")
    ///     .with_local_cache(LocalCacheConfig::new().with_max_entries(100_000));
    /// assert_eq!(config.local_cache().map(|c| c.max_entries()), Some(100_000));
    /// ```
    pub fn with_local_cache(mut self, cache: LocalCacheConfig) -> Self {
        self.local_cache = Some(cache);
        self
    }

    /// Turn [`PostgresStore`](crate::PostgresStore)'s local session cache off: every `load`
    /// asks the database, and the store keeps no listening connection.
    ///
    /// ```
    /// use auth_session_postgres::PostgresConfig;
    /// let config = PostgresConfig::new("postgres://localhost/app").without_local_cache();
    /// assert!(config.local_cache().is_none());
    /// ```
    pub fn without_local_cache(mut self) -> Self {
        self.local_cache = None;
        self
    }

    /// The local session cache's size, or `None` when it is off.
    pub fn local_cache(&self) -> Option<&LocalCacheConfig> {
        self.local_cache.as_ref()
    }

    /// The schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    auth_core::revocation_config_methods!(
        krate = "auth_session_postgres",
        config = "PostgresConfig",
        list = "PostgresRevocations",
        new = "PostgresConfig::new(\"postgres://localhost/app\")",
    );

    /// The revocation list's settings, as [`RevocationFeed`](auth_core::revocation_feed::RevocationFeed) takes them.
    pub(crate) fn revocation_settings(&self) -> &FeedSettings {
        &self.revocations
    }

    /// The per-call timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub(crate) fn cleanup_every(&self) -> Option<Duration> {
        self.cleanup_every
    }

    /// Everything that can be checked without a network.
    pub(crate) fn validate(&self) -> Result<Schema, Error> {
        if self.timeout.is_zero() {
            return Err(Error::config(
                "the PostgreSQL call timeout must be above zero",
            ));
        }
        if self.max_connections == 0 {
            return Err(Error::config("the pool needs at least one connection"));
        }
        if self.cleanup_every.is_some_and(|d| d.is_zero()) {
            return Err(Error::config("the cleanup interval must be above zero"));
        }
        if let Some(cache) = &self.local_cache {
            cache.validate()?;
        }
        Schema::new(&self.schema)
    }

    pub(crate) fn connect_options(&self) -> Result<PgConnectOptions, Error> {
        match &self.target {
            Target::Url(url) => {
                // sqlx reads any scheme as PostgreSQL and fills the rest from the environment;
                // a URL meant for something else is a mistake worth refusing.
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err(Error::config(
                        "a PostgreSQL URL starts with postgres:// or postgresql://",
                    ));
                }
                url.parse::<PgConnectOptions>()
                    .map_err(|e| Error::config("invalid PostgreSQL URL").with_source(e))
            }
            Target::Pool(pool) => Ok((*pool.connect_options()).clone()),
        }
    }

    /// Whether `connect` runs the migrations (or only checks for the tables).
    pub(crate) fn migrates(&self) -> bool {
        self.migrate
    }

    /// The application's own pool, when the config was made [`from_pool`](Self::from_pool).
    pub(crate) fn app_pool(&self) -> Option<&PgPool> {
        match &self.target {
            Target::Url(_) => None,
            Target::Pool(pool) => Some(pool),
        }
    }

    /// How many connections a pool the config opens itself may hold.
    pub(crate) fn max_connections(&self) -> u32 {
        self.max_connections
    }

    /// The pool every store connected from this config (or a clone) shares, once opened.
    pub(crate) fn shared_pool(&self) -> &OnceCell<PgPool> {
        &self.shared
    }
}

impl fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A URL may carry a password: show only where the target comes from.
        let target = match &self.target {
            Target::Url(_) => "url",
            Target::Pool(_) => "pool",
        };
        f.debug_struct("PostgresConfig")
            .field("target", &target)
            .field("schema", &self.schema)
            .field("timeout", &self.timeout)
            .field("clock", &self.clock)
            .field("migrate", &self.migrate)
            .field("cleanup_every", &self.cleanup_every)
            .field("local_cache", &self.local_cache)
            .finish_non_exhaustive()
    }
}
