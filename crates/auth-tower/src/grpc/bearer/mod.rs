//! Client side: [`BearerLayer`] attaches `authorization: Bearer <token>` to every call of a
//! tonic client and refreshes the token before it expires.

mod error;
mod layer;
mod state;
#[cfg(test)]
mod tests;
mod token;

pub use error::{TokenError, TokenErrorKind};
pub use layer::{BearerLayer, BearerLayerBuilder, DEFAULT_REFRESH_MARGIN, DEFAULT_REFRESH_PERCENT};
pub use token::{BearerToken, TokenSource};

use crate::grpc::BoxError;
use crate::macros::{ResponseFuture, inner_accessors};
use http::header::AUTHORIZATION;
use http::{Request, Response};
use state::Shared;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_service::Service;

/// The service [`BearerLayer`] wraps around a client (a tonic `Channel`).
#[derive(Debug, Clone)]
pub struct BearerService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for BearerService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ReqBody: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = BoxError;
    type Future = ResponseFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let shared = self.shared.clone();
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let current = shared
                .current()
                .await
                .map_err(|e| BoxError::from(e.to_status()))?;
            req.headers_mut().insert(AUTHORIZATION, current.header);
            inner.call(req).await.map_err(Into::into)
        })
    }
}

inner_accessors!(BearerService);
