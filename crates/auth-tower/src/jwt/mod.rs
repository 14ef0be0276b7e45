//! Bearer JWTs (feature `jwt`): [`JwtLayer`] verifies `Authorization: Bearer` tokens with an
//! [`auth_jwt::Verifier`] and writes the request's [`AuthContext`](auth_core::AuthContext):
//! the verified [`Identity`](auth_core::Identity), or "anonymous" in optional mode, where the
//! `Identity` extractors, the guards and tonic's `IdentityExt` find it (with or without the
//! `axum` feature).
//!
//! - The scheme is case-insensitive; two `Authorization` headers are a 400 `invalid_request`.
//! - No token: 401 with a bare `WWW-Authenticate: Bearer realm="..."` in required mode; the
//!   request goes on anonymous in optional mode.
//! - A present but invalid token (malformed, expired, revoked, unknown key...) is always a 401
//!   `invalid_token`, also in optional mode: bad credentials are never ignored.
//! - A key set or revocation feed that cannot be reached is a 503; gRPC requests get the
//!   same decisions as `grpc-status` 16 / 3 / 14.

pub(crate) mod layer;
pub(crate) mod service;

pub use layer::{JwtLayer, JwtLayerBuilder};
pub use service::{JwtService, ResponseFuture};
