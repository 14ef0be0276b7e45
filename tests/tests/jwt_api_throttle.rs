//! Brute-force protection on the `jwt-api` example over real HTTP, each client on its own
//! loopback address (127.0.0.2, 127.0.0.3...): repeated wrong passwords get `429` with
//! `Retry-After` long before the 20th, the right password from a fresh address logs in once
//! the lock has passed, an address spraying many accounts is throttled, and two instances on
//! one Redis count failures together.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_tower::throttle::ThrottlePolicy;
use e2e::TestServer;
use e2e::tokens::{Answer, login_from};
use examples::jwt_api_app::{self, Keys, Options, Stores};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Short locks, so the test waits about a second (long enough that a slow machine cannot let
/// one pass in the middle of a sequence); otherwise the example's defaults (5 attempts per
/// account, 20 per address).
fn options() -> Options {
    Options {
        account_throttle: ThrottlePolicy::per_account()
            .with_base_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(2))
            .with_forget_after(Duration::from_secs(30)),
        address_throttle: ThrottlePolicy::per_address()
            .with_base_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(2))
            .with_forget_after(Duration::from_secs(30)),
        // What the test leaves in Redis expires within minutes.
        access_ttl: Duration::from_secs(60),
        family_lifetime: Duration::from_secs(120),
        ..Options::default()
    }
}

#[track_caller]
fn assert_throttled(a: &Answer) -> Duration {
    assert_eq!(a.status, 429, "{}", a.body);
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert_eq!(a.json()["error"], "slow_down", "{}", a.body);
    let seconds: u64 = a
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=2).contains(&seconds), "{seconds}");
    Duration::from_secs(seconds)
}

/// 20 wrong passwords for `user`, alternating over `bases` (instances), from 127.0.0.2: the
/// first 429 comes before the 20th; the wait the last 429 asked for.
async fn twenty_wrong_passwords(bases: &[String], user: &str) -> Duration {
    let mut first_429 = None;
    let mut wait = Duration::ZERO;
    for i in 0..20 {
        let base = &bases[i % bases.len()];
        let a = login_from(base, "127.0.0.2", user, "wrong-password").await;
        if a.status == 429 {
            wait = assert_throttled(&a);
            first_429.get_or_insert(i + 1);
        } else {
            assert_eq!(a.status, 400, "{}", a.body);
            assert_eq!(a.json()["error"], "invalid_grant");
            assert!(
                first_429.is_none(),
                "no failure is counted after the lock: try {i}"
            );
        }
    }
    let first = first_429.expect("throttled");
    assert!(first < 20, "429 before the 20th, got it at {first}");
    assert_eq!(
        first, 6,
        "5 attempts in a row, the 5th failure locks, the 6th waits"
    );
    wait
}

#[tokio::test]
async fn twenty_wrong_passwords_get_429_and_the_right_one_from_a_fresh_address_logs_in_after() {
    let app =
        jwt_api_app::router(&Keys::generate().unwrap(), &Stores::memory(), &options()).unwrap();
    let server = TestServer::start(app).await;
    let base = server.url("");
    let wait = twenty_wrong_passwords(std::slice::from_ref(&base), "alice").await;
    // Even the right password waits for the lock...
    assert_throttled(&login_from(&base, "127.0.0.3", "alice", "wonderland").await);
    // ...and once it has passed, it logs in from a fresh address.
    tokio::time::sleep(wait).await;
    let a = login_from(&base, "127.0.0.3", "alice", "wonderland").await;
    a.pair();
}

#[tokio::test]
async fn an_address_trying_many_accounts_is_throttled_and_others_are_not() {
    let app =
        jwt_api_app::router(&Keys::generate().unwrap(), &Stores::memory(), &options()).unwrap();
    let server = TestServer::start(app).await;
    let base = server.url("");
    for i in 0..20 {
        let a = login_from(&base, "127.0.0.4", &format!("user{i}"), "guess").await;
        assert_eq!(a.status, 400, "try {i}: {}", a.body);
    }
    assert_throttled(&login_from(&base, "127.0.0.4", "bob", "builder").await);
    login_from(&base, "127.0.0.5", "bob", "builder")
        .await
        .pair();
}

#[tokio::test]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn failures_on_one_instance_count_on_the_other_with_redis() {
    let url = test_support::redis_url();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("e2e-throttle:{}-{nanos}:", std::process::id());
    let keys = Keys::generate().unwrap();
    let mut servers = Vec::new();
    for _ in 0..2 {
        let stores = Stores::redis(&url, &prefix).await.unwrap();
        let app = jwt_api_app::router(&keys, &stores, &options()).unwrap();
        servers.push(TestServer::start(app).await);
    }
    let bases: Vec<String> = servers.iter().map(|s| s.url("")).collect();
    // Alternating A, B, A...: the 6th attempt overall is refused, so the counts are shared.
    let wait = twenty_wrong_passwords(&bases, "alice").await;
    assert_throttled(&login_from(&bases[1], "127.0.0.3", "alice", "wonderland").await);
    tokio::time::sleep(wait).await;
    login_from(&bases[1], "127.0.0.3", "alice", "wonderland")
        .await
        .pair();
    // The success on B reset the account for A too: a wrong password is a plain 400 again.
    let a = login_from(&bases[0], "127.0.0.3", "alice", "nope").await;
    assert_eq!(a.status, 400, "{}", a.body);
}
