//! `cargo run -p examples --bin session`, then open http://127.0.0.1:3000
//!
//! Runs on the in-memory store, or on Redis when `REDIS_URL` is set
//! (`REDIS_URL=redis://127.0.0.1:6379/`). `PORT` changes the port. The cookie is not `Secure`
//! here because the example serves plain http on loopback; set `SECURE_COOKIE=1` behind TLS.

use auth_tower::MemoryStore;
use auth_tower::auth_session_redis::{RedisConfig, RedisStore, RedisThrottle};
use auth_tower::throttle::LoginThrottle;
use examples::session_app;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), examples::support::BoxError> {
    examples::support::init_tracing();
    let secure = std::env::var("SECURE_COOKIE").is_ok_and(|v| v == "1");
    let (layer, throttle) = match std::env::var("REDIS_URL") {
        Ok(url) => {
            let config = RedisConfig::new(url).with_key_prefix("session-example:");
            tracing::info!("sessions and failed-login counts in Redis");
            let throttle = LoginThrottle::builder()
                .with_store(Arc::new(RedisThrottle::connect(&config).await?))
                .build()?;
            let store = RedisStore::connect(&config).await?;
            (session_app::session_layer(store, !secure)?, throttle)
        }
        Err(_) => {
            tracing::info!("sessions in memory (set REDIS_URL to use Redis)");
            let layer = session_app::session_layer(MemoryStore::new(), !secure)?;
            (layer, LoginThrottle::new())
        }
    };
    let app = session_app::router_with_throttle(layer, throttle);
    examples::support::serve(app, "session", "3000").await
}
