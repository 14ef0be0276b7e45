//! `cargo run -p examples --bin jwt-api`, then:
//!
//! ```text
//! curl -s -XPOST localhost:3001/auth/login -H 'content-type: application/json' \
//!      -d '{"username":"alice","password":"wonderland"}'
//! curl -s localhost:3001/api/reports -H "authorization: Bearer $ACCESS_TOKEN"
//! curl -s -XPOST localhost:3001/auth/refresh -H 'content-type: application/json' \
//!      -d "{\"refresh_token\":\"$REFRESH_TOKEN\"}"
//! curl -s localhost:3001/.well-known/jwks.json
//! curl -s localhost:3001/metrics | grep '^auth_tower'
//! ```
//!
//! In-memory stores, PostgreSQL when `DATABASE_URL` is set (schema `jwt_api`), or Redis when
//! `REDIS_URL` is set (`REDIS_URL=redis://127.0.0.1:6379/`).
//! `PORT` changes the port (default 3001); the issuer is `http://127.0.0.1:PORT`, with its
//! discovery metadata at `/.well-known/openid-configuration` (`ISSUER` overrides it, e.g. for a
//! public URL). Keys: a fresh ES256 key and refresh secret per run,
//! unless `JWT_KEY_FILE` (an ES256 private key, PKCS#8 PEM) and `REFRESH_SECRET` (at least 32
//! bytes) are given; production loads them from a secret store, the same on every instance.
//! `ACCESS_TOKEN_TTL_SECS`, `REFRESH_FAMILY_LIFETIME_SECS`, `LOGIN_THROTTLE_MAX_DELAY_SECS` and
//! `LOGIN_THROTTLE_FORGET_AFTER_SECS` shorten the lifetimes (see `examples::lifetimes`).

use examples::backend::Backend;
use examples::jwt_api_app::{self, Keys, Options, Stores};
use examples::lifetimes::Lifetimes;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    examples::support::init_tracing();
    // Metrics: recorded through the `metrics` facade, exported here as Prometheus text at
    // `/metrics` (loopback clients only; see `examples::metrics`). Installed first, so the
    // stores' gauges (revocation list size, feed sync) are seen from the start.
    let metrics = examples::metrics::install()?;
    let keys = match (
        std::env::var("JWT_KEY_FILE"),
        std::env::var("REFRESH_SECRET"),
    ) {
        (Ok(path), Ok(secret)) => {
            tracing::info!("signing key from {path}");
            Keys::from_pem(&std::fs::read(path)?, secret.as_bytes())?
        }
        _ => {
            tracing::info!(
                "a fresh ES256 key for this run (set JWT_KEY_FILE and REFRESH_SECRET to load one)"
            );
            Keys::generate()?
        }
    };
    let lifetimes = Lifetimes::from_env()?;
    let backend = Backend::from_env();
    tracing::info!("refresh tokens and revocations {}", backend.describe());
    let stores = backend
        .connect_with_horizon("jwt_api", lifetimes.revocation_horizon())
        .await?;
    let stores = Stores::from(stores);
    let port = std::env::var("PORT").unwrap_or_else(|_| "3001".into());
    let defaults = Options::default();
    let options = Options {
        issuer: std::env::var("ISSUER").unwrap_or_else(|_| format!("http://127.0.0.1:{port}")),
        access_ttl: lifetimes.access_token.unwrap_or(defaults.access_ttl),
        family_lifetime: lifetimes.refresh_family.unwrap_or(defaults.family_lifetime),
        account_throttle: lifetimes.throttle(defaults.account_throttle),
        address_throttle: lifetimes.throttle(defaults.address_throttle),
        ..defaults
    };
    tracing::info!("issuer {}", options.issuer);
    let app =
        jwt_api_app::router(&keys, &stores, &options)?.merge(examples::metrics::router(metrics));
    examples::support::serve(app, "jwt-api", "3001").await
}
