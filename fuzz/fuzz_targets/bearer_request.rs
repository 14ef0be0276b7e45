#![no_main]
//! A request with an arbitrary `Authorization` header (or token cookie) through HybridLayer:
//! never a panic, never a 5xx, never a pass. A random token is a 401, a malformed request a
//! 400, and another scheme falls to the (anonymous) cookie path.

use auth_tower::auth_jwt::{Algorithm, Key, KeySet, SharedKeySet, Verifier};
use auth_tower::{HybridLayer, Identity, JwtLayer, MemoryStore, SessionLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tower::ServiceExt;

fn app() -> &'static (Router, Router, tokio::runtime::Runtime) {
    static APP: OnceLock<(Router, Router, tokio::runtime::Runtime)> = OnceLock::new();
    APP.get_or_init(|| {
        let key = Key::generate_hmac("k1", Algorithm::HS256).expect("key");
        let keys = SharedKeySet::new(KeySet::single(key).expect("keys"));
        let verifier = Verifier::builder()
            .with_issuer("https://issuer.fuzz")
            .with_audience("api")
            .with_keys(keys)
            .build()
            .expect("verifier");
        let sessions = SessionLayer::builder(MemoryStore::new())
            .build()
            .expect("sessions");
        let handler = get(|who: Option<Identity>| async move { who.is_some().to_string() });
        let hybrid = Router::new()
            .route("/", handler.clone())
            .layer(HybridLayer::new(sessions, JwtLayer::new(verifier.clone())));
        let cookie = Router::new().route("/", handler).layer(
            JwtLayer::builder(verifier)
                .with_cookie("at")
                .build()
                .expect("a valid cookie name"),
        );
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        (hybrid, cookie, rt)
    })
}

fuzz_target!(|data: &[u8]| {
    let (hybrid, cookie, rt) = app();
    let Some((&selector, value)) = data.split_first() else {
        return;
    };
    let builder = http::Request::get("/");
    let (router, builder) = if selector % 2 == 0 {
        (hybrid, builder.header("authorization", value))
    } else {
        let mut cookie_value = b"at=".to_vec();
        cookie_value.extend_from_slice(value);
        (cookie, builder.header("cookie", cookie_value))
    };
    let Ok(req) = builder.body(Body::empty()) else {
        return;
    };
    let res = rt
        .block_on(router.clone().oneshot(req))
        .expect("infallible");
    let status = res.status().as_u16();
    assert!(
        matches!(status, 400 | 401)
            || (status == 200 && res.headers().get("content-length").is_some()),
        "unexpected status {status}"
    );
    if status == 200 {
        let body = rt
            .block_on(http_body_util::BodyExt::collect(res.into_body()))
            .expect("body")
            .to_bytes();
        assert_eq!(&body[..], b"false", "a random credential authenticated");
    }
});
