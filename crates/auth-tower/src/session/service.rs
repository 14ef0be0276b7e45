//! [`SessionService`]: the per-request work of the session layer.

use super::config::SessionConfig;
use super::cookie;
use super::error::rejection_for;
use super::handle::Session;
use crate::body::RejectionBody;
use crate::macros::{ResponseFuture, inner_accessors};
use crate::rejection::{Protocol, Rejection, RejectionKind};
use http::header::{CACHE_CONTROL, HeaderValue};
use http::{Request, Response};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_service::Service;
use tracing::Instrument as _;

/// The service [`SessionLayer`](super::SessionLayer) wraps around yours.
#[derive(Debug, Clone)]
pub struct SessionService<S> {
    inner: S,
    config: Arc<SessionConfig>,
}

impl<S> SessionService<S> {
    pub(crate) fn new(inner: S, config: Arc<SessionConfig>) -> Self {
        Self { inner, config }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
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

/// The layer's work on one request, with `inner` already polled ready. Shared with the hybrid
/// layer, which sends requests without bearer credentials here.
pub(crate) fn serve<S, ReqBody, ResBody>(
    mut inner: S,
    config: Arc<SessionConfig>,
    mut req: Request<ReqBody>,
) -> ResponseFuture<Response<ResBody>, S::Error>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: RejectionBody + Send + 'static,
{
    let protocol = Protocol::of(&req);

    if let Err(refusal) = config.cross_site.check(&req) {
        tracing::info!(target: "auth::session", method = %req.method(), reason = refusal.description(), "cross-site request refused");
        let rejection = Rejection::new(RejectionKind::Forbidden, refusal.description());
        let res = config.style.render(&rejection, protocol);
        return Box::pin(async move { Ok(res) });
    }

    let presented = cookie::read(req.headers(), &config.cookie).and_then(|parsed| {
        if parsed.is_err() {
            tracing::debug!(target: "auth::session", "malformed session cookie ignored");
        }
        parsed.ok()
    });
    let presented_kind = if presented.is_some() {
        "present"
    } else {
        "absent"
    };
    let session = Session::new(config.clone(), protocol, presented);
    req.extensions_mut().insert(session.clone());
    let source = Arc::new(session.clone());
    crate::context::source(req.extensions_mut(), source, &config.style, protocol);

    let span = tracing::debug_span!(
        target: "auth::session",
        "session",
        method = %req.method(),
        cookie = presented_kind,
    );
    Box::pin(
        async move {
        let mut res = inner.call(req).await?;
        match session.commit().await {
            Ok(action) => {
                if cookie::apply(res.headers_mut(), &config.cookie, &action) {
                    // A response that sets a session cookie must never be cached.
                    res.headers_mut()
                        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                }
            }
            Err(error) => {
                tracing::warn!(target: "auth::session", %error, "session could not be saved; answering 503");
                res = config.style.render(&rejection_for(&error), protocol);
            }
        }
        Ok(res)
    }
        .instrument(span),
    )
}

inner_accessors!(SessionService);
