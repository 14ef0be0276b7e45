//! An anonymous request through an optional [`JwtLayer`](super::JwtLayer): the extractors
//! must see that an auth layer ran (so `Option<Identity>` is `None`, not a "missing layer"
//! 500), and `Identity` must refuse with this layer's challenge.

use crate::rejection::{Protocol, Rejection, RejectionKind};
use async_trait::async_trait;
use auth_core::extract::{IdentityProvider, IdentitySource};
use auth_core::{Error, Identity};
use axum_core::response::Response;
use http::Request;
use std::sync::Arc;

struct Anonymous {
    protocol: Protocol,
    realm: String,
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
        rejection.render(self.protocol, &self.realm)
    }
}

/// Mark `req` as seen by an auth layer and anonymous, unless another layer (a session layer
/// further out) already provides an identity source.
pub(super) fn mark<B>(req: &mut Request<B>, protocol: Protocol, realm: &str) {
    if req.extensions().get::<IdentityProvider>().is_none() {
        let source = Anonymous {
            protocol,
            realm: realm.to_owned(),
        };
        req.extensions_mut()
            .insert(IdentityProvider::new(Arc::new(source)));
    }
}
