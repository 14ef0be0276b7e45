//! The apps under test: the same trivial handler behind no auth, our layer, and a peer.

use auth_tower::auth_session_redis::{RedisConfig, RedisStore};
use auth_tower::{Identity, MemoryStore, Session, SessionLayer};
use axum::Router;
use axum::routing::get;

pub(crate) fn serve(variant: &str, port: u16) {
    let app = match variant {
        "noauth" => Router::new().route("/read", get(|| async { "ok" })),
        // What any middleware costs: the same app behind a layer that does nothing.
        "noop" => Router::new().route("/read", get(|| async { "ok" })).layer(
            tower::util::MapRequestLayer::new(|r: axum::extract::Request| r),
        ),
        "ours" => ours(
            SessionLayer::builder(MemoryStore::new())
                .build()
                .expect("layer"),
        ),
        "tower-sessions" => tower_sessions_app(),
        "ours-jwt" => ours_jwt(),
        "ours-redis" => Router::new(),
        other => panic!("unknown variant {other}"),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let app = if variant == "ours-redis" {
        rt.block_on(async {
            let url =
                std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
            let config = RedisConfig::new(url).with_key_prefix("http-bench:");
            let store = RedisStore::connect(&config).await.expect("redis");
            ours(SessionLayer::builder(store).build().expect("layer"))
        })
    } else {
        app
    };
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind");
        axum::serve(listener, app).await.expect("serve");
    });
}

fn ours(layer: SessionLayer) -> Router {
    Router::new()
        .route("/plain", get(|| async { "ok" }))
        .route(
            "/init",
            get(|s: Session| async move {
                s.login(Identity::new("bench-user")).await?;
                s.insert("n", 1u64).await?;
                Ok::<_, auth_tower::SessionError>("ok")
            }),
        )
        .route(
            "/read",
            get(|s: Session| async move {
                Ok::<_, auth_tower::SessionError>(format!("{:?}", s.get::<u64>("n").await?))
            }),
        )
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().len().to_string() }),
        )
        .layer(layer)
}

/// Bearer JWTs as a production app runs them: ES256, a revocation list, the verified-token
/// cache on (its default). `/token` hands out a token for the benchmark client.
fn ours_jwt() -> Router {
    use auth_tower::auth_jwt::{Algorithm, Issuer, Key, KeySet, SharedKeySet, Verifier};
    let keys = SharedKeySet::new(
        KeySet::single(Key::generate("k1", Algorithm::ES256).expect("key")).expect("keys"),
    );
    let issuer = Issuer::builder()
        .with_issuer("https://bench")
        .with_audience("api")
        .with_keys(keys.clone())
        .build()
        .expect("issuer");
    let verifier = Verifier::builder()
        .with_issuer("https://bench")
        .with_audience("api")
        .with_keys(keys)
        .with_revocations(std::sync::Arc::new(MemoryStore::new()))
        .build()
        .expect("verifier");
    let token = issuer
        .issue(&Identity::new("bench-user"))
        .expect("token")
        .into_string();
    Router::new()
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().len().to_string() }),
        )
        .layer(auth_tower::JwtLayer::new(verifier))
        .route("/token", get(move || async move { token }))
}

fn tower_sessions_app() -> Router {
    let layer = tower_sessions::SessionManagerLayer::new(tower_sessions::MemoryStore::default());
    Router::new()
        .route(
            "/init",
            get(|s: tower_sessions::Session| async move {
                s.insert("n", 1u64).await.expect("insert");
                "ok"
            }),
        )
        .route(
            "/read",
            get(|s: tower_sessions::Session| async move {
                format!("{:?}", s.get::<u64>("n").await.expect("get"))
            }),
        )
        .layer(layer)
}
