//! Where the examples keep their state, chosen in one place: PostgreSQL when `DATABASE_URL`
//! is set, else Redis when `REDIS_URL` is set, else this process's memory.
//!
//! On PostgreSQL or Redis, instances of one example share sessions, refresh families,
//! failed-login counts and revocations (a logout on one is refused on the others within
//! milliseconds); in memory each process has its own.
//!
//! `REVOCATIONS_PER_SUBJECT` (a whole number above zero) sets how many session revocations
//! of one user the list keeps before it collapses them into one "everything before now"
//! watermark (default 1,000). The soak run sets it out of reach: its two accounts log out
//! hundreds of times a minute, and a collapse would end the other clients' live tokens,
//! which it counts as unexpected (collapses have tests of their own).

use auth_tower::MemoryStore;
use auth_tower::auth_core::{DEFAULT_REVOCATION_HORIZON, DEFAULT_SESSIONS_PER_SUBJECT};
use auth_tower::auth_jwt::{MemoryRefreshStore, RefreshStore};
use auth_tower::store::{Revocations, SessionStore};
use auth_tower::throttle::{MemoryThrottle, ThrottleStore};
use std::sync::Arc;
use std::time::Duration;

/// Which store the environment asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// This process only.
    Memory,
    /// The Redis at this URL.
    Redis(String),
    /// The PostgreSQL database at this URL.
    Postgres(String),
}

impl Backend {
    /// `DATABASE_URL` (PostgreSQL), else `REDIS_URL`, else memory. Read at run time.
    pub fn from_env() -> Self {
        match (std::env::var("DATABASE_URL"), std::env::var("REDIS_URL")) {
            (Ok(url), _) => Self::Postgres(url),
            (_, Ok(url)) => Self::Redis(url),
            _ => Self::Memory,
        }
    }

    /// Where the state is, for the example's first log line.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Memory => "in memory (set DATABASE_URL for PostgreSQL or REDIS_URL for Redis)",
            Self::Redis(_) => "in Redis (REDIS_URL)",
            Self::Postgres(_) => "in PostgreSQL (DATABASE_URL)",
        }
    }

    /// Every store, on this backend: Redis keys under `name` as a prefix (`name:`, with `-`
    /// for `_`), PostgreSQL tables in the schema `name`.
    ///
    /// # Errors
    /// If the URL or name is refused or the service cannot be reached.
    pub async fn connect(&self, name: &str) -> Result<Backends, auth_tower::Error> {
        self.connect_with_horizon(name, DEFAULT_REVOCATION_HORIZON)
            .await
    }

    /// [`connect`](Self::connect), with a revocation list that remembers session and subject
    /// revocations for `horizon` (the default is 30 days): at least the lifetime of the
    /// longest-lived credential it guards (see
    /// [`Lifetimes::revocation_horizon`](crate::lifetimes::Lifetimes::revocation_horizon)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use auth_tower::store::Revocations;
    /// use examples::backend::Backend;
    /// use std::time::Duration;
    /// let stores = Backend::Memory
    ///     .connect_with_horizon("doc", Duration::from_secs(20))
    ///     .await
    ///     .unwrap();
    /// assert_eq!(stores.revocations.horizon(), Duration::from_secs(20));
    /// # }
    /// ```
    ///
    /// # Errors
    /// If the URL or name is refused or the service cannot be reached.
    pub async fn connect_with_horizon(
        &self,
        name: &str,
        horizon: Duration,
    ) -> Result<Backends, auth_tower::Error> {
        match self {
            Self::Memory => Ok(Backends::memory_on(horizon)),
            Self::Redis(url) => {
                let prefix = format!("{}:", name.replace('_', "-"));
                Backends::redis_on(url, &prefix, horizon).await
            }
            Self::Postgres(url) => Backends::postgres_on(url, name, horizon).await,
        }
    }
}

