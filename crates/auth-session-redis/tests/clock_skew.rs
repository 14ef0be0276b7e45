//! Shared state is pruned by the server's clock, never a caller's: one instance whose clock
//! runs a day ahead must not erase what the others still rely on (live revocations, live
//! subject index entries) when it writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{
    Clock, Identity, ManualClock, Revocation, RevocationProbe, Revocations, SessionRecord,
    SessionStore,
};
use auth_session_redis::{RedisConfig, RedisRevocations, RedisStore};
use redis::AsyncCommands as _;
use std::sync::Arc;
use std::time::Duration;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// A config on the test Redis under `prefix`, judging time by `clock`.
fn config(prefix: &str, clock: Arc<dyn Clock>) -> RedisConfig {
    RedisConfig::new(common::redis_url())
        .with_key_prefix(prefix)
        .with_clock(clock)
}

/// A clock set to the wall clock, and one a day ahead of it.
fn clocks() -> (Arc<ManualClock>, Arc<ManualClock>) {
    let right = Arc::new(ManualClock::new());
    let ahead = Arc::new(ManualClock::new());
    ahead.advance(DAY);
    (right, ahead)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn a_revocation_survives_a_write_from_an_instance_a_day_ahead() {
    let prefix = common::unique_prefix();
    let _cleanup = common::Cleanup::new(&common::redis_url(), &prefix);
    let (right, ahead) = clocks();
    let a = RedisRevocations::connect(&config(&prefix, right.clone()))
        .await
        .unwrap();
    let skewed = RedisRevocations::connect(&config(&prefix, ahead.clone()))
        .await
        .unwrap();

    // Live for an hour by the right clock (and by Redis').
    let key = common::new_key();
    a.revoke(Revocation::session(
        key,
        right.now().saturating_add(Duration::from_secs(3600)),
    ))
    .await
    .unwrap();
    // The skewed instance revokes something else: its write must not prune the live entry.
    skewed
        .revoke(Revocation::token(
            "from-the-future",
            ahead.now().saturating_add(Duration::from_secs(60)),
        ))
        .await
        .unwrap();

    let mut raw = common::raw(&common::redis_url()).await;
    let stored: usize = raw.zcard(format!("{prefix}rev")).await.unwrap();
    assert_eq!(stored, 2, "the live revocation is still in the shared set");
    let late = RedisRevocations::connect(&config(&prefix, right.clone()))
        .await
        .unwrap();
    assert!(
        late.is_revoked(&RevocationProbe {
            session: Some(&key),
            ..Default::default()
        })
        .unwrap(),
        "an instance that starts now still learns the revocation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn an_index_entry_survives_a_write_from_an_instance_a_day_ahead() {
    let prefix = common::unique_prefix();
    let _cleanup = common::Cleanup::new(&common::redis_url(), &prefix);
    let (right, ahead) = clocks();
    let store = RedisStore::connect(&config(&prefix, right.clone()))
        .await
        .unwrap();
    let skewed = RedisStore::connect(&config(&prefix, ahead.clone()))
        .await
        .unwrap();
    let subject = "skew-victim";
    let login = |clock: &ManualClock| {
        let mut r = SessionRecord::new(
            clock.now(),
            Duration::from_secs(30 * 60),
            Duration::from_secs(12 * 3600),
        );
        r.identity = Some(Identity::new(subject));
        r
    };

    let live = common::new_key();
    store.create(&live, &login(&right)).await.unwrap();
    // A login through the skewed instance: an index write (create, then rotate, save and
    // delete, each pruning the index) with `now` a day ahead.
    let other = common::new_key();
    skewed.create(&other, &login(&ahead)).await.unwrap();
    let rotated = common::new_key();
    skewed
        .rotate(&other, &rotated, &auth_core::SessionChanges::default())
        .await
        .unwrap();
    skewed.delete(&rotated).await.unwrap();
    // Listing through the skewed instance sees the live session as expired; it must not
    // drop its entry either.
    assert!(skewed.list_subject(subject).await.unwrap().is_empty());

    let listed: Vec<_> = store
        .list_subject(subject)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(listed, vec![live], "the live session is still indexed");
    assert_eq!(
        store.delete_subject(subject).await.unwrap(),
        1,
        "log out everywhere still finds it"
    );
    assert!(store.load(&live).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn a_refresh_family_survives_a_refresh_from_an_instance_a_day_ahead() {
    use auth_core::refresh::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
    use auth_session_redis::RedisRefreshStore;
    let prefix = common::unique_prefix();
    let _cleanup = common::Cleanup::new(&common::redis_url(), &prefix);
    let (right, ahead) = clocks();
    let store = RedisRefreshStore::connect(&config(&prefix, right.clone()))
        .await
        .unwrap();
    let family = FamilyId::from_bytes(*common::new_key().as_bytes());
    let record = FamilyRecord::new(
        Identity::new("skew-refresh"),
        right.now(),
        right.now().saturating_add(DAY * 30),
    );
    // Its first token is live for another hour.
    let hour = right.now().saturating_add(Duration::from_secs(3600));
    store.create(&family, &record, hour).await.unwrap();
    let request = |now: auth_core::Timestamp| {
        let mut request = RotateRequest::new(
            family,
            0,
            now,
            now.saturating_add(Duration::from_secs(3600)),
        );
        request.grace = Duration::from_secs(10);
        request.max_repeats = 1;
        request
    };
    // By the skewed clock the token expired: refused (liveness is the caller's clock)...
    assert_eq!(
        store.rotate(&request(ahead.now())).await.unwrap(),
        Rotation::NotFound
    );
    // ...but the family is still there for everyone else.
    assert!(
        matches!(
            store.rotate(&request(right.now())).await.unwrap(),
            Rotation::Rotated { generation: 1, .. }
        ),
        "the skewed instance erased a live refresh family"
    );
}
