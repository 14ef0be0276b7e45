//! The example apps, as libraries so the end-to-end tests serve exactly what `cargo run` serves.
//!
//! - [`session_app`]: a small web app on cookie sessions (`cargo run -p examples --bin session`).
//! - [`jwt_api_app`]: a JSON API on bearer JWTs with token endpoints
//!   (`cargo run -p examples --bin jwt-api`); the `revocation` example runs two instances of
//!   it on one Redis and measures how fast a logout reaches the other.

pub mod jwt_api_app;
pub mod session_app;
