//! Login throttling on the token endpoints: on by default, 429 `slow_down` with `Retry-After`,
//! reset on success, never reaching the credential check while throttled; and what
//! `CheckCredentials` is told about the request.

use crate::common::send;
use crate::world::*;
use async_trait::async_trait;
use auth_core::Error;
use auth_core::throttle::{MemoryThrottle, ThrottleKey, ThrottlePolicy, ThrottleStore, Verdict};
use auth_tower::Identity;
use auth_tower::throttle::LoginThrottle;
use auth_tower::tokens::{LoginAttempt, TokenEndpoints};
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::Request;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn login_from(addr: &str, user: &str, password: &str) -> Request<Body> {
    let mut req = post_json(
        "/auth/login",
        &json!({"username": user, "password": password}),
    );
    req.extensions_mut()
        .insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
    req
}

#[track_caller]
fn assert_throttled(r: &crate::common::Reply) {
    assert_oauth_error(r, 429, "slow_down");
    let seconds: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&seconds), "{seconds}");
}

#[tokio::test]
async fn the_endpoints_are_throttled_by_default_with_429_slow_down_and_retry_after() {
    let w = world();
    let app = w.app();
    for i in 0..5 {
        let r = send(&app, login_from("10.0.0.1:1", "alice", "wrong")).await;
        assert_oauth_error(&r, 400, "invalid_grant");
        assert!(r.header("retry-after").is_none(), "try {i}");
    }
    let r = send(&app, login_from("10.0.0.1:1", "alice", "wrong")).await;
    assert_throttled(&r);
    assert_eq!(r.header("retry-after"), Some("1"));
    // The right password waits too, from anywhere; the OAuth password grant is the same login.
    assert_throttled(&send(&app, login_from("10.0.0.2:1", "alice", "wonderland")).await);
    let token = post_json(
        "/auth/token",
        &json!({"grant_type": "password", "username": "alice", "password": "wonderland"}),
    );
    assert_throttled(&send(&app, token).await);
    // Other accounts are not affected.
    pair_of(&send(&app, login_from("10.0.0.1:1", "bob", "builder")).await);
}

#[tokio::test]
async fn a_success_after_the_lock_resets_the_account() {
    let w = world();
    let throttle = LoginThrottle::builder()
        .with_store(Arc::new(MemoryThrottle::new().with_clock(w.clock.clone())))
        .build()
        .unwrap();
    let app = app_with(&w, &w.endpoints().with_throttle(throttle).build().unwrap());
    for _ in 0..5 {
        send(&app, login_from("10.0.0.1:1", "alice", "wrong")).await;
    }
    assert_throttled(&send(&app, login_from("10.0.0.9:1", "alice", "wonderland")).await);
    w.clock.advance(Duration::from_secs(1));
    pair_of(&send(&app, login_from("10.0.0.9:1", "alice", "wonderland")).await);
    // Reset: the free attempts are all there again (the fifth failure would lock).
    for _ in 0..4 {
        let r = send(&app, login_from("10.0.0.9:1", "alice", "wrong")).await;
        assert_oauth_error(&r, 400, "invalid_grant");
    }
    pair_of(&send(&app, login_from("10.0.0.9:1", "alice", "wonderland")).await);
}

#[tokio::test]
async fn a_throttled_login_never_reaches_the_credential_check() {
    let w = world();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let endpoints = TokenEndpoints::builder(w.tokens.clone(), move |_: LoginAttempt| {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Ok::<Option<Identity>, std::io::Error>(None) }
    })
    .with_verifier(w.verifier.clone())
    .build()
    .unwrap();
    let app = app_with(&w, &endpoints);
    for _ in 0..20 {
        send(&app, login_from("10.0.0.1:1", "alice", "guess")).await;
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        5,
        "only 5 guesses were checked"
    );
}

