//! [`JwtLayer`]: the tower layer for bearer JWTs.

use super::service::JwtService;
use crate::cross_site::{CrossSitePolicy, Origin};
use crate::decision::Decider;
use crate::rejection::{ErrorBody, Style};
use auth_jwt::Verifier;
use std::sync::Arc;
use tower_layer::Layer;

/// Verifies bearer JWTs and writes the [`Identity`](auth_core::Identity) into the request's
/// [`AuthContext`](auth_core::AuthContext). See the [module docs](super) for every decision
/// it makes.
///
/// ```
/// use auth_tower::auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, Verifier};
/// use auth_tower::{Identity, JwtLayer};
/// use axum::{Router, routing::get};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256)?);
/// let verifier = Verifier::builder()
///     .with_issuer("https://issuer.example")
///     .with_audience("api")
///     .with_keys(keys.clone())
///     .build()?;
///
/// let app: Router = Router::new()
///     .route("/me", get(|who: Identity| async move { who.subject().to_owned() }))
///     .layer(JwtLayer::new(verifier));
///
/// let issuer = Issuer::builder()
///     .with_issuer("https://issuer.example")
///     .with_audience("api")
///     .with_keys(keys)
///     .build()?;
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
    /// Require a valid bearer token on every request (401 without one), with the defaults.
    /// Use [`builder`](Self::builder) to let anonymous requests through, read a cookie, or
    /// change the realm or the refusal body.
    pub fn new(verifier: Verifier) -> Self {
        Self {
            config: Arc::new(JwtConfig {
                verifier,
                required: true,
                style: Style::of(Decider::Jwt),
                cookie: None,
                cross_site: CrossSitePolicy::default(),
            }),
        }
    }

    /// A builder for a layer that verifies with `verifier`.
    ///
    /// ```
    /// use auth_tower::auth_jwt::{Algorithm, Key, Verifier};
    /// use auth_tower::JwtLayer;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let verifier = Verifier::builder()
    ///     .with_issuer("https://issuer.example")
    ///     .with_audience("api")
    ///     .with_keys(Key::generate_hmac("k1", Algorithm::HS256)?)
    ///     .build()?;
    /// let layer = JwtLayer::builder(verifier)
    ///     .with_anonymous_access()               // no token: anonymous, `Option<Identity>` is None
    ///     .with_cookie("access_token")           // also read the token from this cookie
    ///     .with_allowed_origin("https://app.example.com")
    ///     .build()?;
    /// # let _ = layer;
    /// # Ok(()) }
    /// ```
    pub fn builder(verifier: Verifier) -> JwtLayerBuilder {
        JwtLayerBuilder {
            config: JwtConfig {
                verifier,
                required: true,
                style: Style::of(Decider::Jwt),
                cookie: None,
                cross_site: CrossSitePolicy::default(),
            },
            allowed_origins: Vec::new(),
        }
    }
}

/// Builds a [`JwtLayer`]; see [`JwtLayer::builder`]. Everything is checked in
/// [`build`](Self::build).
#[derive(Debug)]
#[must_use]
pub struct JwtLayerBuilder {
    config: JwtConfig,
    allowed_origins: Vec<String>,
}

impl JwtLayerBuilder {
    /// Let requests without a token through anonymous (an invalid token is still a 401).
    /// Handlers take `Option<Identity>`, or guard routes themselves with
    /// [`RequireAuth`](crate::RequireAuth).
    pub fn with_anonymous_access(mut self) -> Self {
        self.config.required = false;
        self
    }

    /// The realm named in `WWW-Authenticate` challenges (default `app`).
    pub fn with_realm(mut self, realm: impl Into<String>) -> Self {
        self.config.style.set_realm(realm);
        self
    }

    /// Your body for HTTP refusals; the status and headers are kept. See
    /// [`ErrorBody`](crate::rejection::ErrorBody).
    pub fn with_error_body(mut self, body: ErrorBody) -> Self {
        self.config.style.set_body(body);
        self
    }

    /// Also accept the token from the cookie `name` when the request has no `Authorization`
    /// header (a browser app that keeps its access token in an `HttpOnly` cookie). The header
    /// wins when both are present. The name follows the same rules as the session cookie's.
    ///
    /// A cookie is sent by the browser on its own, so requests authenticated by it get the
    /// same cross-site protection as cookie sessions: an unsafe method (`POST`, `DELETE`...)
    /// from another site is a 403 (see [`crate::cross_site`]). Add trusted origins with
    /// [`with_allowed_origin`](Self::with_allowed_origin).
    pub fn with_cookie(mut self, name: impl Into<String>) -> Self {
        self.config.cookie = Some(name.into());
        self
    }

    /// Trust unsafe requests from `origin` (`https://app.example.com`) when the token came
    /// from the cookie. Compared by scheme, host (any ASCII case) and port (`:443` the same as
    /// none for https). The layer's own origin is the `Host` header's with https, so for a
    /// plain-http development setup allow `http://localhost:PORT` here.
    pub fn with_allowed_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Check the configuration and build the layer.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](auth_core::ErrorKind::Config) for an invalid cookie name, or an
    /// allowed origin no browser can send: a path (even a trailing `/`), a query, a fragment,
    /// user info, `*`, a scheme other than http or https, a bad port.
    pub fn build(self) -> Result<JwtLayer, auth_core::Error> {
        let mut config = self.config;
        if let Some(name) = &config.cookie {
            crate::session::validate_cookie_name(name)?;
        }
        for origin in &self.allowed_origins {
            config
                .cross_site
                .allowed_origins
                .push(Origin::allowed(origin)?);
        }
        Ok(JwtLayer {
            config: Arc::new(config),
        })
    }
}

impl<S> Layer<S> for JwtLayer {
    type Service = JwtService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        JwtService::new(inner, self.config.clone())
    }
}
