//! `cargo run -p examples --bin session`, then open http://127.0.0.1:3000
//!
//! Runs on the in-memory store, on PostgreSQL when `DATABASE_URL` is set
//! (`DATABASE_URL=postgres://postgres@127.0.0.1/test`: tables in the schema `session_example`),
//! or on Redis when `REDIS_URL` is set (`REDIS_URL=redis://127.0.0.1:6379/`). `PORT` changes the port. The cookie is not `Secure`
//! here because the example serves plain http on loopback; set `SECURE_COOKIE=1` behind TLS.
//! `SESSION_IDLE_TIMEOUT_SECS`, `SESSION_ABSOLUTE_TIMEOUT_SECS`, `LOGIN_THROTTLE_MAX_DELAY_SECS`
//! and `LOGIN_THROTTLE_FORGET_AFTER_SECS` shorten the lifetimes (see `examples::lifetimes`).

use auth_tower::throttle::{LoginThrottle, ThrottlePolicy};
use examples::backend::Backend;
use examples::lifetimes::Lifetimes;
use examples::session_app;

#[tokio::main]
async fn main() -> Result<(), examples::support::BoxError> {
    examples::support::init_tracing();
    let secure = std::env::var("SECURE_COOKIE").is_ok_and(|v| v == "1");
    let lifetimes = Lifetimes::from_env()?;
    let backend = Backend::from_env();
    tracing::info!("sessions and failed-login counts {}", backend.describe());
    let stores = backend
        .connect_with_horizon("session_example", lifetimes.revocation_horizon())
        .await?;
    let throttle = LoginThrottle::builder()
        .with_store(stores.throttle)
        .with_account_policy(lifetimes.throttle(ThrottlePolicy::per_account()))
        .with_address_policy(lifetimes.throttle(ThrottlePolicy::per_address()))
        .build()?;
    let layer = session_app::session_layer_with(stores.sessions, !secure, &lifetimes)?;
    let app = session_app::router_with_throttle(layer, throttle);
    examples::support::serve(app, "session", "3000").await
}
