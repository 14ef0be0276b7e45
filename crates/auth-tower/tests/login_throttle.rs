//! `LoginThrottle` as a session login handler uses it: per account and per address, the
//! refusal (429 + `Retry-After`, gRPC RESOURCE_EXHAUSTED), reset on success, time-bounded
//! locks, and fail-closed on a store failure.

#![cfg(all(feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use auth_core::throttle::{MemoryThrottle, ThrottleKey, ThrottlePolicy, ThrottleStore, Verdict};
use auth_core::{Error, ManualClock};
use auth_tower::RejectionKind;
use auth_tower::rejection::Protocol;
use auth_tower::throttle::LoginThrottle;
use axum::extract::ConnectInfo;
use http::request::Parts;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

fn from(addr: &str) -> Parts {
    let (mut parts, ()) = http::Request::post("/login").body(()).unwrap().into_parts();
    parts.extensions.insert(ConnectInfo(
        format!("{addr}:40000").parse::<SocketAddr>().unwrap(),
    ));
    parts
}

fn throttle(clock: &Arc<ManualClock>) -> LoginThrottle {
    LoginThrottle::builder()
        .with_store(Arc::new(MemoryThrottle::new().with_clock(clock.clone())))
        .build()
        .unwrap()
}

async fn try_login(
    t: &LoginThrottle,
    parts: &Parts,
    user: &str,
    password: &str,
) -> Result<bool, auth_tower::Rejection> {
    t.attempt(parts, user, async { (password == "right").then_some(()) })
        .await
        .map(|o| o.is_some())
}

#[tokio::test]
async fn the_fifth_failure_locks_the_account_and_refusals_are_429_with_retry_after() {
    let clock = Arc::new(ManualClock::new());
    let t = throttle(&clock);
    for _ in 0..5 {
        assert_eq!(
            try_login(&t, &from("10.0.0.1"), "alice", "wrong").await,
            Ok(false)
        );
    }
    let refusal = try_login(&t, &from("10.0.0.1"), "alice", "right")
        .await
        .unwrap_err();
    assert_eq!(refusal.kind(), RejectionKind::TooManyRequests);
    assert_eq!(refusal.retry_after(), Some(Duration::from_secs(1)));
    let http: http::Response<String> = refusal.render(Protocol::Http, "app");
    assert_eq!(http.status(), 429);
    assert_eq!(http.headers()["retry-after"], "1");
    let grpc: http::Response<String> = refusal.render(Protocol::Grpc, "app");
    assert_eq!(grpc.headers()["grpc-status"], "8", "RESOURCE_EXHAUSTED");
    // Even the right password waits; a refused attempt runs no check and counts nothing.
    let ran = std::sync::atomic::AtomicBool::new(false);
    let r = t
        .attempt(&from("10.0.0.2"), "ALICE", async {
            ran.store(true, std::sync::atomic::Ordering::SeqCst);
            Some(())
        })
        .await;
    assert!(r.is_err() && !ran.load(std::sync::atomic::Ordering::SeqCst));
    // Another account is not affected.
    assert_eq!(
        try_login(&t, &from("10.0.0.1"), "bob", "right").await,
        Ok(true)
    );
}

#[tokio::test]
async fn the_right_password_from_a_fresh_address_passes_once_the_capped_lock_ends() {
    let clock = Arc::new(ManualClock::new());
    let t = throttle(&clock);
    // An attacker fails 200 times, waiting out each lock.
    for i in 0..200 {
        match try_login(&t, &from("203.0.113.9"), "victim", "wrong").await {
            Ok(ok) => assert!(!ok),
            Err(refusal) => {
                let wait = refusal.retry_after().unwrap();
                assert!(
                    wait <= Duration::from_secs(15 * 60),
                    "capped at try {i}: {wait:?}"
                );
                clock.advance(wait);
            }
        }
    }
    clock.advance(Duration::from_secs(15 * 60));
    assert_eq!(
        try_login(&t, &from("198.51.100.1"), "victim", "right").await,
        Ok(true),
        "the victim gets in once the lock (at most the cap) has passed"
    );
    // The success reset the account: the next failure is free again.
    assert_eq!(
        try_login(&t, &from("198.51.100.1"), "victim", "wrong").await,
        Ok(false)
    );
    assert_eq!(
        try_login(&t, &from("198.51.100.1"), "victim", "right").await,
        Ok(true)
    );
}

