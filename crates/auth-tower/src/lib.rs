//! A web app on cookie sessions, in memory (the default features):
//!
//! ```no_run
//! use auth_tower::{Identity, MemoryStore, Session, SessionError, SessionLayer};
//! use axum::{Form, Router, http::StatusCode, routing::get, routing::post};
//!
//! #[derive(serde::Deserialize)]
//! struct Login {
//!     username: String,
//!     password: String,
//! }
//!
//! async fn login(session: Session, Form(form): Form<Login>) -> Result<StatusCode, SessionError> {
//!     // Check the password against your user table (a password hash); here one demo user.
//!     if (form.username.as_str(), form.password.as_str()) != ("alice", "wonderland") {
//!         return Ok(StatusCode::UNAUTHORIZED);
//!     }
//!     session.login(Identity::new("alice")).await?; // a new session id, in a new cookie
//!     Ok(StatusCode::NO_CONTENT)
//! }
//!
//! async fn me(who: Identity) -> String {
//!     format!("signed in as {}\n", who.subject()) // 401 without a signed-in session
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let app = Router::new()
//!         .route("/login", post(login))
//!         .route("/me", get(me))
//!         .layer(SessionLayer::builder(MemoryStore::new()).build()?);
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     Ok(axum::serve(listener, app).await?)
//! }
//! ```
//!
//! A JSON API on bearer JWTs with its token endpoints (feature `jwt`), and cookies and tokens on
//! the same routes (`HybridLayer`), are whole programs of the same size in the
//! [README](https://example.invalid/auth-tower#readme) and in `examples/examples/` (`cargo run -p examples --example
//! jwt_api`). **The guide**, one chapter per use (sessions, JWT API, hybrid, gRPC, identity
//! providers, stores, revocation, throttling, operations, security, testing):
//! [docs/ in the repository](https://example.invalid/auth-tower/tree/main/docs).
//!
//! Authentication for tower services (axum, tonic, plain hyper + tower): server-side cookie
//! sessions, bearer JWTs that can be revoked, or both on the same routes, over pluggable
//! stores, with one [`Identity`] for handlers.
//!
//! This is the crate applications depend on. It re-exports the vocabulary of `auth-core`
//! and, behind features, the stores:
//!
//! | feature | default | what |
//! |---|---|---|
//! | `memory` | yes | `MemoryStore`, the in-process store |
//! | `axum` | yes | extractors: [`Session`], [`Identity`], `Option<Identity>` |
//! | `jwt` | no | `JwtLayer` for bearer tokens, `HybridLayer` for cookie or bearer; `auth_tower::auth_jwt` is the `auth-jwt` crate; with `axum`, the token endpoints (`auth_tower::tokens`) |
//! | `tonic` | no | gRPC: module `grpc` (`IdentityExt` for handlers, `AddBearerTokenLayer` for clients); implies `jwt` |
//! | `redis` | no | the `auth-session-redis` crate as `auth_tower::auth_session_redis`: `RedisStore`, `RedisRevocations`, `RedisRefreshStore`, `RedisThrottle` |
//! | `redis-cluster` | no | the same on Redis Cluster (`RedisConfig::cluster`) |
//! | `postgres` | no | the `auth-session-postgres` crate as `auth_tower::auth_session_postgres`: `PostgresStore`, `PostgresRevocations` (`LISTEN`/`NOTIFY`), `PostgresRefreshStore`, `PostgresThrottle` |
//!
//! The layers, each with a runnable example in its docs:
//!
//! - [`SessionLayer`]: cookie sessions; the [`Session`] handle for login, logout and values.
//! - `JwtLayer` (feature `jwt`): bearer tokens, required or optional, from the
//!   `Authorization` header or a named cookie.
//! - `HybridLayer` (feature `jwt`): a session cookie or a bearer token, one identity; a bad
//!   bearer token never falls back to the cookie.
//! - [`RequireAuth`]: a guard on a route group (identity, role, scope, recent login);
//!   [`IdentityGuards`] are the same checks inside handlers.
//! - `tokens::TokenEndpoints` (features `jwt` + `axum`): login, refresh, logout, logout
//!   everywhere and the JWKS, as a router.
//! - [`throttle::LoginThrottle`] (feature `axum`): brute-force protection per account and
//!   per client address, on by default in the token endpoints, one call in a session login.
//! - `grpc` (feature `tonic`): `IdentityExt` for tonic handlers, `AddBearerTokenLayer` for clients.
//!
//! Every layer writes one request extension, [`AuthContext`] (a verified identity, the session
//! asked lazily, or "anonymous"), and every reader reads it: the extractors, the guards,
//! tonic's `IdentityExt`. It does not depend on axum.
//!
//! Every refusal goes through one renderer ([`rejection`]): 401 / 403 / 400 / 429 / 503 with
//! RFC 6750 challenges, the token endpoints' RFC 6749 errors, or trailers-only gRPC statuses;
//! [`ErrorBody`] replaces the HTTP body. The layer that wrote the context renders the refusals
//! its readers make, in the request's protocol and with the layer's realm and body.
//!
//! # Logging
//! Every auth decision is a `tracing` event under one target per crate and concern, so
//! `RUST_LOG=auth_tower=debug` shows the layers' decisions and
//! `RUST_LOG=auth_tower=debug,auth_jwt=debug,auth_session_redis=debug,auth_session_postgres=debug`
//! everything. No event carries a token, a password, a session id or key material; session
//! keys appear only as their public digest prefix.
//!
//! | target | what |
//! |---|---|
//! | `auth_tower::session` | session loads, logins (id rotated), logouts, cross-site refusals |
//! | `auth_tower::jwt` | bearer tokens accepted or refused, with the reason's kind |
//! | `auth_tower::hybrid` | which path (cookie or bearer) a request took |
//! | `auth_tower::guard` | guard refusals (missing role, scope, fresh login) |
//! | `auth_tower::tokens` | token endpoint outcomes (login, refresh, logout) |
//! | `auth_tower::throttle` | throttled logins |
//! | `auth_tower::rejection` | every refusal rendered, with its kind |
//! | `auth_tower::grpc` | gRPC client token refreshes and refusals |
//! | `auth_jwt::verify`, `auth_jwt::refresh`, `auth_jwt::jwks`, `auth_jwt::issue` | the JWT crate: verification, refresh-token rotation and reuse, remote key sets, issuing |
//! | `auth_session_redis` | Redis commands that failed or timed out, the revocation feed's sync state |
//! | `auth_session_postgres` | PostgreSQL calls that failed or timed out, migrations, cleanup, the revocation feed's sync state |

