//! [`RejectionKind`]: why a request was refused, and what each reason is in HTTP, RFC 6750
//! and gRPC terms.

use auth_core::BearerError;
use http::StatusCode;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectionKind {
    /// No credentials where some are required (401, bare `WWW-Authenticate: Bearer realm`).
    Unauthenticated,
    /// Credentials present but not valid (401, `error="invalid_token"`).
    InvalidToken,
    /// The request itself is malformed (400, `error="invalid_request"`).
    InvalidRequest,
    /// Authenticated but not allowed (403, `error="insufficient_scope"`).
    InsufficientScope,
    /// Authenticated too long ago for this action: log in again (401,
    /// `error="insufficient_user_authentication"`, RFC 9470 step-up).
    FreshLoginRequired,
    /// Refused for a reason other than credentials, e.g. a cross-site request (403).
    Forbidden,
    /// Too many failed logins for this account or from this address: wait (429 with
    /// `Retry-After`; gRPC RESOURCE_EXHAUSTED).
    TooManyRequests,
    /// A store that authentication needs could not be reached (503). Fail closed.
    Unavailable,
    /// A server-side fault, e.g. a value that cannot be serialized (500).
    Internal,
}

impl RejectionKind {
    /// The kind's stable snake-case name: `unauthenticated`, `invalid_token`,
    /// `invalid_request`, `insufficient_scope`, `fresh_login_required`, `forbidden`,
    /// `too_many_requests`, `unavailable` or `internal`. It is the `outcome` label of the
    /// `auth_tower_decisions_total` metric for a refusal of this kind.
    ///
    /// ```
    /// use auth_tower::RejectionKind;
    /// assert_eq!(RejectionKind::InvalidToken.as_str(), "invalid_token");
    /// assert_eq!(RejectionKind::TooManyRequests.as_str(), "too_many_requests");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidToken => "invalid_token",
            Self::InvalidRequest => "invalid_request",
            Self::InsufficientScope => "insufficient_scope",
            Self::FreshLoginRequired => "fresh_login_required",
            Self::Forbidden => "forbidden",
            Self::TooManyRequests => "too_many_requests",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    /// The HTTP status.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::Unauthenticated | Self::InvalidToken | Self::FreshLoginRequired => {
                StatusCode::UNAUTHORIZED
            }
            Self::InvalidRequest => StatusCode::BAD_REQUEST,
            Self::InsufficientScope | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The gRPC status code (UNAUTHENTICATED 16, PERMISSION_DENIED 7, INVALID_ARGUMENT 3,
    /// RESOURCE_EXHAUSTED 8, UNAVAILABLE 14, INTERNAL 13).
    pub const fn grpc_code(self) -> u8 {
        match self {
            Self::Unauthenticated | Self::InvalidToken | Self::FreshLoginRequired => 16,
            Self::InvalidRequest => 3,
            Self::InsufficientScope | Self::Forbidden => 7,
            Self::TooManyRequests => 8,
            Self::Unavailable => 14,
            Self::Internal => 13,
        }
    }

    /// The RFC 6750 `error` code, where there is one (from the one table,
    /// [`auth_core::BearerError`], which `auth_jwt` maps its errors onto too).
    pub const fn bearer_error(self) -> Option<BearerError> {
        match self {
            Self::InvalidToken => Some(BearerError::InvalidToken),
            Self::InvalidRequest => Some(BearerError::InvalidRequest),
            Self::InsufficientScope => Some(BearerError::InsufficientScope),
            Self::FreshLoginRequired => Some(BearerError::InsufficientUserAuthentication),
            Self::Unauthenticated
            | Self::Forbidden
            | Self::TooManyRequests
            | Self::Unavailable
            | Self::Internal => None,
        }
    }

    /// The kind that answers with `code`: the inverse of [`bearer_error`](Self::bearer_error).
    pub const fn from_bearer_error(code: BearerError) -> Self {
        match code {
            BearerError::InvalidToken => Self::InvalidToken,
            BearerError::InvalidRequest => Self::InvalidRequest,
            BearerError::InsufficientScope => Self::InsufficientScope,
            BearerError::InsufficientUserAuthentication => Self::FreshLoginRequired,
            // A code added to the table later: refuse as an invalid token (401).
            _ => Self::InvalidToken,
        }
    }

    /// The `error` code of JSON refusal bodies ([`ErrorBody::json`](super::ErrorBody::json), the token endpoints'
    /// RFC 6749 §5.2 errors): the RFC 6750 code where there is one, else `unauthenticated`,
    /// `forbidden`, `slow_down` (RFC 8628 §3.5: ask less often), `temporarily_unavailable` or
    /// `server_error` (RFC 6749 §4.1.2.1).
    pub const fn error_code(self) -> &'static str {
        match self.bearer_error() {
            Some(code) => code.as_str(),
            None => match self {
                Self::Unauthenticated => "unauthenticated",
                Self::TooManyRequests => "slow_down",
                Self::Unavailable => "temporarily_unavailable",
                Self::Internal => "server_error",
                _ => "forbidden",
            },
        }
    }
}
