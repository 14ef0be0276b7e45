//! JWKS, configurable paths, configuration errors, closures as credential checks.

use crate::common::send;
use crate::world::*;
use auth_core::Timestamp;
use auth_tower::Identity;
use auth_tower::tokens::{LoginAttempt, TokenEndpoints};
use serde_json::Value;
use serde_json::json;

#[tokio::test]
async fn jwks_is_published_at_the_well_known_path() {
    let w = world();
    let app = w.app();
    let r = send(&app, bearer("GET", "/.well-known/jwks.json", &[])).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/jwk-set+json"));
    let jwks = json_of(&r);
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], "k1");
    assert_eq!(keys[0]["kty"], "EC");
    assert!(keys[0].get("d").is_none(), "no private member");
    // The same document as the key set's.
    let expected: Value = serde_json::from_slice(&w.keys.load().jwks_json()).unwrap();
    assert_eq!(jwks, expected);
}

#[tokio::test]
async fn prefix_and_jwks_path_are_configurable() {
    let w = world();
    let app = app_with(
        &w,
        &w.endpoints()
            .with_prefix("/v1/oauth")
            .with_jwks_path("/keys.json")
            .with_body_limit(64)
            .build()
            .unwrap(),
    );
    let r = send(
        &app,
        post_json(
            "/v1/oauth/login",
            &json!({"username": "bob", "password": "builder"}),
        ),
    )
    .await;
    let pair = pair_of(&r);
    let r = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"username": "bob", "password": "builder"}),
        ),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        send(&app, bearer("GET", "/keys.json", &[])).await.status,
        200
    );
    assert_eq!(
        send(&app, bearer("GET", "/.well-known/jwks.json", &[]))
            .await
            .status,
        404
    );
    // The smaller body limit holds.
    let r = send(
        &app,
        post_json("/v1/oauth/refresh", &json!({"refresh_token": pair.refresh})),
    )
    .await;
    assert_oauth_error(&r, 400, "invalid_request");

    let endpoints = w
        .endpoints()
        .with_prefix("")
        .without_jwks()
        .build()
        .unwrap();
    assert_eq!(endpoints.prefix(), "");
    let app = app_with(&w, &endpoints);
    let r = send(
        &app,
        post_json("/login", &json!({"username": "bob", "password": "builder"})),
    )
    .await;
    pair_of(&r);
    assert_eq!(
        send(&app, bearer("GET", "/.well-known/jwks.json", &[]))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn bad_configuration_is_refused_when_built() {
    let w = world();
    for prefix in ["auth", "/auth/", "/", "/a/{x}", "/a/*rest", "/a b", "//a"] {
        let e = w.endpoints().with_prefix(prefix).build().unwrap_err();
        assert_eq!(e.kind(), auth_core::ErrorKind::Config, "{prefix}");
    }
    for path in ["", "/", "jwks.json", "/{kid}"] {
        let e = w.endpoints().with_jwks_path(path).build().unwrap_err();
        assert_eq!(e.kind(), auth_core::ErrorKind::Config, "{path}");
    }
    let e = w.endpoints().with_body_limit(0).build().unwrap_err();
    assert_eq!(e.kind(), auth_core::ErrorKind::Config);
}

#[tokio::test]
async fn a_closure_checks_credentials_and_its_realm_is_used() {
    let w = world();
    let endpoints = TokenEndpoints::builder(w.tokens.clone(), |login: LoginAttempt| async move {
        let ok = login.username() == "carol" && login.password() == "secret";
        Ok::<_, std::io::Error>(ok.then(|| {
            Identity::new("carol").with_authenticated_at(Timestamp::from_unix_seconds(42))
        }))
    })
    .with_verifier(w.verifier.clone())
    .with_realm("tokens")
    .build()
    .unwrap();
    let app = app_with(&w, &endpoints);
    let pair = login(&app, "carol", "secret").await;
    let who = json_of(&me(&app, &pair.access).await);
    assert_eq!(who["sub"], "carol");
    assert_eq!(
        who["authenticated_at"], 42,
        "the application's login time is kept"
    );
    let r = send(&app, bearer("POST", "/auth/logout-everywhere", &[])).await;
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"tokens\"")
    );
    assert!(format!("{:?}", w.endpoints()).contains("/auth"));
}
