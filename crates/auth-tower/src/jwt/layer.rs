//! [`JwtLayer`]: the tower layer for bearer JWTs.

use super::service::JwtService;
use crate::cross_site::{CrossSitePolicy, Origin};
use crate::rejection::{ErrorBody, Style};
use auth_jwt::Verifier;
use std::sync::Arc;
use tower_layer::Layer;

/// Verifies bearer JWTs and writes the [`Identity`](auth_core::Identity) into the request's
/// [`AuthContext`](auth_core::AuthContext). See the [module docs](super) for every decision
/// it makes.
///
/// ```
/// use auth_tower::jwt_core::{Algorithm, Issuer, Key, KeySet, SharedKeySet, Verifier};
/// use auth_tower::{Identity, JwtLayer};
/// use axum::{Router, routing::get};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = SharedKeySet::new(KeySet::single(Key::generate_hmac("k1", Algorithm::HS256)?)?);
/// let verifier = Verifier::builder("https://issuer.example", "api").keys(keys.clone()).build()?;
///
/// let app: Router = Router::new()
///     .route("/me", get(|who: Identity| async move { who.subject().to_owned() }))
///     .layer(JwtLayer::new(verifier));
///
/// let issuer = Issuer::builder("https://issuer.example", "api").keys(keys).build()?;
/// let token = issuer.issue(&Identity::new("user-42"))?; // send as `Authorization: Bearer ...`
/// # let _ = (app, token);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct JwtLayer {
    pub(crate) config: Arc<JwtConfig>,
}

#[derive(Debug, Clone)]
pub(crate) struct JwtConfig {
    pub(crate) verifier: Verifier,
    pub(crate) required: bool,
    pub(crate) style: Style,
    /// Also read the token from this cookie when there is no `Authorization` header.
    pub(crate) cookie: Option<String>,
    /// Applied to requests whose token came from the cookie (an ambient credential).
    pub(crate) cross_site: CrossSitePolicy,
}

impl JwtLayer {
    /// Require a valid bearer token on every request (401 without one).
    pub fn new(verifier: Verifier) -> Self {
        Self {
            config: Arc::new(JwtConfig {
                verifier,
                required: true,
                style: Style::default(),
                cookie: None,
                cross_site: CrossSitePolicy::default(),
            }),
        }
    }

    /// Let requests without a token through anonymous (an invalid token is still a 401).
    /// Handlers take `Option<Identity>`, or guard routes themselves.
    pub fn optional(self) -> Self {
        self.map(|c| c.required = false)
    }

    /// The realm named in `WWW-Authenticate` challenges (default `app`).
    pub fn with_realm(self, realm: impl Into<String>) -> Self {
        self.map(|c| c.style.set_realm(realm))
    }

    /// Your body for HTTP refusals; the status and headers are kept. See
    /// [`ErrorBody`](crate::rejection::ErrorBody).
    pub fn with_error_body(self, body: ErrorBody) -> Self {
        self.map(|c| c.style.set_body(body))
    }

    /// Also accept the token from the cookie `name` when the request has no `Authorization`
    /// header (a browser app that keeps its access token in an `HttpOnly` cookie). The header
    /// wins when both are present.
    ///
    /// A cookie is sent by the browser on its own, so requests authenticated by it get the
    /// same cross-site protection as cookie sessions: an unsafe method (`POST`, `DELETE`...)
    /// from another site is a 403 (see [`crate::cross_site`]). Add trusted origins with
    /// [`with_allowed_origin`](Self::with_allowed_origin).
    pub fn with_cookie(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.map(|c| c.cookie = Some(name))
    }

    /// Trust unsafe requests from `origin` (`https://app.example.com`) when the token came
    /// from the cookie. Compared by scheme, host (any ASCII case) and port (`:443` the same as
    /// none for https). The layer's own origin is the `Host` header's with https, so for a
    /// plain-http development setup allow `http://localhost:PORT` here.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](auth_core::ErrorKind::Config) for an origin no browser can send:
    /// a path (even a trailing `/`), a query, a fragment, user info, `*`, a scheme other than
    /// http or https, a bad port.
    pub fn with_allowed_origin(self, origin: &str) -> Result<Self, auth_core::Error> {
        let origin = Origin::allowed(origin)?;
        Ok(self.map(|c| c.cross_site.allowed_origins.push(origin)))
    }

    fn map(self, f: impl FnOnce(&mut JwtConfig)) -> Self {
        let mut config = Arc::unwrap_or_clone(self.config);
        f(&mut config);
        Self {
            config: Arc::new(config),
        }
    }
}

impl<S> Layer<S> for JwtLayer {
    type Service = JwtService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JwtService::new(inner, self.config.clone())
    }
}
