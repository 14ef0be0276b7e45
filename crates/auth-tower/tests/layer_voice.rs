//! Every reader of the identity context refuses in the voice of the layer that authenticated
//! the request: the realm of its challenges and its error body, for every reader (the guard
//! layer, the `Identity` extractor, the `Session` extractor, a handler's `Rejection`), under a
//! `JwtLayer`, a `SessionLayer` and a `HybridLayer`. A guard's own `with_error_body` wins for
//! its route group. gRPC readers answer with the gRPC status.

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{Clock, MemoryStore, SystemClock, Timestamp};
use auth_tower::guard::IdentityGuards;
use auth_tower::{
    ErrorBody, HybridLayer, Identity, JwtLayer, Rejection, RequireAuth, Session, SessionLayer,
};
use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use common::{Reply, send};
use http::Request;
use std::time::Duration;

/// A clock an hour ahead: every login is stale to it.
#[derive(Debug)]
struct AnHourLater;

impl Clock for AnHourLater {
    fn now(&self) -> Timestamp {
        SystemClock.now().saturating_add(Duration::from_secs(3_600))
    }
}

/// The routes every layer is tried with: one per reader.
fn readers() -> Router {
    Router::new()
        .route(
            "/guard/identity",
            get(|| async { "ok" }).route_layer(RequireAuth::identity()),
        )
        .route(
            "/guard/role",
            get(|| async { "ok" }).route_layer(RequireAuth::identity().with_role("admin")),
        )
        .route(
            "/guard/fresh",
            get(|| async { "ok" }).route_layer(
                RequireAuth::identity()
                    .with_fresh_login_within(Duration::from_secs(60))
                    .with_clock(AnHourLater),
            ),
        )
        .route(
            "/guard/pages",
            get(|| async { "ok" }).route_layer(
                RequireAuth::identity().with_error_body(ErrorBody::redirect_to_login("/login")),
            ),
        )
        .route(
            "/extractor",
            get(|who: Identity| async move { who.subject().to_owned() }),
        )
        .route("/session", get(|_: Session| async { "a session" }))
        .route(
            "/handler",
            get(|who: Identity| async move {
                who.require_role("admin")?;
                Ok::<_, Rejection>("ok")
            }),
        )
        .route(
            "/login",
            post(|session: Session| async move {
                session.login(Identity::new("alice")).await?;
                Ok::<_, auth_tower::SessionError>("in")
            }),
        )
}

fn jwt_layer(verifier: auth_tower::auth_jwt::Verifier) -> JwtLayer {
    JwtLayer::builder(verifier)
        .with_anonymous_access()
        .with_realm("app-b")
        .with_error_body(ErrorBody::json())
        .build()
        .unwrap()
}

fn session_layer() -> SessionLayer {
    SessionLayer::builder(MemoryStore::new())
        .with_realm("app-b")
        .with_error_body(ErrorBody::json())
        .build()
        .unwrap()
}

fn request(path: &str, auth: Option<&str>, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path);
    if let Some(token) = auth {
        b = b.header("authorization", format!("Bearer {token}"));
    }
    if let Some(cookie) = cookie {
        b = b.header("cookie", cookie);
    }
    b.body(Body::empty()).unwrap()
}

/// The layer's JSON body with `code`, and the `Bearer realm="app-b"` challenge when `bearer`.
#[track_caller]
fn assert_voice(r: &Reply, status: u16, code: &str, bearer: bool) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("application/json"),
        "{}",
        r.body
    );
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["error"], code, "{}", r.body);
    let challenge = r.header("www-authenticate");
    if bearer {
        let challenge = challenge.expect("a Bearer challenge");
        assert!(
            challenge.starts_with("Bearer realm=\"app-b\""),
            "{challenge}"
        );
    } else {
        assert_eq!(challenge, None, "no Bearer challenge expected");
    }
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

/// The guard's own body wins over the layer's for its route group.
#[track_caller]
fn assert_redirect(r: &Reply) {
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/login"));
}

