//! Token endpoints (features `jwt` and `axum`): login, refresh, logout, logout everywhere and
//! the JWKS document, as a ready axum [`Router`]. The application supplies only
//! [`CheckCredentials`].
//!
//! | method and path (default prefix `/auth`) | body | answer |
//! |---|---|---|
//! | `POST {prefix}/login` | `username`, `password` | 200 token pair |
//! | `POST {prefix}/refresh` | `refresh_token` | 200 the next token pair (the presented refresh token is consumed) |
//! | `POST {prefix}/token` | OAuth 2.0: `grant_type=password` (`username`, `password`) or `grant_type=refresh_token` (`refresh_token`) | 200 token pair |
//! | `POST {prefix}/logout` | `refresh_token` | 204; the refresh family is deleted and its session revoked, so the access tokens minted from it are refused at once |
//! | `POST {prefix}/logout-everywhere` | none; `Authorization: Bearer <access token>` | 204; every access and refresh token of the subject issued until now is revoked |
//! | `GET {jwks_path}` (default `/.well-known/jwks.json`) | | 200 `application/jwk-set+json`, the public keys of the verifier's key set |
//!
//! Bodies are JSON (`application/json`) or an HTML form (`application/x-www-form-urlencoded`),
//! at most 16 KiB by default. On `/login` and `/refresh`, `grant_type` may be left out; if
//! given it must match. Unknown members (`client_id`, `scope`...) are ignored.
//!
//! Answers follow RFC 6749 §5.1 and §5.2, always with `Cache-Control: no-store`:
//! - tokens: `{"access_token": "...", "token_type": "Bearer", "expires_in": 900, "refresh_token": "..."}`;
//! - errors: `{"error": "...", "error_description": "..."}`: 400 `invalid_request` (a malformed,
//!   oversized or missing body or member, a repeated form parameter, another content type),
//!   400 `unsupported_grant_type`, 429 `slow_down` with `Retry-After` (too many failed logins
//!   for this account or from this address: see [`with_throttle`](TokenEndpointsBuilder::with_throttle)),
//!   400 `invalid_grant` (wrong username or password; a refresh
//!   token that is forged, expired, revoked or already used: reuse revokes the whole family
//!   and its access tokens), 503 `temporarily_unavailable` (a store or the credential check
//!   failed: fail closed);
//! - logout everywhere without a valid bearer token answers like [`JwtLayer`](crate::JwtLayer):
//!   401 with `WWW-Authenticate: Bearer realm="app"` (and `error="invalid_token"` for a bad
//!   token), 400 `invalid_request` for two `Authorization` headers.
//!
//! Password logins (`/login`, and `/token` with `grant_type=password`) are throttled by
//! default with a [`LoginThrottle`] per account and per client address (5 attempts in a row
//! per account, 20 per address, then a lock of 1 s doubling up to 15 minutes; each attempt
//! holds its slot from the check to the verdict, so parallel guesses get no more; a success
//! resets the account; a credential check that fails with an error gives its slot back): the client address is the connection's, so serve the app with
//! `into_make_service_with_connect_info::<SocketAddr>()` (without it only accounts are
//! counted), or name a trusted proxy's header on the throttle. A throttled login never reaches
//! [`CheckCredentials`], which gets the request's parts with the credentials
//! ([`LoginAttempt`]). Several instances count together only on a shared store
//! ([`TokenEndpointsBuilder::with_throttle`]).
//!
//! Logout with an unknown or invalid refresh token is a 204 too (RFC 7009 §2.2): the token does
//! not work either way. Every request runs in an `auth.tokens` span with the `endpoint` and the
//! `outcome` (an error code or `ok`); no token, password or session id is ever logged.
//!
//! ```
//! use auth_tower::auth_jwt::{Algorithm, Issuer, Key, MemoryRefreshStore, RefreshTokens};
//! use auth_tower::tokens::{LoginAttempt, TokenEndpoints};
//! use auth_tower::{Identity, JwtLayer, MemoryStore};
//! use axum::{Router, routing::get};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Production loads its key and the refresh secret from a secret store.
//! let issuer = Issuer::builder()
//!     .with_issuer("https://api.example")
//!     .with_audience("api")
//!     .with_keys(Key::generate("k1", Algorithm::ES256)?)
//!     .build()?;
//! let secret = RefreshTokens::random_secret()?;
//! let tokens = RefreshTokens::builder(issuer, MemoryRefreshStore::new(), MemoryStore::new(), &secret)
//!     .build()?;
//! let endpoints = TokenEndpoints::builder(tokens, |login: LoginAttempt| async move {
//!     let ok = login.username() == "alice" && login.password() == "wonderland";
//!     Ok::<_, std::io::Error>(ok.then(|| Identity::new("alice")))
//! })
//! .build()?; // password logins are throttled per account and per client address by default
//!
//! let app: Router = Router::new()
//!     .route("/api/me", get(|who: Identity| async move { who.subject().to_owned() }))
//!     .layer(JwtLayer::new(endpoints.verifier().clone())) // the API routes above need a token...
//!     .merge(endpoints.router()); // ...the token endpoints are merged after, outside it
//! # let _ = app;
//! # Ok(()) }
//! ```

