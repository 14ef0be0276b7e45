//! Refresh tokens on Redis: the store contract against a real Redis, and rotation, the grace
//! window, reuse detection and family revocation end to end with `RedisRefreshStore` and
//! `RedisRevocations`, across two instances (reuse detected on one kills the family's access
//! tokens on the other).
//!
//! Uses the Redis at `REDIS_URL` (default `redis://127.0.0.1:6379/`) under a unique key
//! prefix that is deleted afterwards. Without Redis: a printed skip, or a failure in CI.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use auth_core::{Clock, ManualClock, SystemClock};
use auth_jwt::{
    Algorithm, ErrorKind, Identity, Issuer, RefreshTokens, SharedKeySet, Verifier,
    refresh_store_conformance,
};
use auth_session_redis::{RedisConfig, RedisRefreshStore, RedisRevocations, redis};
use common::{AUD, ISS, key_for};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &[u8] = b"refresh-secret-refresh-secret-32";

fn url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

/// A config under a fresh prefix, or `None` (skip) when Redis is unreachable outside CI.
async fn config(clock: Arc<dyn Clock>) -> Option<(RedisConfig, Cleanup)> {
    let prefix = format!(
        "jwt-test-{}:",
        auth_core::SessionId::generate().unwrap().key().to_hex()
    );
    let config = RedisConfig::new(url())
        .with_key_prefix(prefix.clone())
        .with_clock(clock);
    match RedisRefreshStore::connect(&config).await {
        Ok(_) => Some((config, Cleanup(prefix))),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: no Redis at {} ({e})", url());
            None
        }
        Err(e) => panic!("CI: Redis at {} is required: {e}", url()),
    }
}

/// Deletes every key under the prefix when dropped.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(url()) else {
            return;
        };
        let Ok(mut conn) = client.get_connection() else {
            return;
        };
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.0))
            .query(&mut conn)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut conn);
        }
    }
}

#[tokio::test]
async fn redis_refresh_store_meets_the_contract() {
    let Some((config, _cleanup)) = config(Arc::new(SystemClock)).await else {
        return;
    };
    let store = RedisRefreshStore::connect(&config).await.unwrap();
    // Redis expires families by the wall clock (PEXPIREAT), so start the contract at now.
    refresh_store_conformance(&store, SystemClock.now()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_grace_reuse_and_family_revocation_across_instances() {
    let clock = Arc::new(ManualClock::new());
    let Some((config, _cleanup)) = config(clock.clone()).await else {
        return;
    };

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
async fn the_grace_repeat_limit_holds_across_instances() {
    let clock = Arc::new(ManualClock::new());
    let Some((config, _cleanup)) = config(clock.clone()).await else {
        return;
    };
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
