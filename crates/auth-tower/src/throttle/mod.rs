//! [`LoginThrottle`]: brute-force protection for logins, per account and per client address,
//! with exponential backoff; refusals are `429` with `Retry-After` (gRPC RESOURCE_EXHAUSTED).
//!
//! `TokenEndpoints` (features `jwt` and `axum`) use one by default. A session login
//! handler asks it before checking a password, in one call ([`LoginThrottle::attempt`]):
//!
//! ```
//! use auth_tower::throttle::LoginThrottle;
//! use auth_tower::{Identity, Session, SessionError};
//! use axum::extract::{Form, State};
//! use axum::response::{IntoResponse, Redirect, Response};
//! use http::request::Parts;
//!
//! #[derive(serde::Deserialize)]
//! struct Credentials { username: String, password: String }
//!
//! async fn login(
//!     State(throttle): State<LoginThrottle>,
//!     session: Session,
//!     parts: Parts, // before the body: the client address and headers
//!     Form(c): Form<Credentials>,
//! ) -> Result<Response, SessionError> {
//!     let checked = throttle
//!         .attempt(&parts, &c.username, async {
//!             (c.username == "alice" && c.password == "wonderland").then(|| Identity::new("alice"))
//!         })
//!         .await;
//!     match checked {
//!         Ok(Some(identity)) => {
//!             session.login(identity).await?;
//!             Ok(Redirect::to("/").into_response())
//!         }
//!         Ok(None) => Ok((http::StatusCode::UNAUTHORIZED, "wrong user or password").into_response()),
//!         Err(refusal) => Ok(refusal.into_response()), // 429 + Retry-After, or 503
//!     }
//! }
//! # let _ = axum::Router::<LoginThrottle>::new().route("/login", axum::routing::post(login));
//! ```
//!
//! # Defaults
//! Counts live in memory ([`MemoryThrottle`], per instance); give every instance the same
//! shared store (`auth_tower::auth_session_redis::RedisThrottle`) with [`LoginThrottleBuilder::with_store`]
//! so they count together. Per account ([`ThrottlePolicy::per_account`]): 5 attempts in a
//! row, then a lock of 1 s doubling at each further failure, at most 15 minutes. Per client
//! address ([`ThrottlePolicy::per_address`]): the same after 20. Counts are forgotten an hour
//! after the last lock ends; a successful login resets its account (never its address, or an
//! attacker's own account would reset the address they guess from).
//!
//! Every attempt is booked as a failure when it is let through, before its password is
//! checked, and holds that slot until its outcome: a burst of 200 parallel guesses gets 5
//! password checks per account and 20 per address, on every store and across instances. A
//! success gives the slot back; an attempt dropped without an outcome stays a failure.
//!
//! The client address is the connection's: serve the app with
//! `into_make_service_with_connect_info::<SocketAddr>()`, or no address is known and only the
//! account is counted. Behind a reverse proxy every connection comes from the proxy: name the
//! header it sets with [`LoginThrottleBuilder::with_client_ip_header`] (no header is trusted by
//! default, since any client can send one), and the number of proxies that append to it with
//! [`LoginThrottleBuilder::with_client_ip_header_hops`] (a CDN and a load balancer: 2). Only
//! the entry used is read; a request whose entry is missing or unreadable is counted as the one
//! unknown client, never as the proxy.
//!
//! # Which account key
//! [`attempt`](LoginThrottle::attempt) counts the username as typed, folded
//! ([`ThrottleKey::account`]: case, width and invisible characters do not make a new account).
//! Where the application's lookup is more lenient still (accent-insensitive collations,
//! e-mail canonicalisation, a username and an e-mail address for one account), resolve the
//! user first and count its id: [`attempt_for`](LoginThrottle::attempt_for) with
//! [`ThrottleKey::account_id`] (and [`ThrottleKey::account`] for a name that was not found).
//!
//! An attacker can hold a victim's account locked only while failing at it, for at most the
//! cap after each failure; a refused attempt is not a failure, and when the lock ends the next
//! attempt (the victim's right password, from any address with no failures) goes through.

