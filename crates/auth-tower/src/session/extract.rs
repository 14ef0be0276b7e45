//! axum integration (feature `axum`): the [`Session`] extractor, [`SessionError`] as a
//! response, and the session as an identity source for the `Identity` extractors.

use super::error::SessionError;
use super::handle::Session;
use crate::rejection::{Rejection, RejectionKind};
use async_trait::async_trait;
use auth_core::extract::IdentitySource;
use auth_core::{Error, Identity};
use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or(MissingSessionLayer)
    }
}

/// The [`Session`] extractor was used on a route without [`SessionLayer`](super::SessionLayer):
/// a server bug, answered with 500 and a message that says so.
#[derive(Debug, Clone, Copy)]
pub struct MissingSessionLayer;

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> Response {
        tracing::error!(target: "auth::rejection", "Session extractor used without SessionLayer");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Missing request extension: Session. Did you add SessionLayer to this route?",
        )
            .into_response()
    }
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        tracing::warn!(target: "auth::session", error = %self.error(), "session operation failed");
        self.style().render(&self.rejection(), self.protocol())
    }
}

#[async_trait]
impl IdentitySource for Session {
    async fn identity(&self) -> Result<Option<Identity>, Error> {
        Session::identity(self).await.map_err(|e| {
            let inner = e.error();
            Error::new(inner.kind(), inner.message().to_owned())
        })
    }

    fn rejection(&self, error: Option<&Error>) -> Response {
        let rejection = match error {
            None => Rejection::new(RejectionKind::Unauthenticated, "authentication required"),
            Some(e) => super::error::rejection_for(e),
        };
        self.config().style.render(&rejection, self.protocol())
    }
}
