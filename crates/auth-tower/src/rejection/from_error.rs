//! Errors as refusals: the one mapping from an `auth_core` or `auth_jwt` error to the
//! [`Rejection`] a client gets. A store or key set that cannot be reached is a 503 (fail
//! closed); any other server-side failure a 500; neither tells the client the error's own
//! message. A token's own fault keeps its RFC 6750 code and a client-safe description.

use super::text::{AUTHENTICATION_FAULT, AUTHENTICATION_UNAVAILABLE};
use super::{Rejection, RejectionKind};

/// A store's error: 503 when it cannot be reached, else 500.
///
/// ```
/// use auth_tower::{Error, Rejection, RejectionKind};
/// let refusal = Rejection::from(&Error::unavailable("redis down"));
/// assert_eq!(refusal.kind(), RejectionKind::Unavailable);
/// assert_eq!(refusal.description(), "authentication temporarily unavailable");
/// ```
impl From<&auth_core::Error> for Rejection {
    fn from(error: &auth_core::Error) -> Self {
        match error.kind() {
            auth_core::ErrorKind::Unavailable => {
                Self::new(RejectionKind::Unavailable, AUTHENTICATION_UNAVAILABLE)
            }
            _ => Self::new(RejectionKind::Internal, AUTHENTICATION_FAULT),
        }
    }
}

/// A token's or a key set's error: the RFC 6750 kind the error names (`invalid_token`,
/// `invalid_request`, `insufficient_scope`...) with its client-safe message; no token is a 401
/// without an error code; unreachable stores and key sets are 503 (with `Retry-After` when the
/// error says when), anything else a 500.
///
/// ```
/// use auth_tower::{Rejection, RejectionKind};
/// use auth_tower::auth_jwt::Error;
/// let refusal = Rejection::from(&Error::from(auth_tower::Error::unavailable("redis down")));
/// assert_eq!(refusal.kind(), RejectionKind::Unavailable);
/// ```
#[cfg(feature = "jwt")]
impl From<&auth_jwt::Error> for Rejection {
    fn from(error: &auth_jwt::Error) -> Self {
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
        let rejection = match kind {
            RejectionKind::Unavailable => Self::new(kind, AUTHENTICATION_UNAVAILABLE),
            RejectionKind::Internal => Self::new(kind, AUTHENTICATION_FAULT),
            RejectionKind::Unauthenticated => Self::new(kind, super::text::AUTHENTICATION_REQUIRED),
            _ => Self::new(kind, error.message().to_owned()),
        };
        match error.retry_after() {
            Some(wait) => rejection.with_retry_after(wait),
            None => rejection,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::Error;

    #[test]
    fn store_errors_never_tell_the_client_their_message() {
        for (error, kind) in [
            (
                Error::unavailable("10.0.0.7:6379 refused"),
                RejectionKind::Unavailable,
            ),
            (
                Error::storage("script NOSCRIPT at 10.0.0.7"),
                RejectionKind::Internal,
            ),
            (
                Error::new(auth_core::ErrorKind::Serialization, "bad json at byte 7"),
                RejectionKind::Internal,
            ),
        ] {
            let refusal = Rejection::from(&error);
            assert_eq!(refusal.kind(), kind, "{error}");
            assert!(!refusal.description().contains("10.0.0.7"), "{refusal}");
            assert!(!refusal.description().contains("byte 7"), "{refusal}");
        }
    }
}
