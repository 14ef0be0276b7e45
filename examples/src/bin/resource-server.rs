//! `cargo run -p examples --bin resource-server`: an API protected by tokens from an identity
//! provider, found by OpenID Connect discovery.
//!
//! - `ISSUER_URL`: the issuer, exactly as in its tokens' `iss` (Keycloak
//!   `https://host/realms/NAME`, Auth0 `https://TENANT.auth0.com/` with the slash, ...).
//! - `AUDIENCE`: the `aud` the tokens must carry (your API's identifier or client id).
//! - `IDP`: where scopes and roles are: `keycloak`, `auth0`, `entra`, `okta`, `cognito`,
//!   `google` or `standard` (the default).
//! - `ADMIN_SCOPE`: the scope `/api/admin` requires (default `admin`).
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

use examples::jwt_api_app;
use examples::resource_server_app::{self, Preset};

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
    let verifier = resource_server_app::verifier(&issuer, &audience, preset)?;
    let app = resource_server_app::router(verifier, &admin_scope);
    examples::support::serve(app, "resource-server", "3003").await
}
