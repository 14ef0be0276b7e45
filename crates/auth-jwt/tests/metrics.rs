//! What the JWT crate records: verified-token cache hits and misses, refresh rotations, grace
//! repeats and reuse detections (and, through the memory store, the revocation list's size),
//! into a `DebuggingRecorder` installed for this thread only.

#![allow(clippy::unwrap_used)]

mod common;

use auth_core::metrics::{
    REFRESH_GRACE_REPEATS_TOTAL, REFRESH_REUSE_DETECTED_TOTAL, REFRESH_ROTATIONS_TOTAL,
    REVOCATIONS, TOKEN_CACHE_REQUESTS_TOTAL,
};
use auth_jwt::{Algorithm, ErrorKind, Identity, MemoryRefreshStore, RefreshTokens};
use common::World;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use std::sync::Arc;
use std::time::Duration;
use test_support::metrics::Recorded;

#[test]
fn the_verified_token_cache_counts_a_miss_then_hits() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let w = World::new(Algorithm::ES256);
    let token = w.issuer.issue(&Identity::new("alice")).unwrap();
    metrics::with_local_recorder(&recorder, || {
        for _ in 0..3 {
            w.verifier.verify_sync(token.as_str()).unwrap();
        }
    });
    let recorded = Recorded::take(&snapshotter);
    let hits = recorded.counter(TOKEN_CACHE_REQUESTS_TOTAL, &[("result", "hit")]);
    let misses = recorded.counter(TOKEN_CACHE_REQUESTS_TOTAL, &[("result", "miss")]);
    assert_eq!((misses, hits), (1, 2));
}

#[test]
fn a_verifier_without_a_cache_counts_no_lookups() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let w = World::with_verifier(Algorithm::HS256, |b| b.with_cache_capacity(0));
    let token = w.issuer.issue(&Identity::new("alice")).unwrap();
    metrics::with_local_recorder(&recorder, || {
        w.verifier.verify_sync(token.as_str()).unwrap();
    });
    let recorded = Recorded::take(&snapshotter);
    assert_eq!(
        recorded.get(TOKEN_CACHE_REQUESTS_TOTAL, &[("result", "miss")]),
        None
    );
}

#[test]
fn rotations_grace_repeats_and_reuse_are_counted() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let w = World::new(Algorithm::ES256);
    let tokens = RefreshTokens::builder(
        w.issuer.clone(),
        Arc::new(MemoryRefreshStore::new()),
        Arc::new(w.store.clone()),
        b"refresh-secret-refresh-secret-32",
    )
    .with_clock(w.clock.clone())
    .with_family_lifetime(Duration::from_secs(24 * 3600))
    .with_grace(Duration::from_secs(10))
    .build()
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let first = tokens.start(&Identity::new("alice")).await.unwrap();
            tokens.refresh(first.refresh.as_str()).await.unwrap();
            // The default one repeat inside the window: the same successor.
            tokens.refresh(first.refresh.as_str()).await.unwrap();
            // Once more: reuse, and the family's session is revoked.
            let reuse = tokens.refresh(first.refresh.as_str()).await.unwrap_err();
            assert_eq!(reuse.kind(), ErrorKind::RefreshTokenReused);
        });
    });
    let recorded = Recorded::take(&snapshotter);
    assert_eq!(recorded.counter(REFRESH_ROTATIONS_TOTAL, &[]), 1);
    assert_eq!(recorded.counter(REFRESH_GRACE_REPEATS_TOTAL, &[]), 1);
    assert_eq!(recorded.counter(REFRESH_REUSE_DETECTED_TOTAL, &[]), 1);
    match recorded.get(REVOCATIONS, &[("store", "memory")]) {
        Some(DebugValue::Gauge(n)) => assert!(n.into_inner() >= 1.0, "{n:?}"),
        other => panic!("the revocation list's size: {other:?}"),
    }
}
