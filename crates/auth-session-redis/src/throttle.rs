//! [`RedisThrottle`]: login-throttle counts on Redis, shared by every instance; each step is
//! one Lua script on one key, judged by the Redis server's clock.

use crate::config::RedisConfig;
use crate::conn::{Backend, RedisConnection};
use crate::connect;
use crate::keys::Keys;
use crate::scripts;
use async_trait::async_trait;
use auth_core::Error;
use auth_core::throttle::{ThrottleKey, ThrottlePolicy, ThrottleStore, Verdict};
use std::fmt;
use std::time::Duration;

/// The longest duration passed to the script (a century, in ms): beyond it `PEXPIRE` would
/// overflow, and no throttle needs more.
const LONGEST_MS: i64 = 100 * 365 * 24 * 3600 * 1000;

/// A [`ThrottleStore`] on Redis or Redis Cluster: instances on one Redis (same key prefix)
/// count failed logins together, so an attacker gains nothing by spreading guesses over them.
///
/// `{prefix}th:account:{<digest>}` / `{prefix}th:address:{<digest>}` is a HASH (`f` failures,
/// `u` locked until); the key name holds a SHA-256 digest of the username or address, never
/// the value in clear. Every step is one script ([`ThrottlePolicy::check`],
/// [`ThrottlePolicy::fail`] or [`ThrottlePolicy::release`], atomic: a check books its attempt
/// in the same step, so a burst on many instances gets the free attempts, no more) that reads the time
/// with Redis `TIME`, so instances with skewed clocks agree, and sets the key to expire when
/// the policy forgets it: nothing is left behind.
///
/// ```no_run
/// use auth_session_redis::{RedisConfig, RedisThrottle};
/// # async fn run() -> Result<(), auth_core::Error> {
/// let config = RedisConfig::new("redis://127.0.0.1:6379/").with_key_prefix("myapp:");
/// let throttle = RedisThrottle::connect(&config).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisThrottle {
    backend: Backend,
    keys: Keys,
}

impl RedisThrottle {
    /// Connect as `config` says (its clock is not used: the server's clock judges locks).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](auth_core::ErrorKind::Config) for a bad URL or prefix;
    /// [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) if Redis cannot be
    /// reached within the timeout.
    pub async fn connect(config: &RedisConfig) -> Result<Self, Error> {
        Ok(Self {
            keys: config.keys()?,
            backend: connect::backend(config).await?,
        })
    }

    /// Use a connection the application already has (shared with a
    /// [`RedisStore`](crate::RedisStore), for example).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](auth_core::ErrorKind::Config) for a bad prefix or timeout.
    pub fn with_connection(
        conn: impl Into<RedisConnection>,
        config: &RedisConfig,
    ) -> Result<Self, Error> {
        Ok(Self {
            backend: Backend::new(conn.into(), config.timeout()),
            keys: config.keys()?,
        })
    }

    async fn step(
        &self,
        what: &'static str,
        op: &str,
        key: &ThrottleKey,
        policy: &ThrottlePolicy,
    ) -> Result<Verdict, Error> {
        let mut inv = scripts::ScriptCall::new(&scripts::THROTTLE);
        inv.key(self.keys.throttle(key))
            .arg(op)
            .arg(policy.free_failures())
            .arg(ms(policy.base_delay()))
            .arg(ms(policy.max_delay()))
            .arg(ms(policy.forget_after()));
        let wait: i64 = self.backend.invoke(what, &inv).await?;
        Ok(match u64::try_from(wait) {
            Ok(w) if w > 0 => Verdict::RetryAfter(Duration::from_millis(w)),
            _ => Verdict::Allowed,
        })
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).map_or(LONGEST_MS, |m| m.min(LONGEST_MS))
}

impl fmt::Debug for RedisThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisThrottle")
            .field("prefix", &self.keys.prefix())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ThrottleStore for RedisThrottle {
    async fn check(&self, key: &ThrottleKey, policy: &ThrottlePolicy) -> Result<Verdict, Error> {
        self.step("throttle check", "check", key, policy).await
    }

    async fn record_failure(
        &self,
        key: &ThrottleKey,
        policy: &ThrottlePolicy,
    ) -> Result<Verdict, Error> {
        self.step("throttle failure", "fail", key, policy).await
    }

    async fn release(&self, key: &ThrottleKey, policy: &ThrottlePolicy) -> Result<(), Error> {
        self.step("throttle release", "release", key, policy)
            .await?;
        Ok(())
    }

    async fn reset(&self, key: &ThrottleKey) -> Result<(), Error> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.keys.throttle(key));
        self.backend.query::<i64>("throttle reset", &cmd).await?;
        Ok(())
    }
}
