//! `cargo run -p examples --bin hybrid`, then open http://127.0.0.1:3002 (alice / wonderland),
//! or call the API with a token:
//!
//! ```sh
//! TOKEN=$(curl -s -d username=alice -d password=wonderland http://127.0.0.1:3002/auth/login | jq -r .access_token)
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3002/api/notes
//! ```
//!
//! In memory, on PostgreSQL when `DATABASE_URL` is set (schema `hybrid_example`), or on Redis
//! when `REDIS_URL` is set. `PORT` changes the port; the cookie is not
//! `Secure` here because the example serves plain http on loopback (`SECURE_COOKIE=1` behind
//! TLS).

use auth_tower::auth_jwt::{Algorithm, Key, SharedKeySet};
use examples::backend::Backend;
use examples::hybrid_app;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    examples::support::init_tracing();
    let backend = Backend::from_env();
    tracing::info!("sessions, tokens and revocations {}", backend.describe());
    let backends = backend.connect("hybrid_example").await?;
    // A fresh key and refresh secret per run: tokens die with the process. Production loads
    // both from its secret store, the same on every instance.
    let keys = SharedKeySet::from(Key::generate("k1", Algorithm::ES256)?);
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| e.to_string())?;
    let secure = std::env::var("SECURE_COOKIE").is_ok_and(|v| v == "1");
    let app = hybrid_app::router(&backends, keys, &secret, !secure)?;

    examples::support::serve(app, "hybrid", "3002").await
}
