//! ErrorBody: a user's body for HTTP refusals keeps the layer's status and headers.

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::MemoryStore;
use auth_tower::auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, Verifier};
use auth_tower::{ErrorBody, Identity, JwtLayer, RequireAuth, SessionLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use common::send;
use http::Request;

fn keys() -> SharedKeySet {
    SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256).unwrap())
}

fn verifier(keys: &SharedKeySet) -> Verifier {
    Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys.clone())
        .build()
        .unwrap()
}

fn me() -> Router {
    Router::new().route(
        "/me",
        get(|who: Identity| async move { who.subject().to_owned() }),
    )
}

fn get_with(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::get(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn json_body_keeps_status_and_challenge() {
    let keys = keys();
    let app = me().layer(
        JwtLayer::builder(verifier(&keys))
            .with_error_body(ErrorBody::json())
            .build()
            .unwrap(),
    );
    let r = send(&app, get_with("/me", &[("authorization", "Bearer a.b.c")])).await;
    assert_eq!(r.status, 401);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer realm=\"app\", error=\"invalid_token\"")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["error"], "invalid_token");
    assert!(body["error_description"].as_str().unwrap().len() > 3);

    let r = send(&app, get_with("/me", &[])).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"app\""));
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["error"], "unauthenticated");
}

#[tokio::test]
async fn grpc_refusals_ignore_the_body() {
    let keys = keys();
    let app = me().layer(
        JwtLayer::builder(verifier(&keys))
            .with_error_body(ErrorBody::json())
            .build()
            .unwrap(),
    );
    let r = send(&app, common::grpc(get_with("/me", &[]))).await;
    common::assert_grpc_refusal(&r, "16");
    assert_eq!(r.header("content-type"), Some("application/grpc"));
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn login_redirect_for_pages_and_plain_403_otherwise() {
    let store = MemoryStore::new();
    let app = Router::new()
        .route("/admin", get(|| async { "admin" }))
        .route_layer(
            RequireAuth::identity()
                .with_role("admin")
                .with_error_body(ErrorBody::redirect_to_login("/login?next=%2Fadmin")),
        )
        .layer(
            SessionLayer::builder(store)
                .with_insecure_dev_cookie()
                .build()
                .unwrap(),
        );
    let r = send(&app, get_with("/admin", &[])).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?next=%2Fadmin"));
    // A session layer alone sends no Bearer challenge: it takes no bearer token.
    assert_eq!(r.header("www-authenticate"), None);
    assert!(r.body.is_empty());
}

#[tokio::test]
async fn session_layer_and_guard_bodies() {
    let keys = keys();
    let issuer = Issuer::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys.clone())
        .build()
        .unwrap();
    let html = ErrorBody::new(|rejection, head| {
        head.headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/html"),
        );
        format!("<p>{}</p>", rejection.description())
    });
    // A cross-site POST refused by the session layer, rendered by the user's function.
    let app = Router::new().route("/x", post(|| async { "x" })).layer(
        SessionLayer::builder(MemoryStore::new())
            .with_error_body(html.clone())
            .build()
            .unwrap(),
    );
    let r = send(
        &app,
        Request::post("/x")
            .header("sec-fetch-site", "cross-site")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(r.body, "<p>cross-site request refused (Sec-Fetch-Site)</p>");

    // A guard's 403 keeps its insufficient_scope challenge under a custom body.
    let app = me()
        .route_layer(
            RequireAuth::identity()
                .with_scope("reports:read")
                .with_error_body(html),
        )
        .layer(JwtLayer::new(verifier(&keys)));
    let token = issuer.issue(&Identity::new("bob")).unwrap();
    let bearer = format!("Bearer {}", token.as_str());
    let r = send(&app, get_with("/me", &[("authorization", &bearer)])).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.header("www-authenticate"),
        Some(
            "Bearer realm=\"app\", error=\"insufficient_scope\", error_description=\"requires the scope \\\"reports:read\\\"\""
        )
    );
    assert_eq!(r.body, "<p>requires the scope \"reports:read\"</p>");
}
