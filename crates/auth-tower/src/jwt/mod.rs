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

use crate::rejection::{Rejection, RejectionKind};

/// The refusal for a verification error.
pub(crate) fn rejection_for(error: &auth_jwt::Error) -> Rejection {
    let kind = if error.is_unavailable() {
        RejectionKind::Unavailable
    } else {
        match error.bearer_error() {
            Some(code) => RejectionKind::from_bearer_error(code),
            None if error.kind() == auth_jwt::ErrorKind::MissingToken => {
                RejectionKind::Unauthenticated
            }
            None => RejectionKind::Internal,
        }
    };
    let description = match kind {
        // Server-side faults say nothing about the server to the client.
        RejectionKind::Unavailable => "authentication temporarily unavailable".to_owned(),
        RejectionKind::Internal => "authentication failed on the server".to_owned(),
        RejectionKind::Unauthenticated => "authentication required".to_owned(),
        _ => error.message().to_owned(),
    };
    let rejection = Rejection::new(kind, description);
    match error.retry_after() {
        Some(wait) => rejection.with_retry_after(wait),
        None => rejection,
    }
}
