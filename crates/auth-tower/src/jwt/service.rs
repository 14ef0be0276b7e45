//! [`JwtService`]: the per-request work of [`JwtLayer`](super::JwtLayer).

use super::layer::JwtConfig;
use crate::decision::{self, Outcome};
use crate::future::{AfterResponse, State};
use crate::macros::{inner_accessors, opaque_future};
use crate::rejection::text::AUTHENTICATION_REQUIRED;
use crate::rejection::{Protocol, Rejection, RejectionKind, Renderer};
use crate::service::{InnerService, take_ready};
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

opaque_future! {
    /// The response future of [`JwtService`]: a refusal decided without I/O (no token where
    /// one is required, a malformed header, a token the keys at hand refuse) is ready at once,
    /// with nothing allocated; an accepted token gives the inner service's future as is. Only
    /// a token whose key must first be fetched (an unknown `kid` with a remote key set) waits,
    /// boxed.
    pub struct ResponseFuture;
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for JwtService<S>
where
    S: InnerService<Request<ReqBody>, Response = Response<ResBody>>,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let inner = take_ready(&mut self.inner);
        ResponseFuture::new(serve(inner, &self.config, req))
    }
}

/// Where the request's token came from.
enum Presented<'a> {
    Header(&'a str),
    Cookie(&'a str),
    Nothing,
}

/// The token the request presents, or why its credentials are refused at once.
fn presented<'a>(
    headers: &'a HeaderMap,
    config: &JwtConfig,
) -> Result<Presented<'a>, auth_jwt::Error> {
    match auth_jwt::bearer_token(headers) {
        Ok(token) => Ok(Presented::Header(token)),
        Err(e) if e.kind() == ErrorKind::MissingToken => {
            let cookie = config
                .cookie
                .as_deref()
                .filter(|_| headers.get(AUTHORIZATION).is_none())
                .and_then(|name| crate::cookie_header::find(headers, name))
                .filter(|value| !value.is_empty());
            Ok(cookie.map_or(Presented::Nothing, Presented::Cookie))
        }
        Err(e) => Err(e),
    }
}

/// Whether a refusal by the keys at hand may change once a remote key set refetches: an
/// unknown `kid`, or a remote key set not loaded yet. [`auth_jwt::Verifier::verify`] then
/// refetches (rate-limited) and tries again; every other refusal is final at once.
fn may_need_fetch(error: &auth_jwt::Error) -> bool {
    matches!(error.kind(), ErrorKind::UnknownKey | ErrorKind::Unavailable)
}

/// The layer's work on one request, with `inner` already polled ready. Shared with the hybrid
/// layer, which sends requests with bearer credentials here.
pub(crate) fn serve<S, A, ReqBody, ResBody>(
    mut inner: S,
    config: &Arc<JwtConfig>,
    mut req: Request<ReqBody>,
) -> State<S::Future, A>
where
    S: InnerService<Request<ReqBody>, Response = Response<ResBody>>,
    A: AfterResponse,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    let protocol = Protocol::of(&req);
    let refuse = |rejection: &Rejection| State::ready(Ok(config.style.render(rejection, protocol)));
    let token = match presented(req.headers(), config) {
        Ok(Presented::Header(token)) => token,
        Ok(Presented::Cookie(token)) => {
            if let Err(refusal) = config.cross_site.check(&req) {
                tracing::info!(target: "auth_tower::jwt", method = %req.method(), reason = refusal.description(), "cross-site request with a token cookie refused");
                return refuse(&Rejection::new(
                    RejectionKind::Forbidden,
                    refusal.description(),
                ));
            }
            token
        }
        Ok(Presented::Nothing) if !config.required => {
            decision::record(config.style.decider(), Outcome::Anonymous);
            let voice = crate::context::anonymous(req.extensions_mut(), &config.style, protocol);
            return State::voiced(inner.call(req), voice);
        }
        Ok(Presented::Nothing) => {
            tracing::debug!(target: "auth_tower::jwt", "no bearer credentials");
            return refuse(&Rejection::new(
                RejectionKind::Unauthenticated,
                AUTHENTICATION_REQUIRED,
            ));
        }
        Err(e) => {
            tracing::debug!(target: "auth_tower::jwt", kind = %e.kind().as_str(), "bearer credentials refused");
            return refuse(&Rejection::from(&e));
        }
    };
    let voice = match config.verifier.verify_sync_shared(token) {
        Ok(identity) => accept(&mut req, identity, config, protocol),
        Err(e) if may_need_fetch(&e) => {
            let token = token.to_owned();
            let config = config.clone();
            return State::boxed(async move {
                let voice = match config.verifier.verify_shared(&token).await {
                    Ok(identity) => accept(&mut req, identity, &config, protocol),
                    Err(e) => return Ok(refused(&config, &e, protocol)),
                };
                crate::future::in_voice(inner.call(req).await, voice)
            });
        }
        Err(e) => return State::ready(Ok(refused(config, &e, protocol))),
    };
    State::voiced(inner.call(req), voice)
}

/// Put the verified identity where handlers and guards find it (the request's
/// [`AuthContext`](auth_core::AuthContext)).
fn accept<B>(
    req: &mut Request<B>,
    identity: Arc<auth_core::Identity>,
    config: &JwtConfig,
    protocol: Protocol,
) -> Option<Arc<Renderer>> {
    tracing::debug!(target: "auth_tower::jwt", issuer = identity.issuer(), client = identity.is_client(), "bearer token accepted");
    decision::record(config.style.decider(), Outcome::Accepted);
    crate::context::verified(req.extensions_mut(), identity, &config.style, protocol)
}

/// The refusal of a token the verifier refused.
fn refused<B: Default + 'static>(
    config: &JwtConfig,
    error: &auth_jwt::Error,
    protocol: Protocol,
) -> Response<B> {
    tracing::info!(target: "auth_tower::jwt", kind = %error.kind().as_str(), "bearer token refused");
    config.style.render(&Rejection::from(error), protocol)
}

inner_accessors!(JwtService);