mod attempt;
mod builder;
pub(crate) mod client;

pub use attempt::ThrottledAttempt;
pub use builder::LoginThrottleBuilder;

use crate::rejection::{Rejection, RejectionKind};
use auth_core::Error;
use auth_core::metrics::record;
use client::ClientSource;
use http::request::Parts;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// The policy, keys and store trait (from `auth-core`), for configuring a throttle or writing
/// a store.
pub use auth_core::throttle::{
    MemoryThrottle, ThrottleKey, ThrottleKeyKind, ThrottlePolicy, ThrottleState, ThrottleStore,
    Verdict,
};

const TARGET: &str = "auth_tower::throttle";

/// Brute-force protection for a login: see the [module docs](self). Cheap to clone.
#[derive(Clone)]
pub struct LoginThrottle {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn ThrottleStore>,
    account: ThrottlePolicy,
    address: ThrottlePolicy,
    source: ClientSource,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new()
    }
}

impl LoginThrottle {
    /// The defaults: in memory, the default policies, the connection's address.
    pub fn new() -> Self {
        Self::from_builder(Self::builder())
    }

    /// Where this throttle reads client addresses from (the token endpoints give the same to
    /// the credential check).
    #[cfg(feature = "jwt")]
    pub(crate) fn client_source(&self) -> ClientSource {
        self.inner.source.clone()
    }

    /// The client address of a request, as this throttle reads it (the connection's, or the
    /// trusted header's, and then only the header's); `None` if it cannot be known.
    pub fn client_addr(&self, parts: &Parts) -> Option<IpAddr> {
        self.inner.source.client_addr(parts)
    }

    /// Ask before checking a password for `username`, run `check` if allowed, and record its
    /// outcome: `Some` resets the account, `None` counts a failure for the account and the
    /// client address. The attempt holds its slot from the ask to the outcome, so a burst
    /// of parallel guesses gets no more password checks than the free allowance; if this
    /// future is dropped while `check` runs (the client hung up), the attempt stays counted
    /// as a failure.
    ///
    /// # Errors
    /// The refusal to answer with (render it in the request's protocol, or return it from an
    /// axum handler): [`RejectionKind::TooManyRequests`] with a retry delay, or
    /// [`RejectionKind::Unavailable`] if the store failed (fail closed). `check` is not run.
    pub async fn attempt<T, F>(
        &self,
        parts: &Parts,
        username: &str,
        check: F,
    ) -> Result<Option<T>, Rejection>
    where
        F: Future<Output = Option<T>>,
    {
        self.attempt_for(parts, ThrottleKey::account(username), check)
            .await
    }

    /// [`attempt`](Self::attempt) for an account key of the application's choosing:
    /// [`ThrottleKey::account_id`] once its lookup has resolved the user (where that lookup is
    /// more lenient than the throttle's own folding of usernames, or several names reach one
    /// account), [`ThrottleKey::account`] for a name it did not find.
    ///
    /// ```
    /// use auth_tower::throttle::{LoginThrottle, ThrottleKey};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let throttle = LoginThrottle::new();
    /// let (parts, ()) = http::Request::post("/login").body(()).unwrap().into_parts();
    /// // The user database found account 42 for "Alice@Example.com".
    /// let account = ThrottleKey::account_id("42");
    /// let ok = throttle.attempt_for(&parts, account, async { None::<()> }).await;
    /// assert_eq!(ok, Ok(None)); // a wrong password, counted for account 42
    /// # });
    /// ```
    ///
    /// # Errors
    /// As for [`attempt`](Self::attempt).
    pub async fn attempt_for<T, F>(
        &self,
        parts: &Parts,
        account: ThrottleKey,
        check: F,
    ) -> Result<Option<T>, Rejection>
    where
        F: Future<Output = Option<T>>,
    {
        let attempt = self.begin_for(parts, account).await?;
        let outcome = check.await;
        if outcome.is_some() {
            attempt.succeeded().await;
        } else {
            attempt.failed().await;
        }
        Ok(outcome)
    }

