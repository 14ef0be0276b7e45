//! A resource server for tokens from an identity provider: `GET /api/me` for any valid token
//! (subject, scopes, roles) and `GET /api/admin` for tokens with the admin scope. The keys come
//! from the issuer's discovery metadata ([`RemoteJwks::discover`]); scopes and roles are read
//! where the provider puts them ([`Preset`]); [`Options`] holds the rest of what a real
//! provider may need (the algorithm of RSA keys published without `alg`, client-credentials
//! tokens without `sub`).

use auth_tower::auth_jwt::{
    Algorithm, ClaimMapping, RemoteJwks, RemoteJwksConfig, TrustedIssuer, Verifier,
};
use auth_tower::{Identity, JwtLayer, RequireAuth};
use axum::routing::get;
use axum::{Json, Router};

/// The identity providers whose claim layout the example knows (`IDP=...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// `scope`; roles from `roles` and `groups` (RFC 9068; also our own jwt-api example).
    Standard,
    /// `scope`; roles from `realm_access.roles` and `resource_access.<audience>.roles`.
    Keycloak,
    /// `scope`; roles from `permissions`.
    Auth0,
    /// `scp`; roles from `roles`.
    Entra,
    /// `scp` (array); roles from `groups`.
    Okta,
    /// `scope`; roles from `cognito:groups`.
    Cognito,
    /// `scope`; needs the authorized party (`AZP`).
    Google,
}

impl Preset {
    /// The preset named `name` (`keycloak`, `auth0`, `entra`, `okta`, `cognito`, `google`,
    /// `standard`).
    ///
    /// # Errors
    /// For any other name.
    pub fn parse(name: &str) -> Result<Self, String> {
        Ok(match name {
            "standard" => Self::Standard,
            "keycloak" => Self::Keycloak,
            "auth0" => Self::Auth0,
            "entra" => Self::Entra,
            "okta" => Self::Okta,
            "cognito" => Self::Cognito,
            "google" => Self::Google,
            other => return Err(format!("unknown IDP {other:?}")),
        })
    }

    /// The claim mapping; `client` is the client whose Keycloak client roles count.
    pub fn mapping(self, client: &str) -> ClaimMapping {
        match self {
            Self::Standard => ClaimMapping::standard(),
            Self::Keycloak => ClaimMapping::keycloak(client),
            Self::Auth0 => ClaimMapping::auth0(),
            Self::Entra => ClaimMapping::entra_id(),
            Self::Okta => ClaimMapping::okta(),
            Self::Cognito => ClaimMapping::cognito(),
            Self::Google => ClaimMapping::google(),
        }
    }
}

/// What else a provider may need besides its claim layout.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The algorithm of RSA keys published without `alg` (`JWKS_RSA_ALG`: `RS256`, the
    /// default, or `PS256`).
    pub rsa_algorithm: Option<Algorithm>,
    /// Accept client-credentials tokens (no `sub`): the subject is their `client_id` / `azp`,
    /// marked as a client (`CLIENTS_AS_SUBJECTS=1`).
    pub clients_as_subjects: bool,
    /// The client the tokens must be issued to (`AZP`; required by the Google preset).
    pub authorized_party: Option<String>,
}

/// The keys of `issuer`, by discovery (fetched in the background).
///
/// # Errors
/// If the issuer URL is refused (not `https`, or `http` to loopback) or outside a tokio runtime.
pub fn keys(issuer: &str, options: &Options) -> Result<RemoteJwks, auth_tower::auth_jwt::Error> {
    let mut config = RemoteJwksConfig::default();
    if let Some(alg) = options.rsa_algorithm {
        config = config.with_default_rsa_algorithm(alg);
    }
    RemoteJwks::discover(issuer, config)
}

/// A verifier for the tokens of `issuer` meant for `audience`, verified with `keys`, claims
/// read as `preset` says.
///
/// # Errors
/// A configuration the verifier refuses (keys discovered for another issuer, the Google
/// preset without an authorized party).
pub fn verifier_with(
    issuer: &str,
    audience: &str,
    preset: Preset,
    keys: &RemoteJwks,
    options: &Options,
) -> Result<Verifier, auth_tower::auth_jwt::Error> {
    let mut trusted = TrustedIssuer::remote(issuer, keys)
        .with_audience(audience)
        .with_claim_mapping(preset.mapping(audience));
    if let Some(party) = &options.authorized_party {
        trusted = trusted.with_authorized_party(party);
    }
    if options.clients_as_subjects {
        trusted = trusted.with_clients_as_subjects();
    }
    Verifier::builder().with_trusted_issuer(trusted).build()
}

/// A verifier for the tokens of `issuer` meant for `audience`: keys by discovery (fetched in
/// the background; requests get 503 until they are loaded), claims read as `preset` says.
///
/// # Errors
/// If the issuer URL is refused (not `https`, or `http` to loopback) or outside a tokio runtime.
pub fn verifier(
    issuer: &str,
    audience: &str,
    preset: Preset,
) -> Result<Verifier, auth_tower::auth_jwt::Error> {
    let options = Options::default();
    verifier_with(issuer, audience, preset, &keys(issuer, &options)?, &options)
}

/// The app: `/api/me` for any valid token, `/api/admin` for tokens with `admin_scope`.
pub fn router(verifier: Verifier, admin_scope: &str) -> Router {
    Router::new()
        .route("/api/admin", get(admin))
        .route_layer(RequireAuth::identity().with_scope(admin_scope))
        .route("/api/me", get(me))
        .layer(JwtLayer::new(verifier))
}

async fn me(who: Identity) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "issuer": who.issuer(),
        "subject": who.subject(),
        "client": who.is_client(),
        "scopes": who.scopes(),
        "roles": who.roles(),
    }))
}

async fn admin(who: Identity) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "admin": who.subject() }))
}
