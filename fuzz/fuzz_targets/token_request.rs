#![no_main]
//! An arbitrary body and content type to each token endpoint: never a panic and never a 5xx;
//! nothing random logs in or refreshes.

use auth_tower::auth_jwt::{Algorithm, Issuer, Key, MemoryRefreshStore, RefreshTokens};
use auth_tower::tokens::{LoginAttempt, TokenEndpoints};
use auth_tower::{Identity, MemoryStore};
use axum::Router;
use axum::body::Body;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

fn app() -> &'static (Router, tokio::runtime::Runtime) {
    static APP: OnceLock<(Router, tokio::runtime::Runtime)> = OnceLock::new();
    APP.get_or_init(|| {
        let key = Key::generate_hmac("k1", Algorithm::HS256).expect("key");
        let revocations = Arc::new(MemoryStore::new());
        let issuer = Issuer::builder()
            .with_issuer("https://issuer.fuzz")
            .with_audience("api")
            .with_keys(key)
            .build()
            .expect("issuer");
        let tokens = RefreshTokens::builder(
            issuer,
            Arc::new(MemoryRefreshStore::new()),
            revocations,
            &[7; 32],
        )
        .build()
        .expect("refresh tokens");
        // No password is right: whatever the fuzzer sends must not log in.
        let endpoints = TokenEndpoints::builder(tokens, |_: LoginAttempt| async {
            Ok::<Option<Identity>, std::io::Error>(None)
        })
        .build()
        .expect("endpoints");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        (endpoints.router(), rt)
    })
}

const PATHS: [&str; 5] = [
    "/auth/token",
    "/auth/login",
    "/auth/refresh",
    "/auth/logout",
    "/auth/logout-everywhere",
];
const TYPES: [&str; 4] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/json; charset=utf-8",
    "text/plain",
];

fuzz_target!(|data: &[u8]| {
    let (router, rt) = app();
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(selector) % PATHS.len()];
    let content_type = TYPES[usize::from(selector / 8) % TYPES.len()];
    let Ok(req) = http::Request::post(path)
        .header("content-type", content_type)
        .body(Body::from(body.to_vec()))
    else {
        return;
    };
    let res = rt
        .block_on(router.clone().oneshot(req))
        .expect("infallible");
    let status = res.status().as_u16();
    match path {
        // RFC 7009: logging out with an unknown token is a success that changes nothing.
        "/auth/logout" => assert!(matches!(status, 204 | 400), "status {status}"),
        "/auth/logout-everywhere" => assert!(matches!(status, 400 | 401), "status {status}"),
        _ => assert_eq!(status, 400, "a random token request was not refused"),
    }
});
