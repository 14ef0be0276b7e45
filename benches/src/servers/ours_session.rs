//! Our cookie sessions: a session read and the `Identity` extractor, on the memory store, on
//! Redis or on PostgreSQL (the local session cache on or off).

use auth_tower::auth_session_postgres::{PostgresConfig, PostgresStore};
use auth_tower::auth_session_redis::{RedisConfig, RedisStore};
use auth_tower::{Identity, MemoryStore, Session, SessionError, SessionLayer};
use axum::Router;
use axum::routing::get;

pub(super) fn memory() -> Router {
    routes(
        SessionLayer::builder(MemoryStore::new())
            .build()
            .expect("layer"),
    )
}

pub(super) async fn redis(url: &str, local_cache: bool) -> Router {
    let store = RedisStore::connect(&redis_config(url, local_cache))
        .await
        .expect("connect to Redis");
    routes(SessionLayer::builder(store).build().expect("layer"))
}

/// The cache-on and cache-off variants differ in `without_local_cache()` only.
fn redis_config(url: &str, local_cache: bool) -> RedisConfig {
    // The default configuration, which has the local session cache on.
    let config = RedisConfig::new(url).with_key_prefix("http-bench:");
    if local_cache {
        config
    } else {
        config.without_local_cache()
    }
}

pub(super) async fn postgres(url: &str, local_cache: bool) -> Router {
    // The default configuration, which has the local session cache on.
    let config = PostgresConfig::new(url);
    let config = if local_cache {
        config
    } else {
        config.without_local_cache()
    };
    let store = PostgresStore::connect(&config)
        .await
        .expect("connect to PostgreSQL");
    routes(SessionLayer::builder(store).build().expect("layer"))
}

fn routes(layer: SessionLayer) -> Router {
    Router::new()
        .route("/plain", get(|| async { "ok" }))
        .route(
            "/init",
            get(|s: Session| async move {
                s.login(Identity::new("bench-user")).await?;
                s.insert("n", 1u64).await?;
                Ok::<_, SessionError>("ok")
            }),
        )
        .route(
            "/read",
            get(|s: Session| async move {
                Ok::<_, SessionError>(format!("{:?}", s.get::<u64>("n").await?))
            }),
        )
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().len().to_string() }),
        )
        .layer(layer)
}
