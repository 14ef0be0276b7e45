//! [`RequireAuth`]: a guard as a tower layer on a route group.

use super::Requirement;
use crate::body::RejectionBody;
use crate::context::Lookup;
use crate::macros::{ResponseFuture, inner_accessors};
use crate::rejection::{ErrorBody, Protocol, Rejection, RejectionKind, Style};
use auth_core::{Clock, SystemClock};
use http::{Request, Response};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tower_layer::Layer;
use tower_service::Service;

/// Require an authenticated identity (and optionally roles, scopes, a recent login) on every
/// request to the wrapped routes. Put it inside (after) the session or JWT layer.
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
    style: Style,
}

impl RequireAuth {
    /// Require an identity (401 without one).
    pub fn identity() -> Self {
        Self {
            config: Arc::new(GuardConfig {
                requirements: Vec::new(),
                clock: Arc::new(SystemClock),
                style: Style::default(),
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
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        self.map(|c| c.clock = clock)
    }

    /// The realm named in `WWW-Authenticate` challenges (default `app`).
    pub fn with_realm(self, realm: impl Into<String>) -> Self {
        self.map(|c| c.style.set_realm(realm))
    }

    /// Your body for HTTP refusals (JSON for an API, a redirect to the login page for web
    /// pages); the status and headers are kept. See [`ErrorBody`].
    pub fn with_error_body(self, body: ErrorBody) -> Self {
        self.map(|c| c.style.set_body(body))
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

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequireAuthService<S>
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
            let refuse = |r: Rejection| config.style.render(&r, protocol);
            let source = Lookup::of(req.extensions());
            // A bearer layer's identity is in the context already; only a session's needs
            // putting there.
            let from_session = source.is_lazy();
            let identity = match source.resolve("RequireAuth").await {
                Ok(Some(identity)) => identity,
                Ok(None) => {
                    return Ok(refuse(Rejection::new(
                        RejectionKind::Unauthenticated,
                        "authentication required",
                    )));
                }
                Err(rejection) => return Ok(refuse(rejection)),
            };
            let now = config.clock.now();
            for requirement in &config.requirements {
                if let Err(rejection) = requirement.check(&identity, now) {
                    tracing::info!(target: "auth::guard", kind = ?rejection.kind(), "guard refused the request");
                    return Ok(refuse(rejection));
                }
            }
            if from_session {
                // Later extractors find it without asking the store again.
                crate::context::resolved(req.extensions_mut(), identity);
            }
            inner.call(req).await
        })
    }
}

inner_accessors!(RequireAuthService);
