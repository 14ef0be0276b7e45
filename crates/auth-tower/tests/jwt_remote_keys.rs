//! JwtLayer on a remote JWKS: a token signed with a key the issuer published after our last
//! fetch is accepted through the layer (its unknown `kid` triggers one refetch, the only
//! verification that awaits anything); inside the refetch cooldown such a token is a 503 with
//! `Retry-After` (it may be signed by a key published since), and a key never published is a
//! 401 once a refetch has looked for it.

#![cfg(all(feature = "jwt", feature = "axum"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_tower::auth_jwt::{
    Algorithm, Issuer, Key, KeySet, RemoteJwks, RemoteJwksConfig, SharedKeySet, Verifier,
};
use auth_tower::{Identity, JwtLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use common::send;
use http::Request;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ISS: &str = "https://issuer.test";
const AUD: &str = "api";

/// A key of the identity provider: its issuer and its public JWK.
fn idp_key(kid: &str) -> (Issuer, serde_json::Value) {
    let set = KeySet::single(Key::generate(kid, Algorithm::ES256).unwrap()).unwrap();
    let jwks: serde_json::Value = serde_json::from_slice(&set.jwks_json()).unwrap();
    let jwk = jwks["keys"][0].clone();
    let issuer = Issuer::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(SharedKeySet::new(set))
        .build()
        .unwrap();
    (issuer, jwk)
}

/// Serves whatever `doc` holds at `/jwks` on 127.0.0.1; returns its URL.
async fn jwks_server(doc: Arc<Mutex<serde_json::Value>>) -> String {
    let app = Router::new().route(
        "/jwks",
        get(move || {
            let body = doc.lock().unwrap().to_string();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/jwks")
}

fn bearer(token: &str) -> Request<Body> {
    Request::get("/me")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_key_published_after_the_last_fetch_is_accepted_through_the_layer() {
    let (old_issuer, old_jwk) = idp_key("old");
    let (new_issuer, new_jwk) = idp_key("new");
    let (unpublished_issuer, _) = idp_key("never");
    let doc = Arc::new(Mutex::new(serde_json::json!({ "keys": [old_jwk.clone()] })));
    let url = jwks_server(doc.clone()).await;
    let clock = Arc::new(auth_core::ManualClock::new());
    let config = RemoteJwksConfig::default()
        .with_clock(clock.clone())
        .with_unknown_kid_cooldown(Duration::from_secs(30));
    let jwks = RemoteJwks::new(&url, config).unwrap();
    jwks.refresh().await.unwrap();
    let fetches = jwks.successful_fetches();
    let verifier = Verifier::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_remote_jwks(&jwks)
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().to_owned() }),
        )
        .layer(JwtLayer::new(verifier));

    // A known key: verified with the keys at hand, no fetch.
    let token = old_issuer.issue(&Identity::new("old-user")).unwrap();
    let reply = send(&app, bearer(token.as_str())).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "old-user"));
    assert_eq!(jwks.successful_fetches(), fetches);

    // The issuer rotates in a new key: its first token makes the layer refetch, then passes.
    *doc.lock().unwrap() = serde_json::json!({ "keys": [old_jwk, new_jwk] });
    let token = new_issuer.issue(&Identity::new("new-user")).unwrap();
    let reply = send(&app, bearer(token.as_str())).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "new-user"));
    assert_eq!(jwks.successful_fetches(), fetches + 1);

    // A key nobody published, inside the cooldown the last refetch started: it could be a key
    // published since, so a 503 that says when to retry, not an `invalid_token` (issue 19);
    // and the cooldown spares the endpoint.
    clock.advance(Duration::from_secs(10));
    let token = unpublished_issuer.issue(&Identity::new("x")).unwrap();
    let reply = send(&app, bearer(token.as_str())).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.headers["retry-after"], "20");
    assert_eq!(jwks.successful_fetches(), fetches + 1);
    // After the cooldown a refetch looks for it, and it is refused.
    clock.advance(Duration::from_secs(20));
    let reply = send(&app, bearer(token.as_str())).await;
    assert_eq!(reply.status, 401);
    let challenge = reply.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert_eq!(jwks.successful_fetches(), fetches + 2);
}
