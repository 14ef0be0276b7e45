//! A tonic server on bearer JWTs: `cargo run -p examples --example grpc_server` (port 50051,
//! or `PORT`), then `cargo run -p examples --bin grpc -- client` logs in and calls `Greet`.
//! `AuthService` and `GreeterService` stand for what tonic-build generates from your `.proto`
//! (here hand-written in `examples/src/grpc_app`); `Greet` checks its scope with `IdentityExt`.

use auth_tower::auth_jwt::{Algorithm, Issuer, Key, MemoryRefreshStore, RefreshTokens};
use auth_tower::{JwtLayer, MemoryStore};
use examples::grpc_app::{AuthService, GreeterService};
use tower::Layer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let refresh_secret = RefreshTokens::random_secret()?;
    let revocations = MemoryStore::new(); // logouts revoke here, the verifier checks here
    let issuer = Issuer::builder()
        .with_issuer("https://grpc.example")
        .with_audience("greeter")
        .with_keys(Key::generate("k1", Algorithm::ES256)?)
        .build()?;
    let verifier = issuer
        .verifier()
        .with_revocations(revocations.clone())
        .build()?;
    let families = MemoryRefreshStore::new();
    let tokens = RefreshTokens::builder(issuer, families, revocations, &refresh_secret).build()?;

    let port = std::env::var("PORT").unwrap_or_else(|_| "50051".into());
    tonic::transport::Server::builder()
        .add_service(AuthService::new(tokens)) // Login, Refresh, Logout: no token needed
        .add_service(JwtLayer::new(verifier).layer(GreeterService)) // Greet: a token needed
        .serve(format!("127.0.0.1:{port}").parse()?)
        .await?;
    Ok(())
}
