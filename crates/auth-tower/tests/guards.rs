//! Guards on route groups and in handlers: 401 vs 403, step-up freshness, gRPC statuses, and
//! a guard without an auth layer.

#![cfg(all(feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{Clock, ManualClock, MemoryStore};
use auth_tower::{
    Identity, IdentityGuards, Rejection, RequireAuth, Session, SessionError, SessionLayer,
};
use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use common::{get as get_req, post as post_req, send};
use std::sync::Arc;
use std::time::Duration;

fn app(clock: Arc<ManualClock>) -> Router {
    let admin = Router::new()
        .route("/admin", get(|| async { "admin area" }))
        .route_layer(RequireAuth::identity().with_role("admin"));
    let sensitive = Router::new()
        .route("/delete-account", post(|| async { "deleted" }))
        .route_layer(
            RequireAuth::identity()
                .with_fresh_login_within(Duration::from_secs(600))
                .with_clock(clock.clone()),
        );
    let members = Router::new()
        .route(
            "/members",
            get(|who: Identity| async move { who.subject().to_owned() }),
        )
        .route_layer(RequireAuth::identity());
    let handler_checked = Router::new().route(
        "/reports",
        get(|who: Identity| async move {
            who.require_scope("reports:read")?;
            Ok::<_, Rejection>("reports")
        }),
    );
    Router::new()
        .route(
            "/login/{user}/{role}",
            post(
                |s: Session, Path((user, role)): Path<(String, String)>| async move {
                    s.login(Identity::new(user).with_role(role)).await?;
                    Ok::<_, SessionError>("in")
                },
            ),
        )
        .merge(admin)
        .merge(sensitive)
        .merge(members)
        .merge(handler_checked)
        .layer(
            SessionLayer::builder(MemoryStore::builder().with_clock(clock.clone()).build())
                .with_clock(clock)
                .build()
                .unwrap(),
        )
}

#[tokio::test]
async fn anonymous_is_401_wrong_role_is_403_right_role_passes() {
    let clock = Arc::new(ManualClock::new());
    let app = app(clock);
    let r = send(&app, get_req("/admin", None)).await;
    assert_eq!(r.status, 401);
    // A session layer alone sends no Bearer challenge: it takes no bearer token.
    assert_eq!(r.header("www-authenticate"), None);

    let user = send(&app, post_req("/login/alice/user", None))
        .await
        .cookie_pair();
    let r = send(&app, get_req("/admin", Some(&user))).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("www-authenticate"), None);
    assert_eq!(r.body, "Forbidden: requires the role \"admin\"\n");
    assert_eq!(
        send(&app, get_req("/members", Some(&user))).await.body,
        "alice"
    );

    let admin = send(&app, post_req("/login/root/admin", None))
        .await
        .cookie_pair();
    let r = send(&app, get_req("/admin", Some(&admin))).await;
    assert_eq!((r.status, r.body.as_str()), (200, "admin area"));
}

#[tokio::test]
async fn step_up_requires_a_recent_login() {
    let clock = Arc::new(ManualClock::new());
    let app = app(clock.clone());
    let cookie = send(&app, post_req("/login/alice/user", None))
        .await
        .cookie_pair();
    assert_eq!(
        send(&app, post_req("/delete-account", Some(&cookie)))
            .await
            .status,
        200
    );
    clock.advance(Duration::from_secs(601));
    let r = send(&app, post_req("/delete-account", Some(&cookie))).await;
    assert_eq!(r.status, 401, "still logged in, but not recently enough");
    assert!(r.body.contains("authenticate again"), "{}", r.body);
    assert_eq!(
        send(&app, get_req("/members", Some(&cookie))).await.status,
        200,
        "the session itself is fine"
    );
    // Logging in again satisfies it.
    let again = send(&app, post_req("/login/alice/user", Some(&cookie)))
        .await
        .cookie_pair();
    assert_eq!(
        send(&app, post_req("/delete-account", Some(&again)))
            .await
            .status,
        200
    );
    let _ = clock.now();
}

#[tokio::test]
async fn handler_level_checks_answer_with_the_same_rejections() {
    let clock = Arc::new(ManualClock::new());
    let app = app(clock);
    let cookie = send(&app, post_req("/login/alice/user", None))
        .await
        .cookie_pair();
    let r = send(&app, get_req("/reports", Some(&cookie))).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("requires the scope"), "{}", r.body);
}

