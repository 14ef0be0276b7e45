//! [`RemoteJwks`]: verification keys of an external issuer, fetched from its JWKS URL.
//!
//! - Readers never wait: verification takes a lock-free snapshot of the current
//!   [`KeySet`](crate::KeySet).
//! - A background task refreshes ahead of expiry (at 80% of the lifetime from the response's
//!   `Cache-Control: max-age`, clamped to `[min_ttl, max_ttl]`).
//! - Fetch errors keep the last good keys until `stale_if_error` past their expiry, retrying
//!   with backoff; after that the keys are dropped and verification fails closed
//!   ([`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable), a 503).
//! - An unknown `kid` triggers at most one refetch per cooldown, with one fetch in flight;
//!   concurrent requests wait for that fetch instead of starting their own, and requests inside
//!   the cooldown do not wait at all, so an unknown-`kid` flood is not an outage.
//! - Responses are capped in size and key count; redirects are followed only within the
//!   origin; plain `http` only to loopback.

mod cache_control;
mod config;
mod discovery;
mod fetch;
mod task;

pub use config::RemoteJwksConfig;

use crate::error::{Error, ErrorKind};
use crate::keys::{JwkPolicy, KeySet, SharedKeySet};
use crate::verify::KeyRefresh;
use auth_core::Timestamp;
use discovery::{Discovery, Source};
use fetch::Document;
use reqwest::Client;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;

/// The keys of a remote JWKS, kept fresh in the background; cheap to clone. Build a verifier
/// on it with [`VerifierBuilder::with_remote_jwks`](crate::VerifierBuilder::with_remote_jwks).
///
/// The background task stops when the last clone (and the last verifier built on it) is
/// dropped.
#[derive(Clone)]
pub struct RemoteJwks {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    source: Source,
    /// The source's URL without user info or query ([`fetch::redacted`]): what logs and
    /// `Debug` show.
    shown_url: String,
    client: Client,
    config: RemoteJwksConfig,
    keys: SharedKeySet,
    state: Mutex<State>,
    /// Single flight: held for the duration of one fetch.
    fetch_lock: tokio::sync::Mutex<()>,
    /// Wakes the background task to stop.
    stop: Arc<Notify>,
}

/// Decides, with the state locked, whether a fetch should go ahead (and books it).
type Gate<'a> = dyn Fn(&mut State, Timestamp) -> bool + Sync + 'a;

#[derive(Debug, Default)]
struct State {
    /// Fetches completed (successful or not), to recognise a fetch that finished while waiting.
    fetches: u64,
    loaded: bool,
    refresh_at: Option<Timestamp>,
    stale_until: Option<Timestamp>,
    failures: u32,
    last_unknown_kid_fetch: Option<Timestamp>,
    successful_fetches: u64,
}

impl RemoteJwks {
    /// Start following the JWKS at `url`: the first fetch starts at once in the background.
    /// Must be called inside a tokio runtime.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for a URL that is not `https` (or `http`
    /// to loopback), an invalid configuration, or no tokio runtime.
    pub fn new(url: &str, config: RemoteJwksConfig) -> Result<Self, Error> {
        Self::start(Source::Jwks(fetch::parse_url(url)?), config)
    }

    /// Follow the keys of the issuer `issuer`: its metadata (`/.well-known/openid-configuration`,
    /// else RFC 8414's `/.well-known/oauth-authorization-server`) must name exactly this issuer,
    /// and its `jwks_uri` is then followed as [`new`](Self::new) does. Discovery runs in the
    /// background: an identity provider that is down at startup makes verification answer
    /// [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) (a 503) until it answers,
    /// never a failed start. Must be called inside a tokio runtime.
    ///
    /// `issuer` is compared as a string with the metadata's `issuer` and with every token's
    /// `iss`: write it exactly as the identity provider does (Auth0's ends with `/`, Keycloak's
    /// does not).
    ///
    /// ```no_run
    /// use auth_jwt::{RemoteJwks, RemoteJwksConfig};
    /// # #[tokio::main] async fn main() -> Result<(), auth_jwt::Error> {
    /// let keys = RemoteJwks::discover(
    ///     "https://idp.example/realms/acme",
    ///     RemoteJwksConfig::default(),
    /// )?;
    /// keys.refresh().await?; // optional: wait for the first keys
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for an issuer that is not an `https` URL
    /// (or `http` to loopback) without query or fragment, an invalid configuration, or no tokio
    /// runtime.
    pub fn discover(issuer: &str, config: RemoteJwksConfig) -> Result<Self, Error> {
        Self::start(Source::Issuer(Box::new(Discovery::new(issuer)?)), config)
    }

