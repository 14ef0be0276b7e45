//! What the PostgreSQL crate records, against the database under test: every call's latency by
//! operation (and no error when all succeed), the revocation feed's sync state and the list's
//! size. Recorded into a `DebuggingRecorder` installed for this thread only (tokio's
//! current-thread runtime: the crate's tasks run on the test's thread too).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::metrics::{
    REVOCATION_FEED_IN_SYNC, REVOCATION_FEED_RESYNCS_TOTAL, REVOCATIONS, STORE_ERRORS_TOTAL,
    STORE_OPERATION_SECONDS,
};
use auth_core::{Clock, Revocation, Revocations, SessionRecord, SessionStore, SystemClock};
use auth_session_postgres::PostgresRevocations;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use std::sync::Arc;
use std::time::Duration;
use test_support::metrics::Recorded;

#[tokio::test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn store_calls_are_timed_by_operation() {
    let recorder = DebuggingRecorder::new();
    let _guard = metrics::set_default_local_recorder(&recorder);
    // Uncached: every load is a call (tests/local_cache.rs counts what the cache saves).
    let store = common::uncached_store(Arc::new(SystemClock)).await;
    let key = common::new_key();
    let now = SystemClock.now();
    let record = SessionRecord::new(now, Duration::from_secs(600), Duration::from_secs(3600));
    store.create(&key, &record).await.unwrap();
    for _ in 0..2 {
        assert!(store.load(&key).await.unwrap().is_some());
    }

    let recorded = Recorded::take(&recorder.snapshotter());
    for (operation, calls) in [("create session", 1), ("load session", 2)] {
        match recorded.get(
            STORE_OPERATION_SECONDS,
            &[("store", "postgres"), ("operation", operation)],
        ) {
            Some(DebugValue::Histogram(seconds)) => {
                assert_eq!(seconds.len(), calls, "{operation}");
                assert!(
                    seconds
                        .iter()
                        .all(|s| s.into_inner() > 0.0 && s.into_inner() < 5.0)
                );
            }
            other => panic!("{operation}: {other:?}"),
        }
    }
    assert!(!recorded.has(STORE_ERRORS_TOTAL), "no call failed");
}

#[tokio::test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn the_revocation_feed_reports_its_sync_state_and_the_list_its_size() {
    let recorder = DebuggingRecorder::new();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let (config, _schema) = common::config(Arc::new(SystemClock));
    let list = PostgresRevocations::connect(&config).await.unwrap();
    assert!(list.is_synced());
    let until = SystemClock.now().saturating_add(Duration::from_secs(60));
    list.revoke(Revocation::token("t1", until)).await.unwrap();

    let recorded = Recorded::take(&recorder.snapshotter());
    let postgres = [("store", "postgres")];
    assert!(matches!(
        recorded.get(REVOCATION_FEED_IN_SYNC, &postgres),
        Some(DebugValue::Gauge(v)) if v.into_inner() == 1.0
    ));
    assert!(matches!(
        recorded.get(REVOCATION_FEED_RESYNCS_TOTAL, &postgres),
        Some(DebugValue::Counter(1))
    ));
    assert!(matches!(
        recorded.get(REVOCATIONS, &postgres),
        Some(DebugValue::Gauge(v)) if v.into_inner() == 1.0
    ));
    assert!(
        recorded
            .get(
                STORE_OPERATION_SECONDS,
                &[("store", "postgres"), ("operation", "record revocation")]
            )
            .is_some()
    );
}
