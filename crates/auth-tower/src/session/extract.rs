//! axum integration (feature `axum`): the [`Session`] extractor and [`SessionError`] as a
//! response. (The session as the identity source of the request is in `context.rs`.)

use super::error::SessionError;
use super::handle::Session;
use crate::decision::Decider;
use crate::rejection::text::SESSION_COOKIE_REQUIRED;
use crate::rejection::{Protocol, Rejection, RejectionKind, Style};
use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use std::fmt;

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
        self.rejection().status()
    }

    /// What the client is told, in plain text.
    pub fn body_text(&self) -> String {
        self.rejection().body_text()
    }

    fn rejection(&self) -> Rejection {
        match self.0 {
            Reason::MissingLayer => Rejection::new(
                RejectionKind::Internal,
                "Missing request extension: Session. Did you add SessionLayer to this route?",
            ),
            Reason::Bearer(_) => Rejection::new(RejectionKind::Forbidden, SESSION_COOKIE_REQUIRED),
        }
    }
}

impl fmt::Display for NoSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rejection().description())
    }
}

impl std::error::Error for NoSession {}

impl IntoResponse for NoSession {
    fn into_response(self) -> Response {
        let rejection = self.rejection();
        match self.0 {
            Reason::MissingLayer => {
                tracing::error!(target: "auth_tower::rejection", "Session extractor used without SessionLayer");
                Style::of(Decider::Extractor).render(&rejection, Protocol::Http)
            }
            Reason::Bearer(bearer) => {
                bearer
                    .style
                    .render_as(&rejection, bearer.protocol, Decider::Extractor)
            }
        }
    }
}

impl IntoResponse for SessionError {
    fn into_response(self) -> Response {
        tracing::warn!(target: "auth_tower::session", error = %self.error(), "session operation failed");
        self.style()
            .render_as(&self.rejection(), self.protocol(), Decider::Handler)
    }
}