    fn start(source: Source, config: RemoteJwksConfig) -> Result<Self, Error> {
        config.validate()?;
        let client = fetch::client(source.first_url(), &config)?;
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::config("RemoteJwks must be started inside a tokio runtime"))?;
        let stop = Arc::new(Notify::new());
        let shared = Arc::new(Shared {
            shown_url: source.shown(),
            source,
            client,
            config,
            keys: SharedKeySet::new(KeySet::empty()),
            state: Mutex::new(State::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
            stop: stop.clone(),
        });
        runtime.spawn(task::run(Arc::downgrade(&shared), stop));
        Ok(Self { shared })
    }

    /// The issuer this key set was [discovered](Self::discover) for (`None` for a JWKS URL
    /// given as it is): a verifier refuses to use it for any other issuer.
    pub fn issuer(&self) -> Option<&str> {
        self.shared.source.issuer()
    }

    /// The current keys (a lock-free, swappable handle).
    pub fn keys(&self) -> SharedKeySet {
        self.shared.keys.clone()
    }

    /// Fetch now (joining a fetch already in flight), ignoring the cooldown; use it to wait for
    /// the first keys at startup.
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) if the endpoint cannot be
    /// reached or answers other than `200`; [`ErrorKind::InvalidKeySet`] for a document that is
    /// malformed, too large, has private members or no usable key. The last good keys stay.
    pub async fn refresh(&self) -> Result<(), Error> {
        self.shared.fetch_single_flight(None).await
    }

    /// Whether usable keys are loaded (false before the first successful fetch, and after the
    /// stale-if-error window ran out).
    pub fn is_available(&self) -> bool {
        self.shared.is_available()
    }

    /// How many fetches succeeded so far.
    pub fn successful_fetches(&self) -> u64 {
        self.shared.lock().successful_fetches
    }

    pub(crate) fn refresher(&self) -> Arc<dyn KeyRefresh> {
        self.shared.clone()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> Timestamp {
        self.config.clock.now()
    }

    fn is_available(&self) -> bool {
        let now = self.now();
        let state = self.lock();
        state.loaded && state.stale_until.is_some_and(|t| now < t)
    }

    /// One fetch at a time. A caller that waited while another fetch completed returns that
    /// fetch's outcome instead of fetching again. `gate` (for unknown kids) is checked once
    /// the lock is held: `false` skips the fetch.
    async fn fetch_single_flight(&self, gate: Option<&Gate<'_>>) -> Result<(), Error> {
        let seen = self.lock().fetches;
        let _flight = self.fetch_lock.lock().await;
        {
            let mut state = self.lock();
            if state.fetches != seen {
                return if state.failures == 0 {
                    Ok(())
                } else {
                    Err(Error::new(ErrorKind::Unavailable, "the JWKS fetch failed"))
                };
            }
            if let Some(gate) = gate
                && !gate(&mut state, self.now())
            {
                return Ok(());
            }
        }
        let result = self.fetch_and_store().await;
        self.record(&result);
        result.map(drop)
    }

    async fn fetch_and_store(&self) -> Result<Duration, Error> {
        let (timeout, max_bytes) = (self.config.timeout, self.config.max_response_bytes);
        let url = self
            .source
            .jwks_url(&self.client, timeout, max_bytes)
            .await?;
        let fetched = fetch::fetch(&self.client, &url, Document::Jwks, timeout, max_bytes)
            .await
            .inspect_err(|_| self.source.forget())?;
        let policy = JwkPolicy {
            allow_private: false,
            default_rsa_alg: self.config.default_rsa_algorithm,
        };
        let (set, skipped) =
            KeySet::from_foreign_jwks(&fetched.body, &policy, self.config.max_keys)?;
        if set.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidKeySet,
                "the JWKS has no usable signature key",
            ));
        }
        let ttl = fetched
            .max_age
            .unwrap_or(self.config.default_ttl)
            .clamp(self.config.min_ttl, self.config.max_ttl);
        tracing::info!(
            target: "auth_jwt::jwks",
            url = %fetch::redacted(&url),
            keys = set.len(),
            skipped,
            ttl_secs = ttl.as_secs(),
            "JWKS refreshed"
        );
        self.keys.replace(set);
        Ok(ttl)
    }

    /// Book-keeping after a fetch: schedule the next one.
    fn record(&self, result: &Result<Duration, Error>) {
        let now = self.now();
        let mut state = self.lock();
        state.fetches += 1;
        match result {
            Ok(ttl) => {
                state.loaded = true;
                state.failures = 0;
                state.successful_fetches += 1;
                // Refresh ahead: at 80% of the lifetime.
                let ahead = ttl.mul_f64(0.8).max(Duration::from_secs(1));
                state.refresh_at = Some(now.saturating_add(ahead));
                state.stale_until = Some(
                    now.saturating_add(*ttl)
                        .saturating_add(self.config.stale_if_error),
                );
            }
            Err(e) => {
                state.failures = state.failures.saturating_add(1);
                let backoff = self
                    .config
                    .retry_interval
                    .saturating_mul(1 << state.failures.min(8).saturating_sub(1))
                    .min(Duration::from_secs(300));
                state.refresh_at = Some(now.saturating_add(backoff));
                let (url, failures) = (&self.shown_url, state.failures);
                // Never claim keys that are not there: before the first good fetch (or after
                // the stale window) verification answers 503 until a fetch succeeds.
                let keys = if state.loaded {
                    "keeping the last good keys"
                } else {
                    "no keys loaded: tokens of this issuer get 503 until a fetch succeeds"
                };
                drop(state);
                if e.kind() == ErrorKind::Config {
                    // A fetch cannot fix this: the configuration must change.
                    tracing::error!(target: "auth_jwt::jwks", url = %url, error = %e, failures, "JWKS fetch refused by the configuration; {keys}");
                } else {
                    tracing::warn!(target: "auth_jwt::jwks", url = %url, error = %e, failures, "JWKS fetch failed; {keys}");
                }
            }
        }
    }

    /// How long the background task sleeps before its next look.
    fn next_wait(&self, now: Timestamp) -> Duration {
        let state = self.lock();
        let mut next = state.refresh_at.unwrap_or(now);
        if state.loaded
            && let Some(stale) = state.stale_until
        {
            next = next.min(stale);
        }
        next.duration_since(now)
    }

    /// Whether a scheduled refresh is due.
    fn refresh_due(&self, now: Timestamp) -> bool {
        self.lock().refresh_at.is_none_or(|t| now >= t)
    }

    /// Drop the keys once the stale-if-error window has run out (fail closed).
    fn expire_if_stale(&self, now: Timestamp) {
        let mut state = self.lock();
        if state.loaded && state.stale_until.is_some_and(|t| now >= t) {
            state.loaded = false;
            drop(state);
            tracing::error!(
                target: "auth_jwt::jwks",
                url = %self.shown_url,
                "JWKS keys expired past the stale-if-error window; verification fails closed"
            );
            self.keys.replace(KeySet::empty());
        }
    }
}

