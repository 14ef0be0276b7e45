//! How long the `session` and `jwt-api` examples' credentials and failed-login counts live:
//! the library defaults, or whole seconds from the environment.
//!
//! | variable | what | default |
//! |---|---|---|
//! | `SESSION_IDLE_TIMEOUT_SECS` | a cookie session unused this long ends | 30 min |
//! | `SESSION_ABSOLUTE_TIMEOUT_SECS` | a cookie session ends this long after login, however active | 12 h |
//! | `ACCESS_TOKEN_TTL_SECS` | an access JWT's lifetime | 15 min |
//! | `REFRESH_FAMILY_LIFETIME_SECS` | a login's refresh-token family lives this long | 30 days |
//! | `LOGIN_THROTTLE_MAX_DELAY_SECS` | the longest lock after repeated failed logins | 15 min |
//! | `LOGIN_THROTTLE_FORGET_AFTER_SECS` | failed-login counts are forgotten this long after their lock ends | 1 h |
//!
//! Short values let you (and the soak run, `cargo run -p e2e --bin soak`) watch everything
//! expire within seconds: sessions, tokens, refresh families, revocations and throttle counts.
//! The revocation list remembers a logout as long as a revoked credential could otherwise live
//! ([`Lifetimes::revocation_horizon`]): the longest of the session absolute timeout, the
//! refresh-family lifetime, and an access token's lifetime plus five minutes (the largest clock
//! leeway a verifier may be given; refresh tokens refuse a list that forgets sooner).

use auth_tower::session::SessionLayerBuilder;
use auth_tower::throttle::ThrottlePolicy;
use std::fmt;
use std::time::Duration;

/// The session layer's default absolute timeout (12 h), which the revocation horizon must
/// cover when only the refresh-family lifetime is shortened.
const DEFAULT_SESSION_ABSOLUTE: Duration = Duration::from_secs(12 * 3600);
/// The default refresh-family lifetime (30 days).
const DEFAULT_REFRESH_FAMILY: Duration = Duration::from_secs(30 * 24 * 3600);
/// The default access-token lifetime (15 min).
const DEFAULT_ACCESS_TOKEN: Duration = Duration::from_secs(15 * 60);
/// The largest clock leeway a verifier may be configured with: an access token may verify
/// this long after its expiry, so its revocation must be remembered that long.
const MAX_VERIFIER_LEEWAY: Duration = Duration::from_secs(300);
/// The session layer's default touch interval; kept below a shortened idle timeout.
const DEFAULT_TOUCH_INTERVAL: Duration = Duration::from_secs(60);

/// The lifetimes set in the environment; `None` keeps the library's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lifetimes {
    /// `SESSION_IDLE_TIMEOUT_SECS`.
    pub session_idle: Option<Duration>,
    /// `SESSION_ABSOLUTE_TIMEOUT_SECS`.
    pub session_absolute: Option<Duration>,
    /// `ACCESS_TOKEN_TTL_SECS`.
    pub access_token: Option<Duration>,
    /// `REFRESH_FAMILY_LIFETIME_SECS`.
    pub refresh_family: Option<Duration>,
    /// `LOGIN_THROTTLE_MAX_DELAY_SECS`.
    pub throttle_max_delay: Option<Duration>,
    /// `LOGIN_THROTTLE_FORGET_AFTER_SECS`.
    pub throttle_forget_after: Option<Duration>,
}

/// An environment variable that is not a whole number of seconds above zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifetimeError {
    variable: &'static str,
    value: String,
}

impl fmt::Display for LifetimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} must be a whole number of seconds above zero, not {:?}",
            self.variable, self.value
        )
    }
}

impl std::error::Error for LifetimeError {}

