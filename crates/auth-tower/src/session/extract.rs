//! axum integration (feature `axum`): the [`Session`] extractor, [`SessionError`] as a
//! response, and the session as an identity source for the `Identity` extractors.

use super::error::SessionError;
use super::handle::Session;
use crate::rejection::{Protocol, Rejection, RejectionKind, Style};
use async_trait::async_trait;
use auth_core::extract::IdentitySource;
use auth_core::{Error, Identity};
use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = NoSession;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(session) = parts.extensions.get::<Session>() {
            return Ok(session.clone());
        }
        Err(match parts.extensions.get::<BearerRequest>() {
            Some(bearer) => NoSession(Reason::Bearer(bearer.clone())),
            None => NoSession(Reason::MissingLayer),
        })
    }
}

/// Put in the extensions of a request the hybrid layer authenticated by bearer token: it has
/// no [`Session`], and the `Session` extractor says so to the client.
#[derive(Debug, Clone)]
pub(crate) struct BearerRequest {
    pub(crate) protocol: Protocol,
    pub(crate) style: Style,
}

/// Why the [`Session`] extractor found no session: the route has no
/// [`SessionLayer`](super::SessionLayer) (a server bug, answered with 500 and a message that
/// says so), or a `HybridLayer` (feature `jwt`) authenticated the request by bearer token and
/// this handler needs a cookie session (403).
#[derive(Debug)]
pub struct NoSession(Reason);

#[derive(Debug)]
enum Reason {
    MissingLayer,
    Bearer(BearerRequest),
}

impl NoSession {
    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        match self.0 {
            Reason::MissingLayer => StatusCode::INTERNAL_SERVER_ERROR,
            Reason::Bearer(_) => StatusCode::FORBIDDEN,
        }
    }
}

impl IntoResponse for NoSession {
    fn into_response(self) -> Response {
        match self.0 {
            Reason::MissingLayer => {
                tracing::error!(target: "auth::rejection", "Session extractor used without SessionLayer");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Missing request extension: Session. Did you add SessionLayer to this route?",
                )
                    .into_response()
            }
            Reason::Bearer(bearer) => bearer.style.render(
                &Rejection::new(
                    RejectionKind::Forbidden,
                    "this endpoint needs a session cookie; bearer tokens are not accepted here",
                ),
                bearer.protocol,
            ),
        }
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
