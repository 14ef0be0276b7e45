//! A JSON API on bearer JWTs: token endpoints under `/auth` (login, refresh, logout, logout
//! everywhere), the JWKS at `/.well-known/jwks.json`, discovery metadata at
//! `/.well-known/openid-configuration` (so another service can follow it as an issuer, as the
//! `resource-server` example does), `GET /api/me` for any valid token and `GET /api/reports`
//! for tokens with the `reports:read` scope.
//!
//! Users: alice / wonderland (scope `reports:read`) and bob / builder (no scope).
//!
//! Stores are in memory ([`Stores::memory`]), on Redis ([`Stores::redis`]) or on PostgreSQL
//! (from [`Backends`]); two instances on the same Redis (same key prefix) or database (same
//! schema) with the same [`Keys`] are one service: a logout on one
//! is refused on the other within milliseconds (the `revocation` example measures it), and
//! failed logins on one count on the other (the login throttle's counts are in the store too).
//!
//! Logins are throttled per account and per client address ([`Options::account_throttle`],
//! [`Options::address_throttle`]); serve the router with
//! `into_make_service_with_connect_info::<SocketAddr>()` so the address is known
//! ([`crate::support::serve`] does).

use crate::backend::Backends;
use crate::password_check::PasswordCheck;
use auth_tower::auth_jwt::{
    Algorithm, Issuer, Key, RefreshStore, RefreshTokens, SharedKeySet, Verifier,
};
use auth_tower::store::Revocations;
use auth_tower::throttle::{LoginThrottle, ThrottlePolicy, ThrottleStore};
use auth_tower::tokens::{LoginAttempt, TokenEndpoints};
use auth_tower::{Identity, JwtLayer, RequireAuth};
use axum::routing::get;
use axum::{Json, Router};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// The default `iss` of the example's tokens ([`Options::issuer`]).
pub const ISSUER: &str = "http://127.0.0.1/jwt-api";
/// The `aud` of the example's tokens.
pub const AUDIENCE: &str = "jwt-api";
/// The realm of `WWW-Authenticate` challenges.
pub const REALM: &str = "jwt-api";

/// The demo users: (user, password, scopes). A real app checks a password hash.
const USERS: &[(&str, &str, &[&str])] = &[
    ("alice", "wonderland", &["reports:read"]),
    ("bob", "builder", &[]),
];

/// Everything secret the instances of one service share: the signing key set and the secret
/// that MACs refresh tokens. Cheap to clone; `Debug` never shows the secret.
#[derive(Clone)]
pub struct Keys {
    signing: SharedKeySet,
    refresh_secret: Arc<[u8]>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("signing", &self.signing)
            .field("refresh_secret", &"<redacted>")
            .finish()
    }
}

impl Keys {
    /// A fresh ES256 key pair and refresh secret, living as long as the process. Production
    /// loads both from a secret store instead (see [`Keys::from_pem`]) so that tokens outlive
    /// a restart and every instance verifies every other's.
    ///
    /// # Errors
    /// If key generation or the OS random number generator fails.
    pub fn generate() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let mut secret = vec![0u8; 32];
        getrandom::fill(&mut secret)
            .map_err(|e| format!("the OS random number generator failed: {e}"))?;
        Ok(Self {
            signing: SharedKeySet::from(Key::generate("es256-1", Algorithm::ES256)?),
            refresh_secret: secret.into(),
        })
    }

    /// An ES256 private key (PKCS#8 PEM) and a refresh secret (at least 32 bytes).
    ///
    /// # Errors
    /// If the key does not parse or the secret is too short (when the app is built).
    pub fn from_pem(
        pem: &[u8],
        refresh_secret: &[u8],
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self {
            signing: SharedKeySet::from(Key::from_pem("es256-1", Algorithm::ES256, pem)?),
            refresh_secret: refresh_secret.into(),
        })
    }
}

/// Where refresh families, revocations and failed-login counts live. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Stores {
    refresh: Arc<dyn RefreshStore>,
    revocations: Arc<dyn Revocations>,
    throttle: Arc<dyn ThrottleStore>,
}

impl Stores {
    /// In this process only.
    pub fn memory() -> Self {
        Backends::memory().into()
    }

    /// On Redis at `url`, under `prefix` (instances sharing both share families,
    /// revocations and failed-login counts).
    ///
    /// # Errors
    /// If the URL or prefix is refused or Redis cannot be reached.
    pub async fn redis(url: &str, prefix: &str) -> Result<Self, auth_tower::Error> {
        Ok(Backends::redis(url, prefix).await?.into())
    }
}

impl From<Backends> for Stores {
    fn from(b: Backends) -> Self {
        Self {
            refresh: b.refresh,
            revocations: b.revocations,
            throttle: b.throttle,
        }
    }
}

