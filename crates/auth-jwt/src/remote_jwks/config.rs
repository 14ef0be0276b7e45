//! [`RemoteJwksConfig`]: limits and timings of a [`RemoteJwks`](super::RemoteJwks).

use crate::algorithm::Algorithm;
use crate::error::Error;
use crate::keys::MAX_JWKS_KEYS;
use auth_core::{Clock, SystemClock};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Limits and timings for a [`RemoteJwks`](super::RemoteJwks): start from `default()` and
/// change what you need; checked when the `RemoteJwks` is built.
///
/// ```
/// use std::time::Duration;
/// let config = auth_jwt::RemoteJwksConfig::default()
///     .with_unknown_kid_cooldown(Duration::from_secs(60))
///     .with_stale_if_error(Duration::from_secs(2 * 3600));
/// # let _ = config;
/// ```
#[derive(Clone)]
#[must_use]
pub struct RemoteJwksConfig {
    /// Connect and whole-request timeout (default 5 s).
    pub(crate) timeout: Duration,
    /// Lifetime of a response without `Cache-Control: max-age` (default 5 min).
    pub(crate) default_ttl: Duration,
    /// Shortest lifetime honoured, whatever the server says (default 1 min).
    pub(crate) min_ttl: Duration,
    /// Longest lifetime honoured (default 24 h).
    pub(crate) max_ttl: Duration,
    /// How long past their lifetime the last good keys keep being used while fetches fail
    /// (default 1 h); after that verification fails closed.
    pub(crate) stale_if_error: Duration,
    /// At most one refetch per this interval for unknown `kid`s (default 30 s).
    pub(crate) unknown_kid_cooldown: Duration,
    /// First retry delay after a failed background fetch, doubling up to 5 min (default 10 s).
    pub(crate) retry_interval: Duration,
    /// Largest response accepted (default 256 KiB).
    pub(crate) max_response_bytes: usize,
    /// Most keys in a document (default 64).
    pub(crate) max_keys: usize,
    /// The algorithm pinned to RSA keys that carry no `alg` (default RS256; `None` skips them).
    pub(crate) default_rsa_algorithm: Option<Algorithm>,
    /// The clock for lifetimes and cooldowns (default: the system clock).
    pub(crate) clock: Arc<dyn Clock>,
    /// The application's HTTP client, if it gave one.
    pub(crate) http_client: Option<reqwest::Client>,
}

impl Default for RemoteJwksConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            default_ttl: Duration::from_secs(300),
            min_ttl: Duration::from_secs(60),
            max_ttl: Duration::from_secs(24 * 3600),
            stale_if_error: Duration::from_secs(3600),
            unknown_kid_cooldown: Duration::from_secs(30),
            retry_interval: Duration::from_secs(10),
            max_response_bytes: 256 * 1024,
            max_keys: 64,
            default_rsa_algorithm: Some(Algorithm::RS256),
            clock: Arc::new(SystemClock),
            http_client: None,
        }
    }
}

impl RemoteJwksConfig {
    /// Connect and whole-request timeout of each fetch (default 5 s).
    pub fn with_timeout(mut self, value: Duration) -> Self {
        self.timeout = value;
        self
    }

    /// Lifetime of a response without `Cache-Control: max-age` (default 5 min).
    pub fn with_default_ttl(mut self, value: Duration) -> Self {
        self.default_ttl = value;
        self
    }

    /// Shortest lifetime honoured, whatever the server says (default 1 min).
    pub fn with_min_ttl(mut self, value: Duration) -> Self {
        self.min_ttl = value;
        self
    }

    /// Longest lifetime honoured (default 24 h).
    pub fn with_max_ttl(mut self, value: Duration) -> Self {
        self.max_ttl = value;
        self
    }

    /// How long past their lifetime the last good keys keep being used while fetches fail
    /// (default 1 h); after that verification fails closed.
    pub fn with_stale_if_error(mut self, value: Duration) -> Self {
        self.stale_if_error = value;
        self
    }

    /// At most one refetch per this interval for unknown `kid`s (default 30 s).
    pub fn with_unknown_kid_cooldown(mut self, value: Duration) -> Self {
        self.unknown_kid_cooldown = value;
        self
    }

