//! Which session endings publish a revocation (security review, issue 19):
//! - only sessions that had an identity: an anonymous session (a CSRF token, a cart) minted
//!   nothing, so "write, then log out" in a loop must not grow the shared list (finding 2);
//! - every way a logged-in session key stops being valid, the id rotation of a second login and
//!   another user logging in on the same browser included, revokes the tokens minted from it
//!   (finding 4).

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{MemoryStore, Revocation, Revocations};
use auth_tower::{HybridLayer, Identity, JwtLayer, Session, SessionError, SessionLayer};
use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use common::{get as get_req, post as post_req, send};
use http::Request;
use tokio::sync::broadcast;

struct World {
    store: MemoryStore,
    app: Router,
}

fn world() -> World {
    let store = MemoryStore::new();
    let (issuer, verifier) = common::hs256_issuer_and_verifier(store.clone());
    let sessions = SessionLayer::builder(store.clone())
        .with_insecure_dev_cookie()
        .with_revocations(store.clone())
        .build()
        .unwrap();
    let mint = {
        let issuer = issuer.clone();
        move |session: Session| async move {
            let identity = session.identity().await?.expect("logged in");
            Ok::<_, SessionError>(issuer.issue(&identity).unwrap().as_str().to_owned())
        }
    };
    let app = Router::new()
        .route(
            "/login/{user}",
            post(|s: Session, Path(user): Path<String>| async move {
                s.login(Identity::new(user)).await?;
                Ok::<_, SessionError>("in")
            }),
        )
        // What a CSRF token, a cart or a flash message does: a value in an anonymous session.
        .route(
            "/write",
            post(|s: Session| async move {
                s.insert("cart", vec!["book"]).await?;
                Ok::<_, SessionError>("written")
            }),
        )
        .route("/mint", post(mint))
        // Logs out without reading the session first (the handle has not loaded it).
        .route(
            "/logout",
            post(|s: Session| async move {
                s.logout().await?;
                Ok::<_, SessionError>("out")
            }),
        )
        // Reads the session, then logs out (the handle holds the loaded record).
        .route(
            "/read-then-logout",
            post(|s: Session| async move {
                let _ = s.get::<Vec<String>>("cart").await?;
                s.logout().await?;
                Ok::<_, SessionError>("out")
            }),
        )
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().to_owned() }),
        )
        .layer(HybridLayer::new(sessions, JwtLayer::new(verifier)));
    World { store, app }
}

impl World {
    async fn post(&self, path: &str, cookie: Option<&str>) -> common::Reply {
        let r = send(&self.app, post_req(path, cookie)).await;
        assert_eq!(r.status, 200, "POST {path}: {}", r.body);
        r
    }

    async fn login(&self, user: &str, cookie: Option<&str>) -> String {
        self.post(&format!("/login/{user}"), cookie)
            .await
            .cookie_pair()
    }

    async fn mint(&self, cookie: &str) -> String {
        self.post("/mint", Some(cookie)).await.body
    }

    async fn bearer_status(&self, token: &str) -> u16 {
        let req = Request::get("/me")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap();
        send(&self.app, req).await.status
    }
}

fn nothing_published(feed: &mut broadcast::Receiver<Revocation>) -> bool {
    matches!(feed.try_recv(), Err(broadcast::error::TryRecvError::Empty))
}

// ---- finding 2: only a session with an identity is revoked ----

#[tokio::test]
async fn writing_to_an_anonymous_session_then_logging_out_publishes_nothing() {
    let w = world();
    let mut feed = w.store.subscribe();
    for logout in ["/logout", "/read-then-logout"] {
        for _ in 0..50 {
            let cookie = w.post("/write", None).await.cookie_pair();
            w.post(logout, Some(&cookie)).await;
        }
    }
    assert!(
        nothing_published(&mut feed),
        "an anonymous session's logout published a revocation"
    );
    assert_eq!(w.store.len(), 0, "every anonymous session was deleted");
    // A logged-in session's logout still publishes, loaded or not.
    for logout in ["/logout", "/read-then-logout"] {
        let cookie = w.login("alice", None).await;
        w.post(logout, Some(&cookie)).await;
        assert!(feed.try_recv().is_ok(), "{logout} of a logged-in session");
    }
}

#[tokio::test]
async fn logging_in_on_an_anonymous_session_publishes_nothing() {
    let w = world();
    let mut feed = w.store.subscribe();
    let anonymous = w.post("/write", None).await.cookie_pair();
    let cookie = w.login("alice", Some(&anonymous)).await;
    assert_ne!(cookie, anonymous, "the id rotates at login");
    assert!(nothing_published(&mut feed));
}

// ---- finding 4: rotation and user switch revoke what the old key minted ----

#[tokio::test]
async fn a_token_minted_before_a_second_login_dies_with_the_next_logout() {
    let w = world();
    let first = w.login("alice", None).await;
    let token = w.mint(&first).await;
    assert_eq!(w.bearer_status(&token).await, 200);
    let second = w.login("alice", Some(&first)).await;
    assert_ne!(second, first, "the id rotates at every login");
    w.post("/logout", Some(&second)).await;
    assert_eq!(
        send(&w.app, get_req("/me", Some(&second))).await.status,
        401,
        "the cookie is logged out"
    );
    assert_eq!(
        w.bearer_status(&token).await,
        401,
        "the token minted from the first session id outlived the logout"
    );
}

#[tokio::test]
async fn a_token_of_the_previous_user_dies_when_another_user_logs_in_on_the_browser() {
    let w = world();
    let alice = w.login("alice", None).await;
    let token = w.mint(&alice).await;
    assert_eq!(w.bearer_status(&token).await, 200);
    let bob = w.login("bob", Some(&alice)).await;
    assert_eq!(send(&w.app, get_req("/me", Some(&bob))).await.body, "bob");
    assert_eq!(
        w.bearer_status(&token).await,
        401,
        "alice's token minted from the session bob's login ended is still valid"
    );
}
