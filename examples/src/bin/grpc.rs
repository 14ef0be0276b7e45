//! `cargo run -p examples --bin grpc` serves the gRPC example on 127.0.0.1:50051;
//! `cargo run -p examples --bin grpc -- client` logs in as alice, calls `Greet` through
//! `BearerLayer` and prints the greeting.
//!
//! `PORT` changes the port (both modes). Stores are in memory, or in Redis when `REDIS_URL`
//! is set (`REDIS_URL=redis://127.0.0.1:6379/`).

use auth_tower::auth_session_redis::{RedisConfig, RedisRefreshStore, RedisRevocations};
use auth_tower::grpc::BearerLayer;
use examples::grpc_app::{Client, Config, GrpcApp, PasswordLogin};
use std::sync::Arc;
use tower::Layer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    examples::support::init_tracing();
    let port = std::env::var("PORT").unwrap_or_else(|_| "50051".into());
    if std::env::args().nth(1).as_deref() == Some("client") {
        return client(&port).await;
    }

    let mut config = Config::in_memory();
    if let Ok(url) = std::env::var("REDIS_URL") {
        let redis = RedisConfig::new(url).with_key_prefix("grpc-example:");
        config.refresh_store = Arc::new(RedisRefreshStore::connect(&redis).await?);
        config.revocations = Arc::new(RedisRevocations::connect(&redis).await?);
        tracing::info!("refresh tokens and revocations in Redis");
    } else {
        tracing::info!("refresh tokens and revocations in memory (set REDIS_URL to use Redis)");
    }
    let app = GrpcApp::new(config)?;
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    tracing::info!("gRPC example on http://{}", listener.local_addr()?);
    app.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

async fn client(port: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let channel = tonic::transport::Channel::from_shared(format!("http://127.0.0.1:{port}"))?
        .connect()
        .await?;
    let bearer = BearerLayer::new(PasswordLogin::new(channel.clone(), "alice", "wonderland"));
    let mut greeter = Client::new(bearer.layer(channel));
    let message = greeter.greet("world").await?;
    #[allow(clippy::print_stdout)]
    {
        println!("{message}");
    }
    Ok(())
}
