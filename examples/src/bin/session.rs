//! `cargo run -p examples --bin session`, then open http://127.0.0.1:3000
//!
//! Runs on the in-memory store, or on Redis when `REDIS_URL` is set
//! (`REDIS_URL=redis://127.0.0.1:6379/`). `PORT` changes the port. The cookie is not `Secure`
//! here because the example serves plain http on loopback; set `SECURE_COOKIE=1` behind TLS.

use auth_tower::MemoryStore;
use auth_tower::redis::{RedisConfig, RedisStore};
use examples::session_app;

#[tokio::main]
async fn main() -> Result<(), examples::support::BoxError> {
    examples::support::init_tracing();
    let secure = std::env::var("SECURE_COOKIE").is_ok_and(|v| v == "1");
    let layer = match std::env::var("REDIS_URL") {
        Ok(url) => {
            let config = RedisConfig::new(url).with_key_prefix("session-example:");
            tracing::info!("sessions in Redis");
            session_app::session_layer(RedisStore::connect(&config).await?, !secure)?
        }
        Err(_) => {
            tracing::info!("sessions in memory (set REDIS_URL to use Redis)");
            session_app::session_layer(MemoryStore::new(), !secure)?
        }
    };
    examples::support::serve(session_app::router(layer), "session", "3000").await
}
