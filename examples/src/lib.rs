//! The example apps, as libraries so the end-to-end tests serve exactly what `cargo run` serves.
//!
//! - [`session_app`]: a small web app on cookie sessions (`cargo run -p examples --bin session`).

pub mod session_app;
