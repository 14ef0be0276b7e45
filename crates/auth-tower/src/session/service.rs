//! [`SessionService`]: the per-request work of the session layer.

use super::commit::TouchWrite;
use super::config::SessionConfig;
use super::cookie;
use super::handle::Session;
use crate::future::{AfterResponse, BoxFuture, Finished, State};
use crate::macros::{inner_accessors, opaque_future};
use crate::rejection::{Protocol, Rejection, RejectionKind};
use crate::service::{InnerService, take_ready};
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

opaque_future! {
    /// The response future of [`SessionService`]: a cross-site refusal is ready at once
    /// (nothing allocated); otherwise the inner service's response, then the session's changes
    /// written to the store.
    pub struct ResponseFuture after Commit;
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
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
        ResponseFuture::new(serve(inner, self.config.clone(), req))
    }
}

/// The layer's work on one request, with `inner` already polled ready. Shared with the hybrid
/// layer, which sends requests without bearer credentials here.
pub(crate) fn serve<S, ReqBody, ResBody>(
    mut inner: S,
    config: Arc<SessionConfig>,
    mut req: Request<ReqBody>,
) -> State<S::Future, Commit>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default + 'static,
{
    let protocol = Protocol::of(&req);

    if let Err(refusal) = config.cross_site.check(&req) {
        tracing::info!(target: "auth_tower::session", method = %req.method(), reason = refusal.description(), "cross-site request refused");
        let rejection = Rejection::new(RejectionKind::Forbidden, refusal.description());
        return State::ready(Ok(config.style.render(&rejection, protocol)));
    }

    let presented = cookie::read(req.headers(), &config.cookie).and_then(|parsed| {
        if parsed.is_err() {
            tracing::debug!(target: "auth_tower::session", "malformed session cookie ignored");
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
    let source = session.identity_source();
    let voice = crate::context::source(req.extensions_mut(), source, &config.style, protocol);

    let span = tracing::debug_span!(
        target: "auth_tower::session",
        "session",
        method = %req.method(),
        cookie = presented_kind,
    );
    let future = span.in_scope(|| inner.call(req));
    State::after(
        future,
        Commit {
            session,
            config,
            protocol,
            span,
        },
        voice,
    )
}

/// What is left to do once the inner service has answered: write the session's changes and
/// put the cookie on the response.
pub(crate) struct Commit {
    session: Session,
    config: Arc<SessionConfig>,
    protocol: Protocol,
    /// The request's `session` span, entered while the inner future runs and the commit.
    span: tracing::Span,
}

impl AfterResponse for Commit {
    /// Enter the request's span (while polling the inner future).
    fn enter(&self) -> tracing::span::Entered<'_> {
        self.span.enter()
    }

    /// Commit the session and answer `res` with its cookie: at once when there is nothing to
    /// write or only a touch (written after the response), else once the store has answered
    /// (a 503 if it failed).
    fn finish<B, E>(mut self, mut res: Response<B>) -> Finished<B, E>
    where
        B: Default + Send + 'static,
        E: 'static,
    {
        let (private, quick) = self.session.commit_without_store();
        if let Some(quick) = quick {
            let _entered = self.span.enter();
            apply_cookie(&mut res, &self.config, &quick.cookie, private);
            let Some(touch) = quick.touch else {
                return Finished::Now(res);
            };
            return match write_touch(touch, &self.config, &self.span) {
                None => Finished::Now(res),
                Some(pending) => Finished::Later(Box::pin(async move {
                    pending.await;
                    Ok(res)
                })),
            };
        }
        let Self {
            session,
            config,
            protocol,
            span,
        } = self;
        let write = write_then_answer(session, config, protocol, res, private);
        Finished::Later(Box::pin(write.instrument(span)))
    }
}

/// The commit that writes: await the store, then answer `res` with the cookie, or a 503 if
/// the store failed (fail closed: the changes the handler made did not land).
async fn write_then_answer<B: Default + 'static, E>(
    session: Session,
    config: Arc<SessionConfig>,
    protocol: Protocol,
    mut res: Response<B>,
    private: bool,
) -> Result<Response<B>, E> {
    match session.commit().await {
        Ok(action) => apply_cookie(&mut res, &config, &action, private),
        Err(error) => {
            tracing::warn!(target: "auth_tower::session", %error, "session could not be saved; answering 503");
            res = config.style.render(&Rejection::from(&error), protocol);
        }
    }
    Ok(res)
}

/// Write a touch (push the idle expiry forward; the request changed nothing) without holding
/// the response for it: the save is started at once and, if the store does not finish it on
/// the spot (the memory store does), it goes on as a task of the runtime. A failed touch is
/// logged and the response stands: nothing the user asked for was lost, and the session
/// lives on until its current idle expiry. Only without a tokio runtime to run it on does the
/// response wait for it (as for any write), and even then a failure is not an error.
///
/// Returns the rest of the write when the response has to wait for it.
fn write_touch(
    touch: TouchWrite,
    config: &Arc<SessionConfig>,
    span: &tracing::Span,
) -> Option<BoxFuture<()>> {
    let store = config.store.clone();
    let mut write: BoxFuture<()> = Box::pin(
        async move {
            match store.save(&touch.key, &touch.changes).await {
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(target: "auth_tower::session", %error, "the idle expiry could not be pushed forward; the response stands");
                }
            }
        }
        .instrument(span.clone()),
    );
    // The first poll starts the write (a remote store sends its command); the waker is never
    // needed: a pending write is handed to a task that polls it again with its own.
    let mut cx = Context::from_waker(std::task::Waker::noop());
    if write.as_mut().poll(&mut cx).is_ready() {
        return None;
    }
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            drop(runtime.spawn(write));
            None
        }
        Err(_) => Some(write),
    }
}

/// Put the session cookie on the response, if the commit says, and keep private answers out
/// of every cache.
///
/// A response that sets a session cookie is never cached (`no-store`, whatever the handler
/// said). A response to a request that loaded a live session (`private`) may show what only
/// that user may see: without a `Cache-Control` of the handler's own it gets `no-store` too,
/// or the browser's back button shows it again after a logout (a shared computer), and a
/// shared cache could hand it to someone else.
fn apply_cookie<B>(
    res: &mut Response<B>,
    config: &SessionConfig,
    action: &cookie::CookieAction,
    private: bool,
) {
    let headers = res.headers_mut();
    if cookie::apply(headers, &config.cookie, action)
        || (private && !headers.contains_key(CACHE_CONTROL))
    {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

inner_accessors!(SessionService);
