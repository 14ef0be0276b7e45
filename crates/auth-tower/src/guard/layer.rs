//! [`RequireAuth`]: a guard as a tower layer on a route group.

use super::Requirement;
use crate::context::{Lookup, Settled};
use crate::decision::{self, Decider, Outcome};
use crate::future::State;
use crate::macros::{inner_accessors, opaque_future};
use crate::rejection::text::AUTHENTICATION_REQUIRED;
use crate::rejection::{ErrorBody, Protocol, Rejection, RejectionKind, Renderer, Style};
use crate::service::{InnerService, take_ready};
use auth_core::{Clock, Identity, SystemClock};
use http::{Request, Response};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tower_layer::Layer;
use tower_service::Service;

/// Require an authenticated identity (and optionally roles, scopes, a recent login) on every
/// request to the wrapped routes. Put it inside (after) the session or JWT layer.
///
/// A refusal speaks in the voice of the layer that authenticated the request: its protocol
/// (HTTP or gRPC), the realm of its challenges and its [`ErrorBody`]. Set those on the layer;
/// [`with_error_body`](Self::with_error_body) and [`with_realm`](Self::with_realm) here are
/// for a route group that must answer differently (JSON for `/api`, a redirect for pages).
///
/// ```
/// use auth_tower::{MemoryStore, SessionLayer, guard::RequireAuth};
/// use axum::{Router, routing::get};
/// use std::time::Duration;
///
/// # fn main() -> Result<(), auth_tower::Error> {
/// let admin = Router::new()
///     .route("/admin/users", get(|| async { "users" }))
///     .route_layer(RequireAuth::identity().with_role("admin").with_fresh_login_within(Duration::from_secs(600)));
/// let app: Router = Router::new()
///     .route("/", get(|| async { "public" }))
///     .merge(admin)
///     .layer(SessionLayer::builder(MemoryStore::new()).build()?);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RequireAuth {
    config: Arc<GuardConfig>,
}

#[derive(Debug, Clone)]
struct GuardConfig {
    requirements: Vec<Requirement>,
    clock: Arc<dyn Clock>,
    /// What this guard says differently from the layer, if anything.
    overrides: Overrides,
    /// How it answers with no layer under it (a 500 that says so).
    fallback: Style,
}

impl RequireAuth {
    /// Require an identity (401 without one).
    pub fn identity() -> Self {
        Self {
            config: Arc::new(GuardConfig {
                requirements: Vec::new(),
                clock: Arc::new(SystemClock),
                overrides: Overrides::default(),
                fallback: Style::of(Decider::Guard),
            }),
        }
    }

    /// Also require `role` (403 without it).
    pub fn with_role(self, role: impl Into<String>) -> Self {
        self.require(Requirement::Role(role.into()))
    }

    /// Also require `scope` (403 without it).
    pub fn with_scope(self, scope: impl Into<String>) -> Self {
        self.require(Requirement::Scope(scope.into()))
    }

    /// Also require a login within `max_age` (step-up; 401 `insufficient_user_authentication`).
    pub fn with_fresh_login_within(self, max_age: Duration) -> Self {
        self.require(Requirement::FreshWithin(max_age))
    }

    /// The clock for freshness (tests inject a `ManualClock`).
    pub fn with_clock(self, clock: impl Clock) -> Self {
        self.map(|c| c.clock = Arc::new(clock))
    }

    /// Name `realm` in this guard's `WWW-Authenticate` challenges instead of the layer's.
    pub fn with_realm(self, realm: impl Into<String>) -> Self {
        self.map(|c| c.overrides.realm = Some(Arc::from(realm.into())))
    }

    /// Answer this guard's HTTP refusals with `body` instead of the layer's (JSON on an API
    /// route group, a redirect to the login page on pages); the status and headers are kept.
    /// See [`ErrorBody`].
    pub fn with_error_body(self, body: ErrorBody) -> Self {
        self.map(|c| c.overrides.body = Some(body))
    }

    fn require(self, requirement: Requirement) -> Self {
        self.map(|c| c.requirements.push(requirement))
    }

