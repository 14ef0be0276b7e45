//! [`JwtService`]: the per-request work of [`JwtLayer`](super::JwtLayer).

#[cfg(feature = "axum")]
use super::anonymous;
use super::layer::JwtConfig;
use super::rejection_for;
use crate::body::RejectionBody;
use crate::macros::{ResponseFuture, inner_accessors};
use crate::rejection::Protocol;
use auth_jwt::ErrorKind;
use http::{Request, Response};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_service::Service;

/// The service [`JwtLayer`](super::JwtLayer) wraps around yours.
#[derive(Debug, Clone)]
pub struct JwtService<S> {
    inner: S,
    config: Arc<JwtConfig>,
}

impl<S> JwtService<S> {
    pub(super) fn new(inner: S, config: Arc<JwtConfig>) -> Self {
        Self { inner, config }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for JwtService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: RejectionBody + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let config = self.config.clone();
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let protocol = Protocol::of(&req);
            let token = match auth_jwt::bearer_token(req.headers()) {
                Ok(token) => Some(token.to_owned()),
                Err(e) if e.kind() == ErrorKind::MissingToken && !config.required => None,
                Err(e) => {
                    tracing::debug!(target: "auth::jwt", kind = %e.kind().as_str(), "bearer credentials refused");
                    return Ok(rejection_for(&e).render(protocol, &config.realm));
                }
            };
            match token {
                Some(token) => match config.verifier.verify(&token).await {
                    Ok(identity) => {
                        tracing::debug!(target: "auth::jwt", "bearer token accepted");
                        req.extensions_mut().insert(identity);
                    }
                    Err(e) => {
                        tracing::info!(target: "auth::jwt", kind = %e.kind().as_str(), "bearer token refused");
                        return Ok(rejection_for(&e).render(protocol, &config.realm));
                    }
                },
                #[cfg(feature = "axum")]
                None => anonymous::mark(&mut req, protocol, &config.realm),
                #[cfg(not(feature = "axum"))]
                None => {}
            }
            inner.call(req).await
        })
    }
}

inner_accessors!(JwtService);
