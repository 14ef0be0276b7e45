//! axum extractors for [`Identity`] and `Option<Identity>` (feature `axum`).
//!
//! Both read the [`AuthContext`] the auth layers put in the request extensions: a verified
//! identity, a source asked lazily (the session layer: the store is hit only when a handler
//! asks), or "anonymous" (an optional bearer layer saw no token). A refusal is rendered by the
//! layer that wrote the context, in its protocol, realm and body.
//!
//! With no context, the extractor answers 500 and says which layer is missing: a forgotten
//! layer must never look like an anonymous request.

use crate::context::{AUTHENTICATION_REQUIRED, Refusal};
use crate::{AuthContext, Error, Identity};
use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::{CACHE_CONTROL, HeaderValue};
use http::request::Parts;
use std::fmt;

/// The text of the 500 for a route without an auth layer.
const MISSING_LAYER: &str = "Missing auth layer: the Identity extractor found neither an identity \
                             nor a session. Did you add SessionLayer (or JwtLayer) to this route?";

/// Why an [`Identity`] could not be extracted: the request is anonymous (the layer's 401), the
/// identity could not be resolved (the layer's 503 / 500), or no auth layer ran (500).
///
/// Like axum's rejections it has [`status`](Self::status) and [`body_text`](Self::body_text),
/// and implements `Display` and `Error`.
pub struct IdentityRejection {
    reason: Reason,
    response: Response,
}

enum Reason {
    MissingLayer,
    Unauthenticated,
    Failed(Error),
}

impl IdentityRejection {
    /// The HTTP status the rejection answers with.
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }

    /// What the rejection tells the client, in plain text (the body may differ when the layer
    /// has an error body of its own).
    pub fn body_text(&self) -> String {
        match &self.reason {
            Reason::MissingLayer => MISSING_LAYER.to_owned(),
            Reason::Unauthenticated => AUTHENTICATION_REQUIRED.to_owned(),
            // The client is never told the store's own message.
            Reason::Failed(e) => Refusal::Failed(e).description().to_owned(),
        }
    }

    fn missing_layer() -> Self {
        tracing::error!(
            target: "auth_core::extract",
            "Identity extractor used on a route without an auth layer"
        );
        let mut response = (StatusCode::INTERNAL_SERVER_ERROR, MISSING_LAYER).into_response();
        no_store(&mut response);
        Self {
            reason: Reason::MissingLayer,
            response,
        }
    }

    fn refused(cx: &AuthContext, reason: Reason) -> Self {
        let refusal = match &reason {
            Reason::Failed(e) => Refusal::Failed(e),
            Reason::Unauthenticated | Reason::MissingLayer => Refusal::Unauthenticated,
        };
        let response = match cx.renderer() {
            Some(renderer) => renderer.response(refusal),
            None => bare_refusal(refusal),
        };
        Self { reason, response }
    }
}

/// The response to `refusal` from a context without a renderer: the bare status, a short
/// plain-text body and `Cache-Control: no-store`.
pub(crate) fn bare_refusal(refusal: Refusal<'_>) -> Response {
    let status = match refusal {
        Refusal::Unauthenticated => StatusCode::UNAUTHORIZED,
        Refusal::Failed(e) if e.kind() == crate::ErrorKind::Unavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        Refusal::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut response = (status, refusal.description()).into_response();
    no_store(&mut response);
    response
}

fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

impl fmt::Debug for IdentityRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityRejection")
            .field("status", &self.response.status())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for IdentityRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            Reason::MissingLayer => f.write_str(MISSING_LAYER),
            Reason::Unauthenticated => f.write_str("no identity: authentication required"),
            Reason::Failed(e) => write!(f, "the identity could not be resolved: {e}"),
        }
    }
}

impl std::error::Error for IdentityRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.reason {
            Reason::Failed(e) => Some(e),
            Reason::MissingLayer | Reason::Unauthenticated => None,
        }
    }
}

impl IntoResponse for IdentityRejection {
    fn into_response(self) -> Response {
        self.response
    }
}

async fn resolve(parts: &Parts) -> Result<(Option<Identity>, &AuthContext), IdentityRejection> {
    let Some(cx) = parts.extensions.get::<AuthContext>() else {
        return Err(IdentityRejection::missing_layer());
    };
    match cx.identity().await {
        Ok(identity) => Ok((identity, cx)),
        Err(e) => Err(IdentityRejection::refused(cx, Reason::Failed(e))),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = IdentityRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match resolve(parts).await? {
            (Some(identity), _) => Ok(identity),
            (None, cx) => Err(IdentityRejection::refused(cx, Reason::Unauthenticated)),
        }
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Identity {
    type Rejection = IdentityRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        resolve(parts).await.map(|(identity, _)| identity)
    }
}
