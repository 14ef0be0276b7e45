//! JwtLayer through an axum router: every decision's status, `WWW-Authenticate` and gRPC
//! status asserted exactly.

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{Clock, ManualClock, MemoryStore, Revocation, Revocations, SessionKey};
use auth_tower::auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, Verifier};
use auth_tower::{Identity, JwtLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use common::send;
use http::Request;
use std::sync::Arc;
use std::time::Duration;

struct World {
    clock: Arc<ManualClock>,
    revocations: MemoryStore,
    issuer: Issuer,
    verifier: Verifier,
}

fn world() -> World {
    let clock = Arc::new(ManualClock::new());
    let revocations = MemoryStore::builder().with_clock(clock.clone()).build();
    let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256).unwrap());
    let issuer = Issuer::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys.clone())
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let verifier = Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys)
        .with_clock(clock.clone())
        .with_revocations(revocations.clone())
        .build()
        .unwrap();
    World {
        clock,
        revocations,
        issuer,
        verifier,
    }
}

fn app(layer: JwtLayer) -> Router {
    Router::new()
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().to_owned() }),
        )
        .route(
            "/maybe",
            get(|who: Option<Identity>| async move {
                who.map_or("anonymous".to_owned(), |w| w.subject().to_owned())
            }),
        )
        .layer(layer)
}

fn with_auth(path: &str, values: &[&str]) -> Request<Body> {
    let mut b = Request::get(path);
    for v in values {
        b = b.header("authorization", *v);
    }
    b.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn valid_token_yields_the_identity() {
    let w = world();
    let app = app(JwtLayer::new(w.verifier.clone()));
    let token = w.issuer.issue(&Identity::new("alice")).unwrap();
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = send(
            &app,
            with_auth("/me", &[&format!("{scheme} {}", token.as_str())]),
        )
        .await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (200, "alice"),
            "scheme {scheme}"
        );
    }
}

#[tokio::test]
async fn every_refusal_is_rendered_exactly() {
    let w = world();
    let app = app(JwtLayer::builder(w.verifier.clone())
        .with_realm("api")
        .build()
        .unwrap());
    let token = w.issuer.issue(&Identity::new("alice")).unwrap();

    let r = send(&app, with_auth("/me", &[])).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"api\""),
        "bare challenge without credentials"
    );

    let r = send(&app, with_auth("/me", &["Bearer not.a.jwt"])).await;
    assert_eq!(r.status, 401);
    let challenge = r.header("www-authenticate").unwrap();
    assert!(
        challenge
            .starts_with("Bearer realm=\"api\", error=\"invalid_token\", error_description=\""),
        "{challenge}"
    );

    let bearer = format!("Bearer {}", token.as_str());
    let r = send(&app, with_auth("/me", &[&bearer, &bearer])).await;
    assert_eq!(r.status, 400, "two Authorization headers");
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_request\"")
    );

    let r = send(&app, with_auth("/me", &["Bearer "])).await;
    assert_eq!(r.status, 400);

    let req = Request::get("/me")
        .header("authorization", &b"Bearer \xff\xfe"[..])
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, req).await.status,
        401,
        "non-ASCII is a 401, never a 500"
    );

    // Expired.
    w.clock.advance(Duration::from_secs(16 * 60));
    let r = send(&app, with_auth("/me", &[&bearer])).await;
    assert_eq!(r.status, 401);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn grpc_requests_get_grpc_statuses() {
    let w = world();
    // gRPC calls are POSTs to /package.Service/Method.
    let app = Router::new()
        .route(
            "/pkg.Svc/Call",
            axum::routing::post(|who: Identity| async move { who.subject().to_owned() }),
        )
        .layer(JwtLayer::new(w.verifier.clone()));
    let call = |auth: &[&str]| {
        let mut b = Request::post("/pkg.Svc/Call");
        for v in auth {
            b = b.header("authorization", *v);
        }
        b.body(Body::empty()).unwrap()
    };
    let grpc = |auth: &[&str]| common::grpc(call(auth));
    let r = send(&app, grpc(&[])).await;
    common::assert_grpc_refusal(&r, "16");
    let r = send(&app, grpc(&["Bearer x.y.z"])).await;
    common::assert_grpc_refusal(&r, "16");
    let r = send(&app, grpc(&["Bearer a", "Bearer b"])).await;
    common::assert_grpc_refusal(&r, "3");

    // The same calls over HTTP/1.1 are HTTP requests, whatever their content type says.
    let fake = |auth: &[&str]| common::fake_grpc_http1(call(auth));
    common::assert_http_refusal(&send(&app, fake(&[])).await, 401);
    common::assert_http_refusal(&send(&app, fake(&["Bearer x.y.z"])).await, 401);
    common::assert_http_refusal(&send(&app, fake(&["Bearer a", "Bearer b"])).await, 400);
}

