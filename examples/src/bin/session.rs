//! `cargo run -p examples --bin session`, then open http://127.0.0.1:3000
//!
//! Runs on the in-memory store. `PORT` changes the port. The cookie is not `Secure` here
//! because the example serves plain http on loopback; set `SECURE_COOKIE=1` behind TLS.

use auth_tower::MemoryStore;
use examples::session_app;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,auth=debug".into()),
        )
        .init();
    let secure = std::env::var("SECURE_COOKIE").is_ok_and(|v| v == "1");
    let layer = session_app::session_layer(MemoryStore::new(), !secure)?;
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    tracing::info!("session example on http://{}", listener.local_addr()?);
    axum::serve(listener, session_app::router(layer))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
