//! The session peer: tower-sessions 0.15 on its memory store, and tower-sessions 0.14 on
//! tower-sessions-redis-store 0.16 (the newest store release; it implements the 0.14 store
//! trait), read-only or with rolling expiry (every request re-saves the record and resets its
//! expiry), and tower-sessions 0.14 on tower-sessions-sqlx-store 0.15 (PostgreSQL; the newest
//! store release, also on the 0.14 store trait).

use axum::Router;
use axum::routing::get;
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::{ClientLike, Config, Pool};

pub(super) fn memory() -> Router {
    use tower_sessions::{MemoryStore, Session, SessionManagerLayer};
    Router::new()
        .route(
            "/init",
            get(|s: Session| async move {
                s.insert("n", 1u64).await.expect("insert");
                "ok"
            }),
        )
        .route(
            "/read",
            get(|s: Session| async move { format!("{:?}", s.get::<u64>("n").await.expect("get")) }),
        )
        .layer(SessionManagerLayer::new(MemoryStore::default()))
}

/// As the store's own example sets it up: a fred pool of 6 connections.
pub(super) async fn redis(url: &str, rolling: bool) -> Router {
    use tower_sessions_014::cookie::time::Duration;
    use tower_sessions_014::{Expiry, Session, SessionManagerLayer};
    let pool = Pool::new(Config::from_url(url).expect("url"), None, None, None, 6).expect("pool");
    // The connection tasks run on this runtime for as long as the server does.
    let _connections = pool.init().await.expect("connect to Redis");
    let layer = SessionManagerLayer::new(RedisStore::new(pool));
    let layer = if rolling {
        // `OnInactivity` alone saves only modified sessions; `with_always_save` is what makes
        // a read re-save the record and so slide its expiry (the documented pairing).
        layer
            .with_expiry(Expiry::OnInactivity(Duration::minutes(30)))
            .with_always_save(true)
    } else {
        layer
    };
    Router::new()
        .route(
            "/init",
            get(|s: Session| async move {
                s.insert("n", 1u64).await.expect("insert");
                "ok"
            }),
        )
        .route(
            "/read",
            get(|s: Session| async move { format!("{:?}", s.get::<u64>("n").await.expect("get")) }),
        )
        .layer(layer)
}

/// As the store's own example sets it up: a sqlx pool (its defaults) and the store's migration.
pub(super) async fn postgres(url: &str) -> Router {
    use tower_sessions_014::{Session, SessionManagerLayer};
    use tower_sessions_sqlx_store::{PostgresStore, sqlx::PgPool};
    let pool = PgPool::connect(url).await.expect("connect to PostgreSQL");
    let store = PostgresStore::new(pool);
    store
        .migrate()
        .await
        .expect("tower-sessions-sqlx-store migration");
    Router::new()
        .route(
            "/init",
            get(|s: Session| async move {
                s.insert("n", 1u64).await.expect("insert");
                "ok"
            }),
        )
        .route(
            "/read",
            get(|s: Session| async move { format!("{:?}", s.get::<u64>("n").await.expect("get")) }),
        )
        .layer(SessionManagerLayer::new(store))
}