/// Tunables of the example (the defaults suit `cargo run`).
#[derive(Clone, Debug)]
pub struct Options {
    /// The `iss` of the tokens (default [`ISSUER`]). For other services to discover the keys
    /// it must be the URL the app is reachable at: the metadata names the JWKS under it.
    pub issuer: String,
    /// Access-token lifetime (default 15 minutes).
    pub access_ttl: Duration,
    /// The refresh-token reuse grace window (default 10 s; zero makes every second use a reuse).
    pub refresh_grace: Duration,
    /// How long a login's refresh family lives (default 30 days); revocations are remembered
    /// this long, so short-lived demos and tests keep it short.
    pub family_lifetime: Duration,
    /// Failed logins per account (default [`ThrottlePolicy::per_account`]: 5 free, then 1 s
    /// doubling up to 15 minutes).
    pub account_throttle: ThrottlePolicy,
    /// Failed logins per client address (default [`ThrottlePolicy::per_address`]: 20 free).
    pub address_throttle: ThrottlePolicy,
    /// Runs the password checks (default: no delay); a test gives it the delay of a real
    /// password hash and reads how many checks ran.
    pub password_check: PasswordCheck,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            issuer: ISSUER.to_owned(),
            access_ttl: Duration::from_secs(15 * 60),
            refresh_grace: Duration::from_secs(10),
            family_lifetime: Duration::from_secs(30 * 24 * 3600),
            account_throttle: ThrottlePolicy::per_account(),
            address_throttle: ThrottlePolicy::per_address(),
            password_check: PasswordCheck::new(),
        }
    }
}

/// The app with `keys` on `stores`.
///
/// # Errors
/// If the keys or options are refused.
pub fn router(
    keys: &Keys,
    stores: &Stores,
    options: &Options,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let issuer = Issuer::builder()
        .with_issuer(&options.issuer)
        .with_audience(AUDIENCE)
        .with_keys(keys.signing.clone())
        .with_ttl(options.access_ttl)
        .build()?;
    let verifier = Verifier::builder()
        .with_issuer(&options.issuer)
        .with_audience(AUDIENCE)
        .with_keys(keys.signing.clone())
        .with_revocations(stores.revocations.clone())
        .build()?;
    let tokens = RefreshTokens::builder(
        issuer,
        stores.refresh.clone(),
        stores.revocations.clone(),
        &keys.refresh_secret,
    )
    .with_grace(options.refresh_grace)
    .with_family_lifetime(options.family_lifetime)
    .build()?;
    let throttle = LoginThrottle::builder()
        .with_store(stores.throttle.clone())
        .with_account_policy(options.account_throttle)
        .with_address_policy(options.address_throttle)
        .build()?;
    let password_check = options.password_check.clone();
    let check = move |login: LoginAttempt| {
        let password_check = password_check.clone();
        async move { password_check.run(|| check_credentials(&login)).await }
    };
    let endpoints = TokenEndpoints::builder(tokens, check)
        .with_verifier(verifier.clone())
        .with_realm(REALM)
        .with_throttle(throttle)
        .build()?;

    let reports = Router::new()
        .route("/api/reports", get(reports))
        .route_layer(
            RequireAuth::identity()
                .with_scope("reports:read")
                .with_realm(REALM),
        );
    // OpenID Connect Discovery 1.0 metadata: what `RemoteJwks::discover` reads (the issuer,
    // exactly as in the tokens, and where the JWKS is).
    let metadata = serde_json::json!({
        "issuer": options.issuer,
        "jwks_uri": format!("{}/.well-known/jwks.json", options.issuer.trim_end_matches('/')),
        "token_endpoint": format!("{}/auth/login", options.issuer.trim_end_matches('/')),
    });
    Ok(Router::new()
        .route("/api/me", get(me))
        .merge(reports)
        .layer(JwtLayer::builder(verifier).with_realm(REALM).build()?)
        .merge(endpoints.router())
        .route(
            "/.well-known/openid-configuration",
            get(move || std::future::ready(Json(metadata.clone()))),
        ))
}

fn check_credentials(login: &LoginAttempt) -> Result<Option<Identity>, Infallible> {
    Ok(USERS
        .iter()
        .find(|(u, p, _)| *u == login.username() && *p == login.password())
        .map(|(u, _, scopes)| Identity::new(*u).with_scopes(scopes.iter().copied())))
}

async fn me(who: Identity) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "subject": who.subject(),
        "scopes": who.scopes(),
    }))
}

async fn reports(who: Identity) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "for": who.subject(),
        "reports": [{"id": 1, "title": "Q3 revenue"}, {"id": 2, "title": "Q4 forecast"}],
    }))
}
