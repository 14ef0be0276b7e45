//! One test per attack class of DESIGN.md ("Attack classes the JWT verifier must reject").
//! Every token is crafted here; each is rejected with the expected kind, which maps to
//! `invalid_token` (or `invalid_request` for malformed requests), never a panic or a 5xx.
//!
//! Refresh-token reuse after rotation is tested in `tests/refresh.rs`; weak keys refused at
//! key-set build in `tests/keys.rs`; the rate-limited refetch for unknown `kid`s in
//! `tests/remote_jwks.rs`.

#![allow(clippy::unwrap_used)] // test helpers fail loudly, outside #[test] fns too

#[path = "../common/mod.rs"]
mod common;

mod claims;
mod encoding;
mod header;
mod revocation;
mod signature;
