//! `cargo run -p examples --bin resource-server`: an API protected by tokens from an identity
//! provider, found by OpenID Connect discovery.
//!
//! - `ISSUER_URL`: the issuer, exactly as in its tokens' `iss` (Keycloak
//!   `https://host/realms/NAME`, Auth0 `https://TENANT.auth0.com/` with the slash, ...).
//! - `AUDIENCE`: the `aud` the tokens must carry (your API's identifier or client id).
//! - `IDP`: where scopes and roles are: `keycloak`, `auth0`, `entra`, `okta`, `cognito`,
//!   `google` or `standard` (the default).
//! - `ADMIN_SCOPE`: the scope `/api/admin` requires (default `admin`).
//! - `JWKS_RSA_ALG`: the algorithm of RSA keys the provider publishes without `alg`: `RS256`
//!   (the default) or `PS256`.
//! - `CLIENTS_AS_SUBJECTS=1`: accept client-credentials tokens without `sub` (the subject is
//!   their `client_id`, else `azp`, and `/api/me` says `"client": true`).
//! - `AZP`: the client the tokens must be issued to (required with `IDP=google`).
//! - `PORT` (default 3003).
//!
//! On its own it follows the jwt-api example as its issuer (`http://127.0.0.1:3001`, audience
//! `jwt-api`, admin scope `reports:read`):
//!
//! ```text
//! cargo run -p examples --bin jwt-api &
//! cargo run -p examples --bin resource-server &
//! TOKEN=$(curl -s -XPOST localhost:3001/auth/login -H 'content-type: application/json' \
//!      -d '{"username":"alice","password":"wonderland"}' | jq -r .access_token)
//! curl -s localhost:3003/api/me -H "authorization: Bearer $TOKEN"
//! curl -s localhost:3003/api/admin -H "authorization: Bearer $TOKEN"
//! ```

use auth_tower::auth_jwt::{Algorithm, ErrorKind};
use examples::jwt_api_app;
use examples::resource_server_app::{self, Options, Preset};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    examples::support::init_tracing();
    let (issuer, audience, admin_scope) = match std::env::var("ISSUER_URL") {
        Ok(issuer) => (
            issuer,
            std::env::var("AUDIENCE").map_err(|_| "set AUDIENCE with ISSUER_URL")?,
            std::env::var("ADMIN_SCOPE").unwrap_or_else(|_| "admin".into()),
        ),
        Err(_) => (
            "http://127.0.0.1:3001".to_owned(),
            jwt_api_app::AUDIENCE.to_owned(),
            std::env::var("ADMIN_SCOPE").unwrap_or_else(|_| "reports:read".into()),
        ),
    };
    let preset = Preset::parse(&std::env::var("IDP").unwrap_or_else(|_| "standard".into()))?;
    tracing::info!(
        "tokens from {issuer} for {audience} ({preset:?}); /api/admin needs {admin_scope}"
    );
    let options = Options {
        rsa_algorithm: match std::env::var("JWKS_RSA_ALG") {
            Ok(name) => Some(Algorithm::from_name(&name)?),
            Err(_) => None,
        },
        clients_as_subjects: std::env::var("CLIENTS_AS_SUBJECTS").is_ok_and(|v| v == "1"),
        authorized_party: std::env::var("AZP").ok(),
    };
    let keys = resource_server_app::keys(&issuer, &options)?;
    // The provider being down is no failed start (requests get 503 until it answers), but a
    // configuration no fetch can fix (its metadata names another issuer) is.
    match tokio::time::timeout(Duration::from_secs(5), keys.refresh()).await {
        Ok(Err(e)) if e.kind() == ErrorKind::Config => return Err(e.into()),
        Ok(Err(e)) => tracing::warn!("no keys yet ({e}); requests get 503 until they load"),
        Err(_) => tracing::warn!("the provider is slow; requests get 503 until the keys load"),
        Ok(Ok(())) => {}
    }
    let verifier = resource_server_app::verifier_with(&issuer, &audience, preset, &keys, &options)?;
    let app = resource_server_app::router(verifier, &admin_scope);
    examples::support::serve(app, "resource-server", "3003").await
}
