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
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use std::sync::Arc;
use std::time::Duration;

/// Everything recorded so far, as (name, labels, value). A snapshot takes the counters'
/// values (they restart from 0), so each test reads once, at its end.
type Recorded = Vec<(String, Vec<(String, String)>, DebugValue)>;

fn recorded(snapshotter: &Snapshotter) -> Recorded {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let labels = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            (key.name().to_owned(), labels, value)
        })
        .collect()
}

/// The value of the metric `name` with exactly `labels`, if recorded.
fn value<'a>(
    recorded: &'a Recorded,
    name: &str,
    labels: &[(&str, &str)],
) -> Option<&'a DebugValue> {
    recorded
        .iter()
        .find(|(n, l, _)| {
            n == name
                && l.iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .eq(labels.iter().copied())
        })
        .map(|(_, _, value)| value)
}

fn counter(recorded: &Recorded, name: &str, labels: &[(&str, &str)]) -> u64 {
    match value(recorded, name, labels) {
        Some(DebugValue::Counter(n)) => *n,
        None => 0,
        Some(other) => panic!("{name} is not a counter: {other:?}"),
    }
}

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
    let recorded = recorded(&snapshotter);
    let hits = counter(&recorded, TOKEN_CACHE_REQUESTS_TOTAL, &[("result", "hit")]);
    let misses = counter(&recorded, TOKEN_CACHE_REQUESTS_TOTAL, &[("result", "miss")]);
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
    let recorded = recorded(&snapshotter);
    assert_eq!(
        value(&recorded, TOKEN_CACHE_REQUESTS_TOTAL, &[("result", "miss")]),
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
    let recorded = recorded(&snapshotter);
    assert_eq!(counter(&recorded, REFRESH_ROTATIONS_TOTAL, &[]), 1);
    assert_eq!(counter(&recorded, REFRESH_GRACE_REPEATS_TOTAL, &[]), 1);
    assert_eq!(counter(&recorded, REFRESH_REUSE_DETECTED_TOTAL, &[]), 1);
    match value(&recorded, REVOCATIONS, &[("store", "memory")]) {
        Some(DebugValue::Gauge(n)) => assert!(n.into_inner() >= 1.0, "{n:?}"),
        other => panic!("the revocation list's size: {other:?}"),
    }
}