impl KeyRefresh for Shared {
    fn is_available(&self) -> bool {
        Shared::is_available(self)
    }

    fn refresh_for_unknown_kid(
        &self,
    ) -> Pin<Box<dyn Future<Output = Option<Duration>> + Send + '_>> {
        Box::pin(async move {
            let cooldown = self.config.unknown_kid_cooldown;
            // The rest of the cooldown, if one is running.
            let remaining = |state: &State, now: Timestamp| {
                state
                    .last_unknown_kid_fetch
                    .map(|t| t.saturating_add(cooldown))
                    .filter(|end| now < *end)
                    .map(|end| end.duration_since(now))
            };
            let running = remaining(&self.lock(), self.now());
            if let Some(wait) = running {
                // No new fetch; but if one is in flight (the one that started the cooldown),
                // wait for its keys rather than failing just before they arrive.
                if self.fetch_lock.try_lock().is_err() {
                    drop(self.fetch_lock.lock().await);
                    return None;
                }
                return Some(wait);
            }
            let gate = |state: &mut State, now: Timestamp| {
                if remaining(state, now).is_some() {
                    return false;
                }
                state.last_unknown_kid_fetch = Some(now);
                true
            };
            // Errors are logged by `record`; the caller's retry sees the keys as they are.
            let _ = self.fetch_single_flight(Some(&gate)).await;
            None
        })
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

impl fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJwks")
            .field("url", &self.shared.shown_url)
            .field("keys", &self.shared.keys)
            .field("available", &self.is_available())
            .finish()
    }
}