    /// The two-step form of [`attempt`](Self::attempt), for a check that can itself fail:
    /// ask for an attempt by `username` from `client`, then report its outcome with
    /// [`ThrottledAttempt::succeeded`], [`ThrottledAttempt::failed`] or, when the password
    /// could not be checked (the user database was down), [`ThrottledAttempt::abandon`].
    /// Dropping it without an outcome leaves it counted as a failure.
    ///
    /// ```
    /// use auth_tower::throttle::LoginThrottle;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let throttle = LoginThrottle::new();
    /// let attempt = throttle.begin(Some("203.0.113.7".parse().unwrap()), "alice").await?;
    /// let user_db_answered = false;
    /// if user_db_answered { attempt.failed().await } else { attempt.abandon().await }
    /// # Ok::<(), auth_tower::Rejection>(()) }).unwrap();
    /// ```
    ///
    /// # Errors
    /// As for [`attempt`](Self::attempt).
    pub async fn begin(
        &self,
        client: Option<IpAddr>,
        username: &str,
    ) -> Result<ThrottledAttempt, Rejection> {
        self.begin_keys(
            client.map(ThrottleKey::address),
            ThrottleKey::account(username),
        )
        .await
    }

    /// The two-step form of [`attempt_for`](Self::attempt_for): the client is the request's
    /// (as [`attempt`](Self::attempt) reads it: with a trusted header configured, a request
    /// whose header gives no address counts as the one unknown client, never as the proxy).
    ///
    /// # Errors
    /// As for [`attempt`](Self::attempt).
    pub async fn begin_for(
        &self,
        parts: &Parts,
        account: ThrottleKey,
    ) -> Result<ThrottledAttempt, Rejection> {
        self.begin_keys(self.inner.source.address_key(parts), account)
            .await
    }

    /// Book the address first, then the account: a request refused for its address never
    /// touches the account (an attacker throttled at their address cannot keep a victim's
    /// account locked), and a request refused for its account gives the address booking back.
    async fn begin_keys(
        &self,
        address: Option<ThrottleKey>,
        account: ThrottleKey,
    ) -> Result<ThrottledAttempt, Rejection> {
        let inner = &self.inner;
        if let Some(key) = &address {
            let verdict = inner
                .store
                .check(key, &inner.address)
                .await
                .map_err(|e| unavailable(&e))?;
            if let Some(wait) = verdict.retry_after() {
                return Err(throttled(ThrottleKeyKind::Address, wait));
            }
        }
        let by_account = inner.store.check(&account, &inner.account).await;
        let refusal = match by_account {
            Ok(verdict) => match verdict.retry_after() {
                None => {
                    return Ok(ThrottledAttempt {
                        throttle: self.clone(),
                        account,
                        address,
                    });
                }
                Some(wait) => throttled(ThrottleKeyKind::Account, wait),
            },
            Err(e) => unavailable(&e),
        };
        if let Some(key) = &address
            && let Err(e) = inner.store.release(key, &inner.address).await
        {
            tracing::warn!(target: TARGET, error = %e, "could not release a refused login's address booking");
        }
        Err(refusal)
    }
}

fn throttled(kind: ThrottleKeyKind, wait: Duration) -> Rejection {
    tracing::info!(target: TARGET, key = kind.as_str(), wait_ms = millis(wait), "login throttled");
    record::login_throttled(kind);
    Rejection::new(
        RejectionKind::TooManyRequests,
        "too many failed logins; try again later",
    )
    .with_retry_after(wait)
}

fn unavailable(e: &Error) -> Rejection {
    tracing::error!(target: TARGET, error = %e, "the login throttle's store failed");
    Rejection::new(RejectionKind::Unavailable, "login temporarily unavailable")
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginThrottle")
            .field("store", &self.inner.store)
            .field("account", &self.inner.account)
            .field("address", &self.inner.address)
            .field("client_address", &self.inner.source)
            .finish()
    }
}
