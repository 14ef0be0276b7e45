//! HybridLayer: one identity from a cookie or a bearer token, and bad bearer credentials never
//! falling back to the cookie.

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::MemoryStore;
use auth_tower::auth_jwt::Issuer;
use auth_tower::{HybridLayer, Identity, JwtLayer, RequireAuth, Session, SessionLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use common::send;
use http::Request;

struct World {
    issuer: Issuer,
    app: Router,
}

fn world() -> World {
    let store = MemoryStore::new();
    let (issuer, verifier) = common::hs256_issuer_and_verifier(store.clone());
    let sessions = SessionLayer::builder(store.clone())
        .with_insecure_dev_cookie()
        .with_revocations(store)
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/me",
            get(|who: Identity| async move { format!("{} {:?}", who.subject(), who.method()) }),
        )
        .route("/change", post(|| async { "changed" }))
        .route_layer(RequireAuth::identity())
        .route(
            "/login",
            post(|session: Session| async move {
                session.login(Identity::new("alice")).await.map(|()| "ok")
            }),
        )
        .route(
            "/maybe",
            get(|who: Option<Identity>| async move {
                who.map_or("anonymous".to_owned(), |w| w.subject().to_owned())
            }),
        )
        .layer(HybridLayer::new(sessions, JwtLayer::new(verifier)));
    World { issuer, app }
}

fn req(method: &str, path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Body::empty()).unwrap()
}

async fn login_cookie(app: &Router) -> String {
    let r = send(app, req("POST", "/login", &[])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.cookie_pair()
}

#[tokio::test]
async fn cookie_and_bearer_yield_the_same_identity() {
    let w = world();
    let cookie = login_cookie(&w.app).await;
    let r = send(&w.app, req("GET", "/me", &[("cookie", &cookie)])).await;
    assert_eq!((r.status, r.body.as_str()), (200, "alice Session"));

    let token = w.issuer.issue(&Identity::new("alice")).unwrap();
    let bearer = format!("Bearer {}", token.as_str());
    let r = send(&w.app, req("GET", "/me", &[("authorization", &bearer)])).await;
    assert_eq!((r.status, r.body.as_str()), (200, "alice Jwt"));
}

#[tokio::test]
async fn an_invalid_bearer_token_never_falls_back_to_the_cookie() {
    let w = world();
    let cookie = login_cookie(&w.app).await;
    for path in ["/me", "/maybe"] {
        let r = send(
            &w.app,
            req(
                "GET",
                path,
                &[("cookie", &cookie), ("authorization", "Bearer not.a.jwt")],
            ),
        )
        .await;
        assert_eq!(r.status, 401, "{path}");
        let challenge = r.header("www-authenticate").unwrap();
        assert!(
            challenge
                .starts_with("Bearer realm=\"app\", error=\"invalid_token\", error_description=\""),
            "{challenge}"
        );
    }
    // Two Authorization headers, or an empty token: 400, still no fallback.
    let r = send(
        &w.app,
        req(
            "GET",
            "/me",
            &[
                ("cookie", &cookie),
                ("authorization", "Bearer a"),
                ("authorization", "Bearer b"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("www-authenticate"),
        Some(
            "Bearer realm=\"app\", error=\"invalid_request\", error_description=\"more than one Authorization header\""
        )
    );
    let r = send(
        &w.app,
        req(
            "GET",
            "/me",
            &[("cookie", &cookie), ("authorization", "Bearer")],
        ),
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn another_scheme_is_not_a_bearer_request() {
    let w = world();
    let cookie = login_cookie(&w.app).await;
    // A proxy's Basic credentials do not hide the session cookie.
    let r = send(
        &w.app,
        req(
            "GET",
            "/me",
            &[("cookie", &cookie), ("authorization", "Basic dXNlcjpwdw==")],
        ),
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (200, "alice Session"));
}

#[tokio::test]
async fn anonymous_requests_pass_the_layer_and_stop_at_guards() {
    let w = world();
    let r = send(&w.app, req("GET", "/maybe", &[])).await;
    assert_eq!((r.status, r.body.as_str()), (200, "anonymous"));
    let r = send(&w.app, req("GET", "/me", &[])).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"app\""));
}

#[tokio::test]
async fn cross_site_protection_applies_to_cookies_only() {
    let w = world();
    let cookie = login_cookie(&w.app).await;
    let evil = [("origin", "https://evil.example"), ("host", "app.example")];
    let r = send(
        &w.app,
        req("POST", "/change", &[evil[0], evil[1], ("cookie", &cookie)]),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    // A bearer token is not ambient: a cross-origin API call with one is fine.
    let token = w.issuer.issue(&Identity::new("alice")).unwrap();
    let bearer = format!("Bearer {}", token.as_str());
    let r = send(
        &w.app,
        req(
            "POST",
            "/change",
            &[evil[0], evil[1], ("authorization", &bearer)],
        ),
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (200, "changed"));
}

#[tokio::test]
async fn grpc_requests_get_grpc_statuses() {
    let w = world();
    let bad = || req("POST", "/me", &[("authorization", "Bearer x.y.z")]);
    let r = send(&w.app, common::grpc(bad())).await;
    common::assert_grpc_refusal(&r, "16");
    let r = send(&w.app, common::grpc(req("POST", "/me", &[]))).await;
    common::assert_grpc_refusal(&r, "16");
}

#[tokio::test]
async fn http1_with_a_grpc_content_type_gets_an_http_refusal_from_hybrid() {
    let w = world();
    let bad = req("GET", "/me", &[("authorization", "Bearer x.y.z")]);
    let r = send(&w.app, common::fake_grpc_http1(bad)).await;
    common::assert_http_refusal(&r, 401);
    let r = send(&w.app, common::fake_grpc_http1(req("GET", "/me", &[]))).await;
    common::assert_http_refusal(&r, 401);
    let cookie = login_cookie(&w.app).await;
    let bearer_only = req("POST", "/login", &[("authorization", "Bearer x.y.z")]);
    let r = send(&w.app, common::fake_grpc_http1(bearer_only)).await;
    assert_ne!(r.status / 100, 2, "never a 2xx");
    let cross_site = req(
        "POST",
        "/change",
        &[("cookie", &cookie), ("sec-fetch-site", "cross-site")],
    );
    let r = send(&w.app, common::fake_grpc_http1(cross_site)).await;
    common::assert_http_refusal(&r, 403);
}

#[tokio::test]
async fn a_session_only_handler_refuses_bearer_requests_with_403() {
    let w = world();
    let token = w.issuer.issue(&Identity::new("alice")).unwrap();
    let bearer = format!("Bearer {}", token.as_str());
    let app = w.app.clone();
    let r = send(&app, req("POST", "/login", &[("authorization", &bearer)])).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("needs a session cookie"), "{}", r.body);
}

#[tokio::test]
async fn cross_site_origin_scheme_counts_for_the_session_cookie() {
    // This world's session cookie is the insecure development one: its own origin is http.
    let w = world();
    let cookie = login_cookie(&w.app).await;
    let post = |origin: &str| {
        req(
            "POST",
            "/change",
            &[
                ("origin", origin),
                ("host", "app.example"),
                ("cookie", &cookie),
            ],
        )
    };
    assert_eq!(send(&w.app, post("https://app.example")).await.status, 403);
    assert_eq!(
        send(&w.app, post("http://app.example:80")).await.status,
        200
    );
    assert_eq!(send(&w.app, post("http://app.example")).await.status, 200);
}
