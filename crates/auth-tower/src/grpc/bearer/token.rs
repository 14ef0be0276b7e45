//! [`BearerToken`] and [`TokenSource`]: what [`AddBearerTokenLayer`](super::AddBearerTokenLayer) attaches and
//! where it gets it.

use crate::grpc::BoxError;
use async_trait::async_trait;
use auth_core::Timestamp;
use std::fmt;

/// An access token and when it expires (and, if the source wants one, a refresh token to
/// get the next). `Debug` shows neither token.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken {
    access: String,
    expires_at: Timestamp,
    refresh: Option<String>,
}

impl BearerToken {
    /// An access token valid until `expires_at`.
    pub fn new(access: impl Into<String>, expires_at: Timestamp) -> Self {
        Self {
            access: access.into(),
            expires_at,
            refresh: None,
        }
    }

    /// With a refresh token, which the [`TokenSource`] gets back as `previous`.
    #[must_use]
    pub fn with_refresh_token(mut self, refresh: impl Into<String>) -> Self {
        self.refresh = Some(refresh.into());
        self
    }

    /// The access token.
    pub fn access_token(&self) -> &str {
        &self.access
    }

    /// When the access token expires.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// The refresh token, if any.
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh.as_deref()
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("access", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("refresh", &self.refresh.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Where [`AddBearerTokenLayer`](super::AddBearerTokenLayer) gets tokens: a login, a refresh-token exchange, a token file...
///
/// ```
/// use auth_tower::Timestamp;
/// use auth_tower::grpc::{BearerToken, BoxError, TokenSource};
///
/// #[derive(Debug)]
/// struct Static(String);
///
/// #[async_trait::async_trait]
/// impl TokenSource for Static {
///     async fn fetch(&self, _previous: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
///         Ok(BearerToken::new(self.0.clone(), Timestamp::from_unix_seconds(i64::MAX / 1000)))
///     }
/// }
/// ```
#[async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug + 'static {
    /// A new token. `previous` is the last one fetched (expiring or expired), whose refresh
    /// token the source may exchange; `None` on the first call.
    ///
    /// # Errors
    /// Any failure: the call that needed the token fails with it (see [`TokenError`](super::TokenError)). A
    /// [`tonic::Status`] in the error's chain keeps its code.
    async fn fetch(&self, previous: Option<&BearerToken>) -> Result<BearerToken, BoxError>;
}
