//! Refresh tokens on Redis: rotation, the grace window, reuse detection and family revocation
//! end to end with `RedisRefreshStore` and `RedisRevocations`, across two instances (reuse
//! detected on one kills the family's access tokens on the other). The store contract itself
//! runs check by check in `auth-session-redis`'s `tests/conformance.rs`.
//!
//! Uses the Redis at `REDIS_URL` (default `redis://127.0.0.1:6379/`) under a unique key
//! prefix that is deleted afterwards. The tests are `#[ignore = "needs Redis ..."]`; run with
//! `--include-ignored`, they fail when Redis does not answer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use auth_core::{Clock, ManualClock};
use auth_jwt::{Algorithm, ErrorKind, Identity, Issuer, RefreshTokens, SharedKeySet, Verifier};
use auth_session_redis::{RedisConfig, RedisRefreshStore, RedisRevocations};
use common::{AUD, ISS, key_for};
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::Cleanup;

const SECRET: &[u8] = b"refresh-secret-refresh-secret-32";

/// A config under a fresh prefix on the test Redis, and the guard that deletes the prefix.
fn config(clock: Arc<dyn Clock>) -> (RedisConfig, Cleanup) {
    let url = test_support::redis_url();
    let prefix = test_support::unique_prefix();
    let config = RedisConfig::new(url.clone())
        .with_key_prefix(prefix.clone())
        .with_clock(clock);
    (config, Cleanup::new(&url, &prefix))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn rotation_grace_reuse_and_family_revocation_across_instances() {
    let clock = Arc::new(ManualClock::new());
    let (config, _cleanup) = config(clock.clone());

    let keys = SharedKeySet::from(key_for(Algorithm::ES256, "k1"));
    let issuer = Issuer::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys.clone())
        .with_clock(clock.clone())
        .build()
        .unwrap();
    // Instance A refreshes; instance B only verifies, with its own revocation feed.
    let revocations_a = RedisRevocations::connect(&config).await.unwrap();
    let revocations_b = RedisRevocations::connect(&config).await.unwrap();
    let verifier_b = Verifier::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys)
        .with_clock(clock.clone())
        .with_revocations(revocations_b.clone())
        .build()
        .unwrap();
    let tokens = RefreshTokens::builder(
        issuer,
        Arc::new(RedisRefreshStore::connect(&config).await.unwrap()),
        Arc::new(revocations_a),
        SECRET,
    )
    .with_clock(clock.clone())
    .with_grace(Duration::from_secs(10))
    .build()
    .unwrap();

    let first = tokens.start(&Identity::new("alice")).await.unwrap();
    let second = tokens.refresh(first.refresh.as_str()).await.unwrap();
    assert_ne!(second.refresh.as_str(), first.refresh.as_str(), "rotated");
    assert_eq!(
        verifier_b
            .verify_sync(second.access.as_str())
            .unwrap()
            .subject(),
        "alice"
    );

    // The same client refreshing again inside the grace window gets the same successor.
    let repeat = tokens.refresh(first.refresh.as_str()).await.unwrap();
    assert_eq!(repeat.refresh.as_str(), second.refresh.as_str());

    // Outside the window, the old token is reuse: the whole family dies, on every instance.
    clock.advance(Duration::from_secs(11));
    let reused = tokens.refresh(first.refresh.as_str()).await.unwrap_err();
    assert_eq!(reused.kind(), ErrorKind::RefreshTokenReused);
    let start = Instant::now();
    loop {
        match verifier_b.verify_sync(second.access.as_str()) {
            Err(e) if e.kind() == ErrorKind::Revoked => break,
            _ => {
                assert!(
                    start.elapsed() < Duration::from_secs(1),
                    "instance B did not learn of the revocation"
                );
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
    eprintln!(
        "family revocation reached the other instance in {:?}",
        start.elapsed()
    );
    assert_eq!(
        verifier_b
            .verify_sync(first.access.as_str())
            .unwrap_err()
            .kind(),
        ErrorKind::Revoked
    );
    let after = tokens.refresh(second.refresh.as_str()).await.unwrap_err();
    assert!(
        matches!(
            after.kind(),
            ErrorKind::RefreshTokenInvalid | ErrorKind::Revoked
        ),
        "the client's own token died with the family: {:?}",
        after.kind()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn the_grace_repeat_limit_holds_across_instances() {
    let clock = Arc::new(ManualClock::new());
    let (config, _cleanup) = config(clock.clone());
    let keys = SharedKeySet::from(key_for(Algorithm::ES256, "k1"));
    let issuer = Issuer::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    // Two instances on one Redis, default limit: one repeat in all.
    let instance = async || {
        RefreshTokens::builder(
            issuer.clone(),
            Arc::new(RedisRefreshStore::connect(&config).await.unwrap()),
            Arc::new(RedisRevocations::connect(&config).await.unwrap()),
            SECRET,
        )
        .with_clock(clock.clone())
        .build()
        .unwrap()
    };
    let (a, b) = (instance().await, instance().await);

    let first = a.start(&Identity::new("alice")).await.unwrap();
    let second = a.refresh(first.refresh.as_str()).await.unwrap();
    let repeat = b.refresh(first.refresh.as_str()).await.unwrap();
    assert_eq!(repeat.refresh.as_str(), second.refresh.as_str());
    // The repeat on B counts on A too: one more, anywhere, is reuse.
    clock.advance(Duration::from_secs(1));
    let reused = a.refresh(first.refresh.as_str()).await.unwrap_err();
    assert_eq!(reused.kind(), ErrorKind::RefreshTokenReused);
    let after = b.refresh(second.refresh.as_str()).await.unwrap_err();
    assert!(
        matches!(
            after.kind(),
            ErrorKind::RefreshTokenInvalid | ErrorKind::Revoked
        ),
        "the family is revoked: {:?}",
        after.kind()
    );
}
