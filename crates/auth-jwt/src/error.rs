//! The one public error type of this crate: opaque, with a [`kind`](Error::kind) to match on and
//! a mapping onto the RFC 6750 error codes of [`BearerError`] (the one table, in `auth-core`).

pub use auth_core::BearerError;
use std::borrow::Cow;
use std::fmt;

/// An error from building keys, issuing, verifying or refreshing tokens.
///
/// Opaque on purpose: match on [`Error::kind`], answer the client with
/// [`Error::bearer_error`], read the message with `Display` and walk
/// [`std::error::Error::source`] for the cause. Messages never contain tokens or key material.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: Cow<'static, str>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    retry_after: Option<std::time::Duration>,
}

/// What went wrong. Every token-level rejection is a client error (401 `invalid_token`), never a
/// server error; only [`ErrorKind::Unavailable`] and [`ErrorKind::Internal`] are the server's fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request carried no bearer token (RFC 6750: a bare challenge, no error code).
    MissingToken,
    /// The request was malformed: duplicate `Authorization` headers, an empty bearer token.
    InvalidRequest,
    /// The token is longer than the configured limit; rejected before any decoding.
    TooLarge,
    /// Not a compact JWS of three canonical base64url segments with JSON object header and
    /// claims (also: duplicate JSON members, JWE, JSON serialization).
    Malformed,
    /// A header the profile refuses: `crit`, `jwk`, `jku`, `x5u`, `x5c`, `cty` (nested JWT),
    /// `enc`/`zip` (JWE), `b64`.
    ForbiddenHeader,
    /// The header's `alg` is not the algorithm pinned to the key (including `none`).
    AlgorithmMismatch,
    /// No key with the token's `kid` (or an unusable `kid`).
    UnknownKey,
    /// The signature does not verify.
    InvalidSignature,
    /// The `typ` header is not `at+jwt` (an ID token, a refresh token, a plain JWT).
    WrongType,
    /// A required claim is missing.
    MissingClaim,
    /// A claim has the wrong JSON type or an impossible value.
    InvalidClaim,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not contain the configured audience.
    WrongAudience,
    /// The token was issued to another client than the one an issuer's
    /// [`with_authorized_party`](crate::TrustedIssuer::with_authorized_party) names (`azp`,
    /// else `client_id`).
    WrongAuthorizedParty,
    /// `exp` has passed (`exp <= now - leeway`).
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
    /// `iat` is in the future.
    IssuedInFuture,
    /// `iat` is older than the configured maximum age.
    TooOld,
    /// The token, its session or its subject has been revoked.
    Revoked,
    /// A refresh token that is unknown, expired, forged or of a deleted family.
    RefreshTokenInvalid,
    /// A refresh token presented again after it was rotated: the family has been revoked.
    RefreshTokenReused,
    /// The identity lacks a required scope (RFC 6750 `insufficient_scope`, 403).
    InsufficientScope,
    /// A key refused at construction as too weak (short HMAC secret, small RSA modulus, bad
    /// exponent, a known-vulnerable key).
    WeakKey,
    /// A key that could not be parsed or does not fit its algorithm.
    InvalidKey,
    /// An algorithm this crate does not offer.
    UnsupportedAlgorithm,
    /// A key set with two keys under one `kid`.
    DuplicateKeyId,
    /// A JWKS document that is malformed, too large, or carries private key members.
    InvalidKeySet,
    /// Other configuration refused when it was built.
    Config,
    /// A dependency (key source, refresh store, revocation list) could not be reached: answer
    /// 503 and fail closed.
    Unavailable,
    /// A bug or an impossible state on our side (a signing failure, the OS RNG failing).
    Internal,
}

