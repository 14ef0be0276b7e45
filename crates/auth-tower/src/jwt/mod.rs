//! Bearer JWTs (feature `jwt`): [`JwtLayer`] verifies `Authorization: Bearer` tokens with an
//! [`auth_jwt::Verifier`] and puts the [`Identity`](auth_core::Identity) into the request
//! extensions, where the `Identity` extractors (and guards) find it.
//!
//! - The scheme is case-insensitive; two `Authorization` headers are a 400 `invalid_request`.
//! - No token: 401 with a bare `WWW-Authenticate: Bearer realm="..."` in required mode; the
//!   request goes on anonymous in optional mode.
//! - A present but invalid token (malformed, expired, revoked, unknown key...) is always a 401
//!   `invalid_token`, also in optional mode: bad credentials are never ignored.
//! - A key set or revocation feed that cannot be reached is a 503; gRPC requests get the
//!   same decisions as `grpc-status` 16 / 3 / 14.

#[cfg(feature = "axum")]
mod anonymous;
pub(crate) mod layer;
pub(crate) mod service;

pub use layer::{JwtLayer, JwtLayerBuilder};
pub use service::{JwtService, ResponseFuture};

use crate::rejection::{Rejection, RejectionKind};
use auth_jwt::BearerError;

/// The refusal for a verification error.
pub(crate) fn rejection_for(error: &auth_jwt::Error) -> Rejection {
    let kind = if error.is_unavailable() {
        RejectionKind::Unavailable
    } else {
        match error.bearer_error() {
            Some(BearerError::InvalidRequest) => RejectionKind::InvalidRequest,
            Some(BearerError::InvalidToken) => RejectionKind::InvalidToken,
            Some(BearerError::InsufficientScope) => RejectionKind::InsufficientScope,
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
    Rejection::new(kind, description)
}