mod credentials;
mod handlers;
mod params;
mod response;

pub use credentials::{CheckCredentials, LoginAttempt};

use crate::throttle::LoginThrottle;
use crate::throttle::client::ClientSource;
use auth_core::{Clock, Error, SystemClock};
use auth_jwt::{JwksService, RefreshTokens, Verifier};
use axum::Router;
use axum::extract::Request;
use axum::routing::post;
use credentials::DynCheck;
use handlers::Endpoint;
use std::fmt;
use std::sync::Arc;

/// The default path prefix of the token endpoints.
pub(crate) const DEFAULT_PREFIX: &str = "/auth";
/// The default path of the JWKS document (RFC 8414's well-known location).
pub(crate) const DEFAULT_JWKS_PATH: &str = "/.well-known/jwks.json";
/// The default bound on a request body.
pub(crate) const DEFAULT_BODY_LIMIT: usize = 16 * 1024;

/// What every handler shares.
struct Shared {
    tokens: RefreshTokens,
    verifier: Verifier,
    credentials: Box<dyn DynCheck>,
    clock: Arc<dyn Clock>,
    realm: String,
    body_limit: usize,
    /// `None`: not throttled (turned off by the application).
    throttle: Option<LoginThrottle>,
    /// Where the client address given to the credential check comes from (the throttle's).
    client_source: ClientSource,
}

/// The token endpoints, ready to be merged into an axum app with [`router`](Self::router).
/// See the [module docs](self) for every path and answer.
#[derive(Clone)]
pub struct TokenEndpoints {
    shared: Arc<Shared>,
    prefix: String,
    jwks_path: Option<String>,
}

impl TokenEndpoints {
    /// Endpoints that start, rotate and revoke refresh-token families with `tokens`, log
    /// users in with `credentials`, verify bearer tokens (for logout everywhere) with
    /// [`tokens.verifier()`](RefreshTokens::verifier) (or
    /// [`with_verifier`](TokenEndpointsBuilder::with_verifier)) and publish its keys as the
    /// JWKS. Put the same verifier, [`verifier`](Self::verifier), in the app's
    /// [`JwtLayer`](crate::JwtLayer).
    pub fn builder(
        tokens: RefreshTokens,
        credentials: impl CheckCredentials,
    ) -> TokenEndpointsBuilder {
        TokenEndpointsBuilder {
            tokens,
            verifier: None,
            credentials: Box::new(credentials),
            clock: Arc::new(SystemClock),
            realm: crate::rejection::DEFAULT_REALM.to_owned(),
            body_limit: DEFAULT_BODY_LIMIT,
            prefix: DEFAULT_PREFIX.to_owned(),
            jwks_path: Some(DEFAULT_JWKS_PATH.to_owned()),
            throttle: Some(LoginThrottle::new()),
        }
    }