#[tokio::test]
async fn an_address_spraying_many_accounts_is_throttled_and_a_success_does_not_reset_it() {
    let clock = Arc::new(ManualClock::new());
    let t = throttle(&clock);
    for i in 0..20 {
        let r = try_login(&t, &from("192.0.2.7"), &format!("user{i}"), "wrong").await;
        assert_eq!(r, Ok(false), "try {i}");
    }
    let refusal = try_login(&t, &from("192.0.2.7"), "user99", "right")
        .await
        .unwrap_err();
    assert_eq!(refusal.kind(), RejectionKind::TooManyRequests);
    clock.advance(Duration::from_secs(1));
    // The attacker's own account logs in, but the address keeps its count.
    assert_eq!(
        try_login(&t, &from("192.0.2.7"), "mallory", "right").await,
        Ok(true)
    );
    let r = try_login(&t, &from("192.0.2.7"), "user100", "wrong").await;
    assert!(
        r.is_err(),
        "the lock the allowed attempt booked still holds: {r:?}"
    );
    // Other addresses are not affected.
    assert_eq!(
        try_login(&t, &from("192.0.2.8"), "user100", "right").await,
        Ok(true)
    );
}

/// Fail from `addr` as `user` until refused; the wait the refusal asks for.
async fn fail_until_refused(t: &LoginThrottle, addr: &str, users: &[&str]) -> Duration {
    for i in 0..100 {
        let user = users[i % users.len()];
        if let Err(refusal) = try_login(t, &from(addr), user, "wrong").await {
            return refusal.retry_after().unwrap();
        }
    }
    panic!("never refused");
}

#[tokio::test]
async fn an_attempt_refused_for_its_address_does_not_touch_the_account() {
    let clock = Arc::new(ManualClock::new());
    let t = throttle(&clock);
    // The victim's account is in backoff: its lock has just ended.
    let wait = fail_until_refused(&t, "198.51.100.1", &["victim"]).await;
    clock.advance(wait);
    // An attacker whose address is locked keeps trying the victim's account.
    let users: Vec<String> = (0..30).map(|i| format!("user{i}")).collect();
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    fail_until_refused(&t, "192.0.2.66", &users).await;
    for _ in 0..10 {
        let refusal = try_login(&t, &from("192.0.2.66"), "victim", "wrong")
            .await
            .unwrap_err();
        assert_eq!(refusal.kind(), RejectionKind::TooManyRequests);
    }
    // Those refusals booked nothing on the account: the victim gets in.
    assert_eq!(
        try_login(&t, &from("198.51.100.2"), "victim", "right").await,
        Ok(true)
    );
}

#[tokio::test]
async fn an_attempt_refused_for_its_account_gives_the_address_its_slot_back() {
    let clock = Arc::new(ManualClock::new());
    let t = throttle(&clock);
    fail_until_refused(&t, "198.51.100.1", &["victim"]).await;
    // 100 refusals on the locked account from one address cost that address nothing...
    for _ in 0..100 {
        assert!(
            try_login(&t, &from("192.0.2.9"), "victim", "right")
                .await
                .is_err()
        );
    }
    // ...so its 20 free attempts are all still there.
    for i in 0..20 {
        let r = try_login(&t, &from("192.0.2.9"), &format!("user{i}"), "wrong").await;
        assert_eq!(r, Ok(false), "try {i}");
    }
}

#[tokio::test]
async fn a_burst_of_parallel_guesses_gets_five_password_checks() {
    let t = LoginThrottle::new();
    let checks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let guesses: Vec<_> = (0..200)
        .map(|_| {
            let (t, checks) = (t.clone(), checks.clone());
            tokio::spawn(async move {
                t.attempt(&from("192.0.2.1"), "alice", async {
                    checks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    None::<()>
                })
                .await
            })
        })
        .collect();
    let mut refused = 0;
    for guess in guesses {
        refused += usize::from(guess.await.unwrap().is_err());
    }
    assert_eq!(checks.load(std::sync::atomic::Ordering::SeqCst), 5);
    assert_eq!(refused, 195);
}

#[tokio::test]
async fn an_abandoned_attempt_costs_nothing_and_a_dropped_one_counts_as_a_failure() {
    let t = LoginThrottle::new();
    for _ in 0..10 {
        t.begin(None, "carol").await.unwrap().abandon().await;
    }
    for _ in 0..4 {
        drop(t.begin(None, "carol").await.unwrap());
    }
    // 4 dropped attempts count: the fifth is the last free one.
    t.begin(None, "carol").await.unwrap().failed().await;
    assert!(t.begin(None, "carol").await.is_err());
}