impl ErrorKind {
    /// A short, stable, lower-case name for logs and metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::InvalidRequest => "invalid_request",
            Self::TooLarge => "too_large",
            Self::Malformed => "malformed",
            Self::ForbiddenHeader => "forbidden_header",
            Self::AlgorithmMismatch => "algorithm_mismatch",
            Self::UnknownKey => "unknown_key",
            Self::InvalidSignature => "invalid_signature",
            Self::WrongType => "wrong_type",
            Self::MissingClaim => "missing_claim",
            Self::InvalidClaim => "invalid_claim",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::WrongAuthorizedParty => "wrong_authorized_party",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::TooOld => "too_old",
            Self::Revoked => "revoked",
            Self::RefreshTokenInvalid => "refresh_token_invalid",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::InsufficientScope => "insufficient_scope",
            Self::WeakKey => "weak_key",
            Self::InvalidKey => "invalid_key",
            Self::UnsupportedAlgorithm => "unsupported_algorithm",
            Self::DuplicateKeyId => "duplicate_key_id",
            Self::InvalidKeySet => "invalid_key_set",
            Self::Config => "config",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    /// The RFC 6750 error code for a response to this kind of failure, if one belongs in the
    /// `WWW-Authenticate` challenge.
    ///
    /// `None` for [`MissingToken`](Self::MissingToken) (RFC 6750 §3.1: no error code when the
    /// request carried no credentials; answer 401 with a bare challenge), and for configuration
    /// and server-side kinds, which never reach a client as a token error
    /// ([`Unavailable`](Self::Unavailable) is a 503).
    pub const fn bearer_error(self) -> Option<BearerError> {
        match self {
            Self::InvalidRequest => Some(BearerError::InvalidRequest),
            Self::InsufficientScope => Some(BearerError::InsufficientScope),
            Self::TooLarge
            | Self::Malformed
            | Self::ForbiddenHeader
            | Self::AlgorithmMismatch
            | Self::UnknownKey
            | Self::InvalidSignature
            | Self::WrongType
            | Self::MissingClaim
            | Self::InvalidClaim
            | Self::WrongIssuer
            | Self::WrongAudience
            | Self::WrongAuthorizedParty
            | Self::Expired
            | Self::NotYetValid
            | Self::IssuedInFuture
            | Self::TooOld
            | Self::Revoked
            | Self::RefreshTokenInvalid
            | Self::RefreshTokenReused => Some(BearerError::InvalidToken),
            Self::MissingToken
            | Self::WeakKey
            | Self::InvalidKey
            | Self::UnsupportedAlgorithm
            | Self::DuplicateKeyId
            | Self::InvalidKeySet
            | Self::Config
            | Self::Unavailable
            | Self::Internal => None,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// A new error of `kind` with a message (which must not contain secrets or tokens).
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                source: None,
                retry_after: None,
            }),
        }
    }

    /// Attach the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// When an [`Unavailable`](ErrorKind::Unavailable) failure is expected to clear (the
    /// `Retry-After` of the 503), if known: e.g. a token signed with a key the identity
    /// provider has just published, while the key set waits out its refetch cooldown.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.inner.retry_after
    }

    pub(crate) fn with_retry_after(mut self, wait: std::time::Duration) -> Self {
        self.inner.retry_after = Some(wait);
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The RFC 6750 error code to answer with; see [`ErrorKind::bearer_error`].
    pub fn bearer_error(&self) -> Option<BearerError> {
        self.inner.kind.bearer_error()
    }

    /// Whether the failure is on the server's side (answer 503 and fail closed).
    pub fn is_unavailable(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Unavailable)
    }

    /// The message, without the kind or the source.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    pub(crate) fn config(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    pub(crate) fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.kind, self.inner.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<auth_core::Error> for Error {
    fn from(e: auth_core::Error) -> Self {
        let kind = match e.kind() {
            auth_core::ErrorKind::Unavailable => ErrorKind::Unavailable,
            auth_core::ErrorKind::Config => ErrorKind::Config,
            _ => ErrorKind::Internal,
        };
        // The core message names what failed (never a credential); keep it for the operator.
        let message = match kind {
            ErrorKind::Internal => Cow::Borrowed("a store or revocation list failed"),
            _ => Cow::Owned(e.message().to_owned()),
        };
        Self::new(kind, message).with_source(e)
    }
}

/// So `?` works from token code into code that speaks the core vocabulary (a store, a
/// handler returning `auth_core::Error`): configuration and key problems are `Config`, an
/// unreachable store or key set `Unavailable`, a refused token or request `InvalidInput`, and
/// anything else `Storage`. The message and the original error (as the source) are kept.
impl From<Error> for auth_core::Error {
    fn from(e: Error) -> Self {
        let kind = match e.kind() {
            ErrorKind::Unavailable => auth_core::ErrorKind::Unavailable,
            ErrorKind::Config
            | ErrorKind::WeakKey
            | ErrorKind::InvalidKey
            | ErrorKind::UnsupportedAlgorithm
            | ErrorKind::DuplicateKeyId
            | ErrorKind::InvalidKeySet => auth_core::ErrorKind::Config,
            ErrorKind::Internal => auth_core::ErrorKind::Storage,
            _ => auth_core::ErrorKind::InvalidInput,
        };
        auth_core::Error::new(kind, e.message().to_owned()).with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_convert_both_ways_keeping_kind_and_message() {
        let core: auth_core::Error = Error::config("a leeway over 5 minutes is refused").into();
        assert_eq!(core.kind(), auth_core::ErrorKind::Config);
        assert_eq!(core.message(), "a leeway over 5 minutes is refused");
        let core: auth_core::Error = Error::new(ErrorKind::Expired, "expired").into();
        assert_eq!(core.kind(), auth_core::ErrorKind::InvalidInput);
        let back: Error = auth_core::Error::unavailable("redis down").into();
        assert_eq!(back.kind(), ErrorKind::Unavailable);
        assert_eq!(back.message(), "redis down");
        fn core_caller() -> Result<(), auth_core::Error> {
            Err(Error::new(ErrorKind::Unavailable, "jwks not loaded"))?;
            Ok(())
        }
        assert_eq!(
            core_caller().unwrap_err().kind(),
            auth_core::ErrorKind::Unavailable
        );
    }

    #[test]
    fn token_kinds_map_to_invalid_token_and_others_do_not() {
        assert_eq!(
            ErrorKind::Expired.bearer_error(),
            Some(BearerError::InvalidToken)
        );
        assert_eq!(
            ErrorKind::InvalidRequest
                .bearer_error()
                .map(BearerError::status),
            Some(400)
        );
        assert_eq!(
            ErrorKind::InsufficientScope
                .bearer_error()
                .map(BearerError::as_str),
            Some("insufficient_scope")
        );
        assert_eq!(ErrorKind::MissingToken.bearer_error(), None);
        assert_eq!(ErrorKind::Unavailable.bearer_error(), None);
        let e = Error::new(ErrorKind::Revoked, "session revoked");
        assert_eq!(e.to_string(), "revoked: session revoked");
        assert!(!e.is_unavailable());
    }
}
