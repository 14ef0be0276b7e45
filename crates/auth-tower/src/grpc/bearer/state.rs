//! The shared token cache and its single-flight refresh.

use super::error::{TokenError, TokenErrorKind};
use super::token::{BearerToken, TokenSource};
use auth_core::{Clock, Timestamp};
use http::header::HeaderValue;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The token cache every clone of a layer and its services shares.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) source: Arc<dyn TokenSource>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) min_margin: Duration,
    pub(super) percent: u8,
    pub(super) current: Mutex<Option<Current>>,
    /// Held while fetching: the single flight.
    pub(super) refresh: tokio::sync::Mutex<()>,
}

/// The token in use.
#[derive(Clone)]
pub(super) struct Current {
    pub(super) token: BearerToken,
    pub(super) header: HeaderValue,
    pub(super) refresh_at: Timestamp,
    /// False once invalidated: never sent again.
    pub(super) usable: bool,
}

impl fmt::Debug for Current {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Current")
            .field("token", &self.token)
            .field("refresh_at", &self.refresh_at)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Option<Current>> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current token if it is not due for a refresh.
    pub(super) fn fresh(&self) -> Option<Current> {
        let now = self.clock.now();
        self.lock()
            .as_ref()
            .filter(|c| c.usable && now < c.refresh_at)
            .cloned()
    }

    /// The token for a call: the current one, or a new one if it is due (one fetch at a
    /// time; the calls that waited use its result).
    pub(super) async fn current(&self) -> Result<Current, TokenError> {
        if let Some(c) = self.fresh() {
            return Ok(c);
        }
        let _flight = self.refresh.lock().await;
        // Another call may have refreshed while this one waited.
        if let Some(c) = self.fresh() {
            return Ok(c);
        }
        let previous = self.lock().clone();
        match self.fetch(previous.as_ref().map(|c| &c.token)).await {
            Ok(next) => {
                *self.lock() = Some(next.clone());
                Ok(next)
            }
            Err(error) => match previous {
                Some(c) if c.usable && self.clock.now() < c.token.expires_at() => {
                    tracing::warn!(target: "auth_tower::grpc", %error, "token refresh failed; the current token is still valid");
                    Ok(c)
                }
                _ => {
                    tracing::warn!(target: "auth_tower::grpc", %error, "no access token for the call");
                    Err(error)
                }
            },
        }
    }

    async fn fetch(&self, previous: Option<&BearerToken>) -> Result<Current, TokenError> {
        let token = self
            .source
            .fetch(previous)
            .await
            .map_err(TokenError::fetch)?;
        let now = self.clock.now();
        if token.expires_at() <= now {
            return Err(TokenError::invalid(
                TokenErrorKind::Expired,
                "the token source returned an expired token",
            ));
        }
        let mut header = HeaderValue::try_from(format!("Bearer {}", token.access_token()))
            .map_err(|_| {
                TokenError::invalid(
                    TokenErrorKind::InvalidToken,
                    "the access token is not a valid header value",
                )
            })?;
        header.set_sensitive(true);
        let lifetime = token.expires_at().duration_since(now);
        let margin = self
            .min_margin
            .max(lifetime * u32::from(self.percent) / 100)
            .min(lifetime / 2);
        tracing::debug!(target: "auth_tower::grpc", expires_at = %token.expires_at(), "new access token");
        Ok(Current {
            refresh_at: token.expires_at().saturating_sub(margin),
            token,
            header,
            usable: true,
        })
    }
}
