//! [`HybridLayer`]: cookie sessions or bearer tokens, one identity.

use super::service::HybridService;
use crate::decision::Decider;
use crate::jwt::JwtLayer;
use crate::jwt::layer::JwtConfig;
use crate::session::SessionLayer;
use crate::session::config::SessionConfig;
use std::sync::Arc;
use tower_layer::Layer;

/// Accepts a session cookie or a bearer token and yields the same
/// [`Identity`](auth_core::Identity); see the [module docs](super) for the precedence rules.
///
/// Build it from the two layers you would otherwise use, each configured as usual (realm,
/// error body, revocations, cookie attributes). The bearer side is required only when a
/// bearer token is presented; [`JwtLayerBuilder::with_anonymous_access`](crate::jwt::JwtLayerBuilder::with_anonymous_access) makes no difference here, and a token
/// cookie ([`JwtLayerBuilder::with_cookie`](crate::jwt::JwtLayerBuilder::with_cookie)) is not read: cookies mean the session.
///
/// ```
/// use auth_tower::auth_jwt::{Algorithm, Key, KeySet, SharedKeySet, Verifier};
/// use auth_tower::{HybridLayer, Identity, JwtLayer, MemoryStore, RequireAuth, SessionLayer};
/// use axum::{Router, routing::get};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryStore::new();
/// let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256)?);
/// let verifier = Verifier::builder().with_issuer("https://issuer.example").with_audience("api")
///     .with_keys(keys)
///     .with_revocations(std::sync::Arc::new(store.clone())) // one revocation list for both
///     .build()?;
/// let sessions = SessionLayer::builder(store.clone()).with_revocations(store).build()?;
///
/// let app: Router = Router::new()
///     // The same handler serves the browser (cookie) and API clients (bearer token).
///     .route("/me", get(|who: Identity| async move { who.subject().to_owned() }))
///     .route_layer(RequireAuth::identity())
///     .route("/", get(|| async { "public" }))
///     .layer(HybridLayer::new(sessions, JwtLayer::new(verifier)));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct HybridLayer {
    session: Arc<SessionConfig>,
    jwt: Arc<JwtConfig>,
}

impl HybridLayer {
    /// Cookie sessions from `sessions`, bearer tokens from `bearer`. Their decisions are
    /// counted under `layer="hybrid"`.
    pub fn new(sessions: SessionLayer, bearer: JwtLayer) -> Self {
        let mut session = Arc::unwrap_or_clone(sessions.into_config());
        session.style.set_decider(Decider::Hybrid);
        let mut jwt = Arc::unwrap_or_clone(bearer.config);
        jwt.style.set_decider(Decider::Hybrid);
        Self {
            session: Arc::new(session),
            jwt: Arc::new(jwt),
        }
    }
}

impl<S> Layer<S> for HybridLayer {
    type Service = HybridService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HybridService::new(inner, self.session.clone(), self.jwt.clone())
    }
}
