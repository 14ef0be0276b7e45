//! [`BearerError`]: the one table of RFC 6750 error codes, shared by `auth-jwt` (which maps
//! its errors onto it) and `auth-tower` (which puts it in `WWW-Authenticate` challenges).

use std::fmt;

/// The error codes of RFC 6750 §3.1 (and RFC 9470's step-up code), for the `error` parameter
/// of `WWW-Authenticate: Bearer`.
///
/// ```
/// use auth_core::BearerError;
/// assert_eq!(BearerError::InvalidToken.as_str(), "invalid_token");
/// assert_eq!(BearerError::InsufficientUserAuthentication.status(), 401);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BearerError {
    /// `invalid_request`: a malformed request (HTTP 400).
    InvalidRequest,
    /// `invalid_token`: expired, revoked, malformed or otherwise invalid (HTTP 401).
    InvalidToken,
    /// `insufficient_scope`: valid token, missing privileges (HTTP 403).
    InsufficientScope,
    /// `insufficient_user_authentication` (RFC 9470): the authentication is too old or too
    /// weak for this resource; authenticate again (HTTP 401).
    InsufficientUserAuthentication,
}

impl BearerError {
    /// Every code, in the order above.
    pub const ALL: [Self; 4] = [
        Self::InvalidRequest,
        Self::InvalidToken,
        Self::InsufficientScope,
        Self::InsufficientUserAuthentication,
    ];

    /// The error code as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::InsufficientUserAuthentication => "insufficient_user_authentication",
        }
    }

    /// The HTTP status the RFCs recommend for this code.
    pub const fn status(self) -> u16 {
        match self {
            Self::InvalidRequest => 400,
            Self::InvalidToken | Self::InsufficientUserAuthentication => 401,
            Self::InsufficientScope => 403,
        }
    }
}

impl fmt::Display for BearerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
