//! [`JwtService`]: the per-request work of [`JwtLayer`](super::JwtLayer).

use super::layer::JwtConfig;
use super::rejection_for;
use crate::body::RejectionBody;
use crate::macros::{ResponseFuture, inner_accessors};
use crate::rejection::{Protocol, Rejection, RejectionKind};
use auth_jwt::ErrorKind;
use http::header::AUTHORIZATION;
use http::{HeaderMap, Request, Response};
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

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        // Use the service that was polled ready; leave a fresh clone in its place.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        serve(inner, self.config.clone(), req)
    }
}

/// Where the request's token came from.
enum Presented {
    Header(String),
    Cookie(String),
    Nothing,
}

/// The token the request presents, or why its credentials are refused at once.
fn presented(headers: &HeaderMap, config: &JwtConfig) -> Result<Presented, auth_jwt::Error> {
    match auth_jwt::bearer_token(headers) {
        Ok(token) => Ok(Presented::Header(token.to_owned())),
        Err(e) if e.kind() == ErrorKind::MissingToken => {
            let cookie = config
                .cookie
                .as_deref()
                .filter(|_| headers.get(AUTHORIZATION).is_none())
                .and_then(|name| crate::cookie_header::find(headers, name))
                .filter(|value| !value.is_empty());
            Ok(cookie.map_or(Presented::Nothing, |v| Presented::Cookie(v.to_owned())))
        }
        Err(e) => Err(e),
    }
}

/// The layer's work on one request, with `inner` already polled ready. Shared with the hybrid
/// layer, which sends requests with bearer credentials here.
pub(crate) fn serve<S, ReqBody, ResBody>(
    mut inner: S,
    config: Arc<JwtConfig>,
    mut req: Request<ReqBody>,
) -> ResponseFuture<Response<ResBody>, S::Error>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: RejectionBody + Send + 'static,
{
    Box::pin(async move {
        let protocol = Protocol::of(&req);
        let refuse = |rejection: &Rejection| Ok(config.style.render(rejection, protocol));
        let token = match presented(req.headers(), &config) {
            Ok(Presented::Header(token)) => Some(token),
            Ok(Presented::Cookie(token)) => {
                if let Err(refusal) = config.cross_site.check(&req) {
                    tracing::info!(target: "auth::jwt", method = %req.method(), reason = refusal.description(), "cross-site request with a token cookie refused");
                    return refuse(&Rejection::new(
                        RejectionKind::Forbidden,
                        refusal.description(),
                    ));
                }
                Some(token)
            }
            Ok(Presented::Nothing) if !config.required => None,
            Ok(Presented::Nothing) => {
                tracing::debug!(target: "auth::jwt", "no bearer credentials");
                return refuse(&Rejection::new(
                    RejectionKind::Unauthenticated,
                    "authentication required",
                ));
            }
            Err(e) => {
                tracing::debug!(target: "auth::jwt", kind = %e.kind().as_str(), "bearer credentials refused");
                return refuse(&rejection_for(&e));
            }
        };
        match token {
            Some(token) => match config.verifier.verify(&token).await {
                Ok(identity) => {
                    tracing::debug!(target: "auth::jwt", "bearer token accepted");
                    crate::context::verified(
                        req.extensions_mut(),
                        identity,
                        &config.style,
                        protocol,
                    );
                }
                Err(e) => {
                    tracing::info!(target: "auth::jwt", kind = %e.kind().as_str(), "bearer token refused");
                    return refuse(&rejection_for(&e));
                }
            },
            None => crate::context::anonymous(req.extensions_mut(), &config.style, protocol),
        }
        inner.call(req).await
    })
}

inner_accessors!(JwtService);
