//! With `tonic` and without `axum`: an optional `JwtLayer` under `RequireAuth` must answer an
//! anonymous request with 401 (gRPC UNAUTHENTICATED, 16), never with the guard's 500 "missing
//! auth layer". The anonymous marker once existed only with `axum`.
//!
//! Run with `cargo test -p auth-tower --no-default-features --features tonic,memory --test
//! tonic_without_axum`.

#![cfg(all(feature = "tonic", not(feature = "axum")))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_tower::auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, Verifier};
use auth_tower::grpc::IdentityExt;
use auth_tower::{Identity, JwtLayer, RequireAuth};
use http::{Request, Response};
use std::convert::Infallible;
use tower::{Layer, ServiceExt, service_fn};

fn keys() -> SharedKeySet {
    SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256).unwrap())
}

/// A handler that answers with the subject of the identity it finds the way tonic handlers
/// do (`IdentityExt` on the request), and `anonymous` when it finds none.
async fn handler(req: Request<String>) -> Result<Response<String>, Infallible> {
    let req = tonic::Request::from_http(req);
    let body = match req.identity() {
        Some(who) => who.subject().to_owned(),
        None => "anonymous".to_owned(),
    };
    Ok(Response::new(body))
}

fn grpc(req: http::request::Builder) -> Request<String> {
    req.version(http::Version::HTTP_2)
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(String::new())
        .unwrap()
}

#[tokio::test]
async fn optional_jwt_layer_and_guard_answer_an_anonymous_request_with_401_not_500() {
    let keys = keys();
    let verifier = Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys)
        .build()
        .unwrap();
    let app = JwtLayer::builder(verifier)
        .with_anonymous_access()
        .build()
        .unwrap()
        .layer(RequireAuth::identity().layer(service_fn(handler)));

    let http = Request::get("/x").body(String::new()).unwrap();
    let r = app.clone().oneshot(http).await.unwrap();
    assert_eq!(r.status(), 401, "{}", r.body());
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"app\"");
    assert_eq!(r.headers()["cache-control"], "no-store");

    let r = app.clone().oneshot(grpc(Request::get("/x"))).await.unwrap();
    assert_eq!(r.status(), 200, "trailers-only");
    assert_eq!(r.headers()["grpc-status"], "16");
    assert_eq!(r.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn optional_jwt_layer_lets_a_verified_identity_reach_identity_ext() {
    let keys = keys();
    let verifier = Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys.clone())
        .build()
        .unwrap();
    let issuer = Issuer::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys)
        .build()
        .unwrap();
    let token = issuer.issue(&Identity::new("alice")).unwrap();
    let app = JwtLayer::builder(verifier)
        .with_anonymous_access()
        .build()
        .unwrap()
        .layer(RequireAuth::identity().layer(service_fn(handler)));
    let req = Request::get("/x")
        .header("authorization", format!("Bearer {}", token.as_str()))
        .body(String::new())
        .unwrap();
    let r = app.clone().oneshot(req).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.body(), "alice");
}
