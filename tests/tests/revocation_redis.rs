//! Two instances of the `jwt-api` example sharing one Redis (each with its own connections and
//! revocation listener, a key prefix unique to the test): what is revoked on A is refused on
//! B within a bounded time, polled over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use e2e::tokens::{Answer, get_with, login, logout, refresh, send};
use e2e::{TestServer, client};
use examples::jwt_api_app::{self, Keys, Options, Stores};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The bound the tests assert (the design's goal is 50 ms p99 on loopback).
const WITHIN: Duration = Duration::from_secs(1);

fn unique_prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("e2e-revocation:{test}:{}-{nanos}:", std::process::id())
}

struct Pair {
    a: TestServer,
    b: TestServer,
}

impl Pair {
    fn a(&self) -> String {
        self.a.url("")
    }
    fn b(&self) -> String {
        self.b.url("")
    }
}

/// Instances A and B: the same keys, the same Redis and prefix, separate connections.
async fn instances(url: &str, test: &str) -> Pair {
    let prefix = unique_prefix(test);
    let keys = Keys::generate().unwrap();
    let options = Options {
        // What the test leaves in Redis expires within minutes.
        access_ttl: Duration::from_secs(60),
        family_lifetime: Duration::from_secs(120),
        refresh_grace: Duration::ZERO,
        ..Options::default()
    };
    let mut servers = Vec::new();
    for _ in 0..2 {
        let stores = Stores::redis(url, &prefix).await.unwrap();
        let app = jwt_api_app::router(&keys, &stores, &options).unwrap();
        servers.push(TestServer::start(app).await);
    }
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    Pair { a, b }
}

/// Poll `GET /api/me` on `base` every 2 ms until it is a 401; how long that took.
async fn refused_after(base: &str, access: &str, since: Instant) -> (Duration, Answer) {
    loop {
        let a = get_with(base, "/api/me", access).await;
        if a.status == 401 {
            return (since.elapsed(), a);
        }
        assert_eq!(a.status, 200, "{}", a.body);
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "still accepted after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[track_caller]
fn assert_revoked(a: &Answer) {
    assert_eq!(a.status, 401);
    assert_eq!(
        a.header("www-authenticate"),
        Some(
            "Bearer realm=\"jwt-api\", error=\"invalid_token\", error_description=\"the token, its session or its subject was revoked\""
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn logout_on_a_is_refused_on_b_within_a_second() {
    let url = test_support::redis_url();
    let pair = instances(&url, "logout").await;
    let tokens = login(&pair.a(), "alice", "wonderland").await.pair();
    assert_eq!(
        get_with(&pair.b(), "/api/me", &tokens.access).await.status,
        200
    );

    let a = logout(&pair.a(), &tokens.refresh).await;
    let logged_out = Instant::now();
    assert_eq!(a.status, 204);
    let (took, answer) = refused_after(&pair.b(), &tokens.access, logged_out).await;
    assert_revoked(&answer);
    eprintln!("logout on A refused on B after {took:?}");
    assert!(took < WITHIN, "took {took:?}");
    // The refresh family is gone for B too (one store).
    let a = refresh(&pair.b(), &tokens.refresh).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["error"], "invalid_grant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn reuse_detected_on_a_is_refused_on_b() {
    let url = test_support::redis_url();
    let pair = instances(&url, "reuse").await;
    let first = login(&pair.a(), "alice", "wonderland").await.pair();
    // Rotated on B: one family, whichever instance serves it.
    let second = refresh(&pair.b(), &first.refresh).await.pair();
    assert_eq!(
        get_with(&pair.b(), "/api/me", &second.access).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(5)).await;

    // The old refresh token is replayed on A: reuse.
    let a = refresh(&pair.a(), &first.refresh).await;
    let detected = Instant::now();
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["error"], "invalid_grant");
    let (took, answer) = refused_after(&pair.b(), &second.access, detected).await;
    assert_revoked(&answer);
    eprintln!("reuse on A refused on B after {took:?}");
    assert!(took < WITHIN, "took {took:?}");
    let a = refresh(&pair.b(), &second.refresh).await;
    assert_eq!(a.json()["error"], "invalid_grant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn logout_everywhere_on_b_is_refused_on_a() {
    let url = test_support::redis_url();
    let pair = instances(&url, "everywhere").await;
    let phone = login(&pair.a(), "alice", "wonderland").await.pair();
    let laptop = login(&pair.b(), "alice", "wonderland").await.pair();
    let a = send(
        client()
            .post(format!("{}/auth/logout-everywhere", pair.b()))
            .header("authorization", format!("Bearer {}", laptop.access)),
    )
    .await;
    let revoked = Instant::now();
    assert_eq!(a.status, 204);
    for access in [&phone.access, &laptop.access] {
        let (took, answer) = refused_after(&pair.a(), access, revoked).await;
        assert_revoked(&answer);
        assert!(took < WITHIN, "took {took:?}");
    }
}
