//! Concurrency on the real database, beyond the conformance suite: many writers on two
//! instances (separate pools), saves racing a logout, rotations racing each other.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{
    Clock, Identity, SaveOutcome, SessionChanges, SessionRecord, SessionStore, SystemClock, Touch,
};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn record() -> SessionRecord {
    let mut r = SessionRecord::new(
        SystemClock.now(),
        Duration::from_secs(600),
        Duration::from_secs(3600),
    );
    r.identity = Some(Identity::new("carol"));
    r
}

fn set(name: &str, value: serde_json::Value) -> SessionChanges {
    let mut c = SessionChanges::default();
    c.insert(name.to_owned(), value);
    c
}

/// Two instances of the store on one schema (each with a pool of its own).
async fn two_stores() -> (
    Arc<auth_session_postgres::PostgresStore>,
    Arc<auth_session_postgres::PostgresStore>,
    common::DropSchema,
) {
    let (config, schema) = common::config(Arc::new(SystemClock));
    let other = auth_session_postgres::PostgresConfig::new(common::database_url())
        .with_schema(config.schema());
    let a = common::connect_store(&config).await;
    let b = common::connect_store(&other).await;
    (Arc::new(a), Arc::new(b), schema)
}

/// 64 writers, half on each instance, each setting its own value 5 times (with a touch):
/// every last value lands and the version counts every save.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn sixty_four_writers_to_different_values_on_two_instances_all_land() {
    let (a, b, _schema) = two_stores().await;
    let key = common::new_key();
    a.create(&key, &record()).await.unwrap();
    let writers: Vec<_> = (0..64)
        .map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move {
                for round in 0..5 {
                    let mut c = set(&format!("field-{i}"), json!([i, round]));
                    let now = SystemClock.now();
                    c.touch = Some(Touch::new(
                        now,
                        now.saturating_add(Duration::from_secs(600)),
                    ));
                    let outcome = store.save(&key, &c).await.unwrap();
                    assert!(matches!(outcome, SaveOutcome::Saved { .. }), "{outcome:?}");
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let loaded = b.load(&key).await.unwrap().unwrap();
    for i in 0..64 {
        assert_eq!(
            loaded.values[&format!("field-{i}")],
            json!([i, 4]),
            "field-{i}"
        );
    }
    assert_eq!(loaded.values.len(), 64);
    assert_eq!(loaded.version, 64 * 5, "every save bumped the version once");
}

/// A logout racing a burst of saves (on both instances): whatever the interleaving, the
/// session is gone afterwards, every save after the delete reports Missing, and no row is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn saves_racing_a_delete_never_resurrect_the_session() {
    let (a, b, schema) = two_stores().await;
    let mut raw = common::raw().await;
    let mut missing = 0;
    for round in 0..30 {
        let key = common::new_key();
        a.create(&key, &record()).await.unwrap();
        let saves: Vec<_> = (0..16)
            .map(|i| {
                let store = if i % 2 == 0 { a.clone() } else { b.clone() };
                tokio::spawn(async move {
                    let mut c = set(&format!("v{i}"), json!(round));
                    let now = SystemClock.now();
                    c.touch = Some(Touch::new(
                        now,
                        now.saturating_add(Duration::from_secs(600)),
                    ));
                    store.save(&key, &c).await.unwrap()
                })
            })
            .collect();
        let deleter = {
            let b = b.clone();
            tokio::spawn(async move { b.delete(&key).await.unwrap() })
        };
        let deleted = deleter.await.unwrap();
        assert!(deleted, "the delete found the live session");
        for s in saves {
            if s.await.unwrap() == SaveOutcome::Missing {
                missing += 1;
            }
        }
        // Saves that started after the delete.
        assert_eq!(
            a.save(&key, &set("late", json!(1))).await.unwrap(),
            SaveOutcome::Missing
        );
        assert!(
            a.load(&key).await.unwrap().is_none(),
            "round {round}: resurrected"
        );
        let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{}\".sessions WHERE key = $1",
            schema.0
        )))
        .bind(key.as_bytes().as_slice())
        .fetch_one(&mut raw)
        .await
        .unwrap();
        assert_eq!(rows, 0, "round {round}: a row came back");
    }
    assert!(a.list_subject("carol").await.unwrap().is_empty());
    // Not an assertion (it depends on scheduling), but the race should have happened.
    eprintln!(
        "{missing} of {} racing saves found the session gone",
        30 * 16
    );
}

/// Two rotations of one session to different new keys at once: exactly one wins, the old key
/// is dead, and exactly one new session exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn racing_rotations_have_one_winner() {
    let (a, b, _schema) = two_stores().await;
    for _ in 0..20 {
        let old = common::new_key();
        a.create(&old, &record()).await.unwrap();
        let (n1, n2) = (common::new_key(), common::new_key());
        let none = SessionChanges::default();
        let (r1, r2) = tokio::join!(a.rotate(&old, &n1, &none), b.rotate(&old, &n2, &none));
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert!(r1.is_some() != r2.is_some(), "exactly one rotation wins");
        assert!(a.load(&old).await.unwrap().is_none());
        let live = [
            a.load(&n1).await.unwrap().is_some(),
            a.load(&n2).await.unwrap().is_some(),
        ];
        assert_eq!(live.iter().filter(|l| **l).count(), 1, "{live:?}");
        assert_eq!(a.list_subject("carol").await.unwrap().len(), 1);
        a.delete_subject("carol").await.unwrap();
    }
}