#[tokio::test]
async fn under_a_jwt_layer_every_reader_speaks_in_its_voice() {
    let (issuer, verifier) = common::hs256_issuer_and_verifier(MemoryStore::new());
    let app = readers().layer(jwt_layer(verifier));
    let token = issuer.issue(&Identity::new("alice")).unwrap().into_string();

    for path in ["/guard/identity", "/guard/role", "/extractor", "/handler"] {
        let anonymous = send(&app, request(path, None, None)).await;
        assert_voice(&anonymous, 401, "unauthenticated", true);
    }
    let r = send(&app, request("/guard/role", Some(&token), None)).await;
    assert_voice(&r, 403, "insufficient_scope", true);
    let r = send(&app, request("/guard/fresh", Some(&token), None)).await;
    assert_voice(&r, 401, "insufficient_user_authentication", true);
    let r = send(&app, request("/handler", Some(&token), None)).await;
    assert_voice(&r, 403, "insufficient_scope", true);
    let r = send(&app, request("/guard/pages", None, None)).await;
    assert_redirect(&r);
    // A bad token is the layer's own refusal, in the same voice.
    let r = send(&app, request("/extractor", Some("a.b.c"), None)).await;
    assert_voice(&r, 401, "invalid_token", true);
    // Accepted requests are untouched.
    let r = send(&app, request("/extractor", Some(&token), None)).await;
    assert_eq!((r.status, r.body.as_str()), (200, "alice"));
}

#[tokio::test]
async fn under_a_session_layer_every_reader_speaks_in_its_voice() {
    let app = readers().layer(session_layer());
    for path in ["/guard/identity", "/guard/role", "/extractor"] {
        let r = send(&app, request(path, None, None)).await;
        assert_voice(&r, 401, "unauthenticated", false);
    }
    let r = send(&app, request("/guard/pages", None, None)).await;
    assert_redirect(&r);

    let login = send(&app, common::post("/login", None)).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let cookie = login.cookie_pair();
    let r = send(&app, request("/guard/role", None, Some(&cookie))).await;
    assert_voice(&r, 403, "insufficient_scope", false);
    let r = send(&app, request("/guard/fresh", None, Some(&cookie))).await;
    assert_voice(&r, 401, "insufficient_user_authentication", false);
    let r = send(&app, request("/handler", None, Some(&cookie))).await;
    assert_voice(&r, 403, "insufficient_scope", false);
    let r = send(&app, request("/session", None, Some(&cookie))).await;
    assert_eq!((r.status, r.body.as_str()), (200, "a session"));
}

#[tokio::test]
async fn under_a_hybrid_layer_every_reader_speaks_in_its_voice() {
    let (issuer, verifier) = common::hs256_issuer_and_verifier(MemoryStore::new());
    let app = readers().layer(HybridLayer::new(session_layer(), jwt_layer(verifier)));
    let token = issuer.issue(&Identity::new("alice")).unwrap().into_string();

    // The cookie path challenges for a bearer token too: one is welcome here.
    for path in ["/guard/identity", "/guard/role", "/extractor"] {
        let r = send(&app, request(path, None, None)).await;
        assert_voice(&r, 401, "unauthenticated", true);
    }
    let r = send(&app, request("/guard/role", Some(&token), None)).await;
    assert_voice(&r, 403, "insufficient_scope", true);
    let r = send(&app, request("/handler", Some(&token), None)).await;
    assert_voice(&r, 403, "insufficient_scope", true);
    // The `Session` extractor on the bearer path: this handler needs a cookie (a 403 that
    // is not about the token: no challenge).
    let r = send(&app, request("/session", Some(&token), None)).await;
    assert_voice(&r, 403, "forbidden", false);
    let r = send(&app, request("/guard/pages", None, None)).await;
    assert_redirect(&r);
}

#[tokio::test]
async fn grpc_readers_answer_with_the_grpc_status() {
    let (issuer, verifier) = common::hs256_issuer_and_verifier(MemoryStore::new());
    let app = readers().layer(jwt_layer(verifier));
    let token = issuer.issue(&Identity::new("alice")).unwrap().into_string();
    let r = send(&app, common::grpc(request("/guard/identity", None, None))).await;
    common::assert_grpc_refusal(&r, "16");
    let r = send(
        &app,
        common::grpc(request("/guard/role", Some(&token), None)),
    )
    .await;
    common::assert_grpc_refusal(&r, "7");
}

#[tokio::test]
async fn without_a_layer_a_handlers_refusal_keeps_the_defaults() {
    let app: Router = Router::new().route(
        "/",
        get(|| async { Err::<(), _>(Identity::new("u").require_role("admin").unwrap_err()) }),
    );
    let r = send(&app, request("/", None, None)).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(r.body.contains("requires the role"), "{}", r.body);
}