#[tokio::test]
async fn grpc_gets_16_and_7() {
    let clock = Arc::new(ManualClock::new());
    let app = app(clock);
    let user = send(&app, post_req("/login/alice/user", None))
        .await
        .cookie_pair();
    let grpc = |cookie: Option<&str>| common::grpc(get_req("/admin", cookie));
    let anonymous = send(&app, grpc(None)).await;
    common::assert_grpc_refusal(&anonymous, "16");
    let forbidden = send(&app, grpc(Some(&user))).await;
    common::assert_grpc_refusal(&forbidden, "7");
    // A gRPC client reads a refusal only from a trailers-only gRPC response: HTTP 200 with a
    // gRPC content type, the status in `grpc-status`, no HTTP challenge, an empty body.
    for (r, code) in [(&anonymous, "16"), (&forbidden, "7")] {
        assert_eq!(
            r.status, 200,
            "grpc-status {code}: trailers-only is HTTP 200"
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/grpc"),
            "grpc-status {code}"
        );
        assert!(
            r.header("grpc-message").is_some_and(|m| !m.is_empty()),
            "grpc-status {code} says why: {:?}",
            r.headers
        );
        assert_eq!(r.header("www-authenticate"), None, "grpc-status {code}");
        assert_eq!(r.body, "", "grpc-status {code}: trailers-only has no body");
    }
}

#[tokio::test]
async fn http1_with_a_grpc_content_type_gets_an_http_refusal_from_guards() {
    let clock = Arc::new(ManualClock::new());
    let app = app(clock);
    let user = send(&app, post_req("/login/alice/user", None))
        .await
        .cookie_pair();
    let fake = |cookie: Option<&str>| common::fake_grpc_http1(get_req("/admin", cookie));
    common::assert_http_refusal(&send(&app, fake(None)).await, 401);
    common::assert_http_refusal(&send(&app, fake(Some(&user))).await, 403);
}

#[tokio::test]
async fn a_guard_without_an_auth_layer_says_so() {
    let app = Router::new()
        .route("/x", get(|| async { "x" }))
        .route_layer(RequireAuth::identity());
    let r = send(&app, get_req("/x", None)).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("missing auth layer"), "{}", r.body);
}

#[tokio::test]
async fn step_up_refuses_an_authentication_time_in_the_future() {
    // A clock far off or a forged value must not be "fresh" for as long as it stays ahead.
    use auth_tower::guard::IdentityGuards;
    let clock = ManualClock::new();
    let now = clock.now();
    let max_age = Duration::from_secs(600);
    let ahead = Identity::new("alice")
        .with_authenticated_at(now.saturating_add(Duration::from_secs(86_400)));
    assert!(ahead.require_fresh_login(max_age, now).is_err());
    let slightly_ahead =
        Identity::new("alice").with_authenticated_at(now.saturating_add(Duration::from_secs(5)));
    assert!(
        slightly_ahead.require_fresh_login(max_age, now).is_ok(),
        "clock skew"
    );
    let never = Identity::new("alice");
    assert!(
        never.require_fresh_login(max_age, now).is_err(),
        "no login time"
    );
}

/// Finding 6 of issue 9 through the guard: bearer tokens whose `auth_time` is missing (every
/// token minted for an identity without a login time) used to count as a login at `iat`.
#[cfg(feature = "jwt")]
mod jwt_step_up {
    use super::*;
    use auth_tower::JwtLayer;
    use auth_tower::auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, Verifier};

    #[tokio::test]
    async fn step_up_refuses_a_bearer_token_without_auth_time() {
        let clock = Arc::new(ManualClock::new());
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
            .build()
            .unwrap();
        let app = Router::new()
            .route("/delete-account", post(|| async { "deleted" }))
            .route_layer(
                RequireAuth::identity()
                    .with_fresh_login_within(Duration::from_secs(600))
                    .with_clock(clock.clone()),
            )
            .layer(JwtLayer::new(verifier));
        let call = |token: &str| {
            http::Request::post("/delete-account")
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap()
        };

        // Minted just now, but for an identity with no login time (a refresh, a service).
        let no_auth_time = issuer.issue(&Identity::new("alice")).unwrap();
        let r = send(&app, call(no_auth_time.as_str())).await;
        assert_eq!(r.status, 401, "{}", r.body);
        assert!(
            r.header("www-authenticate")
                .unwrap()
                .contains("error=\"insufficient_user_authentication\"")
        );

        // Minted just now for a login an hour ago: stale.
        let old_login = Identity::new("alice")
            .with_authenticated_at(clock.now().saturating_sub(Duration::from_secs(3600)));
        let r = send(&app, call(issuer.issue(&old_login).unwrap().as_str())).await;
        assert_eq!(r.status, 401, "{}", r.body);

        // A recent login passes.
        let fresh = Identity::new("alice").with_authenticated_at(clock.now());
        let r = send(&app, call(issuer.issue(&fresh).unwrap().as_str())).await;
        assert_eq!((r.status, r.body.as_str()), (200, "deleted"));
    }
}