#[tokio::test]
async fn http1_with_a_grpc_content_type_gets_an_http_refusal_from_jwt() {
    let w = world();
    let required = app(JwtLayer::new(w.verifier.clone()));
    let me = |auth: Option<&str>| {
        let mut b = Request::get("/me");
        if let Some(v) = auth {
            b = b.header("authorization", v);
        }
        common::fake_grpc_http1(b.body(Body::empty()).unwrap())
    };
    common::assert_http_refusal(&send(&required, me(None)).await, 401);
    common::assert_http_refusal(
        &send(&required, me(Some("Bearer bad.token.here"))).await,
        401,
    );
    let optional = app(JwtLayer::builder(w.verifier.clone())
        .with_anonymous_access()
        .build()
        .unwrap());
    common::assert_http_refusal(&send(&optional, me(None)).await, 401);
}

#[tokio::test]
async fn optional_mode_lets_anonymous_through_but_never_a_bad_token() {
    let w = world();
    let app = app(JwtLayer::builder(w.verifier.clone())
        .with_anonymous_access()
        .build()
        .unwrap());
    assert_eq!(send(&app, with_auth("/maybe", &[])).await.body, "anonymous");
    let r = send(&app, with_auth("/maybe", &["Bearer bad.token.here"])).await;
    assert_eq!(r.status, 401, "an invalid token is not silently ignored");
    let r = send(&app, with_auth("/me", &[])).await;
    assert_eq!(r.status, 401, "the Identity extractor still requires one");
}

#[tokio::test]
async fn revoking_the_session_kills_its_access_tokens_immediately() {
    let w = world();
    let app = app(JwtLayer::new(w.verifier.clone()));
    let session = SessionKey::from_bytes([7; 32]);
    let token = w
        .issuer
        .issue(&Identity::new("alice").with_session(Some(session)))
        .unwrap();
    let bearer = format!("Bearer {}", token.as_str());
    assert_eq!(send(&app, with_auth("/me", &[&bearer])).await.status, 200);
    let until = w.clock.now().saturating_add(Duration::from_secs(3600));
    w.revocations
        .revoke(Revocation::session(session, until))
        .await
        .unwrap();
    let r = send(&app, with_auth("/me", &[&bearer])).await;
    assert_eq!(
        r.status, 401,
        "revoked, even though the token is cached as verified"
    );
}

#[tokio::test]
async fn scope_guard_on_bearer_identities() {
    use auth_tower::RequireAuth;
    let w = world();
    let app = Router::new()
        .route("/orders", get(|| async { "orders" }))
        .route_layer(RequireAuth::identity().with_scope("orders:read"))
        .layer(JwtLayer::new(w.verifier.clone()));
    let without = w.issuer.issue(&Identity::new("alice")).unwrap();
    let with = w
        .issuer
        .issue(&Identity::new("alice").with_scope("orders:read"))
        .unwrap();
    let r = send(
        &app,
        with_auth("/orders", &[&format!("Bearer {}", without.as_str())]),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("error=\"insufficient_scope\"")
    );
    let r = send(
        &app,
        with_auth("/orders", &[&format!("Bearer {}", with.as_str())]),
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (200, "orders"));
}

