//! Client side: [`AddBearerTokenLayer`] attaches `authorization: Bearer <token>` to every call of a
//! tonic client and refreshes the token before it expires.

mod error;
mod layer;
mod state;
#[cfg(test)]
mod tests;
mod token;

pub use error::{TokenError, TokenErrorKind};
pub use layer::{AddBearerTokenLayer, AddBearerTokenLayerBuilder};
pub use token::{BearerToken, TokenSource};

use crate::future::BoxFuture;
use crate::grpc::BoxError;
use crate::macros::inner_accessors;
use crate::service::{InnerService, take_ready};
use http::header::AUTHORIZATION;
use http::{Request, Response};
use pin_project_lite::pin_project;
use state::Shared;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use tower_service::Service;

/// The service [`AddBearerTokenLayer`] wraps around a client (a tonic `Channel`).
#[derive(Debug, Clone)]
pub struct AddBearerTokenService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AddBearerTokenService<S>
where
    S: InnerService<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: Into<BoxError>,
    ReqBody: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let mut inner = take_ready(&mut self.inner);
        // The common case: the cached token is not due for a refresh, so nothing is awaited.
        if let Some(current) = self.shared.fresh() {
            req.headers_mut().insert(AUTHORIZATION, current.header);
            return ResponseFuture {
                state: Kind::Inner {
                    future: inner.call(req),
                },
            };
        }
        let shared = self.shared.clone();
        ResponseFuture {
            state: Kind::Refreshing {
                future: Box::pin(async move {
                    let current = shared
                        .current()
                        .await
                        .map_err(|e| BoxError::from(e.to_status()))?;
                    req.headers_mut().insert(AUTHORIZATION, current.header);
                    inner.call(req).await.map_err(Into::into)
                }),
            },
        }
    }
}

pin_project! {
    /// The response future of [`AddBearerTokenService`]: the inner call's as is while the cached
    /// token is fresh; boxed only when a token must be fetched first.
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: Kind<F, B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F, B> {
        Inner { #[pin] future: F },
        Refreshing { future: BoxFuture<Result<Response<B>, BoxError>> },
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: Into<BoxError>,
{
    type Output = Result<Response<B>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            KindProj::Inner { future } => Poll::Ready(ready!(future.poll(cx)).map_err(Into::into)),
            KindProj::Refreshing { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F, B> fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

inner_accessors!(AddBearerTokenService);