/// `REVOCATIONS_PER_SUBJECT` if set to a whole number above zero, else the default (an
/// unreadable value is logged and ignored: it only moves a bound).
fn revocations_per_subject() -> usize {
    let Ok(value) = std::env::var("REVOCATIONS_PER_SUBJECT") else {
        return DEFAULT_SESSIONS_PER_SUBJECT;
    };
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => {
            tracing::warn!(
                value,
                "REVOCATIONS_PER_SUBJECT is not a whole number above zero; using the default"
            );
            DEFAULT_SESSIONS_PER_SUBJECT
        }
    }
}

/// Every store the examples use, on one backend. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Backends {
    /// Failed-login counts of the form login and the token endpoints' login.
    pub throttle: Arc<dyn ThrottleStore>,
    /// Cookie sessions.
    pub sessions: Arc<dyn SessionStore>,
    /// The one revocation list of sessions and tokens.
    pub revocations: Arc<dyn Revocations>,
    /// Refresh-token families.
    pub refresh: Arc<dyn RefreshStore>,
}

impl Backends {
    /// Everything in this process.
    pub fn memory() -> Self {
        Self::memory_on(DEFAULT_REVOCATION_HORIZON)
    }

    fn memory_on(horizon: Duration) -> Self {
        let store = MemoryStore::builder()
            .with_revocation_horizon(horizon)
            .with_revocations_per_subject(revocations_per_subject())
            .build();
        Self {
            throttle: Arc::new(MemoryThrottle::new()),
            sessions: Arc::new(store.clone()),
            revocations: Arc::new(store),
            refresh: Arc::new(MemoryRefreshStore::new()),
        }
    }

    /// Everything in the Redis at `url`, under `prefix`.
    ///
    /// # Errors
    /// If the URL or prefix is refused or Redis cannot be reached.
    pub async fn redis(url: &str, prefix: &str) -> Result<Self, auth_tower::Error> {
        Self::redis_on(url, prefix, DEFAULT_REVOCATION_HORIZON).await
    }

    async fn redis_on(
        url: &str,
        prefix: &str,
        horizon: Duration,
    ) -> Result<Self, auth_tower::Error> {
        use auth_tower::auth_session_redis::{
            RedisConfig, RedisRefreshStore, RedisRevocations, RedisStore, RedisThrottle,
        };
        let config = RedisConfig::new(url)
            .with_key_prefix(prefix)
            .with_revocation_horizon(horizon)
            .with_revocations_per_subject(revocations_per_subject());
        Ok(Self {
            throttle: Arc::new(RedisThrottle::connect(&config).await?),
            sessions: Arc::new(RedisStore::connect(&config).await?),
            revocations: Arc::new(RedisRevocations::connect(&config).await?),
            refresh: Arc::new(RedisRefreshStore::connect(&config).await?),
        })
    }

    /// Everything in the PostgreSQL database at `url`, in `schema` (created, with its tables,
    /// on first use), on one pool.
    ///
    /// # Errors
    /// If the URL or schema is refused or the database cannot be reached.
    pub async fn postgres(url: &str, schema: &str) -> Result<Self, auth_tower::Error> {
        Self::postgres_on(url, schema, DEFAULT_REVOCATION_HORIZON).await
    }

    async fn postgres_on(
        url: &str,
        schema: &str,
        horizon: Duration,
    ) -> Result<Self, auth_tower::Error> {
        use auth_tower::auth_session_postgres::{
            PostgresConfig, PostgresRefreshStore, PostgresRevocations, PostgresStore,
            PostgresThrottle,
        };
        let config = PostgresConfig::new(url)
            .with_schema(schema)
            .with_revocation_horizon(horizon)
            .with_revocations_per_subject(revocations_per_subject());
        Ok(Self {
            sessions: Arc::new(PostgresStore::connect(&config).await?),
            throttle: Arc::new(PostgresThrottle::connect(&config).await?),
            revocations: Arc::new(PostgresRevocations::connect(&config).await?),
            refresh: Arc::new(PostgresRefreshStore::connect(&config).await?),
        })
    }
}
