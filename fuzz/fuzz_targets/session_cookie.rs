#![no_main]
//! A request with an arbitrary Cookie header through SessionLayer: never a panic, never a
//! 500, and never a store write.

use auth_tower::{Identity, MemoryStore, SessionLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tower::ServiceExt;

fn app() -> &'static (Router, MemoryStore, tokio::runtime::Runtime) {
    static APP: OnceLock<(Router, MemoryStore, tokio::runtime::Runtime)> = OnceLock::new();
    APP.get_or_init(|| {
        let store = MemoryStore::new();
        let layer = SessionLayer::builder(store.clone()).build().expect("layer");
        let router = Router::new()
            .route(
                "/",
                get(|who: Option<Identity>| async move { who.is_some().to_string() }),
            )
            .layer(layer);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        (router, store, rt)
    })
}

fuzz_target!(|data: &[u8]| {
    let (router, store, rt) = app();
    let Ok(req) = http::Request::get("/")
        .header("cookie", data)
        .body(Body::empty())
    else {
        return;
    };
    let res = rt
        .block_on(router.clone().oneshot(req))
        .expect("infallible");
    assert_eq!(res.status(), 200);
    assert!(
        store.is_empty(),
        "a read-only request never writes a session"
    );
});
