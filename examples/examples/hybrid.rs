//! Cookie sessions for the browser and bearer tokens for API clients, on the same routes:
//! `cargo run -p examples --example hybrid` (port 3000, or `PORT`). `POST /login` (a form)
//! signs a browser in; `POST /auth/login` gives an API client tokens; `/me` takes either.

use auth_tower::auth_jwt::{Algorithm, Issuer, Key, MemoryRefreshStore, RefreshTokens};
use auth_tower::tokens::{LoginAttempt, TokenEndpoints};
use auth_tower::{HybridLayer, Identity, JwtLayer, MemoryStore};
use auth_tower::{Session, SessionError, SessionLayer};
use axum::{Form, Router, http::StatusCode, routing::get, routing::post};
use std::{convert::Infallible, net::SocketAddr};

/// Your user table (check a password hash); here one demo user.
fn check(username: &str, password: &str) -> Option<Identity> {
    ((username, password) == ("alice", "wonderland")).then(|| Identity::new("alice"))
}

#[derive(serde::Deserialize)]
struct Login {
    username: String,
    password: String,
}

async fn login(session: Session, Form(form): Form<Login>) -> Result<StatusCode, SessionError> {
    let Some(identity) = check(&form.username, &form.password) else {
        return Ok(StatusCode::UNAUTHORIZED);
    };
    session.login(identity).await?; // a new session id, in a new cookie
    Ok(StatusCode::NO_CONTENT)
}

async fn me(who: Identity) -> String {
    format!("{} via {:?}\n", who.subject(), who.method()) // Session or Jwt; 401 if neither
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let refresh_secret = RefreshTokens::random_secret()?;
    let store = MemoryStore::new(); // sessions, and one revocation list for cookies and tokens
    let issuer = Issuer::builder()
        .with_issuer("https://app.example")
        .with_audience("app")
        .with_keys(Key::generate("k1", Algorithm::ES256)?)
        .build()?;
    let families = MemoryRefreshStore::new();
    let tokens =
        RefreshTokens::builder(issuer, families, store.clone(), &refresh_secret).build()?;
    let endpoints = TokenEndpoints::builder(tokens, |login: LoginAttempt| {
        let identity = check(login.username(), login.password());
        async move { Ok::<_, Infallible>(identity) }
    })
    .build()?;
    let sessions = SessionLayer::builder(store.clone())
        .with_revocations(store)
        .build()?;
    let jwt = JwtLayer::new(endpoints.verifier().clone()); // refuses what a logout revoked

    let app = Router::new()
        .route("/me", get(me))
        .route("/login", post(login))
        .layer(HybridLayer::new(sessions, jwt))
        .merge(endpoints.router());
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let app = app.into_make_service_with_connect_info::<SocketAddr>(); // the client address
    Ok(axum::serve(listener, app).await?)
}