impl Lifetimes {
    /// Read the variables in the table above; unset ones keep their defaults.
    ///
    /// # Errors
    /// A variable that is set but not a whole number of seconds above zero.
    pub fn from_env() -> Result<Self, LifetimeError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The same from any lookup (the environment, or a map in tests).
    ///
    /// ```
    /// use examples::lifetimes::Lifetimes;
    /// use std::time::Duration;
    /// let l = Lifetimes::from_lookup(|name| (name == "ACCESS_TOKEN_TTL_SECS").then(|| "5".into()))
    ///     .unwrap();
    /// assert_eq!(l.access_token, Some(Duration::from_secs(5)));
    /// assert_eq!(l.session_idle, None);
    /// assert!(Lifetimes::from_lookup(|_| Some("0".into())).is_err());
    /// ```
    ///
    /// # Errors
    /// A variable that is set but not a whole number of seconds above zero.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, LifetimeError> {
        let secs = |variable: &'static str| -> Result<Option<Duration>, LifetimeError> {
            let Some(value) = lookup(variable) else {
                return Ok(None);
            };
            match value.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(Some(Duration::from_secs(n))),
                _ => Err(LifetimeError { variable, value }),
            }
        };
        Ok(Self {
            session_idle: secs("SESSION_IDLE_TIMEOUT_SECS")?,
            session_absolute: secs("SESSION_ABSOLUTE_TIMEOUT_SECS")?,
            access_token: secs("ACCESS_TOKEN_TTL_SECS")?,
            refresh_family: secs("REFRESH_FAMILY_LIFETIME_SECS")?,
            throttle_max_delay: secs("LOGIN_THROTTLE_MAX_DELAY_SECS")?,
            throttle_forget_after: secs("LOGIN_THROTTLE_FORGET_AFTER_SECS")?,
        })
    }

    /// How long revocations must be remembered: the longest of the session absolute timeout,
    /// the refresh-family lifetime and the access-token lifetime plus the largest verifier
    /// leeway (five minutes), each at its default when unset.
    ///
    /// ```
    /// use examples::lifetimes::Lifetimes;
    /// use std::time::Duration;
    /// let short = Lifetimes {
    ///     session_absolute: Some(Duration::from_secs(15)),
    ///     access_token: Some(Duration::from_secs(5)),
    ///     refresh_family: Some(Duration::from_secs(20)),
    ///     ..Lifetimes::default()
    /// };
    /// assert_eq!(short.revocation_horizon(), Duration::from_secs(305));
    /// let long_family = Lifetimes { refresh_family: Some(Duration::from_secs(3600)), ..short };
    /// assert_eq!(long_family.revocation_horizon(), Duration::from_secs(3600));
    /// assert_eq!(Lifetimes::default().revocation_horizon(), Duration::from_secs(30 * 24 * 3600));
    /// ```
    pub fn revocation_horizon(&self) -> Duration {
        let access = self.access_token.unwrap_or(DEFAULT_ACCESS_TOKEN) + MAX_VERIFIER_LEEWAY;
        self.session_absolute
            .unwrap_or(DEFAULT_SESSION_ABSOLUTE)
            .max(self.refresh_family.unwrap_or(DEFAULT_REFRESH_FAMILY))
            .max(access)
    }

    /// `builder` with the session timeouts set here, and a touch interval kept below a short
    /// idle timeout (a quarter of it, at most the default minute).
    ///
    /// ```
    /// use auth_tower::{MemoryStore, SessionLayer};
    /// use examples::lifetimes::Lifetimes;
    /// use std::time::Duration;
    /// let l = Lifetimes { session_idle: Some(Duration::from_secs(5)), ..Lifetimes::default() };
    /// // The default touch interval (60 s) would be refused with a 5 s idle timeout.
    /// assert!(l.session_layer(SessionLayer::builder(MemoryStore::new())).build().is_ok());
    /// ```
    pub fn session_layer(&self, mut builder: SessionLayerBuilder) -> SessionLayerBuilder {
        if let Some(idle) = self.session_idle {
            builder = builder
                .with_idle_timeout(idle)
                .with_touch_interval((idle / 4).min(DEFAULT_TOUCH_INTERVAL));
        }
        if let Some(absolute) = self.session_absolute {
            builder = builder.with_absolute_timeout(absolute);
        }
        builder
    }

    /// `policy` with the throttle's longest lock and forget period set here.
    ///
    /// ```
    /// use auth_tower::throttle::ThrottlePolicy;
    /// use examples::lifetimes::Lifetimes;
    /// use std::time::Duration;
    /// let l = Lifetimes { throttle_max_delay: Some(Duration::from_secs(2)), ..Lifetimes::default() };
    /// assert_eq!(l.throttle(ThrottlePolicy::per_account()).max_delay(), Duration::from_secs(2));
    /// ```
    pub fn throttle(&self, mut policy: ThrottlePolicy) -> ThrottlePolicy {
        if let Some(d) = self.throttle_max_delay {
            policy = policy.with_max_delay(d);
        }
        if let Some(d) = self.throttle_forget_after {
            policy = policy.with_forget_after(d);
        }
        policy
    }
}
