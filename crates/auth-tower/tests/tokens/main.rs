//! The token endpoints on in-memory stores, through an axum router: every branch's status,
//! JSON body and headers asserted exactly.

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod grants;
mod logout;
mod setup;
mod throttle;
mod world;
