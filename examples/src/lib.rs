//! The example apps, as libraries so the end-to-end tests serve exactly what `cargo run` serves.
//!
//! - [`session_app`]: a small web app on cookie sessions (`cargo run -p examples --bin session`).
//! - [`hybrid_app`]: web pages on cookies and an API on bearer tokens, one identity
//!   (`cargo run -p examples --bin hybrid`).

pub mod hybrid_app;
pub mod session_app;
