//! [`HybridService`]: sends each request to the bearer or the cookie path.

use crate::body::RejectionBody;
use crate::jwt::layer::JwtConfig;
use crate::macros::{ResponseFuture, inner_accessors};
use crate::session::config::SessionConfig;
use auth_jwt::ErrorKind;
use http::{Request, Response};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_service::Service;

/// The service [`HybridLayer`](super::HybridLayer) wraps around yours.
#[derive(Debug, Clone)]
pub struct HybridService<S> {
    inner: S,
    session: Arc<SessionConfig>,
    jwt: Arc<JwtConfig>,
}

impl<S> HybridService<S> {
    pub(super) fn new(inner: S, session: Arc<SessionConfig>, jwt: Arc<JwtConfig>) -> Self {
        Self {
            inner,
            session,
            jwt,
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for HybridService<S>
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

    fn call(
        &mut self,
        #[cfg_attr(not(feature = "axum"), allow(unused_mut))] mut req: Request<ReqBody>,
    ) -> Self::Future {
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        if has_bearer_credentials(&req) {
            tracing::trace!(target: "auth::hybrid", "bearer request");
            #[cfg(feature = "axum")]
            {
                let marker = crate::session::BearerRequest {
                    protocol: crate::rejection::Protocol::of(&req),
                    style: self.jwt.style.clone(),
                };
                req.extensions_mut().insert(marker);
            }
            crate::jwt::service::serve(inner, self.jwt.clone(), req)
        } else {
            tracing::trace!(target: "auth::hybrid", "cookie request");
            crate::session::service::serve(inner, self.session.clone(), req)
        }
    }
}

/// Whether the request presents bearer credentials, valid or not: anything but "no
/// `Authorization` header, or another scheme" goes to the bearer path, so a malformed or
/// duplicated bearer header is refused there and never falls back to the cookie.
fn has_bearer_credentials<B>(req: &Request<B>) -> bool {
    match auth_jwt::bearer_token(req.headers()) {
        Ok(_) => true,
        Err(e) => e.kind() != ErrorKind::MissingToken,
    }
}

inner_accessors!(HybridService);
