//! The `jwt-api` example's `/metrics` over real HTTP: the Prometheus recorder installed as
//! `cargo run -p examples --bin jwt-api` installs it, and the counters move as requests are
//! made (decisions, the verified-token cache, refresh rotation and reuse, throttled logins,
//! the revocation list's size).
//!
//! One test in this binary: the recorder is process-wide and installed once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_tower::throttle::ThrottlePolicy;
use e2e::tokens::{get_with, login, logout, refresh, send};
use e2e::{TestServer, client};
use examples::jwt_api_app::{self, Keys, Options, Stores};
use std::time::Duration;

/// The value of the series `series` (`name{labels}` exactly as exported) in a scrape, 0 if absent.
fn value(scrape: &str, series: &str) -> f64 {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

async fn scrape(base: &str) -> String {
    let a = send(client().get(format!("{base}/metrics"))).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("text/plain; version=0.0.4"));
    a.body
}

const JWT_ACCEPTED: &str = r#"auth_tower_decisions_total{layer="jwt",outcome="accepted"}"#;
const JWT_UNAUTHENTICATED: &str =
    r#"auth_tower_decisions_total{layer="jwt",outcome="unauthenticated"}"#;
const JWT_INVALID_TOKEN: &str =
    r#"auth_tower_decisions_total{layer="jwt",outcome="invalid_token"}"#;
const GUARD_SCOPE: &str =
    r#"auth_tower_decisions_total{layer="guard",outcome="insufficient_scope"}"#;
const TOKEN_CACHE_HIT: &str = r#"auth_tower_token_cache_requests_total{result="hit"}"#;
const TOKEN_CACHE_MISS: &str = r#"auth_tower_token_cache_requests_total{result="miss"}"#;
const ROTATIONS: &str = "auth_tower_refresh_rotations_total";
const REUSE: &str = "auth_tower_refresh_reuse_detected_total";
const THROTTLED: &str = r#"auth_tower_logins_throttled_total{key="account"}"#;
const THROTTLE_REFUSALS: &str =
    r#"auth_tower_decisions_total{layer="token_endpoint",outcome="too_many_requests"}"#;
const REVOCATIONS: &str = r#"auth_tower_revocations{store="memory"}"#;

#[tokio::test]
async fn the_counters_move_as_requests_are_made() {
    let handle = examples::metrics::install().unwrap();
    let options = Options {
        refresh_grace: Duration::ZERO,
        // One attempt, then a lock: the second wrong password is throttled.
        account_throttle: ThrottlePolicy::per_account().with_free_failures(1),
        ..Options::default()
    };
    let app = jwt_api_app::router(&Keys::generate().unwrap(), &Stores::memory(), &options)
        .unwrap()
        .merge(examples::metrics::router(handle));
    let server = TestServer::start(app).await;
    let base = server.url("");

    // Refusals by the layer and by the guard.
    let before = scrape(&base).await;
    send(client().get(format!("{base}/api/me"))).await;
    get_with(&base, "/api/me", "not-a-jwt").await;
    let bob = login(&base, "bob", "builder").await.pair();
    assert_eq!(
        get_with(&base, "/api/reports", &bob.access).await.status,
        403
    );
    let after = scrape(&base).await;
    for (series, by) in [
        (JWT_UNAUTHENTICATED, 1.0),
        (JWT_INVALID_TOKEN, 1.0),
        (GUARD_SCOPE, 1.0),
        (JWT_ACCEPTED, 1.0),
    ] {
        assert_eq!(
            value(&after, series) - value(&before, series),
            by,
            "{series}\n{after}"
        );
    }

    // An accepted token, verified once and then answered from the cache.
    let alice = login(&base, "alice", "wonderland").await.pair();
    let before = scrape(&base).await;
    for _ in 0..3 {
        assert_eq!(get_with(&base, "/api/me", &alice.access).await.status, 200);
    }
    let after = scrape(&base).await;
    assert_eq!(
        value(&after, JWT_ACCEPTED) - value(&before, JWT_ACCEPTED),
        3.0
    );
    assert_eq!(
        value(&after, TOKEN_CACHE_MISS) - value(&before, TOKEN_CACHE_MISS),
        1.0
    );
    assert_eq!(
        value(&after, TOKEN_CACHE_HIT) - value(&before, TOKEN_CACHE_HIT),
        2.0
    );

    // A rotation, then the rotated token again: reuse, which revokes the session.
    let before = scrape(&base).await;
    let next = refresh(&base, &alice.refresh).await.pair();
    assert_eq!(refresh(&base, &alice.refresh).await.status, 400);
    let after = scrape(&base).await;
    assert_eq!(value(&after, ROTATIONS) - value(&before, ROTATIONS), 1.0);
    assert_eq!(value(&after, REUSE) - value(&before, REUSE), 1.0);
    assert!(
        value(&after, REVOCATIONS) > value(&before, REVOCATIONS),
        "the reuse revoked a session: the list grew\n{after}"
    );
    logout(&base, &next.refresh).await;

    // Wrong passwords until the throttle refuses.
    let before = scrape(&base).await;
    assert_eq!(login(&base, "alice", "wrong").await.status, 400);
    assert_eq!(login(&base, "alice", "wrong").await.status, 429);
    let after = scrape(&base).await;
    assert_eq!(value(&after, THROTTLED) - value(&before, THROTTLED), 1.0);
    assert_eq!(
        value(&after, THROTTLE_REFUSALS) - value(&before, THROTTLE_REFUSALS),
        1.0
    );
    // Every metric is described (HELP lines) once the recorder has seen it.
    assert!(after.contains("# HELP auth_tower_decisions_total Auth decisions"));
}