    fn map(self, f: impl FnOnce(&mut GuardConfig)) -> Self {
        let mut config = Arc::unwrap_or_clone(self.config);
        f(&mut config);
        Self {
            config: Arc::new(config),
        }
    }
}

impl<S> Layer<S> for RequireAuth {
    type Service = RequireAuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireAuthService {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service [`RequireAuth`] wraps around yours.
#[derive(Debug, Clone)]
pub struct RequireAuthService<S> {
    inner: S,
    config: Arc<GuardConfig>,
}

opaque_future! {
    /// The response future of [`RequireAuthService`]: when the identity is known without I/O
    /// (a bearer layer verified it, an optional one saw no token), a refusal is ready at once
    /// with nothing allocated and an admitted request runs the inner future as is; a session's
    /// identity is loaded first (boxed).
    pub struct ResponseFuture;
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireAuthService<S>
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

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let mut inner = take_ready(&mut self.inner);
        let protocol = Protocol::of(&req);
        let state = match Lookup::settle(req.extensions(), "RequireAuth") {
            Settled::Known(resolved) => match self.config.admit(resolved) {
                // A bearer layer's identity is in the context already.
                Ok(_) => State::inner(inner.call(req)),
                Err(rejection) => {
                    let voice = crate::context::voice(req.extensions());
                    State::ready(Ok(self.config.refuse(
                        voice.as_deref(),
                        &rejection,
                        protocol,
                    )))
                }
            },
            Settled::Lazy(lazy) => {
                let config = self.config.clone();
                State::boxed(async move {
                    let voice = lazy.voice();
                    let resolved = lazy.resolve("RequireAuth").await;
                    match config.admit(resolved) {
                        Ok(identity) => {
                            // Later extractors find it without asking the store again.
                            crate::context::resolved(req.extensions_mut(), identity);
                            inner.call(req).await
                        }
                        Err(rejection) => Ok(config.refuse(voice.as_deref(), &rejection, protocol)),
                    }
                })
            }
        };
        ResponseFuture::new(state)
    }
}

impl GuardConfig {
    /// The identity if it meets every requirement, or the refusal to answer with.
    fn admit(&self, resolved: Result<Option<Identity>, Rejection>) -> Result<Identity, Rejection> {
        let identity = match resolved {
            Ok(Some(identity)) => identity,
            Ok(None) => {
                return Err(Rejection::new(
                    RejectionKind::Unauthenticated,
                    AUTHENTICATION_REQUIRED,
                ));
            }
            Err(rejection) => return Err(rejection),
        };
        let now = self.clock.now();
        for requirement in &self.requirements {
            if let Err(rejection) = requirement.check(&identity, now) {
                tracing::info!(target: "auth_tower::guard", kind = ?rejection.kind(), "guard refused the request");
                return Err(rejection);
            }
        }
        decision::record(Decider::Guard, Outcome::Accepted);
        Ok(identity)
    }

    /// The guard's refusal, in the voice of the layer that wrote the request's context with
    /// this guard's overrides; with no such layer (a server bug, answered 500), in the
    /// defaults.
    fn refuse<B: Default + 'static>(
        &self,
        voice: Option<&Renderer>,
        rejection: &Rejection,
        protocol: Protocol,
    ) -> Response<B> {
        let voice = voice.unwrap_or(self.fallback.voice(protocol));
        match self.overrides.apply(voice) {
            Some(own) => own.render(rejection, Decider::Guard),
            None => voice.render(rejection, Decider::Guard),
        }
    }
}

/// A guard's own realm and body, over the layer's.
#[derive(Debug, Clone, Default)]
struct Overrides {
    realm: Option<Arc<str>>,
    body: Option<ErrorBody>,
}

impl Overrides {
    /// `voice` with these overrides, or `None` when there are none.
    fn apply(&self, voice: &Renderer) -> Option<Renderer> {
        if self.realm.is_none() && self.body.is_none() {
            return None;
        }
        Some(voice.overridden(self.realm.clone(), self.body.clone()))
    }
}

inner_accessors!(RequireAuthService);