    /// The verifier of the endpoints' access tokens, for the app's [`JwtLayer`](crate::JwtLayer)
    /// (cheap to clone): it checks the revocation list the endpoints revoke through, so a
    /// logout here refuses that login's access tokens there.
    pub fn verifier(&self) -> &Verifier {
        &self.shared.verifier
    }

    /// The path prefix (`/auth` by default).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The routes, for any router state: merge them into the app with
    /// [`Router::merge`], outside any required [`JwtLayer`](crate::JwtLayer) (a login request
    /// has no token yet). As with any axum merge, a path the app already routes panics there.
    pub fn router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let route = |endpoint: Endpoint| {
            let shared = self.shared.clone();
            post(move |req: Request| {
                let shared = shared.clone();
                async move { handlers::handle(&shared, endpoint, req).await }
            })
        };
        let p = &self.prefix;
        let router = Router::new()
            .route(&format!("{p}/token"), route(Endpoint::Token))
            .route(&format!("{p}/login"), route(Endpoint::Login))
            .route(&format!("{p}/refresh"), route(Endpoint::Refresh))
            .route(&format!("{p}/logout"), route(Endpoint::Logout))
            .route(
                &format!("{p}/logout-everywhere"),
                route(Endpoint::LogoutEverywhere),
            );
        match &self.jwks_path {
            Some(path) => {
                router.route_service(path, JwksService::new(self.shared.verifier.keys().clone()))
            }
            None => router,
        }
    }
}

impl fmt::Debug for TokenEndpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenEndpoints")
            .field("prefix", &self.prefix)
            .field("jwks_path", &self.jwks_path)
            .field("realm", &self.shared.realm)
            .field("body_limit", &self.shared.body_limit)
            .field("throttle", &self.shared.throttle)
            .finish_non_exhaustive()
    }
}

/// Builds [`TokenEndpoints`]; see [`TokenEndpoints::builder`].
#[must_use]
pub struct TokenEndpointsBuilder {
    tokens: RefreshTokens,
    /// `None`: the refresh-token service's own ([`RefreshTokens::verifier`]).
    verifier: Option<Verifier>,
    credentials: Box<dyn DynCheck>,
    clock: Arc<dyn Clock>,
    realm: String,
    body_limit: usize,
    prefix: String,
    jwks_path: Option<String>,
    throttle: Option<LoginThrottle>,
}

impl TokenEndpointsBuilder {
    /// Verify bearer tokens (logout everywhere) with `verifier` and publish its key set as the
    /// JWKS, instead of [`RefreshTokens::verifier`] with its defaults: e.g. a verifier that
    /// also trusts an identity provider, or has a verified-token cache of another size. It
    /// must check the revocation list `tokens` revokes through.
    ///
    /// ```
    /// # use auth_tower::auth_jwt::{Algorithm, Issuer, Key, MemoryRefreshStore, RefreshTokens};
    /// # use auth_tower::tokens::{LoginAttempt, TokenEndpoints};
    /// # use auth_tower::{Identity, MemoryStore};
    /// # use std::time::Duration;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let issuer = Issuer::builder().with_issuer("https://api.example").with_audience("api")
    /// #     .with_keys(Key::generate("k1", Algorithm::ES256)?).build()?;
    /// # let tokens = RefreshTokens::builder(issuer, MemoryRefreshStore::new(), MemoryStore::new(),
    /// #     &RefreshTokens::random_secret()?).build()?;
    /// let verifier = tokens.verifier().with_leeway(Duration::from_secs(5)).build()?;
    /// let endpoints = TokenEndpoints::builder(tokens, |_: LoginAttempt| async {
    ///     Ok::<_, std::io::Error>(None::<Identity>)
    /// })
    /// .with_verifier(verifier)
    /// .build()?;
    /// # let _ = endpoints;
    /// # Ok(()) }
    /// ```
    pub fn with_verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// The path prefix (default `/auth`): `""`, or a path starting with `/` and not ending
    /// with one, e.g. `/token-api` serves `/token-api/login`.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Where the JWKS document is served (default `/.well-known/jwks.json`; not under the
    /// prefix).
    pub fn with_jwks_path(mut self, path: impl Into<String>) -> Self {
        self.jwks_path = Some(path.into());
        self
    }