    /// First retry delay after a failed background fetch, doubling up to 5 min (default 10 s).
    pub fn with_retry_interval(mut self, value: Duration) -> Self {
        self.retry_interval = value;
        self
    }

    /// Largest response accepted (default 256 KiB).
    pub fn with_max_response_bytes(mut self, value: usize) -> Self {
        self.max_response_bytes = value;
        self
    }

    /// Most keys in a document (default 64).
    pub fn with_max_keys(mut self, value: usize) -> Self {
        self.max_keys = value;
        self
    }

    /// The algorithm pinned to RSA keys that carry no `alg` (default RS256; `None` skips them).
    /// A key has one algorithm: a provider that signs with PS256 and publishes its keys
    /// without `alg` needs `PS256` here, or its tokens are refused as signed with the wrong
    /// algorithm. Only an RSA algorithm is accepted.
    ///
    /// ```
    /// use auth_jwt::{Algorithm, RemoteJwksConfig};
    /// let config = RemoteJwksConfig::default().with_default_rsa_algorithm(Algorithm::PS256);
    /// # let _ = config;
    /// ```
    pub fn with_default_rsa_algorithm(mut self, value: impl Into<Option<Algorithm>>) -> Self {
        self.default_rsa_algorithm = value.into();
        self
    }

    /// The clock for lifetimes and cooldowns (default: the system clock).
    pub fn with_clock(mut self, value: impl Clock) -> Self {
        self.clock = Arc::new(value);
        self
    }

    /// Fetch with this client (proxies, a corporate CA, native roots, your TLS stack) instead
    /// of ours. Its own settings are used as they are: give it a redirect policy you trust
    /// (ours follows redirects only within an origin). The timeout, size and key-count limits
    /// here still apply to every fetch. Without feature `remote-jwks-rustls`, fetching over
    /// `https` needs a client from here.
    ///
    /// ```no_run
    /// // (Not run here: with feature remote-jwks-rustls, reqwest's own TLS has no crypto
    /// // provider until the application installs one, which is the point of passing a client.)
    /// let client = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .build()
    ///     .expect("client");
    /// let config = auth_jwt::RemoteJwksConfig::default().with_http_client(client);
    /// # let _ = config;
    /// ```
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    pub(super) fn validate(&self) -> Result<(), Error> {
        if self.timeout.is_zero() || self.retry_interval.is_zero() {
            return Err(Error::config(
                "JWKS timeouts and retry intervals must not be zero",
            ));
        }
        if self.min_ttl < Duration::from_secs(1) || self.min_ttl > self.max_ttl {
            return Err(Error::config(
                "JWKS lifetimes need 1 s <= min_ttl <= max_ttl",
            ));
        }
        if self.max_keys == 0 || self.max_keys > MAX_JWKS_KEYS {
            return Err(Error::config(format!(
                "max_keys must be 1 to {MAX_JWKS_KEYS}"
            )));
        }
        if self
            .default_rsa_algorithm
            .is_some_and(|alg| alg.family() != crate::algorithm::Family::Rsa)
        {
            return Err(Error::config(
                "the algorithm for RSA keys without `alg` must be RS256 or PS256",
            ));
        }
        if self.max_response_bytes < 1024 {
            return Err(Error::config("max_response_bytes under 1 KiB is refused"));
        }
        Ok(())
    }
}

impl fmt::Debug for RemoteJwksConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJwksConfig")
            .field("timeout", &self.timeout)
            .field("default_ttl", &self.default_ttl)
            .field("min_ttl", &self.min_ttl)
            .field("max_ttl", &self.max_ttl)
            .field("stale_if_error", &self.stale_if_error)
            .field("unknown_kid_cooldown", &self.unknown_kid_cooldown)
            .field("retry_interval", &self.retry_interval)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_keys", &self.max_keys)
            .field("default_rsa_algorithm", &self.default_rsa_algorithm)
            .field("own_http_client", &self.http_client.is_some())
            .finish_non_exhaustive()
    }
}
