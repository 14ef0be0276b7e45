//! The example apps, as libraries so the end-to-end tests serve exactly what `cargo run` serves.
//!
//! - [`grpc_app`]: a tonic service on bearer JWTs, with login and refresh rpcs
//!   (`cargo run -p examples --bin grpc`, and `-- client`).
//! - [`session_app`]: a small web app on cookie sessions (`cargo run -p examples --bin session`).
//! - [`hybrid_app`]: web pages on cookies and an API on bearer tokens, one identity
//!   (`cargo run -p examples --bin hybrid`).
//! - [`jwt_api_app`]: a JSON API on bearer JWTs with token endpoints
//!   (`cargo run -p examples --bin jwt-api`); the `revocation` example runs two instances of
//!   it on one Redis or PostgreSQL database and measures how fast a logout reaches the other.
//! - [`resource_server_app`]: an API on tokens from an identity provider, found by discovery
//!   (`cargo run -p examples --bin resource-server`; on its own it follows the jwt-api example).
//! - [`metrics`]: the Prometheus recorder and a loopback-only `/metrics` route (the jwt-api
//!   example serves it).
//! - [`backend`]: where every example keeps its state (PostgreSQL with `DATABASE_URL`, Redis
//!   with `REDIS_URL`, else memory), chosen in one place.
//! - [`password_check`]: the examples' password check, counted, with an optional delay
//!   standing in for a password hash.
//! - [`lifetimes`]: session, token and login-throttle lifetimes of the `session` and `jwt-api`
//!   examples, from the environment (short ones for the soak run).

pub mod backend;
pub mod grpc_app;
pub mod hybrid_app;
pub mod jwt_api_app;
pub mod lifetimes;
pub mod metrics;
pub mod password_check;
pub mod resource_server_app;
pub mod session_app;
pub mod support;
