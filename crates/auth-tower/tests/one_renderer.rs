//! One renderer, one vocabulary: the RFC 6750 code table, the scope check's wording and the
//! rejection types' `Display` / `Error` / `status()` / `body_text()` are the same everywhere.

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::extract::IdentityRejection;
use auth_tower::guard::IdentityGuards;
use auth_tower::session::NoSession;
use auth_tower::{Identity, Rejection, RejectionKind, Session, SessionError};
use axum::extract::FromRequestParts;

fn is_error<E: std::error::Error + std::fmt::Display>() {}

#[test]
fn every_rejection_type_is_an_error() {
    is_error::<Rejection>();
    is_error::<NoSession>();
    is_error::<IdentityRejection>();
    is_error::<SessionError>();
}

#[tokio::test]
async fn a_session_error_says_its_status_and_a_client_safe_text() {
    use auth_tower::SessionLayer;
    use axum::{Router, body::Body, routing::get};
    use tower::ServiceExt;
    // A store that cannot be reached: the handler's `?` answers 503, and the error says so.
    let store = common::ProbeStore::new(auth_core::MemoryStore::new());
    store.set_down(true);
    let app: Router = Router::new()
        .route(
            "/",
            get(|s: Session| async move {
                let e = s.get::<u32>("n").await.unwrap_err();
                assert_eq!(e.status(), 503);
                assert_eq!(
                    e.body_text(),
                    "Service Unavailable: authentication temporarily unavailable\n"
                );
                assert!(
                    !e.body_text().contains("test store"),
                    "never the store's message"
                );
                Err::<(), _>(e)
            }),
        )
        .layer(SessionLayer::builder(store).build().unwrap());
    let cookie = format!("__Host-session={}", "A".repeat(43));
    let req = http::Request::get("/")
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap();
    let r = app.oneshot(req).await.unwrap();
    assert_eq!(r.status(), 503);
}

#[tokio::test]
async fn missing_layer_rejections_say_so_in_status_body_text_and_display() {
    let (mut parts, ()) = http::Request::new(()).into_parts();
    let no_session = Session::from_request_parts(&mut parts, &())
        .await
        .unwrap_err();
    assert_eq!(no_session.status(), 500);
    assert!(no_session.body_text().contains("Did you add SessionLayer"));
    assert!(no_session.to_string().contains("Did you add SessionLayer"));

    let no_identity = Identity::from_request_parts(&mut parts, &())
        .await
        .unwrap_err();
    assert_eq!(no_identity.status(), 500);
    assert!(no_identity.body_text().contains("Did you add SessionLayer"));
    assert!(no_identity.to_string().contains("Did you add SessionLayer"));
}

#[test]
fn auth_jwt_and_the_guards_check_scopes_with_one_wording() {
    let who = Identity::new("u").with_scope("orders:read");
    let jwt = auth_tower::auth_jwt::require_scope(&who, "orders:write").unwrap_err();
    let guard = who.require_scope("orders:write").unwrap_err();
    assert_eq!(jwt.message(), guard.description());
    assert_eq!(guard.description(), "requires the scope \"orders:write\"");
    assert_eq!(
        jwt.bearer_error().map(RejectionKind::from_bearer_error),
        Some(guard.kind())
    );
    assert!(auth_tower::auth_jwt::require_scope(&who, "orders:read").is_ok());
}

#[test]
fn auth_jwt_and_the_renderer_share_one_rfc_6750_table() {
    use auth_tower::auth_jwt::BearerError;
    for code in BearerError::ALL {
        let kind = RejectionKind::from_bearer_error(code);
        assert_eq!(kind.bearer_error(), Some(code), "{code}");
        assert_eq!(kind.status().as_u16(), code.status(), "{code}");
        assert_eq!(kind.error_code(), code.as_str());
    }
    // The step-up code, once only in the renderer's table.
    assert_eq!(
        RejectionKind::FreshLoginRequired.bearer_error(),
        Some(BearerError::InsufficientUserAuthentication)
    );
}
