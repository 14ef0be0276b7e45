//! axum extractors for [`Identity`] and `Option<Identity>` (feature `axum`).
//!
//! The identity can come from two places, in this order:
//! 1. an [`Identity`] in the request extensions (put there by a bearer-token layer or a guard);
//! 2. an [`IdentityProvider`] in the request extensions (put there by the session layer), which
//!    loads the session lazily, only when a handler asks.
//!
//! With neither, the extractor answers 500 and says which layer is missing: a forgotten layer
//! must never look like an anonymous request.

use crate::{Error, Identity};
use async_trait::async_trait;
use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use std::fmt;
use std::sync::Arc;

/// Something that can say who a request is from, asked only when a handler wants to know.
/// Implemented by the session layer; rarely implemented by users.
#[async_trait]
pub trait IdentitySource: Send + Sync + 'static {
    /// The identity, `None` if the request is anonymous.
    ///
    /// # Errors
    /// When the store behind it fails (the extractor then answers with [`rejection`]).
    ///
    /// [`rejection`]: IdentitySource::rejection
    async fn identity(&self) -> Result<Option<Identity>, Error>;

    /// The response for "no identity" (`None`) or for a failure (`Some(error)`), rendered in
    /// the protocol and style the layer was configured with.
    fn rejection(&self, error: Option<&Error>) -> Response;
}

/// The request extension through which layers hand an [`IdentitySource`] to extractors.
#[derive(Clone)]
pub struct IdentityProvider(Arc<dyn IdentitySource>);

impl IdentityProvider {
    /// Wrap a source.
    pub fn new(source: Arc<dyn IdentitySource>) -> Self {
        Self(source)
    }
}

impl fmt::Debug for IdentityProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityProvider")
    }
}

/// Why an [`Identity`] could not be extracted; renders as the layer's 401 / 503, or as a 500
/// when no auth layer is installed.
pub struct IdentityRejection(Response);

impl IdentityRejection {
    /// The HTTP status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        self.0.status()
    }

    fn missing_layer() -> Self {
        tracing::error!(
            target: "auth::rejection",
            "Identity extractor used on a route without an auth layer"
        );
        Self(
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Missing auth layer: the Identity extractor found neither an identity nor a \
                 session. Did you add SessionLayer (or JwtLayer) to this route?",
            )
                .into_response(),
        )
    }
}

impl fmt::Debug for IdentityRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdentityRejection")
            .field(&self.0.status())
            .finish()
    }
}

impl IntoResponse for IdentityRejection {
    fn into_response(self) -> Response {
        self.0
    }
}

async fn resolve(parts: &Parts) -> Result<Option<Identity>, IdentityRejection> {
    if let Some(identity) = parts.extensions.get::<Identity>() {
        return Ok(Some(identity.clone()));
    }
    let Some(IdentityProvider(source)) = parts.extensions.get::<IdentityProvider>() else {
        return Err(IdentityRejection::missing_layer());
    };
    match source.identity().await {
        Ok(identity) => Ok(identity),
        Err(e) => Err(IdentityRejection(source.rejection(Some(&e)))),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = IdentityRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match resolve(parts).await? {
            Some(identity) => Ok(identity),
            None => {
                let response = match parts.extensions.get::<IdentityProvider>() {
                    Some(IdentityProvider(source)) => source.rejection(None),
                    None => StatusCode::UNAUTHORIZED.into_response(),
                };
                Err(IdentityRejection(response))
            }
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Identity {
    type Rejection = IdentityRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        resolve(parts).await
    }
}
