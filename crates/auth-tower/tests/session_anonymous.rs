//! Sessions without an identity are short-lived and bounded (security review, issue 19,
//! finding 3): any request without a cookie that writes to its session creates one, so they
//! get a short idle timeout until login (5 min by default), pushed forward while in use; a
//! login switches the session to the full idle timeout; and a full memory store makes room
//! from anonymous sessions, never from logged-in users.

#![cfg(all(feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{Clock, ManualClock, MemoryStore, SessionId, SessionKey, SessionStore};
use auth_tower::{Identity, Session, SessionError, SessionLayer};
use axum::Router;
use axum::routing::{get, post};
use common::{get as get_req, post as post_req, send};
use std::sync::Arc;
use std::time::Duration;

const MIN: Duration = Duration::from_secs(60);

fn app(store: MemoryStore, clock: Arc<ManualClock>, anonymous_idle: Option<Duration>) -> Router {
    let mut builder = SessionLayer::builder(store)
        .with_clock(clock)
        .with_insecure_dev_cookie();
    if let Some(idle) = anonymous_idle {
        builder = builder.with_anonymous_idle_timeout(idle);
    }
    Router::new()
        .route(
            "/cart",
            post(|s: Session| async move {
                s.insert("cart", "book").await?;
                Ok::<_, SessionError>("added")
            }),
        )
        .route(
            "/cart",
            get(|s: Session| async move {
                Ok::<_, SessionError>(format!("{:?}", s.get::<String>("cart").await?))
            }),
        )
        .route(
            "/login",
            post(|s: Session| async move {
                s.login(Identity::new("alice")).await?;
                Ok::<_, SessionError>("in")
            }),
        )
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().to_owned() }),
        )
        .layer(builder.build().unwrap())
}

fn key_of(cookie_pair: &str) -> SessionKey {
    let (_, value) = cookie_pair.split_once('=').unwrap();
    SessionId::parse(value).unwrap().key()
}

struct World {
    clock: Arc<ManualClock>,
    store: MemoryStore,
    app: Router,
}

fn world(anonymous_idle: Option<Duration>) -> World {
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::builder().with_clock(clock.clone()).build();
    let app = app(store.clone(), clock.clone(), anonymous_idle);
    World { clock, store, app }
}

impl World {
    async fn idle_left(&self, cookie: &str) -> Option<Duration> {
        let record = self.store.load(&key_of(cookie)).await.unwrap()?;
        let left = record.idle_expires_at.as_unix_millis() - self.clock.now().as_unix_millis();
        Some(Duration::from_millis(u64::try_from(left).unwrap()))
    }

    async fn cart(&self, cookie: &str) -> String {
        send(&self.app, get_req("/cart", Some(cookie))).await.body
    }
}

#[tokio::test]
async fn an_anonymous_session_idles_out_after_five_minutes_by_default() {
    let w = world(None);
    let cookie = send(&w.app, post_req("/cart", None)).await.cookie_pair();
    assert_eq!(
        w.idle_left(&cookie).await,
        Some(5 * MIN),
        "created with the anonymous idle timeout, not the 30 min one"
    );
    w.clock.advance(5 * MIN);
    assert_eq!(w.cart(&cookie).await, "None", "gone after 5 idle minutes");
    assert!(w.store.load(&key_of(&cookie)).await.unwrap().is_none());
}

#[tokio::test]
async fn an_anonymous_session_in_use_is_pushed_forward_by_the_anonymous_timeout() {
    let w = world(Some(2 * MIN));
    let cookie = send(&w.app, post_req("/cart", None)).await.cookie_pair();
    assert_eq!(w.idle_left(&cookie).await, Some(2 * MIN));
    // A read every 50 s (under the 60 s touch interval, but at least every half of the 2 min)
    // keeps it alive for 10 minutes; each touch gives 2 minutes, never the full 30.
    for _ in 0..12 {
        w.clock.advance(Duration::from_secs(50));
        assert_eq!(w.cart(&cookie).await, "Some(\"book\")");
        let left = w.idle_left(&cookie).await.expect("alive");
        assert!(left <= 2 * MIN, "{left:?}");
    }
    w.clock.advance(2 * MIN);
    assert_eq!(w.cart(&cookie).await, "None");
}

#[tokio::test]
async fn a_login_switches_the_session_to_the_full_idle_timeout() {
    let w = world(None);
    let anonymous = send(&w.app, post_req("/cart", None)).await.cookie_pair();
    let cookie = send(&w.app, post_req("/login", Some(&anonymous)))
        .await
        .cookie_pair();
    assert_eq!(w.idle_left(&cookie).await, Some(30 * MIN));
    w.clock.advance(20 * MIN);
    let r = send(&w.app, get_req("/me", Some(&cookie))).await;
    assert_eq!((r.status, r.body.as_str()), (200, "alice"));
    assert_eq!(
        w.cart(&cookie).await,
        "Some(\"book\")",
        "the cart came along"
    );
    assert_eq!(
        w.idle_left(&cookie).await,
        Some(30 * MIN),
        "a touch of a logged-in session gives the full idle timeout"
    );
}

#[tokio::test]
async fn a_full_memory_store_keeps_its_logged_in_users_through_an_anonymous_flood() {
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::builder()
        .with_clock(clock.clone())
        .with_max_sessions(50)
        .build();
    let flooded = app(store.clone(), clock.clone(), None);
    let mut users = Vec::new();
    for _ in 0..10 {
        let r = send(&flooded, post_req("/login", None)).await;
        users.push(r.cookie_pair());
    }
    for i in 0..1_000 {
        let r = send(&flooded, post_req("/cart", None)).await;
        assert_eq!(r.status, 200, "a cookie-less write is still served");
        assert!(store.len() <= 50);
        if i % 100 == 0 {
            for user in &users {
                let r = send(&flooded, get_req("/me", Some(user))).await;
                assert_eq!(r.status, 200, "a logged-in user lost their session");
            }
        }
    }
    // Filled with logged-in users only, an anonymous write gets a clear refusal (503), never a
    // 500, and nobody is logged out.
    let store = MemoryStore::builder()
        .with_clock(clock.clone())
        .with_max_sessions(3)
        .build();
    let full = app(store.clone(), clock, None);
    let mut users = Vec::new();
    for _ in 0..3 {
        users.push(send(&full, post_req("/login", None)).await.cookie_pair());
    }
    let r = send(&full, post_req("/cart", None)).await;
    assert_eq!(r.status, 503, "{}", r.body);
    for user in &users {
        assert_eq!(send(&full, get_req("/me", Some(user))).await.status, 200);
    }
}