#[tokio::test]
async fn a_forwarded_header_is_trusted_only_when_named() {
    let clock = Arc::new(ManualClock::new());
    let plain = throttle(&clock);
    let mut parts = from("127.0.0.1");
    parts
        .headers
        .insert("x-forwarded-for", "6.6.6.6, 203.0.113.5".parse().unwrap());
    assert_eq!(
        plain.client_addr(&parts),
        Some("127.0.0.1".parse().unwrap())
    );
    let proxied = LoginThrottle::builder()
        .with_client_ip_header("X-Forwarded-For")
        .build()
        .unwrap();
    assert_eq!(
        proxied.client_addr(&parts),
        Some("203.0.113.5".parse().unwrap())
    );
    assert!(
        LoginThrottle::builder()
            .with_client_ip_header("bad header")
            .build()
            .is_err()
    );
    let e = LoginThrottle::builder()
        .with_account_policy(ThrottlePolicy::per_account().with_base_delay(Duration::ZERO))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), auth_core::ErrorKind::Config);
}

/// A request through the trusted proxy at 127.0.0.1 with `X-Forwarded-For: xff`.
fn proxied(xff: Option<&[u8]>) -> Parts {
    let mut parts = from("127.0.0.1");
    if let Some(xff) = xff {
        parts.headers.insert(
            "x-forwarded-for",
            http::HeaderValue::from_bytes(xff).unwrap(),
        );
    }
    parts
}

#[tokio::test]
async fn an_odd_forwarded_byte_neither_escapes_the_attackers_address_nor_locks_the_proxy() {
    let clock = Arc::new(ManualClock::new());
    let t = LoginThrottle::builder()
        .with_store(Arc::new(MemoryThrottle::new().with_clock(clock.clone())))
        .with_client_ip_header("x-forwarded-for")
        .build()
        .unwrap();
    // The attacker prefixes a byte beyond ASCII; the proxy appends their real address.
    for i in 0..20 {
        let parts = proxied(Some(b"\xff, 203.0.113.66"));
        let r = try_login(&t, &parts, &format!("user{i}"), "wrong").await;
        assert_eq!(r, Ok(false), "try {i}");
    }
    // Those failures counted for the attacker's own address...
    let r = try_login(&t, &proxied(Some(b"203.0.113.66")), "user99", "wrong").await;
    assert!(r.is_err(), "the attacker's address is locked: {r:?}");
    // ...not for the proxy's: a request the proxy sent without the header is not locked.
    assert_eq!(
        try_login(&t, &proxied(None), "bob", "right").await,
        Ok(true)
    );
    assert_eq!(
        try_login(&t, &proxied(Some(b"198.51.100.7")), "carol", "right").await,
        Ok(true)
    );
}

#[tokio::test]
async fn requests_without_a_trusted_address_count_together_as_the_unknown_client() {
    let clock = Arc::new(ManualClock::new());
    let t = LoginThrottle::builder()
        .with_store(Arc::new(MemoryThrottle::new().with_clock(clock.clone())))
        .with_client_ip_header_hops("x-forwarded-for", 2)
        .build()
        .unwrap();
    // Only one entry where two proxies should have appended: the CDN was skipped. Such
    // requests share one address key, so spraying accounts that way is throttled too.
    for i in 0..20 {
        let r = try_login(
            &t,
            &proxied(Some(b"198.51.100.4")),
            &format!("u{i}"),
            "wrong",
        )
        .await;
        assert_eq!(r, Ok(false), "try {i}");
    }
    assert!(try_login(&t, &proxied(None), "u99", "wrong").await.is_err());
    // A request through both proxies is someone else.
    let both = proxied(Some(b"6.6.6.6, 198.51.100.4, 192.0.2.10"));
    assert_eq!(t.client_addr(&both), Some("198.51.100.4".parse().unwrap()));
    assert_eq!(try_login(&t, &both, "bob", "right").await, Ok(true));
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
async fn a_failing_store_fails_closed() {
    let t = LoginThrottle::builder()
        .with_store(Arc::new(Down))
        .build()
        .unwrap();
    let refusal = try_login(&t, &from("10.0.0.1"), "alice", "right")
        .await
        .unwrap_err();
    assert_eq!(refusal.kind(), RejectionKind::Unavailable);
    let r: http::Response<String> = refusal.render(Protocol::Http, "app");
    assert_eq!(r.status(), 503);
}
