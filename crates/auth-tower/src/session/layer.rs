//! [`SessionLayer`]: the tower layer for cookie sessions.

use super::config::{SessionConfig, SessionLayerBuilder};
use super::service::SessionService;
use auth_core::SessionStore;
use std::sync::Arc;
use tower_layer::Layer;

/// Cookie sessions for any tower service: puts a [`Session`](super::Session) into every
/// request's extensions and writes what changed after the response.
///
/// Secure by default: `__Host-session` cookie, `HttpOnly`, `Secure`, `SameSite=Lax`,
/// `Path=/`, no `Domain`; 30 min idle and 12 h absolute timeouts; a new id at login;
/// cross-site unsafe requests refused (see [`crate::cross_site`]).
///
/// Cookies are formatted with the `cookie` crate and the layer needs no cookie manager; it
/// works alongside `tower-cookies` (your handlers' cookies are kept). It reads only its own
/// cookie from the `Cookie` header, so a request pays nothing for the others.
///
/// ```
/// use auth_tower::{Identity, MemoryStore, Session, SessionError, SessionLayer};
/// use axum::{Router, routing::{get, post}};
///
/// async fn login(session: Session) -> Result<&'static str, SessionError> {
///     // ... check the credentials first ...
///     session.login(Identity::new("user-42")).await?;
///     Ok("welcome")
/// }
///
/// async fn counter(session: Session) -> Result<String, SessionError> {
///     let n = session.get::<u64>("n").await?.unwrap_or(0) + 1;
///     session.insert("n", n).await?;
///     Ok(n.to_string())
/// }
///
/// async fn me(who: Identity) -> String {
///     who.subject().to_owned()
/// }
///
/// # fn main() -> Result<(), auth_tower::Error> {
/// let sessions = SessionLayer::builder(MemoryStore::new()).build()?;
/// let app: Router = Router::new()
///     .route("/login", post(login))
///     .route("/counter", get(counter))
///     .route("/me", get(me))
///     .layer(sessions);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct SessionLayer {
    config: Arc<SessionConfig>,
}

impl SessionLayer {
    /// Start configuring a session layer on `store` (pass an `Arc` to keep a handle on the
    /// store yourself).
    pub fn builder(store: impl SessionStore) -> SessionLayerBuilder {
        SessionLayerBuilder::new(Arc::new(store))
    }

    pub(crate) fn from_config(config: SessionConfig) -> Self {
        Self {
            config: Arc::new(config),
        }
    }

    #[cfg_attr(not(feature = "jwt"), allow(dead_code))]
    pub(crate) fn into_config(self) -> Arc<SessionConfig> {
        self.config
    }

    #[cfg(test)]
    pub(crate) fn config(&self) -> &SessionConfig {
        &self.config
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService::new(inner, self.config.clone())
    }
}