#[tokio::test]
async fn a_credential_check_that_could_not_be_made_costs_no_attempt() {
    let w = world();
    let endpoints = TokenEndpoints::builder(w.tokens.clone(), |login: LoginAttempt| async move {
        if login.password() == "db-down" {
            Err(std::io::Error::other("user database down"))
        } else {
            Ok(None)
        }
    })
    .with_verifier(w.verifier.clone())
    .build()
    .unwrap();
    let app = app_with(&w, &endpoints);
    for _ in 0..20 {
        let r = send(&app, login_from("10.0.0.1:1", "alice", "db-down")).await;
        assert_eq!(r.status, 503);
    }
    for i in 0..5 {
        let r = send(&app, login_from("10.0.0.1:1", "alice", "wrong")).await;
        assert_oauth_error(&r, 400, "invalid_grant");
        assert!(r.header("retry-after").is_none(), "try {i}");
    }
}

#[tokio::test]
async fn without_throttle_logins_are_never_refused_with_429() {
    let w = world();
    let app = app_with(&w, &w.endpoints().without_throttle().build().unwrap());
    for _ in 0..30 {
        let r = send(&app, login_from("10.0.0.1:1", "alice", "wrong")).await;
        assert_oauth_error(&r, 400, "invalid_grant");
    }
    pair_of(&send(&app, login_from("10.0.0.1:1", "alice", "wonderland")).await);
}

#[derive(Debug)]
struct Down;

#[async_trait]
impl ThrottleStore for Down {
    async fn check(&self, _: &ThrottleKey, _: &ThrottlePolicy) -> Result<Verdict, Error> {
        Err(Error::unavailable("throttle store down"))
    }
    async fn record_failure(&self, _: &ThrottleKey, _: &ThrottlePolicy) -> Result<Verdict, Error> {
        Err(Error::unavailable("throttle store down"))
    }
    async fn release(&self, _: &ThrottleKey, _: &ThrottlePolicy) -> Result<(), Error> {
        Err(Error::unavailable("throttle store down"))
    }
    async fn reset(&self, _: &ThrottleKey) -> Result<(), Error> {
        Err(Error::unavailable("throttle store down"))
    }
}

#[tokio::test]
async fn a_failing_throttle_store_fails_closed_with_503() {
    let w = world();
    let throttle = LoginThrottle::builder()
        .with_store(Arc::new(Down))
        .build()
        .unwrap();
    let app = app_with(&w, &w.endpoints().with_throttle(throttle).build().unwrap());
    let r = send(&app, login_from("10.0.0.1:1", "alice", "wonderland")).await;
    assert_oauth_error(&r, 503, "temporarily_unavailable");
}

#[tokio::test]
async fn check_credentials_gets_the_client_address_and_headers() {
    let w = world();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let endpoints = TokenEndpoints::builder(w.tokens.clone(), move |login: LoginAttempt| {
        log.lock().unwrap().push(format!(
            "{:?} {:?} {} {login:?}",
            login.client_addr(),
            login.headers().get("user-agent"),
            login.parts().uri.path(),
        ));
        async { Ok::<_, std::io::Error>(None) }
    })
    .with_verifier(w.verifier.clone())
    .with_throttle(
        LoginThrottle::builder()
            .with_client_ip_header("x-forwarded-for")
            .build()
            .unwrap(),
    )
    .build()
    .unwrap();
    let app = app_with(&w, &endpoints);
    let mut req = login_from("127.0.0.1:1", "alice", "s3cret-pw");
    req.headers_mut()
        .insert("user-agent", "audit-test/1".parse().unwrap());
    req.headers_mut()
        .insert("x-forwarded-for", "6.6.6.6, 198.51.100.4".parse().unwrap());
    send(&app, req).await;
    send(&app, login_from("127.0.0.3:1", "alice", "s3cret-pw")).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[0].starts_with("Some(198.51.100.4) Some(\"audit-test/1\") /auth/login"),
        "{seen:?}"
    );
    // The trusted header is missing: no address, never the connection's (the proxy's).
    assert!(seen[1].starts_with("None None"), "{seen:?}");
    assert!(
        seen.iter()
            .all(|s| !s.contains("s3cret-pw") && !s.contains("alice")),
        "Debug redacts the credentials: {seen:?}"
    );
}