fn cookie_req(method: &str, cookie: &str, extra: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri("/me")
        .header("cookie", cookie);
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    b.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn token_from_a_named_cookie() {
    let w = world();
    let app = Router::new()
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().to_owned() })
                .post(|who: Identity| async move { who.subject().to_owned() }),
        )
        .layer(
            JwtLayer::builder(w.verifier.clone())
                .with_cookie("access_token")
                .build()
                .unwrap(),
        );
    let alice = w.issuer.issue(&Identity::new("alice")).unwrap();
    let bob = w.issuer.issue(&Identity::new("bob")).unwrap();
    let cookie = format!("theme=dark; access_token={}", alice.as_str());

    let r = send(&app, cookie_req("GET", &cookie, &[])).await;
    assert_eq!((r.status, r.body.as_str()), (200, "alice"));

    // The header wins over the cookie.
    let bearer = format!("Bearer {}", bob.as_str());
    let r = send(
        &app,
        cookie_req("GET", &cookie, &[("authorization", &bearer)]),
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (200, "bob"));

    // A bad token in the cookie is a 401 invalid_token; an empty one is no token.
    let r = send(&app, cookie_req("GET", "access_token=x.y.z", &[])).await;
    assert_eq!(r.status, 401);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
    let r = send(&app, cookie_req("GET", "access_token=", &[])).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"app\""));

    // The cookie is ambient: a cross-site POST carrying it is refused, a same-origin one is not.
    let r = send(
        &app,
        cookie_req("POST", &cookie, &[("sec-fetch-site", "cross-site")]),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = send(
        &app,
        cookie_req("POST", &cookie, &[("sec-fetch-site", "same-origin")]),
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (200, "alice"));
    // A bearer header is not ambient: cross-site is fine.
    let r = send(
        &app,
        cookie_req(
            "POST",
            "",
            &[("sec-fetch-site", "cross-site"), ("authorization", &bearer)],
        ),
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (200, "bob"));
}

#[tokio::test]
async fn token_cookie_cross_site_check_compares_scheme_host_and_port() {
    let w = world();
    let layer = JwtLayer::builder(w.verifier.clone())
        .with_cookie("access_token")
        .with_allowed_origin("https://front.example:443")
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/me",
            axum::routing::post(|who: Identity| async move { who.subject().to_owned() }),
        )
        .layer(layer);
    let alice = w.issuer.issue(&Identity::new("alice")).unwrap();
    let cookie = format!("access_token={}", alice.as_str());
    let cases = [
        ("http://app.example", 403),
        ("https://app.example:8443", 403),
        ("http://front.example", 403),
        ("https://app.example", 200),
        ("https://front.example", 200),
    ];
    for (origin, status) in cases {
        let r = send(
            &app,
            cookie_req(
                "POST",
                &cookie,
                &[("origin", origin), ("host", "app.example")],
            ),
        )
        .await;
        assert_eq!(r.status, status, "{origin}: {}", r.body);
    }
    for bad in [
        "https://front.example/",
        "*",
        "https://u@front.example",
        "file://x",
    ] {
        let err = JwtLayer::builder(w.verifier.clone())
            .with_allowed_origin(bad)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), auth_core::ErrorKind::Config, "{bad:?}");
    }
}

/// Issue 10: `with_cookie` never validated its name; it now follows the session cookie's rules,
/// checked in `build()`.
#[test]
fn a_token_cookie_name_is_validated_when_built() {
    let w = world();
    for bad in ["", "a b", "x;y", "é", "__Host-"] {
        let err = JwtLayer::builder(w.verifier.clone())
            .with_cookie(bad)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), auth_core::ErrorKind::Config, "{bad:?}");
    }
    assert!(
        JwtLayer::builder(w.verifier.clone())
            .with_cookie("access_token")
            .build()
            .is_ok()
    );
}
