//! An anonymous request through an optional [`JwtLayer`](super::JwtLayer): the extractors
//! must see that an auth layer ran (so `Option<Identity>` is `None`, not a "missing layer"
//! 500), and `Identity` must refuse with this layer's challenge.

use crate::rejection::{Protocol, Rejection, RejectionKind, Style};
use async_trait::async_trait;
use auth_core::extract::{IdentityProvider, IdentitySource};
use auth_core::{Error, Identity};
use axum_core::response::Response;
use http::Request;
use std::sync::Arc;

struct Anonymous {
    protocol: Protocol,
    style: Style,
}

#[async_trait]
impl IdentitySource for Anonymous {
    async fn identity(&self) -> Result<Option<Identity>, Error> {
        Ok(None)
    }

    fn rejection(&self, error: Option<&Error>) -> Response {
        let rejection = match error {
            None => Rejection::new(RejectionKind::Unauthenticated, "authentication required"),
            Some(_) => Rejection::new(
                RejectionKind::Internal,
                "authentication failed on the server",
            ),
        };
        self.style.render(&rejection, self.protocol)
    }
}

/// Mark `req` as seen by an auth layer and anonymous, unless another layer (a session layer
/// further out) already provides an identity source.
pub(crate) fn mark<B>(req: &mut Request<B>, protocol: Protocol, style: &Style) {
    if req.extensions().get::<IdentityProvider>().is_none() {
        let source = Anonymous {
            protocol,
            style: style.clone(),
        };
        req.extensions_mut()
            .insert(IdentityProvider::new(Arc::new(source)));
    }
}