    /// Do not serve the JWKS document (e.g. with HMAC keys, which are never published).
    pub fn without_jwks(mut self) -> Self {
        self.jwks_path = None;
        self
    }

    /// The largest request body read, in bytes (default 16 KiB).
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The realm of `WWW-Authenticate` challenges (default `app`); use the same as the
    /// [`JwtLayer`](crate::JwtLayer)'s.
    pub fn with_realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = realm.into();
        self
    }

    /// The clock for the `authenticated_at` of a login (default: the system clock).
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Throttle password logins with `throttle` (default: [`LoginThrottle::new`], in memory,
    /// per account and per connection address). Give every instance of a service the same
    /// shared store so they count together:
    ///
    /// ```no_run
    /// # use auth_tower::tokens::TokenEndpointsBuilder;
    /// use auth_tower::auth_session_redis::{RedisConfig, RedisThrottle};
    /// use auth_tower::throttle::LoginThrottle;
    /// use std::sync::Arc;
    /// # async fn run(endpoints: TokenEndpointsBuilder) -> Result<(), auth_tower::Error> {
    /// let config = RedisConfig::new("redis://127.0.0.1:6379/").with_key_prefix("myapp:");
    /// let throttle = LoginThrottle::builder()
    ///     .with_store(Arc::new(RedisThrottle::connect(&config).await?))
    ///     .build()?;
    /// let endpoints = endpoints.with_throttle(throttle).build()?;
    /// # Ok(()) }
    /// ```
    pub fn with_throttle(mut self, throttle: LoginThrottle) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// Do not throttle logins (only if something in front of the endpoints already does:
    /// unthrottled, a password can be guessed as fast as the endpoint answers).
    pub fn without_throttle(mut self) -> Self {
        self.throttle = None;
        self
    }

    /// Check the paths and limits and build the endpoints, ready for [`TokenEndpoints::router`].
    ///
    /// # Errors
    /// [`ErrorKind::Config`](auth_core::ErrorKind::Config) for a malformed prefix or JWKS path,
    /// a zero body limit, or a default verifier that cannot be built.
    pub fn build(self) -> Result<TokenEndpoints, Error> {
        if !self.prefix.is_empty() && (!valid_path(&self.prefix) || self.prefix.ends_with('/')) {
            return Err(Error::config(
                "the token endpoint prefix must be empty, or start with '/' and not end with one",
            ));
        }
        if let Some(path) = &self.jwks_path
            && (!valid_path(path) || path.len() < 2)
        {
            return Err(Error::config(
                "the JWKS path must start with '/' and name a resource",
            ));
        }
        if self.body_limit == 0 {
            return Err(Error::config("the body limit must not be zero"));
        }
        let verifier = match self.verifier {
            Some(verifier) => verifier,
            None => self
                .tokens
                .verifier()
                .build()
                .map_err(|e| Error::config(format!("the token endpoints' verifier: {e}")))?,
        };
        Ok(TokenEndpoints {
            shared: Arc::new(Shared {
                tokens: self.tokens,
                verifier,
                credentials: self.credentials,
                clock: self.clock,
                realm: self.realm,
                body_limit: self.body_limit,
                client_source: self
                    .throttle
                    .as_ref()
                    .map(LoginThrottle::client_source)
                    .unwrap_or_default(),
                throttle: self.throttle,
            }),
            prefix: self.prefix,
            jwks_path: self.jwks_path,
        })
    }
}

/// A literal axum path: starts with `/`, visible ASCII, no captures or wildcards, no `//`.
fn valid_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains("//")
        && path
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'{' | b'}' | b'*' | b':' | b'?' | b'#'))
}

impl fmt::Debug for TokenEndpointsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenEndpointsBuilder")
            .field("prefix", &self.prefix)
            .field("jwks_path", &self.jwks_path)
            .field("realm", &self.realm)
            .field("body_limit", &self.body_limit)
            .field("throttle", &self.throttle)
            .finish_non_exhaustive()
    }
}
