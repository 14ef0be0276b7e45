//! A JSON API on bearer JWTs with its token endpoints: `cargo run -p examples --example jwt_api`
//! (port 3000, or `PORT`), then `curl -d username=alice -d password=wonderland
//! http://127.0.0.1:3000/auth/login` and `curl -H "authorization: Bearer $ACCESS" http://127.0.0.1:3000/me`.

use auth_tower::auth_jwt::{Algorithm, Issuer, Key, MemoryRefreshStore, RefreshTokens};
use auth_tower::tokens::{LoginAttempt, TokenEndpoints};
use auth_tower::{Identity, JwtLayer, MemoryStore};
use axum::{Router, routing::get};
use std::{convert::Infallible, net::SocketAddr};

async fn me(who: Identity) -> String {
    format!("signed in as {}\n", who.subject()) // 401 without a valid token
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let refresh_secret = RefreshTokens::random_secret()?; // production: from a secret store
    let revocations = MemoryStore::new(); // logouts revoke here, the verifier checks here
    let issuer = Issuer::builder()
        .with_issuer("https://api.example")
        .with_audience("api")
        .with_keys(Key::generate("k1", Algorithm::ES256)?)
        .build()?;
    let families = MemoryRefreshStore::new();
    let tokens = RefreshTokens::builder(issuer, families, revocations, &refresh_secret).build()?;
    let endpoints = TokenEndpoints::builder(tokens, |login: LoginAttempt| {
        // Check the password against your user table (a password hash); here one demo user.
        let ok = (login.username(), login.password()) == ("alice", "wonderland");
        async move { Ok::<_, Infallible>(ok.then(|| Identity::new("alice"))) }
    })
    .build()?; // login attempts are throttled per account and per client address

    let app = Router::new()
        .route("/me", get(me))
        .layer(JwtLayer::new(endpoints.verifier().clone())) // the routes above need a token
        .merge(endpoints.router()); // POST /auth/{login,refresh,logout,...}, GET /.well-known/jwks.json
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let app = app.into_make_service_with_connect_info::<SocketAddr>(); // the client address
    Ok(axum::serve(listener, app).await?)
}