#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod client_addr;
mod context;
mod cookie_header;
pub mod cross_site;
mod decision;
mod future;
#[cfg(feature = "tonic")]
pub mod grpc;
pub mod guard;
#[cfg(feature = "jwt")]
pub mod hybrid;
#[cfg(feature = "jwt")]
pub mod jwt;
mod macros;
pub mod rejection;
mod service;
pub mod session;
#[cfg(feature = "axum")]
pub mod throttle;
#[cfg(all(feature = "jwt", feature = "axum"))]
pub mod tokens;

/// The vocabulary crate, `auth-core`, under its own name (so it shadows nothing); what a store
/// implementer names is gathered in [`store`].
pub use auth_core;
/// A clock that moves only when a test says so (feature `test-util`), to test idle and
/// absolute timeouts, token expiry and fresh-login windows without sleeping.
#[cfg(feature = "test-util")]
pub use auth_core::ManualClock;
#[cfg(feature = "memory")]
pub use auth_core::MemoryStore;
pub use auth_core::{AuthContext, AuthMethod, Clock, Error, ErrorKind, Identity, Timestamp};

/// What a store implementer (or an application that talks to its store directly) names: the
/// session store and revocation contracts, their records and keys, and, with feature
/// `test-util`, the conformance suites every store passes. Handlers and app wiring never need
/// this module.
///
/// ```
/// use auth_tower::store::{Revocations, SessionStore};
/// fn takes_any_store(_sessions: impl SessionStore, _revocations: impl Revocations) {}
/// takes_any_store(auth_tower::MemoryStore::new(), auth_tower::MemoryStore::new());
/// ```
pub mod store {
    #[cfg(feature = "test-util")]
    pub use auth_core::conformance;
    pub use auth_core::{
        Device, Revocation, RevocationProbe, RevocationTarget, Revocations, SaveOutcome,
        SessionChanges, SessionEntry, SessionId, SessionKey, SessionRecord, SessionStore,
        SystemClock, Touch,
    };
}

/// The Redis store and revocation feed (feature `redis`): swap `MemoryStore` for
/// `RedisStore` and nothing else changes.
///
/// ```no_run
/// use auth_tower::SessionLayer;
/// use auth_tower::auth_session_redis::{RedisConfig, RedisStore};
/// # async fn run() -> Result<(), auth_tower::Error> {
/// let store = RedisStore::connect(&RedisConfig::new("redis://127.0.0.1:6379/")).await?;
/// let sessions = SessionLayer::builder(store).build()?;
/// # Ok(()) }
/// ```
#[cfg(feature = "redis")]
pub use auth_session_redis;

/// The PostgreSQL store, refresh store, throttle and revocation feed (feature `postgres`):
/// swap `MemoryStore` for `PostgresStore` and nothing else changes; revocations reach every
/// instance through `LISTEN`/`NOTIFY`.
///
/// ```no_run
/// use auth_tower::SessionLayer;
/// use auth_tower::auth_session_postgres::{PostgresConfig, PostgresStore};
/// # async fn run() -> Result<(), auth_tower::Error> {
/// let store = PostgresStore::connect(&PostgresConfig::new("postgres://127.0.0.1/app")).await?;
/// let sessions = SessionLayer::builder(store).build()?;
/// # Ok(()) }
/// ```
#[cfg(feature = "postgres")]
pub use auth_session_postgres;

/// The JWT crate (feature `jwt`): keys, issuer, verifier, refresh tokens.
#[cfg(feature = "jwt")]
pub use auth_jwt;
#[cfg(feature = "jwt")]
pub use hybrid::HybridLayer;
#[cfg(feature = "jwt")]
pub use jwt::JwtLayer;

pub use guard::{IdentityGuards, RequireAuth};
pub use rejection::{ErrorBody, Rejection, RejectionKind};
pub use session::{Session, SessionError, SessionLayer};

/// Plumbing the layers' public signatures name (the bound on the services they wrap); not a
/// stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::service::InnerService;
}
