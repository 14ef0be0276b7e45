//! `cargo run -p examples --bin grpc` serves the gRPC example on 127.0.0.1:50051;
//! `cargo run -p examples --bin grpc -- client` logs in as alice, calls `Greet` through
//! `AddBearerTokenLayer` and prints the greeting.
//!
//! `PORT` changes the port (both modes). Stores are in memory, in PostgreSQL when
//! `DATABASE_URL` is set (schema `grpc_example`), or in Redis when `REDIS_URL` is set
//! (`REDIS_URL=redis://127.0.0.1:6379/`).

use auth_tower::grpc::AddBearerTokenLayer;
use examples::backend::Backend;
use examples::grpc_app::{Client, Config, GrpcApp, PasswordLogin};
use tower::Layer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    examples::support::init_tracing();
    let port = std::env::var("PORT").unwrap_or_else(|_| "50051".into());
    if std::env::args().nth(1).as_deref() == Some("client") {
        return client(&port).await;
    }

    let mut config = Config::in_memory();
    let backend = Backend::from_env();
    tracing::info!("refresh tokens and revocations {}", backend.describe());
    if backend != Backend::Memory {
        let stores = backend.connect("grpc_example").await?;
        config.refresh_store = stores.refresh;
        config.revocations = stores.revocations;
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
    let bearer =
        AddBearerTokenLayer::new(PasswordLogin::new(channel.clone(), "alice", "wonderland"));
    let mut greeter = Client::new(bearer.layer(channel));
    let message = greeter.greet("world").await?;
    #[allow(clippy::print_stdout)]
    {
        println!("{message}");
    }
    Ok(())
}
