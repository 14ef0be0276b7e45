//! [`JwtLayer`]: the tower layer for bearer JWTs.

use super::service::JwtService;
use auth_jwt::Verifier;
use std::sync::Arc;
use tower_layer::Layer;

/// Verifies bearer JWTs and puts the [`Identity`](auth_core::Identity) into the request
/// extensions. See the [module docs](super) for every decision it makes.
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
    pub(super) config: Arc<JwtConfig>,
}

#[derive(Debug)]
pub(super) struct JwtConfig {
    pub(super) verifier: Verifier,
    pub(super) required: bool,
    pub(super) realm: String,
}

impl JwtLayer {
    /// Require a valid bearer token on every request (401 without one).
    pub fn new(verifier: Verifier) -> Self {
        Self {
            config: Arc::new(JwtConfig {
                verifier,
                required: true,
                realm: "app".to_owned(),
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
        let realm = realm.into();
        self.map(|c| c.realm = realm)
    }

    fn map(self, f: impl FnOnce(&mut JwtConfig)) -> Self {
        let mut config = Arc::try_unwrap(self.config).unwrap_or_else(|shared| JwtConfig {
            verifier: shared.verifier.clone(),
            required: shared.required,
            realm: shared.realm.clone(),
        });
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
