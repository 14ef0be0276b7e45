//! The JWKS endpoint: a tower `Service` publishing the public keys of a shared key set.

#![allow(clippy::unwrap_used)] // test helpers fail loudly, outside #[test] fns too

mod common;

use auth_jwt::{Algorithm, JwksService, Key, KeySet, SharedKeySet};
use common::*;
use serde_json::Value;

#[test]
fn jwks_service_publishes_public_keys() {
    use tower_service::Service as _;
    let keys = SharedKeySet::new(
        KeySet::builder()
            .with_signing_key(Key::from_pem("ec", Algorithm::ES256, &pem("ec256.pem")).unwrap())
            .with_verify_only_key(Key::hmac("h", Algorithm::HS256, HS256_SECRET).unwrap())
            .with_verify_only_key(
                Key::from_pem("rsa", Algorithm::RS256, &pem("rsa2048_pub.pem")).unwrap(),
            )
            .build()
            .unwrap(),
    );
    let mut service = JwksService::new(keys.clone());
    let get = http::Request::get("/.well-known/jwks.json")
        .body(())
        .unwrap();
    let response = futures_lite_block_on(service.call(get)).unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/jwk-set+json"
    );
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let body = keys.load().jwks_json();
    let doc: Value = serde_json::from_slice(&body).unwrap();
    let kids: Vec<&str> = doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.contains(&"ec") && kids.contains(&"rsa") && !kids.contains(&"h"));
    for k in doc["keys"].as_array().unwrap() {
        assert_eq!(k["use"], "sig");
        assert!(k.get("d").is_none() && k.get("k").is_none());
    }
    // The published document loads as a verification set.
    let reloaded = KeySet::from_jwks(&body).unwrap();
    assert_eq!(reloaded.len(), 2);
    let post = http::Request::post("/.well-known/jwks.json")
        .body(())
        .unwrap();
    let response = futures_lite_block_on(service.call(post)).unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, HEAD");
}

/// The service's future is `Ready`: poll it once.
fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("the JWKS service is synchronous"),
    }
}
