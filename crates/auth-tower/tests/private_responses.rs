//! Responses that show a logged-in user's data are kept out of caches: the browser's back
//! button after a logout (found by the real-browser suite: the devices page came back from the
//! cache) and shared caches. A handler's own `Cache-Control` is kept; responses that did not
//! read the session are left alone.

#![cfg(all(feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_core::MemoryStore;
use auth_tower::{Identity, Session, SessionError, SessionLayer};
use axum::Router;
use axum::body::Body;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use http::Request;
use http::header::{CACHE_CONTROL, COOKIE, SET_COOKIE};
use tower::ServiceExt;

fn app() -> Router {
    Router::new()
        .route(
            "/login",
            post(|s: Session| async move {
                s.login(Identity::new("ada")).await?;
                Ok::<_, SessionError>("in")
            }),
        )
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().to_owned() }),
        )
        .route(
            "/devices",
            get(|s: Session| async move {
                Ok::<_, SessionError>(format!("{} sessions", s.sessions().await?.len()))
            }),
        )
        .route(
            "/cacheable",
            get(|who: Identity| async move {
                (
                    [(CACHE_CONTROL, "private, max-age=60")],
                    who.subject().to_owned(),
                )
                    .into_response()
            }),
        )
        .route("/public", get(|| async { "hello" }))
        .layer(
            SessionLayer::builder(MemoryStore::new())
                .with_insecure_dev_cookie()
                .build()
                .unwrap(),
        )
}

async fn logged_in_cookie(app: &Router) -> String {
    let res = app
        .clone()
        .oneshot(
            Request::post("/login")
                .header("sec-fetch-site", "same-origin")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        res.headers()[CACHE_CONTROL],
        "no-store",
        "a response that sets the cookie"
    );
    let set = res.headers()[SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_owned()
}

async fn cache_control(app: &Router, path: &str, cookie: Option<&str>) -> Option<String> {
    let mut req = Request::get(path);
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.headers()
        .get(CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_logged_in_page_is_no_store() {
    let app = app();
    let cookie = logged_in_cookie(&app).await;
    assert_eq!(
        cache_control(&app, "/me", Some(&cookie)).await.as_deref(),
        Some("no-store")
    );
    assert_eq!(
        cache_control(&app, "/devices", Some(&cookie))
            .await
            .as_deref(),
        Some("no-store")
    );
}

#[tokio::test]
async fn the_handlers_own_cache_control_is_kept() {
    let app = app();
    let cookie = logged_in_cookie(&app).await;
    assert_eq!(
        cache_control(&app, "/cacheable", Some(&cookie))
            .await
            .as_deref(),
        Some("private, max-age=60")
    );
}

#[tokio::test]
async fn responses_that_never_read_the_session_are_left_alone() {
    let app = app();
    let cookie = logged_in_cookie(&app).await;
    assert_eq!(cache_control(&app, "/public", Some(&cookie)).await, None);
    assert_eq!(cache_control(&app, "/public", None).await, None);
}
